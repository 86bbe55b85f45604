"""The widget as committed in served/ is built from today's sources, and within its budget:
at most 4 KB gzipped up front (the loader), at most 9 KB for everything, all five languages in."""

from __future__ import annotations

import json

import pytest

from typodesk.widget import build
from typodesk.widget.build import Sources, dialog_path, widget


def test_served_is_built_from_the_sources():
    assert widget().source_digest == Sources.read().digest, (
        "served/ is older than source/: run  .venv/bin/python -m typodesk.widget.build"
    )


def test_the_loader_names_the_dialog_it_was_built_with():
    assert widget().loader.body.count(dialog_path(widget().dialog.digest).encode()) == 1


def test_budget():
    up_front = widget().loader.gzipped
    total = up_front + widget().dialog.gzipped
    assert up_front <= build.UP_FRONT_BUDGET == 4096, up_front
    assert total <= build.TOTAL_BUDGET == 9216, total


def test_the_proof_of_work_solver_comes_with_the_dialog_not_the_loader():
    # Within the 9 KB of "everything": no part of the widget is left out of the budget.
    assert b"crypto.subtle" in widget().dialog.body
    assert b"crypto.subtle" not in widget().loader.body


def test_every_language_has_every_string():
    strings = json.loads(Sources.read().strings)
    assert sorted(strings) == ["az", "en", "ru", "tr", "uk"]
    build.check_strings(strings)  # raises otherwise
    for lang, texts in strings.items():
        if lang != "en":  # translated, not copied (the shortcut names are the same everywhere)
            same = [k for k, v in texts.items() if v == strings["en"][k]]
            assert same == [], (lang, same)


def test_a_language_missing_a_string_is_refused():
    strings = json.loads(Sources.read().strings)
    del strings["tr"]["thanks"]
    with pytest.raises(ValueError, match="tr"):
        build.check_strings(strings)


def test_css_minifier_keeps_what_matters():
    assert build.minify_css("/* c */ a > b { width: calc(100% - 8px) ;  font: 16px/1.4 a, b ; }\n") == (
        "a>b{width:calc(100% - 8px);font:16px/1.4 a,b}"
    )
