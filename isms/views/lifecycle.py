"""The admin's page for the organisation's data: export it, request or cancel its deletion.

Parse → access (scope_map: org:admin, and the services check it again) → action; every
POST ends on a redirect with a message in words.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect
from django.views import View
from django.views.generic import TemplateView

from isms.errors import DomainError
from isms.lifecycle.deletion import (
    deletion_cancel,
    deletion_request,
    grace_period,
    open_deletion,
)
from isms.lifecycle.export import export_request
from isms.models import OrganizationDeletion, OrganizationExport
from isms.uploads import attachment_response
from isms.views.mixins import OrgViewMixin

ADMIN = ["org:admin"]


class OrganizationDataView(OrgViewMixin, TemplateView):
    template_name = "isms/organization_data.html"
    scope_map = {"GET": ADMIN}

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["exports"] = OrganizationExport.objects.select_related("requested_by")[:20]
        context["deletion"] = open_deletion(self.organization)
        context["past_deletions"] = OrganizationDeletion.objects.filter(
            cancelled_at__isnull=False
        ).select_related("requested_by", "cancelled_by")[:10]
        context["grace_days"] = grace_period().days
        return context


class _Button(OrgViewMixin, View):
    scope_map = {"POST": ADMIN}

    def done(self):
        return redirect("organization_data", org_slug=self.organization.slug)


class OrganizationExportRequestView(_Button):
    def post(self, request, *args, **kwargs):
        export_request(organization=self.organization, actor=self.actor)
        messages.success(
            request,
            "The export is being built; this page shows it ready to download in a few minutes.",
        )
        return self.done()


class OrganizationExportDownloadView(OrgViewMixin, View):
    model = OrganizationExport
    scope_map = {"GET": ADMIN}

    def get(self, request, *args, **kwargs):
        export = self.get_object()
        if export.status != OrganizationExport.Status.READY or not export.file:
            raise Http404
        return attachment_response(
            export.file,
            filename=f"{self.organization.slug}-export-{export.pk}.zip",
            content_type="application/zip",
        )


class OrganizationDeletionRequestView(_Button):
    def post(self, request, *args, **kwargs):
        try:
            deletion = deletion_request(
                organization=self.organization,
                actor=self.actor,
                confirm_slug=request.POST.get("confirm_slug", ""),
                reason=request.POST.get("reason", "")[:2000],
            )
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        except DomainError as error:
            messages.error(request, error.message)
        else:
            messages.warning(
                request,
                f"{self.organization.name} will be deleted on {deletion.due_at:%Y-%m-%d %H:%M} "
                "UTC. Any admin can cancel the deletion until then.",
            )
        return self.done()


class OrganizationDeletionCancelView(_Button):
    def post(self, request, *args, **kwargs):
        try:
            deletion_cancel(organization=self.organization, actor=self.actor)
        except DomainError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, "The deletion is cancelled; nothing was deleted.")
        return self.done()
