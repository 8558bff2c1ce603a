"""The risks API: risks, risk-acceptances, treatment-actions, risk-criteria,
ai-change-requests, impact-assessments, soa-rows, soa-snapshots, compliance-debt."""

from __future__ import annotations

from django.db.models import Prefetch
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_view,
)
from rest_framework import mixins, status
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError as DRFValidationError
from rest_framework.response import Response

from assets.models import Asset
from isms.api.viewsets import TenantHistoryMixin, TenantModelViewSet, TenantViewSet
from isms.errors import Conflict
from isms.models import Control, Framework
from risks import selectors
from risks.filters import (
    AIActObligationFilterSet,
    ChangeRequestFilterSet,
    ImpactAssessmentFilterSet,
    RiskAcceptanceFilterSet,
    RiskFilterSet,
    RiskSnapshotFilterSet,
    SoARowFilterSet,
    SoASnapshotFilterSet,
    TreatmentActionFilterSet,
)
from risks.models import (
    AIActObligation,
    AIChangeRequest,
    FundamentalRightsAssessment,
    ImpactAssessment,
    Risk,
    RiskAcceptance,
    RiskCriteria,
    RiskSnapshot,
    SoARow,
    SoASnapshot,
    TreatmentAction,
)
from risks.services import change, fria, obligations, register, snapshots, soa
from suppliers.models import Supplier

from .serializers import (
    AIActObligationSerializer,
    ChangeRequestSerializer,
    ChecklistSerializer,
    ComplianceDebtSerializer,
    DecisionNoteSerializer,
    FundamentalRightsAssessmentSerializer,
    GateEvidenceSerializer,
    ImpactAssessmentSerializer,
    OwnControlSerializer,
    ReasonSerializer,
    RiskAcceptanceSerializer,
    RiskCriteriaSerializer,
    RiskFromGapSerializer,
    RiskSerializer,
    RiskSnapshotSerializer,
    RiskSnapshotTakeSerializer,
    RiskStatusSerializer,
    SnapshotDiffSerializer,
    SoAApproveSerializer,
    SoARowSerializer,
    SoASnapshotSerializer,
    SoAStatusSerializer,
    TreatmentActionSerializer,
)

READ = ["risks:read"]
WRITE = ["risks:write"]
# Decisions need risks:write to reach the object; the object's policy (risks.access) then
# decides (risks:approve, or the risk owner's named exception), so another organisation's id
# is a 404 before any 403.
APPROVE = WRITE
DECISIONS = {"approve": "approve", "reject": "reject", "withdraw": "withdraw"}
SCOPES = {"GET": READ, "POST": WRITE, "PATCH": WRITE, "DELETE": WRITE}
CONFLICT = OpenApiResponse(description="The object's state forbids it (a workflow, the gate)")


def risk_queryset():
    """The list's rows with their links prefetched: a constant number of queries."""
    return selectors.risks_for_list().prefetch_related(
        Prefetch("assets", queryset=Asset.objects.only("pk")),
        Prefetch("suppliers", queryset=Supplier.objects.only("pk")),
        Prefetch("controls", queryset=Control.objects.only("pk")),
    )


