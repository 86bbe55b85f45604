"""The CLI's ``export``, ``import`` and ``import-mail`` (wired in typodesk.cli)."""

from __future__ import annotations

import sys
from pathlib import Path

from typodesk.errors import CliError
from typodesk.sites.models import Site


def _site(key: str) -> Site:
    site = Site.objects.filter(public_key=key).prefetch_related("domains").first()
    if site is None:
        raise CliError(f"no site with the key {key!r} (list them with `typodesk site list`)")
    return site


def export(args) -> int:
    from typodesk.interchange.export import export_chunks

    site = _site(args.site)
    out = sys.stdout
    for chunk in export_chunks(site, args.format):
        out.write(chunk)
    out.flush()
    return 0


def import_json(args) -> int:
    from typodesk.interchange.importer import ImportFileError
    from typodesk.interchange.importer import import_json as run

    try:
        result = run(Path(args.path), args.site)
    except ImportFileError as exc:
        raise CliError(str(exc)) from None
    for warning in result.warnings:
        print(f"warning: {warning}", file=sys.stderr)
    made = " (new site)" if result.site_created else ""
    print(
        f"site {result.site.public_key}{made}: {result.reports_added} reports added, "
        f"{result.reports_present} already here; {result.findings_created} new findings, "
        f"{result.findings_updated} updated",
        file=sys.stderr,
    )
    return 0


def import_mail(args) -> int:
    from typodesk.interchange.mailimport import MailboxError, import_mail, summary

    site = _site(args.site)
    try:
        result = import_mail(site, Path(args.path), dry_run=args.dry_run)
    except MailboxError as exc:
        raise CliError(str(exc)) from None
    except OSError as exc:
        raise CliError(f"cannot read {args.path}: {exc.strerror or exc}") from None
    for where, why in result.skipped:
        print(f"skipped\t{where}\t{why}")
    print(summary(result, args.dry_run), file=sys.stderr)
    return 0
