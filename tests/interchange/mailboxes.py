"""Sample Orphus mailboxes, built byte by byte as the old mail servers wrote them.

Two body formats (docs/orphus-mail.md): "labelled", as the orphus.ru service sent them, and
"fields", as PHP receivers of the Orphus form mailed what they got (``print_r`` or ``name: value``
lines). Three charsets (windows-1251, KOI8-R, UTF-8), quoted-printable, base64 and 8bit bodies,
one HTML mail, one multipart mail, and mails that are not reports at all.
"""

from __future__ import annotations

import base64
import quopri
from dataclasses import dataclass
from pathlib import Path

SITE = "news.example"


def encoded_word(text: str, charset: str) -> str:
    return f"=?{charset}?B?{base64.b64encode(text.encode(charset)).decode()}?="


def body_bytes(text: str, charset: str, cte: str) -> bytes:
    data = text.replace("\n", "\r\n").encode(charset)
    if cte == "base64":
        return base64.encodebytes(data)
    if cte == "quoted-printable":
        return quopri.encodestring(data)
    return data


def mail(
    text: str,
    *,
    charset: str = "utf-8",
    cte: str = "8bit",
    msgid: str | None = "<1@orphus.ru>",
    date: str | None = "Tue, 14 Apr 2009 10:21:07 +0400",
    subject: str = "Orphus: ошибка на сайте",
    subtype: str = "plain",
    declare_charset: bool = True,
) -> bytes:
    headers = [
        "From: Orphus <robot@orphus.ru>",
        f"To: editor@{SITE}",
        f"Subject: {encoded_word(subject, charset)}",
    ]
    if date:
        headers.append(f"Date: {date}")
    if msgid:
        headers.append(f"Message-ID: {msgid}")
    ctype = f"text/{subtype}" + (f"; charset={charset}" if declare_charset else "")
    headers += ["MIME-Version: 1.0", f"Content-Type: {ctype}", f"Content-Transfer-Encoding: {cte}"]
    return ("\r\n".join(headers) + "\r\n\r\n").encode("ascii") + body_bytes(text, charset, cte)


def multipart(plain: str, html: str, charset: str, msgid: str, date: str) -> bytes:
    head = (
        f"From: robot@orphus.ru\r\nTo: editor@{SITE}\r\nSubject: Orphus\r\nDate: {date}\r\nMessage-ID: {msgid}\r\n"
        'MIME-Version: 1.0\r\nContent-Type: multipart/alternative; boundary="b1"\r\n\r\n'
    )
    parts = b""
    for subtype, text in (("plain", plain), ("html", html)):
        parts += (
            f"--b1\r\nContent-Type: text/{subtype}; charset={charset}\r\n"
            "Content-Transfer-Encoding: base64\r\n\r\n"
        ).encode() + body_bytes(text, charset, "base64")
    return head.encode() + parts + b"--b1--\r\n"


LABELLED_RU = (
    """Orphus: сообщение об ошибке на сайте news.example

Адрес страницы: https://news.example/2009/04/14/vybory.html
Текст с ошибкой: Глава избирательной комиссии заявил, что <!!!выбры!!!> пройдут в срок и
без нарушений, а подсчёт голосов начнётся сразу.
Комментарий: Опечатка в слове "выборы".
Спасибо за сайт!

"""
    + "-- \nOrphus\n"
)  # a signature: "-- " ends the comment

LABELLED_EN = """Page URL: https://news.example/en/2010/storm.html
Text: Officials said the storm <!!!cuased!!!> heavy damage along the coast.
Comment: typo
"""

PRINT_R = """Array
(
    [version] => 5.01
    [email] => 7c4f0b1e
    [to] =>
    [subject] =>
    [ref] => https://news.example/2011/05/sport.html
    [c_pre] => В финальном матче команда одержала
    [c_sel] => уверенну
    [c_suf] =>  победу со счётом 3:1.
    [c_tag1] => <!!!
    [c_tag2] => !!!>
    [charset] => windows-1251
    [comment] => пропущена буква
)
"""

NAME_VALUE = """Сообщение Orphus с сайта news.example
ref: https://news.example/2012/01/culture.html
c_pre: Выставка откроется в
c_sel: понедельнек
c_suf: , сообщили в музее.
comment:
"""

HTML_LABELLED = """<html><body><p>Адрес страницы: <a href="https://news.example/2013/06/city.html">https://news.example/2013/06/city.html</a><br>
Текст: Мэр пообещал &lt;!!!отремонтироват!!!&gt; все дороги до осени.<br>
Комментарий: мягкий знак</p></body></html>
"""

NEWSLETTER = """Hello! Our weekly digest is here: https://news.example/digest
Nothing marked, no fields.
"""


@dataclass
class Sample:
    name: str
    raw: bytes
    url: str
    sel: str
    comment: str
    fmt: str


