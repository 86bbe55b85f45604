"""API tokens: format, hashed storage, last use, revocation, scopes; the desk page and the CLI."""

from __future__ import annotations

import hashlib
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from tests.api.conftest import Api, assert_error
from tests.cli.test_cli import one_line_error
from typodesk.apiv1.models import ApiToken
from typodesk.apiv1.tokens import TokenError, create_token


@pytest.mark.django_db
class TestTokens:
    def test_a_token_is_a_prefix_and_a_secret_stored_only_as_its_hash(self, people):
        token, secret = create_token(people["editor"], name="CMS")
        assert secret.startswith("tdk_") and len(secret) >= 40
        row = ApiToken.objects.get(pk=token.pk)
        assert row.token_hash == hashlib.sha256(secret.encode()).hexdigest()
        stored = " ".join(str(v) for v in ApiToken.objects.filter(pk=token.pk).values().get().values())
        assert secret not in stored and secret[4:] not in stored
        assert row.shown == secret[:10]
        assert create_token(people["editor"])[1] != secret

    def test_bad_authorization_headers_are_401s(self, client, site, people):
        _, secret = create_token(people["editor"])
        for header in (
            "",
            f"Token {secret}",
            f"Basic {secret}",
            "Bearer",
            "Bearer tdk_nope",
            f"Bearer {secret}x",
            "Bearer " + "tdk_" + "a" * 5000,
            "Bearer \u00e9t\u00e9",
        ):
            extra = {"HTTP_AUTHORIZATION": header} if header else {}
            r = client.get("/api/v1/findings", **extra)
            assert_error(r, 401, "authorization")
        assert Api(client, secret).get("/findings").status_code == 200
        assert client.get("/api/v1/findings", HTTP_AUTHORIZATION=f"bearer  {secret} ").status_code == 200

    def test_revoked_tokens_and_deactivated_users_are_refused(self, client, site, people):
        token, secret = create_token(people["editor"])
        api = Api(client, secret)
        assert api.get("/findings").status_code == 200
        ApiToken.objects.filter(pk=token.pk).update(revoked=timezone.now())
        assert_error(api.get("/findings"), 401, "authorization")
        _, secret = create_token(people["viewer"])
        people["viewer"].is_active = False
        people["viewer"].save()
        assert_error(Api(client, secret).get("/findings"), 401, "authorization")

    def test_last_use_is_recorded_at_most_once_a_minute(self, client, site, people):
        token, secret = create_token(people["editor"])
        api = Api(client, secret)
        assert ApiToken.objects.get(pk=token.pk).last_used is None
        api.get("/findings")
        first = ApiToken.objects.get(pk=token.pk).last_used
        assert first is not None and timezone.now() - first < timedelta(seconds=5)
        api.get("/findings")
        assert ApiToken.objects.get(pk=token.pk).last_used == first
        ApiToken.objects.filter(pk=token.pk).update(last_used=first - timedelta(seconds=61))
        api.get("/findings")
        assert ApiToken.objects.get(pk=token.pk).last_used > first

    def test_a_site_token_needs_a_membership(self, site, other_site, people):
        with pytest.raises(TokenError):
            create_token(people["editor"], site=other_site)
        assert create_token(people["admin"], site=other_site)[0].site == other_site


