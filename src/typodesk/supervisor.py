"""`typodesk serve --workers N`: N server processes, each with a listening socket of its own.

uvicorn's own supervisor hands every process the same listening socket, and whichever process
wakes first accepts: a load balancer's or a load generator's connections, opened together,
mostly went to one process (56 of 64 in one measurement), which left the other process's core
idle. Here each process listens on a socket of its own bound with ``SO_REUSEPORT`` to the same
address, and the kernel spreads new connections evenly over them.

The parent binds all the sockets (so a port in use is a clear error before anything starts),
starts the processes (``spawn``: each imports Django afresh, as uvicorn's do), starts a process
again if one dies while serving, stops them all on SIGTERM or SIGINT, and gives up if one fails
while starting. On SQLite the processes' writers take turns through a lock file
(:func:`typodesk.ingest.writer._group_lock`).
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import signal
import socket
import threading
import time

log = logging.getLogger("typodesk.serve")


class StartError(Exception):
    """The server processes could not start (the message says why)."""


def listening_socket(host: str, port: int, backlog: int) -> socket.socket:
    """A socket listening on ``host:port`` that other processes of this user may listen on too."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    try:
        sock.bind((host, port))
        sock.listen(backlog)
    except OSError as exc:
        sock.close()
        raise StartError(f"cannot listen on {host}:{port}: {exc.strerror or exc}") from None
    return sock


def serve_one(config, sockets: list[socket.socket] | None = None, ready=None) -> None:
    """uvicorn in this process until SIGTERM or SIGINT, ending with status 0 after its graceful
    stop: `serve` itself, and each process of `serve --workers N` (on its own socket).
    ``ready`` (an Event) is set once it serves: a process that ends before that failed to start."""
    import uvicorn

    class Server(uvicorn.Server):
        async def startup(self, sockets=None) -> None:
            await super().startup(sockets)
            if self.started and ready is not None:
                ready.set()

    # uvicorn re-raises the signal that stopped it once its graceful shutdown is done, through
    # the handler that was there before: make that one a no-op, so the shutdown it already did
    # ends in exit status 0 instead of death by signal.
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: None)
    Server(config).run(sockets=sockets)


def _child(config, sock: socket.socket, ready, cpu: int | None = None) -> None:
    """One spawned server process (logging is configured afresh in a new interpreter), on
    ``cpu`` when one is given (``serve --cpus``, :mod:`typodesk.cpus`)."""
    if cpu is not None:
        from typodesk import cpus

        cpus.pin(cpu)
    config.configure_logging()
    serve_one(config, [sock], ready)


class Supervisor:
    def __init__(self, config, workers: int, cpus: list[int] | None = None):
        self.config = config
        self.workers = workers
        self.cpus = cpus  # process i runs on cpus[i % len(cpus)]; None: wherever the kernel puts it
        self._stop = threading.Event()
        self._context = multiprocessing.get_context("spawn")

    def run(self) -> None:
        """Serve until SIGTERM or SIGINT; raises :class:`StartError` if a process fails to start."""
        cfg = self.config
        sockets = [listening_socket(cfg.host, cfg.port, cfg.backlog) for _ in range(self.workers)]
        for sig in (signal.SIGTERM, signal.SIGINT):
            signal.signal(sig, lambda *_: self._stop.set())
        processes = [self._start(sock, i) for i, sock in enumerate(sockets)]
        log.info("typodesk: %d server processes on %s:%d", self.workers, cfg.host, cfg.port)
        failed = None
        try:
            while not self._stop.wait(0.5):
                for i, (process, ready) in enumerate(processes):
                    if process.exitcode is None:
                        continue
                    if not ready.is_set():  # starting it again would fail the same way
                        failed = f"a server process ended {process.exitcode} while starting (see above)"
                        self._stop.set()
                        break
                    log.warning(
                        "server process %d ended (%s); starting another", process.pid, process.exitcode
                    )
                    processes[i] = self._start(sockets[i], i)
        finally:
            self._stop_all([p for p, _ in processes])
            for sock in sockets:
                sock.close()
        if failed:
            raise StartError(failed)

    def _start(self, sock: socket.socket, index: int) -> tuple:
        from typodesk.cpus import for_process

        ready = self._context.Event()
        cpu = for_process(self.cpus, index) if self.cpus else None
        args = (self.config, sock, ready, cpu)
        process = self._context.Process(target=_child, args=args, name="typodesk-serve")
        process.start()
        return process, ready

    def _stop_all(self, processes: list) -> None:
        for p in processes:
            if p.exitcode is None:
                os.kill(p.pid, signal.SIGTERM)
        deadline = time.monotonic() + self.config.timeout_graceful_shutdown + 5
        for p in processes:
            p.join(max(0.1, deadline - time.monotonic()))
            if p.exitcode is None:
                log.warning("server process %d did not stop in time; killing it", p.pid)
                p.kill()
                p.join()
