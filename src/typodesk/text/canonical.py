"""Canonical text of a page: the one string the reader's browser and the server agree on.

A reader's quote (``exact`` plus ``start``/``end`` offsets, ``prefix``/``suffix``) only means
something if both sides compute the same text from the same page. CSS can't be evaluated on the
server, so the rules are defined on the DOM alone, and this module is the Python twin of
``canonicalText`` in ``typodesk/widget/static/typodesk/widget.js``. ``vectors.json`` beside this
file holds the cases both implementations are tested against: change one side, change both.

The rules
---------
1. Root: the elements matched by the ``data-root`` CSS selector (several allowed; a match inside
   another match is dropped so no text is counted twice), else the first ``article``, else
   ``main``, else ``body``. A selector that is invalid or matches nothing falls back to that
   default chain, because a site's typo in its embed code must not make every report fail.
2. Walk each root in document order. Text nodes give their text. ``br``, ``hr`` and the start and
   end of each block element (and of each root) give one space. ``script style noscript
   template``, elements with ``hidden``, ``aria-hidden="true"`` or ``data-typodesk-ui`` give
   nothing, descendants included.
3. :func:`normalize` the result.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable

from selectolax.lexbor import LexborHTMLParser, LexborNode, SelectolaxError

__all__ = ["BLOCK_TAGS", "SKIP_TAGS", "UI_ATTRIBUTE", "canonical_text", "normalize"]

#: Elements whose start and end each count as one space (a block boundary).
BLOCK_TAGS: frozenset[str] = frozenset(
    "p div li ul ol dl dt dd h1 h2 h3 h4 h5 h6 blockquote pre table tr td th section article "
    "aside header footer nav figure figcaption main".split()
)
#: Elements that separate words without having content.
BREAK_TAGS: frozenset[str] = frozenset({"br", "hr"})
#: Elements never shown as text: their whole subtree is ignored.
SKIP_TAGS: frozenset[str] = frozenset({"script", "style", "noscript", "template"})
#: Attribute marking the widget's own elements, so reporting a typo never changes the text.
UI_ATTRIBUTE = "data-typodesk-ui"

# Characters that are invisible and break words apart in the source without the reader seeing
# them (soft hyphen, zero-width space, word joiner, BOM / zero-width no-break space).
_IGNORABLE = re.compile("[\u00ad\u200b\u2060\ufeff]")
# Exactly the Unicode White_Space property. Python's str.isspace() adds U+001C..U+001F and JS's
# \s adds U+FEFF and drops U+0085, so both sides spell the class out instead; widget.js uses
# this same list.
_WHITESPACE = re.compile("[\t\n\v\f\r \x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]+")
# ARIA token compare: ASCII case-insensitive, surrounding ASCII white space allowed.
_ARIA_TRUE = re.compile(r"[\t\n\f\r ]*true[\t\n\f\r ]*", re.IGNORECASE | re.ASCII)


def normalize(raw: str) -> str:
    """Apply the string-level canonical rules to ``raw`` text.

    Ignorable characters are removed *before* NFC: removing a soft hyphen can bring a base letter
    and a combining mark together, and the result must still be NFC. Then every run of white
    space (the Unicode White_Space set, NBSP included) becomes one space and the ends are trimmed.
    Layout white space carries no meaning for a reader, so two renderings of the same words must
    compare equal. The function is idempotent; the fix-verification engine applies it to raw page
    text as well.
    """
    text = _IGNORABLE.sub("", raw)
    text = unicodedata.normalize("NFC", text)
    text = _WHITESPACE.sub(" ", text)
    return text.strip(" ")


def canonical_text(html: str, root: str | None = None) -> str:
    """Return the canonical text of an HTML document, as the reader widget computes it.

    ``html`` is parsed with Lexbor, a spec-compliant HTML5 parser with scripting enabled (as in a
    browser, so ``<noscript>`` content is raw text), which gives the same tree a browser builds
    for the same bytes. ``root`` is the site's ``data-root`` CSS selector; ``None``, an invalid
    selector or one that matches nothing selects the default chain (``article``, ``main``,
    ``body``) instead of raising, as the widget does.
    """
    tree = LexborHTMLParser(html, scripting=True)
    return normalize(_raw_text(_roots(tree, root)))


def _roots(tree: LexborHTMLParser, selector: str | None) -> list[LexborNode]:
    """Resolve the root elements, outermost matches only, in document order."""
    if selector:
        try:
            matches = tree.css(selector)
        except (SelectolaxError, ValueError):
            matches = []
        ids = {m.mem_id for m in matches}
        outermost = [m for m in matches if not _inside_any(m, ids)]
        if outermost:
            return outermost
    for tag in ("article", "main"):
        node = tree.css_first(tag)
        if node is not None:
            return [node]
    for node in (tree.body, tree.root):
        if node is not None:
            return [node]
    return []


def _inside_any(node: LexborNode, ids: set[int]) -> bool:
    """Whether an ancestor of ``node`` is one of ``ids`` (``mem_id``: node ``==`` is slow)."""
    parent = node.parent
    while parent is not None:
        if parent.mem_id in ids:
            return True
        parent = parent.parent
    return False


def _skipped(node: LexborNode) -> bool:
    if node.tag in SKIP_TAGS:
        return True
    attrs = node.attributes
    if "hidden" in attrs or UI_ATTRIBUTE in attrs:
        return True
    aria = attrs.get("aria-hidden")
    return aria is not None and _ARIA_TRUE.fullmatch(aria) is not None


def _raw_text(roots: Iterable[LexborNode]) -> str:
    """Concatenate the walk of each root; an explicit stack keeps deep nesting safe."""
    parts: list[str] = []
    for root in roots:
        root_id = root.mem_id
        stack: list[LexborNode | None] = [root]  # None marks the end of a block element
        while stack:
            item = stack.pop()
            if item is None:
                parts.append(" ")
                continue
            if item.is_text_node:
                parts.append(item.text_content or "")
                continue
            if not item.is_element_node or _skipped(item):
                continue  # comments, doctype, invisible subtrees
            tag = item.tag
            if tag in BREAK_TAGS:
                parts.append(" ")
                continue
            if tag in BLOCK_TAGS or item.mem_id == root_id:
                parts.append(" ")
                stack.append(None)
            child = item.last_child
            while child is not None:
                stack.append(child)
                child = child.prev
    return "".join(parts)
