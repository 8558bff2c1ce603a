"""The WSGI entry point leaves the long-lived objects out of the garbage collector's walks."""

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

PROBE = """
import gc, json, sys
import isms.wsgi
print(json.dumps({
    "frozen": gc.get_freeze_count(),
    "tracked": len(gc.get_objects()),
    "views_loaded": "risks.api.views" in sys.modules and "monitoring.usage.api" in sys.modules,
}))
"""


def test_the_loaded_application_is_frozen_out_of_full_collections():
    """A full collection walked every module, class and URL pattern of the application
    (227 ms measured on bench-large): gunicorn's worker loads them all, then freezes them."""
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "isms.settings"}
    result = subprocess.run(
        [sys.executable, "-c", PROBE],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    figures = json.loads(result.stdout.strip().splitlines()[-1])
    assert figures["views_loaded"], "the URLconf was not loaded before the freeze"
    assert figures["frozen"] > 100_000
    # What a full collection still walks: what was made after the freeze.
    assert figures["tracked"] < figures["frozen"] / 10
