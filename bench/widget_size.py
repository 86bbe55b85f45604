"""What the reader widget costs a page: its gzipped sizes, and its main-thread time at load in Chromium.

    .venv/bin/python bench/widget_size.py [--runs 15] [--page FILE.html]

Sizes are of the committed build (``src/typodesk/widget/served``), gzipped at level 9, against the
budgets: 4 KB for what a page loads up front (the loader), 9 KB for everything (the loader and
the largest of the dialog parts, one per language). Exit status 1 when over budget. The
proof-of-work solver has no file of its own: the build puts it in front of the dialog's code
(typodesk/widget/build.py), so it is shown as its part of a dialog: its size alone, and what it
adds to the dialog gzipped; it is inside the 9 KB budget. The corrections note
(``served/corrections.js``), which only pages with ``data-corrections="on"`` load, is shown on its
own line against its own budget (1.5 KB).

The load cost is measured with Chromium's own tracing (Debian's /usr/bin/chromium, headless): a
news page (``../shared/fixtures/news-article.html`` when it is there, with its Orphus badge and a
hint line added) is loaded from a local server, and every trace event the renderer's main thread
spends in the widget is added up, as thread (CPU) time: compiling and running the script
(``EvaluateScript``) and its callbacks (``FunctionCall``) until the load event (the hint line and
the Orphus badge are set up at DOMContentLoaded), and separately its one callback after load, when
the browser is idle (the check for kept reports: the first localStorage read of the page).
Reported as min and median over ``--runs`` page loads, without and with a 4x CPU slowdown (a
mid-range phone). Also checked: requests to the desk during load (only the script), layouts
forced by the widget (none), and its longest event. For scale, the same is measured for a
one-line script that only touches ``document`` and ``navigator`` (see BASELINE_JS).
"""

from __future__ import annotations

import argparse
import gzip
import json
import statistics
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "src"))

from typodesk.widget.build import NOTE_BUDGET, TOTAL_BUDGET, UP_FRONT_BUDGET, dialog_path, widget  # noqa: E402

CHROMIUM = "/usr/bin/chromium"
SHARED_PAGE = REPO.parent / "shared" / "fixtures" / "news-article.html"
FALLBACK_PAGE = (
    '<!doctype html><html lang="en"><head><meta charset="utf-8"><title>News</title></head><body><main>'
    + "<article><h1>A story</h1>"
    + "<p>A paragraph of the story, long enough to matter.</p>" * 40
    + '</article></main><footer><a id="orphus" href="//orphus.ru"><img alt="Orphus" src="o.gif"></a></footer>'
    + "</body></html>"
)
CATEGORIES = ["devtools.timeline", "v8.execute", "disabled-by-default-devtools.timeline", "blink.user_timing"]
REFERENCES = [  # the figures for the widgets typodesk replaces
    ("Orphus 5.01", "3.6 KB gzipped, Ctrl+Enter only"),
    ("a modern rewrite of Orphus", "2.5 KB gzipped"),
    ("Hexlet reporter", "2.7 KB gzipped, plus a hosted iframe"),
    ("Mistape (WordPress)", "36 KB, plus jQuery"),
]


def serve(routes: dict[str, tuple[str, bytes]]) -> tuple[ThreadingHTTPServer, str]:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 (http.server's naming)
            hit = routes.get(self.path.split("?")[0])
            if hit is None:
                self.send_error(404)
                return
            ctype, body = hit
            self.send_response(200)
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(body)))
            self.send_header("Cache-Control", "no-store")
            self.send_header("Access-Control-Allow-Origin", "*")
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    return httpd, f"http://127.0.0.1:{httpd.server_address[1]}"


