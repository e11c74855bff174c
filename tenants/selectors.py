"""Reads about centres, and the one way to query across every centre's schema."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from django.db import connection
from psycopg import sql

from tenants.models import Centre


def centre_list(*, include_retired: bool = True) -> list[Centre]:
    """District centres (not the bureau or the template), with their primary domain prefetched."""
    centres = Centre.objects.filter(kind=Centre.Kind.CENTRE).prefetch_related("domains")
    if not include_retired:
        centres = centres.filter(status=Centre.Status.ACTIVE)
    return list(centres.order_by("schema_name"))


def centre_primary_domain(centre: Centre) -> str:
    domains = [d for d in centre.domains.all() if d.is_primary] or list(centre.domains.all())
    return domains[0].domain if domains else ""


def centres_query(
    *, query: str, params: Sequence[Any] = (), schemas: Iterable[str] | None = None
) -> list[dict[str, Any]]:
    """Run one SELECT in every (or the chosen) centre schema as a single UNION ALL query.

    `query` names its tables as `{schema}.table`; the schema is quoted as an identifier, never
    interpolated as text. Each row comes back as a dict with a leading `centre` key (the code).
    `params` are the query's own %s parameters, bound again for each centre.
    """
    known = set(Centre.objects.filter(kind=Centre.Kind.CENTRE).values_list("schema_name", flat=True))
    chosen = sorted(known if schemas is None else set(schemas))
    unknown = [s for s in chosen if s not in known]
    if unknown:
        raise ValueError(f"not a centre schema: {', '.join(unknown)}")
    if not chosen:
        return []
    branch = sql.SQL("SELECT {code} AS centre, {i} AS _branch, row_number() OVER () AS _row, q.* FROM ({inner}) AS q")
    branches = [
        branch.format(
            code=sql.Literal(schema), i=sql.Literal(i), inner=sql.SQL(query).format(schema=sql.Identifier(schema))
        )
        for i, schema in enumerate(chosen)
    ]
    # Rows come back centre by centre, each centre's rows in the order its branch produced them.
    statement = sql.SQL("SELECT * FROM ({union}) AS u ORDER BY _branch, _row").format(
        union=sql.SQL(" UNION ALL ").join(branches)
    )
    with connection.cursor() as cursor:
        cursor.execute(statement.as_string(cursor.connection), list(params) * len(chosen))
        columns = [col.name for col in cursor.description]
        rows = [dict(zip(columns, row, strict=True)) for row in cursor.fetchall()]
    for row in rows:
        del row["_branch"], row["_row"]
    return rows
