"""The import diagram in docs/architecture.md is the code's (scripts/archgraph regenerates it)."""

from __future__ import annotations

import subprocess
import sys

from tests.conftest import REPO


def test_the_committed_diagram_is_the_code_s():
    result = subprocess.run(
        [sys.executable, str(REPO / "scripts" / "archgraph"), "--check"], capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr


def test_a_new_import_between_apps_makes_the_diagram_stale(tmp_path):
    """The check compares against the code: a copy of the tree with one more import fails it."""
    import shutil

    copy = tmp_path / "repo"
    shutil.copytree(REPO / "src" / "typodesk", copy / "src" / "typodesk", ignore=shutil.ignore_patterns("*.mo", "static"))
    shutil.copytree(REPO / "docs", copy / "docs", ignore=shutil.ignore_patterns("*.png"))
    shutil.copytree(REPO / "scripts", copy / "scripts")
    shutil.copy(REPO / "pyproject.toml", copy / "pyproject.toml")
    script = [sys.executable, str(copy / "scripts" / "archgraph"), "--check"]
    assert subprocess.run(script, capture_output=True).returncode == 0
    with (copy / "src" / "typodesk" / "text" / "diff.py").open("a") as f:
        f.write("\nfrom typodesk.net import netguard  # noqa\n")
    stale = subprocess.run(script, capture_output=True, text=True)
    assert stale.returncode == 1 and "stale" in stale.stderr
    subprocess.run([sys.executable, str(copy / "scripts" / "archgraph")], check=True)
    assert "text --> net" in (copy / "docs" / "architecture.md").read_text()
    assert subprocess.run(script, capture_output=True).returncode == 0
