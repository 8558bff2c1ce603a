import pytest


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path):
    """Uploaded documents go to a temporary folder, never var/media."""
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    """Factory users hash "pw-test-123!"; a fast hasher keeps these tests quick."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def short_lived_connections(monkeypatch):
    """The live server answers each request in a new thread; with CONN_MAX_AGE > 0 those
    threads leave PostgreSQL connections open and the test database cannot be dropped at
    the end of the session. Close them after each request instead."""
    from django.db import connections

    for alias in connections:
        monkeypatch.setitem(connections[alias].settings_dict, "CONN_MAX_AGE", 0)
