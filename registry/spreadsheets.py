"""Cadre rosters as spreadsheets, the names other modules use: reading and the checked import live in
registry.roster_import, the template and the export in registry.roster_export, the columns and their aliases in
registry.roster_columns."""

from registry.roster_columns import COLUMNS, HEADER_ALIASES, SHEET_TITLE, header_key
from registry.roster_export import (
    FORMULA_STARTS,
    cadre_export,
    cadre_export_queryset,
    cadre_template_build,
    cell_neutralise,
)
from registry.roster_import import (
    MAX_FILE_BYTES,
    MAX_ROWS,
    UNREADABLE_WORKBOOK,
    UNSTORABLE_CELL,
    ImportReport,
    Problem,
    cadre_import,
    command_user,
)

__all__ = [
    "COLUMNS",
    "FORMULA_STARTS",
    "HEADER_ALIASES",
    "MAX_FILE_BYTES",
    "MAX_ROWS",
    "SHEET_TITLE",
    "UNREADABLE_WORKBOOK",
    "UNSTORABLE_CELL",
    "ImportReport",
    "Problem",
    "cadre_export",
    "cadre_export_queryset",
    "cadre_import",
    "cadre_template_build",
    "cell_neutralise",
    "command_user",
    "header_key",
]
