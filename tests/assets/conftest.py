import pytest

from isms.access import Actor
from isms.models import Membership


@pytest.fixture
def actor_for():
    """actor_for(user, org) -> the Actor of that user's membership."""

    def make(user, organization):
        membership = Membership.objects.select_related("organization", "user").get(
            user=user, organization=organization
        )
        return Actor.for_membership(membership)

    return make
