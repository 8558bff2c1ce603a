"""The suppliers pages (browser UI). Views go: parse input → access → one service call."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.generic import DetailView, ListView, TemplateView, View

from isms.errors import DomainError
from isms.models import AuditEvent
from isms.views.mixins import OrgViewMixin
from suppliers import filters, forms, selectors
from suppliers.models import (
    AssessmentFile,
    ContractClause,
    Question,
    Supplier,
    SupplierAnswer,
    SupplierAssessment,
    SupplierCertification,
    SupplierContractClause,
    SupplierPortalLink,
)
from suppliers.services import assessments, portal, register, transfer
from suppliers.services.common import can_change_supplier

READ = {"GET": ["suppliers:read"]}
WRITE = {"GET": ["suppliers:write"], "POST": ["suppliers:write"]}
POST_WRITE = {"POST": ["suppliers:write"]}
TABS = [
    ("overview", "Overview"),
    ("assessments", "Assessments"),
    ("certifications", "Certifications"),
    ("contract", "Contract clauses"),
    ("history", "History"),
]


def _apply_errors(form, error: ValidationError) -> None:
    for field, errors in error.message_dict.items():
        for message in errors:
            form.add_error(field if field in form.fields else None, message)


def _bad(response):
    response.status_code = 400
    return response


class SupplierViewMixin(OrgViewMixin):
    extra_context = {"nav": "suppliers"}

    def supplier_url(self, supplier, tab: str = "") -> str:
        url = reverse(
            "supplier_detail", kwargs={"org_slug": self.organization.slug, "pk": supplier.pk}
        )
        return f"{url}?tab={tab}" if tab else url

    def assessment_url(self, assessment) -> str:
        return reverse(
            "supplier_assessment_detail",
            kwargs={"org_slug": self.organization.slug, "pk": assessment.pk},
        )


# --- the register ---------------------------------------------------------------------------


class SupplierListView(SupplierViewMixin, ListView):
    template_name = "suppliers/supplier_list.html"
    scope_map = READ
    paginate_by = 50
    context_object_name = "suppliers"

    def filtered(self):
        self.filterset = filters.SupplierFilterSet(
            self.request.GET, queryset=selectors.suppliers_list()
        )
        queryset = self.filterset.qs
        ordering = self.request.GET.get("ordering", "")
        key = ordering.lstrip("-")
        if key in filters.SUPPLIER_ORDERING:
            prefix = "-" if ordering.startswith("-") else ""
            queryset = queryset.order_by(prefix + filters.SUPPLIER_ORDERING[key], "pk")
        return queryset

    def get_queryset(self):
        return self.filtered()

    def get(self, request, *args, **kwargs):
        response = super().get(request, *args, **kwargs)
        if not self.filterset.is_valid():
            response.status_code = 400
        return response

    def get_template_names(self):
        if self.request.htmx and not self.request.htmx.boosted:
            return ["suppliers/_supplier_rows.html"]
        return [self.template_name]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["filter"] = self.filterset
        context["ordering"] = self.request.GET.get("ordering", "name")
        context["sort_columns"] = [
            ("name", "Name"),
            ("criticality", "Criticality"),
            ("status", "Status"),
            ("rating", "Rating"),
            ("next_reassessment_date", "Next reassessment"),
        ]
        context["can_write"] = self.actor.has_scope("suppliers:write")
        return context


class SupplierExportView(SupplierListView):
    def get(self, request, *args, **kwargs):
        queryset = self.filtered()
        if not self.filterset.is_valid():
            return HttpResponse("Invalid filter.", status=400, content_type="text/plain")
        kind = request.GET.get("as", "csv")
        name = f"suppliers-{self.organization.slug}"
        if kind == "xlsx":
            response = HttpResponse(
                transfer.suppliers_export_xlsx(queryset),
                content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            )
            response["Content-Disposition"] = f'attachment; filename="{name}.xlsx"'
        else:
            response = HttpResponse(
                transfer.suppliers_export_csv(queryset), content_type="text/csv; charset=utf-8"
            )
            response["Content-Disposition"] = f'attachment; filename="{name}.csv"'
        return response


class SupplierImportView(SupplierViewMixin, TemplateView):
    template_name = "suppliers/supplier_import.html"
    scope_map = WRITE

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.setdefault("form", forms.ImportForm())
        context["columns"] = transfer.COLUMNS
        return context

    def post(self, request, *args, **kwargs):
        form = forms.ImportForm(request.POST, request.FILES)
        if not form.is_valid():
            return _bad(self.render_to_response(self.get_context_data(form=form)))
        try:
            created = transfer.suppliers_import_csv(
                actor=self.actor, content=form.cleaned_data["file"].read()
            )
        except transfer.ImportRejected as rejected:
            context = self.get_context_data(form=form, row_errors=rejected.errors)
            return _bad(self.render_to_response(context))
        messages.success(request, f"Imported {len(created)} supplier(s).")
        return redirect("supplier_list", org_slug=self.organization.slug)


class SupplierFormMixin(SupplierViewMixin):
    template_name = "suppliers/supplier_form.html"

    def render_form(self, form, status=200, supplier=None):
        return render(
            self.request,
            self.template_name,
            {
                "form": form,
                "supplier": supplier,
                "organization": self.organization,
                "nav": "suppliers",
            },
            status=status,
        )


class SupplierCreateView(SupplierFormMixin, View):
    scope_map = WRITE

    def get(self, request, *args, **kwargs):
        form = forms.SupplierForm(organization=self.organization, initial={"owner": request.user})
        return self.render_form(form)

    def post(self, request, *args, **kwargs):
        form = forms.SupplierForm(request.POST, organization=self.organization)
        if form.is_valid():
            try:
                supplier = register.supplier_create(actor=self.actor, **form.cleaned_data)
            except ValidationError as error:
                _apply_errors(form, error)
            else:
                messages.success(request, f"Supplier {supplier.name} added.")
                return redirect(self.supplier_url(supplier))
        return self.render_form(form, status=400)


class SupplierUpdateView(SupplierFormMixin, View):
    scope_map = WRITE
    model = Supplier

    def _load(self):
        supplier = self.get_object()
        if not can_change_supplier(self.actor, supplier):
            from django.core.exceptions import PermissionDenied

            raise PermissionDenied("Only the supplier's owner or an officer may change it.")
        return supplier

    def get(self, request, *args, **kwargs):
        supplier = self._load()
        initial = {f: getattr(supplier, f) for f in register.SUPPLIER_FIELDS}
        return self.render_form(
            forms.SupplierForm(organization=self.organization, initial=initial), supplier=supplier
        )

    def post(self, request, *args, **kwargs):
        supplier = self._load()
        form = forms.SupplierForm(request.POST, organization=self.organization)
        if form.is_valid():
            try:
                register.supplier_update(actor=self.actor, supplier=supplier, **form.cleaned_data)
            except ValidationError as error:
                _apply_errors(form, error)
            else:
                messages.success(request, "Supplier updated.")
                return redirect(self.supplier_url(supplier))
        return self.render_form(form, status=400, supplier=supplier)


class SupplierDetailView(SupplierViewMixin, DetailView):
    template_name = "suppliers/supplier_detail.html"
    scope_map = READ
    model = Supplier
    context_object_name = "supplier"

    def get_base_queryset(self):
        return selectors.supplier_detail(Supplier.objects.select_related("owner"))

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        supplier = self.object
        tab = self.request.GET.get("tab", "overview")
        context["tab"] = tab if tab in dict(TABS) else "overview"
        context["tabs"] = TABS
        context["can_change"] = can_change_supplier(self.actor, supplier)
        context["contact_form"] = kwargs.get("contact_form") or forms.ContactForm()
        context["certification_form"] = (
            kwargs.get("certification_form") or forms.CertificationForm()
        )
        context["assessment_form"] = forms.AssessmentCreateForm()
        clauses = {c.clause: c for c in supplier.contract_clauses.all()}
        context["clauses"] = [
            (value, label, clauses.get(value)) for value, label in ContractClause.choices
        ]
        context["clause_statuses"] = SupplierContractClause.Status.choices
        context["clause_errors"] = kwargs.get("clause_errors", {})
        if context["tab"] == "history":
            context["events"] = AuditEvent.objects.for_object(supplier)[:200]
        return context


class _SupplierChildPost(SupplierViewMixin, View):
    """POST-only forms on the supplier page; errors re-render the page's tab with 400."""

    scope_map = POST_WRITE
    model = Supplier
    tab = "overview"

    def render_page(self, supplier, status=400, **extra):
        view = SupplierDetailView()
        view.setup(self.request, **self.kwargs)
        view.actor = self.actor
        view.object = Supplier.objects.select_related("owner").get(pk=supplier.pk)
        self.request.GET = self.request.GET.copy()
        self.request.GET["tab"] = self.tab
        context = view.get_context_data(object=view.object, **extra)
        return render(self.request, view.template_name, context, status=status)


