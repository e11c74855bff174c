"""Settings shared by every environment; each difference comes from an environment variable."""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

from csp.constants import NONCE, NONE, SELF, UNSAFE_INLINE
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _
from junxiu.database import database_settings

PROJECT_DIR = Path(__file__).resolve().parent.parent
BASE_DIR = PROJECT_DIR.parent
VAR_DIR = Path(os.environ.get("JUNXIU_VAR_DIR", BASE_DIR / "var"))


def env_bool(name: str, default: bool) -> bool:
    return os.environ.get(name, str(default)).lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str) -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "")
DEBUG = env_bool("DJANGO_DEBUG", False)

# Centres are served at <code>.<base domain>; the bureau portal at the base domain itself.
JUNXIU_BASE_DOMAIN = os.environ.get("JUNXIU_BASE_DOMAIN", "localhost")
JUNXIU_TEMPLATE_SCHEMA = "centre_template"
# The port written into each centre's Wagtail Site, for full URLs (8000 under `make run`).
JUNXIU_SITE_PORT = int(os.environ.get("JUNXIU_SITE_PORT", "80"))
ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", f"{JUNXIU_BASE_DOMAIN},.{JUNXIU_BASE_DOMAIN}")
# The client's address for rate limits (tenants.clientip): the header the proxy sets, e.g. X-Forwarded-For or
# X-Real-IP (empty: REMOTE_ADDR only), believed only from these proxies (IPs or CIDRs, comma-separated).
JUNXIU_CLIENT_IP_HEADER = os.environ.get("JUNXIU_CLIENT_IP_HEADER", "")
JUNXIU_TRUSTED_PROXIES = env_list("JUNXIU_TRUSTED_PROXIES", "127.0.0.1/32,::1")

SHARED_APPS = [
    "django_tenants",
    "tenants",
    "junxiu",
    "csp",
    "django.contrib.contenttypes",
    "django.contrib.auth",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_q",
    "forms_engine.bureau",
    "content.bureau",
    "reports",
    "rest_framework.authtoken",  # the bureau's API tokens live in the public schema too
    "axes",  # the bureau's log-in attempts and locks (each centre has its own, see TENANT_APPS)
]

TENANT_APPS = [
    "django.contrib.contenttypes",
    "django.contrib.auth",
    "django.contrib.sessions",
    "django.contrib.messages",
    "pgtrigger",
    "pghistory",
    "registry",
    "forms_engine",
    "notifications",
    "content",
    "field",
    "wagtail.contrib.forms",
    "wagtail.contrib.redirects",
    "wagtail.embeds",
    "wagtail.sites",
    "wagtail.users",
    "wagtail.snippets",
    "wagtail.documents",
    "wagtail.images",
    "wagtail.search",
    "wagtail.admin",
    "wagtail.api.v2",
    "wagtail",
    "modelcluster",
    "taggit",
    "rest_framework",
    "rest_framework.authtoken",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "axes",
]

# The project app comes last so its ready() runs after every library's (see junxiu.apps).
INSTALLED_APPS = (
    [app for app in SHARED_APPS if app != "junxiu"]
    + [app for app in TENANT_APPS if app not in SHARED_APPS]
    + ["junxiu"]
)

TENANT_MODEL = "tenants.Centre"
TENANT_DOMAIN_MODEL = "tenants.Domain"
PUBLIC_SCHEMA_NAME = "public"
# New centres are cloned from a template schema that migrate_schemas keeps current.
TENANT_CREATION_FAKES_MIGRATIONS = True
TENANT_BASE_SCHEMA = JUNXIU_TEMPLATE_SCHEMA
# Spare clones of the template kept ready (a django-q2 task refills them), so a new centre is a rename; 0: clone.
JUNXIU_SPARE_SCHEMAS = int(os.environ.get("JUNXIU_SPARE_SCHEMAS", "1"))
# Each web process keeps a host's centre this many seconds (tenants.middleware); a change made in the process is seen
# at once, one made in another process within these seconds. 0: ask the public schema on every request.
JUNXIU_HOST_CACHE_SECONDS = float(os.environ.get("JUNXIU_HOST_CACHE_SECONDS", "5"))

