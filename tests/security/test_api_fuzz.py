"""Schemathesis fuzzes the public report API from its own OpenAPI description, against a real server.

Only the unauthenticated operation is fuzzed here: it is the one open to the whole internet
(the token-protected API has its own tests of every answer in tests/api).

Bounded (a fixed seed and number of examples). Every check runs except
"positive data acceptance": the schema cannot express `end - start == len(exact)` or
"no NUL characters", so some schema-valid bodies are rightly refused with a 400.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow


def test_schemathesis_finds_nothing(install):
    install.run("init")
    install.env["TYPODESK_RATE_BURST"] = "1000000"
    _, base = install.serve()
    st = shutil.which("schemathesis") or str(Path(sys.executable).with_name("schemathesis"))
    cp = subprocess.run(
        [
            st,
            "--config-file",
            str(Path(__file__).with_name("schemathesis.toml")),
            "run",
            f"{base}/api/v1/openapi.json",
            "--max-examples",
            "150",
            "--seed",
            "20261129",
            "--include-path",
            "/api/v1/reports",
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
