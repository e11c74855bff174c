"""Text no column can store: every app checks input with this one rule (the request guard, imports)."""

from __future__ import annotations

import re

# NUL (PostgreSQL text and jsonb refuse it) and lone surrogates (not encodable as UTF-8).
BAD_TEXT = re.compile("[\x00\ud800-\udfff]")


def text_is_hostile(value: str) -> bool:
    """True if the text holds a NUL or a lone surrogate."""
    return bool(BAD_TEXT.search(value))


# What an XLSX cell cannot hold as it is: characters XML forbids, a CR (XML reads CR LF as LF), and the underscore
# of a text that looks like Excel's own escape _xHHHH_.
SPREADSHEET_ESCAPED = re.compile("[\x00-\x08\x0b-\x1f\ufffe\uffff]|_(?=x[0-9A-Fa-f]{4}_)")


def spreadsheet_text(value: str) -> str:
    """Text as Excel writes it into a cell (_xHHHH_ for each such character), so every reader gets it back exactly."""
    return SPREADSHEET_ESCAPED.sub(lambda match: f"_x{ord(match.group()):04X}_", value)


EXCEL_ESCAPE = re.compile("_x([0-9A-Fa-f]{4})_")


def spreadsheet_text_decode(value: str) -> str:
    """A cell's text as Excel shows it: each _xHHHH_ is the character U+HHHH (the reverse of spreadsheet_text)."""
    return EXCEL_ESCAPE.sub(lambda match: chr(int(match.group(1), 16)), value)
