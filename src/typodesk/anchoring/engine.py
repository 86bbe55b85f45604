"""Decide whether a reported quote still stands on a page: present, changed, removed or uncertain.

The quote alone proves little: a misspelling may stand twice on a page and only the reported one
be fixed, and a short word stands everywhere. What identifies *the reported place* is the quote's
context, the ``prefix`` and ``suffix`` the reader's browser sent with it. So the new page is read
for places where that context is found, and each such *reading* is judged by how much of the
context it finds there:

* a **present** reading: the exact quote stands at ``o`` as the same word(s) it was (not inside a
  longer word), with the prefix found ending at ``o`` and the suffix starting right after it; or
  with the prefix and suffix found around a stretch that holds the quote and a word added beside;
* a **changed** reading: the prefix is found ending at ``j`` and the suffix starting at ``i`` a
  little further (or one character before: a deleted word), and the text between them is not
  the quote: it is what now stands where the quote stood;
* a **one-sided present** reading, weighed only when neither of the above is good enough: the
  quote stands with one side of the context whole beside it, the other side being other text now
  (a long insertion cut into it, or the quote's sentences were moved to the start or the end of
  the article), wherever on the page that is; not a line the page repeats (without the old page,
  that side must match nowhere else) nor, by the old page, another occurrence of the quote;
* **removed** when no reading is good enough and nothing on the page may be the reported
  occurrence; **uncertain** when the quote still stands and some occurrence may be it (it keeps
  most of one side of the context, or, with the old page, the quote stood nowhere else there):
  the page changed too much to tell.

Context similarity is edit distance, so small edits in the context, or white space and soft
hyphens (removed by :func:`typodesk.text.normalize` first), do not lose the place. The cost of the
prefix ending at every position of the page and of the suffix starting at every position come
from one bit-parallel scan each (:mod:`.myers`); readings are read off those two rows, so no place
on the page is left unexamined.

This is the approach of the Hypothesis annotation client (exact match first, then approximate
matching scored on quote, prefix, suffix and position), plus what fix verification needs and it
lacks: minimum scores below which nothing is claimed (it re-anchors to look-alike sentences); a
margin by which a "changed" reading at one place must beat a "present" reading at another; a
context side that matches as well elsewhere on the page (a ``~~~~`` separator, a repeated
heading) not counting as evidence for a "changed" reading; and a score that drops when another
reading comes close, so that an unsure answer says so.
"""

from __future__ import annotations

import heapq
import math
import re
import unicodedata
from bisect import bisect_left, bisect_right
from dataclasses import dataclass, field, replace
from functools import lru_cache
from typing import Any, Literal

from typodesk.anchoring.myers import BitText, Costs
from typodesk.text import normalize

__all__ = ["CONTEXT_LENGTH", "Analysis", "Reading", "analyse", "decide", "verify"]

Kind = Literal["present", "changed"]

#: How many code points of context the widget sends on each side when the page has them.
CONTEXT_LENGTH = 32

#: Least context fit (share of context characters found) for "present". Unrelated text of the
#: same language fits about 0.3-0.5; a look-alike sentence of the same page (a repeated heading,
#: a templated phrase) can reach 0.7-0.95, which is why fit alone never decides between places.
PRESENT_MIN = 0.80
#: Least context fit for "changed", stricter: a wrong "changed" closes a report whose mistake is
#: still on the page, while a wrong "removed" only asks an editor to look.
CHANGED_MIN = 0.85
#: Each side (prefix, suffix) must be found at least this well, for either verdict: the quote is
#: reported *between* the two, and one matching side next to a look-alike is not that place.
SIDE_MIN = 0.75
#: The same for a present reading of the only occurrence of the quote on the page: a misspelling
#: is rare, so the quote standing once is evidence of its own, and one side may be half rewritten.
SOLE_SIDE_MIN = 0.50
#: A "changed" reading must beat a "present" reading at another place by this much to win: when
#: unsure, the mistake is assumed to be still there. (At the same place, the better one wins.)
MARGIN = 0.10
#: Rank lost for the distance between a reading and the reported offset, in proportion to the
#: page's length: a tie-breaker worth at most POSITION_MAX (about one context character in 20)
#: for a reading at the other end of the page. Scaled to the page, not to a fixed window, so
#: that a paragraph moved across a long page costs no more than one moved across a short one.
POSITION_MAX = 0.05
#: One side of the context found whole (at most this share of it wrong: 3 characters in 32, a
#: word's spelling or punctuation mended) right beside the quote identifies the place by itself,
#: whatever became of the other side (a long insertion inside it, the quote's sentences moved
#: elsewhere), when it is not a line the page repeats (see _Page.scan and decide()).
WHOLE_SIDE = 0.90
#: ... and holds at least this many characters (the page's edge counts as one).
WHOLE_SIDE_LENGTH = 8
#: A "removed" is unsure when some occurrence of the quote still keeps this share of one side
#: of its context (a side found nowhere else on the page): a phrase of the article repeated by
#: chance next to a frequent word keeps up to about 0.8.
PARTIAL_SIDE = CHANGED_MIN
#: A rival reading within this much of the chosen one makes the answer ambiguous (lower score).
AMBIGUITY = 0.10
#: Readings whose quotes start within this many characters of each other are at the same place.
SAME_PLACE = CONTEXT_LENGTH // 2

