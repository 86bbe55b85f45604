"""``/api/v1/sites``: your sites, their overview numbers and export; sites and members for owners.

Reading a site, its overview and its export needs any role on it; changing the site and
managing its members needs the owner role (instance admins act as owners); creating a site is
for instance admins, as ``typodesk site add`` is.
"""

from __future__ import annotations

from datetime import timedelta

from django.db import IntegrityError, transaction
from django.db.models import Count, Min, Q
from django.utils import timezone
from ninja import Field, Query, Router, Schema, Status

from typodesk.accounts.models import User
from typodesk.apiv1.errors import ERRORS_READ, ERRORS_WRITE, ErrorOut, api_error
from typodesk.apiv1.schemas import (
    DomainStateOut,
    ExportFormat,
    Id,
    MemberIn,
    MemberOut,
    MemberPatchIn,
    OverviewOut,
    SiteIn,
    SiteOut,
    SitePatchIn,
)
from typodesk.findings.models import Finding, Report
from typodesk.interchange.export import FORMATS, export_chunks
from typodesk.interchange.streaming import stream
from typodesk.sites import domaincheck
from typodesk.sites.models import Domain, DomainConflict, Membership, Site, normalize_domain
from typodesk.sites.models import create_site as new_site

router = Router(tags=["sites"])


def domain_state(domain: Domain, owner: bool) -> dict:
    proof = None
    if owner and not domain.is_verified:
        how = domaincheck.instructions(domain)
        proof = {
            "file_url": how.file_url,
            "file_content": how.file_content,
            "meta_tag": how.meta_tag,
            "home_url": how.home_url,
        }
    return {
        "host": domain.host,
        "state": "verified" if domain.is_verified else "pending",
        "verified_at": domain.verified_at,
        "checked_at": domain.checked_at,
        "found": domain.check_result,
        "verification": proof,
    }


def site_out(site: Site, role: str) -> dict:
    domains = sorted(site.domains.all(), key=lambda d: d.host)
    owner = role == Membership.Role.OWNER
    return {
        "key": site.public_key,
        "name": site.name,
        "domains": [d.host for d in domains],
        "domain_states": [domain_state(d, owner) for d in domains],
        "root_selector": site.root_selector,
        "role": role,
        "created": site.created,
    }


def _domains(values: list[str]) -> list[str]:
    hosts = []
    for i, value in enumerate(values):
        try:
            hosts.append(normalize_domain(value))
        except ValueError as exc:
            raise api_error(400, f"domains.{i}: {exc}.", f"domains.{i}") from None
    return list(dict.fromkeys(hosts))


def _conflict(exc: DomainConflict, values: list[str]) -> Exception:
    """A 409 naming the item of the request's ``domains`` that overlaps another site's domain."""
    for i, value in enumerate(values):
        try:
            if normalize_domain(value) == exc.host:
                return api_error(409, f"domains.{i}: {exc}", f"domains.{i}")
        except ValueError:
            continue
    return api_error(409, str(exc), "domains")


@router.get(
    "/sites",
    response={200: list[SiteOut], **ERRORS_READ},
    summary="List your sites",
    operation_id="listSites",
)
def list_sites(request):
    access = request.auth
    sites = access.sites().prefetch_related("domains").order_by("name", "pk")
    return [site_out(s, access.role(s)) for s in sites]


@router.post(
    "/sites",
    response={201: SiteOut, **ERRORS_WRITE},
    summary="Add a site (instance admins)",
    operation_id="createSite",
)
def create_site(request, payload: SiteIn):
    """Like `typodesk site add`; the caller becomes the site's owner."""
    access = request.auth
    access.require_write()
    if not access.user.is_superuser or access.token.site_id:
        raise api_error(403, "Only instance admins add sites, with a token not limited to one site.", None)
    if not payload.name.strip():
        raise api_error(400, "name: the site needs a name.", "name")
    hosts = _domains(payload.domains)
    try:
        site = new_site(
            payload.name.strip(),
            hosts,
            owner=access.user,
            root_selector=payload.root_selector.strip(),
            verified=False,
        )
    except DomainConflict as exc:
        raise _conflict(exc, payload.domains) from None
    return Status(201, site_out(site, Membership.Role.OWNER))


