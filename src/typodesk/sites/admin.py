from django.contrib import admin

from typodesk.sites.models import Domain, Membership, Site


class DomainInline(admin.TabularInline):
    model = Domain
    extra = 1


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 1
    autocomplete_fields = ["user"]


@admin.register(Site)
class SiteAdmin(admin.ModelAdmin):
    list_display = ("name", "public_key", "created")
    search_fields = ("name", "public_key", "domains__host")
    readonly_fields = ("public_key",)
    inlines = [DomainInline, MembershipInline]
