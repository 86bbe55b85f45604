"""``typodesk``: the one command an admin needs.

Every failure a person can fix (wrong arguments, unknown site, bad settings)
is one line on stderr and exit status 2, so deployment scripts can rely on it.
"""

from __future__ import annotations

import argparse
import getpass
import os
import sys
from collections.abc import Callable
from typing import NamedTuple

from typodesk.errors import CliError

EXIT_USAGE = 2


class Parser(argparse.ArgumentParser):
    def error(self, message: str):  # one line instead of argparse's usage block
        self.exit(EXIT_USAGE, f"{self.prog}: error: {message} (see {self.prog} --help)\n")


def _setup_django() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "typodesk.settings")
    from typodesk.conf import ConfigError

    try:
        import django

        django.setup()
    except ConfigError as exc:
        raise CliError(str(exc)) from None


def _migrate(verbosity: int = 0) -> None:
    from django.core.management import call_command

    from typodesk.conf import data_dir, private_dir

    private_dir(data_dir())
    call_command("migrate", interactive=False, verbosity=verbosity)


def _require_migrated() -> None:
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    try:
        executor = MigrationExecutor(connection)
        pending = executor.migration_plan(executor.loader.graph.leaf_nodes())
    except Exception as exc:  # cannot reach or read the database
        raise CliError(f"cannot use the database: {exc}".splitlines()[0]) from None
    if pending:
        raise CliError("the database is not initialised or not up to date: run `typodesk init` first")


# Commands ------------------------------------------------------------------


def cmd_init(args) -> int:
    _setup_django()
    _migrate(verbosity=1 if args.verbose else 0)
    from django.conf import settings

    db = settings.DATABASES["default"]
    where = (
        db["NAME"] if "sqlite" in db["ENGINE"] else f"{db['ENGINE'].rsplit('.', 1)[-1]} database {db['NAME']}"
    )
    from typodesk.conf import tighten_data_dir

    for path in tighten_data_dir(settings.DATA_DIR):
        kind = "directory" if path.is_dir() else "file"
        print(f"made the {kind} {path} private to its owner (it was readable by others)", file=sys.stderr)
    print(f"typodesk is ready: data in {settings.DATA_DIR}, database {where}")
    return 0


def cmd_createuser(args) -> int:
    _setup_django()
    _require_migrated()
    from django.contrib.auth.password_validation import validate_password
    from django.core.exceptions import ValidationError
    from django.core.validators import validate_email

    from typodesk.accounts.models import User

    email = args.email.strip().lower()
    try:
        validate_email(email)
    except ValidationError:
        raise CliError(f"{args.email!r} is not an e-mail address") from None
    if User.objects.filter(email=email).exists():
        raise CliError(f"a user with the e-mail {email} already exists")
    if args.password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    elif sys.stdin.isatty():
        password = getpass.getpass("Password: ")
        if getpass.getpass("Password (again): ") != password:
            raise CliError("the two passwords differ")
    else:
        raise CliError("no terminal to ask for a password: pipe it in with --password-stdin")
    try:
        validate_password(password, User(email=email))
    except ValidationError as exc:
        raise CliError("password refused: " + " ".join(exc.messages)) from None
    if args.admin:
        User.objects.create_superuser(email, password)
    else:
        User.objects.create_user(email, password)
    print(f"created {'instance admin' if args.admin else 'user'} {email}", file=sys.stderr)
    return 0


def cmd_site_add(args) -> int:
    _setup_django()
    _require_migrated()
    from typodesk.accounts.models import User
    from typodesk.sites.models import create_site, normalize_domain

    try:
        hosts = list(dict.fromkeys(normalize_domain(d) for d in args.domain))
    except ValueError as exc:
        raise CliError(str(exc)) from None
    if not args.name.strip():
        raise CliError("the site name must not be empty")
    owner = None
    if args.owner:
        owner = User.objects.filter(email=args.owner.strip().lower()).first()
        if owner is None:
            raise CliError(
                f"no user with the e-mail {args.owner}: create it with `typodesk createuser` first"
            )
    site = create_site(args.name.strip(), hosts, owner=owner)
    print(site.public_key)
    return 0


