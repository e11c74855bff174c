"""Fixed-window counters in Django's cache for any app; the cache's key function adds the centre's schema.

A counter lives for its window from its first hit: `limit` counted events per `window` seconds per identity.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from django.core.cache import cache


@dataclass(frozen=True)
class Limit:
    scope: str  # names the counter, e.g. "registry-id-search"
    limit: int
    window: int  # seconds


def _key(limit: Limit, ident: str) -> str:
    return f"rate:{limit.scope}:{hashlib.sha256(ident.encode()).hexdigest()[:32]}"


def rate_limit_exceeded(*, limit: Limit, ident: str) -> bool:
    """Whether the counter of `ident` is already full."""
    return bool(ident) and int(cache.get(_key(limit, ident)) or 0) >= limit.limit


def rate_limit_count(*, limit: Limit, ident: str) -> int:
    """Count one event; returns the new count."""
    if not ident:
        return 0
    key = _key(limit, ident)
    cache.add(key, 0, timeout=limit.window)
    try:
        return cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, timeout=limit.window)
        return 1
