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

from typodesk.sites.hosts import HostPatterns, candidate_domains, clean_host, domain_base


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
        """The site's verified domains: the only ones reports, CORS, Orphus and the page reader
        know. A domain waiting for verification matches nothing (docs/people.md, Domains)."""
        return [d.host for d in self.domains.all() if d.verified_at is not None]

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
    ids = (
        Domain.objects.filter(host__in=candidates, verified_at__isnull=False)
        .values_list("site_id", flat=True)
        .distinct()
    )
    found = []
    for site in Site.objects.filter(pk__in=ids).prefetch_related("domains").order_by("pk"):
        closeness = site.host_patterns().closeness(host)
        if closeness is not None:
            found.append((closeness, site))
    found.sort(key=lambda pair: (pair[0], pair[1].pk))
    return found


def new_verification_token() -> str:
    """What an owner puts on a domain to prove it is theirs: random, so that it cannot be
    foretold, and letters and digits only, so that it survives any copy and paste."""
    alphabet = string.ascii_letters + string.digits
    return "".join(secrets.choice(alphabet) for _ in range(32))


class Domain(models.Model):
    """A domain of a site: an exact host name or a ``*.`` wildcard.

    It counts (reports, CORS, Orphus, the page reader) only once verified. Domains written by
    the instance admin's tools (``typodesk site add``, ``typodesk import``, the demo) are verified
    as they are made, hence the default; those an owner adds in the desk or the API start
    waiting (:meth:`add_pending`) until :mod:`typodesk.sites.domaincheck` finds the token.
    """

    site = models.ForeignKey(Site, on_delete=models.CASCADE, related_name="domains")
    host = models.CharField(max_length=253)
    verified_at = models.DateTimeField(null=True, blank=True, default=timezone.now)
    # Proof of control for a domain waiting for verification (empty for those made verified).
    token = models.CharField(max_length=64, blank=True, default="", db_default="")
    checked_at = models.DateTimeField(null=True, blank=True)
    check_result = models.CharField(max_length=500, blank=True, default="", db_default="")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["site", "host"], name="unique_site_host")]
        indexes = [models.Index(fields=["host"])]

    def __str__(self) -> str:
        return self.host

    @property
    def is_verified(self) -> bool:
        return self.verified_at is not None

    @property
    def base(self) -> str:
        """The host the proof is read from (``news.example`` for ``*.news.example``)."""
        return domain_base(self.host)

    @classmethod
    def add_pending(cls, site: Site, host: str) -> Domain:
        """Add ``host`` (normalised) to ``site``, waiting for verification; raises
        :class:`DomainConflict` when another site's verified domains overlap it, and
        IntegrityError when the site already lists it."""
        conflict = conflicting_domain(site, host)
        if conflict is not None:
            raise DomainConflict(host, conflict)
        return cls.objects.create(site=site, host=host, verified_at=None, token=new_verification_token())


class DomainConflict(Exception):
    """A domain overlaps a verified domain of another site (which is not named: it is not the
    asker's business which site that is)."""

    def __init__(self, host: str, other: str):
        self.host = host
        self.other = other
        if clean_host(other) == clean_host(host):
            message = f"{host} is already a verified domain of another site on this server"
        else:
            message = f"{host} overlaps {other}, a verified domain of another site on this server"
        super().__init__(
            message + ". If that site is yours, remove the domain there first; otherwise ask the "
            "server's admin."
        )


def conflicting_domain(site: Site, host: str) -> str | None:
    """A verified domain of another site that overlaps ``host`` (:meth:`HostPatterns.overlaps`,
    with each site's www twins), or None. Domains other sites are still waiting to verify do
    not count: whoever proves control first gets the domain, and nobody can hold one by merely
    asking for it."""
    base = domain_base(host)
    www = site.www_alias
    looked_up = set(candidate_domains(base))
    if www:
        looked_up.update(candidate_domains(base[4:] if base.startswith("www.") else f"www.{base}"))
    nearby = models.Q(host__in=looked_up)
    if host.startswith("*."):
        nearby |= models.Q(host__endswith="." + base)  # a.news.example, *.a.news.example
    mine = HostPatterns.of([host], www)
    others = (
        Domain.objects.filter(nearby, verified_at__isnull=False)
        .exclude(site=site)
        .values_list("site_id", flat=True)
        .distinct()
    )
    for other in Site.objects.filter(pk__in=others).prefetch_related("domains").order_by("pk"):
        for domain in sorted(other.hosts()):
            if mine.overlaps(HostPatterns.of([domain], other.www_alias)):
                return domain
    return None


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


def create_site(
    name: str, hosts: list[str], owner=None, root_selector: str = "", *, verified: bool = True
) -> Site:
    """A site with its (already normalised) domains and, optionally, its first owner.

    One place for what `typodesk site add` and the API's POST /sites both do. The instance
    admin's CLI makes the domains verified; the API (``verified=False``) makes them wait for
    their proof, and refuses (:class:`DomainConflict`) a domain another site has.
    """
    with transaction.atomic():
        site = Site.objects.create(name=name, root_selector=root_selector)
        if verified:
            Domain.objects.bulk_create([Domain(site=site, host=h) for h in hosts])
        else:
            for h in hosts:
                Domain.add_pending(site, h)
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
