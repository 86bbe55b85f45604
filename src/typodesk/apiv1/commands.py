"""The CLI's ``token add``, ``token list`` and ``token revoke`` (wired in typodesk.cli)."""

from __future__ import annotations

import sys

from django.db.models import Q
from django.utils import timezone

from typodesk.apiv1.models import TOKEN_PREFIX, ApiToken, hash_token
from typodesk.apiv1.tokens import TokenError, create_token
from typodesk.errors import CliError


def _user(email: str):
    from typodesk.accounts.models import User

    user = User.objects.filter(email=email.strip().lower()).first()
    if user is None:
        raise CliError(f"no user with the e-mail {email}: create it with `typodesk createuser` first")
    return user


def add(args) -> int:
    from typodesk.sites.models import Site

    user = _user(args.email)
    site = None
    if args.site:
        site = Site.objects.filter(public_key=args.site).first()
        if site is None:
            raise CliError(f"no site with the key {args.site!r} (list them with `typodesk site list`)")
    try:
        token, secret = create_token(user, site=site, read_only=args.read_only, name=args.name or "")
    except TokenError as exc:
        raise CliError(str(exc)) from None
    print(secret)
    print(f"made token {token.pk} for {user.email} ({token.scope}); it is shown only now", file=sys.stderr)
    return 0


def list_(args) -> int:
    tokens = (
        ApiToken.objects.filter(revoked=None).select_related("user", "site").order_by("user__email", "pk")
    )
    if args.user:
        tokens = tokens.filter(user=_user(args.user))
    for t in tokens:
        print(
            "\t".join(
                [
                    str(t.pk),
                    t.shown + "…",
                    t.user.email,
                    t.site.public_key if t.site else "*",
                    "read" if t.read_only else "write",
                    t.created.isoformat(timespec="seconds"),
                    t.last_used.isoformat(timespec="seconds") if t.last_used else "-",
                    t.name,
                ]
            )
        )
    return 0


def revoke(args) -> int:
    """By id, by the shown beginning (``tdk_AbCdEf``) or by the whole token."""
    value = args.token.strip().rstrip("…")
    live = ApiToken.objects.filter(revoked=None)
    if value.isdigit():
        found = list(live.filter(pk=int(value)))
    elif value.startswith(TOKEN_PREFIX):
        found = list(live.filter(Q(token_hash=hash_token(value)) | Q(shown=value)))
    else:
        found = []
    if not found:
        raise CliError(f"no live token {args.token!r} (see `typodesk token list`)")
    if len(found) > 1:
        raise CliError(f"{args.token!r} matches {len(found)} tokens: give the id (see `typodesk token list`)")
    token = found[0]
    ApiToken.objects.filter(pk=token.pk).update(revoked=timezone.now())
    print(f"revoked token {token.pk} ({token.shown}…) of {token.user.email}", file=sys.stderr)
    return 0
