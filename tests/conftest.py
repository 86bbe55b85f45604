"""Fixtures shared by the whole suite.

The browser is Debian's Chromium driven by Playwright: browsers cannot be
downloaded on our machines, so we never call ``playwright install``.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import pytest

from tests import tiers
from tests.waiting import wait_for_health

# Playwright's sync API runs an event loop in the test thread; Django would
# otherwise refuse ORM calls made from that thread.
# (Servers the tests start run with Django's async-safety check on, as in production: clean_env.)
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


def clean_env(**extra: str) -> dict[str, str]:
    """The environment for a typodesk process the tests start: this one's, without its typodesk
    settings and without the async-safety opt-out this test process needs for Playwright."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith("TYPODESK_") and k != "DJANGO_ALLOW_ASYNC_UNSAFE"
    }
    env.update(extra)
    return env


REPO = Path(__file__).resolve().parent.parent
SHARED = REPO.parent / "shared"
CHROMIUM = os.environ.get("TYPODESK_TEST_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-quic",
    "--no-first-run",
    "--disable-sync",
    "--disable-translate",
    # No on-device AI models (Chromium 156 starts an OnDeviceModelService on its own, and a test
    # run once hung on closing a page while it was up). Chromium keeps only the last
    # --disable-features, so Playwright's own list (its chromiumSwitches) is repeated here.
    "--disable-features="
    + ",".join(
        [
            *("AvoidUnnecessaryBeforeUnloadCheckSync", "DestroyProfileOnBrowserClose", "HttpsUpgrades"),
            *("HttpsFirstBalancedModeAutoEnable", "LensOverlay", "MediaRouter", "PaintHolding"),
            *("ThirdPartyStoragePartitioning", "AvoidCorsURLLoaderRestartOnRedirect", "OptimizationHints"),
            *("NetworkTimeServiceQuerying", "AimEnabled", "PreconnectToSearch"),
            *("OptimizationGuideOnDeviceModel", "OptimizationGuideModelDownloading"),
            *("OptimizationHintsFetching", "OnDeviceModelService"),
            # Page translation and its language detection (an on-device model; the desk's pages in
            # Russian and Azerbaijani would be offered a translation): a page close hung twice
            # more with the model service up, on a slower machine.
            *("Translate", "TranslateUI", "TranslateOpenSettings", "LanguageDetectionAPI"),
            *("AutofillModelPredictions", "PasswordManagerEnableSenderService"),
        ]
    ),
]


@pytest.fixture(scope="session")
def shared_dir() -> Path:
    if not SHARED.is_dir():
        pytest.fail(f"test material not found at {SHARED} (expected ../shared beside the checkout)")
    return SHARED


