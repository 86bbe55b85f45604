"""The proof-of-work challenge endpoint (public) and the desk's protection page.

The page follows the desk's rules: a site the user is not a member of is a 404, exactly like a
site that does not exist; owners change settings and blocklists, editors and viewers read them
(a change by anyone else is a 403 that says why). Every change is a POST with a CSRF token.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import IntegrityError, transaction
from django.db.models import Count, Max, Q
from django.http import HttpRequest, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from typodesk.abuse import pow as proof
from typodesk.abuse.forms import BlockClientForm, BlockWordForm, ProtectionForm
from typodesk.abuse.models import BlockedClient, BlockedWord, Protection
from typodesk.abuse.policy import defaults
from typodesk.findings.models import Finding, Report
from typodesk.ingest import refusals
from typodesk.sites.models import Membership, Site, role_of, sites_for

log = logging.getLogger(__name__)


@require_GET
def challenge(request: HttpRequest, key: str) -> JsonResponse:
    """A fresh ALTCHA challenge for the site (``GET /widget/pow/<key>``); no cookie, never cached."""
    if not Site.objects.filter(public_key=key).exists():
        response = JsonResponse(
            {"error": "Unknown site key: check the data-site attribute of the script tag."}, status=404
        )
    else:
        response = JsonResponse(proof.challenge(key))
    response["Cache-Control"] = "no-store"
    response["Access-Control-Allow-Origin"] = "*"
    response["Cross-Origin-Resource-Policy"] = "cross-origin"
    return response


# --- the desk's protection page -------------------------------------------------------------

REASONS = {
    "rate_client": gettext_lazy("Too many reports from one reader"),
    "rate_site": gettext_lazy("Too many reports to this site"),
    "rate_global": gettext_lazy("Too many reports to the whole server"),
    "blocked": gettext_lazy("Reader on the blocklist"),
    "honeypot": gettext_lazy("Hidden field filled in (a robot filling forms)"),
    "too_fast": gettext_lazy("Sent too soon after the dialog opened"),
    "pow": gettext_lazy("Proof-of-work missing, wrong, expired or used before"),
    "domain": gettext_lazy("Page not on one of the site's domains"),
    "origin": gettext_lazy("Sent from a page outside the site's domains"),
}
PERIODS = (1, 7, 30)  # days, today included


def _membership(request, key: str) -> tuple[Site, str | None]:
    site = get_object_or_404(sites_for(request.user).distinct(), public_key=key)
    return site, role_of(request.user, site)


def refusal_table(site: Site) -> list[dict]:
    """Refused reports per reason over the last 1, 7 and 30 days (days as the server counts them)."""
    try:
        refusals.flush()  # this process's counts; other processes write theirs every few seconds
    except Exception:  # the page shows what is written; the counts are kept for later
        log.warning("refusal counts could not be written yet", exc_info=True)
    today = timezone.now().date()
    columns = [refusals.totals(site, today - timedelta(days=days - 1)) for days in PERIODS]
    reasons = sorted(set().union(*columns), key=lambda r: (-columns[-1].get(r, 0), r))
    return [
        {"reason": r, "label": REASONS.get(r, r), "counts": [c.get(r, 0) for c in columns]} for r in reasons
    ]


def busiest_readers(site: Site, limit: int = 10) -> list[dict]:
    """Today's readers of the site by number of reports (their hashes can be blocked today only),
    with how many of those went to spam and their latest finding."""
    start = timezone.now().replace(hour=0, minute=0, second=0, microsecond=0)
    rows = (
        Report.objects.filter(finding__site=site, created__gte=start)
        .exclude(client_hash="")
        .values("client_hash")
        .annotate(
            reports=Count("pk"),
            spam=Count("pk", filter=Q(finding__status=Finding.Status.SPAM)),
            latest=Max("finding_id"),
        )
        .order_by("-reports", "client_hash")[:limit]
    )
    return list(rows)


def _page(request, site: Site, role: str | None, status: int = 200, **forms):
    row = Protection.objects.filter(site=site).first() or Protection(site=site)
    context = {
        "site": site,
        "can_edit": role == Membership.Role.OWNER,
        "protection": row,
        "form": forms.get("form") or ProtectionForm(instance=row, defaults=defaults()),
        "client_form": forms.get("client_form") or BlockClientForm(),
        "word_form": forms.get("word_form") or BlockWordForm(),
        "refusals": refusal_table(site),
        "periods": PERIODS,
        "blocked": BlockedClient.objects.filter(site=site).select_related("added_by").order_by("-created"),
        "words": BlockedWord.objects.filter(site=site).order_by("word"),
        "readers": busiest_readers(site),
        "blocked_hashes": set(BlockedClient.objects.filter(site=site).values_list("client_hash", flat=True)),
        "today": timezone.now().date(),
    }
    return render(request, "abuse/protection.html", context, status=status)


@login_required
def protection(request, key: str):
    site, role = _membership(request, key)
    return _page(request, site, role)


def owner_only(view):
    """POST-only changes by the site's owners: 404 for non-members, 403 for editors and viewers."""

    @login_required
    @require_POST
    def wrapped(request, key: str, *args, **kwargs):
        site, role = _membership(request, key)
        if role != Membership.Role.OWNER:
            return render(request, "abuse/forbidden.html", {"site": site}, status=403)
        return view(request, site, *args, **kwargs)

    wrapped.__name__ = view.__name__
    wrapped.__doc__ = view.__doc__
    return wrapped