# Stand-in for the page's start and end: a side of the context that reached the edge of the page
# (prefix of a quote at the very start, suffix of one at the very end) ends with it, so "at the
# start of the page" is context too. A noncharacter, so it never occurs in page text.
_EDGE = "\ufdd0"
# How many positions of each side are paired at most: a context of repeated characters (~~~~)
# matches along a whole run, and the positions nearest the reported offset will do.
_MAX_VALLEYS = 64
# At most this many bytes (8 positions each) of a side's low-cost positions are listed; a side
# that matches more widely (a run of ~~~~ as context) keeps only its best matches.
_LOW_BUDGET = 256
# Characters of old-page context on each side used to break near-ties when old_text is given.
_WIDE = 96
# A removed verdict is fully sure when the closest reading misses acceptance by this much.
_REMOVED_SURE = 0.25

_APOSTROPHES = frozenset("'\u2019\u02bc")
# Hiragana, katakana, CJK ideographs (with extensions and compatibility forms), Thai, Lao,
# Myanmar, Khmer: scripts written without spaces between words.
_UNSPACED = re.compile(
    "[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003134f"
    "\u0e00-\u0eff\u1000-\u109f\u1780-\u17ff]"
)
# The canonical-text rules of typodesk.text (ignorables, the White_Space class), for selector
# fragments (not trimmed) and for telling text that is already canonical.
_IGNORABLE = re.compile("[\u00ad\u200b\u2060\ufeff]")
_WHITESPACE = re.compile("[\t\n\v\f\r \x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]+")
_NOT_CANONICAL = re.compile(
    "[\u00ad\u200b\u2060\ufeff\t\n\v\f\r\x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]"
)


@dataclass(frozen=True, slots=True)
class Reading:
    """One reading of the new page: the quote's place is ``[start, end)`` (canonical offsets).

    ``prefix_cost`` and ``suffix_cost`` are the edits each side of the context needs there;
    ``extra`` counts characters standing beside the quote between the two sides (a word added
    next to it), which are not charged: both sides were found, around the quote. ``fit`` is the
    share of context characters found (1.0: all, unchanged), ``prefix_found`` and
    ``suffix_found`` the same per side; ``rank`` is the fit less a little for the distance from
    the reported offset. A side is ``unique`` when it matches nowhere else on the page as well
    as here; ``sole``: the quote stands nowhere else on the page. ``region`` spans the context.
    ``whole_side`` names the side of a present reading found whole beside the quote (see
    :data:`WHOLE_SIDE`; without the old page, only if it matches nowhere else on the page), if one
    is; ``side_kept`` is the larger share found of a side beside the quote here, on the same
    terms (0: none).
    """

    kind: Kind
    start: int
    end: int
    prefix_cost: int
    suffix_cost: int
    extra: int
    fit: float
    prefix_found: float
    suffix_found: float
    rank: float
    region: tuple[int, int]
    prefix_unique: bool = True
    suffix_unique: bool = True
    sole: bool = False
    whole_side: Literal["prefix", "suffix", ""] = ""
    side_kept: float = 0.0

    def acceptance(self) -> float:
        """How far this reading clears its thresholds (negative: it does not).

        A "changed" reading rests on its context alone, so a side that matches as well
        elsewhere on the page can't carry it: the other side must then clear the bar by itself
        (and when neither side is unique, each must, and only their pairing tells the place).
        """
        if self.kind == "present":
            side = SOLE_SIDE_MIN if self.sole else SIDE_MIN
            return min(self.fit - PRESENT_MIN, self.prefix_found - side, self.suffix_found - side)
        margin = min(self.fit - CHANGED_MIN, self.prefix_found - SIDE_MIN, self.suffix_found - SIDE_MIN)
        if not self.prefix_unique:
            margin = min(margin, self.suffix_found - CHANGED_MIN)
        if not self.suffix_unique:
            margin = min(margin, self.prefix_found - CHANGED_MIN)
        return margin


@dataclass(slots=True)
class _Query:
    """The selector, cleaned, and what the old page (when given) adds to it."""

    exact: str
    prefix: str
    suffix: str
    start: int | None
    at_start: bool = False
    at_end: bool = False
    old: str | None = None
    wide_prefix: str = ""
    wide_suffix: str = ""


