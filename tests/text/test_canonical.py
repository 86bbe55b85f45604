"""The Python side of the canonical text: every shared vector, plus the properties the server
relies on (idempotence, no crash on hostile input)."""

from __future__ import annotations

import json
import unicodedata
from pathlib import Path

import pytest

from typodesk.text import canonical_text, normalize

VECTORS_PATH = Path(__file__).resolve().parents[2] / "src" / "typodesk" / "text" / "vectors.json"
VECTORS = json.loads(VECTORS_PATH.read_text(encoding="utf-8"))


def test_vectors_are_well_formed():
    assert len(VECTORS) >= 40
    names = [v["name"] for v in VECTORS]
    assert len(names) == len(set(names))
    for v in VECTORS:
        assert set(v) <= {"name", "html", "root", "text"}, v["name"]
        assert isinstance(v["html"], str) and isinstance(v["text"], str)


@pytest.mark.parametrize("vector", VECTORS, ids=[v["name"] for v in VECTORS])
def test_vector(vector):
    assert canonical_text(vector["html"], vector.get("root")) == vector["text"]


@pytest.mark.parametrize("vector", VECTORS, ids=[v["name"] for v in VECTORS])
def test_vector_text_is_a_fixed_point(vector):
    text = vector["text"]
    assert normalize(text) == text
    assert unicodedata.is_normalized("NFC", text)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("", ""),
        ("  \t\n ", ""),
        ("a\u00a0\u00a0b", "a b"),
        ("  lead and trail  ", "lead and trail"),
        ("soft\u00adhyphen", "softhyphen"),
        ("e\u0301", "\u00e9"),
        ("e\u00ad\u0301", "\u00e9"),  # ignorables go before NFC
        ("a\u2028b\u2029c\x85d", "a b c d"),
        ("a\x1cb", "a\x1cb"),  # str.isspace() says yes, Unicode White_Space says no
        ("\ufeffBOM", "BOM"),
        ("\U0001f600 x", "\U0001f600 x"),
    ],
)
def test_normalize(raw, expected):
    assert normalize(raw) == expected


def test_normalize_is_idempotent_on_odd_input():
    raw = "".join(chr(c) for c in range(0, 0x3100)) + "e\u0301\u00ad\u0327 \u2000\u2001"
    once = normalize(raw)
    assert normalize(once) == once


@pytest.mark.parametrize("selector", ["[[", "", "   ", "p:nope", "a,", "#", "::", "\x00"])
def test_invalid_root_selector_falls_back(selector):
    assert canonical_text("<main>m</main><p>x</p>", selector) == "m"


def test_deep_nesting_does_not_overflow():
    depth = 5000
    html = "<div>" * depth + "deep" + "<span>er</span>" + "</div>" * depth + "<b>" * depth + "!"
    assert canonical_text(html) == "deeper !"


def test_news_article_fixture(shared_dir):
    html = (shared_dir / "fixtures" / "news-article.html").read_text(encoding="utf-8")
    text = canonical_text(html)
    assert text.startswith("Foreign policy · July 29, 2023 09:19 Azerbaijan’s MFA releases statement")
    assert "Patriotic War of 2020" in text  # &nbsp; became a space
    assert "historic victory" in text  # soft hyphen removed
    assert "Latest news" not in text and "Orphus" not in text  # outside <article>
    for err in json.loads((shared_dir / "fixtures" / "news-article.errors.json").read_text(encoding="utf-8")):
        assert err["prefix"] + err["exact"] in text
