"""The desk in Russian and Azerbaijani: complete catalogues, no English left on the pages, and the
language switcher in a browser.

The page checks render every desk page for a site seeded with reader content written in Russian,
then read the page's visible text (reader content, addresses and code left out). In Russian no
English word may remain but a short list of names (typodesk, JSON, …); in Azerbaijani, written in
the Latin alphabet, no word of the English page may remain but a short list spelled alike. The
same reading of the English page must find plenty of English, so the check cannot pass by reading
nothing.
"""

from __future__ import annotations

import re
import subprocess
from datetime import timedelta
from html.parser import HTMLParser
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse
from django.utils import timezone

import typodesk

APPS = [
    "desk",
    "accounts",
    "sites",
    "abuse",
    "overview",
    "apiv1",
    "pages",
    "findings",
    "notify",
    "corrections",
]
LANGS = ["ru", "az"]
SRC = Path(typodesk.__file__).parent
PLURALS = {"ru": 3, "az": 2}

# --- The catalogues -----------------------------------------------------------------------------


def unquote(lines: list[str]) -> str:
    out = []
    for line in lines:
        body = line.strip()[1:-1]
        out.append(re.sub(r'\\(["\\nt])', lambda m: {"n": "\n", "t": "\t"}.get(m.group(1), m.group(1)), body))
    return "".join(out)


def entries(path: Path) -> list[dict]:
    """The entries of a .po file (obsolete ones left out): msgctxt, msgid, msgid_plural, msgstr[n], flags."""
    result, cur, key = [], None, None
    for raw in path.read_text(encoding="utf-8").splitlines() + [""]:
        line = raw.strip()
        if not line:
            if cur and "msgid" in cur["parts"]:
                result.append(cur)
            cur, key = None, None
            continue
        cur = cur if cur is not None else {"flags": set(), "parts": {}}
        if line.startswith("#~"):
            cur["obsolete"] = True
            continue
        if line.startswith("#,"):
            cur["flags"] |= {f.strip() for f in line[2:].split(",")}
            continue
        if line.startswith("#"):
            continue
        m = re.match(r'^(msgctxt|msgid_plural|msgid|msgstr(?:\[\d\])?) (".*")$', line)
        if m:
            key = m.group(1)
            cur["parts"][key] = [m.group(2)]
        else:
            assert line.startswith('"') and key, f"{path}: cannot read {raw!r}"
            cur["parts"][key].append(line)
    out = []
    for e in result:
        if e.get("obsolete"):
            continue
        d = {k: unquote(v) for k, v in e["parts"].items()}
        d["flags"] = e["flags"]
        out.append(d)
    return out


def placeholders(s: str) -> list[str]:
    return sorted(re.findall(r"%\(\w+\)[sd]|\{\{ ?\w+ ?\}\}|</?[a-z]+[^>]*>", s))


CATALOGUES = [(app, lang) for app in APPS for lang in LANGS]


