"""The XLSForm layout both directions share: its columns, types, words and the limits of what is read."""

from __future__ import annotations

import re

from django.utils.translation import gettext as _

MAX_FILE_BYTES = 5 * 1024 * 1024
MAX_UNPACKED_BYTES = 60 * 1024 * 1024
MAX_SURVEY_ROWS = 2000
MAX_CHOICE_ROWS = 10_000
MAX_COLUMNS = 200
EMPTY_RUN = 50  # this many empty rows in a row end a sheet, whatever size it claims

SURVEY_COLUMNS = (
    "type",
    "name",
    "label",
    "hint",
    "required",
    "relevant",
    "constraint",
    "constraint_message",
    "calculation",
    "default",
    "appearance",
    "parameters",
    "min",
    "max",
    "min_length",
    "max_length",
    "pattern",
    "options",
    "personal",
)
TRANSLATED = {"label", "hint", "constraint_message"}
HEADER_ALIASES = {
    "caption": "label",
    "relevance": "relevant",
    "calculate": "calculation",
    "requiredmsg": "required_message",
    "list_name": "list_name",
    "value": "name",
    "个人信息": "personal",
    "personal_data": "personal",
}
PERSONAL_WORDS = {
    "identity": "identity",
    "身份": "identity",
    "身份信息": "identity",
    "contact": "contact",
    "联系": "contact",
    "联系方式": "contact",
    "health": "health",
    "健康": "health",
    "健康信息": "health",
}
NOT_PERSONAL_WORDS = {"no", "false", "0", "否", "不是"}
METADATA = {
    "start",
    "end",
    "today",
    "deviceid",
    "subscriberid",
    "simserial",
    "phonenumber",
    "username",
    "email",
    "userid",
    "audit",
    "start-geopoint",
    "uri:deviceid",
    "uri:email",
    "uri:username",
    "uri:phonenumber",
    "uri:simserial",
    "uri:subscriberid",
    "uri:userid",
}
PLAIN_TYPES = {
    "text": "text",
    "integer": "integer",
    "int": "integer",
    "decimal": "decimal",
    "date": "date",
    "time": "time",
    "datetime": "datetime",
    "note": "note",
    "calculate": "calculated",
    "hidden": "hidden",
    "file": "file",
    "image": "file",
    "cadre": "cadre",
    "staff": "staff",
}
# Appearances that only change how a question is drawn; we draw our own way.
DRAWING_APPEARANCES = {
    "minimal",
    "quick",
    "autocomplete",
    "autocomplete_chars",
    "horizontal",
    "horizontal-compact",
    "compact",
    "compact-2",
    "columns",
    "columns-pack",
    "no-buttons",
    "label",
    "list-nolabel",
    "list",
    "field-list",
    "table-list",
    "numbers",
    "thousands-sep",
    "no-calendar",
    "month-year",
    "year",
    "w1",
    "w2",
    "w3",
    "w4",
}
APPEARANCE_TYPES = {"multiline": "textarea", "id_number": "id_number", "phone": "phone"}
TRUE_WORDS = {"yes", "true", "true()", "1"}
FALSE_WORDS = {"no", "false", "false()", "0", ""}
CHINESE = re.compile(r"chinese|中文|汉语|漢語|简体|繁體|(^|[^a-z])zh([^a-z]|$)", re.IGNORECASE)
YES_NO = [{"value": "yes", "label": "是"}, {"value": "no", "label": "否"}]


def _unsupported_column(column: str, written: str = "") -> str:
    features = {
        "choice_filter": _("filtering choices by earlier answers (choice_filter)"),
        "repeat_count": _("a fixed number of repeats (repeat_count)"),
        "read_only": _("read-only questions (read_only)"),
        "trigger": _("recalculation triggers (trigger)"),
        "required_message": _("custom messages for required questions"),
        "image": _("pictures, sound and video in questions"),
        "big-image": _("pictures, sound and video in questions"),
        "audio": _("pictures, sound and video in questions"),
        "video": _("pictures, sound and video in questions"),
        "media": _("pictures, sound and video in questions"),
    }
    return features.get(column, _("the column “%(column)s”") % {"column": written or column})
