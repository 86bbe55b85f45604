from django.contrib.auth import views as auth_views
from django.urls import path

from typodesk.accounts import views as account_views
from typodesk.desk import actions, finding, finding_json, views

app_name = "desk"
urlpatterns = [
    path("", views.inbox, name="inbox"),
    path("inbox.<str:fmt>", views.inbox_export, name="inbox-export"),
    path("bulk/", actions.bulk, name="bulk"),
    path("undo/", actions.undo_view, name="undo"),
    path("login/", account_views.login, name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("findings/<int:pk>/", finding.finding, name="finding"),
    path("findings/<int:pk>/status/", finding.finding_status, name="finding-status"),
    path("findings/<int:pk>/recheck/", finding.finding_recheck, name="finding-recheck"),
    path("findings/<int:pk>/reading/", finding_json.finding_reading, name="finding-reading"),
    path("findings/<int:pk>/duplicates/", finding_json.duplicate_candidates, name="finding-duplicates"),
]
