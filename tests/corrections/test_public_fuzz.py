"""Schemathesis fuzzes the public read of a page's corrections (no token: open to the whole
internet) from the API's own OpenAPI description, against a real server. Bounded: a fixed seed
and number of examples."""

from __future__ import annotations

import pytest

from tests.security.schemathesis_run import run_schemathesis

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
    out = run_schemathesis(
        base,
        *("--max-examples", "150", "--seed", "20261205", "--include-path", "/api/v1/sites/{key}/corrections"),
        env=install.env,
        config=config,
    )
    assert "Missing test data" not in out, out[-3000:]
