"""Forms of the risks pages (the services validate again; these shape the input)."""

from __future__ import annotations

from django import forms
from django.contrib.auth import get_user_model

from assets.models import AI_TYPES, AssetType
from isms.choices import DataCategory
from isms.fields import derive_form
from isms.members import MemberChoiceField, bind_member_fields
from isms.pickers import PickedIdField, PickedIdsField
from risks.ai_act import (
    AnnexIIIUseCase,
    Art25Trigger,
    DerogationCondition,
    GPAIRelation,
    OperatorRole,
    ProhibitedPractice,
    ProhibitionException,
    TransparencyDuty,
)
from risks.models import (
    FundamentalRightsAssessment,
    RiskCategory,
    RiskCriteria,
    TreatmentAction,
    TreatmentOption,
)
from risks.models.change import HarmKind, HarmLevel, HarmScale, HarmTo, Reversibility
from risks.models.register import RISK_EDITABLE, SecurityProperty
from risks.models.soa import ImplementationStatus, InclusionReason

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
    assets = PickedIdsField("assets", required=False, label="Affected assets")
    suppliers = PickedIdsField("suppliers", required=False)
    controls = PickedIdsField(
        "controls",
        required=False,
        label="Linked controls",
        help_text="Type a reference or words of its title; choose several.",
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
    asset = PickedIdField("ai_assets", required=False, label="Existing AI asset")
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
    supplier = PickedIdField("suppliers", required=False)
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


HARM_ROW_FIELDS = (
    "kind",
    "to",
    "party",
    "description",
    "severity",
    "likelihood",
    "scale",
    "reversibility",
    "vulnerable_groups",
    "jurisdiction",
)
BLANK_HARM_ROWS = 2


class AssessmentHarmsForm(forms.Form):
    """Harms and benefits, any number per affected party: the saved rows plus two blank ones
    (save to get two more). Leave a description empty to drop a row."""

    def __init__(self, *args, rows: int = BLANK_HARM_ROWS, **kwargs):
        super().__init__(*args, **kwargs)
        self.row_count = rows
        for i in range(rows):
            n = i + 1
            self.fields[f"h{i}_kind"] = forms.ChoiceField(
                label=f"Entry {n}: harm or benefit", choices=HarmKind.choices, required=False
            )
            self.fields[f"h{i}_to"] = forms.ChoiceField(
                label=f"Entry {n}: affects", choices=[("", "—"), *HarmTo.choices], required=False
            )
            self.fields[f"h{i}_party"] = forms.CharField(
                label=f"Entry {n}: affected party", required=False, max_length=200
            )
            self.fields[f"h{i}_description"] = forms.CharField(
                label=f"Entry {n}: what could happen",
                required=False,
                widget=forms.Textarea(attrs={"rows": 2}),
            )
            for key, label, choices in [
                ("severity", "severity", HARM_LEVELS),
                ("likelihood", "likelihood", HARM_LEVELS),
                ("scale", "scale", [("", "—"), *HarmScale.choices]),
                ("reversibility", "reversibility", [("", "—"), *Reversibility.choices]),
            ]:
                self.fields[f"h{i}_{key}"] = forms.ChoiceField(
                    label=f"Entry {n}: {label}", choices=choices, required=False
                )
            self.fields[f"h{i}_vulnerable_groups"] = forms.CharField(
                label=f"Entry {n}: vulnerable groups", required=False, max_length=200
            )
            self.fields[f"h{i}_jurisdiction"] = forms.CharField(
                label=f"Entry {n}: jurisdiction", required=False, max_length=200
            )

    def rows(self):
        """Bound fields per row, for the template."""
        return [[self[f"h{i}_{key}"] for key in HARM_ROW_FIELDS] for i in range(self.row_count)]

    def harms(self) -> list[dict]:
        data = self.cleaned_data
        return [
            {key: data[f"h{i}_{key}"] for key in HARM_ROW_FIELDS}
            for i in range(self.row_count)
            if data[f"h{i}_description"].strip()
        ]

    @classmethod
    def for_harms(cls, harms: list[dict], data=None) -> AssessmentHarmsForm:
        initial = {
            f"h{i}_{key}": harm.get(key, "")
            for i, harm in enumerate(harms)
            for key in HARM_ROW_FIELDS
        }
        return cls(data, initial=initial, rows=len(harms) + BLANK_HARM_ROWS)


def _ticks(choices, label: str, help_text: str = "") -> forms.MultipleChoiceField:
    return forms.MultipleChoiceField(
        choices=choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label=label,
        help_text=help_text,
    )


class AssessmentRoleForm(forms.Form):
    """Who we are for this system (EU AI Act Art. 3, 25; Chapter V)."""

    ai_act_role = forms.ChoiceField(
        choices=OperatorRole.choices, label="Our role for this system", widget=forms.RadioSelect
    )
    art25_triggers = _ticks(
        Art25Trigger.choices,
        "Did we do any of these? (Art. 25(1): a deployer, importer or distributor becomes the "
        "provider of a high-risk system)",
    )
    gpai = forms.ChoiceField(
        choices=GPAIRelation.choices, label="General-purpose AI", widget=forms.RadioSelect
    )
    gpai_systemic_risk = forms.BooleanField(
        required=False, label="The general-purpose AI model has systemic risk (Art. 51, 55)"
    )


class AssessmentScreensForm(forms.Form):
    prohibited_practices = _ticks(
        ProhibitedPractice.choices, "Prohibited practices (EU AI Act Art. 5): tick any that apply"
    )
    prohibition_exceptions = _ticks(
        ProhibitionException.choices,
        "Exceptions written into Art. 5: tick any that holds",
    )
    annex_i_product = forms.BooleanField(
        required=False,
        label="Safety component of, or itself, a product under Annex I legislation needing "
        "third-party conformity assessment (Art. 6(1))",
    )
    annex_iii_use_cases = _ticks(
        AnnexIIIUseCase.choices,
        "Annex III use cases (Art. 6(2)): tick the listed use it serves, not just its area",
    )
    derogation_conditions = _ticks(
        DerogationCondition.choices,
        "Art. 6(3) derogation: tick a condition that holds for the Annex III use",
    )
    profiles_people = forms.BooleanField(
        required=False, label="It profiles natural persons (always high risk, Art. 6(3))"
    )
    derogation_documentation = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        label="Why it is not high risk (the Art. 6(4) assessment, when relying on the derogation)",
    )
    transparency_duties = _ticks(TransparencyDuty.choices, "Transparency situations (Art. 50)")


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
    environmental_effects = forms.CharField(
        label="Environmental effects (energy, water, hardware)",
        widget=forms.Textarea(attrs={"rows": 2}),
        required=False,
    )
    reassessment_triggers = forms.CharField(
        label="What makes us reassess it (new model, purpose, population, incident, drift…)",
        widget=forms.Textarea(attrs={"rows": 2}),
        required=False,
    )
    reassess_by = forms.DateField(
        label="Reassess by",
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
    )


WIZARD_STEPS = [
    ("purpose", "Purpose and people", AssessmentPurposeForm),
    ("harms", "Potential harms", AssessmentHarmsForm),
    ("role", "Our role", AssessmentRoleForm),
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


class FriaForm(forms.ModelForm):
    """The Art. 27(1) parts and the Art. 27(3) notification."""

    class Meta:
        model = FundamentalRightsAssessment
        fields = [
            "deployer_processes",
            "period_and_frequency",
            "affected_categories",
            "specific_risks",
            "human_oversight",
            "mitigation_and_complaints",
            "authority",
            "notified_on",
        ]
        widgets = {
            **{
                name: forms.Textarea(attrs={"rows": 2})
                for name in [
                    "deployer_processes",
                    "period_and_frequency",
                    "affected_categories",
                    "specific_risks",
                    "human_oversight",
                    "mitigation_and_complaints",
                ]
            },
            "notified_on": forms.DateInput(attrs={"type": "date"}),
        }
