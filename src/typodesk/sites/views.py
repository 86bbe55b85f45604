"""Site settings and members in the desk.

Who may do what (docs/people.md): a site the user is not a member of is a 404, exactly like a
site that does not exist. Every member may read the settings page (editors need the embed
snippet); only owners change settings, domains, members and invitations, or delete the site:
anyone else gets a 403 that says why, for the members page too. Instance admins act as owners.
"""

from __future__ import annotations

import logging
import smtplib

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import IntegrityError, transaction
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from typodesk.sites import domaincheck, invitations
from typodesk.sites.forms import DeleteSiteForm, DomainForm, InviteForm, RoleForm, SiteSettingsForm
from typodesk.sites.models import (
    Domain,
    DomainConflict,
    Invitation,
    Membership,
    Site,
    role_of,
    sites_for,
)

log = logging.getLogger(__name__)
OWNER = Membership.Role.OWNER


class Refused(Exception):
    pass


def _site(request, key: str) -> tuple[Site, str]:
    site = get_object_or_404(sites_for(request.user), public_key=key)
    return site, role_of(request.user, site)


def _forbidden(request, site: Site, what: str):
    return render(request, "sites/forbidden.html", {"site": site, "what": what}, status=403)


def _owner_site(request, key: str):
    """(site, None) for an owner, else (site, 403 response); a 404 for non-members."""
    site, role = _site(request, key)
    if role != OWNER:
        return site, _forbidden(request, site, "manage")
    return site, None


@login_required
def index(request):
    """The sites the user belongs to, with their role, linking to each site's settings."""
    sites = list(sites_for(request.user).order_by("name").prefetch_related("domains"))
    return render(
        request,
        "sites/index.html",
        {"rows": [(s, role_of(request.user, s)) for s in sites]},
    )


def snippet(site: Site) -> str:
    attrs = [f'src="{settings.BASE_URL}/widget.js"', f'data-site="{site.public_key}"']
    if site.root_selector:
        from django.utils.html import escape

        attrs.append(f'data-root="{escape(site.root_selector)}"')
    if site.default_language != "en":
        attrs.append(f'data-lang="{site.default_language}"')
    return f"<script {' '.join(attrs)} defer></script>"


def _protection_url(site: Site) -> str | None:
    try:
        return reverse("abuse:protection", args=[site.public_key])
    except NoReverseMatch:
        return None


def _settings_context(request, site, role, form=None, domain_form=None, delete_form=None):
    return {
        "site": site,
        "role": role,
        "is_owner": role == OWNER,
        "form": form or SiteSettingsForm(instance=site),
        "domains": [
            (d, None if d.is_verified else domaincheck.instructions(d)) for d in site.domains.order_by("host")
        ],
        "domain_form": domain_form or DomainForm(),
        "delete_form": delete_form or DeleteSiteForm(site=site),
        "snippet": snippet(site),
        "protection_url": _protection_url(site),
        "notifications_url": reverse("notify:site", args=[site.public_key]),
    }


@login_required
def site_settings(request, key: str):
    site, role = _site(request, key)
    if request.method == "POST":
        if role != OWNER:
            return _forbidden(request, site, "settings")
        form = SiteSettingsForm(request.POST, instance=site)
        if form.is_valid():
            form.save()
            messages.success(request, _("The settings were saved."))
            return redirect("sites:settings", key=site.public_key)
        site.refresh_from_db()
        return render(
            request, "sites/settings.html", _settings_context(request, site, role, form=form), status=400
        )
    return render(request, "sites/settings.html", _settings_context(request, site, role))


@login_required
@require_POST
def domain_add(request, key: str):
    site, refused = _owner_site(request, key)
    if refused:
        return refused
    form = DomainForm(request.POST)
    if not form.is_valid():
        return render(
            request,
            "sites/settings.html",
            _settings_context(request, site, OWNER, domain_form=form),
            status=400,
        )
    host = form.cleaned_data["host"]
    try:
        with transaction.atomic():
            Domain.add_pending(site, host)
    except IntegrityError:
        messages.info(request, _("%(host)s is already one of the site's domains.") % {"host": host})
    except DomainConflict as conflict:
        form.add_error("host", _domain_conflict_message(conflict))
        return render(
            request,
            "sites/settings.html",
            _settings_context(request, site, OWNER, domain_form=form),
            status=409,
        )
    else:
        messages.success(
            request,
            _("%(host)s was added. It counts once you prove it is yours: follow the steps below it.")
            % {"host": host},
        )
    return redirect("sites:settings", key=site.public_key)


