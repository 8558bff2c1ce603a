"""Forms of the risks pages (the services validate again; these shape the input)."""

from __future__ import annotations

from django import forms
from django.contrib.auth import get_user_model

from assets.models import AI_TYPES, Asset, AssetType
from isms.choices import DataCategory
from isms.fields import derive_form
from isms.members import MemberChoiceField, bind_member_fields
from isms.models import Control
from risks.ai_act import HighRiskArea, ProhibitedPractice, TransparencyDuty
from risks.models import RiskCategory, RiskCriteria, TreatmentAction, TreatmentOption
from risks.models.change import HarmLevel, HarmTo
from risks.models.register import RISK_EDITABLE, SecurityProperty
from risks.models.soa import ImplementationStatus, InclusionReason
from suppliers.models import Supplier

User = get_user_model()


# Approver pickers list the members who hold the approve scope (isms.members); owner pickers
# the members who may own records (never auditors).
APPROVE_SCOPE = "risks:approve"


def _levels(scale: list[dict]) -> list[tuple[str, str]]:
    """Each level with what it means (the criteria's words), so assessors score alike."""
    return [("", "—")] + [
        (
            str(level["level"]),
            f"{level['level']} · {level['label']}"
            + (f" — {level['meaning']}" if level["meaning"] else ""),
        )
        for level in scale
    ]


class RiskForm(forms.Form):
    title = forms.CharField(max_length=200)
    description = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), required=False)
    category = forms.ChoiceField(choices=RiskCategory.choices)
    owner = MemberChoiceField()
    inherent_likelihood = forms.TypedChoiceField(coerce=int, required=False, empty_value=None)
    inherent_impact = forms.TypedChoiceField(coerce=int, required=False, empty_value=None)
    residual_likelihood = forms.TypedChoiceField(coerce=int, required=False, empty_value=None)
    residual_impact = forms.TypedChoiceField(coerce=int, required=False, empty_value=None)
    treatment = forms.ChoiceField(
        choices=[("", "—"), *TreatmentOption.choices], required=False, label="Treatment option"
    )
    next_review_date = forms.DateField(
        required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    assets = forms.TypedMultipleChoiceField(coerce=int, required=False, label="Affected assets")
    suppliers = forms.TypedMultipleChoiceField(coerce=int, required=False)
    controls = forms.TypedMultipleChoiceField(
        coerce=int,
        required=False,
        label="Linked controls",
        help_text="Hold Ctrl to choose several.",
    )
    threatens = forms.MultipleChoiceField(
        choices=SecurityProperty.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label="Threatens",
        help_text="The confidentiality, integrity or availability of information it threatens.",
    )
    harm_to = forms.MultipleChoiceField(
        choices=HarmTo.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label="AI harm to",
        help_text="For an AI risk: who could be harmed.",
    )

    def __init__(self, *args, criteria: RiskCriteria, **kwargs):
        super().__init__(*args, **kwargs)
        bind_member_fields(self)
        for prefix in ("inherent", "residual"):
            self.fields[f"{prefix}_likelihood"].choices = _levels(criteria.likelihood_scale)
            self.fields[f"{prefix}_impact"].choices = _levels(criteria.impact_scale)
        self.fields["assets"].choices = list(Asset.objects.values_list("pk", "name"))
        self.fields["suppliers"].choices = list(Supplier.objects.values_list("pk", "name"))
        self.fields["controls"].choices = [
            (c.pk, f"{c.framework.code} {c.ref} {c.title}")
            for c in Control.objects.select_related("framework")
        ]


derive_form(RiskForm, RISK_EDITABLE)


class RiskStatusForm(forms.Form):
    status = forms.ChoiceField(
        choices=[
            ("open", "Open"),
            ("treating", "In treatment"),
            ("closed", "Closed"),
            ("accepted", "Accepted"),
        ]
    )


class TreatmentActionForm(forms.Form):
    description = forms.CharField(label="What", max_length=300)
    owner = MemberChoiceField(label="Assignee")
    due_date = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        bind_member_fields(self)


class TreatmentActionStatusForm(forms.Form):
    status = forms.ChoiceField(choices=TreatmentAction.Status.choices)


class AcceptanceRequestForm(forms.Form):
    rationale = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}))
    expires_on = forms.DateField(label="Expires on", widget=forms.DateInput(attrs={"type": "date"}))


