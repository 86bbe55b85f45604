"""Domains: the overlap rule, domains waiting for their proof, the check, and who may run it."""

from __future__ import annotations

import re

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from tests.pages.siteserver import SiteServer
from typodesk.ingest import sitecache
from typodesk.net.fetch import ROBOTS
from typodesk.sites import domaincheck
from typodesk.sites.hosts import HostPatterns
from typodesk.sites.models import Domain, DomainConflict, conflicting_domain, sites_covering

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.mark.parametrize(
    ("mine", "theirs", "www", "overlap"),
    [
        ("news.example", "news.example", False, True),
        ("news.example", "*.news.example", False, True),  # a wildcard covers its own base
        ("live.news.example", "*.news.example", False, True),
        ("*.example", "news.example", False, True),
        ("*.a.news.example", "*.news.example", False, True),  # nested wildcards
        ("*.news.example", "*.a.news.example", False, True),
        ("www.news.example", "news.example", True, True),  # the www twin, when the sites say so
        ("www.news.example", "news.example", False, False),
        ("news.example", "other.example", False, False),
        ("*.news.example", "*.other.example", False, False),
        ("paper.example", "*.news.example", False, False),
        ("news.example.org", "*.news.example", False, False),  # a suffix of the text, not a domain
        ("xnews.example", "*.news.example", False, False),
    ],
)
def test_overlap_is_symmetric_and_follows_the_host_matching_rule(mine, theirs, www, overlap):
    a, b = HostPatterns.of([mine], www), HostPatterns.of([theirs], www)
    assert a.overlaps(b) is overlap and b.overlaps(a) is overlap


def test_only_another_sites_verified_domains_conflict(make_site):
    victim = make_site(name="Victim", domains=["*.news.example"])
    mine = make_site(name="Mine", domains=["mine.example"])
    assert conflicting_domain(mine, "live.news.example") == "*.news.example"
    assert conflicting_domain(mine, "*.example") == "*.news.example"
    assert conflicting_domain(mine, "news.example.org") is None
    assert conflicting_domain(victim, "live.news.example") is None  # its own domains are not a conflict
    with pytest.raises(DomainConflict, match="overlaps \\*.news.example, a verified domain of another site"):
        Domain.add_pending(mine, "news.example")
    # A domain another site only asked for holds nothing: whoever proves it first gets it.
    Domain.add_pending(mine, "paper.example")
    third = make_site(name="Third", domains=["third.example"])
    assert conflicting_domain(third, "paper.example") is None
    Domain.add_pending(third, "paper.example")
    # The www twin counts when either site treats www. and the bare domain as one.
    assert conflicting_domain(third, "www.mine.example") is None
    third.www_alias = True
    third.save()
    assert conflicting_domain(third, "www.mine.example") == "mine.example"
    third.www_alias = False
    third.save()
    mine.www_alias = True
    mine.save()
    assert conflicting_domain(third, "www.mine.example") == "mine.example"


def test_a_pending_domain_matches_nothing_until_verified(make_site):
    site = make_site(domains=["news.example"])
    pending = Domain.add_pending(site, "paper.example")
    sitecache.forget()
    assert site.hosts() == ["news.example"] and not site.allows_host("paper.example")
    assert sites_covering("paper.example") == [] and not sitecache.any_site_has("paper.example")
    assert not sitecache.site(site.public_key).hosts.matches("paper.example")
    pending.verified_at = pending.checked_at = timezone.now()
    pending.save()  # the save forgets the cached snapshots at once
    assert sitecache.any_site_has("paper.example")
    assert sitecache.site(site.public_key).hosts.matches("paper.example")
    assert [s for _, s in sites_covering("paper.example")] == [site]


@pytest.fixture
def pages(settings):
    settings.TYPODESK_ALLOW_PRIVATE_TARGETS = True
    ROBOTS.clear()
    with SiteServer() as server:
        settings.TYPODESK_DOMAIN_CHECK_PORT = server.port
        yield server
    ROBOTS.clear()


def test_the_check_says_what_it_found_and_verifies_on_the_token(make_site, pages):
    site = make_site(domains=["news.example"])
    domain = Domain.add_pending(site, "*.localhost")  # proved on localhost itself
    outcome = domaincheck.check(domain)
    assert not outcome.verified and not domain.is_verified and domain.checked_at is not None
    assert (
        f"http://localhost:{pages.port}/.well-known/typodesk-verification.txt: the site answered HTTP 404"
        in (domain.check_result)
    )
    pages.pages[domaincheck.FILE_PATH] = "someone-elses-token"
    pages.types[domaincheck.FILE_PATH] = "text/plain"
    pages.pages["/"] = '<html><head><meta name="typodesk-verification" content="nope"></head></html>'
    outcome = domaincheck.check(domain)
    assert "the file does not hold this domain's token" in outcome.found
    assert 'the <meta name="typodesk-verification"> tag holds another token' in outcome.found
    pages.pages["/"] = (
        f'<html><head><title>Home</title><META NAME="typodesk-verification" content=" {domain.token} ">'
        "</head><body>" + "x" * 100 + "</body></html>"
    )
    assert domaincheck.check(domain).verified
    domain.refresh_from_db()
    assert domain.is_verified and domain.check_result == f"the token is in http://localhost:{pages.port}/"
    assert site.allows_host("live.localhost")