class ContactCreateView(_SupplierChildPost):
    def post(self, request, *args, **kwargs):
        supplier = self.get_object()
        form = forms.ContactForm(request.POST)
        if form.is_valid():
            try:
                register.contact_create(actor=self.actor, supplier=supplier, **form.cleaned_data)
            except ValidationError as error:
                _apply_errors(form, error)
            else:
                messages.success(request, "Contact added.")
                return redirect(self.supplier_url(supplier))
        return self.render_page(supplier, contact_form=form)


class CertificationCreateView(_SupplierChildPost):
    tab = "certifications"

    def post(self, request, *args, **kwargs):
        supplier = self.get_object()
        form = forms.CertificationForm(request.POST, request.FILES)
        if form.is_valid():
            try:
                register.certification_create(
                    actor=self.actor, supplier=supplier, **form.cleaned_data
                )
            except ValidationError as error:
                _apply_errors(form, error)
            else:
                messages.success(request, "Certification added.")
                return redirect(self.supplier_url(supplier, "certifications"))
        return self.render_page(supplier, certification_form=form)


class ContractClausesView(_SupplierChildPost):
    """One form for the whole checklist: every row is checked, and all save or none does."""

    tab = "contract"

    def post(self, request, *args, **kwargs):
        from django.db import transaction

        supplier = self.get_object()
        register.contract_clauses_ensure(supplier=supplier)
        errors: dict[str, str] = {}
        with transaction.atomic():
            for clause in supplier.contract_clauses.all():
                form = forms.ContractClauseForm(
                    {
                        k: request.POST.get(f"{clause.clause}-{k}", "")
                        for k in ("status", "reference", "notification_hours", "note")
                    }
                )
                if not form.is_valid():
                    errors[clause.clause] = "; ".join(
                        f"{f}: {' '.join(m)}" for f, m in form.errors.items()
                    )
                    continue
                try:
                    register.contract_clause_update(
                        actor=self.actor, clause=clause, **form.cleaned_data
                    )
                except ValidationError as error:
                    errors[clause.clause] = " ".join(
                        m for ms in error.message_dict.values() for m in ms
                    )
            if errors:
                transaction.set_rollback(True)
        if errors:
            return self.render_page(supplier, clause_errors=errors)
        messages.success(request, "Contract clauses saved.")
        return redirect(self.supplier_url(supplier, "contract"))


