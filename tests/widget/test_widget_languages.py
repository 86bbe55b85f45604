"""Languages: the widget speaks the page's language (``<html lang>``, or ``data-lang``) with az, ru,
en, tr and uk built in and plain English otherwise; the hint line names the reader's shortcut; a
site may replace any string (``data-strings``, and ``data-hint`` for the hint line)."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.widget.helpers import DIALOG

pytestmark = pytest.mark.browser

LANGUAGES = {
    # page: (code, selected words, title, suggestion label, send, thanks, hint)
    "article.html": ("en", "jumpd", "Report a mistake", "Suggested correction", "Send",
                     "Thank you! The editors have received your report.",
                     "Found a mistake? Select it and press Ctrl+Enter."),
    "ru.html": ("ru", "ошыбка", "Сообщить об ошибке", "Предлагаемое исправление", "Отправить",
                "Спасибо! Редакция получила ваше сообщение.",
                "Нашли ошибку? Выделите её и нажмите Ctrl+Enter."),
    "uk.html": ("uk", "ґрунтову", "Повідомити про помилку", "Запропоноване виправлення", "Надіслати",
                "Дякуємо! Редакція отримала ваше повідомлення.",
                "Знайшли помилку? Виділіть її та натисніть Ctrl+Enter."),
    "az.html": ("az", "gözəlik", "Səhv barədə xəbər verin", "Təklif olunan düzəliş", "Göndər",
                "Təşəkkür edirik! Redaksiya bildirişinizi aldı.",
                "Səhv tapdınız? Onu seçin və Ctrl+Enter düymələrini basın."),
    "tr.html": ("tr", "şöför", "Hata bildir", "Önerilen düzeltme", "Gönder",
                "Teşekkürler! Bildiriminiz editörlere ulaştı.",
                "Bir hata mı buldunuz? Seçip Ctrl+Enter tuşlarına basın."),
}  # fmt: skip


@pytest.mark.parametrize("name", list(LANGUAGES), ids=[v[0] for v in LANGUAGES.values()])
def test_each_built_in_language(page, api, open_page, report, name):
    code, needle, title, label, send, thanks, hint = LANGUAGES[name]
    open_page(name)
    expect(page.locator("[data-typodesk-hint]")).to_have_text(hint)
    dialog = report(needle)
    expect(dialog).to_have_attribute("lang", code)
    expect(dialog).to_have_accessible_name(title)
    expect(dialog.get_by_label(label)).to_have_value(needle)
    dialog.get_by_role("button", name=send).click()
    expect(dialog.get_by_role("status")).to_have_text(thanks)


def test_uk_from_data_lang_on_an_english_page(page, open_page):
    open_page("uk.html")  # <html lang="en">, data-lang="uk" on the script tag
    assert page.evaluate("() => document.documentElement.lang") == "en"
    expect(page.locator("[data-typodesk-hint]")).to_have_attribute("data-typodesk-hint", "")
    assert page.locator("[data-typodesk-hint]").evaluate("h => h.shadowRoot.firstChild.lang") == "uk"


def test_site_strings_replace_the_built_in_ones(page, api, open_page, report):
    open_page("custom.html")
    expect(page.locator("[data-typodesk-hint]")).to_have_text("Typo? Highlight it, then Ctrl+Enter!")
    dialog = report("mistkae")
    expect(dialog).to_have_accessible_name("Flag a typo")
    expect(dialog.get_by_label("Your fix")).to_have_value("mistkae")
    expect(dialog.get_by_label("Comment (optional)")).to_be_visible()  # the others stay
    page.keyboard.press("Control+Enter")
    expect(dialog.get_by_role("status")).to_have_text("Got it, thanks!")


def test_a_mac_reader_is_told_cmd_enter(page, open_page):
    page.add_init_script("Object.defineProperty(Navigator.prototype, 'platform', {get: () => 'MacIntel'})")
    open_page("article.html")
    expect(page.locator("#hint")).to_have_text("Found a mistake? Select it and press Cmd+Enter.")
    page.evaluate("() => typodesk.open()")  # nothing selected: the dialog says the same
    expect(page.locator(DIALOG).get_by_role("status")).to_have_text(
        "Found a mistake? Select it and press Cmd+Enter."
    )
