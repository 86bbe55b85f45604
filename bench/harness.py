"""What the desk benchmarks share: run a benchmark's ``--child`` part on a throw-away (or kept)
SQLite data directory and PostgreSQL database, seeded there by the child.

``bench/desk_scale.py`` and ``bench/overview_scale.py`` both measure pages over a million
findings on both databases; only what their child measures differs.
"""

from __future__ import annotations

import argparse
import os
import secrets
import subprocess
import sys
import tempfile


def add_database_arguments(p: argparse.ArgumentParser) -> None:
    """The options of every desk benchmark: databases, size, runs, kept data."""
    p.add_argument("--db", choices=["sqlite", "postgres", "both"], default="both")
    p.add_argument("--findings", type=int, default=1_000_000)
    p.add_argument("--reports", type=int, default=3_000_000)
    p.add_argument("--runs", type=int, default=15)
    p.add_argument("--data-dir", help="SQLite data directory to use and keep (seeded once)")
    p.add_argument(
        "--pg-url", default=os.environ.get("TYPODESK_BENCH_PG", "postgres://postgres@127.0.0.1:5432/test")
    )
    p.add_argument("--pg-database", help="PostgreSQL database to use and keep (created and seeded once)")
    p.add_argument("--child", action="store_true", help=argparse.SUPPRESS)


def run_child(script: str, env: dict, argv: list[str]) -> int:
    env = {**os.environ, **env, "TYPODESK_ALLOWED_HOSTS": "testserver", "TYPODESK_SECRET_KEY": "bench"}
    return subprocess.call([sys.executable, script, "--child", *argv], env=env)


def run_on_databases(script: str, args: argparse.Namespace, argv: list[str]) -> int:
    """Run ``script --child ARGV`` on the databases ``args`` names; the OR of their exit codes."""
    status = 0
    if args.db in ("sqlite", "both"):
        if args.data_dir:
            status |= run_child(script, {"TYPODESK_DATA_DIR": args.data_dir, "DATABASE_URL": ""}, argv)
        else:
            with tempfile.TemporaryDirectory(prefix="typodesk-bench-") as tmp:
                status |= run_child(script, {"TYPODESK_DATA_DIR": tmp, "DATABASE_URL": ""}, argv)
    if args.db in ("postgres", "both"):
        import psycopg

        name = args.pg_database or "typodesk_bench_" + secrets.token_hex(4)
        with psycopg.connect(args.pg_url, autocommit=True) as conn:
            exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
            if not exists:
                conn.execute(f'CREATE DATABASE "{name}"')
        try:
            url = args.pg_url.rsplit("/", 1)[0] + "/" + name
            with tempfile.TemporaryDirectory(prefix="typodesk-bench-") as tmp:
                status |= run_child(script, {"DATABASE_URL": url, "TYPODESK_DATA_DIR": tmp}, argv)
        finally:
            if not args.pg_database:
                with psycopg.connect(args.pg_url, autocommit=True) as conn:
                    conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    return status
