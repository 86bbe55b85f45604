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
    # The proof-of-work solver loads only where a site asks for proof-of-work (docs/abuse.md).
    assert widget().pow.gzipped <= build.POW_BUDGET == 512, widget().pow.gzipped


def test_the_dialog_names_the_solver_it_was_built_with_and_only_the_dialog_does():
    from typodesk.widget.build import pow_path

    assert widget().dialog.body.count(pow_path(widget().pow.digest).encode()) == 1
    assert b"pow." not in widget().loader.body


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