def widget_time(trace: dict, script_url: str) -> dict[str, float]:
    """The widget's main-thread time in one page load, in ms of thread (CPU) time.

    ``load``: compiling and running the script and its callbacks until the load event;
    ``idle``: its callbacks after it (the idle check for kept reports); ``longest``: its longest
    event; ``forced``: layouts that happened inside its events (forced by it).
    """
    events = trace["traceEvents"] if isinstance(trace, dict) else trace
    load = min((e["ts"] for e in events if e.get("name") == "MarkLoad"), default=float("inf"))
    ours = sorted(
        (
            e
            for e in events
            if e.get("ph") == "X"
            and e.get("name") in ("EvaluateScript", "FunctionCall")
            and ((e.get("args") or {}).get("data") or {}).get("url") == script_url
        ),
        key=lambda e: e["ts"],
    )
    out = {"load": 0.0, "idle": 0.0, "longest": 0.0, "forced": 0}
    end, spans = -1.0, []
    for e in ours:
        if e["ts"] < end:
            continue  # nested in the one before: counted there
        cpu = e.get("tdur", e["dur"]) / 1000  # thread time: what the page pays, whatever else runs
        out["load" if e["ts"] < load else "idle"] += cpu
        out["longest"] = max(out["longest"], cpu)
        end = e["ts"] + e["dur"]
        spans.append((e["tid"], e["ts"], end))
    out["forced"] = sum(
        1
        for e in events
        if e.get("name") == "Layout" and any(e["tid"] == t and a <= e["ts"] < b for t, a, b in spans)
    )
    return out


# The floor: a script that only touches document and navigator. The first script of a page pays
# Blink's one-time set-up of those objects for JavaScript; on a page with scripts of its own (any
# news site) they pay it, and the widget's cost is the difference.
BASELINE_JS = b"(()=>{document.currentScript.getAttribute('data-site');navigator.platform})();"


def load_once(browser, page_url: str, script_url: str, slowdown: int) -> tuple[dict, tuple[str, ...]]:
    """One traced page load: the script's times (widget_time) and the requests to its origin."""
    context = browser.new_context()
    try:
        page = context.new_page()
        requests: list[str] = []
        page.on("request", lambda r: requests.append(r.url))
        context.new_cdp_session(page).send("Emulation.setCPUThrottlingRate", {"rate": slowdown})
        browser.start_tracing(page=page, categories=CATEGORIES)
        page.goto(page_url, wait_until="load")
        page.wait_for_timeout(300)  # past the idle callback
        trace = json.loads(browser.stop_tracing())
    finally:
        context.close()
    origin = script_url.rsplit("/", 1)[0]
    return widget_time(trace, script_url), tuple(u for u in requests if u.startswith(origin))


def measure(runs: int, page_html: str) -> dict:
    from playwright.sync_api import sync_playwright

    w = widget()
    js = "text/javascript; charset=utf-8"
    desk_httpd, desk = serve(
        {
            "/widget.js": (js, w.loader.body),
            **{"/" + dialog_path(d.digest): (js, d.body) for d in w.dialogs.values()},
            "/baseline.js": (js, BASELINE_JS),
        }
    )
    page = page_html.replace("</footer>", "<p><span data-typodesk-hint></span></p></footer>")
    site_httpd, site = serve(
        {
            f"/{name}.html": (
                "text/html; charset=utf-8",
                page.replace(
                    "</body>", f'<script src="{desk}/{name}.js" data-site="bench" defer></script></body>'
                ).encode(),
            )
            for name in ("widget", "baseline")
        }
    )
    results: dict = {}
    try:
        with sync_playwright() as pw:
            browser = pw.chromium.launch(
                executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"], headless=True
            )
            for slowdown in (1, 4):
                for name in ("widget", "baseline"):
                    runs_out, desk_requests = [], set()
                    for _ in range(runs + 1):  # the first run warms Chromium up and is not counted
                        times, requests = load_once(
                            browser, f"{site}/{name}.html", f"{desk}/{name}.js", slowdown
                        )
                        runs_out.append(times)
                        desk_requests.add(requests)
                    runs_out = runs_out[1:]
                    load = [r["load"] for r in runs_out]
                    results[name, slowdown] = {
                        "min": min(load),
                        "median": statistics.median(load),
                        "idle": statistics.median(r["idle"] for r in runs_out),
                        "longest": max(r["longest"] for r in runs_out),
                        "forced_layouts": sum(r["forced"] for r in runs_out),
                        "desk_requests": sorted(desk_requests),
                    }
            results["chromium"] = browser.version
            browser.close()
    finally:
        for httpd in (desk_httpd, site_httpd):
            httpd.shutdown()
            httpd.server_close()
    return results


