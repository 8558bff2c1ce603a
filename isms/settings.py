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
# Earlier keys, comma-separated: sessions, signed links and the secrets kept at rest
# (isms.secrets_at_rest) made with them stay valid while SECRET_KEY is rotated.
SECRET_KEY_FALLBACKS = [
    k.strip() for k in (env("SECRET_KEY_FALLBACKS", "") or "").split(",") if k.strip()
]
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
    "django_otp",
    "django_otp.plugins.otp_totp",
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
    "monitoring.competence",
    "monitoring.checks",
    "monitoring.engagements",
    "monitoring.usage",
    # Last among the registers: the reviews demo runs the first reminder sweep over them all.
    "monitoring.inbox",
    "monitoring.reviews",
    "monitoring.packs",
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
    "csp.middleware.CSPMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    # A database that cannot be reached answers 503, not 500 (its process_exception runs
    # after TenantMiddleware's, which translates races to 409 first).
    "isms.middleware.DatabaseUnavailableMiddleware",
    "isms.middleware.TenantMiddleware",
    # Inside the tenant transaction: a stored answer commits with what the request changed.
    "isms.idempotency.IdempotencyMiddleware",
    # Inside the tenant context TenantMiddleware opens: records every auditor request.
    "monitoring.engagements.middleware.AuditorAccessMiddleware",
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
    # Work stored in the task outbox while Redis was down goes out within a minute of its
    # return (isms.outbox; a starting worker relays as well).
    "isms.outbox.relay": {"task": "isms.outbox.relay", "schedule": 60.0},
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
    # AI usage evidence: counts move from Redis to PostgreSQL every minute; denials older
    # than 90 days are purged nightly (monitoring.usage).
    "monitoring.usage.flush_tallies": {
        "task": "monitoring.usage.flush_tallies",
        "schedule": crontab(),
    },
    "monitoring.usage.purge_denials": {
        "task": "monitoring.usage.purge_denials",
        "schedule": crontab(hour=3, minute=5),
    },
    "monitoring.checks.sweep": {
        "task": "monitoring.checks.sweep",
        "schedule": crontab(minute=20),  # hourly: a fix turns green within the hour
    },
    # Webhook deliveries that are due and were not sent (their message lost with Redis, a
    # retry whose countdown was dropped): every minute (isms.webhooks).
    "isms.webhooks.sweep_pending": {
        "task": "isms.webhooks.sweep_pending",
        "schedule": crontab(),
    },
    # Expired idempotency records (isms.idempotency) are deleted hourly.
    "isms.sweep_expired_idempotency": {
        "task": "isms.sweep_expired_idempotency",
        "schedule": crontab(minute=43),
    },
    # Organisations whose deletion grace period is over are deleted (isms.lifecycle.deletion).
    "isms.sweep_organization_deletions": {
        "task": "isms.sweep_organization_deletions",
        "schedule": crontab(minute=35),
    },
    # Scheduled evidence packs (monitoring.packs): due schedules request their pack.
    "monitoring.packs.sweep": {
        "task": "monitoring.packs.sweep",
        "schedule": crontab(hour=3, minute=5),
    },
}
# Days between an admin's request to delete the organisation and its deletion (cancellable).
ORGANIZATION_DELETION_GRACE_DAYS = int(env("ORGANIZATION_DELETION_GRACE_DAYS", "30"))

# Webhooks (isms.webhooks; docs/webhooks.md): attempts per delivery, the first retry's delay
# (doubling each time: 30 s, 1 min, 2 min … about 1 h 4 min for the 8th), the request timeout,
# and the failed attempts in a row after which an endpoint is switched off.
WEBHOOK_MAX_ATTEMPTS = int(env("WEBHOOK_MAX_ATTEMPTS", "8"))
WEBHOOK_RETRY_BASE_SECONDS = float(env("WEBHOOK_RETRY_BASE_SECONDS", "30"))
WEBHOOK_TIMEOUT_SECONDS = float(env("WEBHOOK_TIMEOUT_SECONDS", "10"))
WEBHOOK_DISABLE_AFTER = int(env("WEBHOOK_DISABLE_AFTER", "20"))

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
    # Loads the user of a session opened through single sign-on (isms.sso.flow).
    "isms.sso.flow.SSOBackend",
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
# Wrong two-factor codes count as failed log-ins (isms.two_factor): django-otp's own delay
# after each failure would refuse the right code typed just after a typo, so it is off.
OTP_TOTP_THROTTLE_FACTOR = 0
# Single sign-on (isms.sso): the server calls each organisation's IdP over HTTPS at public
# addresses only; development and the tests run a provider on 127.0.0.1 and lift that rule.
SSO_ALLOW_LOCAL_PROVIDERS = env_bool("SSO_ALLOW_LOCAL_PROVIDERS", False)
OIDC_TIMEOUT = 10  # seconds, for mozilla-django-oidc's calls of the token, JWKS, userinfo
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