@pytest.mark.django_db
class TestDeskPage:
    @pytest.fixture
    def desk(self, client, people, site):
        client.force_login(people["editor"])
        return client

    def test_nav_links_and_an_empty_list(self, desk):
        page = desk.get(reverse("desk:inbox")).content.decode()
        assert reverse("apiv1:tokens") in page and reverse("apiv1:export") in page
        assert "You have no API tokens" in desk.get(reverse("apiv1:tokens")).content.decode()

    def test_make_a_token_shown_once_then_use_and_revoke_it(self, desk, client, site, people):
        r = desk.post(
            reverse("apiv1:token-create"), {"name": "Nightly", "site": site.public_key, "read_only": "on"}
        )
        assert r.status_code == 200
        token = ApiToken.objects.get(user=people["editor"])
        secret = r.context["new_secret"]
        assert secret.startswith("tdk_") and secret in r.content.decode()
        assert (token.name, token.site, token.read_only) == ("Nightly", site, True)
        listing = desk.get(reverse("apiv1:tokens")).content.decode()
        assert (
            secret not in listing and token.shown in listing and "never" in listing and "Nightly" in listing
        )
        assert Api(client, secret).get("/findings").status_code == 200
        assert "never" not in desk.get(reverse("apiv1:tokens")).content.decode().split("<tbody>")[1]
        r = desk.post(reverse("apiv1:token-revoke", args=[token.pk]))
        assert r.status_code == 302 and ApiToken.objects.get(pk=token.pk).revoked is not None
        assert_error(Api(client, secret).get("/findings"), 401)

    def test_only_your_own_sites_and_tokens(self, desk, site, other_site, people):
        r = desk.post(reverse("apiv1:token-create"), {"site": other_site.public_key})
        assert r.status_code == 400 and not ApiToken.objects.exists()
        theirs, _ = create_token(people["owner"])
        assert desk.post(reverse("apiv1:token-revoke", args=[theirs.pk])).status_code == 404
        assert ApiToken.objects.get(pk=theirs.pk).revoked is None

    def test_a_token_needs_a_name(self, desk, site):
        for name in ("", "   "):
            r = desk.post(reverse("apiv1:token-create"), {"name": name, "site": site.public_key})
            assert r.status_code == 400 and not ApiToken.objects.exists()
            assert "Give the token a name" in r.content.decode()

    def test_the_form_starts_at_the_narrowest_scope(self, desk, site, other_site, people):
        from typodesk.sites.models import Membership

        Membership.objects.create(site=other_site, user=people["editor"], role="editor")
        page = desk.get(reverse("apiv1:tokens")).content.decode()
        form = page[page.index('class="token-form"') :]
        # One site chosen (the first, by name), "all my sites" an explicit choice after them,
        # read-only checked, an expiry in 90 days.
        assert f'<option value="{site.public_key}" selected>' in form
        assert '<option value="all">' in form and form.index('value="all"') > form.index(
            other_site.public_key
        )
        assert '<input type="radio" name="access" value="read" checked>' in form
        assert '<option value="90" selected>' in form
        # What the form sends by default makes a read-only token for one site.
        desk.post(reverse("apiv1:token-create"), {"name": "Dash", "site": site.public_key, "expires": "90"})
        token = ApiToken.objects.get(name="Dash")
        assert (token.site, token.read_only) == (site, True)
        assert timedelta(days=89) < token.expires - timezone.now() <= timedelta(days=90)
        # A site must be chosen; all sites and writing only when asked for.
        r = desk.post(reverse("apiv1:token-create"), {"name": "x", "site": ""})
        assert r.status_code == 400 and "Choose one of your sites" in r.content.decode()
        desk.post(
            reverse("apiv1:token-create"),
            {"name": "Wide", "site": "all", "access": "write", "expires": "none"},
        )
        wide = ApiToken.objects.get(name="Wide")
        assert (wide.site, wide.read_only, wide.expires) == (None, False, None)
        r = desk.post(
            reverse("apiv1:token-create"), {"name": "x", "site": site.public_key, "expires": "forever"}
        )
        assert r.status_code == 400 and "Choose when the token expires" in r.content.decode()

    def test_the_new_token_is_shown_whole_in_the_example(self, desk, site):
        r = desk.post(reverse("apiv1:token-create"), {"name": "CMS", "site": site.public_key})
        secret = r.context["new_secret"]
        html = r.content.decode()
        assert f"Authorization: Bearer {secret}" in html and f"Bearer {secret[:10]}…" not in html
        assert html.count("data-copy=") == 2  # the token and the command

    def test_an_expired_token_is_refused_and_shown_expired(self, desk, client, site, people):
        token, secret = create_token(
            people["editor"], site=site, name="Old", expires=timezone.now() + timedelta(days=1)
        )
        assert Api(client, secret).get("/findings").status_code == 200
        ApiToken.objects.filter(pk=token.pk).update(expires=timezone.now() - timedelta(seconds=1))
        body = assert_error(Api(client, secret).get("/findings"), 401, "authorization")
        assert "expired" in body["error"] and "make a new one" in body["error"]
        listing = desk.get(reverse("apiv1:tokens")).content.decode()
        row = listing[listing.index(f'data-token="{token.pk}"') :]
        assert "expired" in row[: row.index("</tr>")]
        create_token(people["editor"], site=site, name="Forever")
        assert "no expiry" in desk.get(reverse("apiv1:tokens")).content.decode()

    def test_changes_need_post_and_csrf(self, people, site):
        from django.test import Client

        strict = Client(enforce_csrf_checks=True)
        strict.force_login(people["editor"])
        assert strict.post(reverse("apiv1:token-create"), {"name": "x"}).status_code == 403
        assert strict.get(reverse("apiv1:token-create")).status_code == 405
        assert not ApiToken.objects.exists()

    def test_the_page_needs_login(self, client):
        assert client.get(reverse("apiv1:tokens")).status_code == 302

    def test_export_page_and_downloads(self, desk, site, other_site):
        page = desk.get(reverse("apiv1:export")).content.decode()
        assert "News Example" in page and "Other" not in page
        r = desk.get(reverse("apiv1:export-download", args=[site.public_key, "jsonld"]))
        assert r.status_code == 200 and r["Content-Type"].startswith("application/ld+json")
        day = timezone.localdate().isoformat()
        assert r["Content-Disposition"] == f'attachment; filename="news-example-findings-{day}.jsonld"'
        # The CSV opens in Excel: UTF-8 with a byte order mark, named by the site and the day.
        r = desk.get(reverse("apiv1:export-download", args=[site.public_key, "csv"]))
        body = b"".join(r.streaming_content)
        assert body.startswith(b"\xef\xbb\xbfid,") and body.count(b"\xef\xbb\xbf") == 1
        assert r["Content-Disposition"] == f'attachment; filename="news-example-findings-{day}.csv"'
        assert (
            desk.get(reverse("apiv1:export-download", args=[other_site.public_key, "csv"])).status_code == 404
        )
        assert desk.get(reverse("apiv1:export-download", args=[site.public_key, "xml"])).status_code == 404


