"""Logging in (with the second step of two-factor authentication), passwords, two-factor
enrolment, and accepting an invitation to a site.

Login attempts are throttled per account and per client address (accounts.throttle); only
failures count. A person with two-factor authentication gives the password first; they are
then kept in the session as *pending* for five minutes, not logged in, until they give a code.
"""

from __future__ import annotations

import time

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import authenticate
from django.contrib.auth import login as auth_login
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.db import IntegrityError, transaction
from django.http import HttpResponseRedirect
from django.shortcuts import redirect, render, resolve_url
from django.urls import reverse, reverse_lazy
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_protect
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_POST

from typodesk.accounts import throttle, totp
from typodesk.accounts.forms import CodeForm, DisableTwoFactorForm, LoginForm, NewPasswordForm
from typodesk.accounts.models import TOTPDevice, User
from typodesk.ingest import ratelimit
from typodesk.ingest.client import client_hash
from typodesk.sites import invitations

PENDING = "typodesk_2fa_pending"
PENDING_SECONDS = 300


def _next_url(request, value: str | None) -> str:
    """Where to go after logging in: a path on this server, else the inbox.

    Only a path (``/desk/…``) is taken: anything else would be looked up as a view name by
    ``redirect`` (a 500 for ``?next=abc``) or could lead off the site.
    """
    if (
        value
        and value.startswith("/")
        and url_has_allowed_host_and_scheme(
            value, allowed_hosts={request.get_host()}, require_https=request.is_secure()
        )
    ):
        return value
    return resolve_url(settings.LOGIN_REDIRECT_URL)


def _throttled(request, template: str, context: dict, wait: int):
    minutes = (wait + 59) // 60
    context["error"] = ngettext(
        "Too many failed attempts. Try again in %(minutes)d minute.",
        "Too many failed attempts. Try again in %(minutes)d minutes.",
        minutes,
    ) % {"minutes": minutes}
    response = render(request, template, context, status=429)
    response["Retry-After"] = str(wait)
    return response


@sensitive_post_parameters("password")
@csrf_protect
@never_cache
def login(request):
    next_url = request.POST.get("next") or request.GET.get("next", "")
    if request.method != "POST" and request.user.is_authenticated:
        return HttpResponseRedirect(_next_url(request, next_url))
    form = LoginForm(request.POST if request.method == "POST" else None)
    context = {"form": form, "next": next_url}
    if request.method == "POST":
        email = request.POST.get("username", "").strip().lower()[:254]
        wait = throttle.take(request, email)
        if wait:
            return _throttled(request, "accounts/login.html", context, wait)
        user = None
        if form.is_valid():
            user = authenticate(request, username=email, password=form.cleaned_data["password"])
        if user is None:
            context["mismatch"] = True
            return render(request, "accounts/login.html", context)
        throttle.succeeded(request, email)
        if totp.has_two_factor(user):
            request.session.cycle_key()
            request.session[PENDING] = {
                "uid": user.pk,
                "until": time.time() + PENDING_SECONDS,
                "next": next_url,
                "backend": user.backend,
            }
            return redirect("accounts:login-code")
        auth_login(request, user)
        return HttpResponseRedirect(_next_url(request, next_url))
    return render(request, "accounts/login.html", context)


@sensitive_post_parameters("code")
@csrf_protect
@never_cache
def login_code(request):
    """The second step: a code from the authenticator app, or a recovery code."""
    pending = request.session.get(PENDING)
    user = None
    if pending and pending.get("until", 0) > time.time():
        user = User.objects.filter(pk=pending.get("uid"), is_active=True).first()
    if user is None:
        request.session.pop(PENDING, None)
        messages.info(request, _("Your login took too long or was not started. Please log in again."))
        return redirect("desk:login")
    form = CodeForm(request.POST if request.method == "POST" else None)
    context = {"form": form}
    if request.method == "POST":
        wait = throttle.take(request, user.email)
        if wait:
            return _throttled(request, "accounts/login_code.html", context, wait)
        if form.is_valid() and totp.check_second_factor(user, form.cleaned_data["code"]):
            throttle.succeeded(request, user.email)
            del request.session[PENDING]
            auth_login(request, user, backend=pending["backend"])
            left = totp.recovery_codes_left(user)
            if left < 3:
                messages.warning(
                    request,
                    ngettext(
                        "You have %(count)d recovery code left. Make new ones on your account page.",
                        "You have %(count)d recovery codes left. Make new ones on your account page.",
                        left,
                    )
                    % {"count": left},
                )
            return HttpResponseRedirect(_next_url(request, pending.get("next")))
        context["error"] = _(
            "That code is not right, or it was used already. Wait for the next code and try again."
        )
    return render(request, "accounts/login_code.html", context)


