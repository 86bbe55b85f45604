"""Turning reports into findings, and changing a finding's status.

One place for both, so that the API, the desk, the CLI and later importers
group reports and record history the same way.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F, Value
from django.db.models.functions import Greatest
from django.utils import timezone

from typodesk.findings import signals
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
    ``spam`` (why admission thinks the report is spam, typodesk.abuse.spam) is kept on the report
    and sends a new finding to the spam folder with that reason in its history; it never reopens a
    fixed finding, and no notification is written for it. A finding is spam only while its reports
    are: clean reports from enough other readers take it out of the folder (:func:`_lift_from_spam`).
    ``client_hash`` (the reader's hash of the day) makes the finding's reader count: the same
    reader reporting the same mistake again adds a report, not a reader.
    """
    when = when or timezone.now()
    page_url = normalize_url(url)
    for attempt in range(3):
        try:
            with transaction.atomic():
                page = _page(site, page_url, title, lang)
                finding, duplicate, previous_status = _finding(site, page, quote, when, spam, client_hash)
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
                    spam=spam[: Report._meta.get_field("spam").max_length],
                )
                if when != report.created:
                    Report.objects.filter(pk=report.pk).update(created=when)
                    report.created = when
                # Notifications (the outbox) and the page reader's schedule commit with the
                # report or not at all.
                if spam:
                    _spam_noted(finding, report, duplicate, spam)
                else:
                    if previous_status == Finding.Status.SPAM:
                        _lift_from_spam(finding, report, when, notify, page)
                    signals.report_recorded.send(
                        Finding,
                        finding=finding,
                        report=report,
                        duplicate=duplicate,
                        previous_status=previous_status,
                        when=when,
                        notify=notify,
                        page=page,
                        root=root,
                    )
                return Recorded(report, finding, duplicate)
        except IntegrityError:
            # Another process created the same page or finding between our
            # lookup and our insert; the next attempt finds it.
            if attempt == 2:
                raise
    raise AssertionError("unreachable")


def record_reports(site: Site, items: list[dict]) -> list[tuple[int, int, bool]]:
    """:func:`record_report` for a group of reports of one site, inside the caller's transaction.

    The report endpoint stores reports in groups, one transaction each (typodesk.ingest.store).
    The most frequent case under load, another report of a span that has a finding on a known
    page that is not marked fixed, takes a few statements for the whole group: one look-up per
    distinct span, one UPDATE per finding (its count raised by its number of reports), one
    INSERT for all the reports, the pages' title and language set as the last report that sent
    them says, and the outbox rows :func:`record_report` would write. Every other report (a new
    page or span, a moved span, a fixed finding the report reopens, one for the spam folder) goes
    through :func:`record_report`, in arrival order. ``items`` are :func:`record_report`'s
    keyword arguments. Returns (report id, finding id, duplicate) per item.
    """
    from django.db import DEFAULT_DB_ALIAS, connections

    connection = connections[DEFAULT_DB_ALIAS]
    if not connection.in_atomic_block:
        raise RuntimeError("record_reports runs inside the caller's transaction")
    results: list[tuple[int, int, bool] | None] = [None] * len(items)
    chosen = _existing_findings(connection, site, items)
    if chosen:
        ids = _add_to_findings(connection, site, items, chosen)
        for (i, row), report_id in zip(chosen, ids, strict=True):
            results[i] = (report_id, row[3], True)
    for i, item in enumerate(items):
        if results[i] is None:
            recorded = record_report(site, **item)
            results[i] = (recorded.report.pk, recorded.finding.pk, recorded.duplicate)
    return results  # type: ignore[return-value]


_SLOW_STATUSES = (Finding.Status.FIXED, Finding.Status.SPAM)


