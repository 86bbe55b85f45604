from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "typodesk.accounts"
    label = "accounts"
