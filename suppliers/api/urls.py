"""Register this app's viewsets on isms.api.routers.org_router."""

from isms.api.routers import org_router
from suppliers.api import views

org_router.register("suppliers", views.SupplierViewSet, basename="supplier")
org_router.register("supplier-contacts", views.SupplierContactViewSet, basename="suppliercontact")
org_router.register(
    "supplier-certifications", views.SupplierCertificationViewSet, basename="suppliercertification"
)
org_router.register(
    "supplier-contract-clauses",
    views.SupplierContractClauseViewSet,
    basename="suppliercontractclause",
)
org_router.register("question-sets", views.QuestionSetViewSet, basename="questionset")
org_router.register("supplier-questions", views.QuestionViewSet, basename="question")
org_router.register(
    "supplier-assessments", views.SupplierAssessmentViewSet, basename="supplierassessment"
)
org_router.register("supplier-answers", views.SupplierAnswerViewSet, basename="supplieranswer")
org_router.register(
    "supplier-assessment-files", views.AssessmentFileViewSet, basename="assessmentfile"
)
org_router.register(
    "supplier-portal-links", views.SupplierPortalLinkViewSet, basename="supplierportallink"
)
