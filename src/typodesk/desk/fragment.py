"""Links that open the live page scrolled to a quote and highlight it: URL text fragments.

``https://news.example/story#:~:text=It%20was-,teh,-best%20of`` (the "Text Fragments"
specification, https://wicg.github.io/scroll-to-text-fragment/): the browser finds ``teh``
preceded by "It was" and followed by "best of", scrolls to it and highlights it.

The rules of the specification this module follows:

- A directive is ``text=[prefix-,]textStart[,textEnd][,-suffix]``. Each term is percent-encoded:
  only ASCII letters, digits and ``! $ ' ( ) * + . / : ; = ? @ _ ~`` stay as they are; ``-``,
  ``,`` and ``&`` (which delimit terms and directives), spaces, ``%``, ``#`` and all non-ASCII
  characters (as UTF-8 bytes) are encoded.
- A match must start and end on word boundaries, so a quote that starts or ends inside a word
  is widened to the whole word with the letters of the reader's context.
- The prefix must end right before the match and the suffix start right after it, separated at
  most by white space, and none of the terms may cross a block boundary (a new paragraph): a
  quote with a line break becomes ``textStart,textEnd`` (its first and last words), and the
  prefix and suffix keep only the words on the quote's own line.
- Short terms: the last three words of the prefix and the first three of the suffix are enough
  to tell one occurrence from another; a long quote is given by its first and last four words.

Only http(s) pages get a link: a reader's URL must never become a ``javascript:`` link.
"""

from __future__ import annotations

import re
from urllib.parse import quote, urlsplit

# TextDirectiveExplicitChar of the specification, besides ASCII letters and digits.
EXPLICIT = "!$'()*+./:;=?@_~"
CONTEXT_WORDS = 3
EDGE_WORDS = 4
LONG_QUOTE = 80  # characters: longer quotes are given as start,end
CONTEXT_LIMIT = 64  # characters of context a report keeps on each side (findings.models)

_WORD_CHAR = re.compile(r"\w", re.UNICODE)
_LINE_BREAK = re.compile(r"[\n\r\u2028\u2029]")


def encode_term(text: str) -> str:
    """One term of a text directive, percent-encoded as the specification requires."""
    # quote() leaves "-" alone (it is unreserved in URLs), but in a text directive it marks the
    # prefix and the suffix.
    return quote(text, safe=EXPLICIT).replace("-", "%2D")


def _collapse(text: str) -> str:
    return " ".join(text.split())


def _is_word_char(ch: str) -> bool:
    return bool(_WORD_CHAR.match(ch))


def _widen(exact: str, prefix: str, suffix: str) -> tuple[str, str, str]:
    """Move the letters of a word cut by the selection from the context into the quote."""
    if exact and prefix and _is_word_char(exact[0]) and _is_word_char(prefix[-1]):
        m = re.search(r"\w+$", prefix)
        exact, prefix = prefix[m.start() :] + exact, prefix[: m.start()]
    if exact and suffix and _is_word_char(exact[-1]) and _is_word_char(suffix[0]):
        m = re.match(r"\w+", suffix)
        exact, suffix = exact + suffix[: m.end()], suffix[m.end() :]
    return exact, prefix, suffix


def _prefix_words(prefix: str, complete: bool) -> str:
    """The last words of the prefix on the quote's line. A stored prefix as long as the limit
    (64 characters) may begin inside a word: that first word is dropped, it would not match on a
    word boundary."""
    line = _LINE_BREAK.split(prefix)[-1]
    cut = not complete and line == prefix and len(prefix) >= CONTEXT_LIMIT and _is_word_char(prefix[0])
    words = line.split()
    if cut:
        words = words[1:]
    return " ".join(words[-CONTEXT_WORDS:])


def _suffix_words(suffix: str, complete: bool) -> str:
    line = _LINE_BREAK.split(suffix)[0]
    cut = not complete and line == suffix and len(suffix) >= CONTEXT_LIMIT and _is_word_char(suffix[-1])
    words = line.split()
    if cut:
        words = words[:-1]
    return " ".join(words[:CONTEXT_WORDS])


def text_directive(exact: str, prefix: str = "", suffix: str = "", *, context_complete: bool = False) -> str:
    """The ``text=…`` directive for ``exact`` between ``prefix`` and ``suffix`` ("" if no quote).

    ``context_complete``: the prefix and suffix are not cut at a length limit (the ends of the
    stored context are real word boundaries), as with the page reader's own text.
    """
    exact, prefix, suffix = _widen(exact, prefix, suffix)
    if not exact.strip():
        return ""
    lines = [_collapse(line) for line in _LINE_BREAK.split(exact) if line.strip()]
    flat = _collapse(exact)
    words = flat.split()
    if len(lines) > 1:
        start_words = lines[0].split()[:EDGE_WORDS]
        end_words = lines[-1].split()[-EDGE_WORDS:]
        target = f"{encode_term(' '.join(start_words))},{encode_term(' '.join(end_words))}"
    elif len(flat) > LONG_QUOTE and len(words) > 2 * EDGE_WORDS:
        target = f"{encode_term(' '.join(words[:EDGE_WORDS]))},{encode_term(' '.join(words[-EDGE_WORDS:]))}"
    else:
        target = encode_term(flat)
    # Context separated from the quote by anything but white space (a quote that starts after
    # punctuation) still works: the prefix then ends with that punctuation.
    pre = _prefix_words(prefix, context_complete)
    suf = _suffix_words(suffix, context_complete)
    directive = "text="
    if pre:
        directive += f"{encode_term(pre)}-,"
    directive += target
    if suf:
        directive += f",-{encode_term(suf)}"
    return directive


def http_url(url: str) -> str:
    """The URL when it is an absolute http(s) URL, else ""."""
    url = (url or "").strip()
    if any(ch in url for ch in "\r\n\t") or any(ord(ch) < 32 for ch in url):
        return ""
    try:
        parts = urlsplit(url)
    except ValueError:
        return ""
    if parts.scheme.lower() not in ("http", "https") or not parts.netloc:
        return ""
    return url


def live_link(page_url: str, exact: str, prefix: str = "", suffix: str = "") -> str:
    """The live page, scrolled to the quote: ``page#:~:text=…`` ("" for a page that is not http(s)).

    A fragment the page URL already had is replaced: the text directive must be the fragment.
    """
    url = http_url(page_url)
    if not url:
        return ""
    directive = text_directive(exact, prefix, suffix)
    base = url.split("#", 1)[0]
    return f"{base}#:~:{directive}" if directive else base
