"""Reading Orphus report mails: what one mail says, in the formats of docs/orphus-mail.md.

Pure functions on bytes, no database: :func:`parse_mail` turns one RFC 5322 message into an
:class:`OrphusMail` or raises :class:`NotRecognised` with the reason, which the import reports.

Two body formats are recognised (the document has the exact rules):

``labelled`` (the orphus.ru service)
    ``Label: value`` lines for the page address, the text with the selection marked
    ``<!!!…!!!>`` and the reader's comment, with Russian or English labels.
``fields`` (the PHP rewrites)
    the fields of the Orphus form as the PHP script received them, one per line, as
    ``name: value``, ``name = value`` or ``print_r``'s ``[name] => value``: ``ref``, ``c_pre``,
    ``c_sel``, ``c_suf``, ``comment``.

Bodies are read from the text/plain part, else the text/html one (tags dropped), decoded from
quoted-printable or base64 and from their charset; a part without a charset that is not UTF-8 is
told apart between windows-1251 and KOI8-R by its letters (the wrong one gives capitals).
"""

from __future__ import annotations

import email
import email.policy
import hashlib
import html
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from email.message import EmailMessage
from email.utils import parsedate_to_datetime
from urllib.parse import urlsplit

__all__ = ["NotRecognised", "OrphusMail", "mail_key", "parse_mail", "decode_text"]


class NotRecognised(Exception):
    """This mail is not an Orphus report this importer understands; the message says why."""


@dataclass(frozen=True)
class OrphusMail:
    key: str  # identifies the mail for "never import twice" (see mail_key)
    message_id: str
    date: datetime
    url: str
    pre: str  # raw context before the selection, as the mail gives it
    sel: str
    suf: str
    comment: str
    format: str  # "labelled" or "fields"

    def fields(self) -> dict[str, str]:
        """As the Orphus form's fields (what typodesk.ingest.orphus.quote_of reads)."""
        return {
            "ref": self.url,
            "c_pre": self.pre,
            "c_sel": self.sel,
            "c_suf": self.suf,
            "comment": self.comment,
        }


# Labels of the labelled format, lower case, without the colon. Longer first, so that
# "текст с ошибкой" wins over "текст".
URL_LABELS = [
    "адрес страницы",
    "url страницы",
    "страница",
    "адрес",
    "ссылка",
    "page url",
    "page",
    "url",
    "address",
]
TEXT_LABELS = [
    "текст с ошибкой", "ошибка в тексте", "фрагмент", "ошибка", "текст", "text with error", "text", "error",
    "mistake",
]  # fmt: skip
COMMENT_LABELS = ["комментарий пользователя", "комментарий", "примечание", "comment", "note"]
LABELS = {label: "url" for label in URL_LABELS} | {label: "text" for label in TEXT_LABELS}
LABELS |= {label: "comment" for label in COMMENT_LABELS}
_LABEL_LINE = re.compile(
    r"^\s*(" + "|".join(re.escape(lb) for lb in sorted(LABELS, key=len, reverse=True)) + r")\s*:\s?(.*)$",
    re.IGNORECASE,
)
# The selection marks: Orphus's default <!!! … !!!> (c_tag1, c_tag2), or with one to five "!".
_MARKED = re.compile(r"<(!{1,5})(.+?)\1>", re.DOTALL)
# The form fields of the fields format; ``[name] => value`` is PHP's print_r.
FORM_FIELDS = ("ref", "c_pre", "c_sel", "c_suf", "comment")
_FIELD_LINE = re.compile(
    r"^\s*(?:\[(?P<b>ref|c_pre|c_sel|c_suf|comment|c_pos|c_tag1|c_tag2|charset|version|email|to|subject)\]\s*=>"
    r"|(?P<p>ref|c_pre|c_sel|c_suf|comment|c_pos|c_tag1|c_tag2|charset|version|email|to|subject)\s*[:=])"
    r" ?(?P<v>.*)$",
    re.IGNORECASE,
)
_URL = re.compile(r"https?://[^\s<>\"']+", re.IGNORECASE)
SIGNATURE = "-- "


def mail_key(message_id: str, raw: bytes) -> str:
    """The Message-ID when there is one (the same mail in an mbox and as .eml is one mail), else
    the bytes with line ends unified."""
    if message_id:
        return hashlib.sha256(b"mid:" + message_id.encode("utf-8", "replace")).hexdigest()
    return hashlib.sha256(b"raw:" + raw.replace(b"\r\n", b"\n")).hexdigest()


def decode_text(data: bytes, charset: str | None) -> str:
    """Bytes of a text part as text: the declared charset, else UTF-8, else the likelier of
    windows-1251 and KOI8-R (a legacy Russian mail often declares nothing)."""
    if charset:
        try:
            return data.decode(_codec(charset))
        except (LookupError, UnicodeDecodeError):
            pass  # a wrong or unknown label: guess as if there were none
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    candidates = [data.decode("cp1251", "replace"), data.decode("koi8_r", "replace")]
    # Read with the wrong one of the two, Russian text comes out in capitals: in KOI8-R the
    # lower-case letters are where windows-1251 has the capitals, and the other way round.
    return max(candidates, key=lambda t: sum(1 for ch in t if "а" <= ch <= "я" or ch == "ё"))


