"""verify() applies the canonical-text rules of :mod:`typodesk.text` exactly, with a shortcut.

Normalizing a 10,000-character page costs most of a millisecond, so text that is canonical
already is recognised by a cheaper check and left as it is. The check restates the rules
(ignorable characters, the White_Space class, NFC), so it is tested against ``normalize`` itself:
if the rules change there, these tests fail until the engine follows.
"""

from __future__ import annotations

import json
import random
from pathlib import Path

import pytest

from typodesk.anchoring.engine import _canonical, _fragment
from typodesk.text import normalize

VECTORS = json.loads(
    (Path(__file__).resolve().parents[2] / "src" / "typodesk" / "text" / "vectors.json").read_text("utf-8")
)
# Every character class the rules treat specially, and ordinary ones around them.
PIECES = [
    "a", "b", "é", "e\u0301", "\u0307", "Ğ", "я", "字", "😀", " ", "  ", "\t", "\n", "\r\n", "\x0b", "\x0c",
    "\x85", "\xa0", "\u1680", "\u2000", "\u2009", "\u200a", "\u2028", "\u2029", "\u202f", "\u205f",
    "\u3000", "\u00ad", "\u200b", "\u2060", "\ufeff", "\x1c", "\x1f", "\u180e",
]  # fmt: skip


def random_texts(seed: int, count: int):
    rng = random.Random(seed)
    for _ in range(count):
        yield "".join(rng.choice(PIECES) for _ in range(rng.randint(0, 12)))


@pytest.mark.parametrize("seed", range(3))
def test_the_shortcut_gives_exactly_what_normalize_gives(seed):
    for text in random_texts(seed, 3000):
        assert _canonical(text) == normalize(text), repr(text)


def test_canonical_text_of_the_shared_vectors_is_left_as_it_is():
    for vector in VECTORS:
        assert _canonical(vector["text"]) == vector["text"] == normalize(vector["text"])


@pytest.mark.parametrize("seed", range(3))
def test_selector_fragments_follow_the_rules_but_keep_their_end_spaces(seed):
    # Inside a page, a fragment is what normalize makes of it there: framed by other text, the
    # trimming of the ends never applies. (NUL frames it: it neither trims nor composes.)
    for text in random_texts(seed + 3, 3000):
        assert _fragment(text, "prefix") == normalize("\0" + text + "\0")[1:-1], repr(text)
