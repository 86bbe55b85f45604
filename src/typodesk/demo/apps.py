from django.apps import AppConfig


class DemoConfig(AppConfig):
    name = "typodesk.demo"
    label = "demo"