def _codec(label: str) -> str:
    label = label.strip().strip('"').lower()
    return {"windows-1251": "cp1251", "x-cp1251": "cp1251", "koi8-r": "koi8_r", "koi8-u": "koi8_u"}.get(
        label, label
    )


def _html_to_text(markup: str) -> str:
    markup = re.sub(r"(?is)<(script|style)\b.*?</\1>", "", markup)
    markup = re.sub(r"(?i)<br\s*/?>|</(p|div|tr|li|h[1-6])>", "\n", markup)
    markup = re.sub(r"<[^>]*>", "", markup)  # the marks were escaped (&lt;!!!) in HTML mails
    return html.unescape(markup)


def body_text(msg: EmailMessage) -> str:
    """The mail's text: its text/plain part, else its text/html one as text."""
    parts = [p for p in msg.walk() if not p.is_multipart() and p.get_content_disposition() != "attachment"]
    for subtype in ("plain", "html"):
        for part in parts:
            if part.get_content_type() == f"text/{subtype}":
                data = part.get_payload(decode=True) or b""
                text = decode_text(data, part.get_content_charset())
                return _html_to_text(text) if subtype == "html" else text
    raise NotRecognised("no text/plain or text/html part")


def _date(msg: EmailMessage, fallback: datetime | None) -> datetime:
    raw = msg.get("Date")
    try:
        when = parsedate_to_datetime(str(raw)) if raw else None
    except (TypeError, ValueError, IndexError):
        when = None
    when = when or fallback
    if when is None:
        raise NotRecognised("no Date header that can be read")
    return when if when.tzinfo else when.replace(tzinfo=UTC)


def _first_url(text: str) -> str:
    m = _URL.search(text)
    if not m:
        return ""
    url = m.group(0).rstrip(".,;)>]")
    try:
        parts = urlsplit(url)
        ok = bool(parts.hostname) and len(url) <= 2048
    except ValueError:
        ok = False
    return url if ok else ""


def _parse_fields(lines: list[str]) -> dict[str, str] | None:
    """The fields format: ``name: value`` lines (values may continue on the next lines)."""
    fields: dict[str, list[str]] = {}
    current = None
    for line in lines:
        m = _FIELD_LINE.match(line)
        if m:
            current = (m.group("b") or m.group("p")).lower()
            fields[current] = [m.group("v")]
        elif line.strip() in ("", ")") or line == SIGNATURE:
            current = None
        elif current:
            fields[current].append(line)
    if "c_sel" not in fields:
        return None
    out = {k: "\n".join(v) for k, v in fields.items()}
    for name in ("c_pre", "c_suf"):
        out[name] = out.get(name, "").replace("\n", " ")
    return out


def _parse_labelled(lines: list[str]) -> dict[str, str] | None:
    """The labelled format: the page, the marked text, the comment."""
    fields: dict[str, list[str]] = {}
    current = None
    for line in lines:
        if line == SIGNATURE:
            break
        m = _LABEL_LINE.match(line)
        if m and LABELS[m.group(1).lower()] not in fields:
            current = LABELS[m.group(1).lower()]
            fields[current] = [m.group(2)]
        elif current == "comment":
            fields[current].append(line)
        elif current and line.strip():
            fields[current].append(line.strip())
        else:
            current = None if not line.strip() else current
    text = " ".join(fields.get("text", []))
    if "text" not in fields or not _MARKED.search(text):
        # No labelled text: a mail with the marks anywhere still counts (the labels vary).
        text = next((ln for ln in lines if _MARKED.search(ln)), "")
        if not text:
            return None
    m = _MARKED.search(text)
    url = _first_url(" ".join(fields.get("url", []))) or _first_url("\n".join(lines))
    return {
        "ref": url,
        "c_pre": text[: m.start()],
        "c_sel": m.group(2),
        "c_suf": text[m.end() :],
        "comment": "\n".join(fields.get("comment", [])).strip(),
    }


def parse_mail(raw: bytes, fallback_date: datetime | None = None) -> OrphusMail:
    """One mail (bytes as stored) as an Orphus report; raises :class:`NotRecognised`."""
    msg = email.message_from_bytes(raw, policy=email.policy.default)
    try:
        message_id = str(msg.get("Message-ID") or "").strip()
    except (ValueError, IndexError):  # a header too broken to parse
        message_id = ""
    # NUL cannot be stored (PostgreSQL) and means nothing in a report.
    text = body_text(msg).replace("\x00", "").replace("\r\n", "\n").replace("\r", "\n")
    lines = [ln.rstrip("\n") for ln in text.split("\n")]
    fields = _parse_fields(lines)
    fmt = "fields"
    if fields is None:
        fields, fmt = _parse_labelled(lines), "labelled"
    if fields is None:
        raise NotRecognised("no Orphus report in the text (no c_sel field, no text marked <!!! … !!!>)")
    url = _first_url(fields.get("ref", ""))
    if not url or urlsplit(url).scheme.lower() not in ("http", "https"):
        raise NotRecognised("no http(s) address of the page")
    if not fields.get("c_sel", "").strip():
        raise NotRecognised("the selected text is empty")
    return OrphusMail(
        key=mail_key(message_id, raw),
        message_id=message_id[:500],
        date=_date(msg, fallback_date),
        url=url,
        pre=fields.get("c_pre", ""),
        sel=fields["c_sel"],
        suf=fields.get("c_suf", ""),
        comment=fields.get("comment", "").strip(),
        format=fmt,
    )
