"""``TYPODESK_REQUIRE_OWNER_2FA=1``: site owners (and instance admins) set up two-factor
authentication before they may use anything a logged-in session reaches.

The surfaces a session reaches are the desk (``/desk/``, which holds the desk's own pages and
the API-token and export pages) and the Django admin (``/admin/``). Both are covered: an admin
without a second factor can no more make someone a superuser in the admin than change a site
in the desk. The API (``/api/v1/``) authenticates with API tokens only and ignores the session.
"""

from __future__ import annotations

from django.conf import settings
from django.http import HttpResponseForbidden
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _

from typodesk.accounts import totp
from typodesk.sites.models import Membership

# Path prefixes where a logged-in session acts.
SESSION_SURFACES = ("/desk/", "/admin/")


def must_enrol_role(user) -> bool:
    """Whether the user's roles call for two-factor authentication when the instance requires it."""
    if not user.is_authenticated:
        return False
    return user.is_superuser or Membership.objects.filter(user=user, role=Membership.Role.OWNER).exists()


class RequireOwnerTwoFactorMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if settings.TYPODESK_REQUIRE_OWNER_2FA and request.path.startswith(SESSION_SURFACES):
            allowed = (
                reverse("accounts:totp-enrol"),
                reverse("accounts:security"),
                reverse("desk:login"),
                reverse("accounts:login-code"),
                reverse("desk:logout"),
                reverse("admin:logout"),
            )
            user = request.user
            if request.path not in allowed and must_enrol_role(user) and not totp.has_two_factor(user):
                if request.method not in ("GET", "HEAD"):
                    # Nothing is changed, and the answer says why (a redirect would turn the
                    # POST into a GET of the set-up page and look like success to a script).
                    return HttpResponseForbidden(
                        _(
                            "This server requires two-factor authentication for site owners and "
                            "instance admins: set it up at %(url)s first."
                        )
                        % {"url": reverse("accounts:totp-enrol")},
                        content_type="text/plain; charset=utf-8",
                    )
                return redirect("accounts:totp-enrol")
        return self.get_response(request)
