"""Every desk page on a 360×740 phone, in English, Russian and Azerbaijani: nothing wider than the
screen, headings that break between words, and a menu that folds.

The pages are read from the URLconf (every GET route under /desk/), so a new page is checked
without touching this file; its path parameters are filled from the seeded site (test_i18n's
fixture). A route the fixture cannot fill fails the test, saying which.
"""

from __future__ import annotations

import pytest
from django.conf import settings
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from playwright.sync_api import expect

from tests.desk.test_i18n import OWNER, seeded  # noqa: F401 (fixture)

pytestmark = pytest.mark.browser

WIDTH, HEIGHT = 360, 740


def routes(patterns=None, namespace: str = "", prefix: str = "") -> list[tuple[str, str, list[str]]]:
    """(route, qualified name, parameter names) of every named route."""
    out = []
    for p in patterns if patterns is not None else get_resolver().url_patterns:
        route = prefix + str(p.pattern)
        if isinstance(p, URLResolver):
            ns = f"{namespace}{p.namespace}:" if p.namespace else namespace
            out += routes(p.url_patterns, ns, route)
        elif isinstance(p, URLPattern) and p.name:
            out.append((route, namespace + p.name, list(p.pattern.converters)))
    return out


def fill(name: str, params: list[str], world: dict) -> dict:
    """Path parameters for one route, from the seeded objects."""
    app = name.split(":")[0]
    # Which object a route's "pk" is, by its namespace and name.
    pks = {
        "desk": world["finding"],
        "corrections": world["finding"],
        "notify": world["channel"],
        "apiv1": world["token"],
        "abuse:unblock": world["blocked"],
        "abuse:remove-word": world["word"],
        "sites:domain-check": world["domain"],
        "sites:domain-remove": world["domain"],
        "sites:member-role": world["membership"],
        "sites:member-remove": world["membership"],
        "sites:invitation-revoke": world["invitation"],
    }
    values = {}
    for param in params:
        if param == "key":
            values[param] = world["key"]
        elif param == "pk":
            target = pks.get(name, pks.get(app))
            assert target is not None, f"the phone test does not know which object {name}'s pk is"
            values[param] = target
        elif param == "kind":
            values[param] = "email"
        elif param == "fmt":
            values[param] = "csv"
        elif param == "token":  # an invitation link
            values[param] = world["invitation_token"]
        elif param == "uidb64":
            values[param] = "MQ"
        else:
            raise AssertionError(f"the phone test cannot fill {param!r} of {name}: add it here")
    return values


def desk_pages(world: dict, client: Client) -> list[str]:
    """Every route under /desk/ that answers a GET with an HTML page for the site's owner."""
    urls = []
    for route, name, params in routes():
        if not route.startswith("desk/") or name.startswith("demo:"):
            continue  # not the desk, or the demo's mailbox (a 404 unless the instance is the demo)
        url = reverse(name, kwargs=fill(name, params, world) if params else None)
        r = client.get(url)
        if r.status_code == 405 or r.get("Content-Type", "").split(";")[0] != "text/html":
            continue  # an action (POST only) or a download, not a page
        if r.status_code in (301, 302):
            continue  # log out, or a page that sends the user on (the page it sends to is a route too)
        # 200, or a refusal that is still a page of the desk (an invitation for someone else: 403).
        assert r.status_code in (200, 403), f"{url} answered {r.status_code}"
        urls.append(url)
    return urls


OVERFLOW = """(width) => {
  const scrolls = (el) => {
    for (let p = el.parentElement; p; p = p.parentElement) {
      const x = getComputedStyle(p).overflowX;
      if (x === "auto" || x === "scroll") return true;
    }
    return false;
  };
  // Visually hidden on purpose (the .sr-only pattern): clipped, or a 1-pixel box clipping its content.
  const hidden = (el) => {
    for (let p = el; p; p = p.parentElement) {
      const s = getComputedStyle(p);
      if (s.clip !== "auto" || s.clipPath !== "none") return true;
      if (s.overflow === "hidden" && p.getBoundingClientRect().width <= 1) return true;
    }
    return false;
  };
  const out = [];
  for (const el of document.body.querySelectorAll("*")) {
    const r = el.getBoundingClientRect();
    if (!r.width || !r.height || r.right <= width + 0.5 || scrolls(el)) continue;
    if (!el.checkVisibility()) continue;  // in a closed <details> (the folded menu)
    if (hidden(el)) continue;
    const what = el.id ? "#" + el.id : "." + (el.className.baseVal ?? el.className);
    out.push(`${el.tagName.toLowerCase()}${what} ${el.getAttribute("name") || ""} right=${Math.round(r.right)}: ` +
             (el.textContent || "").trim().slice(0, 60));
  }
  return {scroll: document.documentElement.scrollWidth, wide: out.slice(0, 8)};
}"""

# A word of a heading (or a table's column heading, a summary) that the browser cut over two lines.
SPLIT_WORDS = """() => {
  const out = [];
  for (const el of document.querySelectorAll("h1, h2, h3, th, summary, legend")) {
    if (!el.getClientRects().length) continue;
    const walker = document.createTreeWalker(el, NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      for (const m of node.data.matchAll(/\\S+/g)) {
        const range = document.createRange();
        range.setStart(node, m.index);
        range.setEnd(node, m.index + m[0].length);
        const tops = new Set([...range.getClientRects()].filter(r => r.width).map(r => Math.round(r.top)));
        if (tops.size > 1) out.push(m[0]);
      }
    }
  }
  return out;
}"""