class AssessmentCreateView(_SupplierChildPost):
    tab = "assessments"

    def post(self, request, *args, **kwargs):
        supplier = self.get_object()
        form = forms.AssessmentCreateForm(request.POST)
        if not form.is_valid():
            messages.error(request, "Choose a published question set.")
            return self.render_page(supplier)
        try:
            assessment = assessments.assessment_create(
                actor=self.actor, supplier=supplier, **form.cleaned_data
            )
        except (ValidationError, DomainError) as error:
            messages.error(request, str(getattr(error, "message", error)))
            return self.render_page(supplier, status=getattr(error, "status_code", 400))
        return redirect(self.assessment_url(assessment))


class CertificationFileView(SupplierViewMixin, View):
    scope_map = READ
    model = SupplierCertification

    def get(self, request, *args, **kwargs):
        cert = self.get_object()
        if not cert.file:
            raise Http404
        return FileResponse(
            cert.file.open("rb"), as_attachment=True, filename=cert.file.name.rsplit("/", 1)[-1]
        )


class AssessmentFileDownloadView(SupplierViewMixin, View):
    scope_map = READ
    model = AssessmentFile

    def get(self, request, *args, **kwargs):
        stored = self.get_object()
        return FileResponse(
            stored.file.open("rb"), as_attachment=True, filename=stored.original_name
        )


# --- assessments ----------------------------------------------------------------------------