def cmd_site_token(args) -> int:
    """A CMS authenticates its recheck calls with this; only its hash is stored, so it is shown once."""
    _setup_django()
    _require_migrated()
    from typodesk.sites.models import Site

    site = Site.objects.filter(public_key=args.key).first()
    if site is None:
        raise CliError(f"no site with the key {args.key!r} (list them with `typodesk site list`)")
    print(site.new_token())
    print("keep it secret: it is shown only now; run this again to replace it", file=sys.stderr)
    return 0


def cmd_site_list(args) -> int:
    _setup_django()
    _require_migrated()
    from typodesk.sites.models import Site

    for site in Site.objects.prefetch_related("domains").order_by("name"):
        print(f"{site.public_key}\t{site.name}\t{','.join(site.hosts())}")
    return 0


def _django_command(module: str, name: str) -> Callable:
    """A command implemented in an app's ``commands`` module, run once Django is set up."""

    def run(args) -> int:
        _setup_django()
        _require_migrated()
        from importlib import import_module

        return getattr(import_module(module), name)(args)

    return run


# Export and import (typodesk.interchange), API tokens (typodesk.apiv1).
cmd_export = _django_command("typodesk.interchange.commands", "export")
cmd_import = _django_command("typodesk.interchange.commands", "import_json")
cmd_import_mail = _django_command("typodesk.interchange.commands", "import_mail")
cmd_token_add = _django_command("typodesk.apiv1.commands", "add")
cmd_token_list = _django_command("typodesk.apiv1.commands", "list_")
cmd_token_revoke = _django_command("typodesk.apiv1.commands", "revoke")


def cmd_backup(args) -> int:
    _setup_django()
    _require_migrated()
    from pathlib import Path

    from typodesk.backup import BackupError, backup

    try:
        size = backup(Path(args.path))
    except BackupError as exc:
        raise CliError(str(exc)) from None
    print(f"backed up {size:,} bytes to {Path(args.path).resolve()}", file=sys.stderr)
    return 0


def cmd_restore(args) -> int:
    _setup_django()
    from pathlib import Path

    from typodesk.backup import BackupError, restore

    if not args.yes:
        raise CliError("restoring replaces every finding and user with the backup's: add --yes to confirm")
    try:
        restore(Path(args.path))
    except BackupError as exc:
        raise CliError(str(exc)) from None
    _migrate()  # a backup from an older version is brought up to date
    print(f"restored {Path(args.path).resolve()}", file=sys.stderr)
    return 0


def cmd_serve(args) -> int:
    _setup_django()
    _require_migrated()
    background = None
    if args.with_worker:
        # The one-machine default: notifications are delivered by a thread of the server.
        from typodesk.conf import ConfigError
        from typodesk.worker import InProcess

        try:
            background = InProcess().start()
        except ConfigError as exc:
            raise CliError(str(exc)) from None
    try:
        _serve(args.host, args.port, args.workers)
    finally:
        if background:
            background.stop()
    return 0


def cmd_worker(args) -> int:
    """Run the background jobs (typodesk.worker) until SIGTERM/SIGINT."""
    _setup_django()
    _require_migrated()
    from typodesk.worker import run

    return run(concurrency=args.concurrency, once=args.once)


#: What ``typodesk demo`` changes from a real instance's defaults (an environment variable set by
#: the user still wins): the page is read a second after a report and two after "mark fixed",
#: notifications are not held back to be grouped, so that every step shows within seconds.
DEMO_DEFAULTS = {
    "TYPODESK_FETCH_FIRST_DELAY": "1",
    "TYPODESK_FETCH_FIXED_DELAY": "2",
    "TYPODESK_NOTIFY_GROUP_SECONDS": "0",
}


