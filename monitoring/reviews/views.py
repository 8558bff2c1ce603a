"""Review schedules and AI-system reviews: list, schedule page, checklist, settings."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponseRedirect
from django.urls import reverse
from django.views import View
from django.views.generic import DetailView

from isms.errors import DomainError
from isms.members import bind_member_fields
from isms.views.errors import error_status
from isms.views.forms import apply_errors
from isms.views.mixins import OrgFormView, OrgListView, OrgViewMixin
from monitoring.reviews import checklist, selectors, services
from monitoring.reviews.filters import ReviewScheduleFilterSet
from monitoring.reviews.forms import ReviewForm, ReviewSettingsForm, ScheduleForm
from monitoring.reviews.models import AIReview, ReviewSchedule

READ = ["monitoring:read"]
WRITE = ["monitoring:write"]
MANAGE = ["monitoring:write", "monitoring:manage"]


def _list_url(slug: str) -> str:
    return reverse("monitoring_reviews:schedule_list", args=[slug])


class ScheduleListView(OrgListView):
    model = ReviewSchedule
    template_name = "monitoring/reviews/schedule_list.html"
    rows_template = "monitoring/reviews/_schedule_rows.html"
    filterset_class = ReviewScheduleFilterSet
    selector = staticmethod(selectors.schedule_list)
    scope_map = {"GET": READ}
    nav = "monitoring"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["section"] = "reviews"
        context["can_manage"] = self.actor.has_scopes(["monitoring:write", "monitoring:manage"])
        from django.utils import timezone

        context["today"] = timezone.localdate()
        return context


class ScheduleEnsureView(OrgViewMixin, View):
    scope_map = {"POST": ["monitoring:write", "monitoring:manage"]}

    def post(self, request, *args, **kwargs):
        created = services.schedules_ensure()
        messages.success(
            request,
            f"Created {created} review schedule{'s' if created != 1 else ''} for the registers' "
            "objects that had none."
            if created
            else "Every object already has a review schedule.",
        )
        return HttpResponseRedirect(_list_url(self.organization.slug))


class ScheduleDetailView(OrgViewMixin, DetailView):
    model = ReviewSchedule
    template_name = "monitoring/reviews/schedule_detail.html"
    context_object_name = "schedule"
    scope_map = {"GET": READ}
    nav = "monitoring"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        schedule = self.object
        context["section"] = "reviews"
        context["subject_url"] = selectors.subject_url(schedule, self.organization.slug)
        context["reviews"] = list(selectors.reviews_of(schedule))
        context["open_review"] = next(
            (r for r in context["reviews"] if r.status == AIReview.Status.DRAFT), None
        )
        context["overdue"] = selectors.is_overdue(schedule)
        context["can_change"] = self.can("change", schedule)
        context["can_review"] = self.can("review", schedule)
        form = ScheduleForm(
            initial={
                "interval_months": schedule.interval_months,
                "next_due": schedule.next_due,
                "reviewer": schedule.reviewer_id,
            }
        )
        bind_member_fields(form)
        context["form"] = form
        return context


class ScheduleEditView(OrgFormView):
    model = ReviewSchedule
    form_class = ScheduleForm
    template_name = "monitoring/form.html"
    scope_map = {"GET": WRITE, "POST": WRITE}
    nav = "monitoring"
    success_message = "Schedule saved."

    def get_schedule(self):
        if not hasattr(self, "_schedule"):
            self._schedule = self.get_object()
        return self._schedule

    def get_initial(self):
        s = self.get_schedule()
        return {
            "interval_months": s.interval_months,
            "next_due": s.next_due,
            "reviewer": s.reviewer_id,
        }

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        s = self.get_schedule()
        context.update(title=f"Schedule of {s.title}", section="reviews", back=s.get_absolute_url())
        return context

    def perform(self, form):
        return services.schedule_update(
            actor=self.actor, schedule=self.get_schedule(), **form.cleaned_data
        )


class SchedulePostView(OrgViewMixin, View):
    model = ReviewSchedule
    scope_map = {"POST": WRITE}


class ScheduleStartReviewView(SchedulePostView):
    def post(self, request, *args, **kwargs):
        review = services.review_start(actor=self.actor, schedule=self.get_object())
        messages.success(request, "Review opened, prefilled from the registers.")
        return HttpResponseRedirect(review.get_absolute_url())


class ScheduleMarkReviewedView(SchedulePostView):
    def post(self, request, *args, **kwargs):
        schedule = services.schedule_mark_reviewed(actor=self.actor, schedule=self.get_object())
        messages.success(request, f"Reviewed; next review due {schedule.next_due:%d %b %Y}.")
        return HttpResponseRedirect(schedule.get_absolute_url())


class ReviewDetailView(OrgViewMixin, DetailView):
    """The checklist: GET shows it, POST saves the answers (or signs off with `sign_off`)."""

    model = AIReview
    template_name = "monitoring/reviews/review_detail.html"
    context_object_name = "review"
    scope_map = {"GET": READ, "POST": WRITE}
    nav = "monitoring"

    def get_base_queryset(self):
        return AIReview.objects.select_related("asset", "schedule", "signed_off_by")

    def get_context_data(self, form=None, **kwargs):
        context = super().get_context_data(**kwargs)
        review = self.object
        if form is None:
            form = ReviewForm(review=review)
            bind_member_fields(form)
        context.update(
            section="reviews",
            form=form,
            answers=checklist.ANSWERS,
            rows=[
                (
                    item,
                    review.answers.get(item.key, {}),
                    form[f"{item.key}__answer"],
                    form[f"{item.key}__note"],
                )
                for item in checklist.ITEMS
            ],
            editable=review.status == AIReview.Status.DRAFT and self.can("change", review),
            can_discard=review.status == AIReview.Status.DRAFT and self.can("discard", review),
        )
        return context

    def post(self, request, *args, **kwargs):
        self.object = review = self.get_object()
        form = ReviewForm(request.POST, review=review)
        bind_member_fields(form)
        if not form.is_valid():
            return self.render_to_response(self.get_context_data(form=form), status=400)
        signing = "sign_off" in request.POST
        try:
            services.review_update(
                actor=self.actor,
                review=review,
                answers=form.answers(),
                outcome=form.cleaned_data["outcome"],
                outcome_note=form.cleaned_data["outcome_note"],
            )
            if signing:
                review = services.review_sign_off(
                    actor=self.actor, review=review, approver=form.cleaned_data.get("approver")
                )
        except (ValidationError, DomainError) as error:
            apply_errors(form, error)
            self.object = AIReview.objects.get(pk=review.pk) if signing else review
            return self.render_to_response(
                self.get_context_data(form=form), status=error_status(error)
            )
        if signing:
            text = (
                f"Review of {review.asset} signed off; next review due "
                f"{review.schedule.next_due:%d %b %Y}."
            )
            if review.change_request_id:
                text += " An AI change request was opened for approval."
            messages.success(request, text)
            return HttpResponseRedirect(review.schedule.get_absolute_url())
        messages.success(request, "Answers saved.")
        return HttpResponseRedirect(review.get_absolute_url())


class ReviewDiscardView(OrgViewMixin, View):
    model = AIReview
    scope_map = {"POST": WRITE}

    def post(self, request, *args, **kwargs):
        review = services.review_discard(
            actor=self.actor, review=self.get_object(), reason=request.POST.get("reason", "")
        )
        messages.success(request, "Review discarded.")
        return HttpResponseRedirect(review.schedule.get_absolute_url())


class ReviewSettingsView(OrgFormView):
    form_class = ReviewSettingsForm
    template_name = "monitoring/form.html"
    scope_map = {"GET": MANAGE, "POST": MANAGE}
    nav = "monitoring"
    success_message = "Review intervals saved. They apply to schedules created from now on."

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        kwargs["instance"] = services.settings_get()
        return kwargs

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(
            title="Default review intervals (months)",
            section="reviews",
            back=_list_url(self.organization.slug),
        )
        return context

    def perform(self, form):
        values = {k: form.cleaned_data[k] for k in services.SETTINGS_FIELDS}
        return services.settings_update(actor=self.actor, **values)

    def get_success_url(self):
        return _list_url(self.organization.slug)