# DATABASE_URL is a Citus coordinator: each centre's schema is a distributed schema (deploy/citus/, tenants.services).
JUNXIU_DATABASE_CITUS = env_bool("JUNXIU_DATABASE_CITUS", False)

# Behind PgBouncer: session pooling only. django-tenants sets search_path on the connection and then runs the
# centre's queries; transaction pooling would run them on a server connection another client set to its centre.
JUNXIU_PGBOUNCER_MODE = os.environ.get("JUNXIU_PGBOUNCER_MODE", "").strip().lower()
if JUNXIU_PGBOUNCER_MODE not in ("", "session"):
    raise ImproperlyConfigured(
        f"JUNXIU_PGBOUNCER_MODE={JUNXIU_PGBOUNCER_MODE}: PgBouncer must pool by session (pool_mode = session, "
        "deploy/pgbouncer.ini). Under transaction or statement pooling a centre's queries can run on a server "
        "connection whose search_path is another centre's, and read or write that centre's data."
    )
# Redis for the task queue and the cache (several web and worker processes); empty: the embedded defaults.
JUNXIU_REDIS_URL = os.environ.get("JUNXIU_REDIS_URL", "")

DATABASE_ROUTERS = ["django_tenants.routers.TenantSyncRouter"]
# Set search_path only when the schema changes, not before every query.
TENANT_LIMIT_SET_CALLS = True
DATABASES = {
    "default": database_settings(
        data_dir=Path(os.environ.get("JUNXIU_PGDATA", VAR_DIR / "pgdata")),
        name=os.environ.get("JUNXIU_DB_NAME", "junxiu"),
    )
}
if JUNXIU_PGBOUNCER_MODE and "DB_CONN_MAX_AGE" not in os.environ:
    DATABASES["default"]["CONN_MAX_AGE"] = 0  # each request and task gives its server connection back to the pool
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

MIDDLEWARE = [
    "junxiu.logs.RequestIdMiddleware",  # X-Request-ID: in every log line of the request and in the answer
    "junxiu.health.HealthProbeMiddleware",  # /healthz and /readyz on any host, before HTTPS redirect and centres
    "django.middleware.security.SecurityMiddleware",  # HTTPS redirect, HSTS, nosniff, Referrer-Policy: cached pages too
    "tenants.middleware.CentreMiddleware",
    "junxiu.headers.SecurityHeadersMiddleware",  # Content-Security-Policy and Permissions-Policy on every answer
    "django.middleware.clickjacking.XFrameOptionsMiddleware",  # on cached pages and static files too
    "junxiu.input_guard.HostileInputMiddleware",  # 400 for NUL, lone surrogates and too-deep JSON, before any view
    "content.page_cache.PageCacheMiddleware",  # answers anonymous page views before sessions and auth run
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "junxiu.middleware.PasswordChangeRequiredMiddleware",  # a one-time password is changed before anything else
    "junxiu.middleware.CentreHistoryMiddleware",
    "junxiu.middleware.CentreRedirectMiddleware",
    "axes.middleware.AxesMiddleware",  # turns a locked-out log-in into the lockout page (junxiu.lockout)
    "junxiu.errors.FriendlyErrorPagesMiddleware",  # DEBUG with JUNXIU_FRIENDLY_ERRORS: the Chinese 404/500 pages
]
# `make run` (DEBUG) shows the site's own 404 and 500 pages too, the traceback in the console (junxiu.errors).
JUNXIU_FRIENDLY_ERRORS = env_bool("JUNXIU_FRIENDLY_ERRORS", False)

# Under /api/ a refused CSRF check answers JSON like the API (junxiu.errors); elsewhere Django's page.
CSRF_FAILURE_VIEW = "junxiu.errors.csrf_failure"
ROOT_URLCONF = "junxiu.urls_centre"
PUBLIC_SCHEMA_URLCONF = "junxiu.urls_public"
WSGI_APPLICATION = "junxiu.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [PROJECT_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.debug",
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "tenants.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 12}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2SHA1PasswordHasher",
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.BCryptSHA256PasswordHasher",
    "django.contrib.auth.hashers.ScryptPasswordHasher",
    "tenants.hashers.OneTimePasswordHasher",  # generated one-time passwords only; kept until changed
]
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",  # refuses a locked-out username or address before any password check
    "tenants.backends.CentreModelBackend",  # leaves a one-time password's hash as it is
]
LOGIN_URL = "login"

