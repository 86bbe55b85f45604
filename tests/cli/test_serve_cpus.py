"""`typodesk serve --cpus`: each server process kept on one CPU (typodesk.cpus)."""

from __future__ import annotations

import json
import os
import signal
import urllib.request
from pathlib import Path

import pytest

from tests.cli.test_cli import _server_processes, one_line_error
from typodesk import cpus

ALLOWED = sorted(os.sched_getaffinity(0))
UNAVAILABLE = max(ALLOWED) + 1000


def test_auto_is_every_cpu_this_process_may_use():
    assert cpus.parse("auto") == ALLOWED
    assert cpus.parse(" auto ") == ALLOWED


def test_lists_and_ranges_name_cpus_once_each_in_order():
    first = ALLOWED[0]
    assert cpus.parse(str(first)) == [first]
    assert cpus.parse(f"{first},{first}") == [first]
    assert cpus.parse(f"{first}-{first}") == [first]
    if len(ALLOWED) >= 2 and ALLOWED[1] == first + 1:
        assert cpus.parse(f"{first}-{first + 1}") == [first, first + 1]
        assert cpus.parse(f"{first + 1}, {first}") == [first + 1, first]


@pytest.mark.parametrize("spec", ["", "x", "1-", "-1", "3-1", "1,,2", "0.5", "all"])
def test_a_value_that_names_no_cpu_says_what_to_give(spec):
    with pytest.raises(cpus.CpuError) as info:
        cpus.parse(spec)
    assert "--cpus" in str(info.value)


def test_a_cpu_this_process_may_not_use_is_refused_with_those_it_may():
    with pytest.raises(cpus.CpuError) as info:
        cpus.parse(f"{ALLOWED[0]},{UNAVAILABLE}")
    message = str(info.value)
    assert f"CPU {UNAVAILABLE} is not available" in message
    assert cpus._ranges(ALLOWED) in message


def test_ranges_are_written_the_way_they_are_given():
    assert cpus._ranges([0]) == "0"
    assert cpus._ranges([0, 1, 2, 5, 7, 8]) == "0-2,5,7-8"


def test_server_processes_take_the_cpus_in_turn():
    assert [cpus.for_process([2, 3], i) for i in range(5)] == [2, 3, 2, 3, 2]


def test_serve_with_a_bad_cpus_value_is_a_one_line_error(install):
    install.run("init")
    one_line_error(install.run("serve", "--cpus", "x", check=False), "--cpus", "0,2-3")
    one_line_error(install.run("serve", "--cpus", str(UNAVAILABLE), check=False), str(UNAVAILABLE), "available")


def _cpus_of_threads(pid: int) -> set[str]:
    """Each thread's Cpus_allowed_list, as the kernel reports it."""
    out = set()
    for task in Path(f"/proc/{pid}/task").iterdir():
        for line in (task / "status").read_text().splitlines():
            if line.startswith("Cpus_allowed_list:"):
                out.add(line.split(":", 1)[1].strip())
    return out


def _report(url: str, key: str, i: int) -> int:
    data = {
        "site": key,
        "url": "https://news.example/a",
        "quote": {"exact": "teh", "prefix": "p", "suffix": "s", "start": 3, "end": 6},
        "comment": f"reader {i}",
    }
    req = urllib.request.Request(url + "/api/v1/reports", json.dumps(data).encode())
    with urllib.request.urlopen(req, timeout=20) as r:
        return r.status


def test_serve_cpus_keeps_every_thread_of_the_server_on_that_cpu(install):
    """The event loop, the ingestion writer (started by the first report) and the in-process
    worker all run on the CPU given, and reports are stored as without it."""
    install.run("init")
    key = install.run("site", "add", "News", "--domain", "news.example").stdout.strip()
    cpu = ALLOWED[-1]
    proc, url = install.serve("--cpus", str(cpu), "--with-worker")
    assert [_report(url, key, i) for i in range(3)] == [201, 201, 201]
    threads = list(Path(f"/proc/{proc.pid}/task").iterdir())
    assert len(threads) >= 3  # the loop, the writer, the worker at least
    assert _cpus_of_threads(proc.pid) == {str(cpu)}
    proc.send_signal(signal.SIGTERM)
    assert proc.wait(20) == 0
    doc = json.loads(install.run("export", "--site", key, "--format", "json").stdout)
    assert doc["findings"][0]["report_count"] == 3


@pytest.mark.skipif(len(ALLOWED) < 2, reason="needs two CPUs")
def test_serve_workers_with_cpus_auto_puts_each_process_on_a_cpu_of_its_own(install):
    install.run("init")
    key = install.run("site", "add", "News", "--domain", "news.example").stdout.strip()
    proc, url = install.serve("--workers", "2", "--cpus", "auto")
    children = _server_processes(proc.pid)
    assert len(children) == 2, children
    placed = sorted(_cpus_of_threads(pid) for pid in children)
    assert placed == [{str(ALLOWED[0])}, {str(ALLOWED[1])}], placed
    assert _cpus_of_threads(proc.pid) == {cpus._ranges(ALLOWED)}  # the supervisor itself is left alone
    assert [_report(url, key, i) for i in range(4)] == [201] * 4
    proc.send_signal(signal.SIGTERM)
    assert proc.wait(30) == 0