@dataclass(slots=True)
class Analysis:
    """The readings :func:`decide` chooses from, kept for the benchmark and for debugging."""

    text: str
    query: _Query
    present: list[Reading] = field(default_factory=list)
    changed: list[Reading] = field(default_factory=list)
    shortcut: bool = False  # the quote was found in its unchanged context, without a scan
    standing: int = 0  # occurrences of the quote on the new page (as whole words where it was one)


# --- The selector --------------------------------------------------------------------------


def _fragment(value: Any, name: str) -> str:
    """Apply the canonical-text rules to a selector field, without trimming its ends.

    The widget already sends canonical text; this only makes a hand-made or legacy selector
    (NBSP, soft hyphen, decomposed accents) comparable with the normalized page. The ends are
    kept: a prefix normally ends with the space before the quote.
    """
    if value is None:
        return ""
    if not isinstance(value, str):
        raise ValueError(f"selector[{name!r}] must be a string")
    return _WHITESPACE.sub(" ", unicodedata.normalize("NFC", _IGNORABLE.sub("", value)))


def _canonical(text: str) -> str:
    """:func:`typodesk.text.normalize`, skipped when ``text`` is canonical already.

    Pages are usually stored as canonical text, and normalizing 10,000 characters costs most of
    a millisecond (every space is a regex match), while checking takes a twentieth of that:
    no ignorable or non-space white space, no double or end spaces, NFC.
    """
    if (
        _NOT_CANONICAL.search(text) is None
        and "  " not in text
        and not text.startswith(" ")
        and not text.endswith(" ")
        and unicodedata.is_normalized("NFC", text)
    ):
        return text
    return normalize(text)


def _offset(value: Any) -> int | None:
    if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
        return value
    return None


def _prepare(selector: dict[str, Any], old_text: str | None) -> _Query:
    if not isinstance(selector, dict):
        raise ValueError("selector must be a dict")
    exact = _fragment(selector.get("exact"), "exact")
    if not exact:
        raise ValueError("selector['exact'] must be a non-empty string")
    prefix = _fragment(selector.get("prefix"), "prefix")
    suffix = _fragment(selector.get("suffix"), "suffix")
    q = _Query(exact, prefix, suffix, _offset(selector.get("start")))
    # The widget sends 32 characters of context when the page has them: fewer means the edge.
    q.at_end = len(q.suffix) < CONTEXT_LENGTH and bool(q.prefix or q.suffix)
    if old_text is not None and q.start is not None:
        old = _canonical(old_text)
        if old.startswith(exact, q.start):  # else the snapshot is not the page the quote is from
            end = q.start + len(exact)
            q.old = old
            # A selector without context (a legacy report) gets it from the old page.
            q.prefix = q.prefix or old[max(0, q.start - CONTEXT_LENGTH) : q.start]
            q.suffix = q.suffix or old[end : end + CONTEXT_LENGTH]
            q.at_end = end + len(q.suffix) == len(old)
            q.wide_prefix = old[max(0, q.start - _WIDE) : q.start]
            q.wide_suffix = old[end : end + _WIDE]
    q.at_start = q.start is not None and q.start == len(q.prefix) < CONTEXT_LENGTH
    return q


# --- Words ---------------------------------------------------------------------------------


@lru_cache(maxsize=4096)
def _is_word_char(ch: str) -> bool:
    """Letters, digits, combining marks (``Ğ̇`` is one letter to a reader) and ``_``.

    Characters of scripts written without spaces between words (Chinese, Japanese, Thai, Lao,
    Khmer, Myanmar) are not: there a word can't be told from a line, so a change is reported as
    the characters that changed rather than grown to the whole run.
    """
    if _UNSPACED.match(ch):
        return False
    return ch.isalnum() or ch == "_" or unicodedata.category(ch)[0] == "M"


@lru_cache(maxsize=4096)
def _letter(ch: str) -> bool:
    """Part of a word for the boundary test: word characters and unspaced-script characters."""
    return _is_word_char(ch) or _UNSPACED.match(ch) is not None


def _joined(text: str, k: int) -> bool:
    """Whether ``text[k-1]`` and ``text[k]`` belong to one word.

    An apostrophe between letters is inside the word (``don't``, Ukrainian ``п'ять``).
    """
    a, b = text[k - 1], text[k]
    if _is_word_char(a) and _is_word_char(b):
        return True
    if a in _APOSTROPHES:
        return k >= 2 and _is_word_char(text[k - 2]) and _is_word_char(b)
    if b in _APOSTROPHES:
        return k + 1 < len(text) and _is_word_char(a) and _is_word_char(text[k + 1])
    return False


