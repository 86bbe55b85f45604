"""Schemathesis against a served typodesk, the way every fuzz test of the suite runs it."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

CONFIG = Path(__file__).with_name("schemathesis.toml")


def run_schemathesis(base: str, *options: str, env: dict, config: Path = CONFIG) -> str:
    """``schemathesis run`` on the server's OpenAPI document with every check but "positive
    data acceptance" (the schema cannot say all a report must be); asserts that it passed and
    returns its output."""
    st = shutil.which("schemathesis") or str(Path(sys.executable).with_name("schemathesis"))
    cp = subprocess.run(
        [st, "--config-file", str(config), "run", f"{base}/api/v1/openapi.json", *options]
        + ["--checks", "all", "--exclude-checks", "positive_data_acceptance", "--no-color"],
        capture_output=True,
        text=True,
        timeout=300,
        env=env,
    )
    assert cp.returncode == 0, cp.stdout[:6000] + cp.stderr[-2000:]
    assert "passed" in cp.stdout
    return cp.stdout
