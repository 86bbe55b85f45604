"""Dictionaries load lazily, once; a missing one switches its language off visibly, never crashes."""

from __future__ import annotations

import pytest

from typodesk import spelling
from typodesk.spelling import _engine, languages
from typodesk.spelling.languages import LanguageSpec, parse_tag


@pytest.fixture
def registry(monkeypatch):
    """A fresh registry that knows, besides the real languages, one whose dictionary is absent."""
    fresh = _engine.Registry()
    monkeypatch.setattr(_engine, "REGISTRY", fresh)
    monkeypatch.setattr(spelling, "REGISTRY", fresh)
    ghost = LanguageSpec(code="xx", name="Ghost", hunspell=("xx_XX",), debian_package="hunspell-xx")
    monkeypatch.setitem(languages.LANGUAGES, "xx", ghost)
    return fresh


def test_a_missing_dictionary_switches_its_language_off_and_says_how_to_fix_it(registry):
    state = spelling.status("xx")
    assert not state.available
    assert "hunspell-xx" in state.detail
    assert "scripts/install-system-deps" in state.detail
    assert "xx" not in spelling.available_languages()


def test_a_language_switched_off_gets_no_suggestions_and_raises_nothing(registry):
    assert spelling.suggest("anything", "xx") == []
    assert spelling.suggest_for_quote("anything at all", "xx") is None
    assert spelling.is_correct("anything", "xx") is None
    assert "hunspell-xx" in spelling.status("xx").detail  # the failure is remembered


def test_status_does_not_load_a_dictionary(registry, require):
    require("en")
    state = spelling.status("en")
    assert state.available and not state.loaded


def test_a_dictionary_loads_on_first_use_and_is_then_cached(registry, require):
    require("en")
    spelling.suggest("peeple", "en")
    state = spelling.status("en-US")
    assert state.loaded
    assert "en_US" in state.detail  # which dictionary is in use
    assert registry.lexicon("en") is registry.lexicon("en-GB")


def test_a_dictionary_that_fails_to_load_is_reported(registry, monkeypatch):
    def broken(spec):
        raise OSError("disk on fire")

    monkeypatch.setattr(_engine, "_load", broken)
    assert spelling.suggest("peeple", "en") == []
    state = spelling.status("en")
    assert not state.available and "disk on fire" in state.detail


def test_dictionaries_are_found_in_extra_directories(registry, monkeypatch, tmp_path):
    (tmp_path / "xx_XX.dic").write_text("2\ncat\ndog\n", encoding="utf-8")
    (tmp_path / "xx_XX.aff").write_text("SET UTF-8\nTRY abcdefghijklmnopqrstuvwxyz\n", encoding="utf-8")
    monkeypatch.setenv("TYPODESK_HUNSPELL_PATH", str(tmp_path))
    monkeypatch.setitem(
        languages.LANGUAGES,
        "xx",
        LanguageSpec(code="xx", name="Ghost", hunspell=("xx_XX",), alphabet="abcdefghijklmnopqrstuvwxyz"),
    )
    assert spelling.status("xx").available
    assert spelling.suggest("dgo", "xx") == ["dog"]


@pytest.mark.parametrize(
    ("tag", "language", "script"),
    [
        ("en-US", "en", None),
        ("az_Latn_AZ", "az", "latn"),
        ("AZ-Cyrl", "az", "cyrl"),
        ("rus", "ru", None),
        ("", "", None),
    ],
)
def test_language_tags_are_parsed_as_pages_write_them(tag, language, script):
    assert parse_tag(tag) == languages.Tag(language, script)


def test_concurrent_first_use_loads_once_and_answers_everyone(registry, require):
    require("en")
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(max_workers=8) as pool:
        answers = list(pool.map(lambda _: spelling.suggest("peeple", "en")[:1], range(16)))
    assert answers == [["people"]] * 16