# --- passwords -------------------------------------------------------------------------------


class PasswordResetView(auth_views.PasswordResetView):
    template_name = "accounts/password_reset.html"
    email_template_name = "accounts/email/password_reset.txt"
    subject_template_name = "accounts/email/password_reset_subject.txt"
    success_url = reverse_lazy("accounts:password-reset-done")

    def post(self, request, *args, **kwargs):
        # Each request may send a mail: the same limits as failed logins, per address.
        burst, per_second = throttle._limits()
        wait = ratelimit.take("reset:addr:" + client_hash(request), burst, per_second)
        if wait:
            return _throttled(request, self.template_name, {"form": self.get_form_class()()}, int(wait))
        return super().post(request, *args, **kwargs)

    def form_valid(self, form):
        self.extra_email_context = {"base_url": settings.BASE_URL}
        if not settings.EMAIL_HOST:
            form.add_error(
                None,
                _(
                    "This server cannot send e-mail yet. "
                    "Ask the administrator of this server to reset your password."
                ),
            )
            return self.form_invalid(form)
        try:
            return super().form_valid(form)
        except OSError:
            form.add_error(None, _("The mail could not be sent just now. Please try again in a few minutes."))
            return self.form_invalid(form)


class PasswordResetDoneView(auth_views.PasswordResetDoneView):
    template_name = "accounts/password_reset_done.html"


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    template_name = "accounts/password_reset_confirm.html"
    success_url = reverse_lazy("accounts:password-reset-complete")

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "label_suffix": ""}


class PasswordResetCompleteView(auth_views.PasswordResetCompleteView):
    template_name = "accounts/password_reset_complete.html"


class PasswordChangeView(auth_views.PasswordChangeView):
    template_name = "accounts/password_change.html"
    success_url = reverse_lazy("accounts:security")

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "label_suffix": ""}

    def post(self, request, *args, **kwargs):
        """The current password is checked like a login's: a token first, given back when it was right.

        Without this, whoever holds a logged-in session (a borrowed laptop, a stolen cookie)
        could guess the password as fast as the server answers, then change it."""
        form = self.get_form()
        wait = throttle.take(request, request.user.email)
        if wait:
            return _throttled(request, self.template_name, self.get_context_data(form=form), wait)
        valid = form.is_valid()
        if "old_password" not in form.errors:
            throttle.succeeded(request, request.user.email)
        return self.form_valid(form) if valid else self.form_invalid(form)

    def form_valid(self, form):
        response = super().form_valid(form)
        messages.success(self.request, _("Your password was changed."))
        return response


# --- the account page and two-factor authentication -------------------------------------------


@login_required
@never_cache
def security(request):
    device = TOTPDevice.objects.filter(user=request.user, confirmed=True).first()
    return render(
        request,
        "accounts/security.html",
        {
            "two_factor": device is not None,
            "codes_left": totp.recovery_codes_left(request.user) if device else 0,
            "disable_form": DisableTwoFactorForm(),
            "required": _two_factor_required(request.user),
        },
    )


def _two_factor_required(user) -> bool:
    from typodesk.accounts.middleware import must_enrol_role

    return settings.TYPODESK_REQUIRE_OWNER_2FA and must_enrol_role(user)


def _qr(uri: str) -> str:
    svg = totp.qr_svg(uri)
    label = _("QR code to scan with your authenticator app")
    # Our own drawing of the URI (no text from anyone else in it) with an accessible name.
    from django.utils.html import escape

    return mark_safe(svg.replace("<svg ", f'<svg role="img" aria-label="{escape(label)}" ', 1))  # noqa: S308


@sensitive_post_parameters("code")
@login_required
@never_cache
def totp_enrol(request):
    if totp.has_two_factor(request.user):
        return redirect("accounts:security")
    device, _created = TOTPDevice.objects.get_or_create(
        user=request.user, defaults={"secret": totp.new_secret(), "confirmed": False}
    )
    form = CodeForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        step = totp.matching_step(device.secret, form.cleaned_data["code"])
        if step is not None:
            with transaction.atomic():
                TOTPDevice.objects.filter(pk=device.pk).update(confirmed=True, last_step=step)
                codes = totp.new_recovery_codes(request.user)
            return render(request, "accounts/recovery_codes.html", {"codes": codes, "new": True})
        form.add_error(
            "code", _("That code is not right. Check the time on your phone and try the next code.")
        )
    uri = totp.provisioning_uri(request.user, device.secret)
    return render(
        request,
        "accounts/totp_enrol.html",
        {
            "form": form,
            "qr": _qr(uri),
            "secret": totp.grouped(device.secret),
            "required": _two_factor_required(request.user),
        },
        status=400 if form.errors else 200,
    )