# --- Content Security Policy (django-csp) ------------------------------------------------------
# Scripts and style sheets only from our own static files: no inline script anywhere (HTMX is
# configured in base.html not to inject styles or evaluate code). Style attributes stay allowed
# (layout widths in charts); they cannot run code. The API reference pages relax styles for
# their renderers (isms.views.api_docs).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "style-src-attr": ["'unsafe-inline'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'none'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"

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


def s3_storage(environ=os.environ) -> dict | None:
    """The default storage as an S3-compatible bucket (django-storages) when
    AWS_STORAGE_BUCKET_NAME is set, so several web and worker machines share uploads and
    evidence packs; None keeps local files under MEDIA_ROOT (the embedded default).
    AWS_S3_ENDPOINT_URL points at a non-AWS server (MinIO, Ceph, moto), which gets path-style
    addressing unless AWS_S3_ADDRESSING_STYLE says otherwise. Objects stay private: downloads
    are streamed through the views that check access and log auditors, never by bucket URL."""

    def get(name: str, default: str | None = None) -> str | None:
        value = environ.get(name)
        return value if value not in (None, "") else default

    bucket = get("AWS_STORAGE_BUCKET_NAME")
    if not bucket:
        return None
    endpoint = get("AWS_S3_ENDPOINT_URL")
    options = {
        "bucket_name": bucket,
        "endpoint_url": endpoint,
        "region_name": get("AWS_S3_REGION_NAME"),
        "access_key": get("AWS_ACCESS_KEY_ID"),
        "secret_key": get("AWS_SECRET_ACCESS_KEY"),
        "location": get("AWS_LOCATION", ""),
        "addressing_style": get("AWS_S3_ADDRESSING_STYLE", "path" if endpoint else None),
        "default_acl": None,
        "querystring_auth": True,
        "file_overwrite": False,
    }
    return {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {k: v for k, v in options.items() if v is not None},
    }


STORAGES = {
    "default": s3_storage() or {"BACKEND": "django.core.files.storage.FileSystemStorage"},
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
    # orjson encodes (isms.api.renderers); the browsable API stays for people exploring it.
    "DEFAULT_RENDERER_CLASSES": [
        "isms.api.renderers.JSONRenderer",
        "rest_framework.renderers.BrowsableAPIRenderer",
    ],
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
# How long the answer to a POST sent with an Idempotency-Key is replayed (isms.idempotency).
IDEMPOTENCY_TTL = int(env("IDEMPOTENCY_TTL", str(24 * 3600)))

SPECTACULAR_SETTINGS = {
    "TITLE": "Guardrail API",
    "DESCRIPTION": (
        "Govern AI inside an ISO 27001 ISMS. Every path is scoped to one organisation: "
        "`/api/v1/orgs/{org_slug}/…`. Authenticate with an API key "
        "(`Authorization: Bearer gr_…`) or a browser session."
    ),
    # 1.1.0 (issue 20): Idempotency-Key on POST (422), ETag and If-Match (412). Additive only.
    "VERSION": "1.1.0",
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
        # One choice set for the asset's EU AI Act role and an assessment's role (issue 15).
        "AIActRoleEnum": "risks.ai_act.OperatorRole",
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
        "WebhookDeliveryStatusEnum": "isms.models.webhooks.DeliveryStatus",
        "WebhookEventTypeEnum": "isms.models.webhooks.WebhookEventType",
        "OrganizationExportStatusEnum": "isms.models.lifecycle.OrganizationExport.Status",
    },
}

# Every line names the request (or the task) it belongs to: isms.log_filters.RequestId.
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {
        "request_id": {"()": "isms.log_filters.RequestId"},
        "refusals_on_one_line": {"()": "isms.log_filters.RefusalsOnOneLine"},
    },
    "formatters": {
        "with_request_id": {
            "format": "%(asctime)s %(levelname)s [%(request_id)s] %(name)s: %(message)s"
        }
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "filters": ["request_id", "refusals_on_one_line"],
            "formatter": "with_request_id",
        }
    },
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", "INFO")},
}
