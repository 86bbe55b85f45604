"""``typodesk import-mail``: years of Orphus report mails into findings (docs/orphus-mail.md).

The mails are read first (one mbox file, a folder of ``.eml`` files, or one ``.eml``), then
imported oldest first through ``record_report`` with their original dates, so that they group
exactly as live reports do; the quote of each is made by ``typodesk.ingest.orphus.quote_of``,
as for a report the old Orphus script sends to a running typodesk. Each mail is imported in its
own transaction together with a row that remembers it (``ImportedMail``): an interrupted import
can simply be run again, and a mail already imported is never imported twice.
"""

from __future__ import annotations

import mailbox
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from pathlib import Path
from urllib.parse import urlsplit

from django.db import IntegrityError, transaction

from typodesk.findings.services import record_report
from typodesk.ingest.orphus import OrphusError, quote_of
from typodesk.ingest.schemas import MAX_TEXT
from typodesk.interchange.models import ImportedMail
from typodesk.interchange.orphus_mail import NotRecognised, OrphusMail, parse_mail
from typodesk.sites.models import Site

# A single mail larger than this is no Orphus report (they are a few kilobytes) but an attachment.
MAX_MAIL = 1024 * 1024


class MailboxError(Exception):
    """The path cannot be read as a mailbox; one line for the CLI."""


@dataclass
class MailResult:
    read: int = 0
    imported: int = 0
    new_findings: int = 0
    skipped: list[tuple[str, str]] = field(default_factory=list)  # (where, why)

    def skip(self, where: str, why: str) -> None:
        self.skipped.append((where, why))

    def reasons(self) -> Counter:
        return Counter(why.split(":")[0] for _, why in self.skipped)


def read_mailbox(path: Path) -> Iterator[tuple[str, bytes, datetime | None]]:
    """(where, raw bytes, date of the mbox From_ line) for each mail under ``path``."""
    if path.is_dir():
        files = sorted(p for p in path.rglob("*") if p.is_file() and p.suffix.lower() == ".eml")
        if not files:
            raise MailboxError(f"{path} holds no .eml files")
        for p in files:
            if p.stat().st_size > MAX_MAIL:
                yield str(p.relative_to(path)), b"", None
                continue
            yield str(p.relative_to(path)), p.read_bytes(), None
        return
    if not path.is_file():
        raise MailboxError(f"{path} is neither a file nor a folder")
    if path.suffix.lower() == ".eml":
        yield path.name, path.read_bytes(), None
        return
    with path.open("rb") as f:
        if not f.read(5) == b"From ":
            raise MailboxError(f"{path} is not an mbox file (it does not start with a 'From ' line)")
    box = mailbox.mbox(path, create=False)
    try:
        for i, key in enumerate(box.iterkeys(), start=1):
            raw = box.get_bytes(key)
            from_line = box.get_file(key, from_=True).readline().decode("latin-1")
            yield f"{path.name} message {i}", raw if len(raw) <= MAX_MAIL else b"", _from_date(from_line)
    finally:
        box.close()


def _from_date(line: str) -> datetime | None:
    """The date of an mbox "From sender Fri Jul  8 12:08:34 2011" line (UTC, as mbox writes it)."""
    parts = line.split()
    if len(parts) < 7:
        return None
    try:
        return parsedate_to_datetime(" ".join(parts[2:7]) + " +0000")
    except (TypeError, ValueError, IndexError):
        return None


def import_mail(site: Site, path: Path, *, dry_run: bool = False) -> MailResult:
    result = MailResult()
    mails: list[tuple[str, OrphusMail]] = []
    seen: set[str] = set()
    for where, raw, from_date in read_mailbox(path):
        result.read += 1
        if not raw:
            result.skip(where, f"too large: over {MAX_MAIL // 1024} KB, not a report mail")
            continue
        try:
            mail = parse_mail(raw, from_date)
        except NotRecognised as exc:
            result.skip(where, f"not an Orphus report: {exc}")
            continue
        if mail.key in seen:
            result.skip(where, "a copy of an earlier mail in the same mailbox")
            continue
        seen.add(mail.key)
        mails.append((where, mail))
    # Oldest first: reports then group, reopen and date their findings as they did live.
    mails.sort(key=lambda wm: wm[1].date.astimezone(UTC))
    done = _imported_keys([m.key for _, m in mails])
    for where, mail in mails:
        if mail.key in done:
            result.skip(where, "already imported")
            continue
        host = urlsplit(mail.url).hostname or ""
        if not site.allows_host(host):
            result.skip(where, f"not on the site's domains: the page is on {host}")
            continue
        try:
            quote = quote_of(mail.fields())
        except OrphusError as exc:
            result.skip(where, f"unusable selection: {exc.message}")
            continue
        if dry_run:
            result.imported += 1
            continue
        try:
            with transaction.atomic():
                recorded = record_report(
                    site,
                    url=mail.url,
                    quote=quote,
                    comment=mail.comment[:MAX_TEXT],
                    when=mail.date,
                    notify=False,
                )
                ImportedMail.objects.create(key=mail.key, report=recorded.report, message_id=mail.message_id)
        except IntegrityError:  # another import of the same mail got there first
            result.skip(where, "already imported")
            continue
        result.imported += 1
        result.new_findings += 0 if recorded.duplicate else 1
    return result


def _imported_keys(keys: list[str]) -> set[str]:
    done: set[str] = set()
    for i in range(0, len(keys), 1000):
        done.update(ImportedMail.objects.filter(key__in=keys[i : i + 1000]).values_list("key", flat=True))
    return done


def summary(result: MailResult, dry_run: bool = False) -> str:
    verb = "would import" if dry_run else "imported"
    line = f"read {result.read} mails, {verb} {result.imported}"
    if not dry_run:
        line += f" ({result.new_findings} new findings)"
    if result.skipped:
        reasons = ", ".join(f"{n} {why}" for why, n in result.reasons().most_common())
        line += f", skipped {len(result.skipped)}: {reasons}"
    return line


__all__ = ["MailResult", "MailboxError", "import_mail", "read_mailbox", "summary"]
