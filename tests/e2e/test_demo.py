"""`typodesk demo`: the README's first command gives a new user a working loop."""

from __future__ import annotations

import re
import signal
import subprocess
import time

import pytest

from tests.conftest import TYPODESK, free_port

pytestmark = pytest.mark.browser


def test_demo_article_report_reaches_the_desk(install, context):
    env = dict(install.env)
    env.pop("DATABASE_URL", None)  # the demo is SQLite by definition
    port = free_port()
    proc = subprocess.Popen(
        [*TYPODESK, "demo", "--port", str(port)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    install.procs.append(proc)
    out = ""
    deadline = time.monotonic() + 60
    while "Stop with Ctrl+C" not in out:
        assert time.monotonic() < deadline and proc.poll() is None, out
        out += proc.stdout.readline()
    article = re.search(r"Demo article: (\S+)", out).group(1)
    desk_url = re.search(r"Editor desk:\s+(\S+)", out).group(1)
    email, password = re.search(r"log in as (\S+)\s+password (\S+)", out).groups()
    assert (install.data_dir / "typodesk.sqlite3").exists()

    page = context.new_page()
    for _ in range(100):  # the server starts listening just after printing
        try:
            page.goto(article)
            break
        except Exception:
            time.sleep(0.1)
    page.get_by_text("More then two thousand").wait_for()
    # Double-click selects one word, as a reader would.
    page.evaluate("""() => {
        const p = [...document.querySelectorAll('article p')].find(p => p.textContent.includes('recieved'));
        const node = [...p.childNodes].find(n => n.nodeType === 3 && n.data.includes('recieved'));
        const r = document.createRange(); const i = node.data.indexOf('recieved');
        r.setStart(node, i); r.setEnd(node, i + 'recieved'.length);
        getSelection().removeAllRanges(); getSelection().addRange(r);
    }""")
    page.keyboard.press("Control+Enter")
    page.locator("typodesk-widget dialog[open]").wait_for()
    page.keyboard.press("ControlOrMeta+a")
    page.keyboard.type("received")
    with page.expect_response(re.compile(r"/api/v1/reports$")) as resp:
        page.keyboard.press("Control+Enter")
    assert resp.value.status == 201

    desk = context.new_page()
    desk.goto(desk_url)
    desk.get_by_label("E-mail").fill(email)
    desk.get_by_label("Password").fill(password)
    desk.get_by_role("button", name="Log in").click()
    item = desk.locator("ol.findings > li").first
    assert item.locator("mark").inner_text() == "recieved"
    assert "received" in item.locator(".suggestions").inner_text()

    proc.send_signal(signal.SIGINT)
    assert proc.wait(15) == 0
