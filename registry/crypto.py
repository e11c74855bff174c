"""Encryption at rest for personal data: Fernet with rotatable keys, and a keyed hash for exact lookup.

Keys come from the environment: JUNXIU_FIELD_KEYS (comma-separated Fernet keys, newest first; older keys still
decrypt, so rotation = prepend a new key, then run `registry_rotate_keys`) and JUNXIU_LOOKUP_KEY (HMAC key).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from functools import cache

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import models


@cache
def _fernet() -> MultiFernet:
    keys = [k.strip() for k in settings.JUNXIU_FIELD_KEYS if k.strip()]
    if not keys:
        raise ImproperlyConfigured("JUNXIU_FIELD_KEYS is not set")
    return MultiFernet([Fernet(k) for k in keys])


def keys_reset() -> None:
    """Forget cached keys (after settings change: tests, rotation)."""
    _fernet.cache_clear()


def encrypt(plaintext: str) -> str:
    return _fernet().encrypt(plaintext.encode()).decode()


def decrypt(token: str) -> str:
    try:
        return _fernet().decrypt(token.encode()).decode()
    except InvalidToken as exc:
        raise ImproperlyConfigured("a personal-data field cannot be decrypted with the configured keys") from exc


def rotate(token: str) -> str:
    """Re-encrypt a token under the newest key."""
    return _fernet().rotate(token.encode()).decode()


def lookup_hash(value: str) -> str:
    """Keyed hash (HMAC-SHA256) for exact lookups, e.g. by resident ID number."""
    key = settings.JUNXIU_LOOKUP_KEY.encode()
    return hmac.new(key, value.strip().upper().encode(), hashlib.sha256).hexdigest()


def derive_dev_key(secret: str, purpose: str) -> str:
    """A stable Fernet key derived from a development secret (never used in production settings)."""
    return base64.urlsafe_b64encode(hashlib.sha256(f"{purpose}:{secret}".encode()).digest()).decode()


class EncryptedTextField(models.TextField):
    """Text stored as a Fernet token; the database never sees the plaintext. Not filterable by value."""

    def from_db_value(self, value, expression, connection):
        if value is None or value == "":
            return value
        return decrypt(value)

    def get_prep_value(self, value):
        value = super().get_prep_value(value)
        if value is None or value == "":
            return value
        return encrypt(value)
