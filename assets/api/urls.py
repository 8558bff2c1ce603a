"""Register this app's viewsets on isms.api.routers.org_router."""

from isms.api.routers import org_router

from .views import AssetDependencyViewSet, AssetViewSet, EvaluationViewSet, ShadowAIReportViewSet

org_router.register("assets", AssetViewSet, basename="asset")
org_router.register("asset-dependencies", AssetDependencyViewSet, basename="assetdependency")
org_router.register("asset-evaluations", EvaluationViewSet, basename="assetevaluation")
org_router.register("shadow-ai-reports", ShadowAIReportViewSet, basename="shadowaireport")
