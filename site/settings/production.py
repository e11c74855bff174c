"""Production: everything from the environment; refuses to start without a secret and a database URL."""

import json
import os

from django.core.exceptions import ImproperlyConfigured

for required in ("DJANGO_SECRET_KEY", "DATABASE_URL", "JUNXIU_FIELD_KEYS", "JUNXIU_LOOKUP_KEY"):
    if not os.environ.get(required):
        raise ImproperlyConfigured(f"{required} must be set in production")

# One JSON object per log line (time, level, logger, message, schema, request_id) unless told otherwise (junxiu.logs).
os.environ.setdefault("JUNXIU_LOG_FORMAT", "json")

from .base import *  # noqa: E402,F403

DEBUG = False
# HTTPS: nginx overwrites this header with the scheme the client used (deploy/nginx.conf), so Django may trust it.
_ssl_header = os.environ.get("DJANGO_PROXY_SSL_HEADER", "X-Forwarded-Proto")  # empty: Django itself speaks TLS
SECURE_PROXY_SSL_HEADER = ("HTTP_" + _ssl_header.upper().replace("-", "_"), "https") if _ssl_header else None
SECURE_SSL_REDIRECT = env_bool("DJANGO_SECURE_SSL_REDIRECT", True)  # noqa: F405
SECURE_HSTS_SECONDS = int(os.environ.get("DJANGO_SECURE_HSTS_SECONDS", str(365 * 24 * 60 * 60)))
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("DJANGO_SECURE_HSTS_INCLUDE_SUBDOMAINS", True)  # noqa: F405 - centres
SECURE_HSTS_PRELOAD = env_bool("DJANGO_SECURE_HSTS_PRELOAD", False)  # noqa: F405
SESSION_COOKIE_SECURE = env_bool("DJANGO_SECURE_COOKIES", True)  # noqa: F405
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
JUNXIU_API_DOCS_PUBLIC = env_bool("JUNXIU_API_DOCS_PUBLIC", False)  # noqa: F405 - docs for signed-in users only
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS", "")  # noqa: F405
STORAGES = {
    **STORAGES,  # noqa: F405
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
# Media on S3-compatible object storage (MinIO, Ceph, a cloud's), for several machines: keys <prefix>/<schema>/<name>,
# the layout of MEDIA_ROOT/<schema>/<name>; URLs stay /media/<schema>/<name> on the site's host, which the proxy maps
# to the bucket for a centre's images only (deploy/container/nginx.conf). Personal uploads stay in
# JUNXIU_PRIVATE_FILES (a shared volume). Without a bucket: MEDIA_ROOT on a shared file system (deploy/README.md).
JUNXIU_MEDIA_S3_BUCKET = os.environ.get("JUNXIU_MEDIA_S3_BUCKET", "")
if JUNXIU_MEDIA_S3_BUCKET:
    STORAGES["default"] = {
        "BACKEND": "tenants.media_storage.CentreS3Storage",
        "OPTIONS": {
            "bucket_name": JUNXIU_MEDIA_S3_BUCKET,
            "endpoint_url": os.environ.get("JUNXIU_MEDIA_S3_ENDPOINT_URL") or None,  # empty: AWS itself
            "region_name": os.environ.get("JUNXIU_MEDIA_S3_REGION") or None,
            "access_key": os.environ.get("JUNXIU_MEDIA_S3_ACCESS_KEY") or None,
            "secret_key": os.environ.get("JUNXIU_MEDIA_S3_SECRET_KEY") or None,
            "location": os.environ.get("JUNXIU_MEDIA_S3_PREFIX", ""),
            "addressing_style": os.environ.get("JUNXIU_MEDIA_S3_ADDRESSING_STYLE", "path"),  # MinIO: path
            "file_overwrite": False,  # a second upload of the same name gets a new name, as on disk
            "default_acl": None,  # the bucket stays private: the proxy reads it, clients never do
            "querystring_auth": False,
        },
    }
    # Wagtail would redirect a document download to its storage URL (which the proxy refuses): Django streams it.
    WAGTAILDOCS_SERVE_METHOD = "serve_view"
EMAIL_BACKEND = os.environ.get("DJANGO_EMAIL_BACKEND", "django.core.mail.backends.smtp.EmailBackend")
EMAIL_HOST = os.environ.get("DJANGO_EMAIL_HOST", "localhost")
EMAIL_PORT = int(os.environ.get("DJANGO_EMAIL_PORT", "25"))
EMAIL_HOST_USER = os.environ.get("DJANGO_EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("DJANGO_EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("DJANGO_EMAIL_USE_TLS", False)  # noqa: F405
EMAIL_USE_SSL = env_bool("DJANGO_EMAIL_USE_SSL", False)  # noqa: F405
DEFAULT_FROM_EMAIL = os.environ.get("DJANGO_DEFAULT_FROM_EMAIL", f"noreply@{JUNXIU_BASE_DOMAIN}")  # noqa: F405

# Reminder channels (notifications/channels.py). The SMS provider's credentials, sign and pre-approved template
# come as JSON objects, e.g. JUNXIU_SMS_ALIYUN={"access_key_id": "…", "access_key_secret": "…", "sign_name": "…",
# "template_code": "SMS_…"}; without JUNXIU_SMS_BACKEND messages are only written to a file (JUNXIU_SMS_FILE).
JUNXIU_SMS_BACKEND = os.environ.get("JUNXIU_SMS_BACKEND", "")
JUNXIU_SMS_FILE = os.environ.get("JUNXIU_SMS_FILE", "")
JUNXIU_SMS_ALIYUN = json.loads(os.environ.get("JUNXIU_SMS_ALIYUN") or "{}")
JUNXIU_SMS_TENCENT = json.loads(os.environ.get("JUNXIU_SMS_TENCENT") or "{}")
JUNXIU_WECOM_WEBHOOK = os.environ.get("JUNXIU_WECOM_WEBHOOK", "")
