"""Schemathesis fuzzes the public report API from its own OpenAPI description, against a real server.

Only the unauthenticated operation is fuzzed here: it is the one open to the whole internet
(the token-protected API has its own tests of every answer in tests/api).

Bounded (a fixed seed and number of examples). Every check runs except
"positive data acceptance": the schema cannot express `end - start == len(exact)` or
"no NUL characters", so some schema-valid bodies are rightly refused with a 400.
"""

from __future__ import annotations

import pytest

from tests.security.schemathesis_run import run_schemathesis

pytestmark = pytest.mark.slow


def test_schemathesis_finds_nothing(install):
    install.run("init")
    install.env["TYPODESK_RATE_BURST"] = "1000000"
    _, base = install.serve()
    run_schemathesis(
        base,
        *("--max-examples", "150", "--seed", "20261129", "--include-path", "/api/v1/reports"),
        env=install.env,
    )
