from django import forms
from django.contrib.auth import get_user_model

from isms import uploads
from isms.choices import DataCategory
from isms.fields import derive_form
from isms.models import Membership
from suppliers.models import (
    SUPPLIER_EDITABLE,
    QuestionSet,
    Supplier,
    SupplierCertification,
    SupplierContractClause,
)

DATE = forms.DateInput(attrs={"type": "date"})


def member_choices(organization):
    User = get_user_model()
    return User.objects.filter(
        pk__in=Membership.objects.active().filter(organization=organization).values("user_id")
    ).order_by("email")


class MemberChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, user):
        name = user.get_full_name()
        return f"{name} ({user.email})" if name else user.email


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
        queryset=None, label="Accountable owner", help_text="An active member."
    )
    data_categories = forms.MultipleChoiceField(
        label="Data shared with them", choices=DataCategory.choices, required=False
    )
    next_reassessment_date = forms.DateField(required=False, widget=DATE)

    def __init__(self, *args, organization, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = member_choices(organization)


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
    valid_until = forms.DateField(widget=DATE)
    file = forms.FileField(
        required=False,
        label="Certificate file",
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
