"""Hot lookups whose SQL is written once per process: the ORM builds and compiles a queryset's SQL on every call,
milliseconds of Python for a query that PostgreSQL answers in tens of microseconds (issue 14 §2)."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any, Generic, TypeVar

from django.core.exceptions import MultipleObjectsReturned
from django.db import connections
from django.db.models import Model, QuerySet
from django.db.models.query import get_related_populators  # type: ignore[attr-defined]  # the ORM's own helper

M = TypeVar("M", bound=Model)

# Stands for the looked-up value while the SQL is written; a value no request can send (it holds a NUL).
_MARKER = "\x00compiled-lookup-value\x00"


class _Plan:
    """The SQL of one queryset and how to turn its rows into model instances (as Django's ModelIterable does)."""

    def __init__(self, queryset: QuerySet) -> None:
        compiler = queryset.query.get_compiler(using=queryset.db)
        sql, params = compiler.as_sql()
        positions = [i for i, param in enumerate(params) if param == _MARKER]
        if len(positions) != 1:
            raise ValueError("The lookup value must appear exactly once in the query's parameters.")
        self.db = queryset.db
        self.sql, self.params, self.position = sql, list(params), positions[0]
        select, klass_info = compiler.select, compiler.klass_info
        assert klass_info is not None  # a model query
        self.model: type[Model] = klass_info["model"]
        start, end = klass_info["select_fields"][0], klass_info["select_fields"][-1] + 1
        self.model_slice = slice(start, end)
        self.init_list = [column[0].target.attname for column in select[start:end]]
        self.related_populators = get_related_populators(klass_info, select, self.db)
        self.annotations = list(compiler.annotation_col_map.items())
        fields = [column[0] for column in select[: compiler.col_count]]
        self.converters = list(compiler.get_converters(fields).items())

    def rows(self, value: Any) -> list[Model]:
        params = list(self.params)
        params[self.position] = value
        connection = connections[self.db]
        with connection.cursor() as cursor:
            cursor.execute(self.sql, params)
            fetched = cursor.fetchall()
        found = []
        for fetched_row in fetched:
            row = list(fetched_row)
            for position, (converters, expression) in self.converters:
                cell = row[position]
                for converter in converters:
                    cell = converter(cell, expression, connection)
                row[position] = cell
            obj = self.model.from_db(self.db, self.init_list, row[self.model_slice])
            for populator in self.related_populators:
                populator.populate(row, obj)
            for name, position in self.annotations:
                setattr(obj, name, row[position])
            found.append(obj)
        return found


class CompiledLookup(Generic[M]):
    """`build(value)` is a queryset filtered by one value; `get(value)` runs its SQL, written on the first call of the
    process, and returns the one instance (select_related rows and annotations filled in as by the ORM) or None.

    The SQL names no schema (django-tenants sets search_path), so one plan serves every centre; the queryset must not
    depend on anything but the value (no request, user or time inside it)."""

    def __init__(self, build: Callable[[Any], QuerySet[M]]) -> None:
        self.build = build
        self._plans: dict[str, _Plan] = {}
        self._lock = threading.Lock()

    def _plan(self, db: str) -> _Plan:
        plan = self._plans.get(db)
        if plan is None:
            with self._lock:
                plan = self._plans.get(db)
                if plan is None:
                    # Unordered, as get() is; two rows at most: a second one means "not unique".
                    plan = _Plan(self.build(_MARKER).using(db).order_by()[:2])
                    self._plans[db] = plan
        return plan

    def get(self, value: Any, *, using: str = "default") -> M | None:
        found = self._plan(using).rows(value)
        if len(found) > 1:
            raise MultipleObjectsReturned(f"More than one {self._plan(using).model.__name__} for {value!r}.")
        return found[0] if found else None  # type: ignore[return-value]


class CompiledInsert(Generic[M]):
    """`create(**values)`: Model.objects.create() for a plain model (concrete fields, an auto primary key, no
    save() of its own and no pre_save/post_save receiver of its own), its INSERT written once per process instead
    of on every row. Field defaults and pre_save (auto_now_add) apply as in the ORM."""

    def __init__(self, model: type[M]) -> None:
        self.model = model
        meta = model._meta
        self.fields = [f for f in meta.concrete_fields if f is not meta.auto_field]
        quote = connections["default"].ops.quote_name
        columns = ", ".join(quote(f.column) for f in self.fields)
        placeholders = ", ".join(["%s"] * len(self.fields))
        pk = f"{quote(meta.db_table)}.{quote(meta.pk.column)}"
        # Only quoted names of the model's own table and columns; every value is a parameter.
        self.sql = f"INSERT INTO {quote(meta.db_table)} ({columns}) VALUES ({placeholders}) RETURNING {pk}"  # noqa: S608

    def create(self, *, using: str = "default", **values: Any) -> M:
        obj = self.model(**values)
        connection = connections[using]
        params = [field.get_db_prep_save(field.pre_save(obj, True), connection) for field in self.fields]
        with connection.cursor() as cursor:
            cursor.execute(self.sql, params)
            obj.pk = cursor.fetchone()[0]
        obj._state.adding, obj._state.db = False, using
        return obj
