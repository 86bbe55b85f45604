"""What editors see of the page reader in the desk, and the "Re-check the page now" button."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tests.pages.conftest import STORY, article, fresh, read_due_pages, spell_check
from typodesk.findings.services import set_status
from typodesk.pages.models import PageCheck
from typodesk.sites.models import Membership
from typodesk.spelling import status

pytestmark = pytest.mark.django_db


@pytest.fixture
def logged_in(client, editor):
    client.force_login(editor)
    return client


def page_of(client, finding) -> str:
    r = client.get(reverse("desk:finding", args=[finding.pk]))
    assert r.status_code == 200
    return r.content.decode()


def test_a_fix_found_on_the_page_is_shown_with_its_evidence(logged_in, server, report):
    server.pages["/story"] = STORY
    finding = report("/story", "teh")
    read_due_pages()
    server.pages["/story"] = STORY.replace("teh best", "the best")
    PageCheck.objects.filter(page=finding.page).update(due_at=None)
    r = logged_in.post(reverse("desk:finding-recheck", args=[finding.pk]), follow=True)
    assert "will be read again" in r.content.decode()
    read_due_pages()
    html = page_of(logged_in, finding)
    assert "Fixed on the page" in html
    assert "Reported: " in html and "<del>teh</del>" in html
    assert "On the page now: " in html and "<ins>the</ins>" in html
    assert "“teh” now reads “the”" in html and '<span class="actor">the page reader</span>' in html
    assert "Page last read" in html


def test_still_on_the_page_and_text_gone_are_shown(logged_in, server, report, editor):
    server.pages["/story"] = STORY
    still = report("/story", "trafic")
    gone = report("/story", "teh")
    read_due_pages()
    set_status(still, "fixed", editor)
    set_status(gone, "fixed", editor)
    server.pages["/story"] = STORY.replace("It was teh best of times in the old town, and", "")
    read_due_pages()
    assert fresh(still).status == "new"
    html = page_of(logged_in, still)
    assert "Still on the page" in html and "<mark>trafic</mark>" in html
    html = page_of(logged_in, gone)
    assert "Text gone" in html and "The quoted text is no longer on the page." in html


def test_a_failed_reading_is_shown(logged_in, server, report):
    server.pages["/story"] = STORY
    finding = report("/story", "teh")
    server.status["/story"] = 503
    read_due_pages()
    html = page_of(logged_in, finding)
    assert "The page has not been read yet" in html and "the site answered HTTP 503" in html
    assert "next reading" in html


def test_viewers_see_no_button_and_cannot_recheck(client, make_user, site, server, report):
    viewer = make_user("viewer@news.example")
    Membership.objects.create(site=site, user=viewer, role="viewer")
    server.pages["/story"] = STORY
    finding = report("/story", "teh")
    client.force_login(viewer)
    assert "Re-check the page now" not in page_of(client, finding)
    PageCheck.objects.filter(page=finding.page).update(due_at=None)
    r = client.post(reverse("desk:finding-recheck", args=[finding.pk]))
    assert r.status_code == 403
    assert PageCheck.objects.get(page=finding.page).due_at is None


def test_the_button_is_for_members_only(client, make_user, server, report):
    outsider = make_user("outsider@else.example")
    server.pages["/story"] = STORY
    finding = report("/story", "teh")
    client.force_login(outsider)
    assert client.post(reverse("desk:finding-recheck", args=[finding.pk])).status_code == 404


def test_the_button_needs_a_post(logged_in, server, report):
    server.pages["/story"] = STORY
    finding = report("/story", "teh")
    assert logged_in.get(reverse("desk:finding-recheck", args=[finding.pk])).status_code == 405


@pytest.mark.skipif(not status("en").available, reason="no English dictionary here")
def test_the_spell_checkers_suggestion_is_shown_beside_the_readers(logged_in, server, report):
    server.pages["/story"] = article("The peeple of the town were happy.")
    finding = report("/story", "peeple", suggestion="people")
    spell_check()
    html = page_of(logged_in, finding)
    # The finding page shows the readers' suggestions as word differences (desk/finding.html).
    assert (
        '<del><span class="sr-only">removed: </span>peeple</del><ins><span class="sr-only">added: </span>people</ins>'
        in html
    )
    assert "Suggested by the spell checker: <ins>people</ins>" in html


@pytest.mark.skipif(not status("en").available, reason="no English dictionary here")
def test_the_spell_checker_reads_the_sentence_and_the_desk_says_why(logged_in, server, report):
    server.pages["/story"] = article(
        "More then two thousand peeple came to see the lighthouse.",
        "Volunteers repaired the the stairs and the <b>lens</b>.",
    )
    then = report("/story", "More then two thousand peeple")
    twice = report("/story", "the the")
    first_copy = report("/story", "the", after="repaired")
    spell_check()
    # the real-word fix comes with its reason, and the misspelling in the same quote is fixed too
    assert (fresh(then).spell_suggestion, then.spell_reason) == (
        "More than two thousand people",
        "than after a comparative",
    )
    assert (fresh(twice).spell_suggestion, twice.spell_reason) == ("the", "repeated word")
    assert (fresh(first_copy).spell_status, first_copy.spell_suggestion, first_copy.spell_reason) == (
        "suggested",
        "",
        "repeated word",
    )
    html = page_of(logged_in, then)
    assert (
        "Suggested by the spell checker: <ins>More than two thousand people</ins>"
        ' <span class="spell-reason">(than after a comparative)</span>'
    ) in html
    html = page_of(logged_in, first_copy)
    assert (
        'Suggested by the spell checker: <del><span class="sr-only">removed: </span>the</del>'
        ' <span class="spell-reason">(repeated word)</span>'
    ) in html


def test_the_desk_says_when_a_languages_dictionary_is_off(logged_in, server, report):
    server.pages["/story"] = article("Das ist ein Tesst.", lang="de")
    finding = report("/story", "Tesst", lang="de")
    spell_check()
    html = page_of(logged_in, finding)
    assert "The spell checker is off for “de”" in html and "no spell checker is configured" in html


def test_reader_text_in_the_evidence_is_escaped(logged_in, server, report):
    server.pages["/story"] = article("It was &lt;script&gt;alert(1)&lt;/script&gt; teh best of times.")
    finding = report("/story", "teh")
    read_due_pages()
    server.pages["/story"] = article("It was &lt;script&gt;alert(1)&lt;/script&gt; the best of times.")
    PageCheck.objects.filter(page=finding.page).update(due_at=None)
    logged_in.post(reverse("desk:finding-recheck", args=[finding.pk]))
    read_due_pages()
    html = page_of(logged_in, finding)
    assert "Fixed on the page" in html
    assert "<script>alert(1)" not in html and "&lt;script&gt;alert(1)" in html
