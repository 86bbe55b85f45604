"""Word-level differences between a quote and a reader's suggestion, for the desk.

``diff("encountered with problems", "encountered problems")`` says that " with" went away and the
rest stayed. The unit is a word (a run of letters and digits, apostrophes and hyphens inside a
word included), a run of spaces, or one other character, so that "teh" → "the" is one word
replaced rather than two letters moved, and a comma added is a comma, not a new word.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from difflib import SequenceMatcher

# A word with inner apostrophes or hyphens ("don't", "e-mail"), a run of white space, or any
# other single character (punctuation, symbols).
_TOKEN = re.compile(r"\w+(?:['’\-]\w+)*|\s+|[^\w\s]", re.UNICODE)

EQUAL, REMOVED, ADDED = "equal", "removed", "added"


@dataclass(frozen=True)
class Segment:
    op: str  # EQUAL, REMOVED or ADDED
    text: str

    @property
    def is_equal(self) -> bool:
        return self.op == EQUAL

    @property
    def is_removed(self) -> bool:
        return self.op == REMOVED

    @property
    def is_added(self) -> bool:
        return self.op == ADDED


def tokens(text: str) -> list[str]:
    """The text cut into words, runs of white space and single other characters (nothing lost)."""
    return _TOKEN.findall(text)


def diff(old: str, new: str) -> list[Segment]:
    """The segments that turn ``old`` into ``new``: equal, removed and added text, in reading order.

    Within a replaced stretch the removed text comes before the added text. Neighbouring segments
    of the same kind are merged; white space alone between two changes joins them, so
    "a b c" → "x y z" reads as one removal and one addition rather than three of each.
    """
    a, b = tokens(old), tokens(new)
    matcher = SequenceMatcher(None, a, b, autojunk=False)
    out: list[Segment] = []
    opcodes = matcher.get_opcodes()
    for i, (tag, i1, i2, j1, j2) in enumerate(opcodes):
        if tag == "equal":
            text = "".join(a[i1:i2])
            between = 0 < i < len(opcodes) - 1
            if between and not text.strip() and out and not out[-1].is_equal:
                # Only white space between two changes: part of the change on both sides.
                _add(out, REMOVED, text)
                _add(out, ADDED, text)
            else:
                _add(out, EQUAL, text)
            continue
        if tag in ("delete", "replace"):
            _add(out, REMOVED, "".join(a[i1:i2]))
        if tag in ("insert", "replace"):
            _add(out, ADDED, "".join(b[j1:j2]))
    return _merge(out)


def _add(out: list[Segment], op: str, text: str) -> None:
    if text:
        out.append(Segment(op, text))


def _merge(segments: list[Segment]) -> list[Segment]:
    """Merge neighbours of one kind, and gather the removals and additions of a changed stretch
    (between two equal segments) into one removal followed by one addition."""
    merged: list[Segment] = []
    stretch: dict[str, list[str]] = {REMOVED: [], ADDED: []}

    def flush() -> None:
        for op in (REMOVED, ADDED):
            if stretch[op]:
                merged.append(Segment(op, "".join(stretch[op])))
                stretch[op] = []

    for seg in segments:
        if seg.is_equal:
            flush()
            if merged and merged[-1].is_equal:
                merged[-1] = Segment(EQUAL, merged[-1].text + seg.text)
            else:
                merged.append(seg)
        else:
            stretch[seg.op].append(seg.text)
    flush()
    return merged
