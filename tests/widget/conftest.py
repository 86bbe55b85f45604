"""Fixtures for the reader-widget tests: no Django, no database, no desk server.

Two tiny http.server threads on 127.0.0.1 stand in for the world: the *site* (fixture pages from
``pages/`` and the canonical-text vectors) and the *desk* (the widget exactly as the server sends
it: the loader, the dialog part at its hashed path, and the site options). They listen on
different ports, so the widget's requests are cross-origin as on a real site. The report API is
not served at all: tests intercept ``**/api/v1/reports`` with ``page.route`` (see :class:`FakeApi`).
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import unquote

import axe_playwright_python
import pytest
from playwright.sync_api import expect

from tests.widget.helpers import DIALOG, SITE_KEY
from typodesk.widget.build import dialog_path, widget

REPO = Path(__file__).resolve().parents[2]
VECTORS = REPO / "src" / "typodesk" / "text" / "vectors.json"
PAGES = Path(__file__).resolve().parent / "pages"
# A strict policy, as a careful newsroom would send it: no inline script or style at all.
STRICT_CSP = "default-src 'none'; script-src {desk}; style-src 'self'; connect-src {desk}; base-uri 'none'"

# Selecting text for a test: the occurrence number `nth` of `needle` in the joined data of the
# text nodes under `scope` (raw DOM text: a needle may contain U+00AD, NBSP, NFD sequences…).
# The range starts in the node holding the needle's first character and ends in the node holding
# its last one. Returns the selection's toString().
SELECT_JS = """
([needle, nth, scope]) => {
  const root = document.querySelector(scope || 'body');
  const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
  const nodes = []; let all = '';
  for (let n; (n = walker.nextNode());) { nodes.push([n, all.length]); all += n.data; }
  let at = -1;
  for (let k = 0; k <= nth; k++) {
    at = all.indexOf(needle, at + 1);
    if (at < 0) throw new Error('not found: ' + JSON.stringify(needle) + ' #' + nth);
  }
  const first = off => nodes.findLast(([n, s]) => s <= off && off < s + n.data.length);
  const last = off => nodes.find(([n, s]) => s < off && off <= s + n.data.length);
  const [sn, ss] = first(at), [en, es] = last(at + needle.length);
  const range = document.createRange();
  range.setStart(sn, at - ss); range.setEnd(en, at + needle.length - es);
  const sel = getSelection(); sel.removeAllRanges(); sel.addRange(range);
  return sel.toString();
}
"""


def _handler(routes: dict[str, tuple[str, bytes, dict[str, str]]]) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 (http.server's naming)
            hit = routes.get(unquote(self.path.split("?")[0]))
            if hit is None:
                self.send_error(404)
                return
            ctype, body, headers = hit
            self.send_response(200)
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(body)))
            if "Cache-Control" not in headers:
                self.send_header("Cache-Control", "no-store")
            for k, v in headers.items():
                self.send_header(k, v)
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    return Handler


@dataclass
class Servers:
    site: str  # origin of the pages, e.g. http://127.0.0.1:4711
    desk: str  # origin serving widget.js (and, in real life, the API)
    html: dict[str, str] = field(default_factory=dict)  # page name -> HTML exactly as served
    routes: dict = field(default_factory=dict, repr=False)

    def add_page(self, path: str, html: str) -> str:
        """Serve ``html`` at ``path`` on the site origin; returns its URL.

        (Serve pages from the real server, not ``page.route``: Chromium counts a routed page as
        public address space and then refuses it the loopback desk, "Local Network Access".)
        """
        self.routes[path] = ("text/html; charset=utf-8", html.encode(), {})
        return self.site + path

    def url(self, name: str) -> str:
        return f"{self.site}/pages/{name}"

    def vector_url(self, index: int) -> str:
        return f"{self.site}/vector/{index}"


def _serve(routes: dict) -> tuple[ThreadingHTTPServer, str]:
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _handler(routes))
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    return httpd, f"http://127.0.0.1:{httpd.server_address[1]}"


@pytest.fixture(scope="session")
def servers() -> Iterator[Servers]:
    desk_routes: dict = {}
    site_routes: dict = {}
    desk, desk_origin = _serve(desk_routes)
    site, site_origin = _serve(site_routes)
    # What is tested is what ships: the committed build (test_widget_build.py: it is up to date).
    # Cached as the real server has them cached (typodesk.widget.views), which also makes the tests faster.
    js, public = "text/javascript; charset=utf-8", {"Access-Control-Allow-Origin": "*"}
    forever = {**public, "Cache-Control": "public, max-age=31536000, immutable"}
    desk_routes["/widget.js"] = (js, widget().loader.body, public)
    for dialog in widget().dialogs.values():
        desk_routes["/" + dialog_path(dialog.digest)] = (js, dialog.body, forever)
    desk_routes[f"/widget/site/{SITE_KEY}"] = ("application/json", b'{"email": false}', public)
    result = Servers(site=site_origin, desk=desk_origin, routes=site_routes)
    for path in sorted(PAGES.glob("*.html")):
        html = path.read_text(encoding="utf-8").replace("__DESK__", desk_origin)
        headers = {}
        if path.name.startswith("csp-"):
            headers["Content-Security-Policy"] = STRICT_CSP.format(desk=desk_origin)
        result.html[path.name] = html
        site_routes[f"/pages/{path.name}"] = ("text/html; charset=utf-8", html.encode(), headers)
    for i, vector in enumerate(json.loads(VECTORS.read_text(encoding="utf-8"))):
        site_routes[f"/vector/{i}"] = ("text/html; charset=utf-8", vector["html"].encode(), {})
    yield result
    for httpd in (desk, site):
        httpd.shutdown()
        httpd.server_close()


@pytest.fixture(scope="module")
def shared_context(browser):
    """One browser context per test module, a new page per test: a context costs a quarter of a
    second, and the widget keeps nothing in it but localStorage (cleared after each test)."""
    ctx = browser.new_context()
    yield ctx
    ctx.close()


@pytest.fixture
def own_context():
    """Ask for it to get a browser context of the test's own (a fake clock is per context)."""