def _whole_words(text: str, start: int, end: int) -> tuple[int, int]:
    """Widen ``[start, end)`` to whole words, trimming white space at its ends.

    The text found between prefix and suffix is a character-level answer: when ``destructed``
    became ``destroyed`` the context may already hold ``de``. An editor reads the fix as the word
    ``destroyed``, so the span grows to the word boundaries on each side.
    """
    while start < end and text[start] == " ":
        start += 1
    while end > start and text[end - 1] == " ":
        end -= 1
    if start == end:
        return start, end
    while start > 0 and _joined(text, start):
        start -= 1
    while end < len(text) and _joined(text, end):
        end += 1
    return start, end


def _stands_alone(framed: str, o: int, q: _Query) -> bool:
    """Whether the occurrence at ``o`` has the word boundaries the quote had on the old page.

    A quote that was a whole word (``schreibun``, a letter missing) found inside a longer word
    (``schreibung``) is not the quote standing: it is the fixed word. A quote selected inside a
    word on the old page carries no such constraint on that side.
    """
    exact = q.exact
    # What stood right before and after the quote on the old page (None: not known).
    before = q.prefix[-1] if q.prefix else (_EDGE if q.at_start else None)
    after = q.suffix[0] if q.suffix else (_EDGE if q.at_end else None)
    if before is not None and _letter(exact[0]) and not _letter(before) and _letter(framed[o - 1]):
        return False
    end = o + len(exact)
    return not (after is not None and _letter(exact[-1]) and not _letter(after) and _letter(framed[end]))


# --- Reading the page ----------------------------------------------------------------------


def _occurrences(text: str, needle: str) -> list[int]:
    found = []
    pos = text.find(needle)
    while pos >= 0:
        found.append(pos)
        pos = text.find(needle, pos + 1)
    return found


class _Side:
    """Where one side of the context (prefix or suffix) matches the page well enough.

    ``low`` maps every anchor whose cost is at most the limit to that cost. Its *basins* are the
    bottoms of the low-cost stretches: a match leaves a V of costs around it (one more per
    character off), and only the bottom is worth pairing with the other side. A bottom may be
    flat: a context of repeated characters (``~~~~``) matches along a whole run.
    """

    def __init__(
        self, low: dict[int, int], length: int, hint: int, *, prefix: bool, complete: bool = True
    ) -> None:
        self.low = low
        self.length = length
        self.complete = complete  # every position up to the asked limit is listed
        basins: list[tuple[int, int, int]] = []  # (first, last, cost), in page order
        ordered = sorted(low)
        big = math.inf
        k, count = 0, len(ordered)
        while k < count:
            first = ordered[k]
            cost = low[first]
            while k + 1 < count and ordered[k + 1] == ordered[k] + 1 and low[ordered[k + 1]] == cost:
                k += 1
            last = ordered[k]
            if low.get(first - 1, big) > cost and low.get(last + 1, big) > cost:
                basins.append((first, last, cost))
            k += 1
        self.basins = basins
        self._firsts = [b[0] for b in basins]
        # The extent of the listed places: a position is alone when all of them are near it.
        self._first_max = basins[-1][0] if basins else -math.inf
        self._last_min = min((b[1] for b in basins), default=math.inf)
        # The positions to pair from, one per basin, cheapest first, then nearest the hint: where
        # a flat bottom lets the side match anywhere along a run, a prefix ends where the run
        # ends (the quote followed it) and a suffix starts where the run starts.
        bottoms = [last if prefix else first for first, last, _ in basins]
        self.valleys = heapq.nsmallest(_MAX_VALLEYS, bottoms, key=lambda p: (low[p], abs(p - hint)))

    def cheapest(self, lo: int, hi: int, ideal: int) -> int | None:
        """The listed position in ``[lo, hi]`` with the lowest cost, ties to the one nearest ``ideal``.

        The minimum over a range lies in a basin inside it or at one of its ends (a slope cut
        off by the range), so only those are looked at. ``None`` when nothing in the range is
        listed.
        """
        low = self.low
        found = [p for p in (lo, hi) if p in low]
        k = bisect_right(self._firsts, hi) - 1
        while k >= 0 and self.basins[k][1] >= lo:
            first, last, _ = self.basins[k]
            found.append(min(max(ideal, first, lo), last, hi))
            k -= 1
        return min(found, key=lambda p: (low[p], abs(p - ideal)), default=None)

    def alone(self, pos: int) -> bool:
        """Whether the side, found at ``pos``, is found nowhere else on the page even loosely.

        No other place (farther than the side's length) is listed at all, i.e. matches with up
        to a quarter of the side wrong, and the listing was not cut short by its budget.
        """
        return self.complete and self._first_max - pos <= self.length and pos - self._last_min <= self.length

    def unique(self, pos: int) -> bool:
        """Whether no other place (farther than the side's length) matches as well as ``pos``."""
        cost = self.low[pos]
        return not any(c <= cost and (first - pos > self.length or pos - last > self.length)
                       for first, last, c in self.basins)  # fmt: skip


