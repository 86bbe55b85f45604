"""API tokens: a user's key to the REST API, optionally narrowed to one site and to reading.

The token itself is shown once, when it is made, and never stored: the database keeps its
SHA-256 hash (a token is 256 random bits, so a plain hash cannot be reversed by guessing), and
its first characters so that people can tell their tokens apart in lists.
"""

from __future__ import annotations

import hashlib
import secrets

from django.conf import settings
from django.db import models
from django.utils import timezone

from typodesk.sites.models import Site

TOKEN_PREFIX = "tdk_"
# What lists show of a token: the prefix and the first characters of the secret.
SHOWN_CHARS = len(TOKEN_PREFIX) + 6


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


def new_secret() -> str:
    return TOKEN_PREFIX + secrets.token_urlsafe(32)


class ApiToken(models.Model):
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens")
    # NULL: every site the user is a member of (all sites for an instance admin).
    site = models.ForeignKey(Site, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    read_only = models.BooleanField(default=False)
    name = models.CharField(max_length=100, blank=True, help_text="What the token is for.")
    shown = models.CharField(max_length=20, help_text="The token's first characters, to recognise it.")
    token_hash = models.CharField(max_length=64, unique=True)
    created = models.DateTimeField(auto_now_add=True)
    last_used = models.DateTimeField(null=True, blank=True)
    revoked = models.DateTimeField(null=True, blank=True)
    # NULL: it never expires. The API refuses it from this moment on (apiv1.access).
    expires = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["user", "revoked"], name="apitoken_user")]

    def __str__(self) -> str:
        return f"{self.shown}… of {self.user_id}"

    def expired(self, now=None) -> bool:
        return self.expires is not None and self.expires <= (now or timezone.now())

    @property
    def scope(self) -> str:
        """How lists describe what the token may do."""
        where = f"site {self.site.public_key}" if self.site_id else "all my sites"
        return f"{'read' if self.read_only else 'read and write'}, {where}"
