"""`typodesk import-mail`: Orphus report mails into findings, on sample mailboxes in both formats
and three charsets (tests/interchange/mailboxes.py)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from tests.cli.test_cli import one_line_error
from tests.interchange import mailboxes as mb
from typodesk.findings.models import Finding, Report
from typodesk.interchange.mailimport import MailboxError, import_mail
from typodesk.interchange.models import ImportedMail
from typodesk.interchange.orphus_mail import NotRecognised, decode_text, parse_mail
from typodesk.notify.models import Channel, Notification

SAMPLES = mb.samples()


@pytest.mark.parametrize("sample", SAMPLES, ids=[s.name for s in SAMPLES])
def test_each_sample_mail_is_read(sample):
    m = parse_mail(sample.raw)
    assert (m.url, m.sel, m.comment, m.format) == (sample.url, sample.sel, sample.comment, sample.fmt)
    assert m.date.tzinfo is not None and m.key and m.message_id.startswith("<")


def test_the_marked_text_gives_the_context_across_a_wrapped_line():
    m = parse_mail(SAMPLES[0].raw)
    assert m.pre == "Глава избирательной комиссии заявил, что "
    assert m.suf == " пройдут в срок и без нарушений, а подсчёт голосов начнётся сразу."
    assert m.date == datetime(2009, 4, 14, 6, 21, 7, tzinfo=UTC)


def test_print_r_keeps_the_space_next_to_the_selection():
    m = parse_mail(SAMPLES[3].raw)
    assert (m.pre, m.sel, m.suf) == (
        "В финальном матче команда одержала",
        "уверенну",
        " победу со счётом 3:1.",
    )


@pytest.mark.parametrize("name,raw", list(mb.not_reports().items())[:2])
def test_mails_that_are_not_reports_say_why(name, raw):
    with pytest.raises(NotRecognised, match="Orphus report" if name.startswith("not") else "Date"):
        parse_mail(raw)


def test_legacy_russian_without_a_charset_is_told_apart():
    text = "Съешь же ещё этих мягких французских булок"
    assert decode_text(text.encode("cp1251"), None) == text
    assert decode_text(text.encode("koi8_r"), None) == text
    assert decode_text(text.encode("utf-8"), None) == text
    assert decode_text(text.encode("koi8_r"), "x-unknown-charset") == text


@pytest.fixture
def site(make_site):
    return make_site(name="News", domains=[mb.SITE])


def all_mails():
    return [s.raw for s in SAMPLES] + list(mb.not_reports().values())


@pytest.mark.django_db
class TestImport:
    def test_an_mbox_becomes_findings_with_their_dates(self, site, tmp_path):
        Channel.objects.create(
            site=site, kind="webhook", name="h", target="https://hooks.example/x", events=["new"]
        )
        box = mb.write_mbox(tmp_path / "orphus.mbox", all_mails())
        result = import_mail(site, box)
        assert (result.read, result.imported) == (13, 11)
        assert sorted(why.split(":")[0] for _, why in result.skipped) == [
            "not an Orphus report",
            "not on the site's domains",
        ]
        # The mail without a Date header has the date of its mbox "From " line.
        assert Report.objects.get(exact="wrod").created == datetime(2009, 4, 14, 6, 21, 11, tzinfo=UTC)
        # Two mails of the same mistake in the same words: one finding with two reports.
        vybory = Finding.objects.get(exact="выбры")
        assert vybory.report_count == 2 and vybory.page.url == "https://news.example/2009/04/14/vybory.html"
        assert vybory.created == datetime(2009, 4, 14, 6, 21, 7, tzinfo=UTC)
        assert vybory.last_reported == datetime(2009, 4, 15, 4, 0, tzinfo=UTC)
        years = sorted(r.created.year for r in Report.objects.all())
        assert years == [2009, 2009, 2009, 2009, 2010, 2010, 2011, 2012, 2012, 2013, 2014]
        assert result.new_findings == Finding.objects.count() == 10
        assert not Notification.objects.exists()  # years-old reports are not news
        assert ImportedMail.objects.count() == 11

    def test_the_same_mail_is_never_imported_twice(self, site, tmp_path):
        box = mb.write_mbox(tmp_path / "orphus.mbox", all_mails())
        import_mail(site, box)
        again = import_mail(site, box)
        assert again.imported == 0 and Report.objects.count() == 11
        assert [why for _, why in again.skipped].count("already imported") == 11
        # The same mails saved as .eml files (another export of the same mailbox): same Message-IDs.
        folder = mb.write_eml_folder(tmp_path / "eml", all_mails())
        assert import_mail(site, folder).imported == 0 and Report.objects.count() == 11

    def test_an_eml_folder_gives_the_same_findings_as_the_mbox(self, site, make_site, tmp_path):
        folder = mb.write_eml_folder(tmp_path / "eml", all_mails())
        result = import_mail(site, folder)
        assert result.imported == 10  # the .eml without Date has no "From " line to fall back on
        assert any(
            why == "not an Orphus report: no Date header that can be read" for _, why in result.skipped
        )
        assert sorted(Finding.objects.values_list("exact", flat=True)) == sorted(
            [s.sel for s in SAMPLES if s.sel != "выбры"] + ["выбры"]
        )

    def test_copies_in_one_mailbox_and_mails_without_message_id(self, site, tmp_path):
        one = mb.mail(mb.LABELLED_EN, msgid=None)
        box = mb.write_mbox(tmp_path / "dups.mbox", [SAMPLES[2].raw, SAMPLES[2].raw, one, one])
        result = import_mail(site, box)
        assert result.imported == 2
        assert [why for _, why in result.skipped] == ["a copy of an earlier mail in the same mailbox"] * 2
        assert import_mail(site, box).imported == 0

    def test_a_dry_run_writes_nothing(self, site, tmp_path):
        box = mb.write_mbox(tmp_path / "orphus.mbox", all_mails())
        assert import_mail(site, box, dry_run=True).imported == 11
        assert not Report.objects.exists() and not ImportedMail.objects.exists()

    def test_what_is_not_a_mailbox(self, site, tmp_path):
        (tmp_path / "empty").mkdir()
        (tmp_path / "text.txt").write_text("hello")
        for path, message in (
            (tmp_path / "empty", "no .eml"),
            (tmp_path / "text.txt", "not an mbox"),
            (tmp_path / "missing", "neither"),
        ):
            with pytest.raises(MailboxError, match=message):
                import_mail(site, path)


@pytest.mark.slow
def test_the_import_mail_command(install, tmp_path):
    install.run("init")
    key = install.run("site", "add", "News", "--domain", mb.SITE).stdout.strip()
    box = mb.write_mbox(tmp_path / "orphus.mbox", all_mails())
    cp = install.run("import-mail", "--site", key, str(box))
    skipped = [line.split("\t") for line in cp.stdout.splitlines()]
    assert [s[:2] for s in skipped] == [
        ["skipped", "orphus.mbox message 11"],
        ["skipped", "orphus.mbox message 13"],
    ]
    assert skipped[0][2].startswith("not an Orphus report") and skipped[1][2].startswith(
        "not on the site's domains"
    )
    assert "read 13 mails, imported 11 (10 new findings), skipped 2" in cp.stderr
    again = install.run("import-mail", "--site", key, str(box))
    assert "imported 0" in again.stderr and "11 already imported" in again.stderr
    one_line_error(install.run("import-mail", "--site", "nope", str(box), check=False), "nope")
    one_line_error(
        install.run("import-mail", "--site", key, str(tmp_path / "missing"), check=False), "missing"
    )
    one_line_error(install.run("import-mail", str(box), check=False), "--site")