@pytest.mark.parametrize(("app", "lang"), CATALOGUES, ids=[f"{a}-{lang}" for a, lang in CATALOGUES])
def test_catalogue_is_complete_and_compiled(app, lang, tmp_path):
    po = SRC / app / "locale" / lang / "LC_MESSAGES" / "django.po"
    mo = po.with_suffix(".mo")
    assert po.is_file() and mo.is_file(), f"{app} has no {lang} catalogue"
    items = entries(po)
    header = next(e for e in items if e["msgid"] == "")
    assert f"Language: {lang}\\n" in header["msgstr"].replace("\n", "\\n")
    assert f"nplurals={PLURALS[lang]};" in header["msgstr"]
    messages = [e for e in items if e["msgid"] != ""]
    assert messages, f"{app}/{lang} is empty"
    for e in messages:
        where = f"{app}/{lang}: {e['msgid']!r}"
        assert "fuzzy" not in e["flags"], f"fuzzy: {where}"
        if "msgid_plural" in e:
            forms = [e.get(f"msgstr[{i}]", "") for i in range(PLURALS[lang])]
            assert all(forms), f"untranslated plural form: {where}"
            assert f"msgstr[{PLURALS[lang]}]" not in e, f"too many plural forms: {where}"
            names = set(placeholders(e["msgid"])) | set(placeholders(e["msgid_plural"]))
            for form in forms:
                assert set(placeholders(form)) <= names, f"placeholder or tag not in the original: {where}"
            assert placeholders(forms[-1]) == placeholders(e["msgid_plural"]), f"placeholders differ: {where}"
        else:
            assert e.get("msgstr"), f"untranslated: {where}"
            assert placeholders(e["msgstr"]) == placeholders(e["msgid"]), f"placeholders differ: {where}"
    # The committed .mo is the .po compiled: msgfmt writes the same bytes again.
    fresh = tmp_path / "django.mo"
    subprocess.run(["msgfmt", "--check", "-o", str(fresh), str(po)], check=True, capture_output=True)
    assert fresh.read_bytes() == mo.read_bytes(), f"{app}/{lang}: compile the .po (msgfmt) and commit the .mo"


@pytest.mark.subprocess  # makemessages runs xgettext
def test_every_template_and_module_string_is_in_the_catalogues(tmp_path, monkeypatch):
    """makemessages finds nothing the committed catalogues lack: a new string must be translated."""
    import shutil

    from django.core.management import call_command

    for app in APPS:
        copy = tmp_path / app
        shutil.copytree(SRC / app, copy, ignore=shutil.ignore_patterns("*.mo", "__pycache__", "static"))
        monkeypatch.chdir(copy)  # makemessages writes to the locale directory of where it runs
        call_command("makemessages", locale=["ru"], no_obsolete=True, verbosity=0)
        before = {
            (e.get("msgctxt"), e["msgid"]) for e in entries(SRC / app / "locale/ru/LC_MESSAGES/django.po")
        }
        after = {(e.get("msgctxt"), e["msgid"]) for e in entries(copy / "locale/ru/LC_MESSAGES/django.po")}
        assert after == before, (
            f"{app}: catalogues differ from the sources (run makemessages): {after ^ before}"
        )


# --- The pages -----------------------------------------------------------------------------------

# Words that stay as they are in every language: names and formats.
NAMES = {
    "typodesk",
    "api",
    "json",
    "csv",
    "url",
    "http",
    "https",
    "enter",
    "esc",
    "apprise",
    "orphus",
    "cms",
    "slack",
    "whsec",
    "utc",
    "css",
    "html",
    "svg",
    "totp",
    "smtp",
    "www",
    "article",
    "main",
    "body",  # HTML elements, where the widget reads
    "push",
    "corrections",  # push services; the Slack channel of an example name
    "json-ld",
    "web",
    "annotations",  # W3C Web Annotations in JSON-LD
    "english",  # the languages' own names in the sites' language choice
}
# Written alike in English and Azerbaijani.
# ("may": the month, lower case in an Azerbaijani date.)
SAME_IN_AZ = {"spam", "status", "token", "median", "server", "start", "minimum", "format", "may"}
SKIP_TAGS = {"q", "mark", "ins", "del", "code", "kbd", "pre", "script", "style", "textarea"}
VISIBLE_ATTRS = ("placeholder", "aria-label", "title", "alt")