def test_the_check_obeys_robots_txt_and_stays_on_the_domain(make_site, pages):
    site = make_site(domains=["news.example"])
    domain = Domain.add_pending(site, "localhost")
    pages.robots = "User-agent: typodesk\nDisallow: /\n"
    outcome = domaincheck.check(domain)
    assert not outcome.verified and "robots.txt does not allow typodesk" in outcome.found
    ROBOTS.clear()
    pages.robots = None
    pages.redirects[domaincheck.FILE_PATH] = f"http://127.0.0.1:{pages.port}/proof.txt"
    pages.pages["/proof.txt"] = domain.token
    pages.types["/proof.txt"] = "text/plain"
    outcome = domaincheck.check(domain)
    assert not outcome.verified and "127.0.0.1 is not one of the site's domains" in outcome.found


def test_the_check_refuses_private_addresses_unless_allowed(make_site, pages, settings):
    settings.TYPODESK_ALLOW_PRIVATE_TARGETS = False
    domain = Domain.add_pending(make_site(domains=["news.example"]), "localhost")
    pages.pages[domaincheck.FILE_PATH] = domain.token
    pages.types[domaincheck.FILE_PATH] = "text/plain"
    outcome = domaincheck.check(domain)
    assert not outcome.verified and "private, loopback or link-local address; refused" in outcome.found
    assert not pages.requests


def test_a_domain_another_site_verified_meanwhile_is_not_verified(make_site, pages):
    mine = make_site(name="Mine", domains=["mine.example"])
    domain = Domain.add_pending(mine, "localhost")
    make_site(name="Quicker", domains=["localhost"])  # verified by the instance admin meanwhile
    pages.pages[domaincheck.FILE_PATH] = domain.token
    pages.types[domaincheck.FILE_PATH] = "text/plain"
    outcome = domaincheck.check(domain)
    assert not outcome.verified and "but localhost is now a verified domain of another site" in outcome.found
    assert not Domain.objects.get(pk=domain.pk).is_verified


def test_only_owners_check_a_domain_with_a_csrf_token(site, owner, editor, outsider, other_site):
    domain = Domain.add_pending(site, "paper.example")
    check = reverse("sites:domain-check", args=[site.public_key, domain.pk])
    client = Client(enforce_csrf_checks=True)
    client.force_login(owner)
    assert client.post(check).status_code == 403  # no CSRF token
    html = client.get(reverse("sites:settings", args=[site.public_key])).content.decode()
    assert "Waiting for verification" in html and domain.token in html and "Check now" in html
    assert html.count('name="csrfmiddlewaretoken"') == len(re.findall(r"<form(?![^>]*method=\"dialog\")", html))
    for who, status in ((editor, 403), (outsider, 404)):
        c = Client()
        c.force_login(who)
        assert c.post(check).status_code == status
        if who is editor:
            page = c.get(reverse("sites:settings", args=[site.public_key])).content.decode()
            assert "Waiting for verification" in page and domain.token not in page
    c = Client()
    c.force_login(outsider)
    other_check = reverse("sites:domain-check", args=[other_site.public_key, domain.pk])
    assert c.post(other_check).status_code == 404  # another site's domain id in one's own site's URL
    assert Domain.objects.get(pk=domain.pk).checked_at is None


def test_the_migration_verifies_every_domain_that_already_exists():
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    before = [("typodesk_sites", "0004_site_settings_invitations")]
    after = [("typodesk_sites", "0005_domain_verification")]
    executor = MigrationExecutor(connection)
    executor.migrate(before)
    old = executor.loader.project_state(before).apps
    site = old.get_model("typodesk_sites", "Site").objects.create(name="Old", public_key="oldsite")
    old.get_model("typodesk_sites", "Domain").objects.create(site=site, host="old.example")
    executor = MigrationExecutor(connection)
    executor.migrate(after)
    domain = Domain.objects.get(host="old.example")
    assert domain.is_verified and domain.token == "" and domain.checked_at is None
    assert [s.name for _, s in sites_covering("old.example")] == ["Old"]
