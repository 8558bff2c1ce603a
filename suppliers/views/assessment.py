"""Assessment pages: list, review, transitions, answers, supplier links, comments."""

from __future__ import annotations

from datetime import date

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.generic import DetailView, View

from isms import policy
from isms.errors import DomainError, ErrorCode
from isms.views.errors import refusal_response
from isms.views.forms import form_refusal
from isms.views.mixins import OrgListView
from suppliers import filters, forms, selectors
from suppliers.models import (
    Question,
    SupplierAnswer,
    SupplierAssessment,
    SupplierPortalLink,
)
from suppliers.services import assessments, portal
from suppliers.views.common import (
    POST_WRITE,
    READ,
    SupplierViewMixin,
)

# --- assessments ----------------------------------------------------------------------------


class AssessmentListView(SupplierViewMixin, OrgListView):
    template_name = "suppliers/assessment_list.html"
    rows_template = "suppliers/_assessment_rows.html"
    scope_map = READ
    filterset_class = filters.SupplierAssessmentFilterSet
    selector = selectors.assessments_list
    context_object_name = "assessments"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["statuses"] = SupplierAssessment.Status.choices
        return context


class AssessmentDetailView(SupplierViewMixin, DetailView):
    """The review page: answers by group with comments, score, rating, gaps and actions."""

    template_name = "suppliers/assessment_detail.html"
    scope_map = READ
    model = SupplierAssessment
    context_object_name = "assessment"

    def get_base_queryset(self):
        return selectors.assessments_list().prefetch_related("transitions__by", "files")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        assessment = self.object
        answers = selectors.assessment_answers(assessment)
        groups: dict[str, list] = {}
        for answer in answers:
            groups.setdefault(answer.question.get_group_display(), []).append(answer)
        can_change = policy.can(self.actor, "change", assessment)
        # Say why the decision is someone else's, rather than leaving the buttons out silently.
        decision_refused = None
        if assessment.status == SupplierAssessment.Status.UNDER_REVIEW:
            refused = policy.refusal(self.actor, "approve", assessment)
            if refused is not None and refused.code == ErrorCode.SEGREGATION_OF_DUTIES:
                decision_refused = refused.message
        editable = assessment.status in assessments.EDITABLE_STATES and can_change
        context.update(
            groups=list(groups.items()),
            scoring=assessments.assessment_scoring(assessment),
            actions=[
                (t.name, assessments.BUTTON_LABELS[t.name])
                for t in assessments.available_actions(assessment, self.actor)
            ],
            editable=editable,
            can_change=can_change,
            decision_refused=decision_refused,
            commentable=assessment.status in assessments.COMMENTABLE_STATES
            and policy.policy_for(SupplierAnswer).rule_comment(self.actor, None) is None,
            links=list(assessment.portal_links.all()),
            link_form=kwargs.get("link_form") or forms.PortalLinkForm(),
            issued=kwargs.get("issued"),
            choices=SupplierAnswer.Choice.choices,
            note_form=forms.NoteForm(),
            answer_types=Question.AnswerType,
        )
        return context


class AssessmentActionView(SupplierViewMixin, View):
    """POST-only forms of the review page. Done or refused, the answer is a redirect to the
    review page with a message in words (a refusal: "Nothing was changed: …")."""

    scope_map = POST_WRITE
    model = SupplierAssessment

    def post(self, request, *args, **kwargs):
        assessment = self.get_object()
        try:
            done = self.act(assessment)
        except (ValidationError, DomainError) as error:
            return refusal_response(request, error, self.assessment_url(assessment))
        messages.success(request, done)
        return redirect(self.assessment_url(assessment))

    def act(self, assessment) -> str:
        raise NotImplementedError


