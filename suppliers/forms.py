from django import forms

from isms import uploads
from isms.choices import DataCategory
from isms.fields import derive_form
from isms.members import MemberChoiceField, bind_member_fields
from suppliers.models import (
    SUPPLIER_EDITABLE,
    QuestionSet,
    Supplier,
    SupplierCertification,
    SupplierContractClause,
)

DATE = forms.DateInput(attrs={"type": "date"})


class SupplierForm(forms.Form):
    name = forms.CharField(max_length=200)
    website = forms.URLField(required=False, assume_scheme="https")
    provides = forms.CharField(
        label="What they provide", required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    ai_services = forms.MultipleChoiceField(
        label="AI services",
        choices=Supplier.AIService.choices,
        required=False,
        help_text="Leave empty if they provide no AI services. Ctrl/Cmd-click for several.",
    )
    criticality = forms.ChoiceField(choices=Supplier.Criticality.choices, initial="medium")
    status = forms.ChoiceField(choices=Supplier.Status.choices, initial="prospective")
    owner = MemberChoiceField(
        label="Accountable owner",
        help_text="An active member who can own records (auditors cannot).",
    )
    data_categories = forms.MultipleChoiceField(
        label="Data shared with them", choices=DataCategory.choices, required=False
    )
    next_reassessment_date = forms.DateField(required=False, widget=DATE)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        bind_member_fields(self)  # the organisation in context's members who can own


derive_form(SupplierForm, SUPPLIER_EDITABLE)


class ContactForm(forms.Form):
    name = forms.CharField(max_length=200)
    email = forms.EmailField(required=False)
    phone = forms.CharField(max_length=50, required=False)
    role = forms.CharField(max_length=100, required=False, help_text="e.g. security contact")


ACCEPT = uploads.accept(uploads.EVIDENCE)


class CertificationForm(forms.Form):
    type = forms.ChoiceField(choices=SupplierCertification.Type.choices)
    other_name = forms.CharField(
        max_length=200, required=False, help_text="Only when the type is Other."
    )
    issuer = forms.CharField(max_length=200, required=False, help_text="The certification body.")
    scope = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2}))
    valid_from = forms.DateField(required=False, widget=DATE)
    valid_until = forms.DateField(
        required=False, widget=DATE, help_text="Certificates only (ISO/IEC 27001, 42001…)."
    )
    period_start = forms.DateField(
        required=False, widget=DATE, label="Report period start", help_text="SOC 2 Type II only."
    )
    period_end = forms.DateField(
        required=False, widget=DATE, label="Report period end", help_text="SOC 2 Type II only."
    )
    bridge_letter_until = forms.DateField(
        required=False,
        widget=DATE,
        label="Bridge letter covers until",
        help_text="SOC 2 Type II only, when the supplier gave one.",
    )
    file = forms.FileField(
        required=False,
        label="Certificate or report file",
        help_text="PDF, PNG, JPEG, DOCX or XLSX, up to 10 MB.",
        widget=forms.ClearableFileInput(attrs={"accept": ACCEPT}),
    )


class ContractClauseForm(forms.Form):
    status = forms.ChoiceField(choices=SupplierContractClause.Status.choices)
    reference = forms.CharField(max_length=200, required=False)
    notification_hours = forms.IntegerField(required=False, min_value=1, max_value=8760)
    note = forms.CharField(required=False, max_length=2000)


class AssessmentCreateForm(forms.Form):
    question_set = forms.ModelChoiceField(queryset=None, empty_label=None)
    due_date = forms.DateField(required=False, widget=DATE)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["question_set"].queryset = QuestionSet.objects.filter(
            status=QuestionSet.Status.PUBLISHED
        ).order_by("name", "-version")


class PortalLinkForm(forms.Form):
    valid_days = forms.IntegerField(label="Valid for (days)", min_value=1, max_value=90, initial=30)
    recipient_email = forms.EmailField(
        required=False, label="Sent to (e-mail)", help_text="For your records; we send nothing."
    )


class NoteForm(forms.Form):
    note = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2}))


class CommentForm(forms.Form):
    text = forms.CharField(label="Comment", widget=forms.Textarea(attrs={"rows": 2}))


class ImportForm(forms.Form):
    file = forms.FileField(
        label="CSV or XLSX file",
        help_text="UTF-8 CSV or an Excel workbook, first line the header. "
        "Columns: name, owner_email (required), website, "
        "provides, ai_services, criticality, status, data_categories, next_reassessment_date. "
        "Separate several values with ';'.",
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,.xlsx,text/csv"}),
    )
