"""Evidence pack pages: request, watch (HTMX polling), cancel, retry, download, verify."""

from __future__ import annotations

from django.contrib import messages
from django.core import signing
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import timezone
from django.views import View
from django.views.generic import DetailView

from isms import policy
from isms.errors import DomainError
from isms.views.errors import refusal_response
from isms.views.mixins import OrgFormView, OrgListView, OrgViewMixin
from monitoring.packs import selectors, services
from monitoring.packs import signing as pack_signing
from monitoring.packs.forms import PackRequestForm, PackScheduleForm, VerifyForm
from monitoring.packs.models import EvidencePack, PackSchedule
from monitoring.packs.sections import SECTIONS

READ = {"GET": ["monitoring:read", "evidence:export"]}
MANAGE_FORM = {
    "GET": ["monitoring:write", "monitoring:manage"],
    "POST": ["monitoring:write", "monitoring:manage"],
}
POST_MANAGE = {"POST": ["monitoring:write", "monitoring:manage"]}
VERIFY = {"GET": ["monitoring:read"], "POST": ["monitoring:read"]}


class PackListView(OrgListView):
    model = EvidencePack
    nav = "monitoring"
    scope_map = READ
    template_name = "packs/pack_list.html"
    context_object_name = "packs"

    def get_selector_queryset(self):
        return selectors.packs_for_organization(self.organization)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["can_request"] = policy.can(self.actor, "create", EvidencePack)
        context["can_schedule"] = policy.can(self.actor, "create", PackSchedule)
        context["schedules"] = policy.restrict(
            self.actor, "view", PackSchedule.objects.order_by("next_due", "pk")
        )
        return context


class PackRequestView(OrgFormView):
    model = EvidencePack
    nav = "monitoring"
    scope_map = MANAGE_FORM
    form_class = PackRequestForm
    template_name = "packs/pack_form.html"
    success_message = "Pack requested: a worker renders it section by section."

    def perform(self, form):
        return services.pack_request(actor=self.actor, **form.cleaned_data)


class PackDetailView(OrgViewMixin, DetailView):
    model = EvidencePack
    nav = "monitoring"
    scope_map = READ
    template_name = "packs/pack_detail.html"
    context_object_name = "pack"

    def get_base_queryset(self):
        return policy.restrict(self.actor, "view", EvidencePack.objects.all())

    def get_template_names(self):
        htmx = getattr(self.request, "htmx", None)
        if htmx and not htmx.boosted:
            return ["packs/_pack_status.html"]
        return [self.template_name]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        pack = self.object
        context.update(
            section_titles=[SECTIONS[k].title for k in pack.sections if k in SECTIONS],
            can_change=policy.can(self.actor, "change", pack),
            can_delete=policy.can(self.actor, "delete", pack),
            stalled=services.is_stalled(pack),
            waiting_for_queue=selectors.waiting_for_queue(pack),
        )
        return context


class PackProgressView(PackDetailView):
    """The status block alone, polled by HTMX while the pack renders."""

    def get_template_names(self):
        return ["packs/_pack_status.html"]


class _PackAction(OrgViewMixin, View):
    model = EvidencePack
    scope_map = POST_MANAGE
    done = ""

    def act(self, pack):
        raise NotImplementedError

    def post(self, request, *args, **kwargs):
        pack = self.get_object()
        try:
            self.act(pack)
        except (ValidationError, DomainError) as error:
            return refusal_response(request, error, pack.get_absolute_url())
        messages.success(request, self.done)
        return HttpResponseRedirect(self.target(pack))

    def target(self, pack):
        return pack.get_absolute_url()


class PackCancelView(_PackAction):
    done = "Pack cancelled."

    def act(self, pack):
        services.pack_cancel(actor=self.actor, pack=pack)


class PackRetryView(_PackAction):
    done = "Pack queued again."

    def act(self, pack):
        services.pack_retry(actor=self.actor, pack=pack)


class PackDeleteView(_PackAction):
    scope_map = {"POST": ["org:admin"]}
    done = "Pack deleted; the audit trail records it."

    def act(self, pack):
        services.pack_delete(actor=self.actor, pack=pack)

    def target(self, pack):
        return reverse("pack_list", args=[self.organization.slug])


def _file_response(pack: EvidencePack, kind: str):
    field = {"pdf": pack.pdf, "zip": pack.bundle}.get(kind)
    if not field:
        raise Http404
    name = f"evidence-pack-{pack.organization.slug}-{pack.as_of:%Y%m%d}-{pack.reference}.{kind}"
    return FileResponse(field.open("rb"), as_attachment=True, filename=name)


class PackDownloadView(OrgViewMixin, View):
    model = EvidencePack
    scope_map = READ

    def get(self, request, *args, **kwargs):
        pack = get_object_or_404(
            policy.restrict(self.actor, "view", EvidencePack.objects.all()), pk=kwargs["pk"]
        )
        return _file_response(pack, kwargs["kind"])


