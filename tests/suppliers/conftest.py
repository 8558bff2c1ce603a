import pytest


@pytest.fixture(autouse=True)
def _generous_rate_limits(settings):
    """The portal's rate limit is tested on its own; elsewhere it must not interfere."""
    settings.SUPPLIER_PORTAL_RATE_LIMIT = {"per_token": 10_000, "per_ip": 10_000, "window": 60}
