"""The supplier API under /api/v1/orgs/<slug>/: flat routes, one service call per write."""

from __future__ import annotations

from django.db.models import Count
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, status
from rest_framework.decorators import action
from rest_framework.filters import OrderingFilter, SearchFilter
from rest_framework.parsers import MultiPartParser
from rest_framework.response import Response

from isms.api.parsers import JSONParser
from isms.api.viewsets import TenantHistoryMixin, TenantModelViewSet, TenantViewSet
from suppliers import filters, selectors
from suppliers.api import serializers as s
from suppliers.models import (
    AssessmentFile,
    Question,
    QuestionSet,
    Supplier,
    SupplierAnswer,
    SupplierAssessment,
    SupplierCertification,
    SupplierContact,
    SupplierContractClause,
    SupplierPortalLink,
)
from suppliers.services import assessments, portal, question_sets, register

READ = {"GET": ["suppliers:read"]}
RW = {
    "GET": ["suppliers:read"],
    "POST": ["suppliers:write"],
    "PATCH": ["suppliers:write"],
    "DELETE": ["suppliers:write"],
}


class SupplierOrderingFilter(OrderingFilter):
    """`?ordering=` over the public names in filters.SUPPLIER_ORDERING (shared with the UI)."""

    def get_valid_fields(self, queryset, view, context=None):
        return [(name, name) for name in filters.SUPPLIER_ORDERING]

    def filter_queryset(self, request, queryset, view):
        ordering = self.get_ordering(request, queryset, view)
        if not ordering:
            return queryset
        mapped = [
            ("-" if o.startswith("-") else "") + filters.SUPPLIER_ORDERING[o.lstrip("-")]
            for o in ordering
        ]
        return queryset.order_by(*mapped, "pk")


@extend_schema_view(
    list=extend_schema(summary="Suppliers, with filters for AI, criticality, rating and expiry"),
    create=extend_schema(summary="Add a supplier (its contract-clause checklist comes with it)"),
)
class SupplierViewSet(TenantModelViewSet):
    model = Supplier
    serializer_class = s.SupplierSerializer
    scope_map = RW
    filterset_class = filters.SupplierFilterSet
    filter_backends = [DjangoFilterBackend, SearchFilter, SupplierOrderingFilter]
    search_fields = ["name", "website", "provides"]
    ordering_fields = list(filters.SUPPLIER_ORDERING)
    ordering = ["name"]

    def get_base_queryset(self):
        return selectors.suppliers_list().prefetch_related(selectors.contacts_prefetch())

    def perform_destroy(self, instance):
        register.supplier_delete(actor=self.actor, supplier=instance)


class SupplierContactViewSet(TenantModelViewSet):
    model = SupplierContact
    serializer_class = s.SupplierContactSerializer
    scope_map = RW
    filterset_class = filters.SupplierContactFilterSet
    ordering_fields = ["name"]

    def get_base_queryset(self):
        return SupplierContact.objects.select_related("supplier")

    def perform_destroy(self, instance):
        register.contact_delete(actor=self.actor, contact=instance)


class SupplierCertificationViewSet(TenantModelViewSet):
    model = SupplierCertification
    serializer_class = s.SupplierCertificationSerializer
    scope_map = RW
    filterset_class = filters.SupplierCertificationFilterSet
    ordering_fields = ["valid_until", "type"]
    parser_classes = [JSONParser, MultiPartParser]

    def get_base_queryset(self):
        return SupplierCertification.objects.select_related("supplier")

    def perform_destroy(self, instance):
        register.certification_delete(actor=self.actor, certification=instance)


class SupplierContractClauseViewSet(
    TenantHistoryMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.UpdateModelMixin,
    TenantViewSet,
):
    """The fixed checklist of clauses per supplier: read and update, never create or delete."""

    model = SupplierContractClause
    serializer_class = s.SupplierContractClauseSerializer
    scope_map = {"GET": ["suppliers:read"], "PATCH": ["suppliers:write"]}
    filterset_class = filters.SupplierContractClauseFilterSet
    http_method_names = ["get", "patch", "head", "options"]

    def get_base_queryset(self):
        return SupplierContractClause.objects.select_related("supplier")