class PackSignedDownloadView(OrgViewMixin, View):
    """A short-lived signed link (selectors.signed_download_url), for a reader of packs of
    the link's organisation: a stale, forged or foreign link is a 404."""

    scope_map = READ

    def get(self, request, *args, **kwargs):
        try:
            organization_id, pack_id, kind = selectors.read_download_token(kwargs["token"])
        except (signing.BadSignature, ValueError, TypeError):
            raise Http404 from None
        if organization_id != self.organization.pk:
            raise Http404
        pack = get_object_or_404(
            policy.restrict(self.actor, "view", EvidencePack.objects.all()), pk=pack_id
        )
        return _file_response(pack, kind)


class PackVerifyView(OrgViewMixin, View):
    """Is this file or hash a pack of this organisation? (Another organisation's pack gets
    the answer of an unknown file.)"""

    scope_map = VERIFY
    nav = "monitoring"

    def get(self, request, *args, **kwargs):
        return self._render(request, VerifyForm(), None)

    def post(self, request, *args, **kwargs):
        form = VerifyForm(request.POST, request.FILES)
        answer = None
        status = 200
        if form.is_valid():
            upload = form.cleaned_data.get("file")
            try:
                answer = services.pack_verify(
                    sha256=form.cleaned_data.get("sha256") or "",
                    content=upload.read() if upload else None,
                )
            except ValidationError as error:
                form.add_error(None, error.messages[0])
                status = 400
        else:
            status = 400
        return self._render(request, form, answer, status)

    def _render(self, request, form, answer, status=200):
        public_key = pack_signing.public_key_hex()
        return render(
            request,
            "packs/pack_verify.html",
            {
                "form": form,
                "answer": answer,
                "public_key": public_key,
                "public_key_pem": pack_signing.public_key_pem(public_key) if public_key else "",
                "organization": self.organization,
                "nav": "monitoring",
                "actor": self.actor,
            },
            status=status,
        )


class PublicKeyView(OrgViewMixin, View):
    scope_map = {"GET": ["monitoring:read"]}

    def get(self, request, *args, **kwargs):
        public_key = pack_signing.public_key_hex()
        if not public_key:
            text = "No evidence pack has been signed yet: the key is made with the first pack.\n"
        else:
            text = pack_signing.public_key_pem(public_key)
        return HttpResponse(text, content_type="text/plain; charset=utf-8")


# --- schedules ----------------------------------------------------------------------------------


class _ScheduleForm(OrgFormView):
    model = PackSchedule
    nav = "monitoring"
    scope_map = MANAGE_FORM
    form_class = PackScheduleForm
    template_name = "packs/schedule_form.html"

    def get_success_url(self) -> str:
        return reverse("pack_list", args=[self.organization.slug])


class PackScheduleCreateView(_ScheduleForm):
    success_message = "Pack scheduled: {obj}, next as of {obj.next_due:%Y-%m-%d %H:%M}."

    def get_initial(self):
        start = timezone.localtime().replace(day=1, hour=6, minute=0, second=0, microsecond=0)
        return {**super().get_initial(), "next_due": services.add_months(start, 1)}

    def perform(self, form):
        return services.schedule_create(actor=self.actor, **form.cleaned_data)


class PackScheduleEditView(_ScheduleForm):
    success_message = "Schedule saved."

    def dispatch(self, request, *args, **kwargs):
        self.schedule = None
        return super().dispatch(request, *args, **kwargs)

    def get_base_queryset(self):
        return policy.restrict(self.actor, "change", PackSchedule.objects.all())

    def get_form(self, form_class=None):
        self.schedule = self.schedule or self.get_object()
        return super().get_form(form_class)

    def get_initial(self):
        return PackScheduleForm.initial_for(self.schedule or self.get_object())

    def get_context_data(self, **kwargs):
        return {**super().get_context_data(**kwargs), "schedule": self.schedule}

    def perform(self, form):
        services.schedule_update(actor=self.actor, schedule=self.schedule, **form.cleaned_data)
        return self.schedule


class _ScheduleAction(OrgViewMixin, View):
    model = PackSchedule
    scope_map = POST_MANAGE
    done = ""

    def get_base_queryset(self):
        return policy.restrict(self.actor, "change", PackSchedule.objects.all())

    def act(self, schedule):
        raise NotImplementedError

    def post(self, request, *args, **kwargs):
        schedule = self.get_object()
        target = reverse("pack_list", args=[self.organization.slug])
        try:
            self.act(schedule)
        except (ValidationError, DomainError) as error:
            return refusal_response(request, error, target)
        messages.success(request, self.done)
        return HttpResponseRedirect(target)


class PackSchedulePauseView(_ScheduleAction):
    done = "Schedule paused: no pack is made until it is resumed."

    def act(self, schedule):
        services.schedule_set_active(actor=self.actor, schedule=schedule, active=False)


class PackScheduleResumeView(_ScheduleAction):
    done = "Schedule resumed."

    def act(self, schedule):
        services.schedule_set_active(actor=self.actor, schedule=schedule, active=True)


class PackScheduleDeleteView(_ScheduleAction):
    done = "Schedule deleted; the packs it made are kept."

    def act(self, schedule):
        services.schedule_delete(actor=self.actor, schedule=schedule)
