from django.apps import AppConfig
from django.conf import settings

# Named OpenAPI enums for this app's choice sets: several models have a "status" or share
# the low/medium/high/critical scale, and drf-spectacular warns on unnamed collisions.
# Added here (like home figures) so isms need not know the feature apps' vocabularies.
ENUM_NAMES = {
    "SupplierStatusEnum": "suppliers.models.Supplier.Status",
    "RiskLevelEnum": "suppliers.models.Rating",
    "ContractClauseStatusEnum": "suppliers.models.SupplierContractClause.Status",
    "QuestionSetStatusEnum": "suppliers.models.QuestionSet.Status",
    "AssessmentStatusEnum": "suppliers.models.SupplierAssessment.Status",
    "CertificationTypeEnum": "suppliers.models.SupplierCertification.Type",
    "QuestionGroupEnum": "suppliers.models.Question.Group",
    "AnswerChoiceEnum": "suppliers.models.SupplierAnswer.Choice",
}


class SuppliersConfig(AppConfig):
    name = "suppliers"

    def ready(self) -> None:
        overrides = settings.SPECTACULAR_SETTINGS.setdefault("ENUM_NAME_OVERRIDES", {})
        for name, path in ENUM_NAMES.items():
            overrides.setdefault(name, path)
        from isms import home
        from suppliers.home import supplier_figures

        home.register(supplier_figures)
