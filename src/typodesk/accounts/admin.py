from django.contrib import admin

from typodesk.accounts.models import User


@admin.register(User)
class UserAdmin(admin.ModelAdmin):
    list_display = ("email", "name", "is_superuser", "is_active", "created")
    search_fields = ("email", "name")
    exclude = ("password",)