def _existing_findings(connection, site: Site, items: list[dict]) -> list[tuple[int, tuple]]:
    """The items that join a finding that exists and is not marked fixed or spam, with its row
    (page id, page title, page language, finding id, status)."""
    sql = _group_sql(connection)
    found: dict[tuple[str, str], tuple | None] = {}
    chosen: list[tuple[int, tuple]] = []
    with connection.cursor() as cursor:
        for i, item in enumerate(items):
            if item.get("spam"):
                continue
            q = item["quote"]
            page_hash = Page.hash_url(normalize_url(item["url"]))
            key = (page_hash, Finding.make_span_key(q.exact, q.start, q.end))
            if key not in found:
                cursor.execute(sql["find"], (key[1], site.pk, key[0]))
                found[key] = cursor.fetchone()
            row = found[key]
            # A finding marked fixed may reopen, one in the spam folder may come out of it: both
            # rare, both through record_report.
            if row is not None and row[3] is not None and row[4] not in _SLOW_STATUSES:
                chosen.append((i, row))
    return chosen


def _add_to_findings(connection, site: Site, items: list[dict], chosen: list[tuple[int, tuple]]) -> list[int]:
    """Store the chosen items' reports on their findings; returns the new reports' ids."""
    sql = _group_sql(connection)
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
    per_finding: dict[int, int] = {}
    for _, row in chosen:
        per_finding[row[3]] = per_finding.get(row[3], 0) + 1
    readers = _new_readers(connection, [(row[3], items[i].get("client_hash", "")) for i, row in chosen])
    rows: list[Report] = []
    for i, row in chosen:
        item, q = items[i], items[i]["quote"]
        keep_email = site.allow_reader_email and row[4] in Finding.OPEN_STATUSES
        rows.append(
            Report(
                finding_id=row[3],
                created=when,
                url=item["url"],
                title=item.get("title", ""),
                lang=item.get("lang", ""),
                exact=q.exact,
                prefix=q.prefix,
                suffix=q.suffix,
                start=q.start,
                end=q.end,
                suggestion=item.get("suggestion", ""),
                comment=item.get("comment", ""),
                client_hash=item.get("client_hash", ""),
                email=item.get("email", "") if keep_email else "",
                spam="",
            )
        )
    stamp = connection.ops.adapt_datetimefield_value(when)
    values: list = []
    for r in rows:
        values += [stamp if column == "created" else getattr(r, column) for column in _REPORT_COLUMNS]
    with connection.cursor() as cursor:
        for finding_id, n in per_finding.items():
            cursor.execute(sql["count"], (n, readers.get(finding_id, 0), stamp, finding_id))
        # One INSERT for the group (the ORM's bulk_create spends more building it than the
        # database spends running it); ids come back in the order of VALUES, as bulk_create
        # itself relies on.
        cursor.execute(_insert_reports(connection, len(rows)), values)
        for report, (report_id,) in zip(rows, cursor.fetchall(), strict=True):
            report.pk = report_id
    found = [row for _, row in chosen]
    signals.reports_added.send(
        Finding, site=site, described=lambda: _described(site, found, rows, per_finding), when=when
    )
    return [r.pk for r in rows]


_REPORT_COLUMNS = (
    "finding_id",
    "created",
    "url",
    "title",
    "lang",
    "exact",
    "prefix",
    "suffix",
    "start",
    "end",
)
_REPORT_COLUMNS += ("suggestion", "comment", "client_hash", "email", "spam")


