"""A refused report is told in the dialog's own language, from the API's ``code`` and
``retry_after`` rather than the server's English ``error``; the wait in the language's plural
forms (Intl.PluralRules). A page loads the dialog of its own language only."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from typodesk.widget.build import widget

pytestmark = pytest.mark.browser

RU_WAIT = "Слишком много сообщений. Повторите попытку через {}."
AZ_WAIT = "Həddən artıq çox bildiriş göndərilib. {} sonra yenidən cəhd edin."


def refusal(status: int, code: str, retry_after: int | None = None, headers: bool = True) -> tuple:
    """An answer as the report endpoint gives it, with its English message."""
    body = {"error": f"Too many reports. Please try again in {retry_after} seconds.", "field": None}
    body.update(code=code, retry_after=retry_after)
    extra = {"Retry-After": str(retry_after)} if retry_after and headers else {}
    return status, body, extra


@pytest.mark.parametrize(
    ("n", "words"),
    [
        (1, "1 секунду"),
        (2, "2 секунды"),
        (5, "5 секунд"),
        (21, "21 секунду"),
        (57, "57 секунд"),
        (112, "112 секунд"),
    ],
)
def test_429_in_russian_with_its_plural_forms(page, api, open_page, report, n, words):
    open_page("ru.html")
    api.answers.append(refusal(429, "rate_limited", n))
    dialog = report("ошыбка")
    page.keyboard.press("Control+Enter")
    expect(dialog.get_by_role("status")).to_have_text(RU_WAIT.format(words))
    # The report is still there, to be sent when the wait is over.
    expect(dialog.get_by_label("Предлагаемое исправление")).to_have_value("ошыбка")
    expect(dialog.get_by_role("button", name="Отправить")).to_be_visible()


@pytest.mark.parametrize(("n", "words"), [(1, "1 saniyə"), (57, "57 saniyə")])
def test_429_in_azerbaijani(page, api, open_page, report, n, words):
    open_page("az.html")
    # Without Retry-After among the headers it may read (a proxy that drops the expose header):
    # the body's retry_after says it.
    api.answers.append(refusal(429, "rate_limited", n, headers=False))
    dialog = report("gözəlik")
    page.keyboard.press("Control+Enter")
    expect(dialog.get_by_role("status")).to_have_text(AZ_WAIT.format(words))
    expect(dialog).to_have_attribute("lang", "az")


def test_blocked_and_other_refusals_in_the_readers_language(page, api, open_page, report):
    open_page("ru.html")
    api.answers.append(refusal(403, "blocked"))
    api.answers.append(refusal(403, "domain"))
    dialog = report("ошыбка")
    page.keyboard.press("Control+Enter")
    expect(dialog.get_by_role("status")).to_have_text(
        "Сообщения с вашего подключения на этом сайте заблокированы."
    )
    page.keyboard.press("Control+Enter")
    expect(dialog.get_by_role("status")).to_have_text("Сообщение не принято. (domain)")
    assert "Too many" not in dialog.inner_text()


def test_a_page_loads_its_own_languages_dialog_only(page, api, servers, open_page, report):
    requests = []
    page.on("request", lambda r: requests.append(r.url))
    open_page("az.html")
    report("gözəlik")
    dialogs = [u for u in requests if "/widget/dialog." in u]
    assert dialogs == [f"{servers.desk}/widget/dialog.{widget().dialogs['az'].digest}.js"]
