"""Fix verification against real pages served over HTTP: edit the page, read it, watch the findings.

Each test serves a news page from a local web server, reports a mistake on it as the widget
would, lets the worker read the page (the first reading is the snapshot), edits the page the way
a newsroom does, and reads it again.
"""

from __future__ import annotations

import pytest
from django.urls import reverse

from tests.api.conftest import Api
from tests.pages.conftest import STORY, article, fresh, read_due_pages
from typodesk.apiv1.tokens import create_token
from typodesk.findings.models import Finding, StatusChange
from typodesk.findings.services import set_status
from typodesk.notify.models import Channel, Event, Notification
from typodesk.pages.models import PageCheck
from typodesk.pages.schedule import schedule_now

pytestmark = pytest.mark.django_db
V = Finding.Verification


@pytest.fixture
def channel(site):
    return Channel.objects.create(
        site=site, kind="webhook", name="CMS", target="https://cms.example/hook", events=["verification"]
    )


def events(channel) -> list[str]:
    return list(Notification.objects.filter(channel=channel).order_by("pk").values_list("event", flat=True))


def last_change(finding) -> StatusChange:
    return StatusChange.objects.filter(finding=finding).order_by("-pk").first()


def test_the_first_reading_after_a_report_keeps_the_page_as_the_snapshot(server, report):
    server.pages["/story"] = STORY
    finding = report("/story", "teh")
    check = PageCheck.objects.get(page=finding.page)
    assert check.due_at is not None and check.snapshot == ""
    assert read_due_pages() == 1
    check.refresh_from_db()
    assert "It was teh best of times" in check.snapshot and check.text == check.snapshot
    assert check.last_status == 200 and check.failures == 0 and check.lang == "en"
    assert fresh(finding).status == "new" and finding.verification == V.NONE  # still there: nothing said
    server.pages["/story"] = STORY.replace("the market", "the busy market")
    schedule_now(finding.page, "desk")
    read_due_pages()
    check.refresh_from_db()
    assert "busy market" in check.text and "busy market" not in check.snapshot


def test_an_open_finding_whose_quote_was_edited_becomes_fixed_on_page_and_editors_hear_of_it(
    server, report, channel
):
    server.pages["/story"] = STORY
    finding = report("/story", "teh")
    read_due_pages()
    server.pages["/story"] = STORY.replace("It was teh best", "It was the best")
    schedule_now(finding.page, "api")
    read_due_pages()
    f = fresh(finding)
    assert f.verification == V.FIXED_ON_PAGE and f.status == "fixed"
    assert f.replacement == "the"
    assert f.evidence["before"]["text"] == "teh" and f.evidence["after"]["text"] == "the"
    assert f.evidence["before"]["prefix"].endswith("It was ") and f.evidence["after"]["suffix"].startswith(
        " best"
    )
    assert f.evidence["http_status"] == 200 and f.evidence["url"] == server.url("/story")
    change = last_change(f)
    assert (change.old_status, change.new_status, change.user) == ("new", "fixed", None)
    assert "“teh” now reads “the”" in change.note
    assert events(channel) == [Event.FIX_VERIFIED]
    n = Notification.objects.get(channel=channel)
    assert n.data["verification"]["verdict"] == "changed" and n.data["verification"]["replacement"] == "the"
    assert n.data["finding"]["status"] == "fixed"
    # Verified: the page is no longer read for it.
    assert PageCheck.objects.get(page=f.page).due_at is None


def test_a_finding_marked_fixed_whose_quote_is_still_there_is_reopened_as_still_on_the_page(
    server, report, editor, channel
):
    server.pages["/story"] = STORY
    finding = report("/story", "trafic")
    read_due_pages()
    set_status(finding, "fixed", editor)  # …but the CMS never published the edit
    assert PageCheck.objects.get(page=finding.page).reason == "fixed"
    read_due_pages()
    f = fresh(finding)
    assert f.status == "new" and f.verification == V.STILL_ON_PAGE
    assert f.evidence["after"]["text"] == "trafic"
    change = last_change(f)
    assert (change.old_status, change.new_status, change.user) == ("fixed", "new", None)
    assert "reopened" in change.note
    assert Event.FIX_NOT_FOUND in events(channel)