def _new_readers(connection, pairs: list[tuple[int, str]]) -> dict[int, int]:
    """Per finding, the readers among ``pairs`` (finding id, reader hash) who had not reported it
    yet: one look-up for the whole group (index report_finding_reader), whatever its size. A
    report without a hash counts as a reader of its own."""
    wanted = {(f, h) for f, h in pairs if h}
    seen: set[tuple[int, str]] = set()
    if wanted:
        finding_ids = sorted({f for f, _ in wanted})
        hashes = sorted({h for _, h in wanted})
        q = connection.ops.quote_name
        # Plain SQL, as the group's other statements: the ORM spent more building this query than
        # the database spends answering it. Names come from the model; values are parameters.
        sql = (
            f"SELECT DISTINCT finding_id, client_hash FROM {q(Report._meta.db_table)}"  # noqa: S608
            f" WHERE finding_id IN ({', '.join(['%s'] * len(finding_ids))})"
            f" AND client_hash IN ({', '.join(['%s'] * len(hashes))})"
        )
        with connection.cursor() as cursor:
            cursor.execute(sql, [*finding_ids, *hashes])
            seen = {(f, h) for f, h in cursor.fetchall()}
    out: dict[int, int] = {}
    for finding_id, client_hash in pairs:
        if client_hash:
            if (finding_id, client_hash) in seen:
                continue
            seen.add((finding_id, client_hash))  # the same reader twice in one group: once
        out[finding_id] = out.get(finding_id, 0) + 1
    return out


def _insert_reports(connection, n: int) -> str:
    q = connection.ops.quote_name
    names = ", ".join(q(c) for c in _REPORT_COLUMNS)
    row = "(" + ", ".join(["%s"] * len(_REPORT_COLUMNS)) + ")"
    # The table and column names come from the model; values are always parameters.
    return f"INSERT INTO {q(Report._meta.db_table)} ({names}) VALUES {', '.join([row] * n)} RETURNING id"  # noqa: S608


def _described(
    site: Site, found: list[tuple], reports: list[Report], per_finding: dict
) -> list[tuple[Finding, Report, str]]:
    """A group's reports, each with its finding as it was right after that report (what recording
    them one by one would have shown) and the finding's status before it."""
    findings = Finding.objects.select_related("page").in_bulk(list(per_finding))
    left = dict(per_finding)
    out = []
    for row, report in zip(found, reports, strict=True):
        finding = copy.copy(findings[row[3]])  # the database's row after the whole group
        finding.site = site
        left[finding.pk] -= 1
        finding.report_count -= left[finding.pk]
        report.finding = finding
        out.append((finding, report, row[4]))
    return out


_GROUP_SQL: dict[str, dict[str, str]] = {}


def _group_sql(connection) -> dict[str, str]:
    if connection.vendor not in _GROUP_SQL:
        q = connection.ops.quote_name
        page, finding = (q(m._meta.db_table) for m in (Page, Finding))
        greatest = "GREATEST" if connection.vendor == "postgresql" else "MAX"
        # Table names come from the models; values are always parameters.
        find = f"SELECT p.id, p.title, p.lang, f.id, f.status FROM {page} p LEFT JOIN {finding} f"  # noqa: S608
        find += " ON f.page_id = p.id AND f.span_key = %s WHERE p.site_id = %s AND p.url_hash = %s"
        count = f"UPDATE {finding} SET report_count = report_count + %s, reader_count = reader_count + %s, "  # noqa: S608
        count += f"last_reported = {greatest}(last_reported, %s) WHERE id = %s"
        _GROUP_SQL[connection.vendor] = {"find": find, "count": count}
    return _GROUP_SQL[connection.vendor]


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


def _finding(
    site: Site, page: Page, quote: Quote, when, spam: str = "", client_hash: str = ""
) -> tuple[Finding, bool, str | None]:
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
            reader_count=1,
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
    if not client_hash or not Report.objects.filter(finding=finding, client_hash=client_hash).exists():
        updates["reader_count"] = F("reader_count") + 1
    fixed_before = finding.status_changed is None or when >= finding.status_changed
    if finding.status == Finding.Status.FIXED and fixed_before and not spam:
        # Readers still see the mistake after an editor said it was fixed:
        # put it back in front of the editors.
        updates.update(status=Finding.Status.NEW, status_changed=when)
        StatusChange.objects.create(finding=finding, user=None, old_status=finding.status, new_status="new")
        # Not fixed after all: the readers' "fixed" mails not sent yet are taken back.
        signals.status_changed.send(
            Finding, finding=finding, old_status=finding.status, new_status=Finding.Status.NEW, user=None,
            when=when,
        )
    Finding.objects.filter(pk=finding.pk).update(**updates)
    finding.refresh_from_db()
    return finding, True, previous_status


