"""Turning reports into findings, and changing a finding's status.

One place for both, so that the API, the desk, the CLI and later importers
group reports and record history the same way.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F, Value
from django.db.models.functions import Greatest
from django.utils import timezone

from typodesk.db import driver_cursor
from typodesk.findings.models import Finding, Page, Report, StatusChange
from typodesk.findings.urlnorm import normalize_url
from typodesk.notify import outbox
from typodesk.notify import reader as reader_mail
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
    notify: bool = True,
    root: str = "",
    email: str = "",
    spam: str = "",
) -> Recorded:
    """Store a reader's report and attach it to its finding (new or existing).

    ``when`` in the past (imports) dates the report, and the finding when it is new, as the
    reader sent it; ``notify=False`` (imports) writes no notifications: old reports are not news.
    ``root`` is the root selector the widget read the page's text from (for the page reader).
    ``email`` (the reader's address, to be told of the fix) is kept only where the site allows it
    and while the finding is open: a closed finding's addresses are erased (:func:`set_status`).
    ``spam`` (why admission thinks the report is spam, typodesk.abuse.spam) sends a new finding to
    the spam folder with that reason in its history; it never reopens a fixed finding, and no
    notification is written for it.
    """
    when = when or timezone.now()
    page_url = normalize_url(url)
    for attempt in range(3):
        try:
            with transaction.atomic():
                page = _page(site, page_url, title, lang)
                finding, duplicate, previous_status = _finding(site, page, quote, when, spam)
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
                    email=email if site.allow_reader_email and finding.is_open else "",
                )
                if when != report.created:
                    Report.objects.filter(pk=report.pk).update(created=when)
                    report.created = when
                # The outbox: notifications commit with the report or not at all.
                if notify and not spam:
                    outbox.report_recorded(
                        finding, report, duplicate=duplicate, previous_status=previous_status, when=when
                    )
                if spam:
                    _spam_noted(finding, report, duplicate, spam)
                else:
                    _after_report(page, finding, duplicate, previous_status, root)
                return Recorded(report, finding, duplicate)
        except IntegrityError:
            # Another process created the same page or finding between our
            # lookup and our insert; the next attempt finds it.
            if attempt == 2:
                raise
    raise AssertionError("unreachable")


def record_report_fast(
    site: Site,
    *,
    url: str,
    quote: Quote,
    title: str = "",
    lang: str = "",
    suggestion: str = "",
    comment: str = "",
    client_hash: str = "",
    root: str = "",
    email: str = "",
    channels: dict | None = None,
) -> tuple[int, int, bool] | None:
    """:func:`record_report` for the common case in three SQL statements, or None to call it.

    The lean ingestion path (typodesk.ingest.writer) calls this inside its group transaction.
    It handles one case, the most frequent by far under load: another report of a span that
    already has a finding on a known page, and that finding is not marked fixed. It writes
    exactly what :func:`record_report` writes then (the page's title and language, the
    finding's count and last report, the report, and the outbox rows through
    :func:`outbox.report_recorded`); a duplicate of a finding that is not reopened schedules no
    page reading. Every other case (new page, new or moved span, a fixed finding that the report
    reopens) returns None without writing anything, and the caller runs :func:`record_report`.
    ``channels`` memoises per site whether it has notification channels (one query per batch).
    Returns (report id, finding id, True).
    """
    from django.db import DEFAULT_DB_ALIAS, connections

    connection = connections[DEFAULT_DB_ALIAS]  # this thread's connection, looked up once
    if not connection.in_atomic_block:
        raise RuntimeError("record_report_fast runs inside the caller's transaction")
    when = timezone.now()
    page_url = normalize_url(url)
    span_key = Finding.make_span_key(quote.exact, quote.start, quote.end)
    sql = _fast_sql(connection)
    with driver_cursor(connection) as cursor:
        cursor.execute(sql["find"], (span_key, site.pk, Page.hash_url(page_url)))
        row = cursor.fetchone()
        if row is None or row[3] is None or row[4] == Finding.Status.FIXED:
            return None
        page_id, page_title, page_lang, finding_id, status = row
        changed = {}
        if title and title != page_title:
            changed["title"] = title
        if lang and lang != page_lang:
            changed["lang"] = lang
        if changed:
            Page.objects.filter(pk=page_id).update(**changed)
        stamp = connection.ops.adapt_datetimefield_value(when)
        cursor.execute(sql["count"], (stamp, finding_id))
        keep_email = site.allow_reader_email and status in Finding.OPEN_STATUSES
        values = (finding_id, stamp, url, title, lang, quote.exact, quote.prefix, quote.suffix)
        values += (quote.start, quote.end, suggestion, comment, client_hash, email if keep_email else "")
        cursor.execute(sql["report"], values)
        report_id = cursor.fetchone()[0]
    if channels is None:
        channels = {}
    if _has_channels(connection, site.pk, channels):
        # What record_report hands the outbox: the finding as it is now, and the report.
        finding = Finding.objects.select_related("page").get(pk=finding_id)
        finding.site = site
        report = Report(
            pk=report_id,
            finding=finding,
            created=when,
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
            email=email if keep_email else "",
        )
        outbox.report_recorded(finding, report, duplicate=True, previous_status=status, when=when)
    return report_id, finding_id, True


def record_reports_fast(site: Site, items: list[dict], channels: dict) -> list[tuple[int, int, bool] | None]:
    """:func:`record_report_fast` for several reports of one site at once (a writer's group).

    ``items`` are :func:`record_report` keyword arguments. The same case as
    :func:`record_report_fast` (another report of a span whose finding exists and is not marked
    fixed), with the same end state, in fewer statements: one look-up per distinct span, one
    UPDATE per finding (its count raised by its number of reports), one INSERT for all the
    reports, and the pages' title and language set as the last report that sent them says (what
    one-by-one recording leaves). Sites with notification channels are recorded one by one, so
    that each notification describes the finding as it was after its own report. Returns, per
    item, (report id, finding id, True), or None: that report is for :func:`record_report`.
    """
    from django.db import DEFAULT_DB_ALIAS, connections

    connection = connections[DEFAULT_DB_ALIAS]
    if not connection.in_atomic_block:
        raise RuntimeError("record_reports_fast runs inside the caller's transaction")
    sql = _fast_sql(connection)
    if _has_channels(connection, site.pk, channels):
        return [record_report_fast(site, channels=channels, **item) for item in items]
    results: list[tuple[int, int, bool] | None] = [None] * len(items)
    found: dict[tuple[str, str], tuple | None] = {}
    chosen: list[tuple[int, tuple]] = []
    with driver_cursor(connection) as cursor:
        for i, item in enumerate(items):
            q = item["quote"]
            page_hash = Page.hash_url(normalize_url(item["url"]))
            key = (page_hash, Finding.make_span_key(q.exact, q.start, q.end))
            if key not in found:
                cursor.execute(sql["find"], (key[1], site.pk, key[0]))
                found[key] = cursor.fetchone()
            row = found[key]
            if row is not None and row[3] is not None and row[4] != Finding.Status.FIXED:
                chosen.append((i, row))
        if not chosen:
            return results
        pages: dict[int, dict] = {}
        for i, row in chosen:
            page = pages.setdefault(row[0], {"title": row[1], "lang": row[2], "changed": {}})
            for name in ("title", "lang"):
                value = items[i].get(name, "")
                if value and value != page[name]:
                    page[name] = page["changed"][name] = value
        for page_id, page in pages.items():
            if page["changed"]:
                Page.objects.filter(pk=page_id).update(**page["changed"])
        when = timezone.now()
        stamp = connection.ops.adapt_datetimefield_value(when)
        per_finding: dict[int, int] = {}
        for _, row in chosen:
            per_finding[row[3]] = per_finding.get(row[3], 0) + 1
        for finding_id, n in per_finding.items():
            cursor.execute(sql["count_n"], (n, stamp, finding_id))
        values: list = []
        for i, row in chosen:
            item, q = items[i], items[i]["quote"]
            keep_email = site.allow_reader_email and row[4] in Finding.OPEN_STATUSES
            values += (row[3], stamp, item["url"], item.get("title", ""), item.get("lang", ""), q.exact)
            values += (q.prefix, q.suffix, q.start, q.end, item.get("suggestion", ""))
            values += (item.get("comment", ""), item.get("client_hash", ""))
            values.append(item.get("email", "") if keep_email else "")
        cursor.execute(_insert_many(connection, len(chosen)), values)
        if connection.vendor == "sqlite":
            # One writer holds the database, so one statement's rows get consecutive ids (each
            # the highest so far plus one, AUTOINCREMENT); the trigger's FTS insert does not
            # change lastrowid. Reading them back with RETURNING costs a step per row, and each
            # step hands the GIL to the event loop and waits to get it back.
            last = cursor.lastrowid
            ids = list(range(last - len(chosen) + 1, last + 1))
        else:
            # Rows come back in the order of VALUES, as Django's bulk_create relies on.
            ids = [r[0] for r in cursor.fetchall()]
    for (i, row), report_id in zip(chosen, ids, strict=True):
        results[i] = (report_id, row[3], True)
    return results


def _has_channels(connection, site_id: int, channels: dict) -> bool:
    """Whether the site has notification channels, asked once per ``channels`` (a writer's
    group) through the driver's cursor: the ORM's query building cost more than the look-up."""
    if site_id not in channels:
        with driver_cursor(connection) as cursor:
            cursor.execute(_fast_sql(connection)["channel"], (site_id,))
            channels[site_id] = cursor.fetchone() is not None
    return channels[site_id]


_INSERT_MANY: dict[tuple[str, int], str] = {}


def _insert_many(connection, n: int) -> str:
    key = (connection.vendor, n)
    if key not in _INSERT_MANY:
        one = _fast_sql(connection)["report"]
        head, _, rest = one.partition(" VALUES ")
        row = rest.removesuffix(" RETURNING id")
        returning = "" if connection.vendor == "sqlite" else " RETURNING id"
        _INSERT_MANY[key] = f"{head} VALUES {', '.join([row] * n)}{returning}"
    return _INSERT_MANY[key]


_FAST_SQL: dict[str, dict[str, str]] = {}


def _fast_sql(connection) -> dict[str, str]:
    if connection.vendor not in _FAST_SQL:
        q = connection.ops.quote_name
        page, finding, report = (q(m._meta.db_table) for m in (Page, Finding, Report))
        greatest = "GREATEST" if connection.vendor == "postgresql" else "MAX"
        columns = ["finding_id", "created", "url", "title", "lang", "exact", "prefix", "suffix"]
        columns += ["start", "end", "suggestion", "comment", "client_hash", "email"]
        names = ", ".join(q(c) for c in columns)
        mark = "?" if connection.vendor == "sqlite" else "%s"
        marks = ", ".join([mark] * len(columns))
        # Table and column names come from the models; values are always parameters.
        find = f"SELECT p.id, p.title, p.lang, f.id, f.status FROM {page} p LEFT JOIN {finding} f"  # noqa: S608
        find += " ON f.page_id = p.id AND f.span_key = %s WHERE p.site_id = %s AND p.url_hash = %s"
        find = find.replace("%s", mark)
        count = f"UPDATE {finding} SET report_count = report_count + 1, last_reported = {greatest}"  # noqa: S608
        count += f"(last_reported, {mark}) WHERE id = {mark}"
        count_n = count.replace("report_count + 1", f"report_count + {mark}")
        insert = f"INSERT INTO {report} ({names}) VALUES ({marks}) RETURNING id"  # noqa: S608
        from typodesk.notify.models import Channel

        channel = f"SELECT 1 FROM {q(Channel._meta.db_table)} WHERE site_id = {mark} LIMIT 1"  # noqa: S608
        _FAST_SQL[connection.vendor] = {
            "find": find,
            "count": count,
            "count_n": count_n,
            "report": insert,
            "channel": channel,
        }
    return _FAST_SQL[connection.vendor]


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


def _finding(site: Site, page: Page, quote: Quote, when, spam: str = "") -> tuple[Finding, bool, str | None]:
    """The finding of this quote (created if new, in the spam folder when ``spam``), whether it
    existed, and its status before."""
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
            **({"status": Finding.Status.SPAM, "status_changed": when} if spam else {}),
        )
        if when != finding.created:  # auto_now_add ignores the value given
            Finding.objects.filter(pk=finding.pk).update(created=when)
            finding.created = when
        return finding, False, None
    previous_status = finding.status
    # Greatest: an imported report older than the finding's last one does not move it back.
    updates = {"report_count": F("report_count") + 1, "last_reported": Greatest("last_reported", Value(when))}
    fixed_before = finding.status_changed is None or when >= finding.status_changed
    if finding.status == Finding.Status.FIXED and fixed_before and not spam:
        # Readers still see the mistake after an editor said it was fixed:
        # put it back in front of the editors.
        updates.update(status=Finding.Status.NEW, status_changed=when)
        StatusChange.objects.create(finding=finding, user=None, old_status=finding.status, new_status="new")
        reader_mail.status_changed(finding, finding.status, Finding.Status.NEW)  # not fixed: no mail yet
    Finding.objects.filter(pk=finding.pk).update(**updates)
    finding.refresh_from_db()
    return finding, True, previous_status


def _spam_noted(finding: Finding, report: Report, duplicate: bool, why: str) -> None:
    """The history says why a report went to spam: the new finding's move there, or (a report
    joining an existing finding, whose status one suspicious report does not change) a note."""
    if duplicate:
        note = f"Automatically: report #{report.pk} looks like spam: {why}"
        old = finding.status
    else:
        note = f"Automatically: {why}"
        old = Finding.Status.NEW
    StatusChange.objects.create(
        finding=finding, user=None, old_status=old, new_status=finding.status, note=note
    )


def _moved_finding(page: Page, quote: Quote) -> Finding | None:
    """The same words in the same context at another offset (the page changed above them)."""
    pre = quote.prefix[-CONTEXT_MATCH:]
    suf = quote.suffix[:CONTEXT_MATCH]
    for f in Finding.objects.filter(page=page, exact=quote.exact).order_by("-last_reported")[:50]:
        if f.prefix.endswith(pre) and f.suffix.startswith(suf):
            return f
    return None


class StatusError(ValueError):
    """A change :func:`set_status` refuses; ``field`` names the argument at fault (API answers)."""

    def __init__(self, message: str, field: str = "status"):
        super().__init__(message)
        self.field = field


# Marks are followed to the finding that is not itself a duplicate; a longer chain than this is
# a loop that slipped in (say, two concurrent marks) and is refused rather than followed forever.
MAX_DUPLICATE_CHAIN = 20


def original_of(finding: Finding) -> Finding:
    """The finding ``finding`` ultimately repeats: itself unless it is marked a duplicate."""
    seen = set()
    while finding.status == Finding.Status.DUPLICATE and finding.duplicate_of_id:
        if finding.pk in seen or len(seen) >= MAX_DUPLICATE_CHAIN:
            raise StatusError("these findings are marked duplicates of each other", "duplicate_of")
        seen.add(finding.pk)
        finding = Finding.objects.get(pk=finding.duplicate_of_id)
    return finding


def set_status(
    finding: Finding,
    status: str | None = None,
    user=None,
    *,
    note: str | None = None,
    duplicate_of: Finding | None = None,
) -> bool:
    """Change the status, the note or the duplicate mark and record who did it; False if nothing changed.

    One function for every editor decision, so that the desk, the API and the importers leave
    the same history row and the same notifications (written to the outbox in the same
    transaction). ``status`` or ``note`` None leaves it as it is. ``duplicate_of`` marks the
    finding a duplicate of another finding of the same site (``status`` then is None or
    "duplicate"); the mark goes to that finding's original when it is itself a duplicate, so a
    finding can never end up a duplicate of itself. Any other status clears the mark.
    Raises :class:`StatusError` for a change that makes no sense.
    """
    new_status = finding.status if status is None else status
    if duplicate_of is not None:
        if status not in (None, Finding.Status.DUPLICATE):
            raise StatusError(f"a finding marked a duplicate has the status duplicate, not {status!r}")
        new_status = Finding.Status.DUPLICATE
    if new_status not in Finding.Status.values:
        raise StatusError(f"unknown status {status!r}")
    target_id = None
    if new_status == Finding.Status.DUPLICATE:
        target = duplicate_of
        if target is None and finding.status == Finding.Status.DUPLICATE and finding.duplicate_of_id:
            target = Finding.objects.get(pk=finding.duplicate_of_id)
        if target is None:
            raise StatusError("say which finding this one duplicates", "duplicate_of")
        if target.site_id != finding.site_id:
            raise StatusError("a finding can only duplicate a finding of the same site", "duplicate_of")
        if target.pk != finding.pk:
            target = original_of(target)
        if target.pk == finding.pk:
            raise StatusError("a finding cannot be a duplicate of itself", "duplicate_of")
        target_id = target.pk
    status_changes = new_status != finding.status
    note_changes = note is not None and note != finding.note
    mark_changes = target_id != finding.duplicate_of_id
    if not (status_changes or note_changes or mark_changes):
        return False
    now = timezone.now()
    updates: dict = {"duplicate_of_id": target_id}
    if note_changes:
        updates["note"] = note
    if status_changes:
        updates.update(status=new_status, status_changed=now)
    with transaction.atomic():
        StatusChange.objects.create(
            finding=finding,
            user=user,
            old_status=finding.status,
            new_status=new_status,
            new_note=note if note_changes else None,
            duplicate_of_id=target_id if mark_changes else None,
        )
        Finding.objects.filter(pk=finding.pk).update(**updates)
        if status_changes:
            outbox.status_changed(finding, new_status, user, when=now)
            _after_status_change(finding, new_status)
            # The readers who left an address: a "fixed" mail each, through the outbox (the
            # address is erased once it is sent); closing otherwise erases the addresses.
            reader_mail.status_changed(finding, finding.status, new_status, when=now)
    for name, value in updates.items():
        setattr(finding, name, value)
    return True


# Fix verification (typodesk.pages, docs/verification.md) ------------------------------


def _after_report(
    page: Page, finding: Finding, duplicate: bool, previous_status: str | None, root: str
) -> None:
    """Read the page soon after a new finding (its text then is the snapshot later checks compare
    against), and after a reader reopened a finding marked fixed (is the fix there or not?)."""
    from typodesk.pages.schedule import schedule

    reopened = duplicate and previous_status == Finding.Status.FIXED
    if reopened:
        # The last verdict described the finding before the reader reopened it.
        Finding.objects.filter(pk=finding.pk).exclude(verification=Finding.Verification.NONE).update(
            verification=Finding.Verification.NONE
        )
        finding.verification = Finding.Verification.NONE
    if not duplicate or reopened:
        schedule(page, delay=settings.TYPODESK_FETCH_FIRST_DELAY, root=root)


def _after_status_change(finding: Finding, status: str) -> None:
    """An editor's decision replaces the page reader's last verdict; "fixed" is checked on the page."""
    from typodesk.pages.models import PageCheck
    from typodesk.pages.schedule import schedule

    Finding.objects.filter(pk=finding.pk).exclude(verification=Finding.Verification.NONE).update(
        verification=Finding.Verification.NONE
    )
    finding.verification = Finding.Verification.NONE
    if status == Finding.Status.FIXED:
        schedule(finding.page, delay=settings.TYPODESK_FETCH_FIXED_DELAY, reason=PageCheck.Reason.FIXED)