@router.get(
    "/sites/{key}", response={200: SiteOut, **ERRORS_READ}, summary="Read a site", operation_id="getSite"
)
def get_site(request, key: str):
    access = request.auth
    site = access.site(key)
    return site_out(site, access.role(site))


@router.patch(
    "/sites/{key}",
    response={200: SiteOut, **ERRORS_WRITE},
    summary="Change a site's name, domains or article selector (owners)",
    operation_id="changeSite",
)
def change_site(request, key: str, payload: SitePatchIn):
    """`domains` replaces the whole list: reports from pages on removed domains are refused. A new
    domain waits for verification; one that overlaps a verified domain of another site is a 409."""
    access = request.auth
    site = access.site(key)
    access.require_owner(site)
    try:
        _change_site(site, payload)
    except DomainConflict as exc:
        raise _conflict(exc, payload.domains or []) from None
    site = Site.objects.prefetch_related("domains").get(pk=site.pk)
    return site_out(site, access.role(site))


def _change_site(site: Site, payload: SitePatchIn) -> None:
    with transaction.atomic():
        if payload.name is not None:
            if not payload.name.strip():
                raise api_error(400, "name: the site needs a name.", "name")
            site.name = payload.name.strip()
        if payload.root_selector is not None:
            site.root_selector = payload.root_selector.strip()
        site.save(update_fields=["name", "root_selector"])
        if payload.domains is not None:
            hosts = _domains(payload.domains)
            Domain.objects.filter(site=site).exclude(host__in=hosts).delete()
            have = set(Domain.objects.filter(site=site).values_list("host", flat=True))
            for host in hosts:
                if host not in have:
                    Domain.add_pending(site, host)


@router.post(
    "/sites/{key}/domains/{host}/check",
    response={200: DomainStateOut, **ERRORS_WRITE},
    summary="Look for a pending domain's proof now (owners)",
    operation_id="checkDomain",
)
def check_domain(request, key: str, host: str):
    """Reads the verification file, then the home page's meta tag (at most
    TYPODESK_DOMAIN_CHECK_TIMEOUT seconds) and answers the domain's state: `verified` once the
    token was found. `found` says what was there instead."""
    access = request.auth
    site = access.site(key)
    access.require_owner(site)
    try:
        wanted = normalize_domain(host)
    except ValueError as exc:
        raise api_error(400, f"host: {exc}.", "host") from None
    domain = Domain.objects.select_related("site").filter(site=site, host=wanted).first()
    if domain is None:
        raise api_error(404, f"{wanted} is not a domain of {site.name}.", "host")
    domaincheck.check(domain)
    return domain_state(domain, True)


@router.get(
    "/sites/{key}/overview",
    response={200: OverviewOut, **ERRORS_READ},
    summary="A site's numbers",
    operation_id="getSiteOverview",
)
def site_overview(request, key: str):
    """Findings by status, open findings, reports over time: what a dashboard shows."""
    site = request.auth.site(key)
    now = timezone.now()
    by_status = dict(
        Finding.objects.filter(site=site)
        .values_list("status")
        .annotate(n=Count("id"))
        .values_list("status", "n")
    )
    findings = {s: by_status.get(s, 0) for s in Finding.Status.values}
    findings["total"] = sum(by_status.values())
    reports = Report.objects.filter(finding__site=site).aggregate(
        total=Count("id"),
        last_24h=Count("id", filter=Q(created__gte=now - timedelta(days=1))),
        last_7_days=Count("id", filter=Q(created__gte=now - timedelta(days=7))),
        last_30_days=Count("id", filter=Q(created__gte=now - timedelta(days=30))),
    )
    open_qs = Finding.objects.filter(site=site, status__in=Finding.OPEN_STATUSES)
    return {
        "site": site.public_key,
        "findings": findings,
        "open": sum(by_status.get(s, 0) for s in Finding.OPEN_STATUSES),
        "reports": reports,
        "fixed_last_30_days": Finding.objects.filter(
            site=site, status=Finding.Status.FIXED, status_changed__gte=now - timedelta(days=30)
        ).count(),
        "oldest_open": open_qs.aggregate(m=Min("created"))["m"],
        "pages_with_open_findings": open_qs.values("page_id").distinct().count(),
    }


class ExportQuery(Schema):
    format: ExportFormat = Field("json", description="json (typodesk), csv, or jsonld (W3C Web Annotation)")


