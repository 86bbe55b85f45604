"""Fill the configured database with many findings and reports, fast (bulk SQL), for benchmarks.

    .venv/bin/python bench/seed.py --findings 1000000 --reports 3000000 [--sites 3]

The database is the one typodesk is configured for (``TYPODESK_DATA_DIR`` or ``DATABASE_URL``),
migrated first. From Python (other benchmarks import it, after ``django.setup()``):

    from bench.seed import seed
    info = seed(findings=1_000_000, reports=3_000_000, sites=3)

Data: ``sites`` sites (the first one holds most findings: 80 %), about one page per five
findings (languages en 70 %, ru 20 %, az 10 %), findings over the last two years with statuses
new 30 %, fixed 50 %, not a mistake 10 %, spam 8 %, duplicate 2 %, one report each plus the rest
spread with a long tail (a few findings have hundreds), readers' suggestions on 40 % of reports
and comments on 20 %, from a fixed vocabulary (``WORDS``) so searches have known answers:
"zanzibar" is in about 1 comment in 5,000.

Speed: rows are generated in Python and written in batches (SQLite: executemany in one
transaction; PostgreSQL: COPY), with the tables' secondary indexes and triggers dropped while
writing and rebuilt after (also the search index), then ANALYZE. Deterministic for a given
``seed_value``. Rows are added to whatever is in the database already.
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import importlib
import os
import random
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
if str(REPO / "src") not in sys.path:
    sys.path.insert(0, str(REPO / "src"))

BATCH = 20_000
STATUSES = [("new", 30), ("fixed", 50), ("rejected", 10), ("spam", 8), ("duplicate", 2)]
LANGS = [("en", 70), ("ru", 20), ("az", 10)]
WORDS = (
    "teh recieve seperate definately occured accomodate wich untill goverment enviroment tommorow "
    "beleive neccessary publically begining calender existance foriegn independant liason "
    "millenium noticable occassion persistant posession refered relevent succesful truely "
    "weather whether their there affect effect principal principle stationary stationery "
    "minister budget council parliament election market weather storm city river bridge school "
    "hospital football concert museum library station airport harbour village mountain forest"
).split()
RARE_WORD = "zanzibar"  # in ~1 comment of 5,000: a selective search
COMMENTS = [
    "typo here", "should be {w}", "wrong word", "please fix {w}", "spelling", "{w} or {v}?",
    "grammar", "missing comma", "double space", "wrong date",
]  # fmt: skip
EPOCH = dt.datetime(1970, 1, 1)


def log(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


def _weighted(rng: random.Random, pairs):
    values = [v for v, _ in pairs]
    weights = [w for _, w in pairs]
    return lambda: rng.choices(values, weights)[0]


def _setup_django() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "typodesk.settings")
    import django

    django.setup()


def _table_indexes(cursor, vendor: str, table: str) -> list[tuple[str, str]]:
    """(name, CREATE statement) of the table's plain indexes (not primary keys or constraints)."""
    if vendor == "sqlite":
        cursor.execute(
            "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = %s AND sql IS NOT NULL",
            [table],
        )
        return [(n, s) for n, s in cursor.fetchall() if "UNIQUE" not in s.upper()]
    cursor.execute(
        "SELECT i.indexname, i.indexdef FROM pg_indexes i WHERE i.tablename = %s AND NOT EXISTS "
        "(SELECT 1 FROM pg_constraint c WHERE c.conname = i.indexname)",
        [table],
    )
    return list(cursor.fetchall())


def _sqlite_triggers(cursor, tables) -> list[tuple[str, str]]:
    marks = ", ".join(["%s"] * len(tables))
    cursor.execute(
        f"SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name IN ({marks})", list(tables)
    )
    return list(cursor.fetchall())


