"""The query plans of the desk's inbox on PostgreSQL: every query the inbox really runs, EXPLAINed.

    .venv/bin/python bench/explain_inbox.py [--findings 1000000] [--reports 3000000]
        [--pg-url postgres://postgres@127.0.0.1:5432/test] [--keep]

A throw-away PostgreSQL database is created next to ``--pg-url`` (dropped afterwards unless
``--keep``), migrated and filled by ``bench/seed.py`` (3 sites, 80 % of the findings on the
first). Then the inbox is rendered through Django's test client as an editor of every site, for
each common view (default, one site, statuses, language, "has suggestion", search, a deep page),
with ``CaptureQueriesContext`` recording the SQL it sends; every captured SELECT is run again
under ``EXPLAIN (ANALYZE, BUFFERS)`` and its plan printed. The plans therefore follow the inbox
code as it is, whatever its queries become. Each view ends with the tables read by a sequential
scan (none expected on findings or reports). docs/operations.md quotes an output.
"""

from __future__ import annotations

import argparse
import os
import re
import secrets
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
SEQ_SCAN = re.compile(r"Seq Scan on (\w+)")


def run(args) -> int:
    sys.path.insert(0, str(REPO / "src"))
    sys.path.insert(0, str(REPO))
    os.environ["DJANGO_SETTINGS_MODULE"] = "typodesk.settings"
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from bench.seed import seed
    from typodesk.accounts.models import User
    from typodesk.desk import inbox
    from typodesk.findings.models import Finding
    from typodesk.sites.models import Membership, Site

    assert connection.vendor == "postgresql", "this script shows PostgreSQL plans"
    call_command("migrate", verbosity=0)
    started = time.perf_counter()
    info = seed(args.findings, args.reports, sites=3)
    print(
        f"-- seeded {info['findings']:,} findings, {info['reports']:,} reports, {info['pages']:,} pages "
        f"in {time.perf_counter() - started:.0f} s; PostgreSQL {connection.pg_version // 10000}",
        flush=True,
    )
    sites = list(Site.objects.order_by("pk"))
    big = sites[0]  # the seeder's first site holds 80 %
    user = User.objects.create_user("explain@bench.example", secrets.token_urlsafe(16))
    for site in sites:
        Membership.objects.create(site=site, user=user, role="editor")
    client = Client()
    client.force_login(user)
    deep = (
        Finding.objects.filter(site=big, status="new")
        .order_by("-report_count", "-last_reported", "-id")
        .only("id", "report_count", "last_reported")[min(100_000, args.findings // 10)]
    )
    k = big.public_key
    cases = [
        ("inbox, all my sites (the default view)", "/desk/"),
        ("one site", f"/desk/?site={k}"),
        ("one site, status fixed", f"/desk/?site={k}&status=fixed"),
        ("one site, all statuses", f"/desk/?site={k}&status=all"),
        ("one site, language az", f"/desk/?site={k}&lang=az"),
        ("one site, has a suggestion", f"/desk/?site={k}&suggested=1"),
        ("one site, search for a rare word", f"/desk/?site={k}&q=zanzibar"),
        ("one site, search for a common word", f"/desk/?site={k}&q=minister"),
        ("one site, a page deep in the list", f"/desk/?site={k}&after={inbox.encode_cursor(deep)}"),
    ]
    for name, url in cases:
        client.get(url)  # warm the caches, as a desk in use has them
        with CaptureQueriesContext(connection) as captured:
            t0 = time.perf_counter()
            response = client.get(url)
            took = (time.perf_counter() - t0) * 1000
        if response.status_code != 200:
            raise SystemExit(f"{url}: {response.status_code} {response.content[:300]!r}")
        selects, seen = [], set()
        for q in captured.captured_queries:
            sql = q["sql"]
            if sql.lstrip().upper().startswith("SELECT") and sql not in seen:
                seen.add(sql)
                selects.append(sql)
        print(f"\n## {name}\n\n`GET {url}`: {took:.1f} ms server time, {len(captured)} queries\n")
        scans = set()
        for sql in selects:
            with connection.cursor() as c:
                c.execute("EXPLAIN (ANALYZE, BUFFERS, SUMMARY ON) " + sql)
                plan = [row[0] for row in c.fetchall()]
            scans.update(SEQ_SCAN.findall("\n".join(plan)))
            short = sql if len(sql) <= args.sql_chars else sql[: args.sql_chars] + " …"
            print(f"```sql\n{short}\n```\n```\n" + "\n".join(plan) + "\n```\n")
        print(f"sequential scans: {', '.join(sorted(scans)) or 'none'}")
    return 0


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--findings", type=int, default=1_000_000)
    p.add_argument("--reports", type=int, default=3_000_000)
    p.add_argument(
        "--pg-url", default=os.environ.get("TYPODESK_BENCH_PG", "postgres://postgres@127.0.0.1:5432/test")
    )
    p.add_argument(
        "--sql-chars", type=int, default=100_000, help="cut printed SQL after this many characters"
    )
    p.add_argument("--keep", action="store_true", help="keep the database (its name is printed)")
    args = p.parse_args()
    import psycopg

    name = "typodesk_explain_" + secrets.token_hex(4)
    with psycopg.connect(args.pg_url, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        with tempfile.TemporaryDirectory(prefix="typodesk-explain-") as tmp:
            os.environ.update(
                DATABASE_URL=args.pg_url.rsplit("/", 1)[0] + "/" + name,
                TYPODESK_DATA_DIR=tmp,
                TYPODESK_SECRET_KEY="explain-" + secrets.token_hex(8),
                TYPODESK_ALLOWED_HOSTS="testserver",
            )
            return run(args)
    finally:
        from django.db import connections

        connections.close_all()
        if args.keep:
            print(f"-- kept database {name}", file=sys.stderr)
        else:
            with psycopg.connect(args.pg_url, autocommit=True) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


if __name__ == "__main__":
    sys.exit(main())
