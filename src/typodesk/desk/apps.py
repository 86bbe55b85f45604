from django.apps import AppConfig


class DeskConfig(AppConfig):
    name = "typodesk.desk"
    label = "desk"
