"""The engagement pages: the officers open engagements, invite auditors, answer requests and
read the access log; the auditor's home for an engagement lists its packs, the SoA of each
framework in scope, the registers, the per-control evidence index and the evidence
requests, read-only apart from raising and closing requests."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.views import View
from django.views.generic import DetailView

from isms import policy
from isms.access import EVIDENCE_REQUEST_SCOPE
from isms.models import Framework
from isms.uploads import EVIDENCE, attachment_response, check_upload
from isms.views.forms import form_refusal
from isms.views.mixins import OrgFormView, OrgListView, OrgViewMixin
from monitoring.engagements import downloads, forms, selectors, services
from monitoring.engagements.middleware import note_download
from monitoring.engagements.models import (
    Engagement,
    EngagementAuditor,
    EvidenceAnswer,
    EvidenceRequest,
)
from monitoring.engagements.registry import pack_links

READ = {"GET": ["monitoring:read"]}
MANAGE_FORM = {
    "GET": ["monitoring:write", "monitoring:manage"],
    "POST": ["monitoring:write", "monitoring:manage"],
}
POST_MANAGE = {"POST": ["monitoring:write", "monitoring:manage"]}
POST_REQUEST = {"POST": [EVIDENCE_REQUEST_SCOPE]}
LOG_READ = {"GET": ["monitoring:read", "monitoring:manage"]}

# The registers an auditor reads, by URL name, in the order the home lists them.
REGISTERS = [
    ("Assets", "asset_list"),
    ("Risks", "risk_list"),
    ("Suppliers", "supplier_list"),
    ("Policies", "policies:policy_list"),
    ("Controls", "control_list"),
    ("Audit trail", "audit_trail"),
]


class EngagementListView(OrgListView):
    model = Engagement
    nav = "monitoring"
    scope_map = READ
    template_name = "engagements/engagement_list.html"
    selector = staticmethod(selectors.engagements_for_list)
    context_object_name = "engagements"


class EngagementCreateView(OrgFormView):
    model = Engagement
    nav = "monitoring"
    scope_map = MANAGE_FORM
    form_class = forms.EngagementForm
    template_name = "engagements/engagement_form.html"
    success_message = "Engagement “{obj}” opened; its auditors have been invited."

    def perform(self, form):
        return services.engagement_open(actor=self.actor, **form.service_values())


def _require_view(actor, obj) -> None:
    """Someone else's engagement (an auditor not on it, or after it ended) is a 403 with the
    reason, for reads and writes alike."""
    refused = policy.refusal(actor, "view", obj)
    if refused is not None:
        raise PermissionDenied(refused.message)


class EngagementObjectMixin(OrgViewMixin):
    """The engagement the URL names, if the actor may see it (another organisation's or a
    missing one: 404; one of the organisation's that is not this auditor's: 403)."""

    model = Engagement
    nav = "monitoring"

    def get_engagement(self) -> Engagement:
        if not hasattr(self, "_engagement"):
            engagement = get_object_or_404(Engagement.objects.all(), pk=self.kwargs["pk"])
            _require_view(self.actor, engagement)
            self._engagement = engagement
        return self._engagement


class EngagementDetailView(EngagementObjectMixin, DetailView):
    scope_map = READ
    template_name = "engagements/engagement_detail.html"
    context_object_name = "engagement"

    def get_object(self, queryset=None):
        return self.get_engagement()

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        engagement = self.object
        slug = self.organization.slug
        requests = list(selectors.engagement_requests(engagement))
        for request in requests:
            for answer in request.answers.all():
                answer.download_url = (
                    downloads.signed_url(self.actor, answer) if answer.file else ""
                )
        can_manage = policy.can(self.actor, "change", engagement)
        context.update(
            frameworks=Framework.objects.filter(code__in=engagement.framework_codes),
            packs=pack_links(engagement, self.actor),
            registers=[(label, reverse(name, args=[slug])) for label, name in REGISTERS],
            evidence_index_url=reverse("control_coverage", args=[slug]),
            requests=requests,
            auditors=engagement.auditors.all(),
            can_manage=can_manage,
            can_raise=policy.can(self.actor, "raise_request", engagement),
            request_form=forms.RequestForm(engagement=engagement),
            invite_form=forms.InviteForm(),
            answer_form=forms.AnswerForm(),
            link_minutes=downloads.LINK_SECONDS // 60,
        )
        return context


class EngagementActionView(EngagementObjectMixin, View):
    """A POST from the engagement page: a form, one service call, a message, back. Refusals
    (bad input, the policy) go back to the page with the reason (TenantMiddleware)."""

    form_class = None
    done = ""

    def target(self):
        return self.get_engagement().get_absolute_url()

    def act(self, data):
        raise NotImplementedError

    def post(self, request, *args, **kwargs):
        self.get_engagement()
        form = self.form_kwargs_form()
        if not form.is_valid():
            raise form_refusal(form)
        self.act(form.cleaned_data)
        messages.success(request, self.done)
        return HttpResponseRedirect(self.target())

    def form_kwargs_form(self):
        return self.form_class(self.request.POST, self.request.FILES)


class EngagementEditView(EngagementObjectMixin, OrgFormView):
    scope_map = MANAGE_FORM
    form_class = forms.EngagementEditForm
    template_name = "engagements/engagement_form.html"
    success_message = "Engagement “{obj}” saved; its auditors' access follows its end."

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "engagement": self.get_engagement()}

    def get_context_data(self, **kwargs):
        return {**super().get_context_data(**kwargs), "engagement": self.get_engagement()}

    def perform(self, form):
        return services.engagement_update(
            actor=self.actor, engagement=self.get_engagement(), **form.service_values()
        )


class EngagementEndView(EngagementActionView):
    scope_map = POST_MANAGE
    form_class = forms.ConfirmForm
    done = "Engagement ended: its auditors have no access any more."

    def act(self, data):
        services.engagement_end(actor=self.actor, engagement=self.get_engagement())


class AuditorRemoveView(EngagementActionView):
    """The URL names the engagement's auditor (EngagementAuditor)."""

    model = EngagementAuditor
    scope_map = POST_MANAGE
    form_class = forms.ConfirmForm
    done = "Auditor removed: their access to this engagement has ended."

    def get_auditor(self) -> EngagementAuditor:
        if not hasattr(self, "_auditor"):
            found = get_object_or_404(
                EngagementAuditor.objects.select_related("engagement"), pk=self.kwargs["pk"]
            )
            _require_view(self.actor, found.engagement)
            self._auditor = found
        return self._auditor

    def get_engagement(self) -> Engagement:
        return self.get_auditor().engagement

    def act(self, data):
        services.auditor_remove(actor=self.actor, auditor=self.get_auditor())


