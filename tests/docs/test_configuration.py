"""docs/configuration.md describes every environment variable the code reads, and only those;
the environment is read in typodesk.conf alone (typodesk.settings turns it into settings)."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from tests.conftest import REPO

pytestmark = pytest.mark.one_pass  # reads files only; DATABASE_URL is one of the names it checks

SRC = REPO / "src" / "typodesk"
PAGE = REPO / "docs" / "configuration.md"
NAME = re.compile(r"\b(TYPODESK_[A-Z0-9_]*[A-Z0-9]|DATABASE_URL)\b")
ENV_READERS = {"env", "env_int", "env_bool"}  # typodesk.conf's helpers
#: The only modules that may call them: conf reads, settings names the result.
MAY_READ = {SRC / "conf.py", SRC / "settings.py"}
PROCESSES = {"serve", "worker", "CLI"}


def modules() -> list[Path]:
    return sorted(p for p in SRC.rglob("*.py") if "migrations" not in p.parts)


def tree(path: Path) -> ast.AST:
    return ast.parse(path.read_text(), filename=str(path))


def called_name(call: ast.Call) -> str | None:
    func = call.func
    if isinstance(func, ast.Name):
        return func.id
    if isinstance(func, ast.Attribute):
        return func.attr
    return None


def variables_read() -> dict[str, str]:
    """Every variable name given to conf's helpers, and every one a message or docstring names
    (an error message that names a variable sends the admin to this page)."""
    found: dict[str, str] = {}
    for path in modules():
        for node in ast.walk(tree(path)):
            if isinstance(node, ast.Call) and called_name(node) in ENV_READERS and node.args:
                first = node.args[0]
                if isinstance(first, ast.Constant) and isinstance(first.value, str):
                    found.setdefault(first.value, f"{path.relative_to(REPO)}:{node.lineno}")
            if isinstance(node, ast.Constant) and isinstance(node.value, str):
                for name in NAME.findall(node.value):
                    found.setdefault(name, f"{path.relative_to(REPO)}:{node.lineno}")
    return found


def documented() -> dict[str, list[str]]:
    """Rows of the page's tables: variable → [default, used by, meaning]."""
    rows: dict[str, list[str]] = {}
    for line in PAGE.read_text().splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        match = re.fullmatch(r"`([A-Z0-9_]+)`", cells[0]) if line.startswith("| `") else None
        if match:
            rows[match.group(1)] = cells[1:]
    return rows


def test_the_scan_finds_what_conf_reads():
    found = variables_read()
    # Read in conf.py, in settings.py, and named only in an error message of conf.py.
    assert {"TYPODESK_DATA_DIR", "TYPODESK_HSTS_SECONDS", "DATABASE_URL", "TYPODESK_HUNSPELL_PATH"} <= set(found)
    assert len(found) > 40


def test_every_variable_the_code_reads_is_documented():
    rows = documented()
    missing = {name: where for name, where in variables_read().items() if name not in rows}
    assert not missing, f"describe these in docs/configuration.md (a table row each): {missing}"


def test_the_page_describes_no_variable_the_code_does_not_read():
    stale = set(documented()) - set(variables_read())
    assert not stale, f"docs/configuration.md describes variables nothing reads: {sorted(stale)}"


def test_every_row_says_its_default_who_uses_it_and_what_it_means():
    for name, cells in documented().items():
        assert len(cells) == 3 and all(cells), f"{name}: | variable | default | used by | meaning |"
        used_by = {p.strip() for p in cells[1].split(",")}
        assert used_by <= PROCESSES, f"{name}: 'used by' is a list of {sorted(PROCESSES)}, not {cells[1]!r}"


def test_only_conf_reads_the_environment():
    """os.environ and os.getenv appear in typodesk.conf only (and in Django's one line naming the
    settings module); conf's helpers are called from conf and settings only."""
    offenders = []
    for path in modules():
        for node in ast.walk(tree(path)):
            where = f"{path.relative_to(REPO)}:{getattr(node, 'lineno', '?')}"
            if path != SRC / "conf.py":
                if isinstance(node, ast.Attribute) and node.attr in {"environ", "environb", "getenv", "getenvb"}:
                    offenders.append(where)
                if isinstance(node, ast.ImportFrom) and node.module == "os":
                    if {a.name for a in node.names} & {"environ", "environb", "getenv", "getenvb"}:
                        offenders.append(where)
            if path not in MAY_READ and isinstance(node, ast.Call) and called_name(node) in ENV_READERS:
                offenders.append(where)
    allowed = settings_module_lines()
    offenders = [o for o in offenders if o not in allowed]
    assert not offenders, f"read the environment in typodesk.conf (a setting in settings.py): {offenders}"


def settings_module_lines() -> set[str]:
    """``os.environ.setdefault("DJANGO_SETTINGS_MODULE", …)``: Django's own start-up line."""
    lines = set()
    for path in modules():
        for node in ast.walk(tree(path)):
            if (
                isinstance(node, ast.Call)
                and called_name(node) == "setdefault"
                and node.args
                and isinstance(node.args[0], ast.Constant)
                and node.args[0].value == "DJANGO_SETTINGS_MODULE"
            ):
                lines.add(f"{path.relative_to(REPO)}:{node.lineno}")
    return lines


def test_the_readme_links_to_the_reference():
    assert "docs/configuration.md" in (REPO / "README.md").read_text()
