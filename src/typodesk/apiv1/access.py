"""Who is calling, and what they may do: the desk's membership and role rules, for tokens.

Every rule is the desk's: a site (or a finding of a site) the user is not a member of answers
404, exactly like one that does not exist; viewers read, editors and owners change findings,
owners manage the site and its members; instance admins act as owners everywhere. A token
narrows this further, never widens it: to one site, and to reading.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta

from django.db.models import Q, QuerySet
from django.http import HttpRequest
from django.utils import timezone
from ninja.security import HttpBearer

from typodesk.apiv1.errors import api_error
from typodesk.apiv1.models import TOKEN_PREFIX, ApiToken, hash_token
from typodesk.findings.models import Finding
from typodesk.sites.models import Membership, Site, role_of, sites_for

EDIT_ROLES = {Membership.Role.OWNER, Membership.Role.EDITOR}
# "Last used" is a hint for people cleaning up tokens, not an audit log: writing it on every
# call would turn each read into a write.
TOUCH_EVERY = timedelta(minutes=1)
CHALLENGE = {"WWW-Authenticate": 'Bearer realm="typodesk"'}


def find_token(secret: str) -> ApiToken | None:
    """The live token with this secret (its user active), marking it used; None otherwise."""
    if not secret.startswith(TOKEN_PREFIX) or len(secret) > 200:
        return None
    token = (
        ApiToken.objects.select_related("user", "site")
        .filter(token_hash=hash_token(secret), revoked=None)
        .first()
    )
    if token is None or not token.user.is_active or token.expired():
        return None
    touch(token)
    return token


def expired_token(secret: str) -> ApiToken | None:
    """The live token with this secret if it has expired (for the 401's message), else None."""
    if not secret.startswith(TOKEN_PREFIX) or len(secret) > 200:
        return None
    token = ApiToken.objects.filter(token_hash=hash_token(secret), revoked=None).first()
    return token if token is not None and token.expired() else None


def touch(token: ApiToken, now=None) -> None:
    """Record the use, at most once a minute (one conditional UPDATE, safe across processes)."""
    now = now or timezone.now()
    if token.last_used and now - token.last_used < TOUCH_EVERY:
        return
    ApiToken.objects.filter(pk=token.pk).filter(
        Q(last_used=None) | Q(last_used__lt=now - TOUCH_EVERY)
    ).update(last_used=now)
    token.last_used = now


@dataclass
class Access:
    """The caller of one request: the token and its user, with the role lookups cached."""

    token: ApiToken
    _roles: dict = field(default_factory=dict)

    @property
    def user(self):
        return self.token.user

    def sites(self) -> QuerySet[Site]:
        """The sites this call may see."""
        qs = sites_for(self.user)
        if self.token.site_id:
            qs = qs.filter(pk=self.token.site_id)
        return qs

    def site_ids(self) -> list[int]:
        return list(self.sites().values_list("pk", flat=True))

    def role(self, site: Site) -> str | None:
        if self.token.site_id and site.pk != self.token.site_id:
            return None
        if site.pk not in self._roles:
            self._roles[site.pk] = role_of(self.user, site)
        return self._roles[site.pk]

    def site(self, key: str, field_name: str = "key") -> Site:
        """The visible site with this public key, else a 404 naming ``field_name``."""
        site = self.sites().filter(public_key=key).prefetch_related("domains").first()
        if site is None:
            raise api_error(404, f"No site with the key {key!r} among your sites.", field_name)
        return site

    def finding(self, pk: int, field_name: str = "id") -> Finding:
        finding = Finding.objects.select_related("page", "site").filter(site__in=self.sites(), pk=pk).first()
        if finding is None:
            raise api_error(404, f"No finding {pk} on your sites.", field_name)
        return finding

    def require_write(self) -> None:
        if self.token.read_only:
            raise api_error(403, "This API token is read-only: make one that may write.", "authorization")

    def require_editor(self, site: Site) -> None:
        """Owners and editors change findings, as in the desk."""
        self.require_write()
        if self.role(site) not in EDIT_ROLES:
            raise api_error(
                403, f"Viewers of {site.name} read findings; an owner can make you an editor.", None
            )

    def require_owner(self, site: Site, *, write: bool = True) -> None:
        """Only owners (and instance admins) manage a site and its members."""
        if write:
            self.require_write()
        if self.role(site) != Membership.Role.OWNER:
            raise api_error(403, f"Only owners of {site.name} manage the site and its members.", None)


class TokenAuth(HttpBearer):
    """``Authorization: Bearer tdk_…``; every failure is a 401 in the API's error shape."""

    openapi_description = (
        "An API token, made in the desk (API tokens) or with `typodesk token add EMAIL`. "
        "Send it as `Authorization: Bearer tdk_…`."
    )

    def __call__(self, request: HttpRequest) -> Access:
        header = request.headers.get("Authorization", "")
        if not header:
            raise api_error(
                401,
                "This endpoint needs an API token: send Authorization: Bearer tdk_….",
                "authorization",
                CHALLENGE,
            )
        scheme, _, secret = header.strip().partition(" ")
        if scheme.lower() != "bearer" or not secret.strip():
            raise api_error(
                401, "Send the API token as Authorization: Bearer tdk_….", "authorization", CHALLENGE
            )
        return self.authenticate(request, secret.strip())

    def authenticate(self, request: HttpRequest, token: str) -> Access:
        found = find_token(token)
        if found is None:
            expired = expired_token(token)
            if expired is not None:
                raise api_error(
                    401,
                    f"This API token expired at {expired.expires.isoformat(timespec='seconds')}: "
                    "make a new one in the desk (API tokens).",
                    "authorization",
                    {"WWW-Authenticate": 'Bearer realm="typodesk", error="invalid_token"'},
                )
            raise api_error(
                401,
                "This API token is unknown, revoked, or its user is deactivated.",
                "authorization",
                {"WWW-Authenticate": 'Bearer realm="typodesk", error="invalid_token"'},
            )
        return Access(found)
