"""Included under ``desk/`` (see typodesk/urls.py)."""

from django.urls import path

from typodesk.sites import views

app_name = "sites"
urlpatterns = [
    path("sites/", views.index, name="index"),
    path("sites/<str:key>/", views.site_settings, name="settings"),
    path("sites/<str:key>/domains/", views.domain_add, name="domain-add"),
    path("sites/<str:key>/domains/<int:pk>/check/", views.domain_check, name="domain-check"),
    path("sites/<str:key>/domains/<int:pk>/delete/", views.domain_remove, name="domain-remove"),
    path("sites/<str:key>/delete/", views.delete_site, name="delete"),
    path("sites/<str:key>/members/", views.members, name="members"),
    path("sites/<str:key>/members/invite/", views.invite, name="invite"),
    path("sites/<str:key>/members/<int:pk>/role/", views.member_role, name="member-role"),
    path("sites/<str:key>/members/<int:pk>/remove/", views.member_remove, name="member-remove"),
    path("sites/<str:key>/invitations/<int:pk>/revoke/", views.invitation_revoke, name="invitation-revoke"),
]