class Text(HTMLParser):
    """The visible text of <title> and <body>, and the visible attributes, outside reader content."""

    VOID = {"input", "br", "img", "meta", "link", "hr", "wbr", "source", "col", "area", "base"}

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.stack: list[bool] = []  # for each open element: is its content skipped
        self.parts: list[str] = []
        self.in_head = False

    def skipping(self) -> bool:
        return any(self.stack)

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        skip = (
            tag in SKIP_TAGS
            or ("lang" in a and tag != "html")  # another language on purpose: the switcher's names
            or any(c in (a.get("class") or "").split() for c in ("target", "ctx", "secret-value", "quote"))
        )
        if tag == "head":
            self.in_head = True
        if not self.skipping() and not skip:
            for name in VISIBLE_ATTRS:
                if a.get(name):
                    self.parts.append(a[name])
            if tag == "input" and a.get("type") in ("submit", "button") and a.get("value"):
                self.parts.append(a["value"])
        if tag not in self.VOID:
            self.stack.append(skip or (self.in_head and tag != "title"))

    def handle_endtag(self, tag):
        if tag == "head":
            self.in_head = False
        if tag not in self.VOID and self.stack:
            self.stack.pop()

    def handle_data(self, data):
        if not self.skipping():
            self.parts.append(data)


DATA = re.compile(r"\S*[@/:]\S*|[\w-]+(?:\.[\w-]+)+|\b[a-f0-9]{8,}\b|\b[A-Za-z0-9_]*_[A-Za-z0-9_]+\b")


def words(html: str, data: tuple[str, ...] = ()) -> set[str]:
    """Lower-cased ASCII words of three letters or more in the page's visible text, ``data`` left out."""
    parser = Text()
    parser.feed(html)
    text = " ".join(parser.parts)
    for item in data:
        text = text.replace(item, " ")
    text = DATA.sub(" ", text)
    found = re.findall(r"(?<![\w-])[A-Za-z][A-Za-z']*(?:-[A-Za-z']+)*", text)
    return {w.lower() for w in found if len(w) >= 3} - NAMES


def cyrillic(html: str) -> int:
    return len(re.findall(r"[а-яё]", html.lower()))


OWNER = "owner@news.example"


@pytest.fixture
def seeded(db, make_user, make_site):
    """A site with reader content in Russian, seen by its owner: findings in every state, a note and a
    history, a page reading, notification channels, a blocked word, a pending invitation, a token."""
    from typodesk.abuse.models import BlockedWord
    from typodesk.apiv1.tokens import create_token
    from typodesk.findings.models import Finding
    from typodesk.findings.services import Quote, record_report, set_status
    from typodesk.notify.models import Attempt, Channel
    from typodesk.overview import rollup
    from typodesk.pages.models import PageCheck
    from typodesk.sites.models import Invitation

    owner = make_user(OWNER)
    editor = make_user("editor@news.example")
    site = make_site(name="Новости Баку", members=[(owner, "owner"), (editor, "editor")])
    other = make_site(name="Спорт", domains=["sport.example"], members=[(owner, "owner")])  # a choice

    def report(exact, start, **kw):
        return record_report(
            site,
            url="https://news.example/politika/statya",
            quote=Quote(exact, "Это была ", " новость дня", start, start + len(exact)),
            title="Главная новость",
            lang="ru",
            **kw,
        ).finding

    f = report("ашибка", 9, suggestion="ошибка", comment="Поправьте, пожалуйста")
    report("ашибка", 9, suggestion="ошибка", email="chitatel@news.example")
    fixed = report("превет", 30, suggestion="привет")
    set_status(fixed, Finding.Status.FIXED, owner)
    set_status(f, None, owner, note="Проверить с автором")
    dup = report("ашибкa", 50)
    set_status(dup, None, owner, duplicate_of=f)
    now = timezone.now()
    Finding.objects.filter(pk=f.pk).update(
        verification=Finding.Verification.STILL_ON_PAGE,
        verified_at=now - timedelta(hours=2),
        evidence={
            "http_status": 200,
            "score": 0.93,
            "before": {"prefix": "Это была ", "text": "ашибка", "suffix": " новость"},
            "after": {"prefix": "Это была ", "text": "ашибка", "suffix": " новость"},
        },
        spell_status=Finding.Spelling.SUGGESTED,
        spell_suggestion="ошибка",
    )
    PageCheck.objects.update_or_create(
        page=f.page,
        defaults={"last_success_at": now - timedelta(hours=2), "due_at": now + timedelta(hours=5)},
    )
    mail = Channel.objects.create(
        site=site,
        kind="email",
        name="Ночная смена",
        target="desk@news.example",
        events=["new", "fixed"],
        digest=True,
        language="ru",
        last_error="550 отказ",
        last_error_at=now,
        last_success_at=now,
    )
    Attempt.objects.create(channel=mail, test=True, at=now, ok=True, result="250", duration_ms=12)
    Channel.objects.create(
        site=site,
        kind="webhook",
        name="Вебхук редакции",
        target="https://cms.news.example/hook",
        secret="whsec_x",
        events=["new"],
        paused_at=now,
        paused_reason="сбой доставки",
    )
    BlockedWord.objects.create(site=site, word="казино")
    Invitation.objects.create(
        site=site,
        email="novyi@news.example",
        role="viewer",
        token_hash="0" * 64,
        expires=now + timedelta(days=3),
    )
    create_token(owner, site=site, read_only=True, name="Интеграция")
    rollup.rebuild()
    return {"site": site, "finding": f, "email_channel": mail, "data": (site.public_key, other.public_key)}


