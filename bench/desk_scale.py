"""The desk at scale: inbox and finding page server time with a million findings, SQLite and PostgreSQL.

    .venv/bin/python bench/desk_scale.py [--db sqlite|postgres|both] [--findings 1000000]
        [--reports 3000000] [--runs 15] [--data-dir DIR] [--pg-url postgres://postgres@127.0.0.1:5432/test]

For each database: a throw-away SQLite data directory (or ``--data-dir``, kept and reused when it
already holds the seeded rows) or a throw-away PostgreSQL database created next to ``--pg-url``
and dropped afterwards; ``bench/seed.py`` fills it (3 sites, 80 % of the findings on the
first); then each desk view is requested ``--runs`` times through Django's test Client as an
editor of every site (after two warm-up requests) and the median and max server time printed
(the whole request: middleware, queries, template). Last, the EXPLAIN (QUERY PLAN) of every
query the inbox runs for each case. Target: 100 ms (issue 8). Not a test: numbers only.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import statistics
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from bench.harness import add_database_arguments, run_on_databases  # noqa: E402

TARGET_MS = 100


def child(args) -> int:
    sys.path.insert(0, str(REPO / "src"))
    sys.path.insert(0, str(REPO))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "typodesk.settings")
    from typodesk import conf

    if not os.environ.get("DATABASE_URL"):
        conf.data_dir().mkdir(parents=True, exist_ok=True)
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.test.client import RequestFactory

    from bench.seed import seed
    from typodesk.accounts.models import User
    from typodesk.desk import inbox
    from typodesk.findings.models import Finding
    from typodesk.sites.models import Membership, Site

    call_command("migrate", verbosity=0)
    have = Finding.objects.count()
    if have < args.findings:
        info = seed(args.findings, args.reports, sites=3)
        print(
            f"seeded {info['findings']:,} findings, {info['reports']:,} reports, {info['pages']:,} pages "
            f"in {info['seconds']:.0f} s",
            flush=True,
        )
    else:
        print(f"using the {have:,} findings already in the database", flush=True)
    sites = list(Site.objects.order_by("pk"))
    big = sites[-3] if len(sites) >= 3 else sites[0]  # the seeder's first site holds 80 %
    user, _ = User.objects.get_or_create(email="bench-editor@bench.example")
    for s in sites:
        Membership.objects.get_or_create(site=s, user=user, defaults={"role": "editor"})
    client = Client()
    client.force_login(user)

    # Values for the filters, taken from the data.
    # Offsets scale with the data (200,000 open findings deep at a million findings).
    in_big = Finding.objects.filter(site=big).count()
    open_big = Finding.objects.filter(site=big, status="new").count()
    deep_at = min(200_000, open_big * 5 // 6)
    with connection.cursor() as c:
        c.execute(
            "SELECT p.url FROM findings_page p JOIN findings_finding f ON f.page_id = p.id"
            " WHERE f.site_id = %s AND f.status = 'new' ORDER BY p.id LIMIT 1 OFFSET %s",
            [big.pk, min(5000, open_big // 10)],
        )
        page_url = c.fetchone()[0]
        c.execute(
            "SELECT id FROM findings_finding WHERE site_id = %s AND status = 'new'"
            " ORDER BY report_count DESC, last_reported DESC, id DESC LIMIT 1 OFFSET %s",
            [big.pk, deep_at],
        )
        deep = Finding.objects.get(pk=c.fetchone()[0])
        c.execute("SELECT id FROM findings_finding ORDER BY report_count DESC LIMIT 1")
        top = c.fetchone()[0]
        c.execute(
            "SELECT id FROM findings_finding WHERE site_id = %s ORDER BY id LIMIT 1 OFFSET %s",
            [big.pk, in_big // 2],
        )
        typical = c.fetchone()[0]
    from django.utils import timezone

    today = timezone.localdate()
    year_ago = (today - dt.timedelta(days=365)).isoformat()
    k = big.public_key
    cases = [
        ("inbox, all my sites (default)", "/desk/"),
        ("inbox, one site", f"/desk/?site={k}"),
        ("status fixed", f"/desk/?site={k}&status=fixed"),
        ("status all", f"/desk/?site={k}&status=all"),
        ("language az", f"/desk/?site={k}&lang=az"),
        ("has suggestion", f"/desk/?site={k}&suggested=1"),
        ("page address", f"/desk/?site={k}&page={page_url}"),
        (
            "first reported, last 7 days",
            f"/desk/?site={k}&since={(today - dt.timedelta(days=7)).isoformat()}",
        ),
        (
            "first reported, last year",
            f"/desk/?site={k}&since={(today - dt.timedelta(days=365)).isoformat()}",
        ),
        ("first reported, one day a year ago", f"/desk/?site={k}&since={year_ago}&until={year_ago}"),
        ("search, rare word", f"/desk/?site={k}&q=zanzibar"),
        ("search, common word", f"/desk/?site={k}&q=minister"),
        ("search + language + suggestion", f"/desk/?site={k}&q=budget&lang=ru&suggested=1"),
        (f"deep page ({deep_at:,} rows in)", f"/desk/?site={k}&after={inbox.encode_cursor(deep)}"),
        ("finding page, most reports", f"/desk/findings/{top}/"),
        ("finding page, typical", f"/desk/findings/{typical}/"),
    ]
    vendor = connection.vendor
    rows = []
    for name, url in cases:
        times = []
        for i in range(args.runs + 2):
            t0 = time.perf_counter()
            r = client.get(url)
            dt_ms = (time.perf_counter() - t0) * 1000
            if r.status_code != 200:
                raise SystemExit(f"{url}: {r.status_code} {r.content[:300]!r}")
            if i >= 2:
                times.append(dt_ms)
        rows.append((name, statistics.median(times), max(times)))
        print(f"  {name:<34} {statistics.median(times):7.1f} ms", file=sys.stderr, flush=True)
    print(f"\n{vendor}: {Finding.objects.count():,} findings, median / max of {args.runs} requests (ms)")
    print(f"| view | median | max | ≤ {TARGET_MS} ms |\n|---|---:|---:|---|")
    for name, med, worst in rows:
        print(f"| {name} | {med:.1f} | {worst:.1f} | {'yes' if med <= TARGET_MS else 'NO'} |")

    if args.explain:
        rf = RequestFactory()
        print(f"\nQuery plans ({vendor}):")
        for name, url in cases:
            if not url.startswith("/desk/?") and url != "/desk/":
                continue
            request = rf.get(url)
            request.user = user
            filters = inbox.parse(request, list(Site.objects.order_by("name")))
            cursor = inbox.decode_cursor(request.GET["after"]) if "after" in request.GET else None
            if inbox.reads_matches(filters):
                queries = [inbox.search_query(filters)]
            else:
                queries = inbox.inbox_queries(filters, cursor)
            print(f"\n-- {name}: {len(queries)} quer{'y' if len(queries) == 1 else 'ies'}, the first:")
            sql, params = queries[0]
            with inbox._reading() as c:  # as the inbox runs them (PostgreSQL: no parallel workers)
                if vendor == "sqlite":
                    c.execute("EXPLAIN QUERY PLAN " + sql, params)
                    for row in c.fetchall():
                        print("   ", row[-1])
                else:
                    c.execute("EXPLAIN (ANALYZE, BUFFERS OFF, TIMING OFF, SUMMARY ON) " + sql, params)
                    for row in c.fetchall():
                        print("   ", row[0])
    return 0


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    add_database_arguments(p)
    p.add_argument("--no-explain", dest="explain", action="store_false")
    args = p.parse_args()
    if args.child:
        return child(args)
    argv = [f"--findings={args.findings}", f"--reports={args.reports}", f"--runs={args.runs}"]
    if not args.explain:
        argv.append("--no-explain")
    return run_on_databases(__file__, args, argv)


if __name__ == "__main__":
    sys.exit(main())
