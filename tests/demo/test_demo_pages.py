"""The demo's own pages: the article, its one-page CMS, and the mailbox that exists only in demo mode."""

from __future__ import annotations

import smtplib
from email.message import EmailMessage

import pytest
from django.urls import reverse
from django.utils import timezone

from typodesk.demo import content, mode
from typodesk.demo.mailbox import SmtpMailbox
from typodesk.demo.models import Article
from typodesk.demo.setup import DEMO_EMAIL, ensure_demo
from typodesk.findings.models import Page
from typodesk.findings.services import Quote, record_report
from typodesk.notify.models import Channel
from typodesk.pages.models import PageCheck

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def fast_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def no_demo_mode():
    mode.stop()
    yield
    mode.stop()


@pytest.fixture
def demo():
    return ensure_demo(["127.0.0.1", "localhost"])


@pytest.fixture
def editor_client(client, demo):
    client.login(username=demo.email, password=demo.password)
    return client


@pytest.fixture
def mailbox(tmp_path):
    smtp = SmtpMailbox(tmp_path / "mailbox").start()
    yield smtp
    smtp.stop()


def send(smtp: SmtpMailbox, to: str, subject: str, text: str) -> None:
    msg = EmailMessage()
    msg["From"], msg["To"], msg["Subject"] = "typodesk@localhost", to, subject
    msg.set_content(text)
    with smtplib.SMTP("127.0.0.1", smtp.port, timeout=5) as conn:
        conn.send_message(msg)


def report_on_article(demo, exact: str = "recieved") -> Page:
    text = content.BODY
    start = text.index(exact)
    record_report(
        demo.site,
        url="http://127.0.0.1:8000/demo/article/",
        quote=Quote(exact, "", "", start, start + len(exact)),
        title=content.TITLE,
        lang="en",
    )
    return Page.objects.get(site=demo.site)


def test_setup_is_idempotent_keeps_the_edited_article_and_lets_readers_leave_an_address(demo):
    Article.objects.filter(site=demo.site).update(body="Edited.")
    again = ensure_demo(["127.0.0.1", "localhost"])
    assert again.site == demo.site and again.password != demo.password
    assert Article.objects.get(site=demo.site).body == "Edited."
    demo.site.refresh_from_db()
    assert demo.site.allow_reader_email
    (channel,) = Channel.objects.filter(site=demo.site)
    assert channel.kind == "email" and channel.recipients() == [DEMO_EMAIL]
    assert {"new", "fixed", "verification"} <= set(channel.events)


def test_the_article_shows_its_stored_text_escaped_and_the_three_steps(client, demo):
    Article.objects.filter(site=demo.site).update(
        body='First <b>bold</b> "line"\n\nSecond <script>x</script>'
    )
    html = client.get("/demo/article/").content.decode()
    assert "<p>First &lt;b&gt;bold&lt;/b&gt; &quot;line&quot;</p>" in html
    assert "<script>x</script>" not in html
    assert html.count("<li><strong>") == 3 and 'href="/demo/article/edit/"' in html
    assert f'data-site="{demo.site.public_key}"' in html


def test_the_article_without_the_demo_site_is_a_404_that_says_what_to_run(client):
    r = client.get("/demo/article/")
    assert r.status_code == 404


def test_editing_needs_a_login_and_a_role_that_may_edit(client, demo, make_user):
    r = client.get("/demo/article/edit/")
    assert r.status_code == 302 and r["Location"].startswith(reverse("desk:login"))
    stranger = make_user("stranger@example.org")
    client.force_login(stranger)
    r = client.post("/demo/article/edit/", {"title": "Hacked", "body": "Hacked."})
    assert r.status_code == 403 and b"editor" in r.content
    assert Article.objects.get(site=demo.site).title == content.TITLE


def test_publishing_saves_the_article_and_asks_for_a_reading_now(editor_client, demo):
    page = report_on_article(demo)
    PageCheck.objects.filter(page=page).update(due_at=timezone.now() + timezone.timedelta(hours=1))
    body = content.BODY.replace("We recieved", "We received")
    r = editor_client.post("/demo/article/edit/", {"title": content.TITLE, "body": body}, follow=True)
    assert r.redirect_chain == [("/demo/article/", 302)]
    assert "Published. typodesk reads the page again" in r.content.decode()
    assert "We received letters" in r.content.decode()
    assert Article.objects.get(site=demo.site).body == body
    assert PageCheck.objects.get(page=page).due_at <= timezone.now()


