"""`typodesk serve --cpus`: keep each server process on one CPU.

A server process stores reports with two busy threads that take turns holding the GIL: the
event loop (HTTP, validation) and the writer (admission, the group's SQL). Left to the kernel,
they mostly run on different cores, and every hand-over of the GIL then wakes the other core
and moves the objects both touch between the cores' caches. Measured on a 2-core machine
(docs/performance.md), the same process kept on one core used about a third less CPU per
accepted report and stored about a fifth more reports per second; the load generator, or the
reverse proxy in production, has the other core to itself.

It is not the default: a process held on one CPU cannot be moved off it when something else
gets busy there (another instance pinned to the same CPU, a database). Use it on a machine
that runs typodesk and little else, with one server process per CPU.
"""

from __future__ import annotations

import os


class CpuError(ValueError):
    """A ``--cpus`` value that cannot be used (the message says why)."""


def available() -> list[int]:
    """The CPUs this process may run on, in order."""
    if not hasattr(os, "sched_getaffinity"):
        raise CpuError("--cpus needs Linux (this system cannot keep a process on a CPU)")
    return sorted(os.sched_getaffinity(0))


def parse(spec: str) -> list[int]:
    """The CPUs ``spec`` names: ``auto`` (every CPU this process may use) or a list such as
    ``0,2-3``; each must be one this process may use."""
    allowed = available()
    spec = spec.strip()
    if spec == "auto":
        return allowed
    cpus: list[int] = []
    for part in spec.split(","):
        first, dash, last = part.strip().partition("-")
        try:
            lo = int(first)
            hi = int(last) if dash else lo
        except ValueError:
            raise CpuError(f"--cpus {spec!r}: give 'auto' or CPU numbers such as 0,2-3") from None
        if lo < 0 or hi < lo:
            raise CpuError(f"--cpus {spec!r}: {part.strip()!r} is not a CPU number or range")
        cpus += [c for c in range(lo, hi + 1) if c not in cpus]
    missing = [c for c in cpus if c not in allowed]
    if missing:
        raise CpuError(
            f"--cpus {spec!r}: CPU {missing[0]} is not available here (this process may use "
            f"{_ranges(allowed)})"
        )
    return cpus


def for_process(cpus: list[int], index: int) -> int:
    """The CPU of server process ``index`` (0-based): the list in turn."""
    return cpus[index % len(cpus)]


def pin(cpu: int) -> None:
    """Keep every thread of this process, and the threads it starts later, on ``cpu``.

    On Linux an affinity belongs to a thread and is inherited by the threads it starts, so the
    threads already running (if any) are moved one by one.
    """
    os.sched_setaffinity(0, {cpu})
    try:
        threads = os.listdir("/proc/self/task")
    except OSError:
        return
    for tid in threads:
        try:
            os.sched_setaffinity(int(tid), {cpu})
        except (OSError, ValueError):
            pass  # a thread that ended meanwhile


def _ranges(cpus: list[int]) -> str:
    out: list[str] = []
    start = prev = cpus[0]
    for c in [*cpus[1:], None]:
        if c is not None and c == prev + 1:
            prev = c
            continue
        out.append(str(start) if start == prev else f"{start}-{prev}")
        if c is not None:
            start = prev = c
    return ",".join(out)
