"""Text no column can store: every app checks input with this one rule (the request guard, imports)."""

from __future__ import annotations

import re

# NUL (PostgreSQL text and jsonb refuse it) and lone surrogates (not encodable as UTF-8).
BAD_TEXT = re.compile("[\x00\ud800-\udfff]")


def text_is_hostile(value: str) -> bool:
    """True if the text holds a NUL or a lone surrogate."""
    return bool(BAD_TEXT.search(value))