def test_a_fix_the_editor_published_is_confirmed_and_stays_fixed(server, report, editor, channel):
    server.pages["/story"] = STORY
    finding = report("/story", "trafic")
    read_due_pages()
    server.pages["/story"] = STORY.replace("trafic", "traffic")
    set_status(finding, "fixed", editor)
    read_due_pages()
    f = fresh(finding)
    assert f.status == "fixed" and f.verification == V.FIXED_ON_PAGE and f.replacement == "traffic"
    change = last_change(f)
    assert (change.old_status, change.new_status) == ("fixed", "fixed") and "Fix verified" in change.note
    assert events(channel)[-1] == Event.FIX_VERIFIED


def test_a_quote_whose_paragraph_was_deleted_is_text_gone_and_closed_with_a_note(server, report):
    server.pages["/story"] = STORY
    finding = report("/story", "trafic")
    read_due_pages()
    server.pages["/story"] = article(
        "It was teh best of times in the old town, and the market was full of people.",
        "The mayor said the new bridge will open in spring, after the river has calmed down.",
    )
    schedule_now(finding.page, "desk")
    read_due_pages()
    f = fresh(finding)
    assert f.verification == V.TEXT_GONE and f.status == "fixed"
    assert f.evidence["after"] is None and f.evidence["before"]["text"] == "trafic"
    assert "no longer on the page" in last_change(f).note


def test_text_the_server_never_saw_is_not_declared_gone(server, report):
    # A script adds a line in readers' browsers; the server's copy of the page never has it.
    in_browser = STORY.replace("</article>", "<p>Subscribe to our newsleter for more.</p></article>")
    server.pages["/story"] = in_browser
    finding = report("/story", "newsleter")
    server.pages["/story"] = STORY
    read_due_pages()
    schedule_now(finding.page, "desk")
    read_due_pages()
    f = fresh(finding)
    assert f.status == "new" and f.verification == V.NONE
    assert PageCheck.objects.get(page=f.page).last_status in (200, 304)


def test_a_reader_reporting_a_verified_finding_again_reopens_it_and_clears_the_verdict(server, report):
    server.pages["/story"] = STORY
    finding = report("/story", "teh")
    read_due_pages()
    server.pages["/story"] = STORY.replace("teh best", "the best")
    schedule_now(finding.page, "desk")
    read_due_pages()
    assert fresh(finding).verification == V.FIXED_ON_PAGE
    server.pages["/story"] = STORY  # a cache served the old page again; a reader reports it
    again = report("/story", "teh")
    assert again.pk == finding.pk
    f = fresh(finding)
    assert f.status == "new" and f.verification == V.NONE
    read_due_pages()
    assert fresh(finding).status == "new"  # present: it stays open


@pytest.mark.parametrize("status", [404, 500, 503])
def test_a_page_that_answers_an_error_changes_nothing_and_is_retried_later(server, report, editor, status):
    server.pages["/story"] = STORY
    finding = report("/story", "trafic")
    read_due_pages()
    set_status(finding, "fixed", editor)
    server.status["/story"] = status
    read_due_pages()
    f = fresh(finding)
    assert f.status == "fixed" and f.verification == V.NONE
    check = PageCheck.objects.get(page=f.page)
    assert check.last_status == status and f"HTTP {status}" in check.last_error and check.failures == 1
    assert check.due_at is not None and check.reason == "retry" and check.claimed_by == ""
    # The site is back: the retry reads it and decides.
    del server.status["/story"]
    PageCheck.objects.filter(pk=check.pk).update(due_at=check.last_attempt_at)
    read_due_pages()
    assert fresh(finding).verification == V.STILL_ON_PAGE
    check.refresh_from_db()
    assert check.failures == 0 and check.last_error == ""


