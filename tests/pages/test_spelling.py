"""The spell checker's own suggestion, computed by the worker with the site's own words."""

from __future__ import annotations

import pytest

from tests.pages.conftest import article, fresh, read_due_pages, spell_check
from typodesk.findings.models import Finding
from typodesk.pages.models import PageCheck, SiteWord
from typodesk.pages.vocabulary import learn_page, site_vocabulary, trusted_words
from typodesk.spelling import status

pytestmark = pytest.mark.django_db
S = Finding.Spelling

needs_english = pytest.mark.skipif(not status("en").available, reason="no English dictionary here")

PEOPLE = article("Refugees returned to Aghdam this week, and the peeple of the town were happy.")
OTHER = article("A new school opened in Aghdam on Monday, the governor of the region said.")


@needs_english
def test_the_suggestion_is_computed_by_the_worker_not_in_the_report_request(server, report):
    server.pages["/story"] = PEOPLE
    finding = report("/story", "peeple")
    assert fresh(finding).spell_status == S.PENDING and finding.spell_suggestion == ""
    assert spell_check() == 1
    f = fresh(finding)
    assert f.spell_status == S.SUGGESTED and f.spell_suggestion == "people"
    assert spell_check() == 0  # done once


@needs_english
def test_a_correct_quote_gets_no_suggestion(server, report):
    server.pages["/story"] = PEOPLE
    finding = report("/story", "returned")
    spell_check()
    assert fresh(finding).spell_status == S.NONE and finding.spell_suggestion == ""


@needs_english
def test_the_sites_own_names_are_never_corrected_once_its_pages_were_read(server, report):
    server.pages["/story"] = PEOPLE
    server.pages["/other"] = OTHER
    server.pages["/third"] = article("Returning to Aghdam, the peeple said they had hoped for this.")
    # Without the site's words, a dictionary takes the name for a typo.
    first = report("/story", "the peeple of the town", after="Aghdam")
    assert spell_check() == 1
    assert fresh(first).spell_suggestion == "the people of the town"
    # Two pages of the site use the name: it becomes one of the site's words.
    report("/other", "school")
    read_due_pages()
    assert "Aghdam" in trusted_words(first.site_id)
    finding = report("/third", "Aghdam, the peeple")
    spell_check()
    assert fresh(finding).spell_suggestion == "Aghdam, the people"


@needs_english
def test_a_word_that_left_a_page_is_forgotten(server, report, site):
    server.pages["/a"] = article("The Zanqilan bridge was opened.")
    server.pages["/b"] = article("Traffic on the Zanqilan road is heavy.")
    report("/a", "bridge")
    report("/b", "heavy")
    read_due_pages()
    assert SiteWord.objects.get(site=site, key="zanqilan").pages == 2
    assert SiteWord.objects.get(site=site, key="zanqilan").languages == ",en,"
    check = PageCheck.objects.get(page__url=server.url("/b"))
    learn_page(check, "Traffic on the Zangilan road is heavy.", "en")  # the typo was fixed
    assert SiteWord.objects.get(site=site, key="zanqilan").pages == 1
    assert "Zanqilan" not in site_vocabulary(site.pk).words()
    learn_page(check, "Traffic on the Zangilan road is heavy.", "en")  # the same text: nothing new
    assert SiteWord.objects.get(site=site, key="zangilan").pages == 1


def test_a_language_without_a_dictionary_is_said_to_be_off(server, report):
    server.pages["/story"] = article("Das ist ein Tesst.", lang="de")
    finding = report("/story", "Tesst", lang="de")
    spell_check()
    assert fresh(finding).spell_status == S.OFF and finding.spell_suggestion == ""


def test_without_any_language_the_spell_checker_is_off(server, report):
    server.pages["/story"] = article("It was teh best of times.")
    finding = report("/story", "teh", lang="")
    spell_check()
    assert fresh(finding).spell_status == S.OFF


@needs_english
def test_the_pages_own_lang_is_used_when_the_report_had_none(server, report):
    server.pages["/story"] = PEOPLE
    finding = report("/story", "peeple", lang="")
    read_due_pages()  # the page says <html lang="en">
    spell_check()
    assert fresh(finding).spell_suggestion == "people"
