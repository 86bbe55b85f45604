from django.contrib.auth import views as auth_views
from django.urls import path

from typodesk.desk import finding, views

app_name = "desk"
urlpatterns = [
    path("", views.inbox, name="inbox"),
    path("inbox.<str:fmt>", views.inbox_export, name="inbox-export"),
    path("bulk/", views.bulk, name="bulk"),
    path("login/", auth_views.LoginView.as_view(template_name="desk/login.html"), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("findings/<int:pk>/", finding.finding, name="finding"),
    path("findings/<int:pk>/status/", finding.finding_status, name="finding-status"),
    path("findings/<int:pk>/recheck/", finding.finding_recheck, name="finding-recheck"),
]
