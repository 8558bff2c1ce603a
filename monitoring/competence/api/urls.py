from isms.api.routers import org_router
from monitoring.competence.api import views

org_router.register(
    "competence-requirements",
    views.CompetenceRequirementViewSet,
    basename="competencerequirement",
)
org_router.register(
    "responsibility-assignments",
    views.ResponsibilityAssignmentViewSet,
    basename="responsibilityassignment",
)
org_router.register("training-records", views.TrainingRecordViewSet, basename="trainingrecord")
