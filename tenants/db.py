"""django-tenants' additions to the connection (the schema it is in, the way back to public), typed in one place."""

from __future__ import annotations

from typing import Protocol, cast

from django.db import connection


class _TenantConnection(Protocol):
    """What django_tenants.postgresql_backend adds to the database connection (the library ships no types)."""

    schema_name: str

    def set_schema_to_public(self) -> None: ...


def connection_schema_name() -> str:
    """The schema the connection is in: public, a centre's code, or the template."""
    return cast(_TenantConnection, connection).schema_name


def connection_set_public() -> None:
    """Point the connection back at the public schema."""
    cast(_TenantConnection, connection).set_schema_to_public()
