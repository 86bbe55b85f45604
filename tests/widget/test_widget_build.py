"""The widget as committed in served/ is built from today's sources, and within its budget:
at most 4 KB gzipped up front (the loader), at most 9 KB for everything, all five languages in;
the corrections note, which only pages with data-corrections="on" load, at most 1.5 KB of its own."""

from __future__ import annotations

import json

import pytest

from typodesk.widget import build
from typodesk.widget.build import Sources, dialog_path, note_path, widget


def test_served_is_built_from_the_sources():
    assert widget().source_digest == Sources.read().digest, (
        "served/ is older than source/: run  .venv/bin/python -m typodesk.widget.build"
    )


def test_the_loader_names_the_dialogs_it_was_built_with():
    # One dialog per language, each with its own strings only; the loader names them by hash.
    dialogs = widget().dialogs
    assert sorted(dialogs) == sorted(json.loads(Sources.read().strings))
    for lang, dialog in dialogs.items():
        assert widget().loader.body.count(f'"{lang}":"{dialog.digest}"'.encode()) == 1
        assert dialog_path(dialog.digest).startswith("widget/dialog.")
    assert "Отправить".encode() in dialogs["ru"].body and "Отправить".encode() not in dialogs["en"].body


def test_the_loader_names_the_corrections_note_it_was_built_with():
    assert widget().loader.body.count(note_path(widget().note.digest).encode()) == 1


def test_budget():
    # A page loads the loader and the dialog of one language: every language's pair is in budget.
    up_front = widget().loader.gzipped
    total = up_front + max(d.gzipped for d in widget().dialogs.values())
    assert up_front <= build.UP_FRONT_BUDGET == 4096, up_front
    assert total <= build.TOTAL_BUDGET == 9216, total
    assert widget().total_gzipped == total  # the note is not part of the reader widget's budget


def test_the_corrections_note_has_a_budget_of_its_own():
    note = widget().note.gzipped
    assert note <= build.NOTE_BUDGET == 1536, note
    assert b"corrections?url=" in widget().note.body and b"corrections?url=" not in widget().loader.body


def test_the_notes_strings_are_in_every_language_and_translated():
    strings = json.loads(Sources.read().note_strings)
    names = build.check_note_strings(strings)
    assert set(names) == {"corr", "clar", "kcorr", "kclar", "title"}
    for lang, texts in strings.items():
        if lang != "en":
            assert [k for k, v in texts.items() if v == strings["en"][k]] == [], lang
        assert "{date}" in texts["corr"] and "{date}" in texts["clar"], lang
    del strings["uk"]["title"]
    with pytest.raises(ValueError, match="uk"):
        build.check_note_strings(strings)


def test_the_proof_of_work_solver_comes_with_the_dialog_not_the_loader():
    # Within the 9 KB of "everything": no part of the widget is left out of the budget.
    assert all(b"crypto.subtle" in d.body for d in widget().dialogs.values())
    assert b"crypto.subtle" not in widget().loader.body


def test_every_language_has_every_string():
    strings = json.loads(Sources.read().strings)
    assert sorted(strings) == ["az", "en", "ru", "tr", "uk"]
    build.check_strings(strings)  # raises otherwise
    for lang, texts in strings.items():
        if lang != "en":  # translated, not copied (the shortcut names are the same everywhere)
            same = [k for k, v in texts.items() if v == strings["en"][k]]
            assert same == [], (lang, same)


def test_plural_strings_have_the_other_form_in_every_language():
    strings = json.loads(Sources.read().strings)
    for lang, texts in strings.items():
        assert texts["sec"].startswith(("one=", "other=")) and "other={n} " in texts["sec"], lang
    strings["ru"]["sec"] = "one={n} секунду~few={n} секунды"  # no "other"
    with pytest.raises(ValueError, match="ru: sec: plural"):
        build.check_strings(strings)
    strings["ru"]["sec"] = "one={n} секунду~several={n} секунды~other={n} секунд"  # no such category
    with pytest.raises(ValueError, match="ru: sec: plural"):
        build.check_strings(strings)


def test_a_language_missing_a_string_is_refused():
    strings = json.loads(Sources.read().strings)
    del strings["tr"]["thanks"]
    with pytest.raises(ValueError, match="tr"):
        build.check_strings(strings)


def test_css_minifier_keeps_what_matters():
    assert build.minify_css("/* c */ a > b { width: calc(100% - 8px) ;  font: 16px/1.4 a, b ; }\n") == (
        "a>b{width:calc(100% - 8px);font:16px/1.4 a,b}"
    )