def test_a_page_that_times_out_changes_nothing_and_the_worker_is_not_held_up(
    server, report, editor, settings
):
    import threading

    server.pages["/story"] = STORY
    finding = report("/story", "trafic")
    read_due_pages()
    set_status(finding, "fixed", editor)
    settings.TYPODESK_FETCH_TIMEOUT = 1
    server.hold["/story"] = answer = threading.Event()
    try:
        read_due_pages(rounds=1)  # returns while the site has still not answered: not held up
        assert not answer.is_set()
    finally:
        answer.set()
    f = fresh(finding)
    assert f.status == "fixed" and f.verification == V.NONE
    check = PageCheck.objects.get(page=f.page)
    assert "timed out" in check.last_error and check.last_status is None and check.failures == 1


def test_an_unchanged_page_is_asked_for_conditionally_and_a_304_still_decides(server, report, editor):
    server.pages["/story"] = STORY
    finding = report("/story", "trafic")
    read_due_pages()
    first = server.hits("/story")[-1]
    assert "If-None-Match" not in first["headers"]
    set_status(finding, "fixed", editor)
    read_due_pages()
    again = server.hits("/story")[-1]
    assert again["headers"]["If-None-Match"].startswith('"')
    assert "If-Modified-Since" in again["headers"]
    assert PageCheck.objects.get(page=finding.page).last_status == 304
    assert fresh(finding).verification == V.STILL_ON_PAGE


def test_requests_say_who_we_are(server, report):
    server.pages["/story"] = STORY
    report("/story", "teh")
    read_due_pages()
    agent = server.hits("/story")[-1]["headers"]["User-Agent"]
    assert agent.startswith("typodesk/") and "+http" in agent


def test_robots_txt_is_respected(server, report, editor):
    server.robots = "User-agent: typodesk\nDisallow: /private/\n"
    server.pages["/private/story"] = STORY
    finding = report("/private/story", "teh")
    read_due_pages()
    assert server.hits("/private/story") == []
    check = PageCheck.objects.get(page=finding.page)
    assert "robots.txt" in check.last_error and fresh(finding).status == "new"


def test_an_unreachable_robots_txt_means_not_now(server, report):
    server.status["/robots.txt"] = 503
    server.pages["/story"] = STORY
    finding = report("/story", "teh")
    read_due_pages()
    assert server.hits("/story") == []
    assert "robots.txt" in PageCheck.objects.get(page=finding.page).last_error


def test_the_site_root_selector_is_used_and_text_outside_it_is_not_declared_gone(server, report, site):
    site.root_selector = ".story-body"
    site.save()
    html = (
        '<html lang="en"><body><div class="story-body"><p>It was teh best of times in the old town.</p></div>'
        "<aside><p>Most read: the trafic on the main road is worse than ever, residents say.</p></aside></body></html>"
    )
    server.pages["/story"] = html
    inside = report("/story", "teh", root_used=".story-body")
    # A report whose widget read the whole body (an old embed without data-root).
    outside = report("/story", "trafic", root_used="body")
    read_due_pages()
    check = PageCheck.objects.get(page=inside.page)
    assert check.text == "It was teh best of times in the old town."
    assert fresh(inside).verification == V.NONE and fresh(inside).status == "new"
    assert fresh(outside).verification == V.NONE and fresh(outside).status == "new"


def test_a_redirect_within_the_site_is_followed_and_one_elsewhere_refused(server, report):
    server.pages["/new-url"] = STORY
    server.pages["/story"] = STORY
    finding = report("/story", "teh")
    server.redirects["/story"] = server.url("/new-url")
    read_due_pages()
    check = PageCheck.objects.get(page=finding.page)
    assert check.last_status == 200 and check.fetched_url == server.url("/new-url")
    server.redirects["/story"] = server.url("/new-url", host="127.0.0.1")  # not a domain of the site
    schedule_now(finding.page, "desk")
    read_due_pages()
    check.refresh_from_db()
    assert "127.0.0.1 is not one of the site's domains" in check.last_error
    assert [r for r in server.requests if r["headers"].get("Host", "").startswith("127.0.0.1")] == []