class AssessmentTransitionView(AssessmentActionView):
    def act(self, assessment) -> str:
        action = self.request.POST.get("action", "")
        note = self.request.POST.get("note", "")
        run = {
            "send": lambda: assessments.assessment_send(actor=self.actor, assessment=assessment),
            "submit": lambda: assessments.assessment_submit(
                actor=self.actor, assessment=assessment
            ),
            "start_review": lambda: assessments.assessment_start_review(
                actor=self.actor, assessment=assessment
            ),
            "return_to_supplier": lambda: assessments.assessment_return(
                actor=self.actor, assessment=assessment, note=note
            ),
            "approve": lambda: assessments.assessment_approve(
                actor=self.actor, assessment=assessment, note=note
            ),
            "reject": lambda: assessments.assessment_reject(
                actor=self.actor, assessment=assessment, note=note
            ),
        }.get(action)
        if run is None:
            raise ValidationError("Choose an action the page offers.")
        run()
        return f"Assessment {assessments.TRANSITIONS[action].verb}."


class AssessmentAnswersView(AssessmentActionView):
    """An officer fills in the answers (draft or sent)."""

    def act(self, assessment) -> str:
        request = self.request
        values_by_answer = {}
        for answer in selectors.assessment_answers(assessment):
            key = f"a{answer.pk}"
            if key not in request.POST:
                continue
            raw = request.POST.get(key, "").strip()
            values = {"supplier_note": request.POST.get(f"{key}_note", "")}
            kind = answer.question.answer_type
            if kind == Question.AnswerType.DATE:
                try:
                    values["date"] = date.fromisoformat(raw) if raw else None
                except ValueError:
                    raise ValidationError({"date": f"'{raw}' is not a date."}) from None
            else:
                values["choice" if kind == Question.AnswerType.CHOICE else "text"] = raw
            values_by_answer[answer.pk] = values
        assessments.answers_set(
            actor=self.actor, assessment=assessment, values_by_answer=values_by_answer
        )
        return "Answers saved."


class PortalLinkCreateView(AssessmentActionView):
    """Issue a link for the supplier. The link is shown once, on the page this POST renders
    (it is never stored where it could be shown again, so no redirect carries it); a
    refusal redirects like every other form of the page."""

    def post(self, request, *args, **kwargs):
        assessment = self.get_object()
        form = forms.PortalLinkForm(request.POST)
        try:
            if not form.is_valid():
                raise form_refusal(form)
            issued = portal.portal_link_create(
                actor=self.actor, assessment=assessment, **form.cleaned_data
            )
        except (ValidationError, DomainError) as error:
            return refusal_response(request, error, self.assessment_url(assessment))
        view = AssessmentDetailView()
        view.setup(request, **self.kwargs)
        view.actor = self.actor
        view.object = view.get_base_queryset().get(pk=assessment.pk)
        context = view.get_context_data(object=view.object, link_form=None)
        context["issued"] = issued
        context["issued_url"] = request.build_absolute_uri(
            reverse("supplier_portal", kwargs={"token": issued.token})
        )
        response = render(request, view.template_name, context)
        response["Cache-Control"] = "no-store"
        return response


class PortalLinkRevokeView(SupplierViewMixin, View):
    scope_map = POST_WRITE
    model = SupplierPortalLink

    def post(self, request, *args, **kwargs):
        link = self.get_object()
        try:
            portal.portal_link_revoke(actor=self.actor, link=link)
        except DomainError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, f"Link {link.token_prefix}… revoked; it no longer opens.")
        return redirect(self.assessment_url(link.assessment))


class AnswerCommentView(SupplierViewMixin, View):
    scope_map = POST_WRITE
    model = SupplierAnswer

    def post(self, request, *args, **kwargs):
        answer = self.get_object()
        form = forms.CommentForm(request.POST)
        error_text = ""
        status = 200
        if form.is_valid():
            try:
                assessments.answer_comment_add(
                    actor=self.actor, answer=answer, text=form.cleaned_data["text"]
                )
            except ValidationError as error:
                error_text, status = " ".join(error.messages), 400
            except DomainError as error:
                error_text, status = error.message, error.status_code
        else:
            error_text, status = "Write the comment.", 400
        if request.htmx:
            answer = next(
                a for a in selectors.assessment_answers(answer.assessment) if a.pk == answer.pk
            )
            return render(
                request,
                "suppliers/_answer_comments.html",
                {
                    "answer": answer,
                    "commentable": True,
                    "error": error_text,
                    "organization": self.organization,
                },
                status=status,
            )
        if error_text:
            messages.error(request, error_text)
        return redirect(self.assessment_url(answer.assessment) + f"#answer-{answer.pk}")
