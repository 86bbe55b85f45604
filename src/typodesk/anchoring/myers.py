"""Myers' bit-parallel approximate string matching, scanning a whole page at once.

Myers (1999), in Hyyrö's formulation, computes the edit-distance table of *pattern* against *text*
one column (one text character) at a time, packing the column's vertical differences into machine
words. In Python a loop over the text costs about a microsecond per character, so a 10,000-character
page would take 10 ms per pattern. The edit-distance table is symmetric, so this module runs the
same recurrence *transposed*: one row (one pattern character) at a time, with the row's horizontal
differences packed into a Python big int that has one bit per text character. A 32-character
context pattern then costs 32 steps of a few big-int operations, each done in C over the whole
page, whatever the page length (about 0.1 ms for 10,000 characters).

The last row of the table says, for every text position ``j``, how many edits the pattern needs to
match some substring ending at ``j`` (free start, anchored end): exactly what we need for a
quote's *prefix*, which must end where the quote starts. Running the reversed pattern over the
reversed text gives the same for the *suffix*, which must start where the quote ends.

The row comes out as two bit sets (positions where the cost goes up by one, and down by one);
:class:`Costs` turns them back into numbers lazily, eight positions at a time through lookup
tables, so that the few positions we ask about (and the few where the cost is low) are cheap.
"""

from __future__ import annotations

import sys
from collections.abc import Iterable
from functools import cache
from itertools import accumulate, compress

__all__ = ["BitText", "Costs"]

_BITS_TO_DIGITS: dict[int, bytes] = {}  # code -> 256-byte table mapping that code to b"1", others to b"0"


def _digit_table(code: int) -> bytes:
    table = _BITS_TO_DIGITS.get(code)
    if table is None:
        raw = bytearray(b"0" * 256)
        raw[code] = ord("1")
        table = _BITS_TO_DIGITS[code] = bytes(raw)
    return table


@cache
def _byte_tables() -> tuple[list[int], list[int], list[tuple[int, ...]]]:
    """Per-byte summaries of a (plus, minus) pair of difference bytes.

    Index ``plus | minus << 8`` (the two never share a bit): the net change over the eight
    positions, the lowest running total reached within them, and the eight running totals.
    Only 3**8 of the 65,536 indexes are valid; built once, on first use (about 20 ms).
    """
    delta = [0] * 65536
    lowest = [0] * 65536
    partial: list[tuple[int, ...]] = [()] * 65536
    for plus in range(256):
        free = 255 & ~plus
        minus = free
        while True:  # every subset of the bits not in `plus`
            total = 0
            sums = []
            for bit in range(8):
                total += (plus >> bit) & 1
                total -= (minus >> bit) & 1
                sums.append(total)
            key = plus | minus << 8
            delta[key] = total
            lowest[key] = min(sums)
            partial[key] = tuple(sums)
            if minus == 0:
                break
            minus = (minus - 1) & free
    return delta, lowest, partial


def _byte_codes(text: str, batch: list[str]) -> bytes:
    """``text`` as one byte per character: ``batch.index(ch) + 1`` for the batch's characters, else 0.

    ``str.translate`` would do, but costs 40 ns a character outside Latin-1 (0.4 ms for a page
    of Cyrillic). Instead the text is encoded as UTF-32 and its byte planes are compared with
    ``bytes.translate`` and big-int ``&``: a few C-level passes per 256-character block of Unicode.
    """
    try:
        raw = text.encode("latin-1")
    except UnicodeEncodeError:
        pass
    else:
        table = bytearray(256)
        for code, ch in enumerate(batch, start=1):
            if ord(ch) < 256:
                table[ord(ch)] = code
        return raw.translate(table)
    n = len(text)
    utf32 = text.encode("utf-32-le")
    low, mid, high = utf32[0::4], utf32[1::4], utf32[2::4]  # the fourth byte is always 0
    astral = high.count(0) != n
    blocks: dict[tuple[int, int], list[tuple[int, int]]] = {}
    for code, ch in enumerate(batch, start=1):
        o = ord(ch)
        blocks.setdefault(((o >> 8) & 255, o >> 16), []).append((o & 255, code))
    merged = 0
    for (m, h), members in blocks.items():
        table = bytearray(256)
        for value, code in members:
            table[value] = code
        part = int.from_bytes(low.translate(table), "big") & int.from_bytes(mid.translate(_select(m)), "big")
        if astral or h:
            part &= int.from_bytes(high.translate(_select(h)), "big")
        merged |= part  # blocks are disjoint: at most one of them is non-zero at a position
    return merged.to_bytes(n, "big")


def _select(value: int) -> bytes:
    """A ``bytes.translate`` table: ``value`` becomes 255, every other byte 0."""
    table = bytearray(256)
    table[value] = 255
    return bytes(table)


