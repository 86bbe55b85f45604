"""Schemathesis fuzzes the public read of a page's corrections (no token: open to the whole
internet) from the API's own OpenAPI description, against a real server. Bounded: a fixed seed
and number of examples."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow


def test_schemathesis_finds_nothing_in_the_public_corrections_read(install, tmp_path):
    install.run("init")
    key = install.run("site", "add", "News", "--domain", "news.example").stdout.strip()
    _, base = install.serve()
    config = tmp_path / "schemathesis.toml"
    # The site's real key, so the fuzzed URLs reach the look-up; a URL of another host is a 400,
    # an unknown key (negative tests) a 404: correct rejections.
    config.write_text(
        f'[parameters]\n"path.key" = "{key}"\n\n'
        "[checks.negative_data_rejection]\nexpected-statuses = [400, 404]\n"
    )
    st = shutil.which("schemathesis") or str(Path(sys.executable).with_name("schemathesis"))
    cp = subprocess.run(
        [
            st,
            "--config-file",
            str(config),
            "run",
            f"{base}/api/v1/openapi.json",
            "--max-examples",
            "150",
            "--seed",
            "20261205",
            "--include-path",
            "/api/v1/sites/{key}/corrections",
            "--checks",
            "all",
            "--exclude-checks",
            "positive_data_acceptance",
            "--no-color",
        ],
        capture_output=True,
        text=True,
        timeout=300,
        env=install.env,
    )
    assert cp.returncode == 0, cp.stdout[:6000] + cp.stderr[-2000:]
    assert "passed" in cp.stdout
    assert "Missing test data" not in cp.stdout, cp.stdout[-3000:]
