"""The bench tests run with bench.settings' app list: `bench` is installed there only."""

import pytest
from django.test import override_settings

import bench.settings as bench_settings


@pytest.fixture(autouse=True)
def _bench_settings():
    with override_settings(INSTALLED_APPS=bench_settings.INSTALLED_APPS):
        yield