class DecisionForm(forms.Form):
    note = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 2}), required=False, label="Note (required to reject)"
    )


MAX_LEVELS = 7


class CriteriaForm(forms.Form):
    """Each scale as up to seven rows of label, meaning and example (lowest first; a level
    is used when its label is filled in). Bands and appetite below."""

    SCALES = (("likelihood", "Likelihood"), ("impact", "Impact"))

    medium_from = forms.IntegerField(min_value=1, label="Medium band from score")
    high_from = forms.IntegerField(min_value=1, label="High band from score")
    critical_from = forms.IntegerField(min_value=1, label="Critical band from score")
    acceptance_threshold = forms.IntegerField(
        min_value=1, label="Risk appetite (highest acceptable score)"
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for scale, name in self.SCALES:
            for level in range(1, MAX_LEVELS + 1):
                self.fields[f"{scale}_label_{level}"] = forms.CharField(
                    label=f"{name} level {level}: label", max_length=40, required=False
                )
                self.fields[f"{scale}_meaning_{level}"] = forms.CharField(
                    label=f"{name} level {level}: what it means",
                    required=False,
                    widget=forms.Textarea(attrs={"rows": 2}),
                )
                self.fields[f"{scale}_example_{level}"] = forms.CharField(
                    label=f"{name} level {level}: example",
                    required=False,
                    widget=forms.Textarea(attrs={"rows": 2}),
                )

    @classmethod
    def initial_from(cls, criteria: RiskCriteria) -> dict:
        initial = {
            name: getattr(criteria, name)
            for name in ("medium_from", "high_from", "critical_from", "acceptance_threshold")
        }
        for scale, _ in cls.SCALES:
            for level in getattr(criteria, f"{scale}_scale"):
                for key in ("label", "meaning", "example"):
                    initial[f"{scale}_{key}_{level['level']}"] = level[key]
        return initial

    def scale_rows(self):
        """(scale name, [(label field, meaning field, example field)…]) for the template."""
        return [
            (
                name,
                [
                    (
                        self[f"{scale}_label_{level}"],
                        self[f"{scale}_meaning_{level}"],
                        self[f"{scale}_example_{level}"],
                    )
                    for level in range(1, MAX_LEVELS + 1)
                ],
            )
            for scale, name in self.SCALES
        ]

    def clean(self):
        data = super().clean()
        for scale, _ in self.SCALES:
            labels, definitions = [], []
            for level in range(1, MAX_LEVELS + 1):
                label = (data.pop(f"{scale}_label_{level}", "") or "").strip()
                meaning = (data.pop(f"{scale}_meaning_{level}", "") or "").strip()
                example = (data.pop(f"{scale}_example_{level}", "") or "").strip()
                if label:
                    labels.append(label)
                    definitions.append({"meaning": meaning, "example": example})
                elif meaning or example:
                    self.add_error(
                        f"{scale}_label_{level}", "Give this level a label, or clear its texts."
                    )
            data[f"{scale}_labels"] = labels
            data[f"{scale}_definitions"] = definitions
        return data


class ChangeRequestForm(forms.Form):
    title = forms.CharField(label="What is being introduced or changed", max_length=200)
    justification = forms.CharField(label="Why", widget=forms.Textarea(attrs={"rows": 2}))
    asset = forms.TypedChoiceField(
        coerce=int, required=False, empty_value=None, label="Existing AI asset"
    )
    new_asset_name = forms.CharField(
        required=False, max_length=200, label="…or the new AI tool's name"
    )
    new_asset_type = forms.ChoiceField(
        required=False,
        label="New asset's type",
        choices=[("", "—")] + [c for c in AssetType.choices if c[0] in AI_TYPES],
    )
    description = forms.CharField(
        required=False, widget=forms.Textarea(attrs={"rows": 2}), label="The change in detail"
    )
    data_going_in = forms.CharField(label="Data going in", widget=forms.Textarea(attrs={"rows": 2}))
    data_categories = forms.MultipleChoiceField(
        choices=DataCategory.choices, required=False, widget=forms.CheckboxSelectMultiple
    )
    affected_people = forms.CharField(
        label="Who is affected", widget=forms.Textarea(attrs={"rows": 2})
    )
    supplier = forms.TypedChoiceField(coerce=int, required=False, empty_value=None)
    target_lifecycle = forms.ChoiceField(
        label="Stage it moves to when approved",
        choices=[("production", "Production"), ("pilot", "Pilot")],
        initial="production",
        required=False,
        help_text="A pilot processes real data: it passes the same gate as production.",
    )
    approver = MemberChoiceField(scope=APPROVE_SCOPE, label="Designated approver")

    def clean_target_lifecycle(self) -> str:
        return self.cleaned_data.get("target_lifecycle") or "production"

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["asset"].choices = [
            ("", "—"),
            *list(
                Asset.objects.filter(asset_type__in=AI_TYPES)
                .exclude(triage_status__in=["pending", "dismissed"])
                .values_list("pk", "name")
            ),
        ]
        self.fields["supplier"].choices = [
            ("", "—"),
            *list(Supplier.objects.values_list("pk", "name")),
        ]
        bind_member_fields(self)


class GateEvidenceForm(forms.Form):
    """What a high-risk system adds to the gate (EU AI Act Art. 26, 27)."""

    oversight_person = MemberChoiceField(
        label="Named human oversight",
        required=False,
        help_text="Who oversees it, with the competence and authority to stop it.",
    )
    instructions_for_use = forms.CharField(
        label="Provider's instructions for use (where filed)", max_length=500, required=False
    )
    fria_reference = forms.CharField(
        label="Fundamental-rights impact assessment (where filed)",
        max_length=500,
        required=False,
        help_text="Required by Art. 27 for public bodies, public services, credit scoring and "
        "life or health insurance pricing.",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        bind_member_fields(self)


class ReasonForm(forms.Form):
    reason = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), label="Reason")


