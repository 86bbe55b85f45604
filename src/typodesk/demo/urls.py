from django.urls import path

from typodesk.demo import views

app_name = "demo"
urlpatterns = [
    path("demo/article/", views.article, name="article"),
    path("demo/article/edit/", views.edit, name="edit"),
    path("desk/demo/mailbox/", views.mailbox, name="mailbox"),
]
