"""Rate limits of the public forms: counters in Django's cache, whose keys carry the centre's schema.

A counter lives for its window from its first hit (a fixed window): `limit` accepted submissions per `window` seconds.
Only what was stored counts (a sender correcting a mistake is not punished); a full counter refuses before anything
is validated or stored.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from django.core.cache import cache


@dataclass(frozen=True)
class Limit:
    scope: str
    limit: int
    window: int  # seconds


# Per client address: 5 per 10 minutes (a whole home behind one address stays usable); per phone: 3 per hour.
ADDRESS_LIMIT = Limit(scope="address", limit=5, window=600)
PHONE_LIMIT = Limit(scope="phone", limit=3, window=3600)


def _key(limit: Limit, ident: str) -> str:
    digest = hashlib.sha256(ident.encode()).hexdigest()[:32]
    return f"forms-public-rate:{limit.scope}:{digest}"


def rate_limit_exceeded(*, limit: Limit, ident: str) -> bool:
    """Whether the counter of `ident` is already full."""
    return bool(ident) and int(cache.get(_key(limit, ident)) or 0) >= limit.limit


def rate_limit_count(*, limit: Limit, ident: str) -> int:
    """Count one accepted submission; returns the new count."""
    if not ident:
        return 0
    key = _key(limit, ident)
    cache.add(key, 0, timeout=limit.window)
    try:
        return cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, timeout=limit.window)
        return 1