@extend_schema_view(
    retrieve=extend_schema(responses=s.QuestionSetDetailSerializer),
)
class QuestionSetViewSet(
    TenantHistoryMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    TenantViewSet,
):
    """Versioned questionnaire templates: published versions are immutable."""

    model = QuestionSet
    serializer_class = s.QuestionSetSerializer
    scope_map = {"GET": ["suppliers:read"], "POST": ["suppliers:write"]}
    # Publishing needs suppliers:approve too; the service checks it once the object is found,
    # so another organisation's id is a 404 for every caller, never a scope error.
    action_scopes = {"new_version": ["suppliers:write"], "publish": ["suppliers:write"]}
    object_actions = {"new_version": "new_version", "publish": "publish"}
    filterset_class = filters.QuestionSetFilterSet
    ordering_fields = ["name", "version"]

    def get_base_queryset(self):
        queryset = QuestionSet.objects.annotate(question_count=Count("questions")).order_by(
            "name", "-version"
        )
        if self.action == "retrieve":
            queryset = queryset.prefetch_related("questions")
        return queryset

    def get_serializer_class(self):
        if self.action == "retrieve":
            return s.QuestionSetDetailSerializer
        return s.QuestionSetSerializer

    @extend_schema(request=None, responses={201: s.QuestionSetSerializer})
    @action(detail=True, methods=["post"], url_path="new-version")
    def new_version(self, request, *args, **kwargs):
        copy = question_sets.question_set_new_version(actor=self.actor, source=self.get_object())
        copy.question_count = copy.questions.count()
        return Response(s.QuestionSetSerializer(copy).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=None, responses=s.QuestionSetSerializer)
    @action(detail=True, methods=["post"])
    def publish(self, request, *args, **kwargs):
        published = question_sets.question_set_publish(
            actor=self.actor, question_set=self.get_object()
        )
        published.question_count = published.questions.count()
        return Response(s.QuestionSetSerializer(published).data)


class QuestionViewSet(TenantModelViewSet):
    """Questions of a set; only a draft set's questions can change."""

    model = Question
    serializer_class = s.QuestionSerializer
    scope_map = RW
    filterset_class = filters.QuestionFilterSet
    ordering_fields = ["order"]

    def get_base_queryset(self):
        return Question.objects.select_related("question_set")

    def perform_destroy(self, instance):
        question_sets.question_delete(actor=self.actor, question=instance)


TRANSITION_ACTIONS = {
    "send": lambda actor, a, note: assessments.assessment_send(actor=actor, assessment=a),
    "submit": lambda actor, a, note: assessments.assessment_submit(actor=actor, assessment=a),
    "start_review": lambda actor, a, note: assessments.assessment_start_review(
        actor=actor, assessment=a
    ),
    "return_to_supplier": lambda actor, a, note: assessments.assessment_return(
        actor=actor, assessment=a, note=note
    ),
    "approve": lambda actor, a, note: assessments.assessment_approve(
        actor=actor, assessment=a, note=note
    ),
    "reject": lambda actor, a, note: assessments.assessment_reject(
        actor=actor, assessment=a, note=note
    ),
}


def _transition_action(name: str, path: str, summary: str):
    def run(self, request, *args, **kwargs):
        assessment = self.get_object()  # 404 first, then can_change, then the body
        note_serializer = s.TransitionNoteSerializer(data=request.data)
        note_serializer.is_valid(raise_exception=True)
        TRANSITION_ACTIONS[name](self.actor, assessment, note_serializer.validated_data["note"])
        fresh = self.get_base_queryset().get(pk=assessment.pk)
        return Response(
            s.SupplierAssessmentDetailSerializer(fresh, context=self.get_serializer_context()).data
        )

    run.__name__ = name  # DRF maps the HTTP method to the action by this name
    run = action(detail=True, methods=["post"], url_path=path, url_name=path)(run)
    return extend_schema(
        summary=summary,
        request=s.TransitionNoteSerializer,
        responses=s.SupplierAssessmentDetailSerializer,
    )(run)