def _columns(model, given: list[str]) -> tuple[list[str], list]:
    """The model's columns: ``given`` first, then every other one with its default (fields other
    code may add later are filled too)."""
    from django.db import models

    rest, defaults = [], []
    for f in model._meta.concrete_fields:
        if f.column in given or f.primary_key:
            continue
        if isinstance(f, models.JSONField):
            value = "{}"
        elif f.has_default():
            value = f.get_default()
        elif f.null:
            value = None
        elif isinstance(f, (models.CharField, models.TextField)):
            value = ""
        else:
            raise RuntimeError(f"seed: no value for {model.__name__}.{f.name}")
        rest.append(f.column)
        defaults.append(value)
    return ["id", *given, *rest], defaults


class Writer:
    """Batches of rows into one table: executemany on SQLite, COPY on PostgreSQL."""

    def __init__(self, connection, table: str, columns: list[str]):
        self.connection, self.table, self.columns = connection, table, columns
        self.rows: list[tuple] = []
        self.count = 0

    def add(self, row: tuple) -> None:
        self.rows.append(row)
        if len(self.rows) >= BATCH:
            self.flush()

    def flush(self) -> None:
        if not self.rows:
            return
        cols = ", ".join(f'"{c}"' for c in self.columns)
        if self.connection.vendor == "postgresql":
            raw = self.connection.connection
            with raw.cursor() as c, c.copy(f'COPY "{self.table}" ({cols}) FROM STDIN') as copy:
                for row in self.rows:
                    copy.write_row(row)
        else:
            marks = ", ".join(["?"] * len(self.columns))
            self.connection.connection.executemany(
                f'INSERT INTO "{self.table}" ({cols}) VALUES ({marks})', self.rows
            )
        self.count += len(self.rows)
        self.rows = []


