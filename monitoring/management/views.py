"""Management review pages."""

from __future__ import annotations

from django.views.generic import DetailView

from isms import policy
from isms.members import bind_member_fields
from isms.views.mixins import OrgFormView, OrgListView, OrgViewMixin
from monitoring.incidents.views import MANAGE_FORM, READ, IncidentActionView
from monitoring.management import forms, services
from monitoring.management.models import ManagementReview


class ReviewListView(OrgListView):
    model = ManagementReview
    nav = "monitoring"
    scope_map = READ
    template_name = "management/review_list.html"
    selector = staticmethod(lambda: ManagementReview.objects.select_related("approved_by"))
    context_object_name = "reviews"


class ReviewCreateView(OrgFormView):
    model = ManagementReview
    nav = "monitoring"
    scope_map = MANAGE_FORM
    form_class = forms.ReviewForm
    template_name = "management/review_form.html"
    success_message = "Review “{obj}” prepared: its inputs were assembled from the registers."

    def perform(self, form):
        data = dict(form.cleaned_data)
        return services.review_create(
            actor=self.actor,
            title=data.pop("title"),
            period_start=data.pop("period_start"),
            period_end=data.pop("period_end"),
            **data,
        )


class ReviewEditView(OrgFormView):
    model = ManagementReview
    nav = "monitoring"
    scope_map = MANAGE_FORM
    form_class = forms.ReviewForm
    template_name = "management/review_form.html"
    success_message = "Review “{obj}” saved."

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        self.object = self.get_object()
        kwargs["instance"] = ManagementReview.objects.get(pk=self.object.pk)
        return kwargs

    def perform(self, form):
        return services.review_update(actor=self.actor, review=self.object, **form.cleaned_data)


class ReviewDetailView(OrgViewMixin, DetailView):
    model = ManagementReview
    nav = "monitoring"
    scope_map = READ
    template_name = "management/review_detail.html"
    context_object_name = "review"

    def get_base_queryset(self):
        return ManagementReview.objects.select_related("prepared_by", "approved_by")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        review = self.object
        output_form = forms.OutputForm()
        bind_member_fields(output_form)
        moves = {t.name for t in services.REVIEW.available(self.actor, review)}
        approve_refusal = None
        if review.status == "submitted" and "approve" not in moves:
            refused = policy.refusal(self.actor, "approve", review)
            approve_refusal = refused.message if refused else None
        context.update(
            outputs=review.outputs.select_related("owner"),
            output_form=output_form,
            moves=moves,
            approve_refusal=approve_refusal,
            can_edit=review.status == "draft" and policy.can(self.actor, "change", review),
            inputs=review.inputs or {},
            raise_nc_url=_raise_nc_url(self.actor, review),
        )
        return context


def _raise_nc_url(actor, review) -> str | None:
    """Clause 10.2 from a review: the nonconformity form, pre-filled with its source."""
    from urllib.parse import urlencode

    from django.urls import reverse

    from monitoring.improvement.models import Nonconformity

    if not policy.can(actor, "raise", Nonconformity(organization_id=review.organization_id)):
        return None
    query = urlencode(
        {"source": "management_review", "reference": f"Management review #{review.pk}: {review}"}
    )
    return f"{reverse('nonconformity_create', args=[actor.organization.slug])}?{query}"


class ReviewAssembleView(IncidentActionView):
    model = ManagementReview
    form_class = forms.EmptyForm
    done = "Inputs assembled again from the registers."

    def act(self, obj, data):
        return services.review_assemble_inputs(actor=self.actor, review=obj)


class ReviewOutputView(IncidentActionView):
    model = ManagementReview
    form_class = forms.OutputForm
    done = "Output recorded."

    def act(self, obj, data):
        services.output_add(actor=self.actor, review=obj, **data)


class ReviewSubmitView(IncidentActionView):
    model = ManagementReview
    form_class = forms.EmptyForm
    done = "Minutes submitted for approval by top management."

    def act(self, obj, data):
        return services.review_submit(actor=self.actor, review=obj)


class ReviewReturnView(IncidentActionView):
    model = ManagementReview
    form_class = forms.ReasonForm
    done = "Minutes returned to draft."

    def act(self, obj, data):
        return services.review_return(actor=self.actor, review=obj, reason=data["reason"])


class ReviewApproveView(IncidentActionView):
    model = ManagementReview
    form_class = forms.EmptyForm
    done = "Minutes approved: they can no longer change."

    def act(self, obj, data):
        return services.review_approve(actor=self.actor, review=obj)
