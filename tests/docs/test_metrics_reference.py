"""docs/operations.md describes every metric family /metrics can answer with."""

from __future__ import annotations

import ast
import re

import pytest
from django.test import Client

from tests.conftest import REPO

PAGE = REPO / "docs" / "operations.md"
SRC = REPO / "src" / "typodesk"


def families_in_code() -> set[str]:
    """The first argument of every ``Family("typodesk_…", …)`` in the source."""
    names = set()
    for path in SRC.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if (
                isinstance(node, ast.Call)
                and getattr(node.func, "id", getattr(node.func, "attr", None)) == "Family"
                and node.args
                and isinstance(node.args[0], ast.Constant)
            ):
                names.add(node.args[0].value)
    return names


def documented() -> set[str]:
    """The metric column of the page's table: | `typodesk_findings{status}` | gauge | … |"""
    return set(re.findall(r"^\| `(typodesk_[a-z_]+)(?:\{[a-z_, ]*\})?` \| (?:counter|gauge) \|", PAGE.read_text(), re.M))


@pytest.mark.django_db
def test_a_scrape_answers_only_families_the_scan_of_the_code_finds():
    response = Client().get("/metrics", REMOTE_ADDR="127.0.0.1")
    assert response.status_code == 200
    scraped = set(re.findall(r"^# TYPE (\S+) ", response.content.decode(), re.M))
    assert len(scraped) > 10
    assert scraped <= families_in_code()


def test_every_metric_family_is_documented():
    missing = sorted(families_in_code() - documented())
    assert not missing, f"describe these in the metrics table of docs/operations.md: {missing}"


def test_the_table_describes_no_family_the_code_does_not_have():
    stale = sorted(documented() - families_in_code())
    assert not stale, f"docs/operations.md describes metrics /metrics never answers: {stale}"