def seed(
    findings: int, reports: int, sites: int = 3, *, seed_value: int = 1, now: dt.datetime | None = None
) -> dict:
    """Add ``findings`` findings with ``reports`` reports in all (at least one each) on ``sites``
    new sites; returns {"sites": [Site…], "pages": n, "findings": n, "reports": n, "seconds": s}."""
    from django.db import connection, transaction

    from typodesk.findings.models import Finding, Page, Report
    from typodesk.sites.models import Domain, Site

    if reports < findings:
        raise ValueError("every finding has at least one report: reports must be >= findings")
    started = time.monotonic()
    rng = random.Random(seed_value)
    vendor = connection.vendor
    now = (now or dt.datetime.now(dt.UTC)).replace(tzinfo=None)
    two_years = 2 * 365 * 86_400

    def when(ts: float):
        value = EPOCH + dt.timedelta(seconds=ts)
        return str(value) if vendor == "sqlite" else value.replace(tzinfo=dt.UTC)

    site_objs = []
    for i in range(sites):
        s = Site.objects.create(name=f"Bench {i + 1} ({findings:,} findings)")
        Domain.objects.create(site=s, host=f"bench{i + 1}-{s.pk}.example")
        site_objs.append(s)
    hosts = {s.pk: s.hosts()[0] for s in site_objs}
    weights = [80] + [20 / max(1, sites - 1)] * (sites - 1) if sites > 1 else [100]

    # Reports per finding: one each, the rest with a long tail (rank^-0.9 over a shuffled order).
    counts = [1] * findings
    extra = reports - findings
    if extra:
        order = list(range(findings))
        rng.shuffle(order)
        cum, total = [], 0.0
        for rank in range(1, findings + 1):
            total += rank**-0.9
            cum.append(total)
        for i in rng.choices(order, cum_weights=cum, k=extra):
            counts[i] += 1
    log(f"seed: report counts ready ({time.monotonic() - started:.1f} s)")

    status_of = _weighted(rng, STATUSES)
    lang_of = _weighted(rng, LANGS)
    with connection.cursor() as c:
        if vendor == "sqlite":
            # Rows are written parents first with known ids: no need to check each reference.
            c.execute("PRAGMA foreign_keys = OFF")
        tables = ["findings_page", "findings_finding", "findings_report"]
        dropped = [ix for t in tables for ix in _table_indexes(c, vendor, t)]
        triggers = _sqlite_triggers(c, tables) if vendor == "sqlite" else []
        for name, _sql in dropped:
            c.execute(f'DROP INDEX IF EXISTS "{name}"')
        for name, _sql in triggers:
            c.execute(f'DROP TRIGGER IF EXISTS "{name}"')
        if vendor == "postgresql":
            for t in tables:
                c.execute(f'ALTER TABLE "{t}" DISABLE TRIGGER USER')
        ids = {}
        for t in tables:
            c.execute(f'SELECT COALESCE(MAX(id), 0) FROM "{t}"')
            ids[t] = c.fetchone()[0]
    log(f"seed: dropped {len(dropped)} indexes and {len(triggers)} triggers for the load")

    page_cols, page_def = _columns(Page, ["site_id", "url", "url_hash", "title", "lang", "created"])
    finding_cols, finding_def = _columns(
        Finding,
        ["site_id", "page_id", "exact", "prefix", "suffix", "start", "end", "span_key", "status",
         "report_count", "created", "last_reported", "status_changed", "duplicate_of_id", "lang",
         "has_suggestion", "spell_status"],
    )  # fmt: skip
    report_cols, report_def = _columns(
        Report,
        ["finding_id", "created", "url", "title", "lang", "exact", "prefix", "suffix", "start", "end",
         "suggestion", "comment"],
    )  # fmt: skip
    pages_w = Writer(connection, "findings_page", page_cols)
    findings_w = Writer(connection, "findings_finding", finding_cols)
    reports_w = Writer(connection, "findings_report", report_cols)

    with transaction.atomic():
        page_id, finding_id, report_id = (ids[t] for t in tables)
        page_left = 0
        page_info = None
        first_finding_of_site: dict[int, int] = {}
        for n in range(findings):
            if page_left == 0:
                site = rng.choices(site_objs, weights)[0]
                page_id += 1
                lang = lang_of()
                created = now.timestamp() - rng.random() * two_years
                url = f"https://{hosts[site.pk]}/{created:.0f}/story-{page_id}"
                title = f"Story {page_id}: {rng.choice(WORDS)} {rng.choice(WORDS)}"
                page_info = (site.pk, page_id, url, title, lang, created)
                pages_w.add(
                    (page_id, site.pk, url, hashlib.sha256(url.encode()).hexdigest(), title, lang,
                     when(created), *page_def)
                )  # fmt: skip
                page_left = rng.randint(1, 9)
            page_left -= 1
            site_pk, pid, url, title, lang, page_created = page_info
            finding_id += 1
            first_finding_of_site.setdefault(site_pk, finding_id)
            k = counts[n]
            created = page_created + rng.random() * 86_400 * 3
            times = sorted(
                created + rng.random() * max(1.0, now.timestamp() - created) ** 0.8 for _ in range(k - 1)
            )
            last = times[-1] if times else created
            status = status_of()
            exact = rng.choice(WORDS)
            start = rng.randint(0, 20_000)
            prefix = " ".join(rng.choices(WORDS, k=3)) + " "
            suffix = " " + " ".join(rng.choices(WORDS, k=3))
            suggestions = []
            for t in [created, *times]:
                report_id += 1
                suggestion = exact[::-1] if rng.random() < 0.4 else ""
                comment = ""
                if rng.random() < 0.2:
                    comment = rng.choice(COMMENTS).format(w=rng.choice(WORDS), v=rng.choice(WORDS))
                    if rng.random() < 0.001:
                        comment += " " + RARE_WORD
                suggestions.append(suggestion)
                reports_w.add(
                    (report_id, finding_id, when(t), url, title, lang, exact, prefix, suffix, start,
                     start + len(exact), suggestion, comment, *report_def)
                )  # fmt: skip
            dup = (
                first_finding_of_site[site_pk]
                if status == "duplicate" and finding_id > first_finding_of_site[site_pk]
                else None
            )
            if status == "duplicate" and dup is None:
                status = "new"
            closed = None if status == "new" else when(last + 3600)
            span = hashlib.sha256(f"{start}:{start + len(exact)}:{exact}:{finding_id}".encode()).hexdigest()
            findings_w.add(
                (finding_id, site_pk, pid, exact, prefix, suffix, start, start + len(exact), span, status, k,
                 when(created), when(last), closed, dup, lang, any(suggestions), "off", *finding_def)
            )  # fmt: skip
            if n % 100_000 == 99_999:
                log(f"seed: {n + 1:,} findings, {reports_w.count + len(reports_w.rows):,} reports "
                    f"({time.monotonic() - started:.0f} s)")  # fmt: skip
        for w in (pages_w, findings_w, reports_w):
            w.flush()
    # Committed first: PostgreSQL checks the (deferred) foreign keys at commit, and builds no
    # index on a table with checks pending.
    log(f"seed: rows written ({time.monotonic() - started:.0f} s); rebuilding indexes")
    with connection.cursor() as c:
        for name, sql in dropped:
            t0 = time.monotonic()
            c.execute(sql)
            log(f"seed: index {name} ({time.monotonic() - t0:.0f} s)")
        for _name, sql in triggers:
            c.execute(sql)
        if vendor == "sqlite":
            t0 = time.monotonic()
            c.execute("INSERT INTO findings_report_fts(findings_report_fts) VALUES ('rebuild')")
            log(f"seed: search index rebuilt ({time.monotonic() - t0:.0f} s)")
        else:
            for t in tables:
                c.execute(f'ALTER TABLE "{t}" ENABLE TRIGGER USER')
            c.execute("SELECT to_regclass('findings_finding_search') IS NOT NULL")
            if c.fetchone()[0]:
                # The per-finding search vectors the report trigger would have written.
                t0 = time.monotonic()
                migration = importlib.import_module("typodesk.findings.migrations.0006_finding_search")
                c.execute(migration.BACKFILL)
                log(f"seed: search vectors ({time.monotonic() - t0:.0f} s)")
            for t in tables:
                c.execute(
                    f"SELECT setval(pg_get_serial_sequence('{t}', 'id'), (SELECT MAX(id) FROM \"{t}\"))"
                )
    t0 = time.monotonic()
    with connection.cursor() as c:
        if vendor == "sqlite":
            c.execute("PRAGMA analysis_limit = 2000")
            c.execute("ANALYZE")
        else:
            c.execute("VACUUM ANALYZE findings_page")
            c.execute("VACUUM ANALYZE findings_finding")
            c.execute("VACUUM ANALYZE findings_report")
            c.execute("SELECT to_regclass('findings_finding_search') IS NOT NULL")
            if c.fetchone()[0]:
                c.execute("VACUUM ANALYZE findings_finding_search")
        if vendor == "sqlite":
            c.execute("PRAGMA foreign_keys = ON")
    log(f"seed: analyzed ({time.monotonic() - t0:.0f} s)")
    return {
        "sites": site_objs,
        "pages": pages_w.count,
        "findings": findings_w.count,
        "reports": reports_w.count,
        "seconds": time.monotonic() - started,
    }


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--findings", type=int, default=1_000_000)
    p.add_argument("--reports", type=int, default=3_000_000)
    p.add_argument("--sites", type=int, default=3)
    p.add_argument("--seed", type=int, default=1)
    args = p.parse_args(argv)
    if args.findings < 1 or args.reports < args.findings or args.sites < 1:
        print("seed: need --findings >= 1, --reports >= --findings and --sites >= 1", file=sys.stderr)
        return 2
    from typodesk import conf

    if not os.environ.get("DATABASE_URL"):
        conf.data_dir().mkdir(parents=True, exist_ok=True)
    _setup_django()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    info = seed(args.findings, args.reports, args.sites, seed_value=args.seed)
    keys = ", ".join(s.public_key for s in info["sites"])
    print(
        f"seeded {info['findings']:,} findings, {info['reports']:,} reports, {info['pages']:,} pages "
        f"on sites {keys} in {info['seconds']:.0f} s"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