class Costs:
    """Edit cost of one pattern at every position of a text, decoded on demand.

    ``at(pos)`` is the cost for the anchor ``pos`` (0 to ``n`` inclusive): for an end-anchored
    scan, matching the pattern to some ``text[s:pos]``; for a start-anchored scan, to some
    ``text[pos:e]``.
    """

    def __init__(self, plus: int, minus: int, m: int, n: int, reverse: bool) -> None:
        self.m = m
        self.n = n
        self._reverse = reverse
        self.low_limit: int | None = None
        nbytes = (n + 7) // 8
        pb = plus.to_bytes(nbytes, "little")
        mb = minus.to_bytes(nbytes, "little")
        # Interleave the two byte strings into 16-bit keys ``plus | minus << 8`` without a Python
        # loop: a native-order unsigned-short view of the interleaved bytes.
        pair = bytearray(2 * nbytes)
        lo, hi = (pb, mb) if sys.byteorder == "little" else (mb, pb)
        pair[0::2] = lo
        pair[1::2] = hi
        self._keys: list[int] = memoryview(pair).cast("H").tolist()
        delta, _lowest, _partial = _byte_tables()
        # _base[c]: the cost at internal position 8*c (before the byte's eight positions).
        self._base: list[int] = list(accumulate(map(delta.__getitem__, self._keys), initial=m))

    def _internal(self, q: int) -> int:
        c, r = divmod(q, 8)
        if r == 0:
            return self._base[c]
        return self._base[c] + _byte_tables()[2][self._keys[c]][r - 1]

    def at(self, pos: int) -> int:
        """The cost at anchor ``pos``; anchors outside the text are clamped to it."""
        pos = min(max(pos, 0), self.n)
        return self._internal(self.n - pos if self._reverse else pos)

    def low(self, limit: int, budget: int | None = None) -> dict[int, int]:
        """Every anchor whose cost is at most ``limit``, with its cost.

        A byte (eight positions) can lower the cost by eight at most, so only bytes starting at
        ``limit + 8`` or less are looked into, which for a sensible limit is a few bytes around
        each match; C-level ``compress`` finds them. When more than ``budget`` bytes would be
        listed (a pattern of one repeated character matching along long runs of it), the limit
        is lowered until they fit: such a pattern tells places apart only by its best matches.
        """
        found: dict[int, int] = {}
        _delta, lowest, partial = _byte_tables()
        keys, bases = self._keys, self._base
        near = compress(range(len(keys)), map((limit + 8).__ge__, bases))
        bytes_low = [(c, bases[c] + lowest[keys[c]]) for c in near]
        if budget is not None:
            while limit > 0 and sum(1 for _, least in bytes_low if least <= limit) > budget:
                limit -= 1
        self.low_limit = limit  # what was listed: lower than asked when the budget ran out
        if self.m <= limit:
            found[self.n if self._reverse else 0] = self.m
        for c, least in bytes_low:
            if least > limit:
                continue
            base = bases[c]
            for r, s in enumerate(partial[keys[c]], start=1):
                q = 8 * c + r
                if q <= self.n and base + s <= limit:
                    found[self.n - q if self._reverse else q] = base + s
        return found


class BitText:
    """A text prepared once for several scans: one bit per code point and per needed character.

    ``alphabet`` lists every character the patterns may use. The text is first turned into one
    byte per character (the character's code among ``alphabet``, else 0) without a Python-level
    loop; each character's bit mask is then built on first use, in the direction the scan needs,
    with a C-level ``translate`` and ``int(…, 2)``.
    """

    def __init__(self, text: str, alphabet: Iterable[str]) -> None:
        self.text = text
        self.n = len(text)
        self._masks: dict[tuple[str, bool], int] = {}
        # char -> (the text as byte codes, the same reversed, the char's code)
        self._where: dict[str, tuple[bytes, bytes, int]] = {}
        wanted = sorted(set(alphabet))
        for first in range(0, len(wanted), 255):  # codes 1..255 fit a byte; 0 is "other"
            batch = wanted[first : first + 255]
            codes = _byte_codes(text, batch)
            backwards = codes[::-1]
            self._where.update((ch, (codes, backwards, code)) for code, ch in enumerate(batch, start=1))

    def _mask(self, ch: str, forward: bool) -> int:
        """Bit t set where ``text[t] == ch`` (forward) or ``text[n-1-t] == ch`` (backward)."""
        mask = self._masks.get((ch, forward))
        if mask is None:
            found = self._where.get(ch)
            if found is None or ch not in self.text:
                mask = 0
            else:
                codes, backwards, code = found
                # int() reads the most significant digit first, so a forward mask needs the
                # digits last character first.
                digits = (backwards if forward else codes).translate(_digit_table(code))
                mask = int(digits, 2)
            self._masks[(ch, forward)] = mask
        return mask

    def ends(self, pattern: str) -> Costs:
        """Cost of ``pattern`` matching a substring that ends at each anchor (a prefix)."""
        plus, minus = self._row(pattern, forward=True)
        return Costs(plus, minus, len(pattern), self.n, reverse=False)

    def starts(self, pattern: str) -> Costs:
        """Cost of ``pattern`` matching a substring that starts at each anchor (a suffix)."""
        plus, minus = self._row(pattern[::-1], forward=False)
        return Costs(plus, minus, len(pattern), self.n, reverse=True)

    def _row(self, pattern: str, forward: bool) -> tuple[int, int]:
        """The last row of the transposed Myers/Hyyrö recurrence, as (+1, -1) difference sets.

        Row 0 is all zeros (the pattern may start anywhere: no horizontal differences); each
        new row enters with a vertical difference of +1 (the cost of an unmatched pattern
        character before the text begins), hence the ``| 1`` after the shift.
        """
        full = (1 << self.n) - 1
        pv = 0  # bit t set: cost at t+1 is cost at t, plus one
        mv = 0  # bit t set: ... minus one
        for ch in pattern:
            eq = self._mask(ch, forward)
            xv = eq | mv
            xh = (((eq & pv) + pv) ^ pv) | eq
            ph = mv | (~(xh | pv) & full)
            mh = pv & xh
            ph = ((ph << 1) | 1) & full
            mh = (mh << 1) & full
            pv = mh | (~(xv | ph) & full)
            mv = ph & xv
        return pv, mv