@pytest.fixture
def context(request, browser, shared_context):
    if "own_context" in request.fixturenames:
        ctx = browser.new_context()
        yield ctx
        ctx.close()
    else:
        yield shared_context


@pytest.fixture
def page(context, servers):
    p = context.new_page()
    yield p
    if p.url.startswith(servers.site):
        p.evaluate("() => localStorage.clear()")  # reports kept for later stay with their test
    p.close()


@dataclass
class FakeApi:
    """Stands in for ``POST /api/v1/reports`` on the desk origin and records what was posted.

    ``answers`` is a queue of ``(status, json_body, extra_headers)`` or the string ``"abort"``
    (network failure); when it is empty, every report gets a 201.
    """

    site_origin: str
    answers: list = field(default_factory=list)
    requests: list = field(default_factory=list)  # (method, headers, body) of every call

    def handle(self, route, request) -> None:
        self.requests.append((request.method, request.headers, request.post_data))
        answer = (
            self.answers.pop(0) if self.answers else (201, {"id": 1, "finding": 1, "duplicate": False}, {})
        )
        if answer == "abort":
            route.abort("connectionfailed")
            return
        status, body, headers = answer
        route.fulfill(
            status=status,
            content_type="application/json",
            body=json.dumps(body),
            headers={
                "Access-Control-Allow-Origin": self.site_origin,
                "Access-Control-Expose-Headers": "Retry-After",
                **headers,
            },
        )

    @property
    def payloads(self) -> list[dict]:
        return [json.loads(body) for method, _, body in self.requests if method == "POST"]


@pytest.fixture
def api(page, servers) -> FakeApi:
    fake = FakeApi(site_origin=servers.site)
    page.route(f"{servers.desk}/api/v1/reports", fake.handle)
    return fake


@pytest.fixture
def open_page(page, servers):
    """Navigate to a fixture page and wait until the widget has loaded; returns its HTML."""

    def go(name: str) -> str:
        page.goto(servers.url(name), wait_until="domcontentloaded")  # the widget is deferred: it ran
        page.wait_for_function("() => window.typodesk !== undefined")
        return servers.html[name]

    return go


@pytest.fixture
def select(page):
    """Select the nth occurrence of raw DOM text (see SELECT_JS); returns what the page selected."""

    def sel(needle: str, nth: int = 0, scope: str = "body") -> str:
        return page.evaluate(SELECT_JS, [needle, nth, scope])

    return sel


@pytest.fixture
def site_options(page, servers):
    """Answer the dialog's question about the site (``GET /widget/site/KEY``) with ``options``."""

    def answer(**options) -> None:
        page.route(
            f"{servers.desk}/widget/site/{SITE_KEY}",
            lambda route: route.fulfill(
                status=200,
                content_type="application/json",
                body=json.dumps(options),
                headers={"Access-Control-Allow-Origin": "*"},
            ),
        )

    return answer


@pytest.fixture
def report(page, select):
    """Select ``needle`` (see SELECT_JS), press Ctrl+Enter and wait for the dialog; returns it."""

    def go(needle: str, nth: int = 0):
        select(needle, nth)
        page.keyboard.press("Control+Enter")
        dialog = page.locator(DIALOG)
        expect(dialog).to_be_visible()
        return dialog

    return go


AXE_JS = Path(axe_playwright_python.__file__).with_name("axe.min.js")  # axe-core, as that package ships it


@pytest.fixture
def axe(page):
    """Run axe-core in the page (open shadow roots included); returns its violations, condensed."""

    def run() -> list[dict]:
        if not page.evaluate("() => typeof axe !== 'undefined'"):
            page.evaluate(AXE_JS.read_text(encoding="utf-8"))
        return page.evaluate(
            """() => axe.run(document, {resultTypes: ['violations']}).then(r => r.violations.map(v => ({
                 id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.map(n => n.target)})))"""
        )

    return run