def _domain_conflict_message(conflict: DomainConflict) -> str:
    if conflict.other == conflict.host:
        text = _("%(host)s is already a verified domain of another site on this server.")
    else:
        text = _("%(host)s overlaps %(other)s, a verified domain of another site on this server.")
    then = _("If that site is yours, remove the domain there first; otherwise ask the server's admin.")
    return f"{text % {'host': conflict.host, 'other': conflict.other}} {then}"


@login_required
@require_POST
def domain_check(request, key: str, pk: int):
    """**Check now**: look for the domain's token at once, while the owner waits (at most
    ``TYPODESK_DOMAIN_CHECK_TIMEOUT`` seconds), so the page can say straight away what was found."""
    site, refused = _owner_site(request, key)
    if refused:
        return refused
    domain = get_object_or_404(Domain.objects.select_related("site"), pk=pk, site=site)
    if domain.is_verified:
        messages.info(request, _("%(host)s is already verified.") % {"host": domain.host})
        return redirect("sites:settings", key=site.public_key)
    outcome = domaincheck.check(domain)
    if outcome.verified:
        messages.success(
            request, _("%(host)s is verified: reports from its pages are accepted.") % {"host": domain.host}
        )
    else:
        messages.error(
            request,
            _("%(host)s is not verified yet. Found: %(found)s")
            % {"host": domain.host, "found": outcome.found},
        )
    return redirect("sites:settings", key=site.public_key)


@login_required
@require_POST
def domain_remove(request, key: str, pk: int):
    site, refused = _owner_site(request, key)
    if refused:
        return refused
    domain = get_object_or_404(Domain, pk=pk, site=site)
    if site.domains.count() <= 1:
        messages.error(
            request, _("A site needs at least one domain: add the new one first, then remove this one.")
        )
        return redirect("sites:settings", key=site.public_key)
    domain.delete()
    messages.success(request, _("%(host)s was removed.") % {"host": domain.host})
    return redirect("sites:settings", key=site.public_key)


@login_required
@require_POST
def delete_site(request, key: str):
    site, refused = _owner_site(request, key)
    if refused:
        return refused
    form = DeleteSiteForm(request.POST, site=site)
    if not form.is_valid():
        return render(
            request,
            "sites/settings.html",
            _settings_context(request, site, OWNER, delete_form=form),
            status=400,
        )
    name = site.name
    site.delete()
    log.info("site %s deleted by user %s", key, request.user.pk)
    messages.success(request, _("The site %(name)s and all its findings were deleted.") % {"name": name})
    return redirect("desk:inbox")


# --- members -------------------------------------------------------------------------------------


def _members_context(request, site, invite_form=None):
    members = list(Membership.objects.filter(site=site).select_related("user").order_by("user__email"))
    pending = list(
        Invitation.objects.filter(
            site=site, accepted_at=None, revoked_at=None, expires__gt=timezone.now()
        ).order_by("-created")
    )
    return {
        "site": site,
        "members": members,
        "pending": pending,
        "roles": Membership.Role.choices,
        "invite_form": invite_form or InviteForm(),
        "email_configured": bool(settings.EMAIL_HOST),
        "days": settings.TYPODESK_INVITATION_DAYS,
    }


@login_required
def members(request, key: str):
    site, refused = _owner_site(request, key)
    if refused:
        return refused
    return render(request, "sites/members.html", _members_context(request, site))


def _last_owner(site: Site, membership: Membership) -> bool:
    return (
        membership.role == OWNER
        and not Membership.objects.filter(site=site, role=OWNER).exclude(pk=membership.pk).exists()
    )