@pytest.fixture
def world(seeded, live_server):  # noqa: F811
    from typodesk.abuse.models import BlockedClient, BlockedWord
    from typodesk.apiv1.models import ApiToken
    from typodesk.findings.services import Quote, record_report
    from typodesk.notify.models import Channel
    from typodesk.overview import rollup
    from typodesk.sites.models import Invitation, Membership, invitation_token_hash

    site = seeded["site"]
    blocked = BlockedClient.objects.create(site=site, client_hash="ab" * 16)
    # A page with a long title and a long address: the overview's bar labels and the inbox's rows.
    record_report(
        site,
        url="https://news.example/politika/2026/" + "ochen-dlinnyi-adres-stati-" * 6,
        quote=Quote("ашибка", "Это была ", " новость дня", 9, 15),
        title="Парламент обсудил поправки к закону о средствах массовой информации и о рекламе в сети",
        lang="ru",
    )
    rollup.rebuild()
    from django.core import signing

    from typodesk.sites.invitations import _SALT

    link = signing.Signer(salt=_SALT).sign("phone-test-invitation-link")
    Invitation.objects.filter(site=site).update(token_hash=invitation_token_hash(link))
    return {
        "key": site.public_key,
        "finding": seeded["finding"].pk,
        "channel": Channel.objects.filter(site=site).first().pk,
        "token": ApiToken.objects.first().pk,
        "blocked": blocked.pk,
        "word": BlockedWord.objects.filter(site=site).first().pk,
        "domain": site.domains.first().pk,
        "membership": Membership.objects.filter(site=site).first().pk,
        "invitation": Invitation.objects.filter(site=site).first().pk,
        "invitation_token": link,
    }


@pytest.mark.parametrize("lang", ["en", "ru", "az"])
def test_every_desk_page_fits_a_phone(world, live_server, browser, lang):
    from typodesk.accounts.models import User

    owner = User.objects.get(email=OWNER)
    client = Client()
    client.force_login(owner)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = lang
    pages = desk_pages(world, client)
    # The inbox, a finding, the overview, sites, members, protection, notifications, tokens, account…
    assert len(pages) >= 20, pages
    # … and those a signed-in user is sent on from (log in, its second step), seen signed out.
    stranger = Client()
    stranger.cookies[settings.LANGUAGE_COOKIE_NAME] = lang
    signed_out = [url for url in desk_pages(world, stranger) if url not in pages]
    assert reverse("desk:login") in signed_out, signed_out
    ctx = browser.new_context(viewport={"width": WIDTH, "height": HEIGHT}, is_mobile=True, has_touch=True)
    language = {"name": settings.LANGUAGE_COOKIE_NAME, "value": lang, "url": live_server.url}
    page = ctx.new_page()
    problems = []
    for url in signed_out + pages:
        if url == pages[0]:
            ctx.add_cookies(
                [{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": live_server.url}]
            )
        ctx.add_cookies([language])
        page.goto(live_server.url + url)
        assert page.locator("html").get_attribute("lang") == lang
        found = page.evaluate(OVERFLOW, WIDTH)
        if found["scroll"] > WIDTH or found["wide"]:
            problems.append((url, found))
        split = page.evaluate(SPLIT_WORDS)
        if split:
            problems.append((url, {"words cut in headings": split}))
    ctx.close()
    assert not problems, problems


def test_the_menu_folds_on_a_phone_and_opens_without_script(world, live_server, browser):
    from typodesk.accounts.models import User

    client = Client()
    client.force_login(User.objects.get(email=OWNER))
    cookie = {"name": "sessionid", "value": client.cookies["sessionid"].value, "url": live_server.url}
    phone = browser.new_context(viewport={"width": WIDTH, "height": HEIGHT}, java_script_enabled=False)
    phone.add_cookies([cookie])
    page = phone.new_page()
    page.goto(live_server.url + "/desk/")
    menu = page.get_by_role("navigation", name="Main")
    overview = menu.get_by_role("link", name="Overview")
    expect(overview).to_be_hidden()
    header = page.locator("header.top").bounding_box()
    assert header["height"] < 70, header  # one line: the name, "Menu" and "Log out"
    page.get_by_text("Menu", exact=True).click()
    expect(overview).to_be_visible()
    page.screenshot(path="/tmp/menu-open.png")
    found = page.evaluate(OVERFLOW, WIDTH)
    assert found["scroll"] <= WIDTH and not found["wide"], found
    overview.click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Overview")
    phone.close()
    wide = browser.new_context(viewport={"width": 1280, "height": 800})
    wide.add_cookies([cookie])
    page = wide.new_page()
    page.goto(live_server.url + "/desk/")
    expect(page.get_by_text("Menu", exact=True)).to_be_hidden()
    expect(page.get_by_role("navigation", name="Main").get_by_role("link", name="Overview")).to_be_visible()
    wide.close()