class AssessmentListView(SupplierViewMixin, ListView):
    template_name = "suppliers/assessment_list.html"
    scope_map = READ
    paginate_by = 50
    context_object_name = "assessments"

    def get_queryset(self):
        self.filterset = filters.SupplierAssessmentFilterSet(
            self.request.GET, queryset=selectors.assessments_list()
        )
        return self.filterset.qs

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["filter"] = self.filterset
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
        editable = assessment.status in assessments.EDITABLE_STATES and can_change_supplier(
            self.actor, assessment.supplier
        )
        context.update(
            groups=list(groups.items()),
            scoring=assessments.assessment_scoring(assessment),
            actions=assessments.available_actions(assessment, self.actor),
            editable=editable,
            commentable=assessment.status in assessments.COMMENTABLE_STATES
            and self.actor.has_scope("suppliers:write"),
            links=list(assessment.portal_links.all()),
            link_form=kwargs.get("link_form") or forms.PortalLinkForm(),
            issued=kwargs.get("issued"),
            choices=SupplierAnswer.Choice.choices,
            note_form=forms.NoteForm(),
            answer_types=Question.AnswerType,
        )
        return context


class AssessmentTransitionView(SupplierViewMixin, View):
    scope_map = POST_WRITE
    model = SupplierAssessment

    def post(self, request, *args, **kwargs):
        assessment = self.get_object()
        action = request.POST.get("action", "")
        note = request.POST.get("note", "")
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
            return HttpResponse("Unknown action.", status=400, content_type="text/plain")
        try:
            run()
        except ValidationError as error:
            messages.error(request, " ".join(m for ms in error.message_dict.values() for m in ms))
            return self._page(assessment, 400)
        except DomainError as error:
            messages.error(request, error.message)
            return self._page(assessment, error.status_code)
        messages.success(request, f"Assessment {assessments.TRANSITIONS[action].label}: done.")
        return redirect(self.assessment_url(assessment))

    def _page(self, assessment, status):
        view = AssessmentDetailView()
        view.setup(self.request, **self.kwargs)
        view.actor = self.actor
        view.object = view.get_base_queryset().get(pk=assessment.pk)
        context = view.get_context_data(object=view.object)
        return render(self.request, view.template_name, context, status=status)


class AssessmentAnswersView(AssessmentTransitionView):
    """An officer fills in the answers (draft or sent)."""

    def post(self, request, *args, **kwargs):
        from django.db import transaction

        assessment = self.get_object()
        answers = selectors.assessment_answers(assessment)
        try:
            with transaction.atomic():
                for answer in answers:
                    key = f"a{answer.pk}"
                    if key not in request.POST:
                        continue
                    raw = request.POST.get(key, "").strip()
                    values = {"supplier_note": request.POST.get(f"{key}_note", "")}
                    kind = answer.question.answer_type
                    if kind == Question.AnswerType.DATE:
                        from datetime import date

                        try:
                            values["date"] = date.fromisoformat(raw) if raw else None
                        except ValueError:
                            raise ValidationError({"date": f"'{raw}' is not a date."}) from None
                    else:
                        values["choice" if kind == Question.AnswerType.CHOICE else "text"] = raw
                    assessments.answer_set(actor=self.actor, answer=answer, **values)
        except ValidationError as error:
            messages.error(request, " ".join(m for ms in error.message_dict.values() for m in ms))
            return self._page(assessment, 400)
        except DomainError as error:
            messages.error(request, error.message)
            return self._page(assessment, error.status_code)
        messages.success(request, "Answers saved.")
        return redirect(self.assessment_url(assessment))


class PortalLinkCreateView(AssessmentTransitionView):
    def post(self, request, *args, **kwargs):
        assessment = self.get_object()
        form = forms.PortalLinkForm(request.POST)
        issued = None
        status = 400
        if form.is_valid():
            try:
                issued = portal.portal_link_create(
                    actor=self.actor, assessment=assessment, **form.cleaned_data
                )
                status = 201
            except ValidationError as error:
                _apply_errors(form, error)
            except DomainError as error:
                messages.error(request, error.message)
                status = error.status_code
        view = AssessmentDetailView()
        view.setup(request, **self.kwargs)
        view.actor = self.actor
        view.object = view.get_base_queryset().get(pk=assessment.pk)
        context = view.get_context_data(
            object=view.object, link_form=form if issued is None else None
        )
        if issued is not None:
            context["issued"] = issued
            context["issued_url"] = request.build_absolute_uri(
                reverse("supplier_portal", kwargs={"token": issued.token})
            )
            status = 200
        response = render(request, view.template_name, context, status=status)
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
