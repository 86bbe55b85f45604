"""The desk's notification pages: channels per site, for the site's owners only.

Access follows desk/views.py: a site the user is not a member of is a 404,
exactly like a site that does not exist; a member who is not an owner gets a
403 that says why. Every change is a POST with a CSRF token; no page has inline
JavaScript. Secrets: a stored URL is shown masked; a webhook's signing secret
is shown once, on the page the owner lands on after creating the channel (or
rotating the secret), and never again.
"""

from __future__ import annotations

from datetime import timedelta
from functools import wraps

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Count, Q
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from typodesk.heartbeat.models import WorkerBeat
from typodesk.notify import delivery
from typodesk.notify.forms import FORMS
from typodesk.notify.models import (
    Attempt,
    Channel,
    Message,
    Notification,
    Subscription,
    new_webhook_secret,
)
from typodesk.notify.targets import mask_apprise_url, mask_url
from typodesk.sites.models import Membership, Site, role_of, sites_for

SECRET_SESSION_KEY = "notify_new_secret"
WORKER_GRACE = timedelta(minutes=3)
SUBSCRIPTION_LABELS = dict(Subscription.choices)
LANGUAGE_NAMES = dict(settings.LANGUAGES)


def owner_required(view):
    """Resolve ``key`` to a site the user owns: 404 for non-members, 403 for editors and viewers."""

    @login_required
    @wraps(view)
    def wrapped(request, key: str, *args, **kwargs):
        site = get_object_or_404(sites_for(request.user).distinct(), public_key=key)
        if role_of(request.user, site) != Membership.Role.OWNER:
            return render(request, "notify/forbidden.html", {"site": site}, status=403)
        return view(request, site, *args, **kwargs)

    return wrapped


def target_display(channel: Channel) -> str:
    """How a channel's target is shown again: e-mail addresses plainly, URLs masked."""
    if channel.kind == Channel.Kind.EMAIL:
        return ", ".join(channel.recipients())
    if channel.kind == Channel.Kind.APPRISE:
        return mask_apprise_url(channel.target)
    return mask_url(channel.target)


def _decorate(channel: Channel) -> Channel:
    channel.target_display = target_display(channel)
    channel.event_labels = [SUBSCRIPTION_LABELS.get(e, e) for e in channel.events]
    channel.language_name = LANGUAGE_NAMES.get(channel.language, channel.language)
    return channel


def worker_warning(site: Site) -> int:
    """How many notifications of the site have waited too long with no worker alive (0: all is well)."""
    now = timezone.now()
    old = now - WORKER_GRACE
    waiting = (
        Notification.objects.filter(
            channel__site=site, message=None, due_at__lte=old, channel__paused_at=None
        ).count()
        + Message.objects.filter(
            channel__site=site,
            status=Message.Status.PENDING,
            next_attempt_at__lte=old,
            channel__paused_at=None,
        ).count()
    )
    if not waiting or WorkerBeat.objects.filter(last_seen__gte=old).exists():
        return 0
    return waiting


@login_required
def index(request):
    """Every site the user owns, with the health of its channels; other roles are told who can help."""
    sites = list(sites_for(request.user).distinct().order_by("name"))
    owned = [s for s in sites if role_of(request.user, s) == Membership.Role.OWNER]
    counts = {
        row["site"]: row
        for row in Channel.objects.filter(site__in=owned)
        .values("site")
        .annotate(total=Count("pk"), paused=Count("pk", filter=Q(paused_at__isnull=False)))
    }
    for site in owned:
        row = counts.get(site.pk, {})
        site.channel_count = row.get("total", 0)
        site.paused_count = row.get("paused", 0)
    return render(request, "notify/index.html", {"owned": owned, "others": len(sites) - len(owned)})


@owner_required
def site_channels(request, site: Site):
    channels = [_decorate(c) for c in site.channels.all()]
    return render(
        request,
        "notify/site.html",
        {"site": site, "channels": channels, "kinds": Channel.Kind.choices, "stalled": worker_warning(site)},
    )


@owner_required
def new_channel(request, site: Site, kind: str):
    form_class = FORMS.get(kind)
    if form_class is None:
        raise Http404("No such kind of channel.")
    if request.method == "POST":
        form = form_class(request.POST, site=site)
        if form.is_valid():
            channel = form.save_channel(request.user)
            if channel.kind == Channel.Kind.WEBHOOK:
                request.session[SECRET_SESSION_KEY] = {"channel": channel.pk, "secret": channel.secret}
            messages.success(
                request,
                _("Channel “%(name)s” created. Send a test to see that it works.") % {"name": channel.name},
            )
            return redirect("notify:channel", key=site.public_key, pk=channel.pk)
    else:
        form = form_class(site=site)
    return render(
        request,
        "notify/channel_new.html",
        {
            "site": site,
            "form": form,
            "kind": kind,
            "kind_label": Channel.Kind(kind).label,
            "email_configured": bool(settings.EMAIL_HOST),
        },
        status=400 if form.errors else 200,
    )


