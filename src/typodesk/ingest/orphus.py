"""``POST /orphus``: reports from the old Orphus 5.x script, for sites that keep it.

A site that keeps its ``orphus.js`` and only changes the address it posts to (its ``hq``
variable) to ``https://DESK/orphus`` gets its readers' reports in the desk. The old script
submits a hidden form into a hidden iframe, form-encoded in *the page's* charset (a Russian site
of that era is often windows-1251), with these fields::

    version, email, to, subject, ref, c_pre, c_sel, c_suf, c_pos, c_tag1, c_tag2, charset, comment

``ref`` is the page's address, ``c_sel`` the selection, ``c_pre``/``c_suf`` up to 60 characters of
raw page text around it, ``charset`` the page's ``document.charset``, ``comment`` the reader's
note. ``email``, ``to`` and ``subject`` addressed the owner's mail at orphus.ru and are ignored;
the site is the one whose domain is ``ref``'s host. The script cannot read the answer (another
origin, in an iframe), so the answer is a tiny HTML page with its status; never a 500.

Orphus knows no canonical offsets. The quote keeps ``c_sel`` as ``exact`` and the normalized
context, its last (first) 32 characters as ``prefix`` (``suffix``), which is what the widget
sends too. ``start`` is a stand-in: :data:`NO_POSITION` plus a hash of the exact text and its
nearest 16 characters of context on each side (``end`` = ``start`` + length). No widget quote
can have such an offset (the report API stops at 10^8), so:

* two Orphus reports of the same words in the same context share their span, hence a finding;
* an Orphus report and a widget report of the same words in the same context join one finding
  through the rule for quotes that moved (``findings.services._moved_finding``: same ``exact``,
  16 characters of context agree), whichever came first;
* the fix checker treats a position hint beyond the page's end as no hint at all.
"""

from __future__ import annotations

import hashlib
import html
import logging
import re
from urllib.parse import parse_qsl, urlsplit

from django.core.exceptions import RequestDataTooBig
from django.http import HttpRequest, HttpResponse
from django.utils.csp import CSP
from django.views.decorators.clickjacking import xframe_options_exempt
from django.views.decorators.csp import csp_override
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from typodesk.findings.services import CONTEXT_MATCH, Quote
from typodesk.findings.urlnorm import normalize_url
from typodesk.ingest.admission import Refused
from typodesk.ingest.client import client_hash
from typodesk.ingest.schemas import MAX_BODY, MAX_EXACT, MAX_TEXT, MAX_URL
from typodesk.ingest.sitecache import SiteSnapshot
from typodesk.ingest.store import Failed, Incoming, store
from typodesk.sites.models import Site, sites_covering
from typodesk.text import normalize

log = logging.getLogger(__name__)

#: Offsets from here on mean "position unknown": a quote that came without one (Orphus).
NO_POSITION = 1_000_000_000
_POSITIONS = 1_000_000_000  # stand-ins spread over [NO_POSITION, 2 * NO_POSITION), below 2^31
CONTEXT = 32  # characters of context kept on each side, as the widget sends

# The charsets a page of the Orphus era may name, by their WHATWG labels (what
# document.charset gives) and the Python codec that decodes them the way browsers encode.
# Nothing else is decoded: an unknown label is tried as UTF-8.
CHARSETS = {
    "utf-8": "utf-8", "utf8": "utf-8", "unicode-1-1-utf-8": "utf-8",
    "windows-1250": "cp1250", "windows-1251": "cp1251", "windows-1252": "cp1252",
    "windows-1253": "cp1253", "windows-1254": "cp1254", "windows-1255": "cp1255",
    "windows-1256": "cp1256", "windows-1257": "cp1257", "windows-1258": "cp1258",
    "cp1251": "cp1251", "cp1252": "cp1252", "x-cp1251": "cp1251",
    # Browsers send windows-1252 for these labels.
    "iso-8859-1": "cp1252", "latin1": "cp1252", "us-ascii": "cp1252", "ascii": "cp1252",
    "iso-8859-9": "cp1254", "latin5": "cp1254",
    "iso-8859-2": "iso8859_2", "iso-8859-4": "iso8859_4", "iso-8859-5": "iso8859_5",
    "iso-8859-7": "iso8859_7", "iso-8859-13": "iso8859_13", "iso-8859-15": "iso8859_15",
    "koi8-r": "koi8_r", "koi8-u": "koi8_u", "koi8-ru": "koi8_u",
    "ibm866": "cp866", "cp866": "cp866", "x-mac-cyrillic": "mac_cyrillic", "macintosh": "mac_roman",
    "gbk": "gb18030", "gb2312": "gb18030", "gb18030": "gb18030", "big5": "big5hkscs",
    "shift_jis": "cp932", "euc-jp": "euc_jp", "euc-kr": "cp949",
}  # fmt: skip
# What a browser sends for a character the page's charset cannot encode: a decimal reference.
_NCR = re.compile(r"&#([0-9]{1,7});")


