"""The mail that tells a reader their mistake was fixed, and the end of their address.

A reader may leave an address with a report (where the site allows it: ``Site.allow_reader_email``).
When the finding becomes *fixed* — an editor in the desk or the API (findings.services.set_status),
or the page reader that sees the fix on the page (pages.recheck) — :func:`status_changed` writes
one :class:`~typodesk.notify.models.ReaderMail` per address, in the transaction of the change (the
outbox: a crash cannot lose it, a rollback cannot send it). The worker's ``reader-mail`` job
(:class:`ReaderMailer`) sends it in the reader's language (the report's ``lang``: en, ru or az,
else English), retrying with the notifications' backoff for up to a day, and erases the address
(from the mail's row and from the finding's reports) as soon as the mail is sent or has failed for
good. Closing a finding as not a mistake, spam or duplicate erases its addresses without a mail;
reopening it before the mail left takes the mail back and keeps the addresses for the real fix.

A reader who reported the same mistake twice gets one mail.
"""

from __future__ import annotations

import email.policy
import logging
import random
import smtplib
from collections.abc import Callable
from datetime import datetime, timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import EmailMultiAlternatives
from django.core.validators import validate_email
from django.db.models import Q
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from typodesk.notify import signals
from typodesk.notify.content import clean, http_url
from typodesk.notify.delivery import Policy, backoff, default_worker_id
from typodesk.notify.email import EmailTransport, _mail_domain, _smtp_error
from typodesk.notify.models import ReaderMail
from typodesk.notify.transport import DeliveryError

log = logging.getLogger("typodesk.notify")

LANGUAGES = ("en", "ru", "az")
RETRY_FOR = timedelta(hours=24)
LEASE = timedelta(seconds=120)
BATCH = 10


def mail_language(lang: str) -> str:
    """The mail's language for a report's page language: "ru-RU" → "ru"; English otherwise."""
    primary = (lang or "").strip().lower().replace("_", "-").split("-", 1)[0]
    return primary if primary in LANGUAGES else "en"


# In the transaction of the status change ----------------------------------------------------


def status_changed(finding, old_status: str, new_status: str, when: datetime | None = None) -> int:
    """Queue, take back or erase for a finding whose status just changed; returns mails queued.

    Call inside the transaction that changes the status.
    """
    from typodesk.findings.models import Finding, Report

    if old_status == new_status:
        return 0
    pending = ReaderMail.objects.filter(
        finding_id=finding.pk, status=ReaderMail.Status.PENDING, kind=ReaderMail.Kind.FIXED
    )
    if new_status == Finding.Status.FIXED:
        return _queue(finding, when or timezone.now())
    # Not fixed after all (reopened): the mails not sent yet are taken back; the addresses stay
    # on the reports for the real fix.
    pending.delete()
    if new_status not in Finding.OPEN_STATUSES:
        # Closed without a fix: nobody will be told, so nobody's address is kept.
        Report.objects.filter(finding_id=finding.pk).exclude(email="").update(email="")
    return 0


def _queue(finding, when: datetime) -> int:
    from typodesk.findings.models import Report

    waiting = {
        a.lower()
        for a in ReaderMail.objects.filter(
            finding_id=finding.pk, status=ReaderMail.Status.PENDING
        ).values_list("address", flat=True)
    }
    rows = []
    # The latest report of each address says which language its reader reads.
    for address, lang in (
        Report.objects.filter(finding_id=finding.pk)
        .exclude(email="")
        .order_by("-created", "-pk")
        .values_list("email", "lang")
    ):
        key = address.strip().lower()
        if key in waiting:
            continue
        waiting.add(key)
        rows.append(
            ReaderMail(
                finding_id=finding.pk,
                address=address.strip(),
                lang=mail_language(lang),
                data=_snapshot(finding),
                created=when,
                next_attempt_at=when,
            )
        )
    ReaderMail.objects.bulk_create(rows)
    return len(rows)


def _snapshot(finding) -> dict:
    page, site = finding.page, finding.site
    return {
        "site": site.name,
        "page_url": page.url,
        "page_title": page.title,
        "exact": finding.exact,
        "prefix": finding.prefix,
        "suffix": finding.suffix,
        "replacement": finding.replacement or "",
    }


# The mail -------------------------------------------------------------------------------------


def render(mail: ReaderMail) -> tuple[str, str, str]:
    """Subject, plain text and HTML of the mail, in its language."""
    if mail.kind == ReaderMail.Kind.REGRESSED:
        from typodesk.notify import editor

        return editor.render(mail)
    d = mail.data
    context = {
        "site": clean(d.get("site"), one_line=True, limit=200),
        "title": clean(d.get("page_title"), one_line=True, limit=200),
        "page_url": http_url(d.get("page_url")),
        "prefix": clean(d.get("prefix"), one_line=True, strip=False)[-40:],
        "exact": clean(d.get("exact"), one_line=True, limit=200),
        "suffix": clean(d.get("suffix"), one_line=True, strip=False)[:40],
        "replacement": clean(d.get("replacement"), one_line=True, limit=200),
        # The finding's public correction, when one is published by the time the mail leaves.
        "correction": None,
    }
    for _receiver, extra in signals.reader_mail_context.send(ReaderMail, finding_id=mail.finding_id):
        context.update(extra or {})
    with translation.override(mail.lang if mail.lang in LANGUAGES else "en"):
        subject = _("Fixed: the mistake you reported on %(site)s") % {"site": context["site"]}
        text = render_to_string("notify/reader/fixed.txt", context)
        html = render_to_string("notify/reader/fixed.html", {**context, "lang": mail.lang})
    return clean(subject, one_line=True, limit=180), text, html


