"""Django settings for Guardrail.

Every setting that differs between machines comes from an environment variable; the README
lists them all. `DATABASE_URL` names the *owner* connection (migrations); the web, API and
worker processes connect to the same database as `DATABASE_APP_USER`, a role that is neither
superuser, owner nor BYPASSRLS, so PostgreSQL row-level security applies to them.
"""

import os
from pathlib import Path
from urllib.parse import quote

import dj_database_url
from celery.schedules import crontab
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent


def env(name: str, default: str | None = None) -> str | None:
    value = os.environ.get(name)
    return value if value not in (None, "") else default


def env_bool(name: str, default: bool = False) -> bool:
    return (env(name, "1" if default else "0") or "").lower() in {"1", "true", "yes", "on"}


DEBUG = env_bool("DEBUG", False)
# A deployment behind HTTPS sets GUARDRAIL_PRODUCTION=1: DEBUG must be off, the secret comes
# from the environment, and the HTTPS settings below default on (`check --deploy` is clean).
PRODUCTION = env_bool("GUARDRAIL_PRODUCTION", False)
if PRODUCTION and DEBUG:
    raise ImproperlyConfigured("GUARDRAIL_PRODUCTION=1 with DEBUG on: turn DEBUG off.")
if PRODUCTION and not env("SECRET_KEY"):
    raise ImproperlyConfigured("GUARDRAIL_PRODUCTION=1 needs SECRET_KEY from the environment.")
VAR_DIR = Path(env("GUARDRAIL_VAR", str(BASE_DIR / "var")))
# `make run` / `make test` generate a key into var/; a deployment sets SECRET_KEY.
SECRET_KEY = env("SECRET_KEY") or (
    (VAR_DIR / "secret_key").read_text().strip() if (VAR_DIR / "secret_key").exists() else None
)
if not SECRET_KEY:
    raise ImproperlyConfigured(
        "SECRET_KEY is not set. `make run` / `make test` generate one under var/."
    )
ALLOWED_HOSTS = [h.strip() for h in (env("ALLOWED_HOSTS", "localhost,127.0.0.1")).split(",")]
CSRF_TRUSTED_ORIGINS = [
    o.strip() for o in (env("CSRF_TRUSTED_ORIGINS", "") or "").split(",") if o.strip()
]
# The address links in e-mails (invitations, reminder digests) start with: by default the one
# `make run` serves (its PORT).
BASE_URL = env("GUARDRAIL_BASE_URL", f"http://127.0.0.1:{env('PORT', '8000')}")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.postgres",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "guardian",
    "django_htmx",
    "isms.apps.IsmsConfig",
    "suppliers",
    "assets",
    "risks",
    "policies",
    "monitoring",
    "monitoring.incidents",
    "monitoring.improvement",
    "monitoring.audits",
    "monitoring.management",
    "monitoring.context",
    "monitoring.checks",
    # Last among the registers: the reviews demo runs the first reminder sweep over them all.
    "monitoring.inbox",
    "monitoring.reviews",
]  # `bench` (seed_bench, the ceiling views) is installed by bench.settings only

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "isms.middleware.RequestIdMiddleware",
    "isms.middleware.QueryStringMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "isms.middleware.TenantMiddleware",
]

ROOT_URLCONF = "isms.urls"
WSGI_APPLICATION = "isms.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "isms.context_processors.tenant",
                "monitoring.inbox.context_processors.inbox",
            ],
        },
    },
]

# --- Database -------------------------------------------------------------------------------
# Without DATABASE_URL: the embedded server `make run` starts (its socket lives in var/), so
# `manage.py` works beside a running `make run`.
_database_url = env("DATABASE_URL") or (
    "postgres://postgres@" + quote(str(VAR_DIR / "postgres"), safe="") + "/guardrail"
)
DATABASE_APP_USER = env("DATABASE_APP_USER", "guardrail_app")
DATABASE_APP_PASSWORD = env("DATABASE_APP_PASSWORD", "")