class OrphusError(Exception):
    def __init__(self, status: int, message: str, headers: dict | None = None):
        super().__init__(message)
        self.status, self.message, self.headers = status, message, headers or {}


def _charset(label: str) -> str:
    return CHARSETS.get(label.strip().lower(), "utf-8")


def _unreference(text: str) -> str:
    """Turn the browser's ``&#NNNN;`` for characters outside a legacy charset back into them
    (never into NUL or a surrogate, which cannot be stored)."""

    def one(m: re.Match) -> str:
        cp = int(m.group(1))
        return chr(cp) if 0 < cp <= 0x10FFFF and not 0xD800 <= cp <= 0xDFFF else m.group(0)

    return _NCR.sub(one, text)


def parse_form(body: bytes) -> dict[str, str]:
    """Decode an Orphus form body: percent-escapes in the charset its own ``charset`` field names.

    Raises :class:`OrphusError` (400) for a body that is not such a form.
    """
    raw = body.decode("latin-1")  # a form-encoded body is ASCII; latin-1 never fails on bytes
    try:
        label = dict(parse_qsl(raw, encoding="latin-1", max_num_fields=50)).get("charset", "")
        codec = _charset(label)
        fields = dict(
            parse_qsl(raw, keep_blank_values=True, encoding=codec, errors="strict", max_num_fields=50)
        )
    except UnicodeDecodeError:
        raise OrphusError(400, "The form is not in the charset it names.") from None
    except ValueError:
        raise OrphusError(400, "The body is not an Orphus form.") from None
    if codec != "utf-8":
        fields = {k: _unreference(v) for k, v in fields.items()}
    if any("\0" in v for v in fields.values()):
        raise OrphusError(400, "The form must not contain NUL characters.")
    return fields


def _context(raw: str, before: bool) -> str:
    """Orphus's raw context (60 characters) normalized like canonical text, keeping the space
    next to the selection (normalize() would trim it), cut to the widget's 32 characters."""
    if before:
        text = normalize(raw[-4 * CONTEXT :] + "x")[:-1]  # the "x" keeps a trailing space
        return text[-CONTEXT:] if text.strip() else ""
    text = normalize("x" + raw[: 4 * CONTEXT])[1:]
    return text[:CONTEXT] if text.strip() else ""


def quote_of(fields: dict[str, str]) -> Quote:
    """The quote of an Orphus report (see the module docstring for the offsets)."""
    exact = normalize(fields.get("c_sel", ""))
    if not exact:
        raise OrphusError(400, "c_sel (the selected text) is empty.")
    if len(exact) > MAX_EXACT:
        raise OrphusError(400, f"c_sel is longer than {MAX_EXACT} characters.")
    prefix, suffix = _context(fields.get("c_pre", ""), True), _context(fields.get("c_suf", ""), False)
    key = "\0".join((prefix[-CONTEXT_MATCH:], exact, suffix[:CONTEXT_MATCH])).encode()
    start = NO_POSITION + int.from_bytes(hashlib.sha256(key).digest()[:8]) % _POSITIONS
    return Quote(exact, prefix, suffix, start, start + len(exact))


