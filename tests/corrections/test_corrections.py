"""Corrections without a browser: publishing from the desk (roles, errors, history), the public
page, feed and JSON (language, paging, caching), the API (editors' and the public read with CORS)
and the readers' "it is fixed" mail."""

from __future__ import annotations

import json

import feedparser
import pytest
from django.urls import reverse

from typodesk.apiv1.tokens import create_token
from typodesk.corrections.models import Correction, CorrectionChange
from typodesk.corrections.services import CorrectionError, default_text, publish, withdraw
from typodesk.findings.models import Finding
from typodesk.findings.services import Quote, record_report, set_status
from typodesk.notify import reader as reader_mail
from typodesk.notify.models import ReaderMail

pytestmark = pytest.mark.django_db


def report(site, exact="destructed", url=None, suggestion="destroyed", **kw):
    return record_report(
        site,
        url=url or f"https://{site.hosts()[0]}/story",
        quote=Quote(exact, "The bridge was ", " in the storm", 20, 20 + len(exact)),
        title=kw.pop("title", "The bridge"),
        suggestion=suggestion,
        **kw,
    ).finding


@pytest.fixture
def editor(make_user):
    return make_user("editor@news.example")


@pytest.fixture
def viewer(make_user):
    return make_user("viewer@news.example")


@pytest.fixture
def site(make_site, editor, viewer):
    return make_site(name="News Example", members=[(editor, "editor"), (viewer, "viewer")])


def correction_url(f):
    return reverse("corrections:finding", args=[f.pk])


def public_url(site, name="page"):
    return reverse(f"corrections-public:{name}", args=[site.public_key])


# Publishing ------------------------------------------------------------------------------------


def test_the_text_is_prefilled_from_the_quote_and_what_the_page_now_says(site):
    f = report(site)
    assert default_text(f) == "An earlier version of this article said “destructed”; it now says “destroyed”."
    Finding.objects.filter(pk=f.pk).update(replacement="wrecked")
    f.refresh_from_db()
    assert "it now says “wrecked”" in default_text(f)


def test_the_prefilled_text_is_in_the_sites_language(site):
    site.default_language = "ru"
    site.save()
    f = report(site)
    assert default_text(f) == "В прежней версии статьи было написано «destructed»; теперь — «destroyed»."


def test_the_desk_publishes_edits_and_withdraws_with_history(client, site, editor):
    f = report(site)
    client.force_login(editor)
    page = client.get(reverse("desk:finding", args=[f.pk])).content.decode()
    assert "Publish a correction" in page
    assert "said “destructed”; it now says “destroyed”" in page
    r = client.post(
        correction_url(f),
        {
            "action": "publish",
            "kind": "correction",
            "title": "The bridge",
            "correction_text": "It was destroyed.",
        },
    )
    assert r.status_code == 302
    f.refresh_from_db()
    assert f.status == Finding.Status.FIXED  # published when closing: the open finding is fixed
    assert f.history.last().user == editor
    c = Correction.objects.get(finding=f)
    assert (c.kind, c.title, c.text, c.withdrawn_at) == (
        "correction",
        "The bridge",
        "It was destroyed.",
        None,
    )
    client.post(
        correction_url(f),
        {"action": "publish", "kind": "clarification", "title": "The bridge", "correction_text": "Clearer."},
    )
    client.post(correction_url(f), {"action": "withdraw"})
    c.refresh_from_db()
    assert c.withdrawn_at is not None
    assert [(h.action, h.user, h.text) for h in CorrectionChange.objects.filter(correction=c)] == [
        ("published", editor, "It was destroyed."),
        ("edited", editor, "Clearer."),
        ("withdrawn", editor, "Clearer."),
    ]
    page = client.get(reverse("desk:finding", args=[f.pk])).content.decode()
    assert "Correction history" in page and "editor@news.example" in page and "withdrew" in page
    assert "Publish the correction again" in page