# Staff and bureau log-ins (the Wagtail admin, the bureau portal, the API token) are locked after AXES_FAILURE_LIMIT
# wrong passwords for one username, or JUNXIU_LOGIN_ADDRESS_FAILURE_LIMIT from one client address, for
# JUNXIU_LOGIN_LOCK_MINUTES; every attempt is kept in the schema's axes tables (junxiu.lockout). A centre admin
# unlocks under Settings > Locked log-ins, an operator with `tenant_command axes_reset_username NAME --schema=CODE`.
AXES_FAILURE_LIMIT = int(os.environ.get("JUNXIU_LOGIN_FAILURE_LIMIT", "5"))
JUNXIU_LOGIN_ADDRESS_FAILURE_LIMIT = int(os.environ.get("JUNXIU_LOGIN_ADDRESS_FAILURE_LIMIT", "30"))
AXES_COOLOFF_TIME = dt.timedelta(minutes=int(os.environ.get("JUNXIU_LOGIN_LOCK_MINUTES", "15")))
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]  # the order junxiu.lockout.CentreLockoutHandler reads
AXES_HANDLER = "junxiu.lockout.CentreLockoutHandler"
AXES_CLIENT_IP_CALLABLE = "junxiu.lockout.login_client_ip"
AXES_LOCKOUT_CALLABLE = "junxiu.lockout.lockout_response"
AXES_RESET_ON_SUCCESS = True
AXES_ENABLE_ACCESS_FAILURE_LOG = True
AXES_ENABLE_ADMIN = False  # Django's admin is not mounted; the Wagtail admin has its own page
LOGIN_REDIRECT_URL = "/"