def _back(site: Site):
    return redirect("abuse:protection", key=site.public_key)


@owner_only
def save_limits(request, site: Site):
    row = Protection.objects.filter(site=site).first() or Protection(site=site)
    form = ProtectionForm(request.POST, instance=row, defaults=defaults())
    if not form.is_valid():
        return _page(request, site, Membership.Role.OWNER, status=400, form=form)
    saved = form.save(commit=False)
    saved.updated_by = request.user
    saved.save()
    messages.success(request, _("Limits saved. Every server process applies them within a few seconds."))
    return _back(site)


@owner_only
def set_pow(request, site: Site):
    on = request.POST.get("pow") == "on"
    row = Protection.objects.filter(site=site).first() or Protection(site=site)
    row.pow_required = on
    row.updated_by = request.user
    row.save()
    if on:
        messages.success(
            request,
            _(
                "Proof-of-work is on: every report must come with a solved puzzle. Reports from the old "
                "Orphus script are refused while it is on."
            ),
        )
    else:
        messages.success(request, _("Proof-of-work is off."))
    return _back(site)


@owner_only
def block_client(request, site: Site):
    form = BlockClientForm(request.POST)
    if not form.is_valid():
        return _page(request, site, Membership.Role.OWNER, status=400, client_form=form)
    try:
        with transaction.atomic():
            BlockedClient.objects.create(
                site=site, client_hash=form.cleaned_data["client_hash"], added_by=request.user
            )
    except IntegrityError:
        messages.info(request, _("This reader is already blocked."))
    else:
        messages.success(request, _("Reader blocked until the end of the day (client hashes change daily)."))
    return _back(site)


@owner_only
def unblock_client(request, site: Site, pk: int):
    BlockedClient.objects.filter(site=site, pk=pk).delete()
    messages.success(request, _("Reader unblocked."))
    return _back(site)


@owner_only
def add_word(request, site: Site):
    form = BlockWordForm(request.POST)
    if not form.is_valid():
        return _page(request, site, Membership.Role.OWNER, status=400, word_form=form)
    word = form.cleaned_data["word"]
    if BlockedWord.objects.filter(site=site, word__iexact=word).exists():
        messages.info(request, _("This word is already on the list."))
        return _back(site)
    try:
        with transaction.atomic():
            BlockedWord.objects.create(site=site, word=word)
    except IntegrityError:
        pass  # added by someone else meanwhile
    messages.success(request, _("Reports whose comment or suggestion contains this word now go to spam."))
    return _back(site)


@owner_only
def remove_word(request, site: Site, pk: int):
    BlockedWord.objects.filter(site=site, pk=pk).delete()
    messages.success(request, _("Word removed from the list."))
    return _back(site)


@login_required
def index(request):
    """The protection pages of the user's sites (straight to it when there is one)."""
    sites = list(sites_for(request.user).distinct().order_by("name"))
    if len(sites) == 1:
        return redirect("abuse:protection", key=sites[0].public_key)
    return render(request, "abuse/index.html", {"sites": sites})
