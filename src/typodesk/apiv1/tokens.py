"""Making API tokens: the one place the desk, the CLI and the tests go through."""

from __future__ import annotations

from datetime import datetime

from django.utils.translation import gettext as _

from typodesk.apiv1.models import SHOWN_CHARS, ApiToken, hash_token, new_secret
from typodesk.sites.models import Site, role_of


class TokenError(ValueError):
    """A token that cannot be made (the user is not a member of the site, …)."""


def create_token(
    user,
    *,
    site: Site | None = None,
    read_only: bool = False,
    name: str = "",
    expires: datetime | None = None,
) -> tuple[ApiToken, str]:
    """A new token of ``user`` and its secret, which is shown once and never stored; ``expires``:
    the moment the API stops taking it (None: never)."""
    if not user.is_active:
        raise TokenError(_("%(email)s is deactivated") % {"email": user.email})
    if site is not None and role_of(user, site) is None:
        raise TokenError(
            _("%(email)s is not a member of the site %(site)s")
            % {"email": user.email, "site": site.public_key}
        )
    if len(name) > 100:
        raise TokenError(_("the name is longer than 100 characters"))
    secret = new_secret()
    token = ApiToken.objects.create(
        user=user,
        site=site,
        read_only=read_only,
        name=name,
        shown=secret[:SHOWN_CHARS],
        token_hash=hash_token(secret),
        expires=expires,
    )
    return token, secret
