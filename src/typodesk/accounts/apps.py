from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "typodesk.accounts"
    label = "accounts"

    def ready(self) -> None:
        # One way in: the Django admin's own login form would skip login throttling and the
        # second factor, so it sends people to the desk's login instead.
        from django.contrib import admin

        from typodesk.accounts.views import admin_login

        admin.site.login = admin_login
