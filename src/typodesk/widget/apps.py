from django.apps import AppConfig


class WidgetConfig(AppConfig):
    name = "typodesk.widget"
    label = "widget"
