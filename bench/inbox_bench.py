"""The inbox's server time for each sort, with a newsroom's few hundred findings and with more.

    .venv/bin/python bench/inbox_bench.py [--db sqlite|postgres|both] [--sizes 250,10000]
        [--runs 15] [--pg-url postgres://postgres@127.0.0.1:5432/test]

For each size: a throw-away SQLite data directory (and/or PostgreSQL database, bench/harness.py)
that ``bench/seed.py`` fills with that many findings and 6 reports per finding on one site;
then the inbox is requested ``--runs`` times through Django's test client as an editor of the
site (after two warm-up requests), for each sort, for its second page, and for a search
(a word of page titles, with the page sort), and the median and max server time printed (the
whole request: middleware, queries, template). Not a test: numbers only.
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from bench.harness import add_database_arguments, run_on_databases  # noqa: E402

REPORTS_PER_FINDING = 6


def child(args) -> int:
    sys.path.insert(0, str(REPO / "src"))
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
    from typodesk.findings.models import Finding, Page
    from typodesk.findings.query import SORTS
    from typodesk.sites.models import Membership, Site

    call_command("migrate", verbosity=0)
    if not Finding.objects.exists():
        seed(args.findings, args.findings * REPORTS_PER_FINDING, sites=1)
    site = Site.objects.order_by("pk").first()
    user, _ = User.objects.get_or_create(email="bench-editor@bench.example")
    Membership.objects.get_or_create(site=site, user=user, defaults={"role": "editor"})
    client = Client()
    client.force_login(user)
    word = next(
        (
            w
            for t in Page.objects.exclude(title="").values_list("title", flat=True)[:50]
            for w in t.split()
            if len(w) > 4
        ),
        "budget",
    )
    cases = []
    for sort in SORTS:
        first = f"/desk/?sort={sort}"
        html = client.get(first).content.decode()
        nxt = re.search(r'href="([^"]*)" rel="next"', html)
        cases.append((f"sort={sort}", first))
        if nxt:
            cases.append((f"sort={sort}, page 2", "/desk/" + nxt.group(1).replace("&amp;", "&")))
    cases.append((f"search “{word}” (titles too), sort=page", f"/desk/?sort=page&q={word}"))
    print(
        f"\n{connection.vendor}: {Finding.objects.count():,} findings on {Page.objects.count():,} pages,"
        f" median / max of {args.runs} requests (ms)"
    )
    print("| view | median | max |\n|---|---:|---:|")
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
        print(f"| {name} | {statistics.median(times):.1f} | {max(times):.1f} |", flush=True)
    return 0


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    add_database_arguments(p)
    p.add_argument("--sizes", default="250,10000", help="numbers of findings, comma-separated")
    args = p.parse_args()
    if args.child:
        return child(args)
    status = 0
    for size in (int(s) for s in args.sizes.split(",")):
        args.findings = size
        status |= run_on_databases(__file__, args, [f"--findings={size}", f"--runs={args.runs}"])
    return status


if __name__ == "__main__":
    sys.exit(main())
