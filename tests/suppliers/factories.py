import factory

from suppliers.models import Supplier
from tests.factories import MembershipFactory, object_factory


class SupplierFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Supplier

    name = factory.Sequence(lambda n: f"Supplier {n}")
    website = "https://vendor.example"
    provides = "A hosted AI assistant"
    ai_services = factory.LazyFunction(lambda: [Supplier.AIService.AI_API])
    criticality = Supplier.Criticality.HIGH
    status = Supplier.Status.ACTIVE


@object_factory(Supplier)
def make_supplier(organization):
    owner = MembershipFactory(organization=organization).user
    return SupplierFactory(organization=organization, owner=owner)