def samples() -> list[Sample]:
    """The reports: both formats, the three charsets, QP, base64 and 8bit, HTML, multipart."""
    return [
        Sample(
            "labelled-cp1251-qp",
            mail(
                LABELLED_RU,
                charset="windows-1251",
                cte="quoted-printable",
                msgid="<a1@orphus.ru>",
                date="Tue, 14 Apr 2009 10:21:07 +0400",
            ),
            "https://news.example/2009/04/14/vybory.html",
            "выбры",
            'Опечатка в слове "выборы".\nСпасибо за сайт!',
            "labelled",
        ),
        Sample(
            "labelled-koi8-base64",
            mail(
                LABELLED_RU,
                charset="koi8-r",
                cte="base64",
                msgid="<a2@orphus.ru>",
                date="Wed, 15 Apr 2009 08:00:00 +0400",
            ),
            "https://news.example/2009/04/14/vybory.html",
            "выбры",
            'Опечатка в слове "выборы".\nСпасибо за сайт!',
            "labelled",
        ),
        Sample(
            "labelled-utf8-en",
            mail(LABELLED_EN, msgid="<a3@orphus.ru>", date="Mon, 01 Mar 2010 12:00:00 +0000"),
            "https://news.example/en/2010/storm.html",
            "cuased",
            "typo",
            "labelled",
        ),
        Sample(
            "fields-print_r-cp1251-base64",
            mail(
                PRINT_R,
                charset="windows-1251",
                cte="base64",
                msgid="<b1@news.example>",
                date="Sat, 14 May 2011 21:03:00 +0400",
            ),
            "https://news.example/2011/05/sport.html",
            "уверенну",
            "пропущена буква",
            "fields",
        ),
        Sample(
            "fields-name-value-koi8-qp",
            mail(
                NAME_VALUE,
                charset="koi8-r",
                cte="quoted-printable",
                msgid="<b2@news.example>",
                date="Thu, 12 Jan 2012 09:15:00 +0400",
            ),
            "https://news.example/2012/01/culture.html",
            "понедельнек",
            "",
            "fields",
        ),
        Sample(
            "fields-utf8-8bit",
            mail(
                PRINT_R.replace("2011/05/sport", "2014/02/hockey"),
                msgid="<b3@news.example>",
                date="Fri, 21 Feb 2014 18:00:00 +0400",
            ),
            "https://news.example/2014/02/hockey.html",
            "уверенну",
            "пропущена буква",
            "fields",
        ),
        Sample(
            "html-koi8-qp",
            mail(
                HTML_LABELLED,
                charset="koi8-r",
                cte="quoted-printable",
                subtype="html",
                msgid="<c1@orphus.ru>",
                date="Mon, 10 Jun 2013 07:30:00 +0400",
            ),
            "https://news.example/2013/06/city.html",
            "отремонтироват",
            "мягкий знак",
            "labelled",
        ),
        Sample(
            "multipart-utf8",
            multipart(
                LABELLED_EN.replace("cuased", "desease").replace("storm", "flu"),
                "<p>ignored: the plain part wins</p>",
                "utf-8",
                "<c2@orphus.ru>",
                "Tue, 02 Mar 2010 12:00:00 +0000",
            ),
            "https://news.example/en/2010/flu.html",
            "desease",
            "typo",
            "labelled",
        ),
        Sample(
            "undeclared-cp1251",
            mail(
                LABELLED_RU.replace("выбры", "кандидатов"),
                charset="windows-1251",
                declare_charset=False,
                msgid="<d1@orphus.ru>",
                date="Thu, 16 Apr 2009 10:00:00 +0400",
            ),
            "https://news.example/2009/04/14/vybory.html",
            "кандидатов",
            'Опечатка в слове "выборы".\nСпасибо за сайт!',
            "labelled",
        ),
        Sample(
            "undeclared-koi8",
            mail(
                NAME_VALUE.replace("понедельнек", "вторнек"),
                charset="koi8-r",
                declare_charset=False,
                msgid="<d2@orphus.ru>",
                date="Fri, 13 Jan 2012 09:15:00 +0400",
            ),
            "https://news.example/2012/01/culture.html",
            "вторнек",
            "",
            "fields",
        ),
    ]


def not_reports() -> dict[str, bytes]:
    """Mails the import must skip, by the reason it gives."""
    return {
        "not an Orphus report": mail(NEWSLETTER, msgid="<n1@news.example>"),
        "no Date header": mail(LABELLED_EN.replace("cuased", "wrod"), msgid="<n2@orphus.ru>", date=None),
        "not on the site's domains": mail(
            LABELLED_EN.replace("news.example", "elsewhere.example"), msgid="<n3@orphus.ru>"
        ),
    }


def write_mbox(path: Path, mails: list[bytes]) -> Path:
    """mbox as mail servers kept it: a "From " line before each mail, LF line ends."""
    with path.open("wb") as f:
        for i, raw in enumerate(mails):
            f.write(f"From robot@orphus.ru Tue Apr 14 06:21:{i:02d} 2009\n".encode())
            f.write(raw.replace(b"\r\n", b"\n").rstrip(b"\n") + b"\n\n")
    return path


def write_eml_folder(path: Path, mails: list[bytes]) -> Path:
    path.mkdir(parents=True, exist_ok=True)
    for i, raw in enumerate(mails):
        sub = path / ("2009" if i % 2 else "2010")  # folders of folders are read too
        sub.mkdir(exist_ok=True)
        (sub / f"{i:03d}.eml").write_bytes(raw)
    (path / "notes.txt").write_text("not a mail: ignored")
    return path
