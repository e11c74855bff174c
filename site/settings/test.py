"""Tests: their own embedded database cluster, fast hashing, no DEBUG."""

import os
from pathlib import Path

# Decided before base is imported, since base starts the embedded server.
os.environ.setdefault(
    "JUNXIU_PGDATA", str(Path(os.environ.get("JUNXIU_VAR_DIR", Path(__file__).resolve().parents[2] / "var")) / "pgtest")
)

from .base import *  # noqa: E402,F403

SECRET_KEY = "test-only-not-secret-" + "x" * 40
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher", "tenants.hashers.OneTimePasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
MEDIA_ROOT = VAR_DIR / "test-media"  # noqa: F405
JUNXIU_PRIVATE_FILES = VAR_DIR / "test-private"  # noqa: F405
JUNXIU_SPARE_SCHEMAS = 0  # a test that wants a spare makes it (tenants.services.spare_schemas_refill)
# Test clusters run only the tasks a test queues: the centres' periodic schedules would write into shared test data.
Q_CLUSTER = {**Q_CLUSTER, "workers": 1, "poll": 0.2, "timeout": 30, "retry": 60, "scheduler": False}  # noqa: F405
WHITENOISE_USE_FINDERS = True
JUNXIU_SMS_CONSOLE = True  # tests read a log-in code where a developer would: the console, not the outbox
# A test's rolled-back pages must not outlive it in the cache: page caching is on only where a test turns it on.
JUNXIU_PAGE_CACHE_SECONDS = 0

from registry.crypto import derive_dev_key  # noqa: E402

JUNXIU_FIELD_KEYS = [derive_dev_key(SECRET_KEY, "fields")]
JUNXIU_LOOKUP_KEY = derive_dev_key(SECRET_KEY, "lookup")
JUNXIU_WEBHOOK_ALLOW_PRIVATE = True  # local receivers; production refuses internal addresses