@extend_schema_view(
    list=extend_schema(summary="The risk register (filters shared with the UI list)"),
    create=extend_schema(summary="Raise a risk"),
    partial_update=extend_schema(
        summary="Change a risk (its status moves with POST …/status/ or an acceptance)"
    ),
)
class RiskViewSet(TenantModelViewSet):
    model = Risk
    serializer_class = RiskSerializer
    scope_map = {"GET": READ, "POST": WRITE, "PATCH": WRITE}
    action_scopes = {"set_status": WRITE, "from_gap": WRITE, "approve_plan": WRITE}
    object_actions = {"approve_plan": "approve_plan"}
    # The risk owner approves the plan in person (6.1.3 f): not offered to API keys.
    person_only_actions = {"approve_plan"}
    filterset_class = RiskFilterSet
    http_method_names = ["get", "post", "patch", "head", "options"]  # close, never delete
    # _fresh() reads the written risk back as a GET answers it: its body carries the tag.
    representation_answers = frozenset({"create", "partial_update"})

    def get_base_queryset(self):
        return risk_queryset()

    def _fresh(self, risk):
        return self.get_serializer(risk_queryset().get(pk=risk.pk)).data

    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        risk = serializer.save()
        return Response(self._fresh(risk), status=status.HTTP_201_CREATED)

    def partial_update(self, request, *args, **kwargs):
        serializer = self.get_serializer(self.get_object(), data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        return Response(self._fresh(serializer.save()))

    @extend_schema(
        summary="Move the risk's status (open, treating, closed; accepted only by acceptance)",
        request=RiskStatusSerializer,
        responses={200: RiskSerializer, 409: CONFLICT},
    )
    @action(detail=True, methods=["post"], url_path="status")
    def set_status(self, request, *args, **kwargs):
        risk = self.get_object()
        serializer = RiskStatusSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        register.risk_set_status(
            actor=self.actor, risk=risk, status=serializer.validated_data["status"]
        )
        return Response(self._fresh(risk))

    @extend_schema(
        summary="The risk owner approves the treatment plan (ISO/IEC 27001:2022 6.1.3 f)",
        request=None,
        responses={200: RiskSerializer, 403: OpenApiResponse(), 409: CONFLICT},
    )
    @action(detail=True, methods=["post"], url_path="approve-plan")
    def approve_plan(self, request, *args, **kwargs):
        risk = self.get_object()
        register.treatment_plan_approve(actor=self.actor, risk=risk)
        return Response(self._fresh(risk))

    @extend_schema(
        summary="Create a pre-filled risk from a supplier-assessment gap",
        request=RiskFromGapSerializer,
        responses={201: RiskSerializer, 409: CONFLICT},
    )
    @action(detail=False, methods=["post"], url_path="from-gap")
    def from_gap(self, request, *args, **kwargs):
        serializer = RiskFromGapSerializer(data=request.data, context=self.get_serializer_context())
        serializer.is_valid(raise_exception=True)
        risk = register.risk_from_gap(
            actor=self.actor,
            answer_id=serializer.validated_data["gap"].pk,
            owner=serializer.validated_data.get("owner"),
        )
        return Response(self._fresh(risk), status=status.HTTP_201_CREATED)


@extend_schema_view(list=extend_schema(summary="Treatment actions (filter by ?risk=<id>)"))
class TreatmentActionViewSet(TenantModelViewSet):
    model = TreatmentAction
    serializer_class = TreatmentActionSerializer
    scope_map = SCOPES
    filterset_class = TreatmentActionFilterSet
    # The assignee may PATCH the status; the service applies the stricter rule to other fields.
    object_actions = {"partial_update": "update_status"}

    def get_base_queryset(self):
        return TreatmentAction.objects.select_related("risk")

    def perform_destroy(self, instance):
        register.treatment_action_delete(actor=self.actor, action=instance)


def _decision(serializer_class, request):
    serializer = serializer_class(data=request.data)
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data


@extend_schema_view(
    list=extend_schema(summary="Risk acceptances"),
    create=extend_schema(summary="Request acceptance of a risk (rationale, expiry date)"),
)
class RiskAcceptanceViewSet(
    TenantHistoryMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    TenantViewSet,
):
    model = RiskAcceptance
    serializer_class = RiskAcceptanceSerializer
    scope_map = {"GET": READ, "POST": WRITE}
    action_scopes = {"approve": APPROVE, "reject": APPROVE, "withdraw": WRITE, "endorse": WRITE}
    object_actions = {**DECISIONS, "endorse": "endorse"}
    filterset_class = RiskAcceptanceFilterSet

    def get_base_queryset(self):
        return RiskAcceptance.objects.all()

    @extend_schema(
        summary="Accept the residual risk: the risk's owner only, whatever their role (ISO/IEC "
        "27001:2022 6.1.3 f); above appetite only after a top-management endorsement "
        "(403 `authority_required`)",
        request=DecisionNoteSerializer,
        responses={200: RiskAcceptanceSerializer, 403: OpenApiResponse(), 409: CONFLICT},
    )
    @action(detail=True, methods=["post"])
    def approve(self, request, *args, **kwargs):
        acceptance = self.get_object()
        note = _decision(DecisionNoteSerializer, request)["note"]
        acceptance = register.acceptance_approve(actor=self.actor, acceptance=acceptance, note=note)
        return Response(self.get_serializer(acceptance).data)

    @extend_schema(
        summary="Reject, with a note saying why",
        request=DecisionNoteSerializer,
        responses={200: RiskAcceptanceSerializer, 409: CONFLICT},
    )
    @action(detail=True, methods=["post"])
    def reject(self, request, *args, **kwargs):
        acceptance = self.get_object()
        note = _decision(DecisionNoteSerializer, request)["note"]
        acceptance = register.acceptance_reject(actor=self.actor, acceptance=acceptance, note=note)
        return Response(self.get_serializer(acceptance).data)

    @extend_schema(
        summary="Endorse accepting a risk above the appetite at its current score (a member "
        "designated top management; 403 `authority_required` otherwise)",
        request=None,
        responses={200: RiskAcceptanceSerializer, 403: OpenApiResponse(), 409: CONFLICT},
    )
    @action(detail=True, methods=["post"])
    def endorse(self, request, *args, **kwargs):
        acceptance = register.acceptance_endorse(actor=self.actor, acceptance=self.get_object())
        return Response(self.get_serializer(acceptance).data)

    @extend_schema(
        summary="Withdraw a request", request=None, responses={200: RiskAcceptanceSerializer}
    )
    @action(detail=True, methods=["post"])
    def withdraw(self, request, *args, **kwargs):
        acceptance = register.acceptance_withdraw(actor=self.actor, acceptance=self.get_object())
        return Response(self.get_serializer(acceptance).data)


@extend_schema_view(
    list=extend_schema(summary="This organisation's risk criteria (created with it)"),
    partial_update=extend_schema(
        summary="Change the risk criteria (risks:manage; the appetite: accept_above_appetite)"
    ),
)
class RiskCriteriaViewSet(
    TenantHistoryMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.UpdateModelMixin,
    TenantViewSet,
):
    model = RiskCriteria
    serializer_class = RiskCriteriaSerializer
    scope_map = {"GET": READ, "PATCH": WRITE}  # the policy needs risks:manage
    http_method_names = ["get", "patch", "head", "options"]

    def get_base_queryset(self):
        return RiskCriteria.objects.order_by("pk")


@extend_schema_view(
    list=extend_schema(summary="AI change requests"),
    create=extend_schema(
        summary="Ask for an AI change (an existing AI asset, or a new one proposed from it)"
    ),
)
class ChangeRequestViewSet(
    TenantHistoryMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    TenantViewSet,
):
    model = AIChangeRequest
    serializer_class = ChangeRequestSerializer
    scope_map = {"GET": READ, "POST": WRITE}
    action_scopes = {
        "approve": APPROVE,
        "reject": APPROVE,
        "withdraw": WRITE,
        "checklist": READ,
        "evidence": WRITE,
    }
    object_actions = {**DECISIONS, "evidence": "record_evidence"}
    # A change request has an accountable requester (barred from approving it, owner of the
    # asset it proposes, the one who may withdraw it): a person, never an API key. The
    # schema offers raising one to sessions only; a key is refused with 403.
    person_only_actions = {"create"}
    filterset_class = ChangeRequestFilterSet

    def get_base_queryset(self):
        return selectors.change_requests_for_list()

    @extend_schema(summary="The live checklist of required steps", responses=ChecklistSerializer)
    @action(detail=True, methods=["get"])
    def checklist(self, request, *args, **kwargs):
        checklist = selectors.change_request_checklist(self.get_object())
        return Response(
            ChecklistSerializer(
                {"ready": checklist.ready, "blocked": checklist.blocked, "items": checklist.items}
            ).data
        )

    @extend_schema(
        summary="Record the gate evidence of a high-risk system (oversight, instructions for "
        "use, FRIA): the requester or an officer, while the request is pending",
        request=GateEvidenceSerializer,
        responses={200: ChangeRequestSerializer, 403: OpenApiResponse(), 409: CONFLICT},
    )
    @action(detail=True, methods=["post"])
    def evidence(self, request, *args, **kwargs):
        change_request = self.get_object()
        serializer = GateEvidenceSerializer(
            data=request.data, context=self.get_serializer_context()
        )
        serializer.is_valid(raise_exception=True)
        change_request = change.change_request_record_evidence(
            actor=self.actor, change_request=change_request, **serializer.validated_data
        )
        return Response(self.get_serializer(change_request).data)

    @extend_schema(
        summary="Approve (the designated approver; the asset moves to the request's target "
        "stage, pilot or production, and its reopened-gate flag clears)",
        request=None,
        responses={200: ChangeRequestSerializer, 403: OpenApiResponse(), 409: CONFLICT},
    )
    @action(detail=True, methods=["post"])
    def approve(self, request, *args, **kwargs):
        change_request = change.change_request_approve(
            actor=self.actor, change_request=self.get_object()
        )
        return Response(self.get_serializer(change_request).data)

    @extend_schema(
        summary="Reject, with a reason (the designated approver)",
        request=ReasonSerializer,
        responses={200: ChangeRequestSerializer, 409: CONFLICT},
    )
    @action(detail=True, methods=["post"])
    def reject(self, request, *args, **kwargs):
        change_request = self.get_object()
        reason = _decision(ReasonSerializer, request)["reason"]
        change_request = change.change_request_reject(
            actor=self.actor, change_request=change_request, reason=reason
        )
        return Response(self.get_serializer(change_request).data)

    @extend_schema(summary="Withdraw", request=None, responses={200: ChangeRequestSerializer})
    @action(detail=True, methods=["post"])
    def withdraw(self, request, *args, **kwargs):
        change_request = change.change_request_withdraw(
            actor=self.actor, change_request=self.get_object()
        )
        return Response(self.get_serializer(change_request).data)


@extend_schema_view(
    list=extend_schema(summary="AI impact assessments"),
    create=extend_schema(summary="Start an AI impact assessment (a draft)"),
    partial_update=extend_schema(summary="Edit a draft (approved ones are immutable: 409)"),
)
class ImpactAssessmentViewSet(
    TenantHistoryMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    TenantViewSet,
):
    model = ImpactAssessment
    serializer_class = ImpactAssessmentSerializer
    scope_map = {"GET": READ, "POST": WRITE, "PATCH": WRITE}
    action_scopes = {"approve": APPROVE}
    object_actions = {"approve": "approve"}
    person_only_actions = {"create"}  # someone prepares it (risks.services.change)
    filterset_class = ImpactAssessmentFilterSet
    http_method_names = ["get", "post", "patch", "head", "options"]

    def get_base_queryset(self):
        return ImpactAssessment.objects.all()

    @extend_schema(
        summary="Approve (not the preparer; refused when a prohibited practice applies)",
        request=None,
        responses={200: ImpactAssessmentSerializer, 409: CONFLICT},
    )
    @action(detail=True, methods=["post"])
    def approve(self, request, *args, **kwargs):
        assessment = change.impact_assessment_approve(
            actor=self.actor, assessment=self.get_object()
        )
        return Response(self.get_serializer(assessment).data)


def _snapshot_pair(queryset, request):
    """The snapshots ?from= and ?to= name (this organisation's: another's is "no snapshot")."""
    ids = {}
    for name in ("from", "to"):
        value = request.query_params.get(name, "")
        if not value.isdigit():
            raise DRFValidationError({name: ["Give a snapshot id."]})
        ids[name] = int(value)
    found = {s.pk: s for s in queryset.filter(pk__in=ids.values())}
    for name, pk in ids.items():
        if pk not in found:
            raise DRFValidationError({name: [f"No snapshot with id {pk} here."]})
    return found[ids["from"]], found[ids["to"]]


def _statement(code: str):
    framework = Framework.objects.filter(code=code).first()
    if framework is None:
        raise DRFValidationError({"framework": [f"No framework {code!r}."]})
    statement = soa.soa_for_framework(framework)
    if statement is None:
        raise Conflict(f"The Statement of Applicability for {framework.name} is not set up yet.")
    return statement


FRAMEWORK_PARAM = OpenApiParameter(
    "framework", OpenApiTypes.STR, description="Framework code, e.g. iso27001-2022"
)


@extend_schema_view(
    list=extend_schema(
        summary="Statement of Applicability rows (filter with ?framework=<code>)",
        parameters=[FRAMEWORK_PARAM],
    ),
    partial_update=extend_schema(summary="Edit one row (officers and admins)"),
)
class SoARowViewSet(
    TenantHistoryMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.UpdateModelMixin,
    TenantViewSet,
):
    model = SoARow
    serializer_class = SoARowSerializer
    scope_map = {"GET": READ, "PATCH": WRITE, "POST": WRITE}
    filterset_class = SoARowFilterSet
    http_method_names = ["get", "patch", "post", "head", "options"]

    @extend_schema(
        summary="Add an own control (another framework's or your own) to a framework's SoA",
        request=OwnControlSerializer,
        responses={201: SoARowSerializer, 409: CONFLICT},
    )
    def create(self, request, *args, **kwargs):
        data = _decision(OwnControlSerializer, request)
        statement = _statement(data.pop("framework"))
        row = soa.soa_own_control_add(actor=self.actor, soa=statement, **data)
        return Response(
            self.get_serializer(selectors.soa_rows().get(pk=row.pk)).data,
            status=status.HTTP_201_CREATED,
        )

    def get_base_queryset(self):
        return selectors.soa_rows()

    def list(self, request, *args, **kwargs):
        code = request.query_params.get("framework")
        if code:
            framework = Framework.objects.filter(code=code).first()
            if framework is None:
                raise DRFValidationError({"framework": [f"No framework with code {code!r}."]})
        return super().list(request, *args, **kwargs)

    def partial_update(self, request, *args, **kwargs):
        serializer = self.get_serializer(self.get_object(), data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        row = serializer.save()
        return Response(self.get_serializer(selectors.soa_rows().get(pk=row.pk)).data)


@extend_schema_view(
    list=extend_schema(summary="Approved SoA snapshots (immutable, numbered)"),
)
class SoASnapshotViewSet(
    TenantHistoryMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, TenantViewSet
):
    model = SoASnapshot
    serializer_class = SoASnapshotSerializer
    scope_map = {"GET": READ, "POST": APPROVE}
    action_scopes = {"diff": READ, "create": APPROVE, "submit": ["risks:manage"]}
    filterset_class = SoASnapshotFilterSet

    def get_base_queryset(self):
        return SoASnapshot.objects.select_related("soa__framework")

    @extend_schema(
        summary="Approve this SoA: store an immutable, numbered snapshot",
        request=SoAApproveSerializer,
        responses={201: SoASnapshotSerializer, 409: CONFLICT},
    )
    def create(self, request, *args, **kwargs):
        data = _decision(SoAApproveSerializer, request)
        statement = _statement(data["framework"])
        snapshot = soa.soa_approve(actor=self.actor, soa=statement, note=data["note"])
        return Response(self.get_serializer(snapshot).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        summary="Submit this SoA for approval (whoever prepared it; someone else approves)",
        request=SoAApproveSerializer,
        responses={200: SoAStatusSerializer, 409: CONFLICT},
    )
    @action(detail=False, methods=["post"])
    def submit(self, request, *args, **kwargs):
        data = _decision(SoAApproveSerializer, request)
        statement = soa.soa_submit(actor=self.actor, soa=_statement(data["framework"]))
        return Response(SoAStatusSerializer(statement).data)

    @extend_schema(
        summary="What changed between two snapshots",
        parameters=[
            OpenApiParameter("from", OpenApiTypes.INT, required=True, description="Snapshot id"),
            OpenApiParameter("to", OpenApiTypes.INT, required=True, description="Snapshot id"),
        ],
        responses=SnapshotDiffSerializer,
    )
    @action(detail=False, methods=["get"])
    def diff(self, request, *args, **kwargs):
        old, new = _snapshot_pair(SoASnapshot.objects.all(), request)
        if old.soa_id != new.soa_id:
            raise DRFValidationError({"to": ["Compare snapshots of the same SoA."]})
        return Response(SnapshotDiffSerializer(selectors.snapshot_diff(old.rows, new.rows)).data)


@extend_schema_view(
    list=extend_schema(summary="Risk register and treatment plan snapshots (8.2, 8.3)"),
    create=extend_schema(
        summary="Take a snapshot of the register or the treatment plan, for approval",
        request=RiskSnapshotTakeSerializer,
        responses={201: RiskSnapshotSerializer},
    ),
)
class RiskSnapshotViewSet(
    TenantHistoryMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, TenantViewSet
):
    model = RiskSnapshot
    serializer_class = RiskSnapshotSerializer
    scope_map = {"GET": READ, "POST": WRITE}
    action_scopes = {"approve": APPROVE, "reject": APPROVE, "diff": READ}
    object_actions = {"approve": "approve", "reject": "reject"}
    filterset_class = RiskSnapshotFilterSet

    def get_base_queryset(self):
        return RiskSnapshot.objects.order_by("-taken_at", "-pk")

    def create(self, request, *args, **kwargs):
        data = _decision(RiskSnapshotTakeSerializer, request)
        snapshot = snapshots.snapshot_take(actor=self.actor, **data)
        return Response(self.get_serializer(snapshot).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        summary="Approve (risks:approve; never whoever took it); the PDF is then rendered",
        request=DecisionNoteSerializer,
        responses={200: RiskSnapshotSerializer, 403: OpenApiResponse(), 409: CONFLICT},
    )
    @action(detail=True, methods=["post"])
    def approve(self, request, *args, **kwargs):
        snapshot = self.get_object()
        note = _decision(DecisionNoteSerializer, request)["note"]
        snapshot = snapshots.snapshot_approve(actor=self.actor, snapshot=snapshot, note=note)
        return Response(self.get_serializer(snapshot).data)

    @extend_schema(
        summary="Reject, with a note saying why",
        request=DecisionNoteSerializer,
        responses={200: RiskSnapshotSerializer, 409: CONFLICT},
    )
    @action(detail=True, methods=["post"])
    def reject(self, request, *args, **kwargs):
        snapshot = self.get_object()
        note = _decision(DecisionNoteSerializer, request)["note"]
        snapshot = snapshots.snapshot_reject(actor=self.actor, snapshot=snapshot, note=note)
        return Response(self.get_serializer(snapshot).data)

    @extend_schema(
        summary="What changed between two snapshots of the same kind",
        parameters=[
            OpenApiParameter("from", OpenApiTypes.INT, required=True, description="Snapshot id"),
            OpenApiParameter("to", OpenApiTypes.INT, required=True, description="Snapshot id"),
        ],
        responses=SnapshotDiffSerializer,
    )
    @action(detail=False, methods=["get"])
    def diff(self, request, *args, **kwargs):
        old, new = _snapshot_pair(RiskSnapshot.objects.all(), request)
        if old.kind != new.kind:
            raise DRFValidationError({"to": ["Compare snapshots of the same kind."]})
        return Response(SnapshotDiffSerializer(snapshots.snapshot_diff(old, new)).data)


@extend_schema_view(
    list=extend_schema(
        summary="Compliance debt: AI assets in pilot or production without an approved "
        "AI change request, oldest first"
    )
)
class ComplianceDebtViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, TenantViewSet):
    model = Asset
    serializer_class = ComplianceDebtSerializer
    scope_map = {"GET": READ}

    def get_base_queryset(self):
        return selectors.compliance_debt()


@extend_schema_view(
    list=extend_schema(summary="EU AI Act obligations of the AI systems, for our role"),
    retrieve=extend_schema(summary="One EU AI Act obligation"),
)
class AIActObligationViewSet(
    TenantHistoryMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, TenantViewSet
):
    """Produced by approved impact assessments; marked done by the owner or an officer."""

    model = AIActObligation
    serializer_class = AIActObligationSerializer
    scope_map = {"GET": READ}
    action_scopes = {"complete": WRITE}
    object_actions = {"complete": "complete"}
    filterset_class = AIActObligationFilterSet

    def get_base_queryset(self):
        return AIActObligation.objects.select_related("asset")

    @extend_schema(
        summary="Mark it done (its owner or an officer)",
        request=None,
        responses={200: AIActObligationSerializer, 409: CONFLICT},
    )
    @action(detail=True, methods=["post"])
    def complete(self, request, *args, **kwargs):
        done = obligations.obligation_complete(actor=self.actor, obligation=self.get_object())
        return Response(self.get_serializer(done).data)


@extend_schema_view(
    list=extend_schema(summary="Fundamental-rights impact assessments (EU AI Act Art. 27)"),
    retrieve=extend_schema(summary="One FRIA with its Art. 27(1) parts"),
    partial_update=extend_schema(
        summary="Fill its parts; record the Art. 27(3) notification (authority, notified_on)"
    ),
)
class FundamentalRightsAssessmentViewSet(
    TenantHistoryMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.UpdateModelMixin,
    TenantViewSet,
):
    model = FundamentalRightsAssessment
    serializer_class = FundamentalRightsAssessmentSerializer
    scope_map = {"GET": READ, "PATCH": WRITE}
    action_scopes = {"complete": WRITE}
    object_actions = {"complete": "complete"}
    http_method_names = ["get", "post", "patch", "head", "options"]

    def get_base_queryset(self):
        return FundamentalRightsAssessment.objects.all()

    @extend_schema(
        summary="Complete it (every Art. 27(1) part filled)",
        request=None,
        responses={200: FundamentalRightsAssessmentSerializer, 409: CONFLICT},
    )
    @action(detail=True, methods=["post"])
    def complete(self, request, *args, **kwargs):
        done = fria.fria_complete(actor=self.actor, fria=self.get_object())
        return Response(self.get_serializer(done).data)
