"""The reference point of bench/ingest_bench.py: the least a Python server can do per report.

One process, one asyncio event loop, a hand-written HTTP/1.1 parser (keep-alive, Content-Length
bodies), and for every POST one INSERT of the raw body into SQLite in WAL mode followed by a
COMMIT, then ``201`` with a small JSON answer. No validation, no routing, no framework: the
practical upper limit of "store every report durably before answering" in Python on this machine.

    python bench/minimal_server.py --port 8790 --db /tmp/minimal.sqlite3 [--synchronous FULL]

``--synchronous NORMAL`` (the default, like typodesk's) survives a killed process; ``FULL`` also
fsyncs the WAL at every commit (survives power loss). Prints the row count when stopped
(SIGTERM/SIGINT). Never a typodesk dependency; standard library only (uvloop if --uvloop).
"""

from __future__ import annotations

import argparse
import asyncio
import signal
import sqlite3


class Reports(asyncio.Protocol):
    db: sqlite3.Connection

    def connection_made(self, transport):
        self.transport = transport
        self.buffer = b""

    def data_received(self, data: bytes) -> None:
        self.buffer += data
        while True:
            head_end = self.buffer.find(b"\r\n\r\n")
            if head_end < 0:
                return
            head = self.buffer[:head_end]
            length = 0
            for line in head.split(b"\r\n")[1:]:
                name, _, value = line.partition(b":")
                if name.strip().lower() == b"content-length":
                    length = int(value.strip() or 0)
            end = head_end + 4 + length
            if len(self.buffer) < end:
                return
            body = self.buffer[head_end + 4 : end]
            self.buffer = self.buffer[end:]
            if head.startswith(b"POST "):
                cur = self.db.execute("INSERT INTO report (body) VALUES (?)", (body,))
                self.db.commit()
                out = b'{"id": %d}' % cur.lastrowid
                status = b"201 Created"
            else:
                out, status = b'{"ok": true}', b"200 OK"
            self.transport.write(
                b"HTTP/1.1 %s\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n%s"
                % (status, len(out), out)
            )


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=8790)
    p.add_argument("--db", required=True)
    p.add_argument("--synchronous", choices=["NORMAL", "FULL"], default="NORMAL")
    p.add_argument("--uvloop", action="store_true")
    args = p.parse_args()
    if args.host not in ("127.0.0.1", "localhost", "::1"):
        p.error("the reference server listens on the loopback interface only")
    db = sqlite3.connect(args.db, isolation_level="DEFERRED")
    db.execute("PRAGMA journal_mode=WAL")
    db.execute(f"PRAGMA synchronous={args.synchronous}")
    db.execute("CREATE TABLE IF NOT EXISTS report (id INTEGER PRIMARY KEY, body BLOB NOT NULL)")
    db.commit()
    Reports.db = db
    if args.uvloop:
        import uvloop

        uvloop.install()

    async def serve() -> None:
        loop = asyncio.get_running_loop()
        stop = loop.create_future()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, lambda: stop.done() or stop.set_result(None))
        server = await loop.create_server(Reports, args.host, args.port, backlog=1024)
        print(
            f"minimal server on http://{args.host}:{args.port} (synchronous={args.synchronous})", flush=True
        )
        async with server:
            await stop

    asyncio.run(serve())
    print("rows", db.execute("SELECT count(*) FROM report").fetchone()[0], flush=True)


if __name__ == "__main__":
    main()