def _spam_noted(finding: Finding, report: Report, duplicate: bool, why: str) -> None:
    """The history says why a report went to spam: the new finding's move there, or (a report
    joining an existing finding, whose status one suspicious report does not change) a note."""
    reasons = list(getattr(why, "reasons", ()))  # abuse.spam.Verdict: each sign, to translate
    if duplicate:
        note = f"Automatically: report #{report.pk} looks like spam: {why}"
        old = finding.status
        code, params = "spam-report", {"report": report.pk, "reasons": reasons}
    else:
        note = f"Automatically: {why}"
        old = Finding.Status.NEW
        code, params = "spam", {"reasons": reasons}
    if not reasons:  # a reason given as plain text (tests, imports): shown as written
        code, params = "", {}
    StatusChange.objects.create(
        finding=finding,
        user=None,
        old_status=old,
        new_status=finding.status,
        note=note,
        code=code,
        params=params,
    )


def _lift_from_spam(finding: Finding, report: Report, when, notify: bool, page: Page) -> bool:
    """Take a finding out of the spam folder once clean reports from enough readers confirm it.

    Admission judges each report on its own (typodesk.abuse.spam), and one suspicious report, often
    the first, sent the whole finding to spam: a polite comment pasted on several pages buried a
    typo that dozens of readers reported. A finding is spam only while its reports are: when
    ``TYPODESK_SPAM_LIFT_READERS`` different readers (the day's hash; none of them a reader of a
    spam report) sent clean reports, it goes back to the inbox as new, the spam reports stay
    marked (the desk says "possible spam"). Only a move to spam made automatically is undone; an
    editor's decision stands. Returns whether it moved.
    """
    last = (
        StatusChange.objects.filter(finding=finding, new_status=Finding.Status.SPAM)
        .order_by("-created", "-pk")
        .only("user_id")
        .first()
    )
    if last is None or last.user_id is not None or finding.status != Finding.Status.SPAM:
        return False  # an editor (or an import) put it there, or it left the folder meanwhile
    readers = clean_readers(finding.pk)
    if readers < settings.TYPODESK_SPAM_LIFT_READERS:
        return False
    moved = Finding.objects.filter(pk=finding.pk, status=Finding.Status.SPAM).update(
        status=Finding.Status.NEW, status_changed=when
    )
    if not moved:
        return False
    StatusChange.objects.create(
        finding=finding,
        user=None,
        old_status=Finding.Status.SPAM,
        new_status=Finding.Status.NEW,
        note=f"Automatically: {readers} readers reported it without anything that looks like spam;"
        " back from the spam folder.",
    )
    finding.status, finding.status_changed = Finding.Status.NEW, when
    # The editors never heard of it: news now, as a new finding (notifications, a page reading).
    signals.report_recorded.send(
        Finding,
        finding=finding,
        report=report,
        duplicate=False,
        previous_status=None,
        when=when,
        notify=notify,
        page=page,
        root="",
    )
    return True


def clean_readers(finding_id: int) -> int:
    """Readers whose reports of the finding look clean and who sent none that looks like spam
    (a report without a reader hash, an import, counts as a reader of its own)."""
    reports = Report.objects.filter(finding_id=finding_id)
    spammers = reports.exclude(spam="").exclude(client_hash="").values("client_hash")
    clean = reports.filter(spam="").exclude(client_hash__in=spammers)
    return (
        clean.exclude(client_hash="").values("client_hash").distinct().count()
        + clean.filter(client_hash="").count()
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
            # Notifications, the readers' "fixed" mails and the page reader's verdict and schedule.
            signals.status_changed.send(
                Finding,
                finding=finding,
                old_status=finding.status,
                new_status=new_status,
                user=user,
                when=now,
            )
    for name, value in updates.items():
        setattr(finding, name, value)
    return True

