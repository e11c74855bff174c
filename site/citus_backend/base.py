"""django-tenants' PostgreSQL backend, for a Citus coordinator (JUNXIU_DATABASE_CITUS=true).

A centre's tables live in a distributed schema (schema-based sharding), and Citus accepts less DDL on them than
plain PostgreSQL does. The schema editor here writes what Django and pgtrigger generate in the shapes Citus takes:
- a string of several statements (pgtrigger/pghistory install a trigger as "CREATE FUNCTION …; DROP TRIGGER …;
  CREATE TRIGGER …; COMMENT …"; Django's inline foreign key adds "; SET CONSTRAINTS … IMMEDIATE") is run one
  statement at a time: Citus forwards DDL to the worker as text, which refuses several commands in one;
- a trigger function (pgtrigger, pghistory) names its tables without a schema; Citus runs it on the worker that holds
  the centre's shards, in a session whose search_path is not the centre's, so it is created with the search_path of
  the migration (the centre's schema, then public) fixed to it (tenants.services re-fixes it in a cloned schema);
- ADD COLUMN with an unnamed UNIQUE or CHECK constraint ("all constraints in Citus must have explicit names") adds the
  column first, then the constraint under Django's own name for it.
Both run in the same transaction and leave the same schema as on plain PostgreSQL.
"""

from __future__ import annotations

import copy
import re

import sqlparse
from django_tenants.postgresql_backend.base import DatabaseWrapper as TenantDatabaseWrapper

TRIGGER_FUNCTION = re.compile(r"\s*CREATE\s+(?:OR\s+REPLACE\s+)?FUNCTION\s+([\w.\"]+)\s*\(\)\s*RETURNS\s+TRIGGER", re.I)


class CitusSchemaEditor(TenantDatabaseWrapper.SchemaEditorClass):  # type: ignore[name-defined,misc]
    def execute(self, sql, params=()):
        if not params and isinstance(sql, str) and sql.count(";") > 1:
            statements = [s for s in sqlparse.split(sql) if s.strip().rstrip(";").strip()]
            if len(statements) > 1:
                for statement in statements:
                    self.execute(statement, None)
                return
        super().execute(sql, params)
        if isinstance(sql, str) and (function := TRIGGER_FUNCTION.match(sql)):
            schema = self.connection.schema_name  # the schema being migrated (Citus refuses SET … FROM CURRENT)
            super().execute(f'ALTER FUNCTION {function.group(1)}() SET search_path = "{schema}", public', None)

    def add_field(self, model, field):
        check = None if field.many_to_many else field.db_parameters(connection=self.connection)["check"]
        unique = field.unique and not field.primary_key and not field.many_to_many
        if not (unique or check):
            return super().add_field(model, field)
        plain = copy.copy(field)
        plain._unique = False
        plain.db_check = lambda connection: None
        super().add_field(model, plain)
        if check:
            name = self._create_index_name(model._meta.db_table, [field.column], suffix="_check")
            self.execute(self._create_check_sql(model, name, check))
        if unique:
            self.execute(self._create_unique_sql(model, [field]))


class DatabaseWrapper(TenantDatabaseWrapper):
    SchemaEditorClass = CitusSchemaEditor
