"""No module uses a private name (``_name``) of another app: not by importing it, not as a
private module, not as an attribute of a module it imported. A name another app needs is public
where it belongs, or the logic that needs it moves (docs/architecture.md)."""

from __future__ import annotations

import ast
from pathlib import Path

from tests.conftest import REPO

SRC = REPO / "src" / "typodesk"


def owner(module: str) -> str | None:
    """typodesk.ingest.ratelimit → "ingest"; typodesk.cli → "cli"; anything else → None."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 and parts[0] == "typodesk" else None


#: Private by its spelling only: Django documents a model's ``_meta`` as public API.
PUBLIC = {"_meta"}


def private(name: str) -> bool:
    return name.startswith("_") and not (name.startswith("__") and name.endswith("__")) and name not in PUBLIC


def module_of(path: Path) -> str:
    parts = path.relative_to(SRC.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def private_uses(source: str, module: str) -> list[str]:
    """``module``'s uses of other apps' private names, as "line: what"."""
    own = owner(module)
    found = []
    foreign: set[str] = set()  # local names bound to another app's modules
    nodes = list(ast.walk(ast.parse(source)))
    for node in nodes:
        if isinstance(node, ast.Import):
            for alias in node.names:
                if owner(alias.name) not in (None, own):
                    if any(private(p) for p in alias.name.split(".")[2:]):
                        found.append(f"{node.lineno}: import {alias.name}")
                    if alias.asname:
                        foreign.add(alias.asname)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            if owner(node.module) in (None, own):
                continue
            if any(private(p) for p in node.module.split(".")[2:]):
                found.append(f"{node.lineno}: from {node.module} import …")
            for alias in node.names:
                if private(alias.name):
                    found.append(f"{node.lineno}: from {node.module} import {alias.name}")
                foreign.add(alias.asname or alias.name)
    for node in nodes:
        if (
            isinstance(node, ast.Attribute)
            and private(node.attr)
            and isinstance(node.value, ast.Name)
            and node.value.id in foreign
        ):
            found.append(f"{node.lineno}: {node.value.id}.{node.attr}")
    return found


def test_the_scan_sees_each_way_of_reaching_a_private_name():
    source = """
from typodesk.ingest.schemas import _clean
from typodesk.spelling import _text
from typodesk.ingest import ratelimit
import typodesk.spelling._engine
from typodesk.findings.models import Finding
ratelimit._redis()
Finding._meta
"""
    uses = private_uses(source, "typodesk.accounts.throttle")
    assert uses == [
        "2: from typodesk.ingest.schemas import _clean",
        "3: from typodesk.spelling import _text",
        "5: import typodesk.spelling._engine",
        "7: ratelimit._redis",
    ], uses
    # Inside its own app a private name is fine; so is Django's _meta of another app's model.
    assert private_uses("from typodesk.ingest.schemas import _clean\n", "typodesk.ingest.api") == []


def test_no_module_uses_a_private_name_of_another_app():
    found = []
    for path in sorted(SRC.rglob("*.py")):
        if "migrations" in path.parts:
            continue
        found += [f"{path.relative_to(REPO)}:{use}" for use in private_uses(path.read_text(), module_of(path))]
    assert not found, "private names used across apps (make them public or move the logic):\n" + "\n".join(found)