def test_bad_input_is_a_400_with_a_message(client, site, editor):
    f = report(site)
    client.force_login(editor)
    r = client.post(correction_url(f), {"action": "publish", "kind": "correction", "correction_text": "  "})
    assert r.status_code == 400 and "Write the text of the correction" in r.content.decode()
    r = client.post(correction_url(f), {"action": "publish", "kind": "rumour", "correction_text": "x"})
    assert r.status_code == 400 and "correction or clarification" in r.content.decode()
    r = client.post(
        correction_url(f), {"action": "publish", "kind": "correction", "correction_text": "x" * 1001}
    )
    assert r.status_code == 400 and "too long" in r.content.decode()
    assert "x" * 1001 in r.content.decode()  # what the editor wrote comes back in the form
    r = client.post(correction_url(f), {"action": "explode"})
    assert r.status_code == 400
    set_status(f, Finding.Status.SPAM, editor)
    r = client.post(correction_url(f), {"action": "publish", "kind": "correction", "correction_text": "x"})
    assert r.status_code == 400 and "Only a finding that is fixed" in r.content.decode()
    assert not Correction.objects.exists()


def test_viewers_and_strangers_cannot_publish(client, site, viewer, make_user):
    f = report(site)
    client.force_login(viewer)
    page = client.get(reverse("desk:finding", args=[f.pk])).content.decode()
    assert "Publish a correction" not in page
    r = client.post(correction_url(f), {"action": "publish", "kind": "correction", "correction_text": "x"})
    assert r.status_code == 403
    client.force_login(make_user("stranger@else.example"))
    r = client.post(correction_url(f), {"action": "publish", "kind": "correction", "correction_text": "x"})
    assert r.status_code == 404
    client.logout()
    r = client.post(correction_url(f), {"action": "publish", "kind": "correction", "correction_text": "x"})
    assert r.status_code == 302 and "/login/" in r["Location"]
    assert not Correction.objects.exists()


# The public page, feed and JSON ----------------------------------------------------------------


def test_public_page_lists_newest_first_in_the_sites_language(client, site, editor):
    first = report(site, url="https://news.example/one", title="One")
    second = report(site, url="https://news.example/two", title="Two")
    publish(first, editor, text="First correction.", kind="correction", title="The first story")
    publish(second, editor, text="Second clarification.", kind="clarification", title="The second story")
    r = client.get(public_url(site))
    assert r.status_code == 200
    html = r.content.decode()
    assert html.index("The second story") < html.index("The first story")
    assert 'href="https://news.example/two"' in html and "Clarification" in html
    assert r["Content-Language"] == "en" and '<html lang="en">' in html
    for lang, word in (
        ("ru", "Исправления"),
        ("az", "Düzəlişlər"),
        ("tr", "Düzeltmeler"),
        ("uk", "Виправлення"),
    ):
        site.default_language = lang
        site.save()
        r = client.get(public_url(site))
        assert f'<html lang="{lang}">' in r.content.decode() and word in r.content.decode(), lang
        assert r["Content-Language"] == lang


def test_public_page_is_paginated_and_refuses_bad_page_numbers(client, site, editor):
    for i in range(23):
        publish(report(site, url=f"https://news.example/s{i}"), editor, text=f"Text {i}.", kind="correction")
    html = client.get(public_url(site)).content.decode()
    assert html.count("<article>") == 20 and "Page 1 of 2" in html and 'rel="next"' in html
    html = client.get(public_url(site) + "?page=2").content.decode()
    assert html.count("<article>") == 3 and "Text 0." in html
    r = client.get(public_url(site) + "?page=abc")
    assert r.status_code == 400 and "whole number" in r.content.decode()
    r = client.get(public_url(site) + "?page=9")
    assert r.status_code == 404
    data = client.get(public_url(site, "json") + "?page=2").json()
    assert [c["text"] for c in data["corrections"]] == ["Text 2.", "Text 1.", "Text 0."]
    assert data["pages"] == 2 and data["next"] is None and data["previous"].endswith("?page=1")
    assert client.get(public_url(site, "json") + "?page=x").status_code == 400
    assert client.get("/c/nosuchkey/").status_code == 404


