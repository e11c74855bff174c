"""A centre per distributed schema on Citus: where each centre's tables are, and a centre moved while it serves.

Run by `make test-citus` against deploy/citus/cluster.py's coordinator and two workers on loopback, with the
isolation tests of the registry and the forms and the reports' hand-computed figures (see the Makefile).
"""

from __future__ import annotations

import secrets
import threading

import pytest
from django.db import connection, connections
from django_tenants.utils import schema_context

from tenants.services import centre_create
from tests.conftest import TEST_CENTRES

pytestmark = pytest.mark.django_db


def _placements() -> dict[str, set[int]]:
    """Each distributed schema's worker ports, from Citus's own catalogue."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT s.schema_name::text, sh.nodeport FROM citus_schemas s"
            " JOIN citus_shards sh ON sh.colocation_id = s.colocation_id"
        )
        placements: dict[str, set[int]] = {}
        for schema, port in cursor.fetchall():
            placements.setdefault(schema, set()).add(port)
        return placements


def _worker_ports() -> set[int]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT nodeport FROM pg_dist_node WHERE noderole = 'primary' AND groupid <> 0")
        return {row[0] for row in cursor.fetchall()}


def _local_tables(schema: str) -> list[str]:
    """Tables of the schema that Citus does not know: they would live on the coordinator, outside the sharding."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT c.relname FROM pg_class c WHERE c.relnamespace = %s::regnamespace AND c.relkind = 'r'"
            " AND NOT EXISTS (SELECT 1 FROM pg_dist_partition p WHERE p.logicalrelid = c.oid) ORDER BY 1",
            [schema],
        )
        return [row[0] for row in cursor.fetchall()]


def test_every_centre_is_one_distributed_schema_on_one_worker():
    workers = _worker_ports()
    placements = _placements()
    assert len(workers) == 2
    for code in TEST_CENTRES:
        assert _local_tables(code) == []
        assert len(placements[code]) == 1  # every table of the centre co-located on one worker
        assert placements[code] <= workers


def test_two_new_centres_land_on_different_workers():
    """Made inside the test's transaction, distributed DDL included, and rolled back with it."""
    run = secrets.token_hex(3)
    first, second = f"citusa{run}", f"citusb{run}"
    centre_create(code=first, name=f"甲区军休中心{run}")
    centre_create(code=second, name=f"乙区军休中心{run}")
    placements = _placements()
    assert _local_tables(first) == [] and _local_tables(second) == []
    assert len(placements[first]) == 1 and len(placements[second]) == 1
    assert placements[first] != placements[second]


def _migrations_recorded(schema: str) -> int:
    """A read of the centre's own tables (the migrations its schema records: never empty, never changed here)."""
    with schema_context(schema), connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM django_migrations")
        return cursor.fetchone()[0]


# Outside a transaction: a shard move cannot run inside one, and the reads come from a second connection. Nothing is
# written, and only django_q's tables are flushed afterwards, so the shared test centres stay.
@pytest.mark.django_db(transaction=True, available_apps=["django_q"])
def test_a_centre_moved_to_the_other_worker_keeps_serving_reads():
    expected = _migrations_recorded("putuo")
    assert expected > 100
    _move_while_reading(expected)


def _move_while_reading(expected: int) -> None:
    (source,) = _placements()["putuo"]
    (target,) = _worker_ports() - {source}
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT sh.shardid FROM citus_shards sh JOIN citus_schemas s ON s.colocation_id = sh.colocation_id"
            " WHERE s.schema_name = 'putuo'::regnamespace LIMIT 1"
        )
        shard = cursor.fetchone()[0]

    counts: list[int] = []
    errors: list[BaseException] = []
    moving = threading.Event()

    def read_while_moving():
        try:
            while not moving.is_set() or len(counts) < 3:
                counts.append(_migrations_recorded("putuo"))
        except BaseException as exc:  # noqa: BLE001 - the test reports any failure of a read
            errors.append(exc)
        finally:
            connections.close_all()

    reader = threading.Thread(target=read_while_moving)
    reader.start()
    with connection.cursor() as cursor:
        # Moves the whole co-located group: every table of the centre (block_writes: reads go on meanwhile).
        cursor.execute(
            "SELECT citus_move_shard_placement(%s, '127.0.0.1', %s, '127.0.0.1', %s,"
            " shard_transfer_mode => 'block_writes')",
            [shard, source, target],
        )
    moving.set()
    reader.join(timeout=120)
    assert errors == []
    assert counts and set(counts) == {expected}
    assert _placements()["putuo"] == {target}
    assert _migrations_recorded("putuo") == expected
