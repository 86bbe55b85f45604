"""Turning reports into findings, and changing a finding's status.

One place for both, so that the API, the desk, the CLI and later importers
group reports and record history the same way.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from typodesk.findings.models import Finding, Page, Report, StatusChange
from typodesk.findings.urlnorm import normalize_url
from typodesk.sites.models import Site

# How much of the context must agree for a quote at another offset to be the same
# span: the page may have been edited above the mistake between two reports.
CONTEXT_MATCH = 16


@dataclass(frozen=True)
class Quote:
    exact: str
    prefix: str
    suffix: str
    start: int
    end: int


@dataclass(frozen=True)
class Recorded:
    report: Report
    finding: Finding
    duplicate: bool


def record_report(
    site: Site,
    *,
    url: str,
    quote: Quote,
    title: str = "",
    lang: str = "",
    suggestion: str = "",
    comment: str = "",
    client_hash: str = "",
    when=None,
) -> Recorded:
    """Store a reader's report and attach it to its finding (new or existing)."""
    when = when or timezone.now()
    page_url = normalize_url(url)
    for attempt in range(3):
        try:
            with transaction.atomic():
                page = _page(site, page_url, title, lang)
                finding, duplicate = _finding(site, page, quote, when)
                report = Report.objects.create(
                    finding=finding,
                    url=url,
                    title=title,
                    lang=lang,
                    exact=quote.exact,
                    prefix=quote.prefix,
                    suffix=quote.suffix,
                    start=quote.start,
                    end=quote.end,
                    suggestion=suggestion,
                    comment=comment,
                    client_hash=client_hash,
                )
                if when != report.created:
                    Report.objects.filter(pk=report.pk).update(created=when)
                    report.created = when
                return Recorded(report, finding, duplicate)
        except IntegrityError:
            # Another process created the same page or finding between our
            # lookup and our insert; the next attempt finds it.
            if attempt == 2:
                raise
    raise AssertionError("unreachable")


def _page(site: Site, url: str, title: str, lang: str) -> Page:
    url_hash = Page.hash_url(url)
    page = Page.objects.filter(site=site, url_hash=url_hash).first()
    if page is None:
        return Page.objects.create(site=site, url=url, url_hash=url_hash, title=title, lang=lang)
    changed = {}
    if title and title != page.title:
        changed["title"] = title
    if lang and lang != page.lang:
        changed["lang"] = lang
    if changed:
        Page.objects.filter(pk=page.pk).update(**changed)
    return page


def _finding(site: Site, page: Page, quote: Quote, when) -> tuple[Finding, bool]:
    span_key = Finding.make_span_key(quote.exact, quote.start, quote.end)
    finding = Finding.objects.filter(page=page, span_key=span_key).first()
    if finding is None:
        finding = _moved_finding(page, quote)
    if finding is None:
        finding = Finding.objects.create(
            site=site,
            page=page,
            exact=quote.exact,
            prefix=quote.prefix,
            suffix=quote.suffix,
            start=quote.start,
            end=quote.end,
            span_key=span_key,
            report_count=1,
            last_reported=when,
        )
        return finding, False
    updates = {"report_count": F("report_count") + 1, "last_reported": when}
    if finding.status == Finding.Status.FIXED:
        # Readers still see the mistake after an editor said it was fixed:
        # put it back in front of the editors.
        updates.update(status=Finding.Status.NEW, status_changed=when)
        StatusChange.objects.create(finding=finding, user=None, old_status=finding.status, new_status="new")
    Finding.objects.filter(pk=finding.pk).update(**updates)
    finding.refresh_from_db()
    return finding, True


def _moved_finding(page: Page, quote: Quote) -> Finding | None:
    """The same words in the same context at another offset (the page changed above them)."""
    pre = quote.prefix[-CONTEXT_MATCH:]
    suf = quote.suffix[:CONTEXT_MATCH]
    for f in Finding.objects.filter(page=page, exact=quote.exact).order_by("-last_reported")[:50]:
        if f.prefix.endswith(pre) and f.suffix.startswith(suf):
            return f
    return None


def set_status(finding: Finding, status: str, user=None) -> bool:
    """Change the status and record who did it; False when nothing changed."""
    if status not in Finding.Status.values:
        raise ValueError(f"unknown status {status!r}")
    if finding.status == status:
        return False
    now = timezone.now()
    with transaction.atomic():
        StatusChange.objects.create(finding=finding, user=user, old_status=finding.status, new_status=status)
        Finding.objects.filter(pk=finding.pk).update(status=status, status_changed=now)
    finding.status, finding.status_changed = status, now
    return True