@login_required
@require_POST
def member_role(request, key: str, pk: int):
    site, refused = _owner_site(request, key)
    if refused:
        return refused
    form = RoleForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose owner, editor or viewer."))
        return redirect("sites:members", key=site.public_key)
    role = form.cleaned_data["role"]
    try:
        with transaction.atomic():
            # Locked, so that two owners demoting each other at once cannot leave the site with none.
            owners = list(Membership.objects.select_for_update().filter(site=site, role=OWNER))
            membership = get_object_or_404(Membership.objects.select_for_update(), pk=pk, site=site)
            if role != OWNER and membership.role == OWNER and len(owners) <= 1:
                raise Refused
            membership.role = role
            membership.save(update_fields=["role"])
    except Refused:
        messages.error(
            request,
            _("%(email)s is the site's only owner. Make someone else an owner first.")
            % {"email": membership.user.email},
        )
        return redirect("sites:members", key=site.public_key)
    messages.success(
        request,
        _("%(email)s is now: %(role)s.")
        % {"email": membership.user.email, "role": membership.get_role_display()},
    )
    if membership.user_id == request.user.pk and role != OWNER and not request.user.is_superuser:
        return redirect("sites:settings", key=site.public_key)
    return redirect("sites:members", key=site.public_key)


@login_required
@require_POST
def member_remove(request, key: str, pk: int):
    site, refused = _owner_site(request, key)
    if refused:
        return refused
    try:
        with transaction.atomic():
            owners = list(Membership.objects.select_for_update().filter(site=site, role=OWNER))
            membership = get_object_or_404(Membership.objects.select_related("user"), pk=pk, site=site)
            if membership.role == OWNER and len(owners) <= 1:
                raise Refused
            membership.delete()
    except Refused:
        messages.error(
            request,
            _("%(email)s is the site's only owner and cannot be removed. Make someone else an owner first.")
            % {"email": membership.user.email},
        )
        return redirect("sites:members", key=site.public_key)
    messages.success(request, _("%(email)s was removed from the site.") % {"email": membership.user.email})
    if membership.user_id == request.user.pk and not request.user.is_superuser:
        return redirect("desk:inbox")
    return redirect("sites:members", key=site.public_key)


@login_required
@require_POST
def invite(request, key: str):
    site, refused = _owner_site(request, key)
    if refused:
        return refused
    form = InviteForm(request.POST)
    if not form.is_valid():
        return render(
            request, "sites/members.html", _members_context(request, site, invite_form=form), status=400
        )
    email, role = form.cleaned_data["email"], form.cleaned_data["role"]
    if Membership.objects.filter(site=site, user__email__iexact=email).exists():
        form.add_error("email", _("%(email)s is already a member of this site.") % {"email": email})
        return render(
            request, "sites/members.html", _members_context(request, site, invite_form=form), status=400
        )
    invitation, token = invitations.create(site, email, role, request.user, translation.get_language())
    if not settings.EMAIL_HOST:
        return _show_link(request, site, invitation, token, _("This server cannot send e-mail yet."))
    try:
        invitations.send(invitation, token)
    except (OSError, smtplib.SMTPException) as exc:
        log.warning("invitation mail for site %s not sent: %s", site.public_key, exc)
        return _show_link(request, site, invitation, token, _("The mail server did not take the mail."))
    messages.success(
        request,
        _("An invitation was sent to %(email)s. The link works once, for %(days)d days.")
        % {"email": email, "days": settings.TYPODESK_INVITATION_DAYS},
    )
    return redirect("sites:members", key=site.public_key)


def _show_link(request, site, invitation, token, reason):
    context = _members_context(request, site)
    context.update(
        {"manual_link": invitations.link(token), "manual_reason": reason, "manual_email": invitation.email}
    )
    return render(request, "sites/members.html", context)


@login_required
@require_POST
def invitation_revoke(request, key: str, pk: int):
    site, refused = _owner_site(request, key)
    if refused:
        return refused
    invitation = get_object_or_404(Invitation, pk=pk, site=site)
    Invitation.objects.filter(pk=invitation.pk, accepted_at=None, revoked_at=None).update(
        revoked_at=timezone.now()
    )
    messages.success(
        request,
        _("The invitation to %(email)s was revoked; its link no longer works.") % {"email": invitation.email},
    )
    return redirect("sites:members", key=site.public_key)
