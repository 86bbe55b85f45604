"""The site settings page: name, domains, www handling, language, snippet, reader options,
retention, and deleting the site."""

from __future__ import annotations

import pytest
from django.urls import reverse

from typodesk.findings.models import Finding
from typodesk.findings.services import Quote, record_report
from typodesk.sites.models import Domain, Site

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def as_owner(client, owner):
    client.force_login(owner)
    return client


def url(site, name="sites:settings", *args):
    return reverse(name, args=[site.public_key, *args])


def form(site, **changes):
    data = {
        "name": site.name,
        "default_language": site.default_language,
        "root_selector": site.root_selector,
        "retention_days": "" if site.retention_days is None else site.retention_days,
    }
    if site.allow_reader_email:
        data["allow_reader_email"] = "on"
    if site.www_alias:
        data["www_alias"] = "on"
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


def test_owner_changes_the_settings(as_owner, site):
    r = as_owner.post(
        url(site),
        form(
            site,
            name="News Example Daily",
            default_language="az",
            root_selector="article.story",
            allow_reader_email="on",
            www_alias="on",
            retention_days="90",
        ),
        follow=True,
    )
    assert "The settings were saved." in r.content.decode()
    site.refresh_from_db()
    assert (site.name, site.default_language, site.root_selector) == (
        "News Example Daily",
        "az",
        "article.story",
    )
    assert site.allow_reader_email and site.www_alias and site.retention_days == 90
    # Blank retention: keep forever; unchecked boxes switch off.
    as_owner.post(url(site), form(site, retention_days="", allow_reader_email=None, www_alias=None))
    site.refresh_from_db()
    assert site.retention_days is None and not site.allow_reader_email and not site.www_alias


@pytest.mark.parametrize(
    "changes, message",
    [
        ({"name": "   "}, "Give the site a name."),
        ({"default_language": "fr"}, "Select a valid choice."),
        ({"retention_days": "0"}, "from 1 to 36500"),
        ({"retention_days": "-3"}, "from 1 to 36500"),
        ({"retention_days": "soon"}, "Enter a whole number."),
    ],
)
def test_bad_settings_are_refused_with_a_message(as_owner, site, changes, message):
    r = as_owner.post(url(site), form(site, **changes))
    assert r.status_code == 400 and message in r.content.decode()
    fresh = Site.objects.get(pk=site.pk)
    assert (fresh.name, fresh.default_language, fresh.retention_days) == ("News Example", "en", None)


def test_the_snippet_follows_the_settings(as_owner, site, settings):
    settings.BASE_URL = "https://desk.news.example"
    html = as_owner.get(url(site)).content.decode()
    assert (
        f"&lt;script src=&quot;https://desk.news.example/widget.js&quot; data-site=&quot;{site.public_key}&quot; "
        "defer&gt;&lt;/script&gt;"
    ) in html
    assert 'data-copy="snippet"' in html and "desk/copy.js" in html
    Site.objects.filter(pk=site.pk).update(root_selector='main .text[data-x="1"]', default_language="ru")
    html = as_owner.get(url(site)).content.decode()
    assert (
        "data-root=&quot;main .text[data-x=&amp;quot;1&amp;quot;]&quot;" in html
    )  # escaped for the page it goes on
    assert "data-lang=&quot;ru&quot;" in html


def test_domains_are_added_normalised_and_removed(as_owner, site):
    r = as_owner.post(url(site, "sites:domain-add"), {"host": "https://WWW.Bücher.Example/path"}, follow=True)
    assert "www.xn--bcher-kva.example was added." in r.content.decode()
    r = as_owner.post(url(site, "sites:domain-add"), {"host": "news.example"}, follow=True)
    assert "already one of the site" in r.content.decode()
    r = as_owner.post(url(site, "sites:domain-add"), {"host": "not a domain/"})
    assert r.status_code == 400 and "This is not a domain name" in r.content.decode()
    assert sorted(site.domains.values_list("host", flat=True)) == [
        "news.example",
        "www.xn--bcher-kva.example",
    ]
    assert site.hosts() == ["news.example"]  # the new one waits for its proof
    extra = Domain.objects.get(host="www.xn--bcher-kva.example")
    as_owner.post(url(site, "sites:domain-remove", extra.pk))
    only = Domain.objects.get(site=site)
    r = as_owner.post(url(site, "sites:domain-remove", only.pk), follow=True)
    assert "A site needs at least one domain" in r.content.decode()
    assert site.hosts() == ["news.example"]


def test_www_and_the_bare_domain_are_one_only_when_the_owner_says_so(site):
    assert site.allows_host("news.example") and not site.allows_host("www.news.example")
    site.www_alias = True
    assert site.allows_host("www.news.example") and site.allows_host("WWW.news.example.")
    assert not site.allows_host("www.www.news.example") and not site.allows_host("other.example")
    Domain.objects.filter(site=site).update(host="www.paper.example")
    assert site.allows_host("paper.example") and not site.allows_host("news.example")


def test_reports_from_the_www_twin_are_accepted_after_switching_it_on(client, site, owner):
    body = {
        "site": site.public_key,
        "url": "https://www.news.example/story",
        "quote": {"exact": "teh", "prefix": "It was ", "suffix": " best", "start": 7, "end": 10},
    }

    def send():
        return client.post(
            "/api/v1/reports", body, content_type="application/json", HTTP_ORIGIN="https://www.news.example"
        )

    first = send()
    assert first.status_code in (400, 403, 422), first.content
    client.force_login(owner)
    client.post(url(site), form(site, www_alias="on"))
    client.logout()
    r = send()
    assert r.status_code == 201, r.content


def test_deleting_the_site_needs_its_name_typed(as_owner, site):
    record_report(
        site, url="https://news.example/a", quote=Quote("teh", "It was ", " best", 7, 10), title="A"
    )
    r = as_owner.post(url(site, "sites:delete"), {"confirm": "news example"})
    assert (
        r.status_code == 400
        and "That is not the site&#x27;s name. Nothing was deleted." in r.content.decode()
    )
    assert Site.objects.filter(pk=site.pk).exists()
    r = as_owner.post(url(site, "sites:delete"), {"confirm": "News Example"}, follow=True)
    assert "The site News Example and all its findings were deleted." in r.content.decode()
    assert not Site.objects.filter(pk=site.pk).exists() and not Finding.objects.exists()


def test_sites_page_lists_my_sites_with_my_role(client, site, other_site, editor, make_site):
    make_site(name="Weekly", domains=("weekly.example",), members=[(editor, "owner")])
    client.force_login(editor)
    html = client.get(reverse("sites:index")).content.decode()
    assert "News Example" in html and "Weekly" in html and "Other Paper" not in html
    assert url(site, "sites:members") not in html  # an editor there
    assert reverse("sites:members", args=[Site.objects.get(name="Weekly").public_key]) in html
