"""Production: everything from the environment; refuses to start without a secret and a database URL."""

import os

from django.core.exceptions import ImproperlyConfigured

for required in ("DJANGO_SECRET_KEY", "DATABASE_URL", "JUNXIU_FIELD_KEYS", "JUNXIU_LOOKUP_KEY"):
    if not os.environ.get(required):
        raise ImproperlyConfigured(f"{required} must be set in production")

from .base import *  # noqa: E402,F403

DEBUG = False
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SESSION_COOKIE_SECURE = env_bool("DJANGO_SECURE_COOKIES", True)  # noqa: F405
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS", "")  # noqa: F405
STORAGES = {
    **STORAGES,  # noqa: F405
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
EMAIL_BACKEND = os.environ.get("DJANGO_EMAIL_BACKEND", "django.core.mail.backends.smtp.EmailBackend")
