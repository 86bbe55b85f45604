"""Sites that embed the widget, the domains they serve pages from, and who works on them."""

from __future__ import annotations

import hashlib
import hmac
import secrets
import string
from urllib.parse import urlsplit

from django.conf import settings
from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from typodesk.sites.hosts import HostPatterns, candidate_domains


def new_public_key() -> str:
    # Public: it stands in every page's script tag. Random so that keys of
    # different sites on one instance cannot be guessed from each other.
    # Letters and digits only: a key starting with "-" would be read as an
    # option by `typodesk export --site KEY`, and "_" or "-" are easy to mistype.
    alphabet = string.ascii_letters + string.digits
    return "".join(secrets.choice(alphabet) for _ in range(16))


def _token_hash(token: str) -> str:
    # A plain hash is enough: the token is 256 random bits, nothing to brute-force.
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


def normalize_domain(value: str) -> str:
    """Lower-case host name (IDNA-encoded) from a domain or URL the admin typed.

    Raises ValueError with a message a person can act on.
    """
    raw = value.strip().lower().rstrip(".")
    if "://" in raw:
        raw = urlsplit(raw).hostname or ""
    wildcard = raw.startswith("*.")
    host = raw[2:] if wildcard else raw
    if not host or any(c in host for c in "/?#@: "):
        raise ValueError(f"{value!r} is not a domain name (write it like news.example or *.news.example)")
    try:
        host = host.encode("idna").decode("ascii")
    except UnicodeError:
        raise ValueError(f"{value!r} is not a valid domain name") from None
    return f"*.{host}" if wildcard else host


# The languages of a site's pages and of its widget (the widget has these built in).
SITE_LANGUAGES = [
    ("en", "English"),
    ("ru", "Русский"),
    ("az", "Azərbaycanca"),
    ("tr", "Türkçe"),
    ("uk", "Українська"),
]


class Site(models.Model):
    name = models.CharField(max_length=200)
    public_key = models.CharField(max_length=40, unique=True, default=new_public_key)
    root_selector = models.CharField(
        max_length=200, blank=True, help_text="CSS selector of the article text; empty: article, main, body."
    )
    created = models.DateTimeField(auto_now_add=True)
    # SHA-256 of the site token a CMS sends to POST /api/v1/sites/{key}/recheck; the token itself
    # is shown once (`typodesk site token KEY`) and never stored, so a database leak gives no access.
    token_hash = models.CharField(max_length=64, blank=True)
    # Off by default: an address is personal data, and the site must be ready to send the mail.
    allow_reader_email = models.BooleanField(
        default=False, help_text="Readers may leave an e-mail address to be told when their mistake is fixed."
    )

    # Owners' settings in the desk (docs/people.md).
    default_language = models.CharField(
        max_length=5,
        choices=SITE_LANGUAGES,
        default="en",
        help_text="The language of the site's pages, and of the widget where a page does not say.",
    )
    www_alias = models.BooleanField(
        default=False, help_text="Pages on www.DOMAIN and on DOMAIN belong to the site when either is listed."
    )
    retention_days = models.PositiveIntegerField(
        null=True, blank=True, help_text="Days to keep closed findings; empty: forever."
    )

    def __str__(self) -> str:
        return self.name

    def new_token(self) -> str:
        """Replace the site token with a new random one and return it (the old one stops working)."""
        token = "tds_" + secrets.token_urlsafe(32)  # "tds_": a site token (tdk_: a user's API token)
        self.token_hash = _token_hash(token)
        Site.objects.filter(pk=self.pk).update(token_hash=self.token_hash)
        return token

    def token_matches(self, token: str | None) -> bool:
        """Whether ``token`` is this site's token; constant time, False when the site has none."""
        if not token or not self.token_hash:
            return False
        return hmac.compare_digest(_token_hash(token), self.token_hash)

    def hosts(self) -> list[str]:
        return [d.host for d in self.domains.all()]

    def host_patterns(self) -> HostPatterns:
        """The site's domains as an immutable matcher (:mod:`typodesk.sites.hosts`)."""
        return HostPatterns.of(self.hosts(), self.www_alias)

    def allows_host(self, host: str | None) -> bool:
        """True when pages on ``host`` belong to this site (exact host, ``*.`` wildcard, www twin)."""
        return self.host_patterns().matches(host)