def cmd_demo(args) -> int:
    """The whole product on one machine: the demo site and its article, the desk, the worker in
    this process, and a mailbox that keeps every mail typodesk sends (nothing leaves the machine)."""
    from typodesk import conf
    from typodesk.demo.mailbox import SmtpMailbox

    conf.set_default("TYPODESK_BASE_URL", f"http://{_url_host(args.host)}:{args.port}")
    for name, value in DEMO_DEFAULTS.items():
        conf.set_default(name, value)
    conf.data_dir().mkdir(parents=True, exist_ok=True)
    smtp = SmtpMailbox(conf.data_dir() / "demo-mailbox").start()
    # Never a real mail server in the demo, even when one is configured for this data directory.
    conf.override("TYPODESK_EMAIL_URL", smtp.url)
    background = None
    try:
        _setup_django()
        _migrate()
        from django.conf import settings

        from typodesk.conf import ConfigError
        from typodesk.demo import mode
        from typodesk.demo.setup import ensure_demo
        from typodesk.net import fetch
        from typodesk.worker import InProcess

        hosts = list(dict.fromkeys(["127.0.0.1", "localhost", args.host]))
        demo = ensure_demo(hosts)
        mode.start(demo.site.pk, smtp.directory)
        fetch.open_for_demo(demo.site.pk, [f"http://{_url_host(h)}:{args.port}" for h in hosts])
        try:
            background = InProcess().start()
        except ConfigError as exc:
            raise CliError(str(exc)) from None
        print("\n".join(_demo_banner(settings.BASE_URL, demo)), flush=True)
        _serve(args.host, args.port)
    finally:
        if background:
            background.stop()
        smtp.stop()
    return 0


def _demo_banner(base: str, demo) -> list[str]:
    from django.conf import settings

    from typodesk import spelling

    lines = [
        "",
        "typodesk demo is running.",
        f"  Demo article: {base}/demo/article/",
        "      select a mistake in the text and press Ctrl+Enter (Cmd+Enter on a Mac)",
        f"  Editor desk:  {base}/desk/",
        f"      log in as {demo.email}  password {demo.password}",
        f"  Demo mailbox: {base}/desk/demo/mailbox/  (every mail typodesk sends lands here)",
        f"  Data directory: {settings.DATA_DIR}",
        "",
        "Three things to try, in order:",
        '  1. In the article, select "recieved", press Ctrl+Enter, type the correction, leave your',
        "     e-mail address and send.",
        "  2. In the desk, open the finding: your suggestion and the spell checker's are there.",
        f"  3. Edit the article ({base}/demo/article/edit/), correct the word and publish: within",
        '     seconds the finding turns "fixed on the page" and your thank-you mail is in the demo',
        '     mailbox. Mark another finding fixed without editing: typodesk finds it "still on the page".',
    ]
    status = spelling.status("en")
    if not status.available:
        lines += [
            "",
            f"The spell checker is off for English here ({status.detail}).",
            "  To see its suggestions: sudo scripts/install-system-deps, then start the demo again.",
        ]
    return [*lines, "", "Stop with Ctrl+C.", ""]


def cmd_manage(args) -> int:
    """Django's management commands, for what typodesk has no command of its own."""
    _setup_django()
    from django.core.management import execute_from_command_line

    execute_from_command_line(["typodesk manage", *args.rest])
    return 0


def _url_host(host: str) -> str:
    return "127.0.0.1" if host in ("0.0.0.0", "") else (f"[{host}]" if ":" in host else host)  # noqa: S104


def _serve(host: str, port: int, workers: int = 1) -> None:
    """uvicorn: it stops cleanly on SIGTERM and SIGINT, finishing requests in flight; each server
    process's report writer then stores what is queued and writes its counts (ASGI lifespan)."""
    import signal

    import uvicorn
    from django.conf import settings

    options = dict(
        host=host,
        port=port,
        http="httptools",
        lifespan="on",
        # Access logs would hold readers' addresses; typodesk never logs them.
        access_log=False,
        proxy_headers=False,
        server_header=False,
        log_level=settings.LOGGING["root"]["level"].lower(),
        timeout_graceful_shutdown=10,
    )
    _check_address(host, port)
    if workers > 1:
        uvicorn.run("typodesk.asgi:application", workers=workers, **options)
        return
    # uvicorn re-raises the signal that stopped it once its graceful shutdown is done, through
    # the handler that was there before: make that one a no-op, so the shutdown it already did
    # ends in exit status 0 (and this process's own clean-up runs) instead of death by signal.
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: None)
    server = uvicorn.Server(uvicorn.Config("typodesk.asgi:application", **options))
    server.run()
    if not server.started:
        raise CliError(f"could not serve on {host}:{port} (see the message above)")


