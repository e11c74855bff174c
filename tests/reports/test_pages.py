"""The bureau portal's pages: who may open them, filters kept and refused, figures as of, nothing of a centre
exposed on the wrong host."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.db import connection
from django.utils import timezone
from django_tenants.utils import schema_context

from registry.idcard import resident_id_make
from registry.services import cadre_create
from reports.models import CentreRefresh, Fact
from reports.roles import BureauRole, bureau_role_grant
from reports.services import centre_facts_refresh
from tenants.models import Centre
from tests.conftest import PASSWORD, client_for, make_user

YEAR = timezone.localdate().year
PAGES = [
    "/",
    "/reports/area/cadres/",
    "/reports/area/compliance/",
    "/reports/area/complaints/",
    "/reports/area/surveys/",
    "/reports/area/content/",
    "/reports/area/facilities/",
    "/reports/centre/huangpu/",
    "/reports/definitions/",
    "/centres/",
]


def bureau_client(django_user_model, username: str, role: BureauRole | None):
    user = django_user_model.objects.create_user(username=username, password=PASSWORD)
    if role is not None:
        bureau_role_grant(user=user, role=role)
    client = client_for(None)
    client.force_login(user)
    return client


def cadres(code: str, count: int, *, level: str = "division", start: int = 1) -> None:
    with schema_context(code):
        for n in range(start, start + count):
            cadre_create(
                name=f"测试{n}",
                id_number=resident_id_make("310101", dt.date(1940, 1, 1), n),
                level=level,
                kind="lixiu",
                lives_alone=n % 2 == 0,
            )


@pytest.fixture
def facts(centres):
    cadres("huangpu", 7, level="division")
    cadres("huangpu", 3, level="regiment", start=20)
    cadres("putuo", 12, level="regiment")
    for code in ("huangpu", "putuo", "changning"):
        assert centre_facts_refresh(centre=centres[code], year=YEAR).status == CentreRefresh.Status.OK
    return centres


@pytest.mark.django_db
def test_role_matrix_of_the_pages(facts, django_user_model):
    anonymous = client_for(None)
    for path in PAGES:
        response = anonymous.get(path)
        assert response.status_code == 302 and response["Location"].startswith("/login/"), path
    nobody = bureau_client(django_user_model, "nobody", None)
    for path in PAGES:
        response = nobody.get(path)
        assert response.status_code == 403, path
        assert "没有" in response.content.decode() or response.status_code == 403
    for role in BureauRole:
        client = bureau_client(django_user_model, f"user-{role.value.split(':')[1]}", role)
        for path in PAGES:
            assert client.get(path).status_code == 200, (role, path)
        refresh = client.get("/reports/refresh/").status_code
        assert refresh == (403 if role == BureauRole.VIEWER else 200)


@pytest.mark.django_db
def test_overview_shows_city_totals_and_each_centre(facts, django_user_model):
    client = bureau_client(django_user_model, "head", BureauRole.HEAD)
    body = client.get(f"/?year={YEAR}").content.decode()
    # City total of cadres served: 10 in huangpu, 12 in putuo, 0 in changning.
    assert re.search(r'<p class="figure">22 <span class="unit">人</span>', body)
    for name in ("黄浦区军休中心", "普陀区军休中心", "长宁区军休中心"):
        assert name in body
    assert 'data-value="10.0"' in body and 'data-value="12.0"' in body
    # The level filter shows that level's count instead of the total, suppressed as on the cadres page: the city's
    # regiment-level 15 would give away huangpu's hidden 3, and each centre's small or revealing cell is hidden.
    body = client.get(f"/?year={YEAR}&level=regiment").content.decode()
    assert re.search(r'<p class="figure">&lt;5 <span class="unit">人</span>', body)
    first = body[body.index('<figure class="report-chart"') : body.index("</figure>")]
    # changning has none; huangpu's 3 is small; putuo's 12 is the one other cell of its column.
    assert re.findall(r'<td data-value="[^"]*">([^<]*)</td>', first) == ["0", "&lt;5", "&lt;5"]
    body = client.get(f"/?year={YEAR}&kind=lixiu").content.decode()
    assert re.search(r'<p class="figure">22 <span class="unit">人</span>', body)
    # Only chosen centres.
    body = client.get(f"/?year={YEAR}&centre=putuo").content.decode()
    assert re.search(r'<p class="figure">12 <span class="unit">人</span>', body)
    assert "黄浦区军休中心</a>" not in body


@pytest.mark.django_db
def test_small_cells_are_suppressed_on_the_area_page(facts, django_user_model):
    client = bureau_client(django_user_model, "analyst", BureauRole.ANALYST)
    body = client.get(f"/reports/area/cadres/?year={YEAR}").content.decode()
    # huangpu: 7 division, 3 regiment → the 3 is hidden, and so is the 7 (the total 10 would reveal it).
    table = body[body.index('id="cadres_level"') :]
    table = table[: table.index("</section>")]
    huangpu_row = table[table.index("黄浦区军休中心") :]
    huangpu_row = huangpu_row[: huangpu_row.index("</tr>")]
    assert huangpu_row.count('class="suppressed"') == 2
    assert ">7<" not in huangpu_row and ">3<" not in huangpu_row
    assert '<td class="total">10</td>' in huangpu_row


@pytest.mark.django_db
@pytest.mark.parametrize(
    "query",
    ["year=abc", "month=13", "quarter=5", "quarter=1&month=2", "centre=nosuchcentre", "level=general", "year=1900"],
)
def test_bad_filters_get_a_chinese_message_not_a_500(facts, django_user_model, query):
    client = bureau_client(django_user_model, "viewer", BureauRole.VIEWER)
    for path in ("/", "/reports/area/cadres/", "/reports/centre/huangpu/"):
        response = client.get(f"{path}?{query}")
        assert response.status_code == 400, (path, query)
        assert re.search(r'<p class="error" role="alert">[^<]*[\u4e00-\u9fff]', response.content.decode())


@pytest.mark.django_db
def test_future_and_empty_periods_say_so(facts, django_user_model):
    client = bureau_client(django_user_model, "viewer", BureauRole.VIEWER)
    body = client.get(f"/?year={YEAR + 1}").content.decode()
    assert "尚未开始" in body
    body = client.get("/?year=2019").content.decode()
    assert "还没有" in body


@pytest.mark.django_db
def test_a_zero_denominator_reads_as_a_dash(facts, django_user_model):
    client = bureau_client(django_user_model, "viewer", BureauRole.VIEWER)
    body = client.get(f"/reports/area/complaints/?year={YEAR}").content.decode()
    section = body[body.index('id="complaint_on_time_rate"') :]
    section = section[: section.index("</section>")]
    assert section.count('<td data-value="">—') == 3  # no complaints anywhere: neither 0 % nor an error


@pytest.mark.django_db
def test_a_failed_refresh_keeps_the_last_figures_marked_stale(facts, django_user_model):
    before = Fact.objects.filter(centre=facts["putuo"], year=YEAR).count()
    with connection.cursor() as cursor:
        cursor.execute("ALTER TABLE putuo.registry_cadre RENAME TO registry_cadre_away")
    try:
        state = centre_facts_refresh(centre=facts["putuo"], year=YEAR)
    finally:
        with connection.cursor() as cursor:
            cursor.execute("ALTER TABLE putuo.registry_cadre_away RENAME TO registry_cadre")
    assert state.status == CentreRefresh.Status.FAILED
    assert "registry_cadre" in state.error
    assert Fact.objects.filter(centre=facts["putuo"], year=YEAR).count() == before
    client = bureau_client(django_user_model, "viewer", BureauRole.VIEWER)
    body = client.get(f"/?year={YEAR}").content.decode()
    assert "上次刷新失败" in body
    assert re.search(r'<p class="figure">22 <span class="unit">人</span>', body)


@pytest.mark.django_db
def test_retired_centre_keeps_its_history_but_leaves_the_current_period(facts, django_user_model):
    Centre.objects.filter(kind=Centre.Kind.CENTRE).update(created_at=dt.datetime(2020, 1, 1, tzinfo=dt.UTC))
    Centre.objects.filter(schema_name="changning").update(
        status=Centre.Status.RETIRED, retired_at=dt.datetime(YEAR - 1, 6, 30, tzinfo=dt.UTC)
    )
    for centre in Centre.objects.filter(schema_name__in=["huangpu", "putuo", "changning"]):
        assert centre_facts_refresh(centre=centre, year=YEAR - 1).status == CentreRefresh.Status.OK
    client = bureau_client(django_user_model, "viewer", BureauRole.VIEWER)
    assert "长宁区军休中心</a>" not in client.get(f"/?year={YEAR}").content.decode()
    assert "长宁区军休中心</a>" in client.get(f"/?year={YEAR - 1}").content.decode()


@pytest.mark.django_db
def test_the_portal_exists_only_on_the_bureau_host(facts, django_user_model):
    admin = make_user("huangpu", "centre-admin", superuser=True)
    client = client_for("huangpu")
    with schema_context("huangpu"):
        client.force_login(admin)
    for path in ("/reports/area/cadres/", "/reports/definitions/", "/api/reports/facts/"):
        assert client.get(path).status_code == 404
    # A bureau user's session means nothing on a centre's host: no personal data there.
    bureau = bureau_client(django_user_model, "bureau-head", BureauRole.HEAD)
    bureau.defaults["HTTP_HOST"] = "huangpu.localhost"
    response = bureau.get("/admin/registry/cadres/")
    assert response.status_code == 302 and "/admin/login/" in response["Location"]


@pytest.mark.django_db
def test_the_city_row_gives_no_hidden_cell_away(facts, django_user_model):
    client = bureau_client(django_user_model, "analyst", BureauRole.ANALYST)
    body = client.get(f"/reports/area/cadres/?year={YEAR}&centre=huangpu").content.decode()
    table = body[body.index('id="cadres_level"') :]
    city = table[table.index("<tfoot>") : table.index("</tfoot>")]
    # Only huangpu: its hidden 7 and 3 would be the city's own figures; the city's 0 NCOs and total 10 stay.
    assert re.findall(r"<td[^>]*>([^<]*)</td>", city) == ["&lt;5", "&lt;5", "0", "10"]
    body = client.get(f"/reports/area/cadres/?year={YEAR}").content.decode()
    table = body[body.index('id="cadres_level"') :]
    city = table[table.index("<tfoot>") : table.index("</tfoot>")]
    # All three centres: the city's 7 division cadres are all huangpu's (hidden in its row), and its 15 regiment
    # cadres less putuo's 12 shown would give huangpu's hidden 3: both city cells are hidden, the total is not.
    assert re.findall(r"<td[^>]*>([^<]*)</td>", city) == ["&lt;5", "&lt;5", "0", "22"]


@pytest.mark.django_db
def test_a_refresh_run_that_never_finished_stops_saying_it_runs(facts, django_user_model):
    from reports.models import RefreshRun

    run = RefreshRun.objects.create(year=YEAR, total=3, done=2, started_by="analyst")
    client = bureau_client(django_user_model, "analyst", BureauRole.ANALYST)
    body = client.get(f"/reports/refresh/{run.pk}/").content.decode()
    assert 'http-equiv="refresh"' in body and "2 / 3" not in body
    RefreshRun.objects.filter(pk=run.pk).update(started_at=timezone.now() - dt.timedelta(hours=2))
    body = client.get(f"/reports/refresh/{run.pk}/").content.decode()
    assert 'http-equiv="refresh"' not in body
    assert "一小时内" in body
