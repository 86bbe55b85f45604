"""A reported quote's context as people read it: whole words, never the end of a cut word.

The widget sends 32 code points of context on each side of a quote (fewer only at the page's
edge: :mod:`typodesk.anchoring.engine` reads a shorter side so), extended outwards to a whole
word and the space before it. Older reports, and other clients, cut at exactly 32, often inside
a word ("wn council has promised"). Shown beside the quote, the part of a word at the far end of a
cut side is left out; the stored context, which anchoring uses, stays as it is.
"""

from __future__ import annotations

#: The length of a side of the context the widget sends when the page has it.
CONTEXT_LENGTH = 32


def words_before(prefix: str) -> str:
    """``prefix`` without a word cut at its start (and without the space it was cut at)."""
    if prefix.startswith(" ") and prefix.strip():
        return prefix[1:]  # cut between words
    if len(prefix) < CONTEXT_LENGTH:
        return prefix  # the page's start
    cut = prefix.find(" ")
    rest = prefix[cut + 1 :] if cut >= 0 else ""
    return rest if rest.strip() else prefix  # one long word (or a script without spaces): kept


def words_after(suffix: str) -> str:
    """``suffix`` without a word cut at its end (and without the space it was cut at)."""
    if suffix.endswith(" ") and suffix.strip():
        return suffix[:-1]
    if len(suffix) < CONTEXT_LENGTH:
        return suffix
    cut = suffix.rfind(" ")
    rest = suffix[:cut] if cut > 0 else ""
    return rest if rest.strip() else suffix
