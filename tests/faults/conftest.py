"""Fixtures of the fault tests: the environment of the processes they start, and a logged-in
browser session usable from `requests`."""

from __future__ import annotations

import os

import pytest
import requests
from django.conf import settings
from django.test import Client

from tests.conftest import _url_with_name


@pytest.fixture
def process_env(tmp_path):
    """process_env(**overrides) -> the environment of a web or worker process on the test
    database (committed rows: use with django_db(transaction=True))."""
    test_db = settings.DATABASES["default"]["NAME"]
    media = settings.MEDIA_ROOT

    def make(**overrides) -> dict:
        return {
            **os.environ,
            "DATABASE_URL": _url_with_name(os.environ["DATABASE_URL"], test_db),
            "DATABASE_APP_USER": settings.DATABASES["default"]["USER"],
            "MEDIA_ROOT": str(media),
            "EMAIL_FILE_PATH": str(tmp_path / "mail"),
            "EMAIL_HOST": "",
            "DEBUG": "0",
            **overrides,
        }

    (tmp_path / "mail").mkdir(exist_ok=True)
    return make


@pytest.fixture
def browser_session():
    """browser_session(user) -> a requests.Session carrying that user's session cookie (the
    session row is in the test database, which the started web process reads)."""

    def make(user) -> requests.Session:
        client = Client()
        client.force_login(user)
        session = requests.Session()
        session.cookies.set(
            settings.SESSION_COOKIE_NAME, client.cookies[settings.SESSION_COOKIE_NAME].value
        )
        return session

    return make
