"""`typodesk demo`: the README's first command shows a newcomer the whole loop.

One walk, as a newcomer takes it, on a fresh data directory with `typodesk demo` as a real
subprocess (its worker in the same process, its SMTP mailbox, its page reader reading its own
article on 127.0.0.1): a reader selects a mistake with the mouse, presses Ctrl+Enter as Chromium
sends it, types a correction over the selected quote, leaves an address and sends; the editor sees
the reader's suggestion and the spell checker's in the desk and the notification in the demo
mailbox; corrects the article in the demo CMS and publishes; the finding turns "fixed on the page"
with the replacement, and the reader's thank-you mail is in the mailbox. A finding marked fixed
without changing the article comes back "still on the page".

With ``TYPODESK_DEMO_SCREENSHOTS=DIR`` the walk saves the README's tour screenshots in DIR; the
ones in docs/ are made with ``TYPODESK_DEMO_SCREENSHOTS=docs .venv/bin/python -m pytest -n 0
tests/e2e/test_demo.py``.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import threading
from collections.abc import Callable
from pathlib import Path

import pytest
from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import Page, expect

from tests.conftest import TYPODESK, free_port
from tests.waiting import wait_until

# The demo is SQLite by definition: the PostgreSQL pass would repeat this walk unchanged.
pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.one_pass]

READER = "reader@example.org"
DIALOG = "typodesk-widget dialog[open]"
WAIT = 120.0  # at most, for one of the worker's steps; each takes one or two seconds in practice


def start_demo(install) -> tuple[subprocess.Popen, str]:
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
    lines: list[str] = []

    def ready() -> bool:
        assert proc.poll() is None, "".join(lines)
        lines.append(proc.stdout.readline())
        return "Stop with Ctrl+C" in "".join(lines)

    wait_until(ready, message="the demo says how to stop it", interval=0)
    out = "".join(lines)
    # Keep reading what it logs: a full pipe would stop the server in its next write.
    threading.Thread(target=proc.stdout.read, daemon=True).start()
    return proc, out


def open_when_up(page: Page, url: str) -> None:
    """The server starts listening just after printing: until then the page does not load."""
    wait_until(lambda: page.goto(url) or True, message=f"{url} loaded", retry_on=(PlaywrightError,))


def until(page: Page, check: Callable[[], bool], what: str) -> None:
    """Reload ``page`` until ``check()`` holds: the worker does its part in the background."""

    def done() -> bool:
        if check():
            return True
        page.reload()
        return False

    wait_until(done, WAIT, what, interval=0.5)


def double_click_word(page: Page, word: str) -> None:
    """Select ``word`` in the article the way a reader does: a double click on it, with the mouse."""
    box = page.evaluate(
        """(word) => {
            const walker = document.createTreeWalker(document.querySelector('article'), NodeFilter.SHOW_TEXT);
            for (let n; (n = walker.nextNode());) {
                const i = n.data.indexOf(word);
                if (i < 0) continue;
                const r = document.createRange(); r.setStart(n, i); r.setEnd(n, i + word.length);
                const b = r.getBoundingClientRect();
                return {x: b.x + b.width / 2, y: b.y + b.height / 2};
            }
            return null;
        }""",
        word,
    )
    assert box, word
    page.mouse.dblclick(box["x"], box["y"])
    assert page.evaluate("() => getSelection().toString().trim()") == word


def report(page: Page, word: str, correction: str | None, email: str | None = None) -> None:
    double_click_word(page, word)
    page.keyboard.press("Control+Enter")
    dialog = page.locator(DIALOG)
    expect(dialog).to_be_visible()
    if correction is not None:
        page.keyboard.type(correction)  # the quote is selected: typing replaces it
        expect(dialog.get_by_label("Suggested correction")).to_have_value(correction)
    if email:
        dialog.get_by_label("E-mail me when it is fixed").fill(email)
        dialog.get_by_label("Suggested correction").focus()
    with page.expect_response(re.compile(r"/api/v1/reports$")) as resp:
        page.keyboard.press("Control+Enter")
    assert resp.value.status == 201
    expect(dialog.get_by_role("status")).to_have_text(re.compile("Thank"))


def test_the_newcomers_whole_loop(install, context, tmp_path):
    shots = Path(os.environ.get("TYPODESK_DEMO_SCREENSHOTS") or tmp_path)
    proc, out = start_demo(install)
    article = re.search(r"Demo article: (\S+)", out).group(1)
    desk_url = re.search(r"Editor desk:\s+(\S+)", out).group(1)
    mailbox_url = re.search(r"Demo mailbox: (\S+)", out).group(1)
    email, password = re.search(r"log in as (\S+)\s+password (\S+)", out).groups()
    assert (install.data_dir / "typodesk.sqlite3").exists()
    # The three things to try, in order, in the output and in the article's side box.
    assert re.search(r"1\. .*Ctrl\+Enter.*\n.*\n\s+2\. .*desk.*\n\s+3\. Edit the article", out), out
    assert "spell checker is off" not in out  # Hunspell and its dictionaries are installed here

    # 1. A reader reports a mistake with a typed correction and an address.
    page = context.new_page()
    page.set_viewport_size({"width": 1100, "height": 760})
    open_when_up(page, article)
    steps = page.locator("aside ol.steps > li")
    expect(steps).to_have_count(3)
    expect(steps.nth(0)).to_contain_text("Report a mistake")
    expect(steps.nth(2)).to_contain_text("Edit this article")
    double_click_word(page, "recieved")
    page.keyboard.press("Control+Enter")
    dialog = page.locator(DIALOG)
    expect(dialog).to_be_visible()
    page.keyboard.type("received")
    dialog.get_by_label("E-mail me when it is fixed").fill(READER)
    dialog.get_by_label("Suggested correction").focus()
    expect(dialog.get_by_label("Suggested correction")).to_have_value("received")
    page.screenshot(path=shots / "demo-1-report.png")
    with page.expect_response(re.compile(r"/api/v1/reports$")) as resp:
        page.keyboard.press("Control+Enter")
    assert resp.value.status == 201
    expect(dialog.get_by_role("status")).to_have_text(re.compile("Thank"))
    # A second mistake, reported as it is: this one the editor will mark fixed without editing.
    page.keyboard.press("Escape")
    report(page, "it's", None)

    # 2. The desk: the reader's suggestion, and the spell checker's.
    desk = context.new_page()
    desk.set_viewport_size({"width": 1100, "height": 900})
    desk.goto(desk_url)
    desk.get_by_label("E-mail").fill(email)
    desk.get_by_label("Password").fill(password)
    desk.get_by_role("button", name="Log in").click()
    item = desk.locator("ol.findings > li").filter(has=desk.locator("mark", has_text="recieved"))
    expect(item.locator("a.fix ins")).to_have_text("received")  # the one-line row: ~~recieved~~ → received
    item.locator("a").first.click()
    finding_url = desk.url
    until(desk, lambda: desk.locator(".spell-suggestion").count() > 0, "the spell checker's suggestion")
    expect(desk.locator(".spell-suggestion")).to_have_text("Suggested by the spell checker: received")
    expect(desk.locator("ol.suggestions-diff")).to_contain_text("received")
    until(desk, lambda: "Page last read" in desk.locator(".page-reading").inner_text(), "the first reading")
    expect(desk.locator(".page-reading")).not_to_contain_text("failed")
    desk.screenshot(path=shots / "demo-2-desk.png")

    # The editors' notification of the new finding is in the demo mailbox.
    mail = context.new_page()
    mail.goto(mailbox_url)
    until(mail, lambda: mail.locator(".demo-mail").count() > 0, "the editors' notification")
    expect(mail.locator(".demo-mail").last.locator(".to")).to_have_text(email)

    # 3. Fix it: the finding page leads to the demo CMS; correct the word and publish.
    desk.get_by_role("link", name="Edit this article").click()
    body = desk.get_by_label("Text")
    body.fill(body.input_value().replace("We recieved letters", "We received letters"))
    desk.get_by_role("button", name="Publish").click()
    expect(desk.locator(".messages")).to_contain_text("Published")
    expect(desk.locator("article")).to_contain_text("We received letters")
    desk.goto(finding_url)
    until(desk, lambda: desk.locator(".verification-fixed_on_page").count() > 0, "fixed on the page")
    expect(desk.locator(".verification .badge")).to_have_text("Fixed on the page")
    expect(desk.locator(".evidence-after ins")).to_have_text("received")

    # The reader's thank-you mail.
    thanks = mail.locator(".demo-mail").filter(has=mail.locator(".to", has_text=READER))
    until(mail, lambda: thanks.count() > 0, "the reader's mail")
    expect(thanks.locator(".subject")).to_have_text("Fixed: the mistake you reported on Demo Gazette")
    expect(thanks.locator(".body")).to_contain_text("received")
    mail.set_viewport_size({"width": 1100, "height": 900})
    desk.screenshot(path=shots / "demo-3-fixed.png")
    mail.screenshot(path=shots / "demo-3-mailbox.png")

    # Marked fixed without changing the article: typodesk finds it still on the page.
    desk.goto(desk_url)
    second = desk.locator("ol.findings > li").filter(has=desk.locator("mark", has_text="it's"))
    second.locator("a").first.click()
    desk.get_by_role("button", name="Mark fixed").click()
    until(desk, lambda: desk.locator(".verification-still_on_page").count() > 0, "still on the page")
    expect(desk.locator(".verification .badge")).to_have_text("Still on the page")

    proc.send_signal(signal.SIGINT)
    assert proc.wait(15) == 0
