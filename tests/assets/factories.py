import factory

from assets.models import (
    Asset,
    AssetDependency,
    AssetType,
    AssetUserObjectPermission,
    Classification,
    EvaluationKind,
    Lifecycle,
    ResponsibleAIEvaluation,
)
from isms import permissions
from tests.factories import MembershipFactory, object_factory


class AssetFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Asset

    name = factory.Sequence(lambda n: f"Asset {n:05d}")
    description = "Something we run"
    asset_type = AssetType.AI_SAAS_TOOL
    classification = Classification.INTERNAL
    lifecycle = Lifecycle.PILOT
    data_categories = factory.LazyFunction(lambda: ["personal"])


@object_factory(Asset)
def make_asset(organization):
    owner = MembershipFactory(organization=organization, role="contributor").user
    return AssetFactory(organization=organization, owner=owner)


@object_factory(AssetDependency)
def make_dependency(organization):
    a = make_asset(organization)
    b = make_asset(organization)
    return AssetDependency.objects.create(asset=a, depends_on=b, kind="uses")


@object_factory(ResponsibleAIEvaluation)
def make_evaluation(organization):
    import datetime

    return ResponsibleAIEvaluation.objects.create(
        asset=make_asset(organization),
        kind=EvaluationKind.BIAS,
        performed_on=datetime.date(2025, 1, 10),
        method="Demographic parity on the holdout set",
        result="Gap 0.02",
        passed=True,
    )


@object_factory(AssetUserObjectPermission)
def make_asset_grant(organization):
    asset = make_asset(organization)
    permissions.grant(asset.owner, "change_asset", asset)
    return AssetUserObjectPermission.objects.get(content_object=asset)
