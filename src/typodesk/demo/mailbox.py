"""The demo's mailbox: a real SMTP server on 127.0.0.1 whose mails the desk shows.

``typodesk demo`` points ``TYPODESK_EMAIL_URL`` at this server, so the editors' notifications and
the reader's thank-you mail leave through typodesk's own SMTP code, exactly as on a real
instance, and nothing ever leaves the machine. aiosmtpd's ``Mailbox`` handler keeps every mail
in a Maildir inside the data directory; :func:`read` gives them to the desk's demo mailbox page.

This module imports nothing from Django: the server starts before Django's settings are read.
"""

from __future__ import annotations

import email.policy
import logging
import mailbox
import socket
from dataclasses import dataclass
from datetime import datetime
from email.parser import BytesParser
from email.utils import getaddresses, parsedate_to_datetime
from pathlib import Path

HOST = "127.0.0.1"


class SmtpMailbox:
    """An SMTP server in a thread of this process, keeping what it receives in ``directory``."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self._controller = None
        self.port = 0

    def start(self) -> SmtpMailbox:
        from aiosmtpd.controller import Controller
        from aiosmtpd.handlers import Mailbox

        # Maildir makes its tmp/new/cur folders only when it creates the folder itself.
        self.directory.parent.mkdir(parents=True, exist_ok=True)
        mailbox.Maildir(self.directory, create=True)
        # aiosmtpd logs every SMTP command at INFO; the demo's console is for the newcomer.
        logging.getLogger("mail.log").setLevel(logging.WARNING)
        self.port = _free_port()
        self._controller = Controller(Mailbox(self.directory), hostname=HOST, port=self.port)
        self._controller.start()
        return self

    @property
    def url(self) -> str:
        """The ``TYPODESK_EMAIL_URL`` that sends to this server (plain SMTP: it is this machine)."""
        return f"smtp://{HOST}:{self.port}"

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


@dataclass(frozen=True)
class Mail:
    """One received mail, as the mailbox page shows it (text only: the HTML part is not rendered)."""

    key: str
    sender: str
    to: list[str]
    subject: str
    date: datetime | None
    text: str


def read(directory: Path, limit: int = 100) -> list[Mail]:
    """The mails in the Maildir at ``directory``, newest first (an empty list when there is none)."""
    if not directory.is_dir():
        return []
    box = mailbox.Maildir(directory, create=False)
    parser = BytesParser(policy=email.policy.default)
    mails = []
    for key in box.iterkeys():
        try:
            msg = parser.parsebytes(box.get_bytes(key))
        except (KeyError, OSError):  # taken away meanwhile
            continue
        body = msg.get_body(preferencelist=("plain",))
        try:
            date = parsedate_to_datetime(msg["Date"]) if msg["Date"] else None
        except (TypeError, ValueError):
            date = None
        # The envelope's recipients, which aiosmtpd records, are who the mail was really sent to.
        rcpt = msg.get("X-RcptTo") or msg.get("To") or ""
        mails.append(
            Mail(
                key=key,
                sender=str(msg.get("From", "")),
                to=[addr for _name, addr in getaddresses([str(rcpt)]) if addr],
                subject=str(msg.get("Subject", "")),
                date=date,
                text=body.get_content() if body is not None else "",
            )
        )
    mails.sort(key=lambda m: (m.date is not None, m.date or datetime.min, m.key), reverse=True)
    return mails[:limit]