def kb(n: int) -> str:
    return f"{n / 1024:.2f} KB"


def gzipped(body: bytes) -> int:
    return len(gzip.compress(body, compresslevel=9, mtime=0))


def pow_solver(dialog: bytes) -> tuple[bytes, int]:
    """The proof-of-work solver's minified code (the dialog's code before its ``export default``,
    where the build puts it) and how much it adds to the gzipped dialog."""
    end = dialog.find(b"export default")
    solver = dialog[:end] if end > 0 else b""
    if b"crypto.subtle.digest" not in solver:
        raise SystemExit("the proof-of-work solver is not where widget/build.py puts it in served/dialog.js")
    return solver, gzipped(dialog) - gzipped(dialog[end:])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--page", type=Path, help="an HTML page to load (default: the shared news article)")
    args = parser.parse_args()
    w = widget()
    up_front, dialog = w.loader.gzipped, w.dialog.gzipped
    total = up_front + dialog
    solver, solver_adds = pow_solver(w.dialog.body)
    print("typodesk widget: size (raw, gzipped)")
    for label, name, raw, gz, note in (
        ("up front", "served/widget.js", len(w.loader.body), up_front, f"budget {kb(UP_FRONT_BUDGET)}"),
        (
            "on use",
            "served/dialog.*.js",
            len(w.dialog.body),
            dialog,
            "the largest of the languages' dialogs ("
            + ", ".join(f"{lang} {d.gzipped} B" for lang, d in w.dialogs.items())
            + ")",
        ),
        ("in all", "", len(w.loader.body) + len(w.dialog.body), total, f"budget {kb(TOTAL_BUDGET)}"),
        (
            "pow",
            "in dialog.js",
            len(solver),
            gzipped(solver),
            f"the proof-of-work solver, alone; adds {solver_adds} B to dialog.js gzipped, "
            f"within the {kb(TOTAL_BUDGET)} budget in all ({TOTAL_BUDGET - total} B left)",
        ),
        (
            "note",
            "corrections.js",
            len(w.note.body),
            w.note.gzipped,
            f'the corrections note, only with data-corrections="on"; budget {kb(NOTE_BUDGET)} of its own',
        ),
    ):
        print(f"  {label:<9} {name:<15} {kb(raw):>9}  {kb(gz):>8}  ({note})")
    print("  for comparison: " + "; ".join(f"{name} {what}" for name, what in REFERENCES))
    page = args.page or (SHARED_PAGE if SHARED_PAGE.is_file() else None)
    html = page.read_text(encoding="utf-8") if page else FALLBACK_PAGE
    results = measure(args.runs, html)
    print(f"\ntypodesk widget: main-thread time at page load ({results['chromium']}, {args.runs} loads of "
          f"{page.name if page else 'a built-in page'})")  # fmt: skip
    for slowdown in (1, 4):
        r, floor = results["widget", slowdown], results["baseline", slowdown]
        label = "no throttling" if slowdown == 1 else f"{slowdown}x CPU slowdown"
        print(
            f"  {label:<17} min {r['min']:.2f} ms  median {r['median']:.2f} ms"
            f"  (a one-line script: median {floor['median']:.2f} ms)"
            f"  after load, when idle: {r['idle']:.2f} ms"
        )
    r = results["widget", 1]
    requests = sorted({u for rs in r["desk_requests"] for u in rs})
    print(
        f"  longest event {r['longest']:.2f} ms, forced layouts {r['forced_layouts']}, requests to the desk"
    )
    print(f"  during load: {len(requests)} ({', '.join(requests)})")
    over = up_front > UP_FRONT_BUDGET or total > TOTAL_BUDGET or w.note.gzipped > NOTE_BUDGET
    if over:
        print("OVER BUDGET", file=sys.stderr)
    return 1 if over else 0


if __name__ == "__main__":
    sys.exit(main())