def test_loopback_pages_are_refused_unless_the_admin_allows_private_targets(server, report, settings):
    server.pages["/story"] = STORY
    finding = report("/story", "teh")
    settings.TYPODESK_ALLOW_PRIVATE_TARGETS = False
    read_due_pages()
    check = PageCheck.objects.get(page=finding.page)
    assert "private, loopback or link-local" in check.last_error
    assert server.requests == []  # not even robots.txt
    assert fresh(finding).status == "new"


def test_a_page_over_the_size_limit_is_not_read(server, report, settings):
    server.pages["/story"] = STORY
    finding = report("/story", "teh")
    settings.TYPODESK_FETCH_MAX_BYTES = 300
    read_due_pages()
    assert "larger than 300 bytes" in PageCheck.objects.get(page=finding.page).last_error


def test_a_gzip_bomb_stops_at_the_size_limit(server, report, settings):
    import gzip

    server.pages["/story"] = STORY
    finding = report("/story", "teh")
    server.raw["/story"] = gzip.compress(b"<p>" + b"a" * (50 * 1024 * 1024))
    server.headers["/story"] = {"Content-Encoding": "gzip"}
    settings.TYPODESK_FETCH_MAX_BYTES = 1024 * 1024
    read_due_pages()
    assert "larger than 1,048,576 bytes" in PageCheck.objects.get(page=finding.page).last_error


def test_a_gzipped_page_is_read(server, report):
    import gzip

    server.pages["/story"] = STORY
    finding = report("/story", "teh")
    server.raw["/story"] = gzip.compress(STORY.replace("teh best", "the best").encode())
    server.headers["/story"] = {"Content-Encoding": "gzip"}
    read_due_pages()
    assert fresh(finding).verification == V.FIXED_ON_PAGE


def test_a_page_without_text_under_its_root_changes_nothing(server, report):
    server.pages["/story"] = STORY
    finding = report("/story", "teh")
    server.pages["/story"] = "<html><body><div id=app></div><script>render()</script></body></html>"
    read_due_pages()
    assert "no text" in PageCheck.objects.get(page=finding.page).last_error
    assert fresh(finding).status == "new" and fresh(finding).verification == V.NONE


# --- Big edits: the mistake kept with one side of its context, or the page too changed to tell ----

UPDATE = "Update, 15 March: the council published the full schedule of the works on Friday. " + " ".join(
    f"Section {n} of the road will be closed for {n + 2} days while the crews lay new pipes."
    for n in range(30)
)


def test_a_long_update_put_in_right_before_the_quote_does_not_close_the_finding(server, report, channel):
    # "trafic" opens its paragraph's sentence: its prefix is the end of the paragraph before.
    server.pages["/story"] = article(
        "It was the best of times in the old town, and the market was full of people.",
        "Heavy trafic on the main road worried the residents, who asked for a second bridge.",
    )
    finding = report("/story", "trafic")
    assert finding.prefix.endswith("full of people. Heavy ")
    read_due_pages()
    assert len(UPDATE) > 2000
    server.pages["/story"] = article(
        "It was the best of times in the old town, and the market was full of people.",
        UPDATE,
        "Heavy trafic on the main road worried the residents, who asked for a second bridge.",
    )
    schedule_now(finding.page, "desk")
    read_due_pages()
    f = fresh(finding)
    assert f.status == "new" and f.verification == V.NONE
    assert not StatusChange.objects.filter(finding=f).exists() and events(channel) == []


REWRITTEN = article(
    "It was teh best of times in the old town, and the market was full of people.",
    "The mayor said the new bridge will open in spring, after the river has calmed down.",
    "Shopkeepers say the trafic jams are worse than ever this winter, and want buses.",
)


