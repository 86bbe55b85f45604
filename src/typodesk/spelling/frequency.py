"""Word frequencies, used to order candidates that are equally close to the typo.

The data is the ``wordfreq`` package's (Apache-2.0 code, CC-BY-SA-4.0 data),
bundled in its wheel: nothing is downloaded at run time. Holding the Russian
list as a Python dict of 713,000 strings would cost about 100 MB, and even
loading it through ``wordfreq.get_frequency_list`` leaves the process that
much bigger (freed strings leave the allocator's arenas fragmented). So the
file is streamed one frequency bucket at a time (:func:`read_buckets`) into a
:class:`FrequencyTable`: a sorted array of 47-bit word hashes with the bucket
packed into the low 16 bits (about 6 MB), answered by binary search. Two
words sharing a 47-bit hash is possible but would only mis-order a tie.
"""

from __future__ import annotations

import bisect
import gzip
import importlib.util
from array import array
from collections.abc import Iterable, Iterator
from pathlib import Path

_HASH_BITS = 47
_HASH_MASK = (1 << _HASH_BITS) - 1
# Keys are below 2**63 (47 hash bits above 16 bucket bits): the top 8 of them pick a range.
_PART_SHIFT = _HASH_BITS + 16 - 8
_PARTS = 1 << 8


def _key(word: str) -> int:
    """Hash used in the table; ``hash`` is salted per process, which is fine for an in-memory table."""
    return (hash(word) & _HASH_MASK) << 16


class FrequencyTable:
    """Frequency of lower-cased words of one language (0.0 for unknown words)."""

    def __init__(self, buckets: Iterable[tuple[int, list[str]]]) -> None:
        """``(i, words)`` pairs: the words whose frequency is 10 ** (-i / 100) (wordfreq's centibels).

        The keys are sorted in :data:`_PARTS` ranges of their top bits, one range at a time,
        not in one ``sorted()`` call: that call held the GIL for 100 ms (English) to 290 ms
        (Russian), and a worker thread loading a language in the server process
        (``serve --with-worker``) stopped every request of the process that long.
        """
        parts: list[array] = [array("q") for _ in range(_PARTS)]
        for index, bucket in buckets:
            for w in bucket:
                key = _key(w) | index
                parts[key >> _PART_SHIFT].append(key)
        packed = array("q")
        for part in parts:
            packed.extend(sorted(part))
        self._packed = packed
        self._size = len(packed)

    def __len__(self) -> int:
        return self._size

    def frequency(self, word: str) -> float:
        """Return the word's frequency per word of running text, 0.0 when unknown."""
        key = _key(word)
        i = bisect.bisect_left(self._packed, key)
        if i < self._size and (self._packed[i] & ~0xFFFF) == key:
            return 10.0 ** (-(self._packed[i] & 0xFFFF) / 100.0)
        return 0.0


def wordfreq_file(lang: str, wordlist: str) -> Path:
    """Path of wordfreq's data file for ``lang``, found without importing ``wordfreq``.

    Importing it pulls in ``regex``, ``ftfy`` and ``langcodes`` (15 MB) for nothing.
    """
    spec = importlib.util.find_spec("wordfreq")
    if spec is None or not spec.submodule_search_locations:
        raise ImportError("the wordfreq package is not installed")
    path = Path(next(iter(spec.submodule_search_locations))) / "data" / f"{wordlist}_{lang}.msgpack.gz"
    if not path.is_file():
        raise LookupError(f"wordfreq has no {wordlist!r} list for {lang!r}")
    return path


def read_buckets(path: Path) -> Iterator[tuple[int, list[str]]]:
    """Stream a wordfreq "cBpack" file: ``(centibels below 0, words)`` for each non-empty bucket.

    The format (documented in ``wordfreq.read_cBpack``) is a gzipped msgpack
    list: a header ``{"format": "cB", "version": 1}``, then one list of words
    per centibel of frequency.
    """
    import msgpack  # a dependency of wordfreq

    # one big buffer (returned to the OS when freed) unpacks much faster than a gzip stream
    unpacker = msgpack.Unpacker(raw=False, max_buffer_size=0)
    unpacker.feed(gzip.decompress(path.read_bytes()))
    count = unpacker.read_array_header()
    header = unpacker.unpack()
    if not isinstance(header, dict) or header.get("format") != "cB" or header.get("version") != 1:
        raise LookupError(f"unexpected wordfreq data format in {path}: {header!r}")
    for index in range(count - 1):
        bucket = unpacker.unpack()
        if bucket:
            yield index, bucket


def load_wordfreq(lang: str, wordlist: str, common: int) -> tuple[FrequencyTable, list[str]]:
    """The frequency table for ``lang`` and its ``common`` most frequent words (letters only).

    The common words are searched for candidates two edits away: the word a
    reader meant is almost always a common one, and 150,000 words are searched
    in about 15 ms, where generating every two-edit variant would take a second.
    """
    words: list[str] = []

    def buckets() -> Iterator[tuple[int, list[str]]]:
        for index, bucket in read_buckets(wordfreq_file(lang, wordlist)):
            if len(words) < common:
                words.extend(w for w in bucket if w.replace("'", "").isalpha())
            yield index, bucket

    table = FrequencyTable(buckets())
    return table, words[:common]