def _check_address(host: str, port: int) -> None:
    """A one-line error, before anything starts, when the address cannot be listened on."""
    import socket

    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as uvicorn binds
        try:
            probe.bind((host, port))
        except OSError as exc:
            raise CliError(f"cannot listen on {_url_host(host)}:{port}: {exc.strerror or exc}") from None


# Argument parsing -------------------------------------------------------------


def _port(value: str) -> int:
    try:
        port = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{value!r} is not a port number") from None
    if not 0 < port < 65536:
        raise argparse.ArgumentTypeError(f"{port} is not a port number (1-65535)")
    return port


def _positive(value: str) -> int:
    try:
        n = int(value)
    except ValueError:
        n = 0
    if n < 1:
        raise argparse.ArgumentTypeError(f"{value!r} is not a positive whole number")
    return n


def build_parser() -> Parser:
    p = Parser(
        prog="typodesk",
        description="typodesk: readers report mistakes in a site's text; editors see, fix and verify them.",
        epilog="Settings come from environment variables (TYPODESK_DATA_DIR, DATABASE_URL, …): "
        "see docs/configuration.md.",
    )
    from typodesk import __version__

    p.add_argument("--version", action="version", version=f"typodesk {__version__}")
    sub = p.add_subparsers(dest="command", metavar="COMMAND", parser_class=Parser)
    sub.required = True

    def add(name: str, func: Callable, help: str, **kw) -> Parser:
        sp = sub.add_parser(name, help=help, description=help, **kw)
        sp.set_defaults(func=func)
        return sp

    sp = add("demo", cmd_demo, "Create a demo site, editor and article on SQLite, then serve them.")
    sp.add_argument("--host", default="127.0.0.1")
    sp.add_argument("--port", type=_port, default=8000)

    sp = add("init", cmd_init, "Create or migrate the data directory and database (safe to run again).")
    sp.add_argument("-v", "--verbose", action="store_true")

    sp = add("createuser", cmd_createuser, "Create a desk user.")
    sp.add_argument("email")
    sp.add_argument("--password-stdin", action="store_true", help="read the password from standard input")
    sp.add_argument("--admin", action="store_true", help="an instance admin: sees and manages every site")

    sp = add("site", lambda a: None, "Manage sites.")
    site_sub = sp.add_subparsers(dest="site_command", metavar="SUBCOMMAND", parser_class=Parser)
    site_sub.required = True
    sa = site_sub.add_parser("add", help="Add a site and print its public key.", description="Add a site.")
    sa.add_argument("name")
    sa.add_argument(
        "--domain", action="append", required=True, help="a domain the site's pages are on (repeat)"
    )
    sa.add_argument("--owner", metavar="EMAIL", help="an existing user who becomes the site's owner")
    sa.set_defaults(func=cmd_site_add)
    sl = site_sub.add_parser("list", help="List sites: key, name, domains.", description="List sites.")
    sl.set_defaults(func=cmd_site_list)
    st = site_sub.add_parser(
        "token",
        help="Make a new site token for the recheck API and print it (the old one stops working).",
        description="Make a new site token for the recheck API (docs/verification.md) and print it once.",
    )
    st.add_argument("key", metavar="KEY", help="the site's public key")
    st.set_defaults(func=cmd_site_token)

    sp = add("serve", cmd_serve, "Serve the desk, the API, the widget and static files (production server).")
    sp.add_argument("--host", default="127.0.0.1")
    sp.add_argument("--port", type=_port, default=8000)
    sp.add_argument(
        "--workers",
        type=_positive,
        default=1,
        help="server processes, started and supervised by uvicorn (default 1)",
    )
    sp.add_argument(
        "--with-worker",
        action="store_true",
        help="also run the background jobs in this process (instead of a separate `typodesk worker`)",
    )

    sp = add("worker", cmd_worker, "Run the background jobs (notifications, page readings, …) until stopped.")
    sp.add_argument("--once", action="store_true", help="exit when nothing is left to do")
    sp.add_argument("--concurrency", type=_positive, default=1, help="worker threads (default 1)")

    sp = add("export", cmd_export, "Print every finding of a site with its reports.")
    sp.add_argument("--site", required=True, metavar="KEY", help="the site's public key")
    sp.add_argument(
        "--format", choices=["json", "csv", "jsonld"], default="json", help="jsonld: W3C Web Annotations"
    )

    sp = add("import", cmd_import, "Read an export made by `typodesk export --format json` (idempotent).")
    sp.add_argument("path", metavar="PATH")
    sp.add_argument("--site", metavar="KEY", help="import into this site (default: the file's; made if new)")

    sp = add("import-mail", cmd_import_mail, "Turn Orphus report mails (mbox or .eml folder) into findings.")
    sp.add_argument("--site", required=True, metavar="KEY", help="the site's public key")
    sp.add_argument("path", metavar="PATH", help="an mbox file, a folder of .eml files, or one .eml file")
    sp.add_argument("--dry-run", action="store_true", help="read and report, import nothing")

    sp = add("token", lambda a: None, "Manage API tokens.")
    token_sub = sp.add_subparsers(dest="token_command", metavar="SUBCOMMAND", parser_class=Parser)
    token_sub.required = True
    ta = token_sub.add_parser(
        "add", help="Make an API token for a user and print it (once).", description="Make an API token."
    )
    ta.add_argument("email")
    ta.add_argument("--site", metavar="KEY", help="only this site (default: all the user's sites)")
    ta.add_argument("--read-only", action="store_true", help="may read, not change")
    ta.add_argument("--name", default="", help="what the token is for")
    ta.set_defaults(func=cmd_token_add)
    tl = token_sub.add_parser("list", help="List live tokens, tab-separated.", description="List tokens.")
    tl.add_argument("--user", metavar="EMAIL")
    tl.set_defaults(func=cmd_token_list)
    tr = token_sub.add_parser("revoke", help="Revoke a token (id, tdk_… beginning or token).")
    tr.add_argument("token", metavar="TOKEN")
    tr.set_defaults(func=cmd_token_revoke)

    sp = add("backup", cmd_backup, "Copy the SQLite database to PATH while the server keeps running.")
    sp.add_argument("path", metavar="PATH", help="a new file")

    sp = add("restore", cmd_restore, "Replace the database with a backup made by `typodesk backup`.")
    sp.add_argument("path", metavar="PATH")
    sp.add_argument("--yes", action="store_true", help="confirm that the current data is replaced")

    sp = add("manage", cmd_manage, "Run a Django management command (advanced).")
    sp.add_argument(
        "rest", nargs=argparse.REMAINDER, metavar="ARGUMENTS", help="the command's name and arguments"
    )
    return p