class AuditorInviteView(EngagementActionView):
    scope_map = POST_MANAGE
    form_class = forms.InviteForm
    done = "Invitation sent."

    def act(self, data):
        services.auditor_invite(
            actor=self.actor, engagement=self.get_engagement(), email=data["email"]
        )


class RequestRaiseView(EngagementActionView):
    scope_map = POST_REQUEST
    form_class = forms.RequestForm
    done = "Evidence request raised; the organisation's officers are reminded until it is due."

    def form_kwargs_form(self):
        return self.form_class(self.request.POST, engagement=self.get_engagement())

    def act(self, data):
        services.request_raise(actor=self.actor, engagement=self.get_engagement(), **data)


class RequestActionView(EngagementActionView):
    """A POST about one evidence request (the URL names the request)."""

    model = EvidenceRequest

    def get_request(self) -> EvidenceRequest:
        if not hasattr(self, "_request"):
            found = get_object_or_404(
                EvidenceRequest.objects.select_related("engagement"), pk=self.kwargs["pk"]
            )
            _require_view(self.actor, found)
            self._request = found
        return self._request

    def get_engagement(self) -> Engagement:
        return self.get_request().engagement


class RequestAnswerView(RequestActionView):
    scope_map = POST_MANAGE
    form_class = forms.AnswerForm
    done = "Answer recorded; the auditor can see it now."

    def act(self, data):
        upload = data.get("file")
        services.request_answer(
            actor=self.actor,
            request=self.get_request(),
            note=data.get("note", ""),
            url=data.get("url", ""),
            upload=check_upload(upload, allowed=EVIDENCE) if upload else None,
        )


class _NoForm:
    def __init__(self, *args, **kwargs):
        self.cleaned_data = {}

    def is_valid(self) -> bool:
        return True


class RequestCloseView(RequestActionView):
    scope_map = POST_REQUEST
    form_class = _NoForm
    done = "Request closed."

    def act(self, data):
        services.request_close(actor=self.actor, request=self.get_request())


class RequestReopenView(RequestActionView):
    scope_map = POST_REQUEST
    form_class = _NoForm
    done = "Request reopened."

    def act(self, data):
        services.request_reopen(actor=self.actor, request=self.get_request())


class AccessLogView(EngagementObjectMixin, OrgListView):
    """The auditor access log of one engagement: every page its auditors viewed and every
    file they downloaded, newest first (officers only)."""

    scope_map = LOG_READ
    template_name = "engagements/access_log.html"
    context_object_name = "entries"
    paginate_by = 100

    def get_queryset(self):
        self.filterset = None
        engagement = self.get_engagement()
        return policy.restrict(self.actor, "view", selectors.access_log(engagement))

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["engagement"] = self.get_engagement()
        return context


class AnswerFileView(OrgViewMixin, View):
    """An answer's file, through a signed link made for this person minutes ago."""

    model = EvidenceAnswer
    scope_map = READ

    def get(self, request, *args, **kwargs):
        try:
            answer_id = downloads.answer_id_from(kwargs["token"], self.actor)
        except downloads.LinkRefused as refused:
            return render(request, "errors/403.html", {"message": str(refused)}, status=403)
        answer = (
            policy.restrict(self.actor, "view", EvidenceAnswer.objects.all())
            .select_related("request")
            .filter(pk=answer_id)
            .first()
        )
        if answer is None or not answer.file:
            raise Http404
        note_download(request, subject=answer.file_name, engagement_id=answer.request.engagement_id)
        return attachment_response(answer.file, filename=answer.file_name)
