"""Hunspell through libhunspell's C API (typodesk.spelling._hunspell)."""

from __future__ import annotations

import sys
import threading
import time

import pytest

from tests.waiting import wait_until
from typodesk import spelling
from typodesk.spelling import _engine, _hunspell
from typodesk.spelling.languages import LANGUAGES, find_hunspell


def _dictionary(lang: str) -> _hunspell.Hunspell:
    found = find_hunspell(LANGUAGES[lang])
    assert found is not None, f"no {lang} dictionary: run scripts/install-system-deps"
    return _hunspell.Hunspell(*found)


def test_spell_and_suggest_answer_as_hunspell_does(require):
    require("en")
    en = _dictionary("en")
    assert en.encoding == "utf-8"
    assert en.spell("receiving") and en.spell("Paris")
    assert not en.spell("recieveing")
    assert en.suggest("recieveing")[0] == "receiving"
    assert en.suggest("receiving") != []  # Hunspell suggests even for a correct word; no crash
    assert en.suggest("") == []


def test_words_in_every_script_of_the_languages_are_checked(require):
    for lang, right, wrong in (
        ("ru", "привет", "превет"),
        ("uk", "привітання", "привіттання"),
        ("tr", "merhaba", "merhabaaa"),
    ):
        require(lang)
        d = _dictionary(lang)
        assert d.spell(right) and not d.spell(wrong), lang
        assert right in d.suggest(wrong), lang


def test_text_the_dictionary_cannot_hold_is_refused_as_a_unicode_error(require):
    require("en")
    en = _dictionary("en")
    with pytest.raises(UnicodeError):
        en.spell("ab\ud800")
    lexicon = _engine._load(LANGUAGES["en"])
    assert lexicon.accepts("ab\ud800") is False  # the lexicon's answer: not a correct word
    assert lexicon.more_candidates("ab\ud800") == []


def test_other_threads_run_while_a_dictionary_loads_and_while_it_suggests(require):
    """Python code of another thread (the server's event loop, with `serve --with-worker`) goes on
    during the two slow calls: a counter in another thread moves while each of them runs. With a
    binding that kept the GIL it could not move at all. The switch interval is raised for the
    test, so that the GIL changes hands only where a thread lets it go (the counter's sleep, a
    call that releases it), never between two lines of this test."""
    require("uk")
    found = find_hunspell(LANGUAGES["uk"])
    lib = _hunspell.library()
    uk = _dictionary("uk")
    words = _hunspell._WordList()
    ticks = [0]
    stop = threading.Event()

    def count():
        while not stop.is_set():
            ticks[0] += 1
            time.sleep(0.0001)  # gives up the GIL: the counter runs only while the C call has let go

    interval = sys.getswitchinterval()
    sys.setswitchinterval(30)
    thread = threading.Thread(target=count)
    try:
        thread.start()
        wait_until(lambda: ticks[0] > 0, message="the counting thread runs")
        before = ticks[0]
        handle = lib.create(str(found[1]).encode(), str(found[0]).encode())
        during_load = ticks[0] - before
        before = ticks[0]
        n = lib.suggest(uk._handle, _hunspell.ctypes.byref(words), "привіттання".encode())
        during_suggest = ticks[0] - before
    finally:
        stop.set()
        sys.setswitchinterval(interval)
        thread.join()
    lib.free_list(uk._handle, _hunspell.ctypes.byref(words), n)
    lib.destroy(handle)
    assert n > 0
    assert during_load > 0 and during_suggest > 0, (during_load, during_suggest)


def test_a_missing_library_switches_hunspell_languages_off_and_says_what_to_install(monkeypatch):
    monkeypatch.setattr(_hunspell, "_library", None)
    monkeypatch.setattr(_hunspell.ctypes.util, "find_library", lambda name: None)
    fresh = _engine.Registry()
    monkeypatch.setattr(_engine, "REGISTRY", fresh)
    monkeypatch.setattr(spelling, "REGISTRY", fresh)
    with pytest.raises(ImportError, match="libhunspell-1.7-0"):
        _hunspell.library()
    state = spelling.status("en")
    assert not state.available
    assert "libhunspell" in state.detail and "scripts/install-system-deps" in state.detail
    assert spelling.suggest("peeple", "en") == []


def test_dictionary_encodings_are_those_python_knows():
    assert _hunspell._codec("UTF-8") == "utf-8"
    assert _hunspell._codec("KOI8-U") == "koi8-u"
    assert _hunspell._codec("ISO8859-9") == "iso8859-9"
    assert _hunspell._codec("microsoft-cp1251") == "cp1251"
    with pytest.raises(LookupError, match="XYZ-1"):
        _hunspell._codec("XYZ-1")
