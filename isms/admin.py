"""Platform staff's admin: the global tables only. Tenants never see it.

Tenant-owned tables are not registered: the admin has no organisation in context, and
row-level security would hide their rows anyway.
"""

from django.contrib import admin

from isms.models import (
    APIKey,
    Control,
    ControlMapping,
    Framework,
    Invitation,
    Membership,
    Organization,
)


@admin.register(Organization)
class OrganizationAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "created"]
    search_fields = ["name", "slug"]


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ["user", "organization", "role", "expires_at"]
    list_filter = ["role"]
    search_fields = ["user__email", "organization__slug"]


@admin.register(Invitation)
class InvitationAdmin(admin.ModelAdmin):
    list_display = ["email", "organization", "role", "created", "expires_at", "accepted_at"]
    readonly_fields = ["token_hash"]


@admin.register(APIKey)
class APIKeyAdmin(admin.ModelAdmin):
    list_display = ["name", "organization", "prefix", "access", "expires_at", "revoked_at"]
    readonly_fields = ["prefix", "secret_hash", "last_used_at"]


@admin.register(Framework)
class FrameworkAdmin(admin.ModelAdmin):
    list_display = ["code", "name"]


@admin.register(Control)
class ControlAdmin(admin.ModelAdmin):
    list_display = ["ref", "title", "framework", "group"]
    list_filter = ["framework"]
    search_fields = ["ref", "title"]


@admin.register(ControlMapping)
class ControlMappingAdmin(admin.ModelAdmin):
    list_display = ["source", "target", "relation"]
