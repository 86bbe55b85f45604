"""The desk: login, inbox, finding page, status changes, and who may see what."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from typodesk.findings.models import Finding
from typodesk.findings.services import Quote, record_report

pytestmark = pytest.mark.django_db
PASSWORD = "a-long-test-password"


def report(site, exact="teh", start=7, url=None, **kw):
    return record_report(
        site,
        url=url or f"https://{site.hosts()[0]}/story",
        quote=Quote(
            exact, kw.pop("prefix", "It was "), kw.pop("suffix", " best of"), start, start + len(exact)
        ),
        title=kw.pop("title", "A story"),
        **kw,
    )


@pytest.fixture
def editor(make_user):
    return make_user("editor@news.example")


@pytest.fixture
def site(make_site, editor):
    return make_site(members=[(editor, "editor")])


@pytest.fixture
def logged_in(client, editor):
    client.force_login(editor)
    return client


def test_login_with_email_and_password(client, editor):
    r = client.post(reverse("desk:login"), {"username": "editor@news.example", "password": PASSWORD})
    assert r.status_code == 302 and r.url == reverse("desk:inbox")
    assert client.get(reverse("desk:inbox")).status_code == 200


def test_wrong_password_is_refused_with_a_message(client, editor):
    r = client.post(reverse("desk:login"), {"username": "editor@news.example", "password": "nope"})
    assert r.status_code == 200
    assert "didn't match" in r.content.decode()


def test_passwords_are_hashed_with_argon2(editor):
    assert editor.password.startswith("argon2")


def test_desk_requires_login(client):
    r = client.get(reverse("desk:inbox"))
    assert r.status_code == 302 and reverse("desk:login") in r.url


def test_inbox_shows_open_findings_newest_first_with_context(logged_in, site):
    report(site, "old", start=1, prefix="very ", suffix=" news")
    report(site, "teh", start=7, suggestion="the")
    report(site, "teh", start=7, suggestion="the")
    html = logged_in.get(reverse("desk:inbox")).content.decode()
    assert html.index("<mark>teh</mark>") < html.index("<mark>old</mark>")
    # One line: the mistake struck through and the readers' correction; the context on hover.
    assert '<del><mark>teh</mark></del> <span class="arrow">→</span> <ins>the</ins>' in html
    assert 'title="…It was teh best of…"' in html
    assert "2 readers" in html and '<span class="where">A story</span>' in html


def test_closed_findings_leave_the_inbox_but_stay_findable(logged_in, site):
    from typodesk.findings.services import set_status

    f = report(site).finding
    set_status(f, "fixed")
    assert "<mark>teh</mark>" not in logged_in.get(reverse("desk:inbox")).content.decode()
    assert "<mark>teh</mark>" in logged_in.get(reverse("desk:inbox") + "?status=fixed").content.decode()


def test_editors_see_only_their_sites(logged_in, site, make_site):
    other = make_site(name="Other", domains=["other.example"])
    mine = report(site, "mine").finding
    theirs = report(other, "theirs").finding
    html = logged_in.get(reverse("desk:inbox")).content.decode()
    assert "<mark>mine</mark>" in html and "theirs" not in html
    # Not even by URL, nor by the site filter.
    assert logged_in.get(reverse("desk:finding", args=[theirs.pk])).status_code == 404
    assert "theirs" not in logged_in.get(reverse("desk:inbox") + f"?site={other.public_key}").content.decode()
    r = logged_in.post(reverse("desk:finding-status", args=[theirs.pk]), {"status": "spam"})
    assert r.status_code == 404
    theirs.refresh_from_db()
    assert theirs.status == "new"
    assert logged_in.get(reverse("desk:finding", args=[mine.pk])).status_code == 200


def test_instance_admin_sees_every_site(client, make_user, make_site):
    admin = make_user("root@news.example", is_superuser=True, is_staff=True)
    a = report(make_site(name="A", domains=["a.example"]), "alpha").finding
    b = report(make_site(name="B", domains=["b.example"]), "beta").finding
    client.force_login(admin)
    html = client.get(reverse("desk:inbox")).content.decode()
    assert "<mark>alpha</mark>" in html and "<mark>beta</mark>" in html
    assert client.get(reverse("desk:finding", args=[b.pk])).status_code == 200
    assert a.pk != b.pk


def test_finding_page_lists_every_report(logged_in, site):
    report(site, suggestion="the", comment="first reader")
    f = report(site, suggestion="thee", comment="second reader").finding
    html = logged_in.get(reverse("desk:finding", args=[f.pk])).content.decode()
    assert "first reader" in html and "second reader" in html
    assert "<ins>the</ins>" in html and "<ins>thee</ins>" in html


@pytest.mark.parametrize(
    "status, label", [("fixed", "Fixed"), ("rejected", "Not a mistake"), ("spam", "Spam")]
)
def test_status_buttons_change_the_status_and_record_who(logged_in, site, editor, status, label):
    f = report(site).finding
    r = logged_in.post(reverse("desk:finding-status", args=[f.pk]), {"status": status}, follow=True)
    assert label in r.content.decode()
    f.refresh_from_db()
    assert f.status == status
    h = f.history.get()
    assert (h.user, h.old_status, h.new_status) == (editor, "new", status)
    logged_in.post(reverse("desk:finding-status", args=[f.pk]), {"status": "new"})
    f.refresh_from_db()
    assert f.status == "new"


def test_unknown_status_is_400(logged_in, site):
    f = report(site).finding
    assert (
        logged_in.post(reverse("desk:finding-status", args=[f.pk]), {"status": "deleted"}).status_code == 400
    )


def test_status_change_needs_csrf_token(client, editor, site):
    from django.test import Client

    f = report(site).finding
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(editor)
    assert strict.post(reverse("desk:finding-status", args=[f.pk]), {"status": "spam"}).status_code == 403
    f.refresh_from_db()
    assert f.status == "new"


def test_viewer_can_read_but_not_change(client, make_user, site):
    from typodesk.sites.models import Membership

    viewer = make_user("viewer@news.example")
    Membership.objects.create(site=site, user=viewer, role="viewer")
    f = report(site).finding
    client.force_login(viewer)
    page = client.get(reverse("desk:finding", args=[f.pk])).content.decode()
    assert "Mark fixed" not in page
    assert client.post(reverse("desk:finding-status", args=[f.pk]), {"status": "fixed"}).status_code == 403
    f.refresh_from_db()
    assert f.status == "new"


HOSTILE = '<script>alert("x")</script><img src=x onerror=alert(1)>'


def test_every_string_a_reader_sent_is_escaped(logged_in, site):
    f = record_report(
        site,
        url="https://news.example/a?q=<script>",
        quote=Quote(HOSTILE, HOSTILE[:30], HOSTILE[:30], 0, len(HOSTILE)),
        title=HOSTILE,
        lang="<b>",
        suggestion=HOSTILE,
        comment=HOSTILE,
    ).finding
    for url in (reverse("desk:inbox"), reverse("desk:finding", args=[f.pk])):
        html = logged_in.get(url).content.decode()
        assert "<script>alert" not in html and "<img src=x" not in html and "<b>" not in html
        assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in html


def test_desk_pages_send_a_strict_csp_and_deny_framing(logged_in, site):
    r = logged_in.get(reverse("desk:inbox"))
    csp = r.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp and "frame-ancestors 'none'" in csp
    assert r.headers["X-Frame-Options"] == "DENY"


def test_pagination_keeps_the_filter(logged_in, site):
    for i in range(55):
        report(site, f"w{i}", start=i * 10)
    html = logged_in.get(reverse("desk:inbox") + "?status=all&lang=").content.decode()
    # Keyset paging (desk.inbox): the next page starts after the last row shown, same filter.
    assert re.search(r'href="\?status=all&amp;after=[\d.]+&amp;at=51" rel="next"', html)
    assert Finding.objects.count() == 55


def test_site_keys_are_letters_and_digits_so_the_cli_never_reads_them_as_options():
    from typodesk.sites.models import new_public_key

    keys = [new_public_key() for _ in range(2000)]
    assert all(k.isalnum() and k.isascii() and len(k) == 16 for k in keys)
    assert len(set(keys)) == len(keys)
