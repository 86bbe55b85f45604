"""Included under ``desk/`` (see typodesk/urls.py). Log in and log out stay ``desk:login`` and
``desk:logout`` (typodesk/desk/urls.py points them here)."""

from django.urls import path

from typodesk.accounts import views

app_name = "accounts"
urlpatterns = [
    path("login/code/", views.login_code, name="login-code"),
    path("password-reset/", views.PasswordResetView.as_view(), name="password-reset"),
    path("password-reset/sent/", views.PasswordResetDoneView.as_view(), name="password-reset-done"),
    path(
        "password-reset/<uidb64>/<token>/",
        views.PasswordResetConfirmView.as_view(),
        name="password-reset-confirm",
    ),
    path("password-reset/done/", views.PasswordResetCompleteView.as_view(), name="password-reset-complete"),
    path("account/", views.security, name="security"),
    path("account/password/", views.PasswordChangeView.as_view(), name="password-change"),
    path("account/two-factor/", views.totp_enrol, name="totp-enrol"),
    path("account/two-factor/disable/", views.totp_disable, name="totp-disable"),
    path("account/two-factor/recovery-codes/", views.recovery_codes, name="recovery-codes"),
    path("invitations/<str:token>/", views.accept_invitation, name="accept-invitation"),
]
