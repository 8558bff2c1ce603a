"""Platform staff's view of policy versions: read-only, one organisation at a time.

Tenant tables have row-level security, so the admin sees rows only inside a tenant context.
Staff choose an organisation (`?org=<id>`, remembered in the session); every admin view of
this model runs inside that organisation's context. Nothing can be added, changed or deleted
here: versions change only through the workflow services, and approved ones never change
(the database trigger refuses it anyway).
"""

from __future__ import annotations

from django.contrib import admin, messages

from isms.models import Organization
from isms.tenancy import tenant_context
from policies.models import PolicyVersion

SESSION_KEY = "admin_policies_org"


class OrganizationChoice(admin.SimpleListFilter):
    title = "organisation"
    parameter_name = "org"

    def lookups(self, request, model_admin):
        return [(str(o.pk), o.name) for o in Organization.objects.order_by("name")]

    def queryset(self, request, queryset):
        return queryset  # the tenant context already narrows to the chosen organisation


@admin.register(PolicyVersion)
class PolicyVersionAdmin(admin.ModelAdmin):
    list_display = ["__str__", "status", "approved_by", "approved_at", "published_at"]
    list_filter = [OrganizationChoice, "status"]
    readonly_fields = [f.name for f in PolicyVersion._meta.fields]

    def _organization_id(self, request) -> int | None:
        chosen = request.GET.get("org") or request.session.get(SESSION_KEY)
        if chosen and str(chosen).isdigit():
            request.session[SESSION_KEY] = str(chosen)
            return int(chosen)
        return None

    def _in_tenant(self, request, view, *args, **kwargs):
        organization_id = self._organization_id(request)
        if organization_id is None:
            if view.__name__ == "changelist_view":
                messages.info(request, "Choose an organisation (filter on the right).")
                with tenant_context(0, actor=f"admin {request.user}"):
                    response = view(request, *args, **kwargs)
                    response.render()
                    return response
            return view(request, *args, **kwargs)
        with tenant_context(
            organization_id, actor_id=request.user.pk, actor=f"admin {request.user}"
        ):
            response = view(request, *args, **kwargs)
            if hasattr(response, "render") and not getattr(response, "is_rendered", True):
                response.render()
            return response

    def changelist_view(self, request, extra_context=None):
        return self._in_tenant(request, super().changelist_view, extra_context=extra_context)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        return self._in_tenant(
            request, super().change_view, object_id, form_url, extra_context=extra_context
        )

    def delete_view(self, request, object_id, extra_context=None):
        return self._in_tenant(request, super().delete_view, object_id, extra_context)

    def history_view(self, request, object_id, extra_context=None):
        return self._in_tenant(request, super().history_view, object_id, extra_context)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
