"""A fix that is not on the page: the finding comes back *regressed*, and whoever marked it fixed
hears of it by e-mail (unless one of the site's e-mail channels reaches them already)."""

from __future__ import annotations

import pytest

from tests.notify.conftest import smtp  # noqa: F401 (a fixture)
from tests.pages.conftest import STORY, fresh, read_due_pages
from typodesk.findings.models import Finding
from typodesk.findings.services import set_status
from typodesk.notify.models import Channel, ReaderMail
from typodesk.notify.reader import ReaderMailer
from typodesk.pages.schedule import schedule_now
from typodesk.sites.models import Membership

pytestmark = pytest.mark.django_db


def regress(report, server, editor) -> Finding:
    server.pages["/story"] = STORY
    finding = report("/story", "trafic")
    read_due_pages()
    set_status(finding, "fixed", editor)  # …but the CMS never published the edit
    read_due_pages()
    return fresh(finding)


def test_the_editor_who_marked_it_fixed_gets_a_mail_saying_it_is_still_there(
    server,
    report,
    editor,
    smtp,  # noqa: F811
):
    f = regress(report, server, editor)
    assert f.is_regressed and f.status == "new"
    [mail] = ReaderMail.objects.filter(finding=f)
    assert (mail.kind, mail.address) == ("regressed", "editor@news.example")
    assert ReaderMailer(worker_id="test").tick() == 1
    [sent] = smtp.mails
    assert sent.rcpt_tos == ["editor@news.example"]
    text = sent.part("text/plain")
    assert "“trafic” is still there" in text and "the trafic on the main road" in text
    assert f"https://desk.example/desk/findings/{f.pk}/" in text
    assert "Still on the page: “trafic” on News Example" in sent.message["Subject"]
    assert ReaderMail.objects.get(pk=mail.pk).address == ""  # erased once sent


def test_an_editor_reached_by_an_email_channel_is_left_to_the_channel(server, report, editor, site):
    Channel.objects.create(
        site=site, kind="email", name="Desk", target="Editor@news.example", events=["new"]
    )  # no "verification": the editor chose not to hear of it
    f = regress(report, server, editor)
    assert f.is_regressed
    assert not ReaderMail.objects.filter(finding=f).exists()


def test_the_mail_is_in_the_editors_language(server, report, editor, site, make_user):
    site.default_language = "ru"
    site.save()
    f = regress(report, server, editor)
    from typodesk.notify.reader import render

    subject, text, _html = render(ReaderMail.objects.get(finding=f))
    assert subject.startswith("Всё ещё на странице") and "trafic" in text


def test_a_decision_ends_the_regressed_state_and_the_page_reader_fix_never_mails(
    server, report, editor, make_user, site
):
    f = regress(report, server, editor)
    other = make_user("chief@news.example")
    Membership.objects.create(site=site, user=other, role="editor")
    set_status(f, "rejected", other)
    assert not fresh(f).is_regressed
    server.pages["/story"] = STORY.replace("trafic", "traffic")
    g = fresh(f)
    set_status(g, "new", other)
    schedule_now(g.page, "desk")
    read_due_pages()  # the page reader fixes it: nobody marked it fixed by hand since
    assert fresh(g).status == "fixed"
    assert ReaderMail.objects.filter(finding=f, kind="regressed").count() == 1