_owner = dj_database_url.parse(_database_url, conn_max_age=0)
_owner["TEST"] = {"NAME": env("DATABASE_TEST_NAME", f"test_{_owner['NAME']}")}
_app = {
    **_owner,
    "USER": DATABASE_APP_USER,
    "PASSWORD": DATABASE_APP_PASSWORD,
    "CONN_MAX_AGE": int(env("DATABASE_CONN_MAX_AGE", "60")),
    "CONN_HEALTH_CHECKS": True,
}
DATABASES = {"default": _app, "owner": _owner}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Redis, Celery, cache -----------------------------------------------------------------
REDIS_URL = env("REDIS_URL", "redis://127.0.0.1:6379/0")
CELERY_BROKER_URL = REDIS_URL
CELERY_RESULT_BACKEND = REDIS_URL
CELERY_TASK_ACKS_LATE = True
# A message a dead worker took (late acknowledgement) is redelivered after this many seconds;
# it must exceed the longest task. Tests lower it to see a killed worker's task come back.
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": int(env("CELERY_VISIBILITY_TIMEOUT", "3600")),
    **(
        {"unacked_restore_interval": 1, "unacked_restore_throttle": 1}
        if env("CELERY_VISIBILITY_TIMEOUT")
        else {}
    ),
}
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TIMEZONE = "UTC"
# The few global sweeps; each fans out one task per organisation (isms.celery.sweep).
CELERY_BEAT_SCHEDULE = {
    "risks.sweep_expired_acceptances": {
        "task": "risks.sweep_expired_acceptances",
        "schedule": crontab(hour=2, minute=10),
    },
    # Reminders, escalations and the e-mail digest (monitoring.inbox); hourly, so a
    # restarted worker or a missed run catches up the same day. Each reminder is sent once.
    "monitoring.inbox.sweep_reminders": {
        "task": "monitoring.inbox.sweep_reminders",
        "schedule": crontab(minute=17),
    },
    # New objects of the registers get their review schedule (monitoring.reviews).
    "monitoring.reviews.sweep_schedules": {
        "task": "monitoring.reviews.sweep_schedules",
        "schedule": crontab(hour=1, minute=40),
    },
    "monitoring.checks.sweep": {
        "task": "monitoring.checks.sweep",
        "schedule": crontab(minute=20),  # hourly: a fix turns green within the hour
    },
}
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": REDIS_URL,
        "KEY_PREFIX": "guardrail",
    }
}

# --- Auth -----------------------------------------------------------------------------------
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "guardian.backends.ObjectPermissionBackend",
]
ANONYMOUS_USER_NAME = None  # guardian: no anonymous object permissions
GUARDIAN_RAISE_403 = False
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"
PASSWORD_RESET_TIMEOUT = 60 * 60 * 24
INVITATION_VALID_DAYS = int(env("INVITATION_VALID_DAYS", "7"))
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# Log-in lock-out and reset throttling (isms.lockout): failures per account name and per
# address within the window; past it, log-in pauses for the rest of the window.
LOGIN_FAILURES_PER_ACCOUNT = int(env("LOGIN_FAILURES_PER_ACCOUNT", "5"))
LOGIN_FAILURES_PER_ADDRESS = int(env("LOGIN_FAILURES_PER_ADDRESS", "30"))
LOGIN_LOCK_SECONDS = int(env("LOGIN_LOCK_SECONDS", str(15 * 60)))
PASSWORD_RESETS_PER_HOUR = int(env("PASSWORD_RESETS_PER_HOUR", "3"))
# API rate limits (isms.api.throttles), DRF's "N/period" form; empty turns a limit off.
API_RATE_PER_KEY = env("API_RATE_PER_KEY", "1200/min")
API_RATE_PER_USER = env("API_RATE_PER_USER", "600/min")
# A session lasts a working day from log-in; then the person logs in again.
SESSION_COOKIE_AGE = int(env("SESSION_COOKIE_AGE", str(8 * 60 * 60)))
SESSION_SAVE_EVERY_REQUEST = False
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = env_bool("SECURE_COOKIES", PRODUCTION)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE

# --- HTTPS (on with GUARDRAIL_PRODUCTION; TLS ends at a proxy that sets X-Forwarded-Proto) ----
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", PRODUCTION)
# The probes answer over plain HTTP inside the network (docker compose, kubelet).
SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$"]
if env_bool("SECURE_PROXY_SSL_HEADER", PRODUCTION):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_HSTS_SECONDS = int(env("SECURE_HSTS_SECONDS", "31536000" if PRODUCTION else "0"))
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", PRODUCTION)
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", PRODUCTION)

# --- Email ----------------------------------------------------------------------------------
EMAIL_HOST = env("EMAIL_HOST", "")
EMAIL_PORT = int(env("EMAIL_PORT", "25"))
EMAIL_BACKEND = (
    "django.core.mail.backends.smtp.EmailBackend"
    if EMAIL_HOST
    else "django.core.mail.backends.console.EmailBackend"
)
# EMAIL_FILE_PATH=var/mail writes each reminder digest to a file instead of the console.
if not EMAIL_HOST and env("EMAIL_FILE_PATH", ""):
    EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
    EMAIL_FILE_PATH = env("EMAIL_FILE_PATH", "")
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", "guardrail@localhost")

