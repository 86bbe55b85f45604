"""Fixtures for the spell checker's tests.

A missing dictionary must fail these tests loudly, never skip them: a machine
without ``hunspell-ru`` would otherwise pass while the desk shows no Russian
suggestions.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest

from typodesk import spelling

LANGUAGES = ("en", "ru", "uk", "tr", "az")


def _require(lang: str) -> None:
    state = spelling.status(lang)
    if not state.available:
        pytest.fail(
            f"spell checking for {lang!r} is unavailable: {state.detail}. "
            "Run scripts/install-system-deps (as root), then reinstall the Python dependencies.",
            pytrace=False,
        )


@pytest.fixture
def require() -> Callable[[str], None]:
    """``require("ru")`` fails the test with install instructions if Russian cannot be checked."""
    return _require


@pytest.fixture(params=LANGUAGES)
def lang(request: pytest.FixtureRequest) -> str:
    """Each supported language, its dictionary required."""
    _require(request.param)
    return request.param