def sites_covering(host: str | None) -> list[tuple[int, Site]]:
    """The sites whose domains cover ``host``, closest first (:meth:`HostPatterns.closeness`, then
    the oldest site), each with its closeness: for requests that name no site (CORS answers
    before a site is known, Orphus reports)."""
    candidates = candidate_domains(host)
    if not candidates:
        return []
    ids = Domain.objects.filter(host__in=candidates).values_list("site_id", flat=True).distinct()
    found = []
    for site in Site.objects.filter(pk__in=ids).prefetch_related("domains").order_by("pk"):
        closeness = site.host_patterns().closeness(host)
        if closeness is not None:
            found.append((closeness, site))
    found.sort(key=lambda pair: (pair[0], pair[1].pk))
    return found


class Domain(models.Model):
    site = models.ForeignKey(Site, on_delete=models.CASCADE, related_name="domains")
    host = models.CharField(max_length=253)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["site", "host"], name="unique_site_host")]
        indexes = [models.Index(fields=["host"])]

    def __str__(self) -> str:
        return self.host


class Membership(models.Model):
    class Role(models.TextChoices):
        OWNER = "owner", _("Owner")
        EDITOR = "editor", _("Editor")
        VIEWER = "viewer", _("Viewer")

    site = models.ForeignKey(Site, on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(max_length=10, choices=Role.choices, default=Role.EDITOR)
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["site", "user"], name="unique_membership")]

    def __str__(self) -> str:
        return f"{self.user} {self.role} of {self.site}"


class Invitation(models.Model):
    """An e-mail invitation to join a site with a role: signed, expiring, used once.

    Only a hash of the link's token is stored; the token itself is in the mail and nowhere else.
    """

    site = models.ForeignKey(Site, on_delete=models.CASCADE, related_name="invitations")
    email = models.EmailField()
    role = models.CharField(max_length=10, choices=Membership.Role.choices, default=Membership.Role.EDITOR)
    token_hash = models.CharField(max_length=64, unique=True)
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    language = models.CharField(
        max_length=10, default="en", help_text="The inviter's language, for the mail."
    )
    created = models.DateTimeField(auto_now_add=True)
    expires = models.DateTimeField()
    accepted_at = models.DateTimeField(null=True, blank=True)
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["site", "accepted_at", "revoked_at"], name="invitation_pending")]

    def __str__(self) -> str:
        return f"{self.email} to {self.site} as {self.role}"

    @property
    def is_pending(self) -> bool:
        return self.accepted_at is None and self.revoked_at is None and self.expires > timezone.now()

    def state(self) -> str:
        """pending, accepted, revoked or expired."""
        if self.accepted_at is not None:
            return "accepted"
        if self.revoked_at is not None:
            return "revoked"
        if self.expires <= timezone.now():
            return "expired"
        return "pending"


def invitation_token_hash(token: str) -> str:
    return _token_hash(token)


def create_site(name: str, hosts: list[str], owner=None, root_selector: str = "") -> Site:
    """A site with its (already normalised) domains and, optionally, its first owner.

    One place for what `typodesk site add` and the API's POST /sites both do.
    """
    with transaction.atomic():
        site = Site.objects.create(name=name, root_selector=root_selector)
        Domain.objects.bulk_create([Domain(site=site, host=h) for h in hosts])
        if owner is not None:
            Membership.objects.create(site=site, user=owner, role=Membership.Role.OWNER)
    return site


def sites_for(user) -> models.QuerySet[Site]:
    """The sites a desk user may see: all for instance admins, else their memberships."""
    if not user.is_authenticated or not user.is_active:
        return Site.objects.none()
    if user.is_superuser:
        return Site.objects.all()
    return Site.objects.filter(memberships__user=user)


def role_of(user, site: Site) -> str | None:
    """The user's role on the site (instance admins act as owners), or None."""
    if not user.is_authenticated or not user.is_active:
        return None
    if user.is_superuser:
        return Membership.Role.OWNER
    m = Membership.objects.filter(site=site, user=user).only("role").first()
    return m.role if m else None
