"""The per-site overview: charts of what readers report and how fast it is fixed.

Members of the site only (any role); another site's overview is a 404. Everything shown is read
from the rollup (overview.models), a few small queries whatever the size of the site.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date, timedelta
from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from typodesk.findings.models import Finding
from typodesk.overview import charts
from typodesk.overview.models import Feed, FixTime, PageCount, ReportDay, SectionCount, StatusCount
from typodesk.overview.rollup import FEEDS, seconds_of, week_of
from typodesk.sites.models import sites_for

DAYS = 90
WEEKS = 13
TOP = 10

STATUS_ORDER = [
    (Finding.Status.NEW, "open"),
    (Finding.Status.FIXED, "fixed"),
    (Finding.Status.REJECTED, "rejected"),
    (Finding.Status.SPAM, "spam"),
    (Finding.Status.DUPLICATE, "duplicate"),
]


def number(n) -> str:
    return formats.number_format(n, use_l10n=True, force_grouping=True)


def duration(seconds: float | None) -> str:
    """A duration in words, rounded to what an editor cares about ("42 minutes", "3.5 hours")."""
    if seconds is None:
        return _("no fixes yet")
    minutes = seconds / 60
    if minutes < 1:
        n = round(seconds)
        return ngettext("%(n)s second", "%(n)s seconds", n) % {"n": number(n)}
    if minutes < 90:
        n = round(minutes)
        return ngettext("%(n)s minute", "%(n)s minutes", n) % {"n": number(n)}
    hours = minutes / 60
    if hours < 48:
        v = round(hours, 1)
        return ngettext("%(n)s hour", "%(n)s hours", round(v)) % {"n": formats.number_format(v, 1)}
    days = hours / 24
    v = round(days, 1)
    return ngettext("%(n)s day", "%(n)s days", round(v)) % {"n": formats.number_format(v, 1)}


def median(buckets: Counter) -> float | None:
    """The median duration of the fixes counted in ``buckets`` (bucket -> fixes)."""
    total = sum(buckets.values())
    if total <= 0:
        return None
    ordered = sorted((b, n) for b, n in buckets.items() if n > 0)
    # The middle fix (the mean of the two middle ones for an even count).
    wanted = [(total - 1) // 2, total // 2]
    values = []
    seen = 0
    for b, n in ordered:
        while wanted and wanted[0] < seen + n:
            values.append(seconds_of(b))
            wanted.pop(0)
        seen += n
    return sum(values) / len(values)


@dataclass
class Overview:
    site: object
    days: list[tuple[date, int]] = field(default_factory=list)
    reports_90: int = 0
    langs: list[tuple[str, int]] = field(default_factory=list)
    statuses: list[tuple[str, str, int]] = field(default_factory=list)  # (status, css, findings)
    open: int = 0
    closed: int = 0
    weeks: list[tuple[date, float | None, int]] = field(default_factory=list)  # (week, median s, fixes)
    median_fix: float | None = None
    fixes: int = 0
    pages: list = field(default_factory=list)
    sections: list = field(default_factory=list)
    as_of: object = None
    built: bool = False


def gather(site, today: date | None = None) -> Overview:
    today = today or timezone.localdate()
    first_day = today - timedelta(days=DAYS - 1)
    o = Overview(site=site)
    per_day: Counter = Counter()
    per_lang: Counter = Counter()
    for day, lang, n in ReportDay.objects.filter(site=site, day__gte=first_day, day__lte=today).values_list(
        "day", "lang", "reports"
    ):
        per_day[day] += n
        per_lang[lang] += n
    o.days = [(first_day + timedelta(days=i), per_day[first_day + timedelta(days=i)]) for i in range(DAYS)]
    o.reports_90 = sum(per_day.values())
    o.langs = sorted(((lang, n) for lang, n in per_lang.items() if n), key=lambda kv: (-kv[1], kv[0]))
    counts = dict(StatusCount.objects.filter(site=site).values_list("status", "findings"))
    o.statuses = [(status, css, max(counts.get(status, 0), 0)) for status, css in STATUS_ORDER]
    o.open = max(counts.get(Finding.Status.NEW, 0), 0)
    o.closed = sum(n for status, _css, n in o.statuses if status != Finding.Status.NEW)
    first_week = week_of(today) - timedelta(weeks=WEEKS - 1)
    per_week: dict[date, Counter] = {first_week + timedelta(weeks=i): Counter() for i in range(WEEKS)}
    overall: Counter = Counter()
    for week, bucket, n in FixTime.objects.filter(site=site, week__gte=first_week).values_list(
        "week", "bucket", "fixes"
    ):
        if week in per_week:
            per_week[week][bucket] += n
            overall[bucket] += n
    o.weeks = [(week, median(c), sum(c.values())) for week, c in per_week.items()]
    o.median_fix = median(overall)
    o.fixes = sum(overall.values())
    o.pages = list(
        PageCount.objects.filter(site=site, mistakes__gt=0).select_related("page").order_by("-mistakes")[:TOP]
    )
    o.sections = list(SectionCount.objects.filter(site=site, mistakes__gt=0).order_by("-mistakes")[:TOP])
    feeds = list(Feed.objects.filter(name__in=FEEDS).values_list("updated_at", flat=True))
    o.built = len(feeds) == len(FEEDS)
    o.as_of = min((f for f in feeds if f), default=None)
    return o


def _inbox(site, **params) -> str:
    return reverse("desk:inbox") + "?" + urlencode({"site": site.public_key, **params})


def _charts(o: Overview) -> dict:
    site = o.site
    day_fmt = "MONTH_DAY_FORMAT"
    days = [
        charts.Bar(formats.date_format(d, day_fmt), n, number(n), key=d.isoformat(), css="reports")
        for d, n in o.days
    ]
    labels = (
        formats.date_format(o.days[0][0], day_fmt),
        formats.date_format(o.days[len(o.days) // 2][0], day_fmt),
        formats.date_format(o.days[-1][0], day_fmt),
    )
    busiest = max(o.days, key=lambda dn: dn[1])
    reports_desc = _(
        "%(total)s reports in the last 90 days, from %(first)s to %(last)s; the busiest day was %(day)s "
        "with %(n)s. The numbers are in the table below the chart."
    ) % {
        "total": number(o.reports_90),
        "first": labels[0],
        "last": labels[2],
        "day": formats.date_format(busiest[0], day_fmt),
        "n": number(busiest[1]),
    }
    status_labels = {
        Finding.Status.NEW: _("Open"),
        Finding.Status.FIXED: _("Fixed"),
        Finding.Status.REJECTED: _("Not a mistake"),
        Finding.Status.SPAM: _("Spam"),
        Finding.Status.DUPLICATE: _("Duplicate"),
    }
    status_rows = [
        {
            "key": status,
            "label": status_labels[status],
            "n": n,
            "text": number(n),
            "css": css,
            "href": _inbox(site, status=css if css != "open" else ""),
        }
        for status, css, n in o.statuses
    ]
    week_bars = [
        charts.Bar(
            formats.date_format(w, day_fmt),
            round((m or 0) / 3600, 2),
            duration(m) if fixes else _("no fixes"),
            key=w.isoformat(),
            css="fix",
        )
        for w, m, fixes in o.weeks
    ]
    week_labels = (
        formats.date_format(o.weeks[0][0], day_fmt),
        formats.date_format(o.weeks[len(o.weeks) // 2][0], day_fmt),
        formats.date_format(o.weeks[-1][0], day_fmt),
    )
    page_rows = [
        {
            "label": p.page.title or p.page.url,
            "url": p.page.url,
            "n": p.mistakes,
            "text": number(p.mistakes),
            "open": number(p.open),
            "href": _inbox(site, page=p.page.url, status="all"),
        }
        for p in o.pages
    ]
    section_rows = [
        {
            "label": "/" + s.section + ("/" if s.section else ""),
            "n": s.mistakes,
            "text": number(s.mistakes),
            "open": number(s.open),
        }
        for s in o.sections
    ]
    lang_rows = [
        {"label": lang or _("unknown"), "key": lang, "n": n, "text": number(n)} for lang, n in o.langs
    ]
    return {
        "days": o.days,
        "day_rows": [
            {"day": d, "label": formats.date_format(d, "DATE_FORMAT"), "text": number(n), "n": n}
            for d, n in o.days
        ],
        "reports_chart": charts.columns(
            days,
            title=_("Reports per day, last 90 days"),
            desc=reports_desc,
            axis_labels=labels,
            tick_text=lambda v: number(int(v)) if v == int(v) else formats.number_format(v, 1),
        ),
        "status_rows": status_rows,
        "status_chart": charts.stacked(
            [charts.Bar(r["label"], r["n"], r["text"], key=r["key"], css=r["css"]) for r in status_rows],
            title=_("Open and closed findings"),
            desc=_("%(open)s open findings and %(closed)s closed: %(parts)s.")
            % {
                "open": number(o.open),
                "closed": number(o.closed),
                "parts": ", ".join(f"{r['label']} {r['text']}" for r in status_rows),
            },
        ),
        "median_text": duration(o.median_fix),
        "fix_rows": [
            {
                "label": formats.date_format(w, "DATE_FORMAT"),
                "median": duration(m) if n else "—",
                "n": number(n),
                "key": w.isoformat(),
            }
            for w, m, n in o.weeks
        ],
        "fix_chart": charts.columns(
            week_bars,
            title=_("Median time from first report to fix, per week"),
            desc=_(
                "Median over the last 13 weeks: %(median)s (%(n)s fixes). Weekly medians are in the table."
            )
            % {"median": duration(o.median_fix), "n": number(o.fixes)},
            axis_labels=week_labels,
            tick_text=lambda v: (
                ngettext("%(n)s h", "%(n)s h", round(v)) % {"n": formats.number_format(round(v, 1), 1)}
            ),
        ),
        "page_rows": page_rows,
        "pages_chart": charts.bar_list(
            [charts.Bar(r["label"], r["n"], r["text"], key=r["url"]) for r in page_rows],
            title=_("Pages with most mistakes"),
            desc=_("The %(n)s pages with most mistakes (findings open or fixed); the list follows.")
            % {"n": len(page_rows)},
        )
        if page_rows
        else "",
        "section_rows": section_rows,
        "sections_chart": charts.bar_list(
            [charts.Bar(r["label"], r["n"], r["text"], key=r["label"]) for r in section_rows],
            title=_("Sections with most mistakes"),
            desc=_("Sections are the first part of the page address; the list follows."),
        )
        if section_rows
        else "",
        "lang_rows": lang_rows,
        "langs_chart": charts.bar_list(
            [charts.Bar(r["label"], r["n"], r["text"], key=r["key"]) for r in lang_rows],
            title=_("Reports per language, last 90 days"),
            desc=", ".join(f"{r['label']}: {r['text']}" for r in lang_rows),
        )
        if lang_rows
        else "",
    }


@login_required
def index(request):
    """The overview of the user's only site, or the list of their sites to choose from."""
    sites = list(sites_for(request.user).order_by("name"))
    if len(sites) == 1:
        return redirect("overview:site", key=sites[0].public_key)
    return render(request, "overview/index.html", {"sites": sites})


@login_required
def site(request, key: str):
    site = get_object_or_404(sites_for(request.user), public_key=key)
    o = gather(site)
    sites = list(sites_for(request.user).order_by("name").only("name", "public_key"))
    return render(
        request,
        "overview/site.html",
        {"site": site, "o": o, "sites": sites, "inbox_url": _inbox(site), **_charts(o)},
    )