def page_urls(seeded) -> dict[str, str]:
    key = seeded["site"].public_key
    ch = seeded["email_channel"]
    return {
        "inbox": reverse("desk:inbox"),
        "inbox, every status": reverse("desk:inbox") + "?status=all",
        "finding": reverse("desk:finding", args=[seeded["finding"].pk]),
        "overview": reverse("overview:index"),
        "site overview": reverse("overview:site", args=[key]),
        "sites": reverse("sites:index"),
        "settings": reverse("sites:settings", args=[key]),
        "members": reverse("sites:members", args=[key]),
        "protection index": reverse("abuse:index"),
        "protection": reverse("abuse:protection", args=[key]),
        "notifications": reverse("notify:index"),
        "site notifications": reverse("notify:site", args=[key]),
        "channel": reverse("notify:channel", args=[key, ch.pk]),
        "new channel": reverse("notify:new", args=[key, "email"]),
        "account": reverse("accounts:security"),
        "password change": reverse("accounts:password-change"),
        "API tokens": reverse("apiv1:tokens"),
        "export": reverse("apiv1:export"),
    }


def client_in(lang: str, user=None) -> Client:
    client = Client()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = lang
    if user is not None:
        client.force_login(user)
    return client


def render_all(seeded, lang: str) -> dict[str, str]:
    from typodesk.accounts.models import User

    client = client_in(lang, User.objects.get(email=OWNER))
    pages = {}
    for name, url in page_urls(seeded).items():
        r = client.get(url)
        assert r.status_code == 200, f"{name} ({url}) answered {r.status_code}"
        pages[name] = r.content.decode()
    out = client_in(lang)
    pages["login"] = out.get(reverse("desk:login")).content.decode()
    pages["password reset"] = out.get(reverse("accounts:password-reset")).content.decode()
    return pages


def test_the_desk_in_russian_has_no_english_left(seeded):
    english = render_all(seeded, "en")
    russian = render_all(seeded, "ru")
    for name, html in english.items():
        # The reading finds the English interface (so finding nothing below means something) ...
        assert len(words(html)) >= 8, f"the English {name} page reads as {sorted(words(html))}"
    for name, html in russian.items():
        # ... and none of it is left in Russian.
        assert '<html lang="ru"' in html
        left = words(html, seeded["data"])
        assert not left, f"English left on the Russian {name} page: {sorted(left)}"
        assert cyrillic(html) > 40, f"the Russian {name} page has hardly any Russian"


def test_the_desk_in_azerbaijani_has_no_english_left(seeded):
    english = render_all(seeded, "en")
    azerbaijani = render_all(seeded, "az")
    for name, html in azerbaijani.items():
        assert '<html lang="az"' in html
        left = (words(english[name]) & words(html, seeded["data"])) - SAME_IN_AZ
        assert not left, f"English left on the Azerbaijani {name} page: {sorted(left)}"
        assert re.search(r"[əğışçöü]", html), f"no Azerbaijani letter on the {name} page"


