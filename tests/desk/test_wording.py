"""Words the desk shows in its three languages: the history's automatic lines said in the desk's
language (and old English lines still readable), Azerbaijani's "Aktiv"/"Deaktiv", "parol" and
month names in lower case, Russian "Горячие клавиши", and no "p.m.." after an English time."""

from __future__ import annotations

import re
from datetime import datetime, timedelta

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse
from django.utils import formats, timezone, translation

from tests.abuse.conftest import _fresh_policies, body, post, site  # noqa: F401 (fixtures)
from typodesk.abuse.models import BlockedWord
from typodesk.findings.models import Finding, StatusChange


def desk_in(lang: str, user) -> Client:
    c = Client()
    c.cookies[settings.LANGUAGE_COOKIE_NAME] = lang
    c.force_login(user)
    return c


def history_text(html: str) -> str:
    part = html[html.index('<ol class="history">') :]
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", part[: part.index("</ol>")]))


@pytest.mark.django_db(transaction=True)
def test_the_spam_line_of_the_history_follows_the_desk_language(client, site, make_user):  # noqa: F811
    from typodesk.sites.models import Membership

    editor = make_user("editor@news.example", None)
    Membership.objects.create(site=site, user=editor, role="editor")
    BlockedWord.objects.create(site=site, word="казино")
    r = post(client, body(site, comment="Лучшее Казино тут https://a.example https://b.example"))
    f = Finding.objects.get(pk=r.json()["finding"])
    assert f.status == "spam"
    row = f.history.get()
    # Stored as a code and its values; the English sentence stays for the API and the exports.
    assert row.code == "spam" and row.params["reasons"][0] == {
        "kind": "word",
        "field": "comment",
        "word": "Казино",
    }
    assert row.note == "Automatically: the blocked word “Казино” in the comment; 2 links in the comment"
    url = reverse("desk:finding", args=[f.pk])
    en = history_text(desk_in("en", editor).get(url).content.decode())
    ru = history_text(desk_in("ru", editor).get(url).content.decode())
    az = history_text(desk_in("az", editor).get(url).content.decode())
    assert "Automatically: the blocked word “Казино” in the comment; 2 links in the comment" in en
    assert "Автоматически: запрещённое слово «Казино» в комментарии; 2 ссылки в комментарии" in ru
    assert "Avtomatik: şərhdə qadağan olunmuş “Казино” sözü; şərhdə 2 keçid" in az
    assert "Automatically" not in ru + az


@pytest.mark.django_db
def test_page_reader_lines_are_translated_and_old_lines_stay_readable(make_user, make_site):
    from typodesk.findings.services import Quote, record_report

    editor = make_user("editor@news.example", None)
    site = make_site(members=[(editor, "editor")])  # noqa: F811
    f = record_report(
        site, url="https://news.example/a", quote=Quote("teh", "It was ", " end", 7, 10), title="A"
    ).finding
    StatusChange.objects.create(
        finding=f,
        old_status="new",
        new_status="fixed",
        note="Fixed on the page: “teh” now reads “the”.",
        code="fixed-replaced",
        params={"exact": "teh", "replacement": "the"},
    )
    # A row from before codes: its stored English, as it was.
    StatusChange.objects.create(
        finding=f, old_status="fixed", new_status="fixed", note="Fix verified: the quoted text is gone."
    )
    url = reverse("desk:finding", args=[f.pk])
    ru = history_text(desk_in("ru", editor).get(url).content.decode())
    assert "Исправлено на странице: вместо «teh» теперь «the»." in ru
    assert "Fix verified: the quoted text is gone." in ru
    az = history_text(desk_in("az", editor).get(url).content.decode())
    assert "Səhifədə düzəldilib: “teh” indi “the” kimi yazılıb." in az


@pytest.mark.django_db
def test_azerbaijani_words(make_user, make_site):
    owner = make_user("owner@news.example", None)
    site = make_site(members=[(owner, "owner")])  # noqa: F811
    az = desk_in("az", owner)
    protection = az.get(reverse("abuse:protection", args=[site.public_key])).content.decode()
    assert "Deaktivdir." in protection and "önülü" not in protection
    account = az.get(reverse("accounts:security")).content.decode()
    assert "Deaktivdir" in account and "anılı" not in account and "önülü" not in account
    change = az.get(reverse("accounts:password-change")).content.decode()
    assert "Köhnə parol" in change and "Yeni parol" in change
    assert "ifrə" not in change.lower()
    # Month names inside a date in lower case, from the formats as from the templates.
    day = datetime(2026, 12, 5, 15, 4, tzinfo=timezone.get_current_timezone())
    with translation.override("az"):
        assert formats.date_format(day, "DATETIME_FORMAT") == "5 dekabr 2026, 15:04"
        assert formats.date_format(day, "MONTH_DAY_FORMAT") == "5 dekabr"
    with translation.override("ru"):
        assert formats.date_format(day, "MONTH_DAY_FORMAT") == "5 декабря"


@pytest.mark.django_db
def test_russian_keyboard_help_title(make_user, make_site):
    editor = make_user("editor@news.example", None)
    make_site(members=[(editor, "editor")])
    html = desk_in("ru", editor).get(reverse("desk:inbox")).content.decode()
    assert "Горячие клавиши" in html and "Клавиатурные сокращения" not in html


@pytest.mark.django_db
def test_an_english_time_before_a_full_stop_has_one_period(make_user, make_site):
    from typodesk.sites.models import Domain

    owner = make_user("owner@news.example", None)
    site = make_site(members=[(owner, "owner")])  # noqa: F811
    afternoon = timezone.now().replace(hour=15, minute=4) - timedelta(days=1)
    Domain.objects.filter(site=site).update(verified_at=None, checked_at=afternoon, check_result="nothing")
    html = desk_in("en", owner).get(reverse("sites:settings", args=[site.public_key])).content.decode()
    assert "Last checked" in html and "3:04 PM. Found:" in html
    assert "p.m.." not in html and "a.m.." not in html
