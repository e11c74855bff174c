"""Form definitions as XLSForm spreadsheets (survey / choices / settings sheets): export, and an all-or-nothing import.

The import reads what a spreadsheet shows: formula cells give their saved value (data_only), nothing is ever calculated.
What our engine cannot do is refused by row and column, in Chinese, never dropped; metadata questions (start, end,
deviceid…) and presentation hints we draw our own way (appearances such as "minimal") are skipped with a warning.
Our own types travel as XLSForm extensions: appearance "multiline" (long text), "id_number", "phone", "yesno",
"likert"; types "cadre" and "staff"; columns min, max, min_length, max_length, pattern, options (JSON) and personal
(个人信息: identity / contact / health, or no; phone and ID numbers are personal unless it says no).

Reading lives in reading.py, writing in writing.py, the layout both share in layout.py; every name stays importable
from `forms_engine.xlsform`.
"""

from forms_engine.xlsform.layout import (
    APPEARANCE_TYPES,
    CHINESE,
    DRAWING_APPEARANCES,
    EMPTY_RUN,
    FALSE_WORDS,
    HEADER_ALIASES,
    MAX_CHOICE_ROWS,
    MAX_COLUMNS,
    MAX_FILE_BYTES,
    MAX_SURVEY_ROWS,
    MAX_UNPACKED_BYTES,
    METADATA,
    NOT_PERSONAL_WORDS,
    PERSONAL_WORDS,
    PLAIN_TYPES,
    SURVEY_COLUMNS,
    TRANSLATED,
    TRUE_WORDS,
    YES_NO,
)
from forms_engine.xlsform.reading import Book, Sheet, definition_import, workbook_read
from forms_engine.xlsform.writing import definition_export

__all__ = [
    "APPEARANCE_TYPES",
    "Book",
    "CHINESE",
    "DRAWING_APPEARANCES",
    "EMPTY_RUN",
    "FALSE_WORDS",
    "HEADER_ALIASES",
    "MAX_CHOICE_ROWS",
    "MAX_COLUMNS",
    "MAX_FILE_BYTES",
    "MAX_SURVEY_ROWS",
    "MAX_UNPACKED_BYTES",
    "METADATA",
    "NOT_PERSONAL_WORDS",
    "PERSONAL_WORDS",
    "PLAIN_TYPES",
    "SURVEY_COLUMNS",
    "Sheet",
    "TRANSLATED",
    "TRUE_WORDS",
    "YES_NO",
    "definition_export",
    "definition_import",
    "workbook_read",
]