# --- Static and media -----------------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = Path(env("STATIC_ROOT", str(BASE_DIR / "var" / "static")))
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True
MEDIA_ROOT = Path(env("MEDIA_ROOT", str(BASE_DIR / "var" / "media")))
MEDIA_URL = "/media/"
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024
# The largest file isms.uploads accepts (evidence, certificates, policy documents).
GUARDRAIL_UPLOAD_MAX_BYTES = int(env("GUARDRAIL_UPLOAD_MAX_BYTES", str(10 * 1024 * 1024)))

LANGUAGE_CODE = "en-gb"
# ISO 8601 first among input formats, so HTML date inputs show and keep saved values.
FORMAT_MODULE_PATH = ["isms.formats"]
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

# --- API ------------------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "isms.api.authentication.TenantActorAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["isms.api.permissions.ScopePermission"],
    "DEFAULT_THROTTLE_CLASSES": ["isms.api.throttles.ActorRateThrottle"],
    # JSON only, through isms.api.parsers (a nesting limit): the browser UI has its own forms,
    # and a body declared under several content types breaks generated clients. Views that
    # take a file add multipart themselves.
    "DEFAULT_PARSER_CLASSES": ["isms.api.parsers.JSONParser"],
    "DEFAULT_PAGINATION_CLASS": "isms.api.pagination.PageNumberPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_FILTER_BACKENDS": [
        "django_filters.rest_framework.DjangoFilterBackend",
        "rest_framework.filters.SearchFilter",
        "rest_framework.filters.OrderingFilter",
    ],
    "DEFAULT_SCHEMA_CLASS": "isms.api.schema.AutoSchema",
    "EXCEPTION_HANDLER": "isms.api.errors.exception_handler",
    "UNAUTHENTICATED_USER": None,
    # Tests send what integrators send: JSON (uploads name format="multipart").
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Guardrail API",
    "DESCRIPTION": (
        "Govern AI inside an ISO 27001 ISMS. Every path is scoped to one organisation: "
        "`/api/v1/orgs/{org_slug}/…`. Authenticate with an API key "
        "(`Authorization: Bearer gr_…`) or a browser session."
    ),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "isms.api.schema.add_errors_and_tags",
    ],
    # One name per choice set that shares a field name ("status", "kind") with another.
    "ENUM_NAME_OVERRIDES": {
        "ControlTestResultEnum": "monitoring.checks.models.TestResult",
        "PushedControlResultEnum": "monitoring.checks.models.PUSHED_RESULTS",
        "SupplierStatusEnum": "suppliers.models.Supplier.Status",
        "RiskLevelEnum": "suppliers.models.Rating",
        "ContractClauseStatusEnum": "suppliers.models.SupplierContractClause.Status",
        "QuestionSetStatusEnum": "suppliers.models.QuestionSet.Status",
        "AssessmentStatusEnum": "suppliers.models.SupplierAssessment.Status",
        "CertificationTypeEnum": "suppliers.models.SupplierCertification.Type",
        "QuestionGroupEnum": "suppliers.models.Question.Group",
        "AnswerChoiceEnum": "suppliers.models.SupplierAnswer.Choice",
        "DependencyKindEnum": "assets.models.DependencyKind",
        "EvaluationKindEnum": "assets.models.EvaluationKind",
        "PolicyKindEnum": "policies.models.PolicyKind",
        "HarmLevelEnum": "risks.models.change.HarmLevel",
        "HarmToEnum": "risks.models.change.HarmTo",
        "RiskSnapshotKindEnum": "risks.models.snapshots.RiskSnapshot.Kind",
        "IncidentStatusEnum": "monitoring.incidents.models.Status",
        "NonconformityStatusEnum": "monitoring.improvement.models.NCStatus",
        "CorrectiveActionStatusEnum": "monitoring.improvement.models.ActionStatus",
        "ImprovementStatusEnum": "monitoring.improvement.models.ImprovementStatus",
        "AuditStatusEnum": "monitoring.audits.models.AuditStatus",
        "ManagementReviewStatusEnum": "monitoring.management.models.ReviewStatus",
    },
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"refusals_on_one_line": {"()": "isms.log_filters.RefusalsOnOneLine"}},
    "handlers": {
        "console": {"class": "logging.StreamHandler", "filters": ["refusals_on_one_line"]}
    },
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", "INFO")},
}
