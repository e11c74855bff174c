"""Rate limits of the public forms (counters from tenants.ratelimit, whose cache keys carry the centre's schema).

Only what was stored counts (a sender correcting a mistake is not punished); a full counter refuses before anything
is validated or stored.
"""

from __future__ import annotations

from tenants.ratelimit import Limit, rate_limit_count, rate_limit_exceeded

__all__ = ["ADDRESS_LIMIT", "PHONE_LIMIT", "rate_limit_count", "rate_limit_exceeded"]

# Per client address: 5 per 10 minutes (a whole home behind one address stays usable); per phone: 3 per hour.
ADDRESS_LIMIT = Limit(scope="forms-public-address", limit=5, window=600)
PHONE_LIMIT = Limit(scope="forms-public-phone", limit=3, window=3600)
