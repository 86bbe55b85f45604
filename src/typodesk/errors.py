"""The error every ``typodesk`` sub-command raises for a mistake the user can fix.

Its own module so that the apps whose commands the CLI wires in (typodesk.apiv1.commands,
typodesk.interchange.commands) raise it without importing typodesk.cli, which imports them:
the apps sit below the CLI (docs/architecture.md).
"""

from __future__ import annotations


class CliError(Exception):
    """A mistake the user can fix; printed as one line, exit status 2."""
