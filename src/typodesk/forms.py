"""What every form of the desk shares, whichever app it belongs to.

A module of its own below the apps (docs/architecture.md): sites' forms used to import it from
typodesk.accounts, which imports typodesk.sites.
"""

from __future__ import annotations


class NoColon:
    """Labels without the trailing colon Django adds: the desk's forms put labels above fields."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
