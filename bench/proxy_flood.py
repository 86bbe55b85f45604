"""A flood of reports with and without the reverse proxy of docs/operations.md in front.

    .venv/bin/python bench/proxy_flood.py [--duration 5] [--repeats 3] [--desk-findings 10000]

One `typodesk serve --with-worker` (the one-machine default, SQLite) with an editor and a site of
``--desk-findings`` seeded findings, and nginx in front of it with the operations guide's
``limit_req`` on ``/api/v1/reports`` (30 requests a second per address, bursts of 60, status 429).
Each run is bench/ingest_bench.py's flood: one client (127.0.0.1) at full speed over its limit,
64 connections; an ordinary reader (127.0.0.2) sending 20 reports; an editor (127.0.0.3) loading
the inbox again and again. The runs alternate between the server reached directly and through
nginx; the table shows medians.

Needs wrk and nginx (apt-get install wrk nginx-light); the nginx it starts runs as the current
user, from a temporary directory, on a free port, and stops with the benchmark.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from types import SimpleNamespace

sys.path.insert(0, str(Path(__file__).resolve().parent))
import ingest_bench as ib  # noqa: E402

NGINX_CONF = """
worker_processes 1;
pid {tmp}/nginx.pid;
error_log {tmp}/error.log warn;
events {{ worker_connections 1024; }}
http {{
    access_log off;
    client_body_temp_path {tmp}/body;
    proxy_temp_path {tmp}/proxy;
    fastcgi_temp_path {tmp}/fastcgi;
    uwsgi_temp_path {tmp}/uwsgi;
    scgi_temp_path {tmp}/scgi;
    limit_req_zone $binary_remote_addr zone=typodesk_reports:10m rate=30r/s;
    upstream typodesk {{ server 127.0.0.1:{upstream}; keepalive 32; }}
    server {{
        listen 127.0.0.1:{port};
        client_max_body_size 1m;
        location = /api/v1/reports {{
            limit_req zone=typodesk_reports burst=60 nodelay;
            limit_req_status 429;
            proxy_pass http://typodesk;
            proxy_http_version 1.1;
            proxy_set_header Connection "";
            proxy_set_header Host $host;
            proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
        }}
        location / {{
            proxy_pass http://typodesk;
            proxy_http_version 1.1;
            proxy_set_header Connection "";
            proxy_set_header Host $host;
            proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
        }}
    }}
}}
"""


def start_nginx(upstream: int) -> tuple[subprocess.Popen, int, Path]:
    tmp = Path(tempfile.mkdtemp(prefix="typodesk-bench-nginx-"))
    port = ib.free_port()
    conf = tmp / "nginx.conf"
    conf.write_text(NGINX_CONF.format(tmp=tmp, upstream=upstream, port=port))
    nginx = shutil.which("nginx") or "/usr/sbin/nginx"
    proc = subprocess.Popen([nginx, "-c", str(conf), "-p", str(tmp), "-g", "daemon off;"])
    ib.wait_http(f"http://127.0.0.1:{port}/healthz")
    return proc, port, tmp


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--duration", type=int, default=5, help="seconds per flood (default 5)")
    p.add_argument("--repeats", type=int, default=3, help="floods per row; the table shows medians")
    p.add_argument("--connections", type=int, default=64)
    p.add_argument("--threads", type=int, default=2, help="wrk threads")
    p.add_argument("--desk-findings", type=int, default=10_000)
    args = p.parse_args()
    for tool in ("wrk", "nginx"):
        if not shutil.which(tool) and not Path(f"/usr/sbin/{tool}").exists():
            p.error(f"{tool} is needed: apt-get install wrk nginx-light")
    if not 1 <= args.duration <= 60 or not 1 <= args.repeats <= 10:
        p.error("--duration 1..60 and --repeats 1..10 keep a run bounded")

    # The proxy is trusted for X-Forwarded-For, so each reader keeps an address (and a limit) of their own.
    td = ib.Typodesk(
        {"TYPODESK_TRUSTED_PROXIES": "127.0.0.1"}, with_worker=True, desk_findings=args.desk_findings
    )
    nginx, port, tmp = start_nginx(td.port)
    proxied = SimpleNamespace(
        port=port, url=f"http://127.0.0.1:{port}", key=td.key, stored=td.stored, env=td.env
    )
    runs: dict[str, list[dict]] = {"direct": [], "through nginx": []}
    try:
        for _ in range(args.repeats):
            for name, target in (("direct", td), ("through nginx", proxied)):
                runs[name].append(ib.flood(target, args))
                time.sleep(2)  # the flooding address's limit refills between runs
    finally:
        ib.stop([nginx])
        shutil.rmtree(tmp, ignore_errors=True)
        td.close()

    def med(rs: list[dict], f) -> float:
        return statistics.median(f(r) for r in rs)

    print(f"\n{args.repeats} floods per row, {args.duration} s each, {args.connections} connections; medians")
    print(
        "| path | flood answers/s | second reader accepted / sent | its p99 ms "
        "| inbox median ms, quiet | inbox median ms, flood | inbox p95 ms, flood |"
    )
    print("|---|---|---|---|---|---|---|")
    for name, rs in runs.items():
        print(
            f"| {name} | {med(rs, lambda r: r['flood_rps']):,.0f} "
            f"| {sum(r['second_accepted'] for r in rs)} / {sum(r['second_sent'] for r in rs)} "
            f"| {med(rs, lambda r: r['second_p99']):.1f} "
            f"| {med(rs, lambda r: r['desk_quiet']['median']):.1f} "
            f"| {med(rs, lambda r: r['desk_flood']['median']):.1f} "
            f"| {med(rs, lambda r: r['desk_flood']['p95']):.1f} |"
        )
    stored = sum(r["second_stored"] for rs in runs.values() for r in rs)
    accepted = sum(r["second_accepted"] for rs in runs.values() for r in rs)
    print(f"\nthe second reader's accepted reports stored: {stored} of {accepted}")


if __name__ == "__main__":
    main()
