"""Invitations to a site by e-mail: a signed, expiring, single-use link.

The link carries a random token signed with the instance's secret key (a forged or altered
link is refused before the database is asked); the database keeps only the token's SHA-256,
the expiry, and when the invitation was accepted or revoked. Accepting is one conditional
UPDATE, so a link works once even when it is opened twice at the same moment.
"""

from __future__ import annotations

import logging
import secrets
from datetime import timedelta

from django.conf import settings
from django.core import signing
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation

from typodesk.sites.models import Invitation, Membership, Site, invitation_token_hash

log = logging.getLogger(__name__)
_SALT = "typodesk.sites.invitation"
RANK = {Membership.Role.VIEWER: 0, Membership.Role.EDITOR: 1, Membership.Role.OWNER: 2}


class AlreadyUsed(Exception):
    """The invitation was accepted, revoked or expired while this request was running."""


def create(site: Site, email: str, role: str, invited_by, language: str) -> tuple[Invitation, str]:
    """A new invitation (an older pending one to the same address is revoked) and its link token."""
    token = signing.Signer(salt=_SALT).sign(secrets.token_urlsafe(24))
    now = timezone.now()
    with transaction.atomic():
        Invitation.objects.filter(site=site, email__iexact=email, accepted_at=None, revoked_at=None).update(
            revoked_at=now
        )
        invitation = Invitation.objects.create(
            site=site,
            email=email,
            role=role,
            token_hash=invitation_token_hash(token),
            invited_by=invited_by,
            language=language or "en",
            expires=now + timedelta(days=settings.TYPODESK_INVITATION_DAYS),
        )
    return invitation, token


def link(token: str) -> str:
    return settings.BASE_URL + reverse("accounts:accept-invitation", args=[token])


def find(token: str) -> Invitation | None:
    """The invitation of a link token (in any state), or None when the link is not one of ours."""
    try:
        signing.Signer(salt=_SALT).unsign(token)
    except signing.BadSignature:
        return None
    return (
        Invitation.objects.select_related("site", "invited_by")
        .filter(token_hash=invitation_token_hash(token))
        .first()
    )


def send(invitation: Invitation, token: str) -> None:
    """Send the invitation mail in the inviter's language; raises OSError/SMTPException on failure."""
    inviter = invitation.invited_by
    context = {
        "site": invitation.site,
        "inviter": (inviter.name or inviter.email) if inviter else "",
        "role": invitation.role,
        "link": link(token),
        "expires": invitation.expires,
        "days": settings.TYPODESK_INVITATION_DAYS,
        "language": invitation.language,
    }
    with translation.override(invitation.language):
        subject = render_to_string("sites/email/invitation_subject.txt", context).strip()
        text = render_to_string("sites/email/invitation.txt", context)
        html = render_to_string("sites/email/invitation.html", context)
    mail = EmailMultiAlternatives(
        subject=" ".join(subject.split()),
        body=text,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[invitation.email],
        headers={"Auto-Submitted": "auto-generated", "Content-Language": invitation.language},
    )
    mail.attach_alternative(html, "text/html")
    mail.send()


def accept(invitation: Invitation, user) -> bool:
    """Give ``user`` the invited role (never lowering one they have) and spend the invitation."""
    now = timezone.now()
    with transaction.atomic():
        spent = Invitation.objects.filter(
            pk=invitation.pk, accepted_at=None, revoked_at=None, expires__gt=now
        ).update(accepted_at=now, accepted_by=user)
        if not spent:
            return False
        membership, created = Membership.objects.get_or_create(
            site=invitation.site, user=user, defaults={"role": invitation.role}
        )
        if not created and RANK[invitation.role] > RANK[membership.role]:
            membership.role = invitation.role
            membership.save(update_fields=["role"])
    return True