def _channel_of(site: Site, pk: int) -> Channel:
    return get_object_or_404(Channel, site=site, pk=pk)


@owner_required
def channel(request, site: Site, pk: int):
    ch = _channel_of(site, pk)
    form_class = FORMS[ch.kind]
    if request.method == "POST":
        form = form_class(request.POST, instance=ch, site=site)
        if form.is_valid():
            form.save_channel(request.user)
            messages.success(request, _("Channel saved."))
            return redirect("notify:channel", key=site.public_key, pk=ch.pk)
    else:
        form = form_class(instance=ch, site=site)
    secret = None
    shown = request.session.get(SECRET_SESSION_KEY)
    if shown and shown.get("channel") == ch.pk:
        secret = shown["secret"]
        del request.session[SECRET_SESSION_KEY]
    queue = ch.messages.aggregate(
        pending=Count("pk", filter=Q(status=Message.Status.PENDING)),
        retrying=Count("pk", filter=Q(status=Message.Status.PENDING, attempts__gt=0)),
        failed=Count("pk", filter=Q(status=Message.Status.FAILED)),
        sent=Count("pk", filter=Q(status=Message.Status.SENT)),
    )
    queue["waiting"] = ch.notifications.filter(message=None).count()
    next_retry = (
        ch.messages.filter(status=Message.Status.PENDING, attempts__gt=0).order_by("next_attempt_at").first()
    )
    return render(
        request,
        "notify/channel.html",
        {
            "site": site,
            "channel": _decorate(ch),
            "form": form,
            "secret": secret,
            "queue": queue,
            "next_retry": next_retry,
            "attempts": Attempt.objects.filter(channel=ch)
            .select_related("message")
            .order_by("-at", "-pk")[:50],
            "stalled": worker_warning(site),
            "email_configured": bool(settings.EMAIL_HOST),
        },
        status=400 if form.errors else 200,
    )


@owner_required
@require_POST
def test_channel(request, site: Site, pk: int):
    ch = _channel_of(site, pk)
    attempt = delivery.send_test(ch, worker=f"desk:{request.user.email}")
    if attempt.ok:
        messages.success(request, _("Test delivered (%(result)s).") % {"result": attempt.result})
    else:
        messages.error(
            request,
            _("Test failed (%(result)s): %(error)s") % {"result": attempt.result, "error": attempt.error},
        )
    return redirect("notify:channel", key=site.public_key, pk=ch.pk)


@owner_required
@require_POST
def resume_channel(request, site: Site, pk: int):
    ch = _channel_of(site, pk)
    requeued = delivery.resume(ch)
    if requeued:
        messages.success(
            request,
            ngettext(
                "Channel active. %(n)d failed message queued again.",
                "Channel active. %(n)d failed messages queued again.",
                requeued,
            )
            % {"n": requeued},
        )
    else:
        messages.success(request, _("Channel active."))
    return redirect("notify:channel", key=site.public_key, pk=ch.pk)


@owner_required
@require_POST
def pause_channel(request, site: Site, pk: int):
    ch = _channel_of(site, pk)
    delivery.pause(ch, f"paused by {request.user.email}")
    messages.success(
        request, _("Channel paused. Notifications are kept and will be sent when you resume it.")
    )
    return redirect("notify:channel", key=site.public_key, pk=ch.pk)


@owner_required
@require_POST
def delete_channel(request, site: Site, pk: int):
    ch = _channel_of(site, pk)
    name = ch.name
    ch.delete()
    messages.success(request, _("Channel “%(name)s” deleted.") % {"name": name})
    return redirect("notify:site", key=site.public_key)


@owner_required
@require_POST
def rotate_secret(request, site: Site, pk: int):
    ch = _channel_of(site, pk)
    if ch.kind != Channel.Kind.WEBHOOK:
        raise Http404("Only webhooks have a secret.")
    ch.secret = new_webhook_secret()
    ch.save(update_fields=["secret"])
    request.session[SECRET_SESSION_KEY] = {"channel": ch.pk, "secret": ch.secret}
    messages.success(request, _("New secret made. Messages from now on are signed with it."))
    return redirect("notify:channel", key=site.public_key, pk=ch.pk)
