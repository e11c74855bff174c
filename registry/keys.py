"""Key rotation for personal data at rest, across every centre."""

from __future__ import annotations

import pgtrigger
from django.apps import apps
from django.db import connection, transaction
from django_tenants.utils import schema_context
from psycopg import sql

from registry.crypto import EncryptedTextField, decrypt, lookup_hash, rotate
from registry.phones import mobile_hash
from tenants.models import Centre


def _encrypted_columns() -> list[tuple[str, list[str]]]:
    """(table, encrypted columns) of every registry model, history event tables included."""
    tables = []
    for model in apps.get_app_config("registry").get_models():
        columns = [f.column for f in model._meta.concrete_fields if isinstance(f, EncryptedTextField)]
        if columns:
            tables.append((model._meta.db_table, columns))
    return tables


def _rotate_table(table: str, columns: list[str]) -> int:
    pk = "pgh_id" if table.endswith("event") else "id"
    select = sql.SQL("SELECT {pk}, {cols} FROM {table}").format(
        pk=sql.Identifier(pk), cols=sql.SQL(", ").join(map(sql.Identifier, columns)), table=sql.Identifier(table)
    )
    update = sql.SQL("UPDATE {table} SET {sets} WHERE {pk} = %s").format(
        table=sql.Identifier(table),
        sets=sql.SQL(", ").join(sql.SQL("{} = %s").format(sql.Identifier(c)) for c in columns),
        pk=sql.Identifier(pk),
    )
    with connection.cursor() as cursor:
        cursor.execute(select.as_string(cursor.connection))
        rows = cursor.fetchall()
        statement = update.as_string(cursor.connection)
        for key, *values in rows:  # row by row: pgtrigger's ignore wrapper does not wrap executemany
            cursor.execute(statement, [rotate(v) if v else v for v in values] + [key])
    return len(rows)


def _rehash_cadres() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT id, id_number, mobile FROM registry_cadre WHERE id > %s", [0])
        rows = [
            (lookup_hash(decrypt(token)), mobile_hash(decrypt(mobile) if mobile else ""), pk)
            for pk, token, mobile in cursor.fetchall()
        ]
        if rows:
            # Through a temporary value first, so swapped hashes never collide on the unique index.
            cursor.execute("UPDATE registry_cadre SET id_hash = 'rehash-' || id WHERE id > %s", [0])
            for params in rows:  # row by row: pgtrigger's ignore wrapper does not wrap executemany
                cursor.execute("UPDATE registry_cadre SET id_hash = %s, mobile_hash = %s WHERE id = %s", params)


def _history_triggers() -> list[str]:
    return [
        f"{model._meta.label}:{trigger.name}"
        for model, trigger in pgtrigger.registered()
        if model._meta.app_label == "registry"
    ]


def personal_data_rotate(*, rehash: bool = False) -> dict[str, int]:
    """Re-encrypt every encrypted column of every centre under the newest key; one transaction per centre.

    History triggers are paused: a re-encryption changes no value, so it is not a change to record.
    """
    counts = {}
    codes = Centre.objects.filter(kind=Centre.Kind.CENTRE).values_list("schema_name", flat=True).order_by("pk")
    for code in list(codes):
        with transaction.atomic(), schema_context(code), pgtrigger.ignore(*_history_triggers()):
            counts[code] = sum(_rotate_table(table, columns) for table, columns in _encrypted_columns())
            if rehash:
                _rehash_cadres()
    return counts