_EXPORT_DOC = {
    "responses": {
        "200": {
            "description": "The export, streamed (docs/export.md).",
            "content": {ct.split(";")[0]: {"schema": {"type": "string"}} for ct, _ in FORMATS.values()},
        }
    }
}


@router.get(
    "/sites/{key}/export",
    response={**ERRORS_READ},
    summary="Export every finding of a site",
    operation_id="exportSite",
    openapi_extra=_EXPORT_DOC,
)
def export_site(request, key: str, query: Query[ExportQuery]):
    """JSON (read back by `typodesk import`), CSV, or W3C Web Annotation JSON-LD."""
    site = request.auth.site(key)
    content_type, ext = FORMATS[query.format]
    return stream(
        request, export_chunks(site, query.format), content_type, f"{site.public_key}-findings.{ext}"
    )


# Members ----------------------------------------------------------------------------------


def member_out(m: Membership) -> dict:
    return {
        "user_id": m.user_id,
        "email": m.user.email,
        "name": m.user.name,
        "role": m.role,
        "created": m.created,
    }


def _membership(site: Site, user_id: int) -> Membership:
    m = Membership.objects.select_related("user").filter(site=site, user_id=user_id).first()
    if m is None:
        raise api_error(404, f"User {user_id} is not a member of {site.name}.", "user_id")
    return m


def _keep_an_owner(site: Site, m: Membership, field: str) -> None:
    if m.role == Membership.Role.OWNER and not (
        Membership.objects.filter(site=site, role=Membership.Role.OWNER).exclude(pk=m.pk).exists()
    ):
        raise api_error(
            409, f"{m.user.email} is the last owner of {site.name}: make someone else owner first.", field
        )


@router.get(
    "/sites/{key}/members",
    response={200: list[MemberOut], **ERRORS_READ},
    summary="List a site's members (owners)",
    tags=["members"],
    operation_id="listMembers",
)
def list_members(request, key: str):
    access = request.auth
    site = access.site(key)
    access.require_owner(site, write=False)
    members = Membership.objects.filter(site=site).select_related("user").order_by("user__email")
    return [member_out(m) for m in members]


@router.post(
    "/sites/{key}/members",
    response={201: MemberOut, **ERRORS_WRITE},
    summary="Add a member (owners)",
    tags=["members"],
    operation_id="addMember",
)
def add_member(request, key: str, payload: MemberIn):
    """The person needs a typodesk account already (`typodesk createuser`)."""
    access = request.auth
    site = access.site(key)
    access.require_owner(site)
    user = User.objects.filter(email=payload.email.strip().lower(), is_active=True).first()
    if user is None:
        raise api_error(
            404, f"No typodesk user has the e-mail {payload.email}: create the account first.", "email"
        )
    try:
        with transaction.atomic():
            m = Membership.objects.create(site=site, user=user, role=payload.role)
    except IntegrityError:
        raise api_error(409, f"{user.email} is already a member of {site.name}.", "email") from None
    return Status(201, member_out(m))


@router.patch(
    "/sites/{key}/members/{user_id}",
    response={200: MemberOut, **ERRORS_WRITE},
    summary="Change a member's role (owners)",
    tags=["members"],
    operation_id="changeMember",
)
def change_member(request, key: str, user_id: Id, payload: MemberPatchIn):
    access = request.auth
    site = access.site(key)
    access.require_owner(site)
    with transaction.atomic():
        m = _membership(site, user_id)
        if payload.role != Membership.Role.OWNER:
            _keep_an_owner(site, m, "role")
        m.role = payload.role
        m.save(update_fields=["role"])
    return member_out(m)


@router.delete(
    "/sites/{key}/members/{user_id}",
    response={204: None, **ERRORS_WRITE},
    summary="Remove a member (owners)",
    tags=["members"],
    operation_id="removeMember",
)
def remove_member(request, key: str, user_id: Id):
    """Their API tokens keep working only on sites they are still a member of."""
    access = request.auth
    site = access.site(key)
    access.require_owner(site)
    with transaction.atomic():
        m = _membership(site, user_id)
        _keep_an_owner(site, m, "user_id")
        m.delete()
    return Status(204, None)


__all__ = ["router", "ErrorOut"]