class Command(NamedTuple):
    """One command or sub-command of the parser, for its reference page (docs/cli.md)."""

    path: tuple[str, ...]  # ("typodesk", "site", "add")
    parser: argparse.ArgumentParser
    arguments: tuple[tuple[str, str], ...]  # (an option's longest string or a positional's name, help)


def commands(parser: argparse.ArgumentParser, path: tuple[str, ...] = ("typodesk",)) -> list[Command]:
    """Every command under ``parser``, depth first, with its options and positional arguments.

    scripts/cli-skeleton drafts docs/cli.md from it and a test checks the page against it, so a new
    command or option cannot go undocumented. argparse offers no public way to list a parser's
    arguments: this reads ``_actions``, as argparse's own help formatter does."""
    arguments, children = [], []
    for action in parser._actions:
        if isinstance(action, argparse._HelpAction):
            continue
        if isinstance(action, argparse._SubParsersAction):
            children += [commands(sub, (*path, name)) for name, sub in action.choices.items()]
        elif action.option_strings:
            arguments.append((max(action.option_strings, key=len), action.help or ""))
        else:
            arguments.append((action.metavar or action.dest.upper(), action.help or ""))
    return [Command(path, parser, tuple(arguments)), *(c for group in children for c in group)]


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return args.func(args) or 0
    except CliError as exc:
        print(f"typodesk: error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
