"""The quick tier's marking and guard (tests/tiers.py): a test that starts a process is marked from
what it uses, and one that is not marked yet cannot start one in a quick run."""

from __future__ import annotations

import asyncio
import os
import subprocess
import subprocess as processes
from types import SimpleNamespace

import pytest

from tests import tiers


def _helper_that_starts_a_process():
    return subprocess.run(["true"], check=False)


def _test_calling_a_helper():
    _helper_that_starts_a_process()


def _test_running_a_command():
    subprocess.run(["git", "status"], check=False)


def _test_computing():
    return sum(range(10))


# The tests below run in the quick tier, whose guard they test: they reach the samples above
# through this table, and the subprocess module as `processes`, names the marking does not follow.
SAMPLES = {
    "computing": _test_computing,
    "running a command": _test_running_a_command,
    "calling a helper": _test_calling_a_helper,
}


def item(sample, *fixtures):
    return SimpleNamespace(function=SAMPLES[sample], fixturenames=list(fixtures))


def test_marks_follow_the_fixtures_and_code_a_test_uses():
    assert tiers.marks_for(item("computing")) == set()
    assert tiers.marks_for(item("computing", "context", "browser")) == {"browser"}
    assert tiers.marks_for(item("computing", "install")) == {"subprocess"}
    assert tiers.marks_for(item("computing", "live_server")) == {"served"}
    assert tiers.marks_for(item("running a command")) == {"subprocess"}
    assert tiers.marks_for(item("calling a helper")) == {"subprocess"}


def test_the_quick_tier_is_made_of_unmarked_tests(request):
    marked = [m for m in tiers.SLOW_MARKERS if request.node.get_closest_marker(m)]
    assert marked == [], "this test starts nothing and must stay in the quick tier"


@pytest.mark.parametrize(
    "start",
    [
        lambda: processes.run(["true"], check=False),
        lambda: processes.check_output(["true"]),
        lambda: os.system("true"),
        lambda: asyncio.run(asyncio.create_subprocess_exec("true")),
    ],
    ids=["run", "check_output", "system", "asyncio"],
)
def test_the_guard_fails_a_quick_test_that_starts_a_process(start):
    watched = [(processes, "Popen"), (os, "fork"), (os, "system")]
    originals = [getattr(module, name) for module, name in watched]
    with tiers.forbid_processes(), pytest.raises(tiers.ProcessInQuickTier, match="mark it @pytest.mark"):
        start()
    assert [getattr(module, name) for module, name in watched] == originals  # put back