def send(mail: ReaderMail) -> str:
    """Send the mail once; returns a short result, raises DeliveryError (temporary or permanent)."""
    if not settings.EMAIL_HOST:
        raise DeliveryError(
            "e-mail is not configured on this instance (TYPODESK_EMAIL_URL)", result="not configured"
        )
    try:
        validate_email(mail.address)
    except ValidationError:
        raise DeliveryError("not an e-mail address", permanent=True, result="bad address") from None
    subject, text, html = render(mail)
    message = EmailMultiAlternatives(
        subject=subject,
        body=text,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[mail.address],
        headers={
            "Message-ID": f"<{mail.uid}@{_mail_domain()}>",
            "Auto-Submitted": "auto-generated",
            "X-Auto-Response-Suppress": "All",
            "Content-Language": mail.lang,
        },
    )
    message.attach_alternative(html, "text/html")
    data = message.message(policy=email.policy.SMTP).as_bytes()
    try:
        # The e-mail channels' SMTP conversation (settings only: no channel involved).
        refused = EmailTransport(None)._deliver([mail.address], data)
    except smtplib.SMTPRecipientsRefused as exc:
        code = min(code for code, _msg in exc.recipients.values())
        raise DeliveryError(f"the mail server refused the address ({code})", permanent=code >= 500) from None
    except smtplib.SMTPDataError as exc:
        raise DeliveryError(
            f"the mail server refused the message: {_smtp_error(exc)}", permanent=exc.smtp_code >= 500
        ) from None
    except smtplib.SMTPResponseException as exc:
        raise DeliveryError(f"the mail server answered {_smtp_error(exc)}") from None
    except (smtplib.SMTPException, OSError) as exc:
        raise DeliveryError(f"cannot reach the mail server: {exc or type(exc).__name__}") from None
    if refused:
        raise DeliveryError("the mail server refused the address", permanent=True)
    return "delivered"


# The worker job -------------------------------------------------------------------------------


class ReaderMailer:
    """Sends due reader mails; ``tick()`` returns how many it tried."""

    def __init__(
        self,
        worker_id: str | None = None,
        stopping: Callable[[], bool] = lambda: False,
        clock: Callable[[], datetime] = timezone.now,
        retry_for: timedelta = RETRY_FOR,
        rng: random.Random | None = None,
    ):
        self.worker_id = (worker_id or default_worker_id())[:100]
        self.stopping = stopping
        self.clock = clock
        self.retry_for = retry_for
        self.rng = rng or random.Random()
        self.policy = Policy()

    def tick(self) -> int:
        now = self.clock()
        due = list(
            ReaderMail.objects.filter(status=ReaderMail.Status.PENDING, next_attempt_at__lte=now)
            .filter(Q(lease_until=None) | Q(lease_until__lt=now))
            .order_by("next_attempt_at", "pk")
            .values_list("pk", flat=True)[:BATCH]
        )
        done = 0
        for pk in due:
            if self.stopping():
                break
            claimed = (
                ReaderMail.objects.filter(pk=pk, status=ReaderMail.Status.PENDING)
                .filter(Q(lease_until=None) | Q(lease_until__lt=now))
                .update(claimed_by=self.worker_id, lease_until=now + LEASE)
            )
            if not claimed:
                continue
            mail = ReaderMail.objects.filter(pk=pk).first()
            if mail is None:
                continue  # taken back (the finding was reopened) meanwhile
            try:
                send(mail)
            except DeliveryError as exc:
                self._failed(mail, exc)
            except Exception as exc:
                log.exception("reader mail %s failed unexpectedly", mail.uid)
                self._failed(mail, DeliveryError(f"internal error: {type(exc).__name__}"))
            else:
                self._finish(mail, ReaderMail.Status.SENT, "")
            done += 1
        return done

    def _finish(self, mail: ReaderMail, status: str, error: str) -> None:
        """Sent or failed for good: the address goes, here and on the finding's reports."""
        from typodesk.findings.models import Report

        now = self.clock()
        ReaderMail.objects.filter(pk=mail.pk).update(
            status=status,
            address="",
            sent_at=now if status == ReaderMail.Status.SENT else None,
            attempts=mail.attempts + 1,
            lease_until=None,
            last_error=error,
        )
        if mail.kind == ReaderMail.Kind.FIXED:
            Report.objects.filter(finding_id=mail.finding_id, email__iexact=mail.address).update(email="")
        log.info("reader mail %s for finding %s: %s", mail.uid, mail.finding_id, status)

    def _failed(self, mail: ReaderMail, exc: DeliveryError) -> None:
        now = self.clock()
        # The address never goes into the error text kept (the server's answer may quote it).
        error = exc.error.replace(mail.address, "<address>")
        since = mail.retry_since or now
        if exc.permanent or now - since >= self.retry_for:
            self._finish(mail, ReaderMail.Status.FAILED, error)
            return
        delay = backoff(mail.attempts + 1, self.policy, self.rng)
        ReaderMail.objects.filter(pk=mail.pk, status=ReaderMail.Status.PENDING).update(
            attempts=mail.attempts + 1,
            retry_since=since,
            next_attempt_at=now + delay,
            lease_until=None,
            last_error=error,
        )