class _Page:
    """The new page, framed by edge markers, and the query's context sides on it.

    Offsets here are framed offsets (canonical + 1); readings come out in canonical offsets.
    """

    def __init__(self, new: str, q: _Query) -> None:
        self.new = new
        self.q = q
        self.framed = _EDGE + new + _EDGE
        self.prefix = (_EDGE if q.at_start else "") + q.prefix
        self.suffix = q.suffix + (_EDGE if q.at_end else "")
        self.lp, self.ls, self.le = len(self.prefix), len(self.suffix), len(q.exact)
        self.hint = q.start + 1 if q.start is not None else 1 + len(new) // 2
        found = _occurrences(self.framed, q.exact)
        self.occurrences = [o for o in found if _stands_alone(self.framed, o, q)]
        self.sole = len(self.occurrences) == 1
        # The longest text accepted in the quote's place: a fix or a rephrasing of the quote,
        # not a stretch of page between a prefix and a suffix found at unrelated places.
        self.gap = 2 * self.le + CONTEXT_LENGTH // 2

    def reading(self, kind: Kind, span: tuple[int, int], costs: tuple[int, int], sides: tuple[int, int],
                extra: int = 0, **flags: Any) -> Reading:  # fmt: skip
        """A reading of ``span`` (framed offsets), the prefix ending at ``sides[0]`` with
        ``costs[0]`` edits, the suffix starting at ``sides[1]`` with ``costs[1]``."""
        lp, ls, n = self.lp, self.ls, len(self.new)
        pc, sc = costs
        fit = 1.0 - (pc + sc) / (lp + ls) if lp + ls else 1.0
        rank = fit - POSITION_MAX * min(1.0, abs(span[0] - self.hint) / max(n, 1))
        rank -= extra / 1e6  # among equal fits, prefer the reading with fewer added characters

        def canonical(pos: int) -> int:
            return min(max(pos - 1, 0), n)

        return Reading(
            kind=kind,
            start=canonical(span[0]),
            end=canonical(max(span)),
            prefix_cost=pc,
            suffix_cost=sc,
            extra=extra,
            fit=fit,
            prefix_found=1.0 - pc / lp if lp else 1.0,
            suffix_found=1.0 - sc / ls if ls else 1.0,
            rank=rank,
            region=(canonical(sides[0] - lp), canonical(sides[1] + ls)),
            **flags,
        )

    def perfect(self) -> list[Reading]:
        """Present readings of the quote standing in its unchanged context (found without a scan)."""
        f, p, s, le = self.framed, self.prefix, self.suffix, self.le
        return [
            self.reading("present", (o, o + le), (0, 0), (o, o + le), sole=self.sole)
            for o in self.occurrences
            if o >= len(p) and f.startswith(p, o - len(p)) and f.startswith(s, o + le)
        ]

    def scan(self) -> tuple[list[Reading], list[Reading]]:
        """Every present and changed reading worth weighing, from one scan of each context side."""
        lp, ls, le, occurrences = self.lp, self.ls, self.le, self.occurrences
        bits = BitText(self.framed, self.prefix + self.suffix)
        pcost: Costs | None = bits.ends(self.prefix) if lp else None
        scost: Costs | None = bits.starts(self.suffix) if ls else None
        # Any acceptable reading has each side at most (1 - SIDE_MIN) wrong, or one side of a
        # sole quote at most (1 - SOLE_SIDE_MIN) with the other then nearly intact; listing each
        # side's positions up to (1 - SIDE_MIN) misses none of them.
        rate = 1.0 - SIDE_MIN
        plimit, slimit = math.floor(rate * lp), math.floor(rate * ls)
        plow = pcost.low(plimit, _LOW_BUDGET) if pcost else {}
        slow = scost.low(slimit, _LOW_BUDGET) if scost else {}
        present: dict[int, Reading] = {}
        changed: list[Reading] = []

        def offer(r: Reading) -> None:
            kept = present.get(r.start)
            if kept is None or r.rank > kept.rank:
                # What stands right beside the quote does not depend on the pairing.
                if kept is not None and (kept.whole_side or kept.side_kept):
                    r = replace(r, whole_side=kept.whole_side, side_kept=kept.side_kept)
                present[r.start] = r

        if not (pcost and scost):  # one side only: the quote is judged by that side
            for o in occurrences:
                pc = pcost.at(o) if pcost else 0
                sc = scost.at(o + le) if scost else 0
                offer(self.reading("present", (o, o + le), (pc, sc), (o, o + le), sole=self.sole))
            return list(present.values()), changed

        prefix_side, suffix_side = (
            _Side(plow, lp, self.hint, prefix=True, complete=pcost.low_limit == plimit),
            _Side(slow, ls, self.hint + le, prefix=False, complete=scost.low_limit == slimit),
        )

        # Without the old page nothing tells a line repeated on the page from the reported
        # place, so a side counts only where it matches nowhere else, even loosely. With it, a
        # side beside an occurrence the old page already had is recognised (decide() checks
        # _stood_beside_another), and a side repeated elsewhere (a templated sentence) counts.
        def distinct(side: _Side, pos: int) -> bool:
            return self.q.old is not None or side.alone(pos)

        def whole(side: _Side, length: int, pos: int, cost: int) -> bool:
            return (
                length >= WHOLE_SIDE_LENGTH
                and cost <= math.floor((1.0 - WHOLE_SIDE) * length)
                and distinct(side, pos)
            )

        # 1. The quote stands, with the context right around it; or with one side of it whole.
        for o in occurrences:
            if o in plow or o + le in slow:
                pc, sc = pcost.at(o), scost.at(o + le)
                side: Literal["prefix", "suffix", ""] = ""
                if whole(prefix_side, lp, o, pc):
                    side = "prefix"
                elif whole(suffix_side, ls, o + le, sc):
                    side = "suffix"
                kept = [1.0 - pc / lp] if o in plow and distinct(prefix_side, o) else []
                kept += [1.0 - sc / ls] if o + le in slow and distinct(suffix_side, o + le) else []
                flags = {"sole": self.sole, "whole_side": side, "side_kept": max(kept, default=0.0)}
                offer(self.reading("present", (o, o + le), (pc, sc), (o, o + le), **flags))

        # 2. The context found on both sides of a place, and whatever stands between them. Both
        #    sides of an acceptable place are in the low lists, so pairs are formed there. The
        #    suffix may start one character before the prefix ends: a deleted word leaves one space.
        pairs: set[tuple[int, int]] = set()
        for j in prefix_side.valleys:
            i = suffix_side.cheapest(j - 1, j + self.gap, j + le)
            if i is not None:
                pairs.add((j, i))
        for i in suffix_side.valleys:
            j = prefix_side.cheapest(i - self.gap, i + 1, i - le)
            if j is not None:
                pairs.add((j, i))
        # Where the context was matched over text that the old context did not hold the quote in
        # (the quote absorbed into the context as a few errors), the quote has not gone.
        reach_back = 0 if self.q.exact in self.prefix else lp
        reach_on = 0 if self.q.exact in self.suffix else ls
        for j, i in pairs:
            pc, sc = plow[j], slow[i]
            inside = occurrences[bisect_left(occurrences, j) : bisect_right(occurrences, i - le)]
            if inside:  # the quote stands between the two sides, with other words beside it
                o = min(inside, key=lambda o: abs((o - j) - (i - o - le)))
                offer(
                    self.reading("present", (o, o + le), (pc, sc), (j, i), extra=i - j - le, sole=self.sole)
                )
            elif not (
                # the quote overlaps the text between the sides, or stands inside the context
                bisect_left(occurrences, j - le + 1) < bisect_left(occurrences, i)
                or bisect_left(occurrences, j - reach_back) < bisect_right(occurrences, i + reach_on - le)
            ):
                flags = {"prefix_unique": prefix_side.unique(j), "suffix_unique": suffix_side.unique(i)}
                changed.append(self.reading("changed", (j, i), (pc, sc), (j, i), **flags))
        return list(present.values()), changed