def _http_url(url: str) -> bool:
    try:
        parts = urlsplit(url)
        return (
            len(url) <= MAX_URL
            and parts.scheme in ("http", "https")
            and bool(parts.hostname)
            and len(normalize_url(url)) <= MAX_URL  # stored percent-encoded (findings.urlnorm)
        )
    except ValueError:  # "http://[" and the like
        return False


def site_for(url: str) -> Site | None:
    """The site whose domains cover the page's host: an exact domain before a wildcard, the
    narrowest wildcard first, the oldest site when several share a domain."""
    try:
        host = urlsplit(url).hostname
    except ValueError:
        return None
    found = sites_covering(host)
    return found[0][1] if found else None


def _report(url: str, quote: Quote, comment: str) -> dict:
    """The report as :func:`typodesk.ingest.store.store` takes it (what the widget would send)."""
    return {
        "url": url,
        "title": "",
        "lang": "",
        "quote": {
            "exact": quote.exact,
            "prefix": quote.prefix,
            "suffix": quote.suffix,
            "start": quote.start,
            "end": quote.end,
        },
        "suggestion": "",
        "comment": comment,
        "email": "",
    }


def _page(status: int, message: str, headers: dict | None = None) -> HttpResponse:
    body = (
        '<!doctype html><html lang="en"><meta charset="utf-8"><title>typodesk</title>'
        f"<p>{html.escape(message)}</p></html>\n"
    )
    response = HttpResponse(body, status=status, content_type="text/html; charset=utf-8")
    for k, v in (headers or {}).items():
        response[k] = v
    response["Cache-Control"] = "no-store"
    return response


HOW_TO = (
    "This site uses typodesk to collect reports of mistakes in its text. To report one, select it "
    "on the page and press Ctrl+Enter (Cmd+Enter on a Mac)."
)


@csrf_exempt  # a cross-site form by design: it changes nothing a reader could be tricked into
@xframe_options_exempt  # the answer is shown in the old script's hidden iframe
@csp_override({"default-src": [CSP.NONE], "base-uri": [CSP.NONE], "form-action": [CSP.NONE]})
@require_http_methods(["GET", "POST"])
def orphus(request: HttpRequest) -> HttpResponse:
    """Accept an Orphus 5.x report. GET (the old badge's link to ``hq``) says how to report."""
    if request.method == "GET":
        return _page(200, HOW_TO)
    try:
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        try:
            too_large = length > MAX_BODY or len(request.body) > MAX_BODY
        except RequestDataTooBig:  # no Content-Length, and more than Django reads at all
            too_large = True
        if too_large:
            raise OrphusError(413, f"The report is larger than {MAX_BODY // 1024} KB.")
        fields = parse_form(request.body)
        ref = fields.get("ref", "")
        if not _http_url(ref):
            raise OrphusError(400, "ref must be the page's full http:// or https:// address.")
        site = site_for(ref)
        if site is None:
            raise OrphusError(403, "The page is not on a domain of any site here.")
        item = Incoming(
            site=SiteSnapshot(site, site.host_patterns()),
            report=_report(ref, quote_of(fields), fields.get("comment", "").strip()[:MAX_TEXT]),
            origin=request.headers.get("Origin"),
            client=client_hash(request),
        )
        store([item])  # admitted and recorded as the report endpoint's reports are
        outcome = item.outcome
        if isinstance(outcome, Refused):
            raise OrphusError(outcome.status, outcome.message, outcome.headers)
        if isinstance(outcome, Failed):
            raise OrphusError(
                outcome.status, outcome.message, {"Retry-After": "5"} if outcome.status == 503 else {}
            )
    except OrphusError as exc:
        return _page(exc.status, exc.message, exc.headers)
    except Exception:
        # Never a 500 page into the old script's iframe, where nobody sees it: say it plainly,
        # and log the cause for the admin.
        log.exception("an Orphus report could not be stored")
        return _page(503, "The report could not be stored. Please try again later.")
    return _page(200, "Thank you! The editors have received your report.")
