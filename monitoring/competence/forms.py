from django import forms

from isms import uploads
from isms.members import MemberChoiceField
from monitoring.competence.models import (
    CompetenceRequirement,
    ResponsibilityAssignment,
    TrainingRecord,
)

DATE = forms.DateInput(attrs={"type": "date"})


class RequirementForm(forms.ModelForm):
    class Meta:
        model = CompetenceRequirement
        fields = [
            "responsibility",
            "title",
            "description",
            "ai_literacy",
            "renew_every_months",
            "clauses",
        ]
        widgets = {"description": forms.Textarea(attrs={"rows": 3})}

    def _post_clean(self):
        pass  # the service validates (and answers a duplicate with a clear message)


class AssignmentForm(forms.ModelForm):
    member = MemberChoiceField(scope=None)

    class Meta:
        model = ResponsibilityAssignment
        fields = ["member", "responsibility", "note"]

    def _post_clean(self):
        pass


class TrainingRecordForm(forms.ModelForm):
    member = MemberChoiceField(scope=None)
    requirement = forms.ModelChoiceField(
        queryset=CompetenceRequirement._base_manager.none(),
        required=False,
        label="Competence it meets",
        help_text="Empty for general awareness.",
    )

    class Meta:
        model = TrainingRecord
        fields = [
            "member",
            "requirement",
            "kind",
            "course",
            "completed_on",
            "expires_on",
            "evidence_link",
            "evidence_file",
        ]
        widgets = {
            "completed_on": DATE,
            "expires_on": DATE,
            "evidence_file": forms.ClearableFileInput(
                attrs={"accept": uploads.accept(uploads.EVIDENCE)}
            ),
        }
        help_texts = {"evidence_file": "PDF, PNG, JPEG, DOCX or XLSX, up to 10 MB."}

    evidence_link = forms.URLField(
        label="Evidence (link)", required=False, max_length=500, assume_scheme="https"
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["requirement"].queryset = CompetenceRequirement.objects.all()

    def _post_clean(self):
        pass


class EmptyForm(forms.Form):
    pass