def test_dates_and_numbers_follow_the_language(seeded):
    from typodesk.accounts.models import User
    from typodesk.findings.models import Finding

    owner = User.objects.get(email=OWNER)
    Finding.objects.filter(pk=seeded["finding"].pk).update(reader_count=12345)
    url = reverse("desk:inbox") + "?status=all"
    en = client_in("en", owner).get(url).content.decode()
    ru = client_in("ru", owner).get(url).content.decode()
    assert "12,345 readers" in en
    assert "12\xa0345 читателей" in ru
    month = timezone.localdate().month
    tokens = client_in("ru", owner).get(reverse("apiv1:tokens")).content.decode()
    assert re.search(rf">\d{{2}}\.{month:02d}\.\d{{4}} \d{{1,2}}:\d{{2}}<", tokens), (
        "Russian short dates: DD.MM.YYYY H:MM"
    )
    channel_url = reverse("notify:channel", args=[seeded["site"].public_key, seeded["email_channel"].pk])
    az = client_in("az", owner).get(channel_url).content.decode()
    # Month names within a date in lower case, as Azerbaijani writes them.
    assert re.search(rf"\d {AZ_MONTHS[month - 1]} \d{{4}}", az) and timezone.now().strftime("%B") not in az


AZ_MONTHS = "yanvar fevral mart aprel may iyun iyul avqust sentyabr oktyabr noyabr dekabr".split()


def test_the_switcher_posts_to_set_language(seeded):
    from typodesk.accounts.models import User

    client = client_in("en", User.objects.get(email=OWNER))
    html = client.get(reverse("desk:inbox")).content.decode()
    assert f'action="{reverse("set_language")}"' in html and 'name="csrfmiddlewaretoken"' in html
    r = client.post(reverse("set_language"), {"language": "ru", "next": reverse("desk:inbox")})
    assert r.status_code == 302 and r.url == reverse("desk:inbox")
    assert "Входящие" in client.get(reverse("desk:inbox")).content.decode()
    # An address elsewhere is not followed.
    r = client.post(reverse("set_language"), {"language": "az", "next": "https://evil.example/"})
    assert r.status_code == 302 and r.url == "/"


# --- In a browser ----------------------------------------------------------------------------------


@pytest.mark.browser
def test_switch_the_language_in_the_browser(live_server, transactional_db, make_user, make_site, context):
    from playwright.sync_api import expect

    from typodesk.findings.services import Quote, record_report

    editor = make_user("editor@news.example", None)
    site = make_site(name="Xəbərlər", members=[(editor, "editor")])
    record_report(
        site,
        url="https://news.example/story",
        quote=Quote("sehv", "Bu bir ", " idi", 7, 11),
        title="Günün xəbəri",
        suggestion="səhv",
    )
    client = Client()
    client.force_login(editor)
    context.add_cookies(
        [{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": live_server.url}]
    )
    page = context.new_page()
    page.goto(live_server.url + reverse("desk:inbox"))
    expect(page.get_by_role("link", name="Inbox", exact=True)).to_be_visible()
    page.get_by_label("Language of the desk").select_option("az")
    page.get_by_role("button", name="Change language").click()
    expect(page.locator("html")).to_have_attribute("lang", "az")
    expect(page.get_by_role("link", name="Gələnlər", exact=True)).to_be_visible()
    expect(page.get_by_role("heading", level=1)).not_to_have_text(re.compile("Inbox|Findings"))
    expect(page.locator(".findings .count").first).to_have_text("1 oxucu")
    expect(page.get_by_role("button", name="Çıx")).to_be_visible()  # Django's own word wins for "Log out"
    # The choice stays: the next page is in Azerbaijani too.
    page.get_by_role("link", name="Xəbərdarlıqlar").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Xəbərdarlıqlar")