PASSWORD = "a-long-test-password\n"


@pytest.mark.slow
def test_token_commands(install):
    install.run("init")
    install.run("createuser", "you@news.example", "--password-stdin", input=PASSWORD)
    key = install.run(
        "site", "add", "News", "--domain", "news.example", "--owner", "you@news.example"
    ).stdout.strip()
    made = install.run("token", "add", "you@news.example", "--site", key, "--read-only", "--name", "nightly")
    secret = made.stdout.strip()
    assert secret.startswith("tdk_") and "\n" not in secret and "shown only now" in made.stderr
    rw = install.run("token", "add", "You@News.Example").stdout.strip()
    listed = install.run("token", "list").stdout.splitlines()
    assert len(listed) == 2 and secret not in "\n".join(listed)
    first = listed[0].split("\t")
    assert (
        first[1] == secret[:10] + "…"
        and first[2:5] == ["you@news.example", key, "read"]
        and first[6:] == ["-", "nightly"]
    )
    assert listed[1].split("\t")[3:5] == ["*", "write"]
    install.run("token", "revoke", secret[:10])
    install.run("token", "revoke", rw)
    assert install.run("token", "list").stdout == ""
    one_line_error(install.run("token", "revoke", secret[:10], check=False), "no live token")
    one_line_error(install.run("token", "add", "ghost@news.example", check=False), "ghost@news.example")
    one_line_error(install.run("token", "add", "you@news.example", "--site", "nope", check=False), "nope")
    one_line_error(install.run("token", check=False), "required")
