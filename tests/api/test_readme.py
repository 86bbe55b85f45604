"""The README's API examples, run exactly as written against a real server."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import urllib.request
from pathlib import Path

import pytest

from tests.conftest import REPO

pytestmark = pytest.mark.slow
PASSWORD = "a-long-test-password\n"


def readme_examples() -> str:
    section = REPO.joinpath("README.md").read_text().split("\n## API\n", 1)[1].split("\n## ", 1)[0]
    blocks = re.findall(r"```sh\n(.*?)```", section, re.DOTALL)
    assert len(blocks) == 1, "the API section has one block of examples"
    return blocks[0]


def json_documents(text: str) -> list:
    """curl prints the answers one after the other, without separators."""
    decoder, docs, i = json.JSONDecoder(), [], 0
    while i < len(text):
        if text[i].isspace():
            i += 1
            continue
        doc, i = decoder.raw_decode(text, i)
        docs.append(doc)
    return docs


def test_the_readme_api_examples_work(install, tmp_path):
    install.run("init")
    install.run("createuser", "you@news.example", "--password-stdin", input=PASSWORD)
    key = install.run(
        "site", "add", "News", "--domain", "news.example", "--owner", "you@news.example"
    ).stdout.strip()
    _, base = install.serve()
    report = {
        "site": key,
        "url": "https://news.example/story",
        "quote": {"exact": "teh", "start": 0, "end": 3},
    }
    req = urllib.request.Request(
        base + "/api/v1/reports", json.dumps(report).encode(), {"Content-Type": "application/json"}
    )
    with urllib.request.urlopen(req, timeout=10) as r:
        finding = json.load(r)["finding"]

    env = install.env | {
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}",
        "DESK": base,
        "KEY": key,
        "ID": str(finding),
    }
    cp = subprocess.run(
        ["bash", "-euo", "pipefail", "-c", readme_examples()],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert cp.returncode == 0, cp.stderr
    listing, detail, changed, overview = json_documents(cp.stdout)
    assert [f["id"] for f in listing["items"]] == [finding] and listing["next_cursor"] is None
    assert detail["id"] == finding and len(detail["reports"]) == 1
    assert changed["status"] == "fixed" and changed["note"] == "Corrected in the CMS"
    assert overview["findings"]["fixed"] == 1
    exported = json.loads((tmp_path / "findings.jsonld").read_text())
    assert exported["type"] == "AnnotationCollection" and exported["total"] == 1
