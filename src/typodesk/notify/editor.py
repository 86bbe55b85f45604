"""The mail to the editor who marked a finding fixed when the page reader finds it still there.

A finding marked fixed is checked on the page (typodesk.pages.recheck). When the mistake is still
there, the finding goes back to the inbox as *regressed*, and the person who said it was fixed
hears of it: :func:`regressed` writes one :class:`~typodesk.notify.models.ReaderMail` of kind
"regressed" to their address, in the transaction of the reopening (the outbox), and the worker's
``reader-mail`` job sends it with retries.

Their preferences win: when their address is among the recipients of one of the site's e-mail
channels, the channel decides (it subscribes to "Fix verified, or fix not found on the page" and
sends ``finding.fix_not_found``, or it does not, and they chose not to hear of it), so the
personal mail is not sent on top.
"""

from __future__ import annotations

from datetime import datetime

from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _

from typodesk.notify.content import clean, desk_url, http_url
from typodesk.notify.models import Channel, ReaderMail

LANGUAGES = ("en", "ru", "az")


def marked_fixed_by(finding):
    """The last editor's "fixed" on the finding: (user, when), or (None, None)."""
    from typodesk.findings.models import StatusChange

    change = (
        StatusChange.objects.filter(finding_id=finding.pk, new_status="fixed", user__isnull=False)
        .select_related("user")
        .order_by("-created", "-pk")
        .first()
    )
    return (change.user, change.created) if change is not None else (None, None)


def _listens_to_channels(site_id: int, address: str) -> bool:
    key = address.strip().lower()
    for channel in Channel.objects.filter(site_id=site_id, kind=Channel.Kind.EMAIL):
        if key in (r.lower() for r in channel.recipients()):
            return True
    return False


def _language(user, site) -> str:
    """The language of the invitation the editor accepted, else the site's, else English."""
    from typodesk.sites.models import Invitation

    invitations = Invitation.objects.filter(site=site, accepted_by=user).order_by("-accepted_at")
    invited = invitations.values_list("language", flat=True).first()
    for lang in (invited, site.default_language):
        primary = (lang or "").split("-", 1)[0].lower()
        if primary in LANGUAGES:
            return primary
    return "en"


def regressed(finding, checked_at: datetime, now_reads: str = "") -> int:
    """Queue the mail to whoever marked ``finding`` fixed; returns 1 when one was queued.

    Call inside the transaction that reopens the finding."""
    user, marked_at = marked_fixed_by(finding)
    if user is None or not user.is_active or not user.email:
        return 0
    if _listens_to_channels(finding.site_id, user.email):
        return 0
    if ReaderMail.objects.filter(
        finding_id=finding.pk, address__iexact=user.email, status=ReaderMail.Status.PENDING
    ).exists():
        return 0
    page, site = finding.page, finding.site
    ReaderMail.objects.create(
        finding_id=finding.pk,
        kind=ReaderMail.Kind.REGRESSED,
        address=user.email,
        lang=_language(user, site),
        data={
            "site": site.name,
            "page_url": page.url,
            "page_title": page.title,
            "exact": finding.exact,
            "prefix": finding.prefix,
            "suffix": finding.suffix,
            "now_reads": now_reads,
            "marked_at": marked_at.isoformat(),
            "checked_at": checked_at.isoformat(),
            "desk_path": reverse("desk:finding", args=[finding.pk]),
        },
        created=checked_at,
        next_attempt_at=checked_at,
    )
    return 1


def render(mail: ReaderMail) -> tuple[str, str, str]:
    """Subject, plain text and HTML of a "regressed" mail, in its language."""
    from django.template.loader import render_to_string
    from django.utils.dateparse import parse_datetime

    d = mail.data
    context = {
        "site": clean(d.get("site"), one_line=True, limit=200),
        "title": clean(d.get("page_title"), one_line=True, limit=200),
        "page_url": http_url(d.get("page_url")),
        "prefix": clean(d.get("prefix"), one_line=True, strip=False)[-40:],
        "exact": clean(d.get("exact"), one_line=True, limit=200),
        "suffix": clean(d.get("suffix"), one_line=True, strip=False)[:40],
        "now_reads": clean(d.get("now_reads"), one_line=True, limit=300),
        "marked_at": parse_datetime(d.get("marked_at") or ""),
        "checked_at": parse_datetime(d.get("checked_at") or ""),
        "desk_url": desk_url(d.get("desk_path") or "/desk/"),
        "lang": mail.lang,
    }
    with translation.override(mail.lang if mail.lang in LANGUAGES else "en"):
        subject = _("Still on the page: “%(exact)s” on %(site)s") % {
            "exact": clean(d.get("exact"), one_line=True, limit=60),
            "site": context["site"],
        }
        text = render_to_string("notify/editor/regressed.txt", context)
        html = render_to_string("notify/editor/regressed.html", context)
    return clean(subject, one_line=True, limit=180), text, html