def analyse(selector: dict[str, Any], text: str, old_text: str | None = None) -> Analysis:
    """Collect the readings of the new page for the quote (see :func:`verify`)."""
    q = _prepare(selector, old_text)
    page = _Page(_canonical(text), q)
    analysis = Analysis(text=page.new, query=q, standing=len(page.occurrences))
    if page.lp + page.ls == 0:  # no context at all: the quote is there or not
        spans = [(o, o + page.le) for o in page.occurrences]
        analysis.present = [page.reading("present", span, (0, 0), span, sole=page.sole) for span in spans]
    elif perfect := page.perfect():
        # Most pages are re-read unchanged: the quote standing in its unchanged context is a
        # reading nothing can outdo, so the scans are skipped. Only the score may differ from the
        # full search's: look-alikes elsewhere are not looked for.
        analysis.present, analysis.shortcut = perfect, True
    else:
        analysis.present, analysis.changed = page.scan()
    analysis.present.sort(key=lambda r: -r.rank)
    analysis.changed.sort(key=lambda r: -r.rank)
    return analysis


# --- The verdict ---------------------------------------------------------------------------


def verify(selector: dict[str, Any], text: str, old_text: str | None = None) -> dict[str, Any]:
    """Is the reported mistake still on the page?

    ``selector`` is the reader's quote (``exact``, ``prefix``, ``suffix``, ``start``, ``end``; offsets
    into the canonical text of the page when it was reported); ``text`` is the page's text now
    (raw: the canonical-text rules are applied here). ``old_text``, the page's text when the report
    was made, is optional: when given it supplies missing context, tells whether the quote ended
    the page, rules out look-alike places that already stood on the old page, and breaks
    near-ties between readings with a wider context.

    Returns ``{"verdict", "start", "end", "replacement", "score"}``: for ``present`` the span of the
    reported occurrence in the canonical new text; for ``changed`` the span of the whole words now
    standing where the quote stood (empty when the quote was deleted), and those words as
    ``replacement``; for ``removed`` and ``uncertain`` only a score. ``uncertain`` says that the
    quote still stands on the page but the page changed too much around it to tell whether it is
    the reported occurrence (see :func:`_gone`). ``score`` (0..1) is the confidence in the answer:
    for present and changed the share of context found, lowered as far as half when another
    reading comes close; for removed, how far the best reading fell short of being accepted; for
    uncertain, the share of the context the best occurrence of the quote keeps.

    Raises :class:`ValueError` for a selector without an ``exact`` quote.
    """
    return decide(analyse(selector, text, old_text))


