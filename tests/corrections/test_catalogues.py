"""The corrections' own catalogues: besides the desk's Russian and Azerbaijani (checked with the
other apps' in tests/desk/test_i18n.py), Turkish and Ukrainian, the other languages a site's
public corrections page, feed and prefilled text speak."""

from __future__ import annotations

import subprocess

import pytest
from django.urls import reverse

from tests.desk.test_i18n import SRC, entries, placeholders
from typodesk.corrections.services import publish
from typodesk.findings.services import Quote, record_report

PLURALS = {"tr": 2, "uk": 3}
ENGLISH = ["Corrections", "Correction", "Newest first", "Atom feed", "Older corrections", "Page 1 of"]


@pytest.mark.parametrize("lang", ["tr", "uk"])
def test_catalogue_is_complete_and_compiled(lang, tmp_path):
    po = SRC / "corrections" / "locale" / lang / "LC_MESSAGES" / "django.po"
    items = entries(po)
    header = next(e for e in items if e["msgid"] == "")
    assert f"Language: {lang}\n" in header["msgstr"]
    assert f"nplurals={PLURALS[lang]};" in header["msgstr"]
    for e in items[1:]:
        assert "fuzzy" not in e["flags"], e["msgid"]
        forms = (
            [e.get(f"msgstr[{i}]") for i in range(PLURALS[lang])] if "msgid_plural" in e else [e["msgstr"]]
        )
        assert all(forms), e["msgid"]
        for form in forms:
            assert placeholders(form) == placeholders(e["msgid"]), e["msgid"]
    fresh = tmp_path / "django.mo"
    subprocess.run(["msgfmt", "--check", "-o", str(fresh), str(po)], check=True, capture_output=True)
    assert fresh.read_bytes() == po.with_suffix(".mo").read_bytes(), "compile the .po (msgfmt)"


@pytest.mark.django_db
@pytest.mark.parametrize("lang", ["tr", "uk", "ru", "az"])
def test_the_public_page_has_no_english_left(client, make_site, make_user, lang):
    editor = make_user()
    site = make_site(members=[(editor, "editor")])
    site.default_language = lang
    site.save()
    for i in range(21):  # two pages: the pager speaks too
        f = record_report(
            site, url=f"https://news.example/{i}", quote=Quote("teh", "", "", 0, 3), title="X"
        ).finding
        publish(f, editor, text="…", kind="correction" if i % 2 else "clarification", title="T")
    html = client.get(reverse("corrections-public:page", args=[site.public_key])).content.decode()
    assert f'<html lang="{lang}">' in html
    for word in ENGLISH:
        assert word not in html, (lang, word)