def test_an_open_finding_on_a_page_changed_too_much_to_tell_stays_open_and_says_so(
    server, report, channel, client, editor
):
    server.pages["/story"] = STORY
    finding = report("/story", "trafic")
    read_due_pages()
    server.pages["/story"] = REWRITTEN  # the sentence rewritten around the misspelling
    schedule_now(finding.page, "desk")
    read_due_pages()
    f = fresh(finding)
    assert f.status == "new" and f.verification == V.UNCERTAIN
    assert f.evidence["verdict"] == "uncertain" and f.evidence["after"] is None
    assert f.evidence["before"]["text"] == "trafic"
    change = last_change(f)
    assert (change.old_status, change.new_status, change.user) == ("new", "new", None)
    assert "changed too much to tell" in change.note and "left open" in change.note
    assert events(channel) == []  # neither "fixed" nor "not found": nobody knows
    # Still scheduled: an open finding is read again.
    assert PageCheck.objects.get(page=f.page).due_at is not None

    # The desk says so, with the page's text at hand and the quote's words marked in it.
    client.force_login(editor)
    html = client.get(reverse("desk:finding", args=[f.pk])).content.decode()
    assert "Page changed too much to tell" in html
    assert "to tell whether this mistake is still there. The finding stays open" in html
    assert "The page's text as last read" in html
    assert "Shopkeepers say the <mark>trafic</mark> jams are worse" in html
    # …and so does the API.
    _, secret = create_token(editor)
    body = Api(client, secret).get(f"/findings/{f.pk}").json()
    assert body["status"] == "new" and body["verification"]["state"] == "uncertain"

    # A second uncertain reading adds nothing to the history; finding the quote again clears it.
    schedule_now(f.page, "desk")
    read_due_pages()
    assert StatusChange.objects.filter(finding=f).count() == 1
    server.pages["/story"] = STORY
    schedule_now(f.page, "desk")
    read_due_pages()
    f = fresh(f)
    assert f.status == "new" and f.verification == V.NONE
    assert "Found on the page again" in last_change(f).note
    assert events(channel) == []
    assert (
        "Page changed too much to tell"
        not in client.get(reverse("desk:finding", args=[f.pk])).content.decode()
    )


def test_a_fix_on_a_page_changed_too_much_to_tell_is_not_confirmed(server, report, editor, channel):
    server.pages["/story"] = STORY
    finding = report("/story", "trafic")
    read_due_pages()
    server.pages["/story"] = REWRITTEN
    set_status(finding, "fixed", editor)
    read_due_pages()
    f = fresh(finding)
    assert f.status == "fixed" and f.verification == V.UNCERTAIN
    assert "not confirmed" in last_change(f).note
    assert Event.FIX_VERIFIED not in events(channel) and Event.FIX_NOT_FOUND not in events(channel)


def test_a_misspelling_whose_sentence_was_deleted_is_still_text_gone(server, report):
    server.pages["/story"] = STORY
    finding = report("/story", "trafic")
    read_due_pages()
    server.pages["/story"] = article(
        "It was teh best of times in the old town, and the market was full of people.",
        UPDATE,
        "The mayor said the new bridge will open in spring, after the river has calmed down.",
    )
    schedule_now(finding.page, "desk")
    read_due_pages()
    f = fresh(finding)
    assert f.verification == V.TEXT_GONE and f.status == "fixed"


def test_the_pages_text_shown_for_an_uncertain_finding_is_escaped(server, report, client, editor):
    server.pages["/story"] = STORY
    finding = report("/story", "trafic")
    read_due_pages()
    server.pages["/story"] = REWRITTEN.replace(
        "Shopkeepers say", "&lt;img src=x onerror=alert(1)&gt; Shopkeepers say"
    )
    schedule_now(finding.page, "desk")
    read_due_pages()
    assert fresh(finding).verification == V.UNCERTAIN
    client.force_login(editor)
    html = client.get(reverse("desk:finding", args=[finding.pk])).content.decode()
    assert (
        "<img src=x" not in html
        and "&lt;img src=x onerror=alert(1)&gt; Shopkeepers say the <mark>trafic</mark>" in html
    )