@extend_schema_view(retrieve=extend_schema(responses=s.SupplierAssessmentDetailSerializer))
class SupplierAssessmentViewSet(TenantModelViewSet):
    """Assessments; status changes only through the workflow actions below."""

    model = SupplierAssessment
    serializer_class = s.SupplierAssessmentSerializer
    scope_map = RW
    # Every transition needs suppliers:write to reach the object; approve and reject also
    # need suppliers:approve, which the service checks (a 403 only once the object exists).
    action_scopes = {name: ["suppliers:write"] for name in assessments.TRANSITIONS}
    # Each workflow action is checked against its own policy rule (approve and reject:
    # the approve scope and segregation of duties) once the object is found.
    object_actions = {t.name: t.policy_action for t in assessments.ASSESSMENT_WORKFLOW.transitions}
    filterset_class = filters.SupplierAssessmentFilterSet
    ordering_fields = ["created", "submitted_at", "score"]

    def get_base_queryset(self):
        queryset = selectors.assessments_list()
        if self.action not in {"list", "create"}:
            queryset = queryset.prefetch_related("transitions")
        return queryset

    def get_serializer_class(self):
        if self.action == "retrieve":
            return s.SupplierAssessmentDetailSerializer
        return s.SupplierAssessmentSerializer

    def perform_destroy(self, instance):
        assessments.assessment_delete(actor=self.actor, assessment=instance)

    send = _transition_action("send", "send", "Send to the supplier (draft → sent)")
    submit = _transition_action("submit", "submit", "Submit answers filled in by an officer")
    start_review = _transition_action("start_review", "start-review", "Start the review")
    return_to_supplier = _transition_action(
        "return_to_supplier", "return-to-supplier", "Return to the supplier with a note"
    )
    approve = _transition_action("approve", "approve", "Approve: sets rating and reassessment")
    reject = _transition_action("reject", "reject", "Reject, with the reason in `note`")


class CommentCreateSerializer(s.serializers.Serializer):
    text = s.serializers.CharField()


class SupplierAnswerViewSet(
    TenantHistoryMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.UpdateModelMixin,
    TenantViewSet,
):
    """Answers exist from the assessment's creation; officers fill them in with PATCH."""

    model = SupplierAnswer
    serializer_class = s.SupplierAnswerSerializer
    scope_map = {"GET": ["suppliers:read"], "PATCH": ["suppliers:write"]}
    action_scopes = {"comments": ["suppliers:write"]}
    object_actions = {"comments": "comment"}
    filterset_class = filters.SupplierAnswerFilterSet
    http_method_names = ["get", "patch", "post", "head", "options"]

    def get_base_queryset(self):
        return SupplierAnswer.objects.select_related(
            "question", "assessment__supplier"
        ).prefetch_related("comments__author")

    @extend_schema(
        summary="Add a reviewer's comment to this answer",
        request=CommentCreateSerializer,
        responses={201: s.AnswerCommentSerializer},
    )
    @action(detail=True, methods=["post"])
    def comments(self, request, *args, **kwargs):
        answer = self.get_object()
        body = CommentCreateSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        comment = assessments.answer_comment_add(
            actor=self.actor, answer=answer, text=body.validated_data["text"]
        )
        return Response(s.AnswerCommentSerializer(comment).data, status=status.HTTP_201_CREATED)


class AssessmentFileViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, TenantViewSet):
    model = AssessmentFile
    serializer_class = s.AssessmentFileSerializer
    scope_map = READ
    filterset_class = filters.AssessmentFileFilterSet


@extend_schema_view(
    create=extend_schema(
        summary="Issue a link for the supplier (the token is shown only in this response)",
        responses={201: s.IssuedPortalLinkSerializer},
    )
)
class SupplierPortalLinkViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    TenantViewSet,
):
    model = SupplierPortalLink
    serializer_class = s.SupplierPortalLinkSerializer
    scope_map = {"GET": ["suppliers:read"], "POST": ["suppliers:write"]}
    action_scopes = {"revoke": ["suppliers:write"]}
    filterset_class = filters.SupplierPortalLinkFilterSet

    def get_base_queryset(self):
        return SupplierPortalLink.objects.select_related("assessment__supplier")

    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        link = serializer.save()
        data = dict(
            s.SupplierPortalLinkSerializer(link, context=self.get_serializer_context()).data
        )
        data["token"] = serializer.issued_token
        data["url"] = request.build_absolute_uri(f"/supplier-portal/{serializer.issued_token}/")
        return Response(data, status=status.HTTP_201_CREATED)

    @extend_schema(request=None, responses=s.SupplierPortalLinkSerializer)
    @action(detail=True, methods=["post"])
    def revoke(self, request, *args, **kwargs):
        link = self.get_object()
        portal.portal_link_revoke(actor=self.actor, link=link)
        return Response(
            s.SupplierPortalLinkSerializer(link, context=self.get_serializer_context()).data
        )
