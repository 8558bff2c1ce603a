"""The supplier portal: /supplier-portal/<token>/, outside any organisation's URL space.

No account and no tenant in the URL: the token is the credential. Order per request:
rate limit (by token hash and by client address, in the Redis cache) → resolve the token
(suppliers.services.portal.portal_session, which enters the organisation's tenant
context) → read or write only that assessment. Every refusal renders the same page with
the same status, so a caller learns nothing about which tokens exist.
"""

from __future__ import annotations

import time

from django import forms
from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import DatabaseError, transaction
from django.http import HttpResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache

from isms.errors import DomainError
from isms.writes import db_error_to_domain
from suppliers.models import Question, SupplierAnswer
from suppliers.services import assessments as assessment_services
from suppliers.services.portal import PortalRefused, PortalSession, portal_session, token_hash

DEFAULT_RATE_LIMIT = {"per_token": 60, "per_ip": 300, "window": 60}


def _client_address(request) -> str:
    return request.META.get("REMOTE_ADDR", "unknown")


def rate_limited(request, token: str) -> bool:
    """True once the token or the address went over its budget for this window."""
    conf = getattr(settings, "SUPPLIER_PORTAL_RATE_LIMIT", DEFAULT_RATE_LIMIT)
    window = conf["window"]
    bucket = int(time.time() // window)
    checks = [
        (f"supplier-portal:token:{token_hash(token)[:32]}:{bucket}", conf["per_token"]),
        (f"supplier-portal:ip:{_client_address(request)}:{bucket}", conf["per_ip"]),
    ]
    over = False
    for key, limit in checks:
        cache.add(key, 0, timeout=window * 2)
        try:
            count = cache.incr(key)
        except ValueError:  # expired between add and incr
            cache.set(key, 1, timeout=window * 2)
            count = 1
        over = over or count > limit
    return over


def _secure(response: HttpResponse) -> HttpResponse:
    response["Referrer-Policy"] = "same-origin"  # the token is in the URL: never send it elsewhere
    response["X-Robots-Tag"] = "noindex, nofollow"
    response["Cache-Control"] = "no-store"
    return response


def refused(request) -> HttpResponse:
    """The one answer to every link that does not open: same page, same status."""
    return _secure(render(request, "suppliers/portal/refused.html", status=404))


def too_many(request) -> HttpResponse:
    response = render(request, "suppliers/portal/too_many.html", status=429)
    response["Retry-After"] = str(
        getattr(settings, "SUPPLIER_PORTAL_RATE_LIMIT", DEFAULT_RATE_LIMIT)["window"]
    )
    return _secure(response)


class PortalAnswersForm(forms.Form):
    """One field (and a note) per answer of the bound assessment; nothing else is read."""

    file = forms.FileField(
        required=False,
        label="Attach evidence (PDF, PNG, JPEG, DOCX or XLSX, up to 10 MB)",
    )

    def __init__(self, *args, answers: list[SupplierAnswer], editable: bool, **kwargs):
        super().__init__(*args, **kwargs)
        self.answers = answers
        for answer in answers:
            q = answer.question
            prefix = f"a{answer.pk}"
            if q.answer_type == Question.AnswerType.CHOICE:
                field = forms.ChoiceField(
                    choices=[("", "—"), *SupplierAnswer.Choice.choices],
                    required=False,
                    initial=answer.choice,
                )
            elif q.answer_type == Question.AnswerType.DATE:
                field = forms.DateField(
                    required=False,
                    initial=answer.date,
                    widget=forms.DateInput(attrs={"type": "date"}),
                )
            else:
                field = forms.CharField(
                    required=False,
                    initial=answer.text,
                    widget=forms.Textarea(attrs={"rows": 2}),
                    max_length=5000,
                )
            field.label = q.text
            field.help_text = q.guidance
            field.disabled = not editable
            self.fields[f"{prefix}_value"] = field
            self.fields[f"{prefix}_note"] = forms.CharField(
                required=False,
                label="Comment (optional)",
                initial=answer.supplier_note,
                max_length=5000,
                disabled=not editable,
                widget=forms.TextInput(),
            )
        if not editable:
            del self.fields["file"]

    def rows(self):
        """(group label, [(answer, value field, note field)]) in question order."""
        groups: dict[str, list] = {}
        for answer in self.answers:
            label = answer.question.get_group_display()
            groups.setdefault(label, []).append(
                (answer, self[f"a{answer.pk}_value"], self[f"a{answer.pk}_note"])
            )
        return list(groups.items())

    def values_by_answer(self) -> dict[int, dict]:
        values = {}
        for answer in self.answers:
            value = self.cleaned_data.get(f"a{answer.pk}_value")
            kind = answer.question.answer_type
            key = {"choice": "choice", "date": "date"}.get(kind, "text")
            values[answer.pk] = {
                key: value,
                "supplier_note": self.cleaned_data.get(f"a{answer.pk}_note", ""),
            }
        return values


def _page(request, session: PortalSession, form: PortalAnswersForm, status: int = 200, **extra):
    assessment = session.assessment
    context = {
        "session": session,
        "assessment": assessment,
        "asking_organization": assessment.supplier.organization.name,
        "supplier_name": assessment.supplier.name,
        "form": form,
        "files": list(assessment.files.values_list("original_name", flat=True)),
        **extra,
    }
    return _secure(render(request, "suppliers/portal/assessment.html", context, status=status))


def _answers(session: PortalSession) -> list[SupplierAnswer]:
    return list(
        session.assessment.answers.select_related("question").order_by("question__order", "pk")
    )


@never_cache
def portal(request, token: str):
    if request.method not in {"GET", "POST"}:
        return refused(request)
    if rate_limited(request, token):
        return too_many(request)
    try:
        with portal_session(token) as session:
            # Names read on the page come from the tenant rows, inside the tenant context.
            session.assessment.supplier.organization  # noqa: B018
            if request.method == "GET":
                form = PortalAnswersForm(answers=_answers(session), editable=session.editable)
                return _page(request, session, form)
            return _post(request, session)
    except PortalRefused:
        return refused(request)


def _post(request, session: PortalSession):
    if not session.editable:
        return refused(request)
    form = PortalAnswersForm(request.POST, request.FILES, answers=_answers(session), editable=True)
    if not form.is_valid():
        return _page(request, session, form, status=400)
    submit = "submit" in request.POST
    try:
        with transaction.atomic():
            assessment_services.answers_set_from_portal(
                assessment=session.assessment,
                values_by_answer=form.values_by_answer(),
                by_label=session.label,
            )
            if form.cleaned_data.get("file"):
                assessment_services.assessment_file_add(
                    assessment=session.assessment,
                    upload=form.cleaned_data["file"],
                    by_label=session.label,
                )
            if submit:
                assessment_services.assessment_submit_from_portal(
                    assessment=session.assessment, by_label=session.label
                )
    except ValidationError as error:
        for field, messages in error.message_dict.items():
            for message in messages:
                form.add_error(field if field in form.fields else None, message)
        return _page(request, session, form, status=400)
    except (DomainError, DatabaseError) as raised:
        # Submitted meanwhile (another tab, a colleague): the answers are frozen; say so on
        # the page instead of failing, and show them as they were submitted. A concurrent
        # request the database refereed (a deadlock, a serialisation failure) rolled this
        # save back: the same page, asking to try again.
        error = raised if isinstance(raised, DomainError) else db_error_to_domain(raised)
        if error is None:
            raise
        session.assessment.refresh_from_db()
        frozen = PortalAnswersForm(answers=_answers(session), editable=session.editable)
        return _page(request, session, frozen, status=error.status_code, conflict=error.message)
    session.assessment.refresh_from_db()
    fresh = PortalAnswersForm(answers=_answers(session), editable=session.editable)
    notice = (
        "Thank you: your answers were submitted."
        if submit
        else "Your answers were saved. Submit when every question is answered."
    )
    return _page(request, session, fresh, notice=notice)
