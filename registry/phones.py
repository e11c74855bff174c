"""Phone numbers compared by their digits, and the keyed hash that finds a cadre by mobile number."""

from __future__ import annotations

import re

from registry.crypto import lookup_hash


def phone_digits(value: str) -> str:
    """A phone number as its digits, without a +86 / 0086 prefix: how numbers are compared."""
    digits = re.sub(r"\D", "", value or "")
    for prefix in ("0086", "86"):
        if digits.startswith(prefix) and len(digits) - len(prefix) == 11:
            return digits[len(prefix) :]
    return digits


def mobile_hash(value: str) -> str:
    """The keyed hash of a mobile number's digits ("" for none): phones are encrypted, this finds them."""
    digits = phone_digits(value)
    return lookup_hash(f"mobile:{digits}") if digits else ""
