from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "typodesk.accounts"
    label = "accounts"

    def ready(self) -> None:
        # One way in: the Django admin's own login form would skip login throttling and the
        # second factor, so it sends people to the desk's login instead.
        from django.contrib import admin

        admin.site.login = admin_login


def admin_login(request, extra_context=None):
    # The desk's views are imported when the admin's login is asked for, not in every process
    # (the worker never serves a page).
    from typodesk.accounts.views import admin_login

    return admin_login(request, extra_context)