def _same_place(a: Reading, b: Reading) -> bool:
    return abs(a.start - b.start) <= SAME_PLACE


def decide(analysis: Analysis) -> dict[str, Any]:
    """Choose one verdict among the readings.

    1. A present reading is set aside when a better changed reading stands at the same place
       (the "quote" it found was really part of the context, e.g. after a doubled word was
       deleted), and a changed reading whose stretch already stood elsewhere on the old page is
       a look-alike (only known with ``old_text``).
    2. **present** when an acceptable present reading remains and either it is the only
       occurrence of the quote on the page (the reported misspelling is still there, in its
       context, whatever a look-alike sentence elsewhere holds) or no acceptable changed reading
       at another place beats it by :data:`MARGIN`;
    3. **changed** when an acceptable changed reading remains;
    4. **present** when the quote stands with one side of its context whole (the other side was
       cut by an insertion, or the quote's sentences moved away from it), that side found nowhere
       else on the page when there is no old page to tell, and the old page, when there is one,
       not showing that stretch beside another occurrence of the quote already; among several,
       the one finding most context, then the nearest the reported offset (for the page's length);
    5. **removed** or **uncertain** otherwise: see :func:`_gone`.
    """
    changed = [r for r in analysis.changed if r.acceptance() >= 0 and not _seen_before(r, analysis)]
    present = [
        r
        for r in analysis.present
        if r.acceptance() >= 0 and not any(c.fit > r.fit and _same_place(r, c) for c in changed)
    ]
    best_c = changed[0] if changed else None
    if present and (best_c is None or present[0].sole or best_c.fit < present[0].fit + MARGIN):
        best = _tie_break(present, analysis)
        rivals = [r.fit for r in analysis.present if not _same_place(r, best)]
        rivals += [r.fit - MARGIN for r in changed if not _same_place(r, best)]
        return _answer("present", best.start, best.end, None, best.fit, max(rivals, default=0.0))
    if best_c is not None:
        best = _tie_break(changed, analysis)
        start, end = _whole_words(analysis.text, best.start, best.end)
        near = [r for r in analysis.changed if best.fit - r.fit < AMBIGUITY and not _same_place(r, best)]
        rivals = [r.fit for r in near if not _seen_before(r, analysis)]
        rivals += [r.fit + MARGIN for r in present if not _same_place(r, best)]
        return _answer("changed", start, end, analysis.text[start:end], best.fit, max(rivals, default=0.0))
    one_sided = [r for r in analysis.present if r.whole_side and not _stood_beside_another(r, analysis)]
    if one_sided:
        best = _tie_break(one_sided, analysis)
        rivals = [r.fit for r in one_sided if not _same_place(r, best)]
        return _answer("present", best.start, best.end, None, best.fit, max(rivals, default=0.0))
    return _gone(analysis)


def _gone(analysis: Analysis) -> dict[str, Any]:
    """Removed when nothing on the page may be the reported occurrence, else uncertain.

    The quote standing nowhere is sure. Where it stands, an occurrence is evidence that the
    reported one may still be there, its context rewritten, when it keeps :data:`PARTIAL_SIDE`
    of one side of the context (without the old page, a side found nowhere else on the page),
    unless the old page shows it to be another occurrence that was already there; and, with the
    old page, when the
    quote stood nowhere else on it: a misspelling that stood once and stands again is most
    likely the same one. With such evidence the page changed too much to tell, and the answer
    is **uncertain** (its score: the share of the context the best occurrence keeps).
    """
    considered = analysis.present + [r for r in analysis.changed if not _seen_before(r, analysis)]
    closest = max((r.acceptance() for r in considered), default=-1.0)
    removed = {"verdict": "removed", "start": None, "end": None, "replacement": None,
               "score": round(min(1.0, -closest / _REMOVED_SURE), 4)}  # fmt: skip
    if analysis.standing == 0:
        return removed
    q = analysis.query
    evidence = [
        r for r in analysis.present if r.side_kept >= PARTIAL_SIDE and not _stood_beside_another(r, analysis)
    ]
    if not evidence and (q.old is None or len(_standing(q.old, q)) > 1):
        return removed
    kept = max((r.fit for r in evidence or analysis.present), default=0.0)
    return {"verdict": "uncertain", "start": None, "end": None, "replacement": None, "score": round(kept, 4)}


