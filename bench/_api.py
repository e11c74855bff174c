"""Registry API list speed: GET /api/registry/cadres/?page_size=50 as a centre admin, on a centre of ≥ 10,000 cadres.

`measure_api_list(schema_name)` runs inside a process that has called django.setup() and holds the centre already
(bench/registry.py uses it). Run alone, it makes its own database, centre and 10,000 cadres first and prints
`api_list_p50_ms` and `api_list_queries`: .venv/bin/python bench/_api.py
"""

from __future__ import annotations

import datetime as dt
import os
import statistics
import sys
import time
from pathlib import Path

LIST_URL = "/api/registry/cadres/?page_size=50"
BENCH_CODE = "benchapi"
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蒋蔡余杜叶程苏魏吕丁任沈"
GIVEN = "德国建华明文志永立光荣学军平海庆春秀英兰玉桂芳忠勇胜利和祥"


def measure_api_list(schema_name: str, *, runs: int = 30) -> dict:
    """Median time of the list request over `runs` requests, and the SQL queries of one such request."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django_tenants.utils import schema_context

    from tenants.models import Domain
    from tenants.roles import Role, role_group_name
    from tenants.services import centre_user_ensure

    domain = Domain.objects.get(tenant__schema_name=schema_name, is_primary=True).domain
    client = Client(HTTP_HOST=domain)
    with schema_context(schema_name):
        user = centre_user_ensure(
            username="bench-api-admin", password=None, groups=(role_group_name(Role.CENTRE_ADMIN),)
        )
        client.force_login(user)
    for _warm_up in range(3):
        _get_ok(client)
    timings = []
    for _run in range(runs):
        started = time.perf_counter()
        _get_ok(client)
        timings.append((time.perf_counter() - started) * 1000)
    with CaptureQueriesContext(connection) as queries:
        _get_ok(client)
    connection.set_schema_to_public()
    return {"api_list_p50_ms": round(statistics.median(timings), 1), "api_list_queries": len(queries)}


def _get_ok(client) -> None:
    response = client.get(LIST_URL)
    if response.status_code != 200 or len(response.json()["results"]) != 50:
        raise RuntimeError(f"the list request failed: {response.status_code} {response.content[:200]!r}")


def cadres_bulk_make(schema_name: str, count: int) -> None:
    """`count` synthetic cadres (valid IDs, invented names) across five rest homes, in batches."""
    from django_tenants.utils import schema_context

    from registry.crypto import lookup_hash
    from registry.idcard import resident_id_make
    from registry.models import Cadre, RestHome, Staff
    from registry.pinyin import name_search_keys

    with schema_context(schema_name):
        homes = [RestHome.objects.get_or_create(name=f"第{i + 1}休养所")[0] for i in range(5)]
        liaisons = [Staff.objects.create(name=f"联络员{i + 1}", rest_home=homes[i % 5]) for i in range(20)]
        batch = []
        for i in range(count):
            born = dt.date(1925, 1, 1) + dt.timedelta(days=i % 9000)
            id_number = resident_id_make("310101", born, 100 + i // 9000)
            name = SURNAMES[i % len(SURNAMES)] + GIVEN[(i // 7) % len(GIVEN)] + GIVEN[(i // 3) % len(GIVEN)]
            pinyin, initials = name_search_keys(name)
            batch.append(
                Cadre(
                    name=name,
                    name_pinyin=pinyin,
                    name_initials=initials,
                    gender="M" if int(id_number[16]) % 2 else "F",
                    birth_date=born,
                    id_number=id_number,
                    id_hash=lookup_hash(id_number),
                    phone=f"021-6{i:07d}",
                    mobile=f"138{i:08d}",
                    address=f"上海市黄浦区测试路{i}号",
                    level=("division", "regiment", "nco")[i % 3],
                    kind=("lixiu", "tuixiu")[i % 2],
                    rest_home=homes[i % 5],
                    liaison=liaisons[i % 20],
                    lives_alone=i % 11 == 0,
                )
            )
            if len(batch) == 1000:
                Cadre.objects.bulk_create(batch)
                batch = []
        Cadre.objects.bulk_create(batch)


def main() -> None:
    root = Path(__file__).resolve().parent.parent
    sys.path.insert(0, str(root))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "junxiu.settings.dev")
    os.environ["JUNXIU_DB_NAME"] = "junxiu_benchapi"
    os.environ.setdefault("LOG_LEVEL", "WARNING")

    import django

    django.setup()

    from django.core.management import call_command
    from django.db import connection

    from tenants.models import Centre
    from tenants.services import centre_create

    call_command("migrate_schemas", interactive=False, verbosity=0)
    Centre.objects.filter(schema_name=BENCH_CODE).delete()
    with connection.cursor() as cursor:
        cursor.execute(f'DROP SCHEMA IF EXISTS "{BENCH_CODE}" CASCADE')
    centre_create(code=BENCH_CODE, name="接口基准测试中心")
    cadres_bulk_make(BENCH_CODE, 10_000)
    figures = measure_api_list(BENCH_CODE)
    print(f"api_list_p50_ms: {figures['api_list_p50_ms']}")
    print(f"api_list_queries: {figures['api_list_queries']}")


if __name__ == "__main__":
    main()