# Chinese only, on purpose: no LocaleMiddleware, so an English browser still gets the Chinese admin.
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", _("Simplified Chinese"))]
# The catalogue sits beside manage.py in a checkout, and inside the package (junxiu/locale) when installed from a wheel.
LOCALE_PATHS = [BASE_DIR / "locale" if (BASE_DIR / "locale").is_dir() else PROJECT_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = Path(os.environ.get("JUNXIU_STATIC_ROOT", VAR_DIR / "static"))
STATICFILES_DIRS = [PROJECT_DIR / "static"]
STATICFILES_FINDERS = [
    "django.contrib.staticfiles.finders.FileSystemFinder",
    "django.contrib.staticfiles.finders.AppDirectoriesFinder",
]
# Media are stored per centre: <MEDIA_ROOT>/<schema>/...
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(os.environ.get("JUNXIU_MEDIA_ROOT", VAR_DIR / "media"))
MULTITENANT_RELATIVE_MEDIA_ROOT = "%s"
STORAGES = {
    # Per centre; personal uploads (JUNXIU_PRIVATE_UPLOADS) go under JUNXIU_PRIVATE_FILES instead, with no URL.
    "default": {"BACKEND": "tenants.private_files.CentreStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

# Every cache key carries the schema, so one centre never reads another's entries (pages, rate-limit counters).
# Per process by default; shared by every process on Redis (django-redis) when JUNXIU_REDIS_URL is set.
CACHES = {
    "default": {
        "BACKEND": os.environ.get(
            "DJANGO_CACHE_BACKEND",
            "django_redis.cache.RedisCache" if JUNXIU_REDIS_URL else "django.core.cache.backends.locmem.LocMemCache",
        ),
        "LOCATION": os.environ.get("DJANGO_CACHE_LOCATION", JUNXIU_REDIS_URL or "junxiu"),
        "KEY_FUNCTION": "django_tenants.cache.make_key",
        "REVERSE_KEY_FUNCTION": "django_tenants.cache.reverse_key",
    }
}

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_AGE = 8 * 60 * 60
CSRF_COOKIE_HTTPONLY = False
X_FRAME_OPTIONS = "DENY"  # Wagtail's preview iframe sets SAMEORIGIN on its own answers
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CONTENT_TYPE_NOSNIFF = True

# Content-Security-Policy (django-csp, junxiu.headers): strict everywhere. An inline script needs
# nonce="{{ request.csp_nonce }}"; style="" attributes and inline handlers are not allowed (use static files).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF, NONCE],
        "style-src": [SELF, NONCE],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "frame-src": [SELF],
        "frame-ancestors": [NONE],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
    }
}
# The Wagtail admin's own pages need inline scripts and styles, blob: images (uploads) and framing of its preview.
JUNXIU_ADMIN_CSP = {
    **CONTENT_SECURITY_POLICY["DIRECTIVES"],
    "script-src": [SELF, UNSAFE_INLINE],
    "style-src": [SELF, UNSAFE_INLINE],
    "img-src": [SELF, "data:", "blob:"],
    "font-src": [SELF, "data:"],
    "frame-ancestors": [SELF],
}
JUNXIU_PERMISSIONS_POLICY = (
    "accelerometer=(), camera=(), geolocation=(), gyroscope=(), magnetometer=(), microphone=(), payment=(), usb=()"
)
# /api/schema/ and /api/docs/ for signed-in users of the host only, unless this is on (development).
JUNXIU_API_DOCS_PUBLIC = env_bool("JUNXIU_API_DOCS_PUBLIC", False)

WAGTAIL_SITE_NAME = _("Retired Cadre Service Platform")
WAGTAIL_I18N_ENABLED = False
WAGTAIL_ENABLE_UPDATE_CHECK = False  # the admin would call releases.wagtail.org (and break its connect-src)
WAGTAILADMIN_PERMITTED_LANGUAGES = [("zh-hans", "简体中文")]
# PostgreSQL full-text search with Chinese word segmentation (jieba) of indexed text and queries.
WAGTAILSEARCH_BACKENDS = {"default": {"BACKEND": "content.search"}}
# Rendered public pages are cached per centre and display mode until something is published (content.page_cache).
# Off by default with the per-process memory cache: another worker would go on serving a page after its publish.
JUNXIU_PAGE_CACHE_SECONDS = int(
    os.environ.get("JUNXIU_PAGE_CACHE_SECONDS", "0" if "locmem" in CACHES["default"]["BACKEND"].lower() else "300")
)
WAGTAILDOCS_EXTENSIONS = ["csv", "docx", "odt", "pdf", "pptx", "rtf", "txt", "xlsx", "zip", "jpg", "png"]
WAGTAILDOCS_MAX_UPLOAD_SIZE = 20 * 1024 * 1024
WAGTAILAPI_BASE_URL = os.environ.get("WAGTAILAPI_BASE_URL", "")
WAGTAILADMIN_BASE_URL = os.environ.get("WAGTAILADMIN_BASE_URL", f"http://{JUNXIU_BASE_DOMAIN}")
DATA_UPLOAD_MAX_NUMBER_FIELDS = 10_000
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024  # a request body other than uploaded files; larger answers 400
JUNXIU_JSON_MAX_DEPTH = 32  # deeper JSON bodies are refused with 400 (junxiu.input_guard)

REST_FRAMEWORK = {
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticatedOrReadOnly"],
    # Every operation documents its error answers (400/401/403/404, 429 where limited) with their bodies.
    "DEFAULT_SCHEMA_CLASS": "junxiu.openapi.ErrorDocumentingAutoSchema",
    # A missing object is "未找到。" whatever raised it (never Django's English message naming the model).
    "EXCEPTION_HANDLER": "junxiu.errors.api_exception_handler",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "junxiu API",
    "DESCRIPTION": "军休服务管理平台 — the API of one centre (its host decides which).",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    # The docs page works offline: Swagger UI is served from our own static files, not a CDN.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
}

# Form webhooks may call only public addresses, unless allowed (development and tests post to loopback).
JUNXIU_WEBHOOK_ALLOW_PRIVATE = env_bool("JUNXIU_WEBHOOK_ALLOW_PRIVATE", False)

# The bureau's reports: complaints must be answered within this many days (7.2.1); the bureau's satisfaction
# template whose answers are compared across centres; cross-tab cells below this many people show as "<5".
JUNXIU_COMPLAINT_ANSWER_DAYS = int(os.environ.get("JUNXIU_COMPLAINT_ANSWER_DAYS", "15"))
JUNXIU_SURVEY_TEMPLATE = os.environ.get("JUNXIU_SURVEY_TEMPLATE", "satisfaction")
JUNXIU_SMALL_CELL = int(os.environ.get("JUNXIU_SMALL_CELL", "5"))
# Generated workbooks and PDFs: never under MEDIA, served only by a view that checks the user (reports.views).
JUNXIU_PRIVATE_FILES = Path(os.environ.get("JUNXIU_PRIVATE_FILES", VAR_DIR / "private"))
# In production nginx sends those files: the prefix of its `internal` location aliased to JUNXIU_PRIVATE_FILES
# (e.g. /_private/, deploy/nginx.conf); empty: Django streams them itself.
JUNXIU_X_ACCEL_REDIRECT = os.environ.get("JUNXIU_X_ACCEL_REDIRECT", "")
# Uploads holding personal data (a cadre's archive papers, form attachments): stored in the centre's folder of
# JUNXIU_PRIVATE_FILES, read only through views that check the user (tenants.private_files.CentreStorage).
JUNXIU_PRIVATE_UPLOADS = ["archive/", "forms/"]
# Days the access logs (personal data, report downloads) are kept before the daily housekeeping deletes them. The
# standard names no period; network logs must be kept at least six months (Cybersecurity Law, art. 21).
JUNXIU_ACCESS_LOG_RETENTION_DAYS = int(os.environ.get("JUNXIU_ACCESS_LOG_RETENTION_DAYS", "180"))

# The file SMS backend (development) writes log-in codes masked into its outbox; with this on it also logs the clear
# text to the console (logger notifications.sms), for the developer at the keyboard. Never on in production.
JUNXIU_SMS_CONSOLE = env_bool("JUNXIU_SMS_CONSOLE", DEBUG)

# Personal data at rest: Fernet keys, newest first (older ones still decrypt), and the lookup-hash key.
JUNXIU_FIELD_KEYS = env_list("JUNXIU_FIELD_KEYS", "")
JUNXIU_LOOKUP_KEY = os.environ.get("JUNXIU_LOOKUP_KEY", "")

# One django-q2 cluster serves every centre. Its queue: the ORM broker (a table in the public schema) by default;
# Redis with JUNXIU_REDIS_URL, for many clusters on many machines (deploy/README.md, "Queue, cache and pooling": a
# task a killed worker had taken is lost there, and every task is safe to run again).
Q_CLUSTER = {
    "name": "junxiu",
    **({"redis": JUNXIU_REDIS_URL} if JUNXIU_REDIS_URL else {"orm": "default"}),
    "workers": int(os.environ.get("Q_WORKERS", "2")),
    "timeout": int(os.environ.get("Q_TIMEOUT", "240")),
    "retry": int(os.environ.get("Q_RETRY", "300")),
    "max_attempts": int(os.environ.get("Q_MAX_ATTEMPTS", "3")),
    "ack_failures": True,
    "catch_up": False,
    "poll": float(os.environ.get("Q_POLL", "0.5")),
    "save_limit": 1000,
    "label": _("Task queue"),
}

# Console logs: plain text, or one JSON object a line (JUNXIU_LOG_FORMAT=json, the production default) with time,
# level, logger, message, the centre's schema and the request id (junxiu.logs).
JUNXIU_LOG_FORMAT = os.environ.get("JUNXIU_LOG_FORMAT", "plain")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"context": {"()": "junxiu.logs.ContextFilter"}},
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"},
        "json": {
            "()": "junxiu.logs.json_formatter",
            "fmt": ["levelname", "name", "message", "schema", "request_id"],
            "rename_fields": {"levelname": "level", "name": "logger"},
            "timestamp": "time",  # ISO 8601, UTC
            "json_ensure_ascii": False,  # Chinese messages stay readable
        },
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": "json" if JUNXIU_LOG_FORMAT == "json" else "plain",
            "filters": ["context"],
        }
    },
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {
        name: {"level": "WARNING"} for name in ("django_tenants", "pgserver", "django_tasks", "wagtail", "axes")
    },
}