@pytest.mark.parametrize(
    ("title", "body", "message"),
    [
        ("", "Text.", "The article needs a title."),
        ("T" * 201, "Text.", "The title is longer than 200 characters."),
        ("Title", " \n\n ", "The article needs some text."),
        ("Title", "x" * 20_001, "The text is longer than 20,000 characters."),
    ],
)
def test_a_bad_edit_is_refused_with_a_message_and_nothing_saved(editor_client, demo, title, body, message):
    r = editor_client.post("/demo/article/edit/", {"title": title, "body": body})
    assert r.status_code == 400 and message in r.content.decode()
    assert Article.objects.get(site=demo.site).body == content.BODY


def test_the_mailbox_exists_only_in_demo_mode(editor_client, demo, mailbox):
    assert editor_client.get("/desk/demo/mailbox/").status_code == 404
    assert "Demo mailbox" not in editor_client.get("/desk/").content.decode()
    mode.start(demo.site.pk, mailbox.directory)
    assert editor_client.get("/desk/demo/mailbox/").status_code == 200
    assert 'href="/desk/demo/mailbox/"' in editor_client.get("/desk/").content.decode()


def test_the_mailbox_shows_what_the_smtp_server_received_escaped(editor_client, demo, mailbox):
    mode.start(demo.site.pk, mailbox.directory)
    assert "No mail yet" in editor_client.get("/desk/demo/mailbox/").content.decode()
    send(mailbox, "reader@example.org", "Fixed <b>now</b>", "It now reads <i>received</i>.")
    html = editor_client.get("/desk/demo/mailbox/").content.decode()
    assert "Fixed &lt;b&gt;now&lt;/b&gt;" in html and "It now reads &lt;i&gt;received&lt;/i&gt;." in html
    assert '<span class="to">reader@example.org</span>' in html


def test_the_mailbox_is_only_for_the_demo_sites_members(client, demo, mailbox, make_user):
    mode.start(demo.site.pk, mailbox.directory)
    send(mailbox, "reader@example.org", "Private", "A reader's mail.")
    client.force_login(make_user("stranger@example.org"))
    r = client.get("/desk/demo/mailbox/")
    assert r.status_code == 404 and b"A reader's mail" not in r.content


def test_the_finding_page_links_to_the_demo_cms_only_in_demo_mode(editor_client, demo, mailbox):
    report_on_article(demo)
    finding = demo.site.findings.get()
    url = reverse("desk:finding", args=[finding.pk])
    assert "Edit this article" not in editor_client.get(url).content.decode()
    mode.start(demo.site.pk, mailbox.directory)
    assert 'href="/demo/article/edit/">Edit this article</a>' in editor_client.get(url).content.decode()


def test_no_edit_link_on_the_findings_of_other_sites(client, demo, mailbox, make_site, make_user):
    user = make_user("editor@news.example")
    other = make_site(name="News", domains=("news.example",), members=[(user, "owner")])
    record_report(other, url="https://news.example/a", quote=Quote("teh", "", "", 0, 3), title="A", lang="en")
    mode.start(demo.site.pk, mailbox.directory)
    client.force_login(user)
    html = client.get(reverse("desk:finding", args=[other.findings.get().pk])).content.decode()
    assert "Edit this article" not in html


def test_the_demo_says_what_to_run_when_the_spell_checker_is_off(monkeypatch, demo):
    from typodesk import cli, spelling
    from typodesk.spelling._engine import LanguageStatus

    banner = "\n".join(cli._demo_banner("http://127.0.0.1:8000", demo))
    assert "Three things to try, in order:" in banner and "spell checker is off" not in banner
    missing = (
        "no Hunspell dictionary en_US found (Debian package hunspell-en-us); run scripts/install-system-deps"
    )
    monkeypatch.setattr(spelling, "status", lambda lang: LanguageStatus(lang, False, missing))
    banner = "\n".join(cli._demo_banner("http://127.0.0.1:8000", demo))
    assert f"The spell checker is off for English here ({missing})." in banner
    assert "sudo scripts/install-system-deps, then start the demo again" in banner
