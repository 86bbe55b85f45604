"""``TYPODESK_REQUIRE_OWNER_2FA=1``: site owners (and instance admins) set up two-factor
authentication before they may use any other desk page."""

from __future__ import annotations

from django.conf import settings
from django.shortcuts import redirect
from django.urls import reverse

from typodesk.accounts import totp
from typodesk.sites.models import Membership


def must_enrol_role(user) -> bool:
    """Whether the user's roles call for two-factor authentication when the instance requires it."""
    if not user.is_authenticated:
        return False
    return user.is_superuser or Membership.objects.filter(user=user, role=Membership.Role.OWNER).exists()


class RequireOwnerTwoFactorMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if settings.TYPODESK_REQUIRE_OWNER_2FA and request.path.startswith("/desk/"):
            allowed = (
                reverse("accounts:totp-enrol"),
                reverse("accounts:security"),
                reverse("desk:logout"),
            )
            user = request.user
            if request.path not in allowed and must_enrol_role(user) and not totp.has_two_factor(user):
                return redirect("accounts:totp-enrol")
        return self.get_response(request)
