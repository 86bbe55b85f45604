"""Likely spam goes to the spam folder, with the reason in the finding's history: never dropped,
never notified; editors find it under the status filter "spam" and can reopen it."""

from __future__ import annotations

import pytest

from tests.abuse.conftest import body, post
from typodesk.abuse import spam
from typodesk.abuse.models import BlockedWord, Protection, TextSighting
from typodesk.findings.models import Finding, Report
from typodesk.findings.services import set_status
from typodesk.notify.models import Channel, Notification

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def hooked(site):
    Channel.objects.create(
        site=site, kind="webhook", name="hook", target="https://hooks.example/x", events=["new", "reported"]
    )
    return site


def finding_of(r) -> Finding:
    assert r.status_code == 201, r.content
    return Finding.objects.get(pk=r.json()["finding"])


def history(f: Finding) -> list[tuple[str, str, str]]:
    return [(h.old_status, h.new_status, h.note) for h in f.history.all()]


def test_links_send_a_report_to_spam_with_the_reason_and_no_notification(client, hooked):
    comment = "Buy now https://pills.example and http://casino.example, www.more.example"
    f = finding_of(post(client, body(hooked, comment=comment)))
    assert f.status == "spam"
    assert history(f) == [("new", "spam", "Automatically: 3 links in the comment")]
    assert Report.objects.get(finding=f).comment == comment  # kept as sent
    assert Notification.objects.count() == 0
    ok = finding_of(post(client, body(hooked, 1, comment="See https://dictionary.example/teh")))
    assert ok.status == "new"  # one link is a reader citing a source
    assert Notification.objects.count() == 1


def test_links_in_the_suggestion_count_too(client, site):
    f = finding_of(
        post(client, body(site, suggestion="[url=http://a.example]x[/url] <a href=http://b.example>"))
    )
    assert f.status == "spam" and "links in the suggestion" in history(f)[0][2]


def test_a_site_sets_how_many_links_it_allows(client, site):
    Protection.objects.create(site=site, max_links=0)
    f = finding_of(post(client, body(site, comment="Source: https://dictionary.example/teh")))
    assert history(f) == [("new", "spam", "Automatically: a link in the comment")]


def test_blocked_words_any_case_whole_words(client, site):
    BlockedWord.objects.create(site=site, word="casino")
    BlockedWord.objects.create(site=site, word="cheap pills")
    spammy = finding_of(post(client, body(site, 0, comment="Best CASINO bonus")))
    assert spammy.status == "spam"
    assert history(spammy)[0][2] == "Automatically: the blocked word “CASINO” in the comment"
    assert (
        finding_of(post(client, body(site, 1, suggestion="Cheap  pills"))).status == "new"
    )  # not the phrase
    assert finding_of(post(client, body(site, 2, suggestion="cheap pills here"))).status == "spam"
    assert finding_of(post(client, body(site, 3, comment="casinos are not the word"))).status == "new"


def test_blocked_words_in_cyrillic(client, site):
    BlockedWord.objects.create(site=site, word="казино")
    assert finding_of(post(client, body(site, 0, comment="Лучшее Казино тут"))).status == "spam"
    assert finding_of(post(client, body(site, 1, comment="казиноо"))).status == "new"


def test_the_same_text_on_several_pages_within_the_window(client, hooked):
    text = "Great article!!! Visit my profile for more"
    got = [finding_of(post(client, body(hooked, i, comment=text), ip=f"192.0.2.{i + 1}")) for i in range(4)]
    assert [f.status for f in got] == ["new", "new", "spam", "spam"]
    assert history(got[2]) == [
        ("new", "spam", "Automatically: the same comment on 3 pages within 60 minutes")
    ]
    assert Notification.objects.count() == 2
    # A short correction repeated across pages is a reader fixing the same misspelling everywhere.
    short = [
        finding_of(
            post(client, body(hooked, 10 + i, suggestion="the")),
        )
        for i in range(4)
    ]
    assert {f.status for f in short} == {"new"}
    # The same text again on the same page is one page, not several.
    same_page = [
        finding_of(post(client, body(hooked, 20, comment="Another long comment about this page")))
        for _ in range(4)
    ]
    assert {f.status for f in same_page} == {"new"}


def test_the_window_ends(client, site, settings):
    text = "Great article!!! Visit my profile for more"
    for i in range(2):
        finding_of(post(client, body(site, i, comment=text)))
    from datetime import timedelta

    from django.utils import timezone

    TextSighting.objects.update(created=timezone.now() - timedelta(minutes=61))
    assert finding_of(post(client, body(site, 3, comment=text))).status == "new"
    assert spam.purge() == 2


def test_a_spam_report_does_not_bury_or_reopen_a_real_finding(client, hooked, make_user):
    real = finding_of(post(client, body(hooked)))
    joined = finding_of(
        post(client, body(hooked, comment="http://a.example http://b.example"), ip="192.0.2.9")
    )
    assert joined.pk == real.pk and joined.status == "new" and joined.report_count == 2
    [note] = [h for h in history(joined) if h[2]]
    assert note[0] == note[1] == "new" and "looks like spam: 2 links in the comment" in note[2]
    assert Notification.objects.count() == 1  # the real report's only
    set_status(joined, "fixed", make_user())
    again = finding_of(
        post(client, body(hooked, comment="http://a.example http://b.example"), ip="192.0.2.10")
    )
    assert again.status == "fixed"  # a spam report never reopens a fixed finding


def test_editors_see_spam_under_its_filter_and_can_reopen(client, site, make_user):
    from typodesk.sites.models import Membership

    f = finding_of(post(client, body(site, comment="http://a.example http://b.example")))
    editor = make_user()
    Membership.objects.create(site=site, user=editor, role="editor")
    client.force_login(editor)
    assert f"/desk/findings/{f.pk}/" not in client.get("/desk/").content.decode()
    assert f"/desk/findings/{f.pk}/" in client.get("/desk/?status=spam").content.decode()
    page = client.get(f"/desk/findings/{f.pk}/").content.decode()
    assert "Automatically: 2 links in the comment" in page
    r = client.post(f"/desk/findings/{f.pk}/status/", {"status": "new"})
    assert r.status_code == 302
    f.refresh_from_db()
    assert f.status == "new"
