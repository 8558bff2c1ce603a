"""A real Celery worker process on the test database, listening to the default queue (this
test run's own Redis database), with the test's media folder, for pack journeys."""

from __future__ import annotations

import os
import subprocess
import sys

from django.conf import settings

from tests.conftest import _url_with_name


def start_worker(media_root) -> subprocess.Popen:
    test_db = settings.DATABASES["default"]["NAME"]
    env = {
        **os.environ,
        "DATABASE_URL": _url_with_name(os.environ["DATABASE_URL"], test_db),
        "DATABASE_APP_USER": settings.DATABASES["default"]["USER"],
        "MEDIA_ROOT": str(media_root),
    }
    return subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "isms", "worker", "--pool", "solo",
         "-l", "warning", "--without-heartbeat", "--without-mingle", "--without-gossip"],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
