"""The quick tier: which tests start a browser, a server or another process, and a guard for the rest.

``scripts/test --quick`` (``TYPODESK_TEST_QUICK=1``) runs only the tests that do none of these, in a
couple of minutes. Marking by hand is easy to forget, so tests are marked from what they use
(:func:`marks_for`): the ``browser`` fixture, the ``install``/``live_server`` fixtures, or test code
(the test, its fixtures and the test helpers they call) that names ``subprocess``, ``Install``,
``served_site``… A test the marking misses still cannot slip a process into the quick tier:
:func:`forbid_processes` is on around every quick test and fails it with a message that says which
marker to add.
"""

from __future__ import annotations

import _posixsubprocess
import contextlib
import inspect
import os
import subprocess
import sys
import types
from collections.abc import Callable, Iterator

QUICK_ENV = "TYPODESK_TEST_QUICK"
SUITE = os.path.dirname(os.path.abspath(__file__)) + os.sep

# marker -> fixtures whose use alone puts a test in it
MARKER_FIXTURES = {
    "browser": {"browser"},
    "subprocess": {"install"},
    "served": {"live_server"},
}
# Names that, in test code, mean a process is started (the test suite's own ways and Python's).
PROCESS_NAMES = frozenset({"subprocess", "Popen", "Install", "served_site", "TYPODESK"})
# Playwright's driver is a process too, but one that means a browser.
BROWSER_NAMES = frozenset({"sync_playwright"})
SLOW_MARKERS = ("browser", "subprocess", "served", "slow")


def quick() -> bool:
    return os.environ.get(QUICK_ENV) == "1"


def _code_names(code: types.CodeType) -> set[str]:
    names = set(code.co_names)
    for const in code.co_consts:
        if isinstance(const, types.CodeType):
            names |= _code_names(const)
    return names


def _telling_names(obj: object, seen: set[int]) -> set[str]:
    """The names of PROCESS_NAMES and BROWSER_NAMES in the code of ``obj`` (a function or class of
    the test suite) and of the suite's helpers it names. Code outside tests/ is not followed: a
    product function that starts a process is caught by the guard instead (then marked by hand)."""
    if id(obj) in seen:
        return set()
    seen.add(id(obj))
    if isinstance(obj, type):
        return set().union(*(_telling_names(v, seen) for v in vars(obj).values() if inspect.isfunction(v)))
    func = inspect.unwrap(obj) if callable(obj) else obj
    code = getattr(func, "__code__", None)
    if code is None:
        return set()
    names = _code_names(code)
    found = names & (PROCESS_NAMES | BROWSER_NAMES)
    scope = getattr(func, "__globals__", {})
    for name in names:
        target = scope.get(name)
        if (inspect.isfunction(target) or inspect.isclass(target)) and _in_suite(target):
            found |= _telling_names(target, seen)
    return found


def _in_suite(obj: object) -> bool:
    module = sys.modules.get(getattr(obj, "__module__", "") or "")
    return str(getattr(module, "__file__", "") or "").startswith(SUITE)


def marks_for(item) -> set[str]:
    """The tier markers ``item`` gets from what it uses."""
    fixtures = set(getattr(item, "fixturenames", ()))
    marks = {marker for marker, names in MARKER_FIXTURES.items() if names & fixtures}
    seen: set[int] = set()
    funcs = [getattr(item, "function", None)]
    defs = getattr(getattr(item, "_fixtureinfo", None), "name2fixturedefs", {})
    for name in fixtures:
        funcs.extend(d.func for d in defs.get(name, ()))
    found = set().union(*(_telling_names(f, seen) for f in funcs if f is not None))
    if found & BROWSER_NAMES:
        marks.add("browser")
    if found & PROCESS_NAMES:
        marks.add("subprocess")
    return marks


class ProcessInQuickTier(AssertionError):
    """A quick-tier test started a process (or a browser, which is one)."""


def _refuse(what: str) -> Callable:
    def refuse(*args, **kwargs):
        raise ProcessInQuickTier(
            f"this test started a process ({what}: {str(args[0] if args else '')[:120]}) in the quick "
            "tier (scripts/test --quick); mark it @pytest.mark.subprocess, or @pytest.mark.browser "
            "for Chromium (tests/tiers.py)"
        )

    return refuse


class _RefusedPopen(subprocess.Popen):
    def __init__(self, *args, **kwargs):  # noqa: D107
        _refuse("subprocess.Popen")(*args, **kwargs)


@contextlib.contextmanager
def forbid_processes() -> Iterator[None]:
    """Every way Python starts a process raises :class:`ProcessInQuickTier` inside."""
    patches = [
        (subprocess, "Popen", _RefusedPopen),
        (_posixsubprocess, "fork_exec", _refuse("fork_exec")),
        (os, "fork", _refuse("os.fork")),
        (os, "system", _refuse("os.system")),
        (os, "posix_spawn", _refuse("os.posix_spawn")),
        (os, "posix_spawnp", _refuse("os.posix_spawnp")),
    ]
    saved = [(mod, name, getattr(mod, name)) for mod, name, _ in patches]
    for mod, name, new in patches:
        setattr(mod, name, new)
    try:
        yield
    finally:
        for mod, name, old in saved:
            setattr(mod, name, old)
