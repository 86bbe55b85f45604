"""Waiting in tests: on a condition, never for a fixed time.

A loaded machine runs anything slower than the one a test was written on, so a test that sleeps
"long enough" or asserts that something took less than N seconds fails at random. Wait for what
the test needs instead; the time limit only stops a test that would otherwise wait for ever, so
it is generous and its message says what never happened.
"""

from __future__ import annotations

import time
from collections.abc import Callable

TIMEOUT = 60.0


def wait_until[T](
    predicate: Callable[[], T],
    timeout: float = TIMEOUT,
    message: str = "",
    interval: float = 0.02,
    retry_on: tuple[type[BaseException], ...] = (OSError,),
) -> T:
    """Call ``predicate`` until it returns something true, and return that; fail with ``message``
    (and the last value seen) if that does not happen within ``timeout`` seconds. An exception in
    ``retry_on`` counts as not yet (a server still starting refuses connections: OSError) and is
    shown when time runs out; any other fails the test at once."""
    deadline = time.monotonic() + timeout
    last: object = None
    while True:
        try:
            value = predicate()
        except retry_on as e:
            value, last = None, e
        else:
            if value:
                return value
            last = value
        if time.monotonic() >= deadline:
            raise AssertionError(f"not within {timeout:g} s: {message or predicate} (last: {last!r})")
        time.sleep(interval)  # the one sleep of the suite's waiting: polling, bounded by the deadline


def wait_for_health(url: str, proc=None, timeout: float = TIMEOUT, output: Callable[[], str] = str) -> None:
    """Wait until ``url``/healthz answers 200: a server the test started is up. Fails at once if
    ``proc`` (its process) has exited, with ``output()`` (what it said) in the message."""
    import urllib.request

    def up() -> bool:
        if proc is not None and proc.poll() is not None:
            raise AssertionError(f"the server exited {proc.returncode}: {output()}")
        with urllib.request.urlopen(url + "/healthz", timeout=5) as r:
            return r.status == 200

    wait_until(up, timeout, f"{url}/healthz answered 200", interval=0.05)


def wait_in_browser(
    page, predicate: Callable[[], object], timeout: float = TIMEOUT, message: str = ""
) -> object:
    """wait_until for what Playwright's handlers (``page.route``, ``page.on``) record: the sync API
    runs them only while the test is calling into Playwright, so each try first makes a round trip
    to the browser (one that a navigating page does not disturb)."""

    def pumped() -> object:
        page.context.cookies()
        return predicate()

    return wait_until(pumped, timeout, message)
