"""The JavaScript side of the canonical text: each shared vector, loaded as a real page in Chromium
with widget.js (configured like a site would: ``data-root`` on its script tag), must give exactly the
string the vector states, which the Python side is tested against too. (``typodesk.canonicalText``
and ``typodesk.capture`` return promises: they load the dialog part, where that code lives.)"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

pytestmark = pytest.mark.browser
VECTORS = Path(__file__).resolve().parents[2] / "src" / "typodesk" / "text" / "vectors.json"
VECTOR_LIST = json.loads(VECTORS.read_text(encoding="utf-8"))

# Added after load through the DOM, so the vector's own markup is parsed untouched.
ADD_WIDGET = """
([src, root]) => new Promise((resolve, reject) => {
  const s = document.createElement('script');
  s.src = src;
  s.setAttribute('data-site', 'k');
  if (root !== null) s.setAttribute('data-root', root);
  s.onload = () => resolve(window.typodesk.canonicalText());
  s.onerror = reject;
  document.head.append(s);
})
"""


@pytest.fixture(scope="module")
def vector_page(browser):
    context = browser.new_context()
    yield context.new_page()
    context.close()


@pytest.mark.parametrize("index", range(len(VECTOR_LIST)), ids=[v["name"] for v in VECTOR_LIST])
def test_vector_in_chromium(vector_page, servers, index):
    vector = VECTOR_LIST[index]
    vector_page.goto(servers.vector_url(index))
    got = vector_page.evaluate(ADD_WIDGET, [f"{servers.desk}/widget.js", vector.get("root")])
    assert got == vector["text"]


def test_canonical_text_argument_forms(vector_page, servers):
    """canonicalText() also takes an element, a list of elements or a selector."""
    index = next(i for i, v in enumerate(VECTOR_LIST) if v["name"] == "data-root-several-matches")
    vector_page.goto(servers.vector_url(index))
    vector_page.evaluate(ADD_WIDGET, [f"{servers.desk}/widget.js", None])
    assert vector_page.evaluate("() => typodesk.canonicalText()") == "One ad twothree"
    assert vector_page.evaluate("() => typodesk.canonicalText('.part')") == "One two three"
    assert (
        vector_page.evaluate("() => typodesk.canonicalText(document.querySelectorAll('.part'))")
        == "One two three"
    )
    assert vector_page.evaluate("() => typodesk.canonicalText(document.querySelector('aside'))") == "ad"
    assert vector_page.evaluate("() => typodesk.canonicalText('[[')") == "One ad twothree"


# Random DOM ranges (any node, any offset) on each vector page: whatever is selected, the quote
# must be a slice of the canonical text at its code-point offsets, trimmed, with consistent context.
RANDOM_RANGES = r"""
async (seed) => {
  let x = seed;
  const rnd = n => { x = (x * 1103515245 + 12345) % 2147483648; return x % n; };
  const nodes = [], w = document.createTreeWalker(document.documentElement, NodeFilter.SHOW_ALL);
  for (let n; (n = w.nextNode());) nodes.push(n);
  const size = n => n.nodeType === 3 ? n.length : n.childNodes.length;
  const out = [];
  for (let k = 0; k < 60; k++) {
    const a = nodes[rnd(nodes.length)], b = nodes[rnd(nodes.length)], r = document.createRange();
    try { r.setStart(a, rnd(size(a) + 1)); r.setEnd(b, rnd(size(b) + 1)); } catch (e) { continue; }
    getSelection().removeAllRanges(); getSelection().addRange(r);
    out.push(await typodesk.capture());  // capture() reads the selection before it awaits
  }
  return out;
}
"""


def assert_whole_words(side: str, rest: str, name: str) -> None:
    """A side of the context (read away from the quote): 32 code points, or all there is (the
    server takes a shorter side for the page's edge), extended to the space before a whole
    word, up to 64 (the API's limit)."""
    assert len(side) == min(len(rest), len(side)) and min(32, len(rest)) <= len(side) <= 64, (name, side)
    assert side == rest or side.endswith(" ") or len(side) == 64 or (len(side) == 32 and side[31] == " "), (
        name,
        side,
    )


def test_random_selections_give_consistent_quotes(vector_page, servers):
    checked = 0
    for index, vector in enumerate(VECTOR_LIST):
        vector_page.goto(servers.vector_url(index))
        vector_page.evaluate(ADD_WIDGET, [f"{servers.desk}/widget.js", vector.get("root")])
        text = vector["text"]
        for q in vector_page.evaluate(RANDOM_RANGES, index + 1):
            if "error" in q:
                assert q["error"] in ("empty", "outside", "blank"), (vector["name"], q)
                continue
            start, end = q["start"], q["end"]
            assert text[start:end] == q["exact"] == q["exact"].strip(" "), (vector["name"], q)
            before, after = text[:start], text[end:]
            assert before.endswith(q["prefix"]) and after.startswith(q["suffix"]), (vector["name"], q)
            assert_whole_words(q["prefix"][::-1], before[::-1], vector["name"])
            assert_whole_words(q["suffix"], after, vector["name"])
            checked += 1
    assert checked > 500
