"""centre_create clones the template, sets up everything a centre needs, and refuses or rolls back cleanly.

Every test runs both ways a centre's schema is made: cloned on demand, and renamed from a spare cloned ahead.
"""

from collections.abc import Iterator

import pytest
from django.contrib.auth import authenticate, get_user_model
from django.contrib.auth.models import Group
from django.core.management import CommandError, call_command
from django.db import connection
from django.db.migrations.recorder import MigrationRecorder
from django.test import RequestFactory
from django_q.models import Schedule
from django_tenants.utils import schema_context, schema_exists
from wagtail.models import Page, Site

from content.models import HomePage
from tenants import setup
from tenants.models import Centre, Domain
from tenants.services import (
    SPARE_PREFIX,
    ProvisioningError,
    centre_create,
    centre_retire,
    centre_setup_sync,
    spare_schemas_refill,
)
from tenants.tasks import CentreContextError, centre_task_run
from tests.conftest import client_for

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module", params=["clone", "spare"])
def _ready_spares(request, django_db_setup, django_db_blocker) -> Iterator[tuple[str, list[str]]]:
    """How the next centre's schema is made: no spare ready (clone), or one spare ready (rename). The spare is cloned
    once for all the module's tests and committed (each test's transaction rolls back what it does to it, renaming
    it included), then dropped; a clone takes seconds, one per test made this module the suite's slowest."""
    with django_db_blocker.unblock():
        spare_schemas_refill(count=0)  # drops a spare an interrupted run left behind
        made = spare_schemas_refill(count=1 if request.param == "spare" else 0)
        assert spare_names() == made
        assert len(made) == (1 if request.param == "spare" else 0)
    yield request.param, made
    with django_db_blocker.unblock():
        spare_schemas_refill(count=0)
        assert spare_names() == []


@pytest.fixture(autouse=True)
def way(_ready_spares, db) -> str:
    way, made = _ready_spares
    assert spare_names() == made
    return way


def spare_names() -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT nspname FROM pg_namespace WHERE starts_with(nspname, %s)", [SPARE_PREFIX])
        return [row[0] for row in cursor.fetchall()]