# --- The impact assessment wizard ------------------------------------------------------------


class AssessmentPurposeForm(forms.Form):
    intended_purpose = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}))
    affected_people = forms.CharField(
        label="People and groups affected", widget=forms.Textarea(attrs={"rows": 2})
    )
    foreseeable_misuse = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), required=False)


HARM_LEVELS = [("", "—"), *HarmLevel.choices]


class AssessmentHarmsForm(forms.Form):
    """One harm each to individuals, groups and society (leave a description empty to skip)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for to in ("individuals", "groups", "society"):
            self.fields[f"{to}_description"] = forms.CharField(
                label=f"Potential harm to {to}",
                required=False,
                widget=forms.Textarea(attrs={"rows": 2}),
            )
            self.fields[f"{to}_severity"] = forms.ChoiceField(
                label=f"Severity (harm to {to})", choices=HARM_LEVELS, required=False
            )
            self.fields[f"{to}_likelihood"] = forms.ChoiceField(
                label=f"Likelihood (harm to {to})", choices=HARM_LEVELS, required=False
            )

    def harms(self) -> list[dict]:
        data = self.cleaned_data
        return [
            {
                "to": to,
                "description": data[f"{to}_description"],
                "severity": data[f"{to}_severity"],
                "likelihood": data[f"{to}_likelihood"],
            }
            for to in ("individuals", "groups", "society")
            if data[f"{to}_description"].strip()
        ]

    @classmethod
    def initial_from(cls, harms: list[dict]) -> dict:
        initial = {}
        for harm in harms:
            for key in ("description", "severity", "likelihood"):
                initial[f"{harm['to']}_{key}"] = harm.get(key, "")
        return initial


class AssessmentScreensForm(forms.Form):
    prohibited_practices = forms.MultipleChoiceField(
        choices=ProhibitedPractice.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label="Prohibited practices (EU AI Act Art. 5): tick any that apply",
    )
    high_risk_areas = forms.MultipleChoiceField(
        choices=HighRiskArea.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label="High-risk areas (Annex III): tick any it is used in",
    )
    transparency_duties = forms.MultipleChoiceField(
        choices=TransparencyDuty.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label="Transparency situations (Art. 50)",
    )


class AssessmentSafeguardsForm(forms.Form):
    human_oversight_measures = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}))
    transparency_measures = forms.CharField(
        label="Transparency to affected people",
        widget=forms.Textarea(attrs={"rows": 2}),
        required=False,
    )
    data_quality_notes = forms.CharField(
        label="Data quality and provenance",
        widget=forms.Textarea(attrs={"rows": 2}),
        required=False,
    )


WIZARD_STEPS = [
    ("purpose", "Purpose and people", AssessmentPurposeForm),
    ("harms", "Potential harms", AssessmentHarmsForm),
    ("screens", "EU AI Act screens", AssessmentScreensForm),
    ("safeguards", "Safeguards", AssessmentSafeguardsForm),
]


# --- SoA -------------------------------------------------------------------------------------


class SoARowForm(forms.Form):
    applicable = forms.BooleanField(required=False)
    justification = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), required=False)
    inclusion_reasons = forms.MultipleChoiceField(
        choices=InclusionReason.choices, required=False, widget=forms.CheckboxSelectMultiple
    )
    implementation_status = forms.ChoiceField(choices=ImplementationStatus.choices)
    owner = MemberChoiceField(required=False)
    target_date = forms.DateField(
        required=False,
        # ISO format: a type="date" input shows nothing for any other format.
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text="Required while the control is not yet implemented.",
    )
    evidence = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), required=False)
    evidence_links = forms.CharField(
        required=False,
        help_text="One web address per line.",
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        bind_member_fields(self)

    def clean_evidence_links(self):
        return [
            line.strip()
            for line in self.cleaned_data["evidence_links"].splitlines()
            if line.strip()
        ]


class OwnSoARowForm(SoARowForm):
    """An own control's row: its texts and the risks it treats (a library control's risks are
    linked from the risk)."""

    own_ref = forms.CharField(label="Reference", max_length=20)
    own_title = forms.CharField(label="Title", max_length=250)
    own_source = forms.CharField(
        label="Source",
        max_length=120,
        required=False,
        help_text="Another framework's reference (e.g. NIST CSF 2.0 PR.DS-01), or leave empty "
        "for your own control.",
    )
    own_description = forms.CharField(
        label="Description", widget=forms.Textarea(attrs={"rows": 2}), required=False
    )
    linked_risks = forms.TypedMultipleChoiceField(
        coerce=int,
        required=False,
        label="Risks it treats",
        help_text="Hold Ctrl to choose several.",
    )

    field_order = ["own_ref", "own_title", "own_source", "own_description"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        from risks.models import Risk

        self.fields["linked_risks"].choices = [
            (pk, f"R-{pk} {title}") for pk, title in Risk.objects.values_list("pk", "title")
        ]


class OwnControlForm(forms.Form):
    own_ref = forms.CharField(label="Reference", max_length=20)
    own_title = forms.CharField(label="Title", max_length=250)
    own_source = forms.CharField(
        label="Source",
        max_length=120,
        required=False,
        help_text="Another framework (e.g. NIST CSF 2.0 PR.DS-01), or empty for your own.",
    )
    own_description = forms.CharField(
        label="Description", widget=forms.Textarea(attrs={"rows": 2}), required=False
    )


class RiskSnapshotTakeForm(forms.Form):
    kind = forms.ChoiceField(
        choices=[("register", "Risk register"), ("treatment_plan", "Risk treatment plan")]
    )
    note = forms.CharField(required=False, max_length=500, label="Note for the approver")