def test_etag_and_cache_control_and_withdrawal(client, site, editor):
    f = report(site)
    publish(f, editor, text="It was destroyed.", kind="correction")
    for name in ("page", "feed", "json"):
        r = client.get(public_url(site, name))
        assert r.status_code == 200 and r["Cache-Control"] == "public, max-age=60", name
        assert not r.cookies, name  # nothing to keep about whoever reads it
        again = client.get(public_url(site, name), HTTP_IF_NONE_MATCH=r["ETag"])
        assert again.status_code == 304, name
        assert "destroyed" in r.content.decode()
    etag = client.get(public_url(site)).get("ETag")
    withdraw(f, editor)
    r = client.get(public_url(site), HTTP_IF_NONE_MATCH=etag)
    assert r.status_code == 200 and "destroyed" not in r.content.decode()
    assert "destroyed" not in client.get(public_url(site, "feed")).content.decode()
    assert client.get(public_url(site, "json")).json()["corrections"] == []


def test_the_feed_parses_as_atom(client, site, editor):
    f = report(site, title="The bridge")
    publish(f, editor, text="It was destroyed, not damaged.", kind="correction", title="The bridge")
    site.default_language = "tr"
    site.save()
    feed = feedparser.parse(client.get(public_url(site, "feed")).content)
    assert not feed.bozo, feed.bozo_exception
    assert feed.version == "atom10"
    assert feed.feed.title == "Düzeltmeler: News Example"
    assert feed.feed.language == "tr"
    (entry,) = feed.entries
    assert entry.title == "Düzeltme: The bridge"
    assert entry.link == "https://news.example/story"
    assert entry.summary == "It was destroyed, not damaged."


# The API -----------------------------------------------------------------------------------------


def api(client, method, path, token, body=None, **extra):
    kw = {"HTTP_AUTHORIZATION": f"Bearer {token}"} if token else {}
    if body is not None:
        return getattr(client, method)(
            "/api/v1" + path, json.dumps(body), content_type="application/json", **kw, **extra
        )
    return getattr(client, method)("/api/v1" + path, **kw, **extra)


def test_api_publishes_and_withdraws_for_editors_only(client, site, editor, viewer):
    f = report(site)
    _, token = create_token(editor)
    _, vtoken = create_token(viewer)
    path = f"/findings/{f.pk}/correction"
    r = api(client, "put", path, vtoken, {"kind": "correction", "text": "x"})
    assert r.status_code == 403, r.content
    r = api(client, "put", path, token, {"kind": "rumour", "text": "x"})
    assert r.status_code == 400 and r.json()["field"] == "kind"
    r = api(client, "put", path, token, {"kind": "correction", "text": ""})
    assert r.status_code == 400 and r.json()["field"] == "text"
    r = api(client, "put", path, token, {"kind": "correction", "text": "It was destroyed."})
    assert r.status_code == 200, r.content
    body = r.json()
    assert body["text"] == "It was destroyed." and body["title"] == "The bridge"
    assert [h["action"] for h in body["history"]] == ["published"]
    assert body["history"][0]["user"] == "editor@news.example"
    assert api(client, "get", path, vtoken).json()["text"] == "It was destroyed."
    assert api(client, "delete", path, vtoken).status_code == 403
    assert api(client, "delete", path, token).status_code == 204
    assert api(client, "delete", path, token).status_code == 404
    assert api(client, "get", path, token).json()["withdrawn"] is not None


def test_public_page_corrections_with_jsonld_and_cors(client, site, editor):
    f = report(site)
    path = f"/api/v1/sites/{site.public_key}/corrections"
    r = client.get(path, {"url": "https://news.example/story"}, HTTP_ORIGIN="https://news.example")
    assert r.status_code == 200
    assert r.json() == {"url": "https://news.example/story", "corrections": [], "jsonld": None}
    assert r["Access-Control-Allow-Origin"] == "https://news.example"
    publish(f, editor, text="It was destroyed.", kind="correction")
    r = client.get(
        path, {"url": "https://news.example/story?utm_source=x#top"}, HTTP_ORIGIN="https://evil.example"
    )
    assert "Access-Control-Allow-Origin" not in r and "Origin" in r["Vary"]
    data = r.json()
    assert [c["text"] for c in data["corrections"]] == ["It was destroyed."]
    ld = data["jsonld"]
    assert ld["@context"] == "https://schema.org" and ld["url"] == "https://news.example/story"
    assert ld["correction"][0]["@type"] == "CorrectionComment"
    assert ld["correction"][0]["text"] == "It was destroyed."
    assert r["Cache-Control"] == "public, max-age=60"
    assert (
        client.get(path, {"url": "https://news.example/story"}, HTTP_IF_NONE_MATCH=r["ETag"]).status_code
        == 304
    )
    r = client.get(path, {"url": "https://other.example/story"})
    assert r.status_code == 400 and "not part of this site" in r.json()["error"]
    r = client.get(path, {"url": "javascript:alert(1)"})
    assert r.status_code == 400 and r.json()["field"] == "url"
    assert client.get(path).status_code == 400
    assert client.get("/api/v1/sites/nope/corrections", {"url": "https://news.example/"}).status_code == 404