@pytest.fixture(scope="module")
def browser():
    """One headless Chromium per test module; each test opens its own context.

    Not one for the whole session: a few minutes after it starts, Chromium starts services of its
    own (an on-device model service, whatever the flags above say), and with one up a page close
    hung for good, three times in long runs on a slow machine. A module's browser never lives
    that long."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield b
        b.close()


@pytest.fixture
def context(browser):
    ctx = browser.new_context()
    yield ctx
    ctx.close()


@pytest.fixture
def page(context):
    return context.new_page()


# --- A real typodesk installation in a subprocess ------------------------------------

import secrets  # noqa: E402
import signal  # noqa: E402
import socket  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
from dataclasses import dataclass, field  # noqa: E402

TYPODESK = [sys.executable, "-m", "typodesk"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Install:
    """A data directory and database of its own, and the CLI pointed at them."""

    env: dict
    data_dir: Path
    procs: list = field(default_factory=list)

    def run(self, *args: str, input: str | None = None, check: bool = True) -> subprocess.CompletedProcess:
        cp = subprocess.run(
            [*TYPODESK, *args], env=self.env, input=input, capture_output=True, text=True, timeout=120
        )
        if check and cp.returncode != 0:
            raise AssertionError(f"typodesk {' '.join(args)} exited {cp.returncode}: {cp.stderr}")
        return cp

    def add_site(
        self, host: str, *, webhook: str = "", email: str = "", events: tuple[str, ...] = ("new", "reported")
    ) -> str:
        """A site with ``host`` as its domain, and a webhook channel to ``webhook`` and an e-mail
        channel to ``email`` where given; returns the site's public key."""
        code = f"""
from typodesk.sites.models import Domain, Site
from typodesk.notify.models import Channel, new_webhook_secret
site = Site.objects.create(name="News")
Domain.objects.create(site=site, host={host!r})
if {webhook!r}:
    Channel.objects.create(site=site, kind="webhook", name="hook", target={webhook!r},
                           secret=new_webhook_secret(), events={list(events)!r})
if {email!r}:
    Channel.objects.create(site=site, kind="email", name="mail", target={email!r}, events={list(events)!r})
print("KEY " + site.public_key)
"""
        out = self.run("manage", "shell", "--no-imports", "-c", code).stdout
        return [line[4:] for line in out.splitlines() if line.startswith("KEY ")][-1]

    def serve(self, *args: str) -> tuple[subprocess.Popen, str]:
        """Start ``typodesk serve`` on a free port and wait until /healthz answers."""
        port = free_port()
        proc = subprocess.Popen(
            [*TYPODESK, "serve", "--port", str(port), *args],
            env=self.env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        self.procs.append(proc)
        url = f"http://127.0.0.1:{port}"
        wait_for_health(url, proc, output=proc.stdout.read)
        return proc, url

    def stop(self) -> None:
        for p in self.procs:
            if p.poll() is None:
                p.send_signal(signal.SIGTERM)
                try:
                    p.wait(15)
                except subprocess.TimeoutExpired:
                    p.kill()


def own_database(env: dict) -> Callable[[], None]:
    """A new PostgreSQL database for a server under test when DATABASE_URL is set (written into
    ``env``); returns what drops it again (nothing to do on SQLite, whose data dir is in ``env``)."""
    base = os.environ.get("DATABASE_URL")
    if not base:
        return lambda: None
    import psycopg

    name = "typodesk_t_" + secrets.token_hex(5)
    with psycopg.connect(base, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    env["DATABASE_URL"] = base.rsplit("/", 1)[0] + "/" + name

    def drop() -> None:
        with psycopg.connect(base, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    return drop


def served_site(tmp: Path, **env_extra: str):
    """A served instance of its own with one site (news.example): ``typodesk serve`` on a data
    directory (and PostgreSQL database, when DATABASE_URL is set) in ``tmp``, settings from
    ``env_extra``. A generator for module fixtures: yields (install, base URL, site key)."""
    env = clean_env(TYPODESK_DATA_DIR=str(tmp / "data"), PYTHONUNBUFFERED="1", **env_extra)
    dropdb = own_database(env)
    inst = Install(env=env, data_dir=tmp / "data")
    try:
        inst.run("init")
        key = inst.run("site", "add", "News", "--domain", "news.example").stdout.strip()
        _, url = inst.serve()
        yield inst, url, key
    finally:
        inst.stop()
        dropdb()


@pytest.fixture
def install(tmp_path):
    """A fresh installation: SQLite in tmp_path, or a new PostgreSQL database when DATABASE_URL is set."""
    env = clean_env(TYPODESK_DATA_DIR=str(tmp_path / "data"), PYTHONUNBUFFERED="1")
    dropdb = own_database(env)

    inst = Install(env=env, data_dir=tmp_path / "data")
    yield inst
    inst.stop()
    dropdb()


# --- Database fixtures ------------------------------------------------------------------


@pytest.fixture
def make_user(db):
    from typodesk.accounts.models import User

    def make(email: str = "editor@news.example", password: str = "a-long-test-password", **kw):
        return User.objects.create_user(email, password, **kw)

    return make


@pytest.fixture
def make_site(db):
    from typodesk.sites.models import Domain, Membership, Site

    def make(name: str = "News", domains=("news.example",), members=()):
        site = Site.objects.create(name=name)
        for d in domains:
            Domain.objects.create(site=site, host=d)
        for user, role in members:
            Membership.objects.create(site=site, user=user, role=role)
        return site

    return make


@pytest.fixture(autouse=True)
def _fresh_refusal_counts():
    """Refusal counts wait in memory before they are written; no test sees another's."""
    from typodesk.ingest import refusals

    refusals.discard()
    yield
    refusals.discard()


@pytest.fixture(autouse=True)
def _fresh_rate_limit_memory():
    """Empty buckets are remembered in the process (ingest.ratelimit); each test's database starts
    with none, so its memory must too."""
    from typodesk.ingest import endpoint, ratelimit

    ratelimit.reset_local()
    endpoint.forget_limits()
    yield
    ratelimit.reset_local()
    endpoint.forget_limits()


@pytest.fixture(scope="session")
def django_db_modify_db_settings(django_db_modify_db_settings_parallel_suffix):
    """``TYPODESK_TEST_DB_SUFFIX=x``: a PostgreSQL test database of its own (parallel runs on one server)."""
    suffix = os.environ.get("TYPODESK_TEST_DB_SUFFIX")
    if not suffix:
        return
    from django.conf import settings

    for db in settings.DATABASES.values():
        if "postgresql" in db["ENGINE"]:
            test = db.setdefault("TEST", {})
            test["NAME"] = f"{test.get('NAME') or 'test_' + db['NAME']}_{suffix}"


# The second pass of scripts/test runs on PostgreSQL to prove what depends on the database;
# a test that touches no database (the widget in a browser, canonical text, spelling, the
# anchoring engine) would only repeat its first run, so that pass leaves it out. So does a
# browser test of the desk's pages on Django's test server (keys, layout, axe): what it asks of
# the database, the tests of the same views with Django's test client ask on PostgreSQL too
# (tests/desk/test_inbox.py, test_finding.py, tests/overview/test_rollup.py…). A browser test that
# starts typodesk itself (the served report path, end to end) stays.
DB_FIXTURES = {"db", "transactional_db", "django_db_setup", "install", "live_server"}


def _on_postgresql(item) -> bool:
    if item.get_closest_marker("one_pass"):
        return False
    if item.get_closest_marker("browser") and not item.get_closest_marker("subprocess"):
        return False
    return _uses_database(item)


def _uses_database(item) -> bool:
    if item.get_closest_marker("django_db") or DB_FIXTURES & set(getattr(item, "fixturenames", ())):
        return True
    source = Path(str(item.fspath))
    text = source.read_text(encoding="utf-8", errors="replace")
    # A served instance's own database.
    return "DATABASE_URL" in text or "own_database" in text or "served_site" in text


@pytest.hookimpl(tryfirst=True)  # marked before `-m` selects
def pytest_collection_modifyitems(config, items):
    for item in items:
        for marker in tiers.marks_for(item):
            item.add_marker(marker)
    if tiers.quick():
        keep = lambda item: not any(item.get_closest_marker(m) for m in tiers.SLOW_MARKERS)  # noqa: E731
    elif os.environ.get("TYPODESK_TEST_DATABASE_ONLY") == "1":
        keep = _on_postgresql
    else:
        return
    drop = [item for item in items if not keep(item)]
    if drop:
        config.hook.pytest_deselected(items=drop)
        items[:] = [item for item in items if keep(item)]


@pytest.hookimpl(wrapper=True)
def pytest_runtest_protocol(item, nextitem):
    """In the quick tier no test may start a process (tests/tiers.py)."""
    if not tiers.quick():
        return (yield)
    with tiers.forbid_processes():
        return (yield)


@pytest.fixture
def client():
    """Django's test client, with POST /api/v1/reports answered by typodesk's report endpoint as
    ``typodesk serve`` answers it (tests/reporting.py); such tests need ``transactional_db``."""
    from tests.reporting import ReportingClient

    yield ReportingClient()
    from typodesk.ingest import writer

    writer.shutdown()  # its thread's connection must not outlive the test database


@pytest.fixture(autouse=True)
def _fresh_site_cache():
    """Sites are remembered for a few seconds (typodesk.ingest.sitecache); each test's database
    starts with its own."""
    from typodesk.ingest import sitecache

    sitecache.forget()
    yield
    sitecache.forget()