def _standing(text: str, q: _Query) -> list[int]:
    """Occurrences of the quote in ``text`` (canonical) with the word boundaries it was reported with."""
    framed = _EDGE + text + _EDGE
    return [o for o in _occurrences(framed, q.exact) if _stands_alone(framed, o, q)]


def _stood_beside_another(r: Reading, analysis: Analysis) -> bool:
    """Whether a one-sided reading is another occurrence of the quote that the old page had.

    The quote with the text now before it, or with the text now after it, already stood on the
    old page away from the reported place (and no more often than now): the whole side is then
    a line repeated on the page, or the other side is that occurrence's own context, which
    matches the reported one's by chance (the sentence between them deleted). Only known with
    ``old_text``.
    """
    q = analysis.query
    if q.old is None or q.start is None:
        return False
    text = analysis.text
    low, high = q.start - len(q.prefix), q.start + len(q.exact) + len(q.suffix)
    for window in (text[max(0, r.start - CONTEXT_LENGTH) : r.end], text[r.start : r.end + CONTEXT_LENGTH]):
        if len(window) < len(q.exact) + WHOLE_SIDE_LENGTH:
            continue
        before = sum(1 for at in _occurrences(q.old, window) if at + len(window) <= low or at >= high)
        if before > 0 and before >= len(_occurrences(text, window)):
            return True
    return False


def _seen_before(r: Reading, analysis: Analysis) -> bool:
    """Whether the stretch a changed reading found already stood elsewhere on the old page.

    If the stretch (context and the text between) occurs no more often on the new page than it
    did on the old page away from the reported place, every copy of it was already there: it is
    a look-alike of the reported place (a sentence repeated on the page), not that place with
    the quote replaced. Only known when ``old_text`` was given.
    """
    q = analysis.query
    if q.old is None or q.start is None:
        return False
    window = analysis.text[r.region[0] : r.region[1]]
    if len(window) < CONTEXT_LENGTH:
        return False
    low, high = q.start - len(q.prefix), q.start + len(q.exact) + len(q.suffix)
    before = sum(1 for at in _occurrences(q.old, window) if at + len(window) <= low or at >= high)
    return before > 0 and before >= len(_occurrences(analysis.text, window))


def _tie_break(readings: list[Reading], analysis: Analysis) -> Reading:
    """The best reading; among near-equals at other places, the one the wider old context fits.

    Without the old page the rank decides: the fit, then the distance from the reported offset.
    """
    best = readings[0]
    close = [r for r in readings if best.rank - r.rank < AMBIGUITY and not _same_place(r, best)]
    if not close or not (analysis.query.wide_prefix or analysis.query.wide_suffix):
        return best
    return min([best, *close], key=lambda r: (_wide_cost(r, analysis), -r.rank))


def _wide_cost(r: Reading, analysis: Analysis) -> int:
    """Edits the old page's wide context needs around ``r`` on the new page."""
    text, wp, ws = analysis.text, analysis.query.wide_prefix, analysis.query.wide_suffix
    before = text[max(0, r.start - len(wp) - _WIDE // 4) : r.start]
    after = text[r.end : r.end + len(ws) + _WIDE // 4]
    # Free start for the prefix, free end for the suffix: compare with the nearest part.
    return _anchored_cost(wp[::-1], before[::-1]) + _anchored_cost(ws, after)


def _anchored_cost(pattern: str, text: str) -> int:
    """Edits to match all of ``pattern`` to some beginning of ``text``."""
    if not pattern:
        return 0
    return BitText(text, pattern).starts(pattern).at(0)


def _answer(verdict: str, start: int, end: int, replacement: str | None, fit: float, rival: float) -> dict:
    """Confidence: the fit, lowered as far as half when a rival reading fits as well."""
    lead = fit - rival
    ambiguity = min(1.0, max(0.5, 0.5 + lead / (2 * AMBIGUITY)))
    return {
        "verdict": verdict,
        "start": start,
        "end": end,
        "replacement": replacement,
        "score": round(fit * ambiguity, 4),
    }