# The readers' mail -------------------------------------------------------------------------------


def test_the_fixed_mail_carries_the_correction_published_with_the_fix(site, editor):
    site.allow_reader_email = True
    site.save()
    f = report(site, email="reader@example.org", lang="ru")
    publish(f, editor, text="Мост был разрушен.", kind="correction")
    (mail,) = ReaderMail.objects.filter(finding=f)
    subject, text, html = reader_mail.render(mail)
    assert "Мост был разрушен." in text and "Мост был разрушен." in html
    assert "Редакция опубликовала исправление" in text
    assert f"/c/{site.public_key}/" in text


def test_the_fixed_mail_without_a_correction_says_nothing_of_one(site, editor):
    site.allow_reader_email = True
    site.save()
    f = report(site, email="reader@example.org")
    set_status(f, Finding.Status.FIXED, editor)
    (mail,) = ReaderMail.objects.filter(finding=f)
    _, text, _ = reader_mail.render(mail)
    assert "published a correction" not in text and "/c/" not in text


def test_service_refuses_closed_findings(site, editor):
    f = report(site)
    set_status(f, Finding.Status.REJECTED, editor)
    with pytest.raises(CorrectionError):
        publish(f, editor, text="x", kind="correction")


# The overview ------------------------------------------------------------------------------------


def test_the_overview_counts_corrections_per_month_and_the_time_to_publish(client, site, editor):
    from datetime import timedelta

    from django.utils import timezone

    now = timezone.now()
    for i, (reported_ago, published_ago) in enumerate([(40, 38), (3, 2), (10, 4)]):  # days
        f = report(site, url=f"https://news.example/s{i}")
        c = publish(f, editor, text=f"Text {i}.", kind="correction")
        Finding.objects.filter(pk=f.pk).update(created=now - timedelta(days=reported_ago))
        Correction.objects.filter(pk=c.pk).update(published_at=now - timedelta(days=published_ago))
        CorrectionChange.objects.filter(correction=c).update(created=now - timedelta(days=published_ago))
    withdrawn = publish(report(site, url="https://news.example/w"), editor, text="Gone.", kind="correction")
    withdraw(withdrawn.finding, editor)
    client.force_login(editor)
    html = client.get(reverse("overview:site", args=[site.public_key])).content.decode()
    assert "3 corrections in the last 12 months" in html
    # Waits of 2, 1 and 6 days: the median is 2 days.
    assert '<strong data-stat="median-correction">2.0 days</strong>' in html
    month = now.strftime("%Y-%m")
    assert f'<tr data-key="{month}">' in html
    from typodesk.corrections.stats import gather

    stats = gather(site)
    assert stats.total == 3 and stats.live == 3 and len(stats.months) == 12
    by_month: dict = {}
    for days in (38, 2, 4):
        day = timezone.localdate(now - timedelta(days=days))
        by_month[day.replace(day=1)] = by_month.get(day.replace(day=1), 0) + 1
    assert {m: n for m, n in stats.months if n} == by_month


def test_the_public_log_outlives_the_findings_retention_purge(client, site, editor):
    from datetime import timedelta

    from django.utils import timezone

    from typodesk.findings.retention import purge_batch

    f = report(site)
    publish(f, editor, text="It was destroyed.", kind="correction")
    site.retention_days = 30
    site.save()
    assert purge_batch(site, 10, now=timezone.now() + timedelta(days=31)) == 1
    assert not Finding.objects.filter(pk=f.pk).exists()
    c = Correction.objects.get()
    assert c.finding_id is None and c.is_live
    assert "It was destroyed." in client.get(public_url(site)).content.decode()
    assert client.head(public_url(site)).status_code == 200