def snapshot():
    """Everything provisioning could leave behind."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT nspname FROM pg_namespace WHERE nspname NOT LIKE 'pg\\_%' ORDER BY nspname")
        schemas = [row[0] for row in cursor.fetchall()]
    return (
        schemas,
        sorted(Centre.objects.values_list("schema_name", flat=True)),
        sorted(Domain.objects.values_list("domain", flat=True)),
    )


def test_create_clones_a_working_centre(centres, way):
    created = centre_create(code="jingan", name="静安区军休中心", admin_email="admin@jingan.example")
    assert created.from_spare is (way == "spare")
    assert spare_names() == []  # the spare became the centre; no clone is left over either way
    assert created.centre.schema_name == "jingan"
    assert created.domain.domain == "jingan.localhost"
    assert len(created.admin_password) >= 16
    with schema_context("jingan"):
        home = HomePage.objects.get()
        assert home.title == "静安区军休中心"
        assert home.live is True
        assert [(s.hostname, s.root_page_id, s.is_default_site) for s in Site.objects.all()] == [
            ("jingan.localhost", home.pk, True)
        ]
        assert list(Page.objects.filter(depth=2).values_list("title", flat=True)) == ["静安区军休中心"]
        assert sorted(Group.objects.values_list("name", flat=True)) == sorted(
            ["中心管理员", "编辑", "联络员", "健康专员", "查看者"]
        )
        admin = get_user_model().objects.get(username="admin")
        assert admin.password.startswith("pbkdf2_sha256_onetime$")  # a cheap hash for a random one-time password
        # As the admin log-in does it: with the request, which the lockout (axes, its tables in the new schema) needs.
        login = RequestFactory().post("/admin/login/", HTTP_HOST="jingan.localhost")
        assert authenticate(login, username="admin", password=created.admin_password).email == "admin@jingan.example"
        admin.refresh_from_db()
        assert admin.password.startswith("pbkdf2_sha256_onetime$")  # kept until the admin changes it
        recorded = set(MigrationRecorder(connection).applied_migrations())
    with schema_context(Centre.objects.get(kind=Centre.Kind.TEMPLATE).schema_name):
        assert get_user_model().objects.count() == 0  # the template stays free of users
        assert set(MigrationRecorder(connection).applied_migrations()) == recorded
    response = client_for("jingan").post("/admin/login/", {"username": "admin", "password": created.admin_password})
    assert response.status_code == 302


@pytest.mark.parametrize(
    ("code", "message"),
    [
        ("public", "保留"),
        ("pg_catalog", "保留"),
        ("pg_x", "保留"),
        ("information_schema", "保留"),
        ("centre_template", "保留"),
        ("template", "保留"),
        ("a", "无效"),
        ("1abc", "无效"),
        ("Huangpu", "无效"),
        ("huang-pu", "无效"),
        ("huang_pu", "无效"),
        ("x" * 31, "无效"),
        ("", "无效"),
        ("huangpu", "已存在"),
    ],
)
def test_create_refuses_bad_codes_and_changes_nothing(centres, code, message):
    before = snapshot()
    with pytest.raises(ProvisioningError) as excinfo:
        centre_create(code=code, name="某区军休中心")
    assert message in str(excinfo.value)
    assert snapshot() == before


def test_create_refuses_a_domain_in_use(centres):
    before = snapshot()
    with pytest.raises(ProvisioningError, match="域名“putuo.localhost”已被使用"):
        centre_create(code="jingan", name="静安区军休中心", domain="putuo.localhost")
    with pytest.raises(ProvisioningError, match="域名“localhost”已被使用"):
        centre_create(code="jingan", name="静安区军休中心", domain="localhost")
    with pytest.raises(ProvisioningError, match="无效的域名"):
        centre_create(code="jingan", name="静安区军休中心", domain="jing_an.localhost")
    assert snapshot() == before


def test_failure_half_way_leaves_nothing_behind(centres, monkeypatch):
    def explode(**_context):
        raise RuntimeError("disk full")

    monkeypatch.setitem(setup._steps, "zz.explode", setup.SetupStep(name="zz.explode", order=99, run=explode))
    before = snapshot()
    with pytest.raises(RuntimeError, match="disk full"):
        centre_create(code="jingan", name="静安区军休中心")
    assert snapshot() == before
    assert schema_exists("jingan") is False
    assert connection.schema_name == "public"


def test_stale_template_is_refused(centres):
    template = Centre.objects.get(kind=Centre.Kind.TEMPLATE).schema_name
    with schema_context(template):
        MigrationRecorder.Migration.objects.filter(app="content", name="0001_initial").delete()
    before = snapshot()
    with pytest.raises(ProvisioningError, match="content.0001_initial"):
        centre_create(code="jingan", name="静安区军休中心")
    assert snapshot() == before


def test_retire_stops_serving_and_keeps_data(centres):
    assert client_for("changning").get("/").status_code == 200
    assert sorted(Schedule.objects.filter(name__startswith="changning:").values_list("name", "args")) == [
        ("changning:deliveries", "('changning', 'notifications.tasks.deliveries_due_send')"),
        ("changning:publish_scheduled", "('changning', 'content.tasks.scheduled_pages_publish')"),
        ("changning:sweep", "('changning', 'notifications.tasks.sweep_run')"),
        ("changning:webhooks_lost", "('changning', 'forms_engine.webhooks.webhook_deliveries_lost_send')"),
    ]
    centre_retire(code="changning")
    assert Schedule.objects.filter(name__startswith="changning:").count() == 0  # its periodic tasks stop too
    assert "changning" not in centre_setup_sync()  # and stay stopped after an upgrade's set-up sync
    assert Schedule.objects.filter(name__startswith="changning:").count() == 0
    with pytest.raises(CentreContextError, match="retired"):
        centre_task_run("changning", "tests.tenants.centre_jobs.schema_name")
    assert client_for("changning").get("/").status_code == 404
    assert schema_exists("changning")
    with schema_context("changning"):
        assert HomePage.objects.get().title == "长宁区军休中心"
    with pytest.raises(ProvisioningError, match="已停用"):
        centre_retire(code="changning")
    with pytest.raises(ProvisioningError, match="没有代码为“nowhere”的中心"):
        centre_retire(code="nowhere")


def test_commands_print_and_fail_with_a_nonzero_exit(centres, capsys):
    call_command("centre_list")
    listing = capsys.readouterr().out.splitlines()
    assert [line.split("\t")[:4] for line in listing] == [
        ["changning", "长宁区军休中心", "changning.localhost", "运行中"],
        ["huangpu", "黄浦区军休中心", "huangpu.localhost", "运行中"],
        ["putuo", "普陀区军休中心", "putuo.localhost", "运行中"],
    ]
    with pytest.raises(CommandError, match="已存在"):
        call_command("centre_create", "huangpu", "--name", "黄浦区军休中心")
    call_command("centre_create", "jingan", "--name", "静安区军休中心")
    out = capsys.readouterr().out
    assert "jingan.localhost" in out
    assert "一次性密码" in out
