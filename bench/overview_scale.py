"""The overview and the finding page at scale: 1,000,000 findings and 3,000,000 reports.

    .venv/bin/python bench/overview_scale.py [--db sqlite|postgres|both] [--findings 1000000]
        [--reports 3000000] [--runs 15] [--data-dir DIR] [--pg-database NAME]

For each database: ``bench/seed.py`` fills a throw-away SQLite data directory (or ``--data-dir``,
kept and reused when it already holds the rows) or PostgreSQL database (``--pg-database`` keeps
it); the overview's rollup is built from scratch (``overview.rollup.rebuild``, timed), then
1,000 reports arrive through ``record_report`` and 200 findings are marked fixed, and the time the
worker's job takes to count them is printed. Last, each page is requested ``--runs`` times
through Django's test Client as an editor (after two warm-up requests), and the median and max
server time printed (the whole request: middleware, queries, template). Target: 100 ms. Not a
test: numbers only (docs/overview.md keeps the last results).
"""

from __future__ import annotations

import argparse
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

    from bench.seed import seed
    from typodesk.accounts.models import User
    from typodesk.findings.models import Finding, Report
    from typodesk.findings.services import Quote, record_report, set_status
    from typodesk.overview import rollup
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
    vendor = connection.vendor
    t0 = time.perf_counter()
    counts = rollup.rebuild()
    build_s = time.perf_counter() - t0
    print(f"{vendor}: rollup rebuilt in {build_s:.1f} s: {counts}", flush=True)

    sites = list(Site.objects.order_by("pk"))
    big = sites[-3] if len(sites) >= 3 else sites[0]  # the seeder's first site holds 80 %
    host = big.hosts()[0] if big.hosts() else "bench.example"
    for i in range(1000):
        record_report(
            big,
            url=f"https://{host}/bench/incremental/{i % 50}",
            quote=Quote("teh", "It was ", " best", 7 + i, 10 + i),
            lang=("en", "ru", "az")[i % 3],
            notify=False,
        )
    for f in Finding.objects.filter(site=big, status="new").order_by("-id")[:200]:
        set_status(f, "fixed")
    t0 = time.perf_counter()
    counted = rollup.catch_up()
    follow_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    rollup.catch_up()
    idle_ms = (time.perf_counter() - t0) * 1000
    print(
        f"{vendor}: the job counted {counted:,} new rows in {follow_s * 1000:.0f} ms; "
        f"a look with nothing new: {idle_ms:.1f} ms",
        flush=True,
    )

    user, _ = User.objects.get_or_create(email="bench-editor@bench.example")
    for s in sites:
        Membership.objects.get_or_create(site=s, user=user, defaults={"role": "editor"})
    client = Client()
    client.force_login(user)
    with connection.cursor() as c:
        c.execute("SELECT finding_id FROM findings_report GROUP BY finding_id ORDER BY COUNT(*) DESC LIMIT 1")
        top = c.fetchone()[0]
        middle = min(400_000, Finding.objects.filter(site=big).count() // 2)
        c.execute(
            "SELECT id FROM findings_finding WHERE site_id = %s ORDER BY id LIMIT 1 OFFSET %s",
            [big.pk, middle],
        )
        typical = c.fetchone()[0]
    cases = [
        ("overview, biggest site", f"/desk/sites/{big.public_key}/overview/"),
        ("overview, small site", f"/desk/sites/{sites[-1].public_key}/overview/"),
        (
            f"finding page, most reports ({Report.objects.filter(finding_id=top).count()})",
            f"/desk/findings/{top}/",
        ),
        ("finding page, typical", f"/desk/findings/{typical}/"),
    ]
    rows = []
    for name, url in cases:
        times = []
        for i in range(args.runs + 2):
            t0 = time.perf_counter()
            r = client.get(url)
            ms = (time.perf_counter() - t0) * 1000
            if r.status_code != 200:
                raise SystemExit(f"{url}: {r.status_code} {r.content[:300]!r}")
            if i >= 2:
                times.append(ms)
        rows.append((name, statistics.median(times), max(times)))
    print(
        f"\n{vendor}: {Finding.objects.count():,} findings, {Report.objects.count():,} reports; "
        f"median / max of {args.runs} requests (ms)"
    )
    print(f"| view | median | max | ≤ {TARGET_MS} ms |\n|---|---:|---:|---|")
    for name, med, worst in rows:
        print(f"| {name} | {med:.1f} | {worst:.1f} | {'yes' if med <= TARGET_MS else 'NO'} |")
    print(f"| rollup rebuild (once) | {build_s * 1000:.0f} | | |")
    print(f"| job: 1,000 reports + 200 fixes | {follow_s * 1000:.0f} | | |")
    print(f"| job: a look with nothing new | {idle_ms:.1f} | | |", flush=True)
    return 0


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    add_database_arguments(p)
    args = p.parse_args()
    if args.child:
        return child(args)
    argv = [f"--findings={args.findings}", f"--reports={args.reports}", f"--runs={args.runs}"]
    return run_on_databases(__file__, args, argv)


if __name__ == "__main__":
    sys.exit(main())