@sensitive_post_parameters("code")
@login_required
@require_POST
def recovery_codes(request):
    """New recovery codes (the old ones stop working); needs a current code from the app."""
    device = TOTPDevice.objects.filter(user=request.user, confirmed=True).first()
    if device is None:
        return redirect("accounts:security")
    wait = throttle.take(request, request.user.email)
    if wait:
        messages.error(request, _("Too many wrong codes. Try again later."))
        return redirect("accounts:security")
    if not totp.verify(device, request.POST.get("code", "")):
        messages.error(
            request, _("That code is not right, or it was used already. No new recovery codes were made.")
        )
        return redirect("accounts:security")
    throttle.succeeded(request, request.user.email)
    codes = totp.new_recovery_codes(request.user)
    return render(request, "accounts/recovery_codes.html", {"codes": codes, "new": False})


@sensitive_post_parameters("password", "code")
@login_required
@require_POST
def totp_disable(request):
    form = DisableTwoFactorForm(request.POST)
    wait = throttle.take(request, request.user.email)
    if wait:
        messages.error(request, _("Too many failed attempts. Try again later."))
        return redirect("accounts:security")
    if (
        form.is_valid()
        and request.user.check_password(form.cleaned_data["password"])
        and totp.check_second_factor(request.user, form.cleaned_data["code"])
    ):
        throttle.succeeded(request, request.user.email)
        totp.disable(request.user)
        messages.success(
            request, _("Two-factor authentication is off. Your account is protected by its password only.")
        )
    else:
        messages.error(
            request, _("The password or the code was not right. Two-factor authentication is still on.")
        )
    return redirect("accounts:security")


# --- invitations -----------------------------------------------------------------------------


@sensitive_post_parameters("password1", "password2")
@csrf_protect
@never_cache
def accept_invitation(request, token: str):
    invitation = invitations.find(token)
    if invitation is None:
        return render(request, "accounts/invitation_invalid.html", {"state": "invalid"}, status=404)
    state = invitation.state()
    if state != "pending":
        return render(
            request,
            "accounts/invitation_invalid.html",
            {"state": state, "invitation": invitation},
            status=410,
        )
    existing = User.objects.filter(email__iexact=invitation.email).first()
    context = {"invitation": invitation, "site": invitation.site}
    if request.user.is_authenticated:
        if request.user.email.lower() != invitation.email.lower():
            return render(request, "accounts/invitation_other.html", context, status=403)
        if request.method == "POST":
            if not invitations.accept(invitation, request.user):
                return render(request, "accounts/invitation_invalid.html", {"state": "accepted"}, status=410)
            messages.success(request, _("You are now a member of %(site)s.") % {"site": invitation.site.name})
            return redirect("desk:inbox")
        return render(request, "accounts/invitation_join.html", context)
    if existing is not None:
        # An account exists: it logs in (with its second factor, if any) and comes back here.
        login_url = reverse("desk:login") + "?" + urlencode({"next": request.path})
        context["login_url"] = login_url
        return render(request, "accounts/invitation_login.html", context)
    form = NewPasswordForm(request.POST if request.method == "POST" else None, email=invitation.email)
    if request.method == "POST" and form.is_valid():
        try:
            with transaction.atomic():
                user = User.objects.create_user(
                    invitation.email, form.cleaned_data["password1"], name=form.cleaned_data["name"]
                )
                if not invitations.accept(invitation, user):
                    raise invitations.AlreadyUsed
        except invitations.AlreadyUsed:
            return render(request, "accounts/invitation_invalid.html", {"state": "accepted"}, status=410)
        except IntegrityError:  # the same address signed up in another tab a moment ago
            return HttpResponseRedirect(request.path)
        auth_login(request, user, backend="django.contrib.auth.backends.ModelBackend")
        messages.success(
            request, _("Welcome! You are now a member of %(site)s.") % {"site": invitation.site.name}
        )
        return redirect("desk:inbox")
    context["form"] = form
    return render(request, "accounts/invitation_signup.html", context, status=400 if form.errors else 200)


def admin_login(request, extra_context=None):
    """The Django admin's login page, replaced: log in through the desk (throttled, two-factor)."""
    from django.contrib.auth.views import redirect_to_login
    from django.http import HttpResponseForbidden

    if request.user.is_authenticated:
        # Logged in but not staff: sending them to the login page would only send them back.
        return HttpResponseForbidden(_("Your account may not use the admin."))
    return redirect_to_login(
        request.GET.get("next") or reverse("admin:index"), login_url=reverse("desk:login")
    )
