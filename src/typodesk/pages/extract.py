"""From a fetched page's bytes to its canonical text, as the reader's widget saw it.

The widget and the server must agree on the text, or every offset and context in a report would
mean nothing here: so the text comes from :func:`typodesk.text.canonical_text` (Lexbor, a real
HTML5 parser, with the widget's rules), rooted at the same selector the widget used.

Hostile pages: the body is capped by the fetcher before it gets here (5 MB by default) and the
canonical walk uses an explicit stack, so no page can overflow the stack. Parse *time* is another
matter: HTML's tree-building rules are quadratic on some inputs (elements nested tens of
thousands deep, misnested formatting tags such as ``<b><i>x</b>`` repeated): a 1 MB page of the
latter takes Lexbor half a minute, a 5 MB one far longer. So a page over :data:`IN_PROCESS_MAX`
is parsed in a child process that is killed after :data:`PARSE_TIMEOUT` seconds; below that size
even the worst case takes a fraction of a second, and the common case stays cheap.
"""

from __future__ import annotations

import codecs
import json
import re
import subprocess
import sys
from dataclasses import dataclass

from selectolax.lexbor import LexborHTMLParser

from typodesk.text import canonical_text

# <meta charset="…"> or <meta http-equiv="Content-Type" content="text/html; charset=…"> within the
# first bytes, as the HTML standard's prescan does (simplified: attribute order is free).
_META_CHARSET = re.compile(rb"<meta[^>]{0,512}?charset\s*=\s*[\"']?\s*([A-Za-z0-9._:-]{1,40})", re.IGNORECASE)
_PRESCAN_BYTES = 4096
_BOMS = ((codecs.BOM_UTF8, "utf-8"), (codecs.BOM_UTF16_LE, "utf-16-le"), (codecs.BOM_UTF16_BE, "utf-16-be"))

#: Pages up to this many characters are parsed in the worker's own process.
IN_PROCESS_MAX = 64 * 1024
#: Seconds a child process may take to parse a larger page before it is killed.
PARSE_TIMEOUT = 10.0


class ParseError(Exception):
    """The page could not be parsed in time (or the parser process failed)."""


@dataclass(frozen=True)
class Extracted:
    """The canonical text of a page and what else the page says about itself."""

    text: str
    #: The page's ``<html lang>`` (may be empty).
    lang: str
    #: Canonical text of the whole ``<body>`` when it was computed already (see :func:`whole_text`).
    whole: str | None = None


def decode(body: bytes, header_charset: str | None = None) -> str:
    """Bytes to text the way a browser picks the encoding: BOM, then HTTP header, then ``<meta>``.

    Unknown encodings and undecodable bytes never fail: UTF-8 with replacement characters is what
    a browser would show as well, and the quote's context around a broken byte still matches.
    """
    for bom, name in _BOMS:
        if body.startswith(bom):
            return body[len(bom) :].decode(name, errors="replace")
    for candidate in (header_charset, _meta_charset(body)):
        name = _codec(candidate)
        if name:
            return body.decode(name, errors="replace")
    return body.decode("utf-8", errors="replace")


def _meta_charset(body: bytes) -> str | None:
    m = _META_CHARSET.search(body[:_PRESCAN_BYTES])
    return m.group(1).decode("ascii") if m else None


def _codec(label: str | None) -> str | None:
    if not label:
        return None
    try:
        name = codecs.lookup(label.strip().strip("\"'")).name
    except LookupError:
        return None
    # The HTML standard reads these labels as windows-1252 and a declared UTF-16 without BOM as
    # UTF-8; other codecs are taken as declared.
    if name in ("latin-1", "iso8859-1", "ascii"):
        return "cp1252"
    if name.startswith("utf-16"):
        return "utf-8"
    return name


def extract(html: str, root: str | None, *, timeout: float | None = None) -> Extracted:
    """Canonical text under ``root`` (the widget's selector; empty: article, main, body).

    Large pages are parsed in a child process with a deadline (see the module's docstring); it
    computes the whole body's text too, so that no second parse of a large page is needed.
    Raises :class:`ParseError` when that takes longer than ``timeout`` (:data:`PARSE_TIMEOUT`) seconds.
    """
    html = html.replace("\x00", "")  # PostgreSQL cannot store NUL; a browser never shows one
    if len(html) <= IN_PROCESS_MAX:
        return Extracted(text=canonical_text(html, root or None), lang=_lang(html))
    return _in_child(html, root, PARSE_TIMEOUT if timeout is None else timeout)


def _in_child(html: str, root: str | None, timeout: float) -> Extracted:
    request = json.dumps({"html": html, "root": root or None}).encode("utf-8", "surrogatepass")
    try:
        done = subprocess.run(
            [sys.executable, "-m", "typodesk.pages.extract"],
            input=request,
            capture_output=True,
            timeout=timeout,
            check=False,
        )
    except subprocess.TimeoutExpired:
        raise ParseError(f"the page took more than {timeout:g} s to parse; not read") from None
    if done.returncode != 0:
        raise ParseError(f"the page could not be parsed (parser exit status {done.returncode})")
    answer = json.loads(done.stdout)
    return Extracted(text=answer["text"], lang=answer["lang"], whole=answer["whole"])


def _child_main() -> None:
    """``python -m typodesk.pages.extract``: JSON ``{html, root}`` in, ``{text, lang, whole}`` out."""
    request = json.loads(sys.stdin.buffer.read())
    html, root = request["html"], request["root"]
    answer = {"text": canonical_text(html, root), "lang": _lang(html), "whole": canonical_text(html, "body")}
    sys.stdout.write(json.dumps(answer))


def whole_text(html: str, extracted: Extracted | None = None) -> str:
    """Canonical text of the whole ``<body>``: a second look before saying a quote is gone.

    A root selector can be wrong (a site's redesign, a selector that now matches a sidebar): a
    quote that is not under the root but is on the page must not be declared removed.
    """
    if extracted is not None and extracted.whole is not None:
        return extracted.whole
    return extract(html, "body").text


def _lang(html: str) -> str:
    # Only the start of the document is parsed: <html lang> is in the first tag.
    head = html[:_PRESCAN_BYTES]
    node = LexborHTMLParser(head).css_first("html")
    lang = (node.attributes.get("lang") or "") if node is not None else ""
    return lang.strip()[:35]


if __name__ == "__main__":
    _child_main()
