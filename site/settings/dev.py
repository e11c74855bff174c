"""Development: the embedded database, DEBUG on, a fixed development secret."""

import os

os.environ.setdefault("DJANGO_DEBUG", "true")

from .base import *  # noqa: E402,F403

SECRET_KEY = SECRET_KEY or "dev-only-not-secret-" + "x" * 40  # noqa: F405
EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
EMAIL_FILE_PATH = VAR_DIR / "mail"  # noqa: F405
WHITENOISE_USE_FINDERS = True
JUNXIU_API_DOCS_PUBLIC = env_bool("JUNXIU_API_DOCS_PUBLIC", True)  # noqa: F405
JUNXIU_FRIENDLY_ERRORS = env_bool("JUNXIU_FRIENDLY_ERRORS", True)  # noqa: F405  # the Chinese 404/500, not DEBUG's

from registry.crypto import derive_dev_key  # noqa: E402

JUNXIU_FIELD_KEYS = JUNXIU_FIELD_KEYS or [derive_dev_key(SECRET_KEY, "fields")]  # noqa: F405
JUNXIU_LOOKUP_KEY = JUNXIU_LOOKUP_KEY or derive_dev_key(SECRET_KEY, "lookup")  # noqa: F405
JUNXIU_WEBHOOK_ALLOW_PRIVATE = True  # local receivers; production refuses internal addresses
