"""Lifecycle: reception (5.2), death (5.10) and transfer between districts (6.6) with records, history and files."""

import datetime as dt
import uuid
from decimal import Decimal
from pathlib import Path

import pghistory
import pytest
from django.apps import apps
from django.conf import settings
from django.contrib.auth.models import Permission
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.utils import timezone
from django_tenants.utils import schema_context

from registry import lifecycle
from registry.lifecycle import (
    cadre_death_record,
    cadre_receive,
    cadre_transfer_approve,
    cadre_transfer_execute,
    cadre_transfer_request,
    transfer_deadlines,
)
from registry.models import (
    ArchiveDocument,
    Cadre,
    CadreDeath,
    CadreReception,
    CadreTombstone,
    CadreTransfer,
    DeathBenefit,
    FamilyMember,
    HealthCheck,
    Honour,
    Skill,
    Staff,
    TripAbroad,
)
from registry.services import cadre_update
from tenants.services import centre_retire
from tests.conftest import PASSWORD, client_for, make_user
from tests.registry.conftest import new_cadre

pytestmark = pytest.mark.django_db
CadreEvent = apps.get_model("registry", "CadreEvent")
FamilyMemberEvent = apps.get_model("registry", "FamilyMemberEvent")

REGISTRY_TABLES = [
    "registry_cadre",
    "registry_familymember",
    "registry_tripabroad",
    "registry_healthcheck",
    "registry_archivedocument",
    "registry_honour",
    "registry_skill",
    "registry_cadrereception",
    "registry_cadretombstone",
    "registry_cadretransfer",
]
EVENT_TABLES = [
    "registry_cadreevent",
    "registry_familymemberevent",
    "registry_tripabroadevent",
    "registry_healthcheckevent",
    "registry_archivedocumentevent",
    "registry_honourevent",
    "registry_skillevent",
    "registry_cadrereceptionevent",
]


def table_counts(code: str) -> dict[str, int]:
    with connection.cursor() as cursor:
        counts = {}
        for table in [*REGISTRY_TABLES, *EVENT_TABLES, "pghistory_context"]:
            cursor.execute(f'SELECT count(*) FROM "{code}"."{table}"')  # noqa: S608 - fixed names
            counts[table] = cursor.fetchone()[0]
    return counts


def media_files(code: str) -> set[str]:
    """The centre's stored private files (archive papers live there, not under MEDIA)."""
    root = Path(settings.JUNXIU_PRIVATE_FILES) / code
    return {str(p.relative_to(root)) for p in root.rglob("*") if p.is_file()} if root.exists() else set()


def approver(code: str, username: str = "chief"):
    user = make_user(code, username)
    with schema_context(code):
        user.user_permissions.add(Permission.objects.get(codename="approve_cadretransfer"))
        user = type(user).objects.get(pk=user.pk)  # fresh permission cache
    return user


# --- reception ---


def test_receive_records_the_checklist_received_date_and_liaison(huangpu_people):
    zeng, liaison = huangpu_people["zeng"], huangpu_people["liaison"]
    user = make_user("huangpu", "clerk")
    with schema_context("huangpu"):
        reception = cadre_receive(
            cadre=zeng,
            user=user,
            received_on=dt.date(2026, 3, 2),
            ceremony_on=dt.date(2026, 3, 20),
            first_visit_on=dt.date(2026, 3, 5),
            liaison=liaison,
            checklist=["welcome_sign", "head_briefing", "archive_received"],
            notes="随配偶迁入",
        )
        zeng.refresh_from_db()
        assert (zeng.received_on, zeng.liaison_id) == (dt.date(2026, 3, 2), liaison.pk)
        stored = CadreReception.objects.get(cadre=zeng)
        assert stored.pk == reception.pk
        assert [item for item in lifecycle.RECEPTION_ITEMS if getattr(stored, item)] == [
            "welcome_sign",
            "head_briefing",
            "archive_received",
        ]
        assert (stored.ceremony_on, stored.first_visit_on, stored.notes) == (
            dt.date(2026, 3, 20),
            dt.date(2026, 3, 5),
            "随配偶迁入",
        )
        assert (stored.recorded_by_id, stored.recorded_by_name) == (user.pk, "clerk")
        # Completing the checklist later updates the same record, and history keeps both versions.
        cadre_receive(cadre=zeng, user=user, received_on=dt.date(2026, 3, 2), checklist=lifecycle.RECEPTION_ITEMS)
        assert CadreReception.objects.filter(cadre=zeng).count() == 1
        assert CadreReception.objects.get(cadre=zeng).premises_tour is True
        assert [e.pgh_label for e in stored.events.order_by("pgh_id")] == ["insert", "update"]


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"received_on": dt.date(2099, 1, 1)}, "接收日期不能晚于今天。"),
        # to whom may not see the birth date, the message does not give it
        ({"received_on": dt.date(1930, 1, 1)}, "接收日期不能早于出生日期。"),
        (
            {"received_on": dt.date(2026, 3, 2), "ceremony_on": dt.date(2026, 3, 1)},
            "迎接仪式日期不能早于接收日期（2026-03-02）。",
        ),
        ({"received_on": dt.date(2026, 3, 2), "checklist": ["party"]}, "未知的清单项目：party"),
    ],
)
def test_receive_refuses_bad_input_and_changes_nothing(huangpu_people, kwargs, message):
    zeng = huangpu_people["zeng"]
    with schema_context("huangpu"), pytest.raises(ValidationError) as exc:
        cadre_receive(cadre=zeng, user=None, **kwargs)
    assert message in str(exc.value)
    with schema_context("huangpu"):
        zeng.refresh_from_db()
        assert zeng.received_on is None
        assert CadreReception.objects.count() == 0


# --- death ---


def test_death_record_sets_state_checklist_and_benefits(huangpu_people):
    wang = huangpu_people["wang"]
    user = make_user("huangpu", "clerk")
    with schema_context("huangpu"):
        cadre_update(cadre=wang, nursing_fee_status="approved", medical_subsidy_status="none")
        death = cadre_death_record(
            cadre=wang,
            user=user,
            died_on=dt.date(2026, 2, 10),
            condolence_visit_on=dt.date(2026, 2, 11),
            pension_stopped_on=dt.date(2026, 3, 1),
            checklist=["policy_explained", "obituary_written", "memorial_attended"],
            benefits={
                "funeral": {"status": "paid", "amount": "12000", "paid_on": dt.date(2026, 2, 20)},
                "lump_sum": {"status": "applied", "amount": Decimal("95000.50")},
                "special": lifecycle.BenefitInput(status="not_eligible"),
            },
        )
        wang.refresh_from_db()
        assert (wang.state, wang.deceased_on) == ("deceased", dt.date(2026, 2, 10))
        assert (wang.nursing_fee_status, wang.medical_subsidy_status) == ("stopped", "none")
        stored = CadreDeath.objects.get(cadre=wang)
        assert stored.pk == death.pk
        assert [item for item in lifecycle.DEATH_ITEMS if getattr(stored, item)] == [
            "policy_explained",
            "obituary_written",
            "memorial_attended",
        ]
        assert (stored.condolence_visit_on, stored.pension_stopped_on) == (dt.date(2026, 2, 11), dt.date(2026, 3, 1))
        assert sorted(DeathBenefit.objects.values_list("kind", "status", "amount", "paid_on")) == [
            ("funeral", "paid", Decimal("12000.00"), dt.date(2026, 2, 20)),
            ("lump_sum", "applied", Decimal("95000.50"), None),
            ("special", "not_eligible", None, None),
        ]
        # Recording again (e.g. the benefit was paid) updates, never duplicates.
        cadre_death_record(
            cadre=wang,
            user=user,
            died_on=dt.date(2026, 2, 10),
            benefits={"lump_sum": {"status": "paid", "amount": "95000.50", "paid_on": dt.date(2026, 3, 3)}},
        )
        assert CadreDeath.objects.count() == 1
        assert DeathBenefit.objects.count() == 3
        assert DeathBenefit.objects.get(kind="lump_sum").status == "paid"
        assert wang.events.filter(pgh_label="update").latest("pgh_id").state == "deceased"


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"died_on": dt.date(2099, 1, 1)}, "逝世日期不能晚于今天。"),
        ({"died_on": dt.date(1939, 1, 1)}, "逝世日期不能早于出生日期。"),
        (
            {"died_on": dt.date(2026, 2, 10), "condolence_visit_on": dt.date(2026, 2, 1)},
            "慰问日期不能早于逝世日期（2026-02-10）。",
        ),
        ({"died_on": dt.date(2026, 2, 10), "benefits": {"pension": {}}}, "未知的遗属待遇：pension"),
        (
            {"died_on": dt.date(2026, 2, 10), "benefits": {"funeral": {"status": "paid"}}},
            "已发放的丧葬费需填写金额和发放日期。",
        ),
        (
            {"died_on": dt.date(2026, 2, 10), "benefits": {"funeral": {"amount": "-1"}}},
            "丧葬费的金额超出范围。",
        ),
        ({"died_on": dt.date(2026, 2, 10), "benefits": {"funeral": {"amount": "abc"}}}, "丧葬费的金额不是数字。"),
    ],
)
def test_death_record_refuses_bad_input_and_changes_nothing(huangpu_people, kwargs, message):
    wang = huangpu_people["wang"]
    with schema_context("huangpu"), pytest.raises(ValidationError) as exc:
        cadre_death_record(cadre=wang, user=None, **kwargs)
    assert message in str(exc.value)
    with schema_context("huangpu"):
        wang.refresh_from_db()
        assert (wang.state, wang.deceased_on) == ("active", None)
        assert (CadreDeath.objects.count(), DeathBenefit.objects.count()) == (0, 0)


# --- transfer ---


@pytest.fixture
def wang_with_records(huangpu_people):
    """Wang with one of each record, an archive file, a deleted family member and history under two contexts."""
    people = huangpu_people
    wang, zeng = people["wang"], people["zeng"]
    tag = uuid.uuid4().hex[:8]
    with schema_context("huangpu"):
        with pghistory.context(user=people["liaison"].user_id, url="/admin/registry/"):
            son = FamilyMember.objects.create(cadre=wang, name="王小明", relation="儿子", phone="13700001234")
            FamilyMember.objects.create(cadre=wang, name="李秀英", relation="配偶", is_emergency_contact=True)
            gone = FamilyMember.objects.create(cadre=wang, name="王小红", relation="女儿")
            gone.delete()
            cadre_update(cadre=zeng, branch="海军")  # the same context is shared with another cadre
        with pghistory.context(user=people["liaison"].user_id, url="/admin/registry/cadre/"):
            cadre_update(cadre=wang, branch="陆军", rank="大校")
            son.relation = "长子"
            son.save()
        TripAbroad.objects.create(cadre=wang, destination="新加坡", departs_on=dt.date(2025, 5, 1))
        HealthCheck.objects.create(
            cadre=wang, year=2025, date=dt.date(2025, 6, 1), result="abnormal", findings="血压偏高"
        )
        document = ArchiveDocument.objects.create(
            cadre=wang, title="移交档案", file=SimpleUploadedFile(f"lifecycle-{tag}.pdf", b"%PDF-1.4 archive")
        )
        Honour.objects.create(cadre=wang, title="三等功", year=1979)
        Skill.objects.create(cadre=wang, skill="书法", category="lecture")
        cadre_receive(cadre=wang, user=None, received_on=dt.date(2000, 1, 1), checklist=["welcome_sign"])
    yield {**people, "document": document, "file": document.file.name}
    for code in ("huangpu", "putuo"):
        for path in (Path(settings.JUNXIU_PRIVATE_FILES) / code / "archive").glob(f"lifecycle-{tag}*"):
            path.unlink()


def approved_transfer(wang, *, target="putuo", chief=None):
    chief = chief or approver("huangpu")
    with schema_context("huangpu"):
        transfer = cadre_transfer_request(
            cadre=wang, user=chief, target_centre=target, requested_on=dt.date(2026, 3, 1), reason="随子女居住"
        )
        cadre_transfer_approve(
            transfer=transfer, user=chief, approved_on=dt.date(2026, 4, 1), approval_reference="沪退役〔2026〕12号"
        )
        transfer.refresh_from_db()
    return transfer, chief


def test_deadlines_follow_6_6_4():
    assert transfer_deadlines(dt.date(2026, 4, 1)) == (dt.date(2026, 10, 31), dt.date(2027, 1, 1))
    assert transfer_deadlines(dt.date(2026, 10, 31)) == (dt.date(2026, 10, 31), dt.date(2027, 1, 1))
    assert transfer_deadlines(dt.date(2026, 11, 1)) == (dt.date(2027, 10, 31), dt.date(2028, 1, 1))


def test_transfer_moves_everything_and_leaves_only_a_tombstone(wang_with_records, django_capture_on_commit_callbacks):
    wang = wang_with_records["wang"]
    transfer, chief = approved_transfer(wang)
    assert (transfer.state, transfer.handover_deadline, transfer.target_pays_from) == (
        "approved",
        dt.date(2026, 10, 31),
        dt.date(2027, 1, 1),
    )
    assert (transfer.approved_by_id, transfer.target_name) == (chief.pk, "普陀区军休中心")
    with schema_context("huangpu"):
        events_before = {
            "cadre": list(wang.events.order_by("pgh_id").values_list("pgh_label", "branch", "rank")),
            "family": list(
                FamilyMemberEvent.objects.filter(cadre_id=wang.pk)
                .order_by("pgh_id")
                .values_list("pgh_label", "name", "relation")
            ),
        }
        id_number, zeng_events = wang.id_number, wang_with_records["zeng"].events.count()
    huangpu, putuo, changning = table_counts("huangpu"), table_counts("putuo"), table_counts("changning")
    assert len(events_before["family"]) == 5  # three inserts, the daughter's delete, the son's update
    source_file = Path(settings.JUNXIU_PRIVATE_FILES) / "huangpu" / wang_with_records["file"]
    assert source_file.exists()

    with django_capture_on_commit_callbacks(execute=True):
        with schema_context("huangpu"):
            tombstone = cadre_transfer_execute(transfer=transfer, user=chief)

    # The source keeps a tombstone and the completed transfer, nothing else of the cadre.
    moved_rows = {
        "registry_cadre": 1,
        "registry_familymember": 2,
        "registry_tripabroad": 1,
        "registry_healthcheck": 1,
        "registry_archivedocument": 1,
        "registry_honour": 1,
        "registry_skill": 1,
        "registry_cadrereception": 1,
    }
    moved_events = {
        "registry_cadreevent": 3,  # insert, the branch update, the reception's update
        "registry_familymemberevent": 5,
        "registry_tripabroadevent": 1,
        "registry_healthcheckevent": 1,
        "registry_archivedocumentevent": 1,
        "registry_honourevent": 1,
        "registry_skillevent": 1,
        "registry_cadrereceptionevent": 1,
    }
    assert moved_events["registry_cadreevent"] == len(events_before["cadre"])
    expected_source = {
        **{t: huangpu[t] - moved_rows.get(t, 0) - moved_events.get(t, 0) for t in huangpu},
        "registry_cadretombstone": huangpu["registry_cadretombstone"] + 1,
        "pghistory_context": huangpu["pghistory_context"] - 1,  # the context only wang's changes used
    }
    assert table_counts("huangpu") == expected_source
    expected_target = {
        **{t: putuo[t] + moved_rows.get(t, 0) + moved_events.get(t, 0) for t in putuo},
        "registry_cadreevent": putuo["registry_cadreevent"] + moved_events["registry_cadreevent"] + 1,
        "pghistory_context": putuo["pghistory_context"] + 3,  # two carried over, one for the transfer itself
    }
    assert table_counts("putuo") == expected_target
    assert table_counts("changning") == changning

    with schema_context("huangpu"):
        assert not Cadre.objects.filter(id_hash=wang.id_hash).exists()
        for model in lifecycle.MOVED_MODELS:
            assert not model.objects.filter(cadre_id=wang.pk).exists()
        assert not CadreEvent.objects.filter(pgh_obj_id=wang.pk).exists()
        assert not FamilyMemberEvent.objects.filter(cadre_id=wang.pk).exists()
        assert wang_with_records["zeng"].events.count() == zeng_events
        assert list(
            CadreTombstone.objects.values_list("id_hash", "name", "destination_centre", "destination_name")
        ) == [(wang.id_hash, "王德胜", "putuo", "普陀区军休中心")]
        assert tombstone.transferred_on == timezone.localdate()
        transfer.refresh_from_db()
        assert (transfer.state, transfer.cadre_id, transfer.tombstone_id, transfer.completed_by_id) == (
            "completed",
            None,
            tombstone.pk,
            chief.pk,
        )
    assert not source_file.exists()

    with schema_context("putuo"):
        moved = Cadre.objects.get(id_hash=wang.id_hash)
        assert (moved.name, moved.id_number, moved.mobile, moved.address) == (
            "王德胜",
            id_number,
            "13812345678",
            "上海市黄浦区南京东路100号",
        )
        assert (moved.rest_home_id, moved.liaison_id, moved.branch, moved.rank, moved.lives_alone) == (
            None,
            None,
            "陆军",
            "大校",
            True,
        )
        assert sorted(moved.family.values_list("name", "relation")) == [("李秀英", "配偶"), ("王小明", "长子")]
        assert moved.family.get(name="王小明").phone == "13700001234"
        assert moved.health_checks.get().findings == "血压偏高"
        assert list(moved.trips.values_list("destination", flat=True)) == ["新加坡"]
        assert list(moved.honours.values_list("title", flat=True)) == ["三等功"]
        assert list(moved.skills.values_list("skill", flat=True)) == ["书法"]
        assert moved.reception.received_on == dt.date(2000, 1, 1)
        document = moved.documents.get()
        assert document.uploaded_at == wang_with_records["document"].uploaded_at
        assert Path(document.file.path) == Path(settings.JUNXIU_PRIVATE_FILES) / "putuo" / wang_with_records["file"]
        assert document.file.read() == b"%PDF-1.4 archive"
        # History shows in the target: old events re-pointed at the new rows, then the transfer itself.
        history = list(moved.events.order_by("pgh_id").values_list("pgh_label", "branch", "rank"))
        assert history == [*events_before["cadre"], ("transfer_in", "陆军", "大校")]
        family_events = FamilyMemberEvent.objects.filter(cadre_id=moved.pk).order_by("pgh_id")
        assert list(family_events.values_list("pgh_label", "name", "relation")) == events_before["family"]
        son = moved.family.get(name="王小明")
        assert list(son.events.values_list("pgh_label", flat=True).order_by("pgh_id")) == ["insert", "update"]
        contexts = {e.pgh_context.metadata["url"]: e.pgh_context.metadata for e in family_events if e.pgh_context}
        assert contexts["/admin/registry/"] == {
            "url": "/admin/registry/",
            "user": None,
            "username": "liaison",
            "centre": "huangpu",
        }
        transfer_in = moved.events.get(pgh_label="transfer_in").pgh_context.metadata
        assert (transfer_in["username"], transfer_in["transfer_from"]) == ("chief", "huangpu")


def test_a_failure_half_way_leaves_both_centres_as_they_were(wang_with_records, monkeypatch):
    wang = wang_with_records["wang"]
    transfer, chief = approved_transfer(wang)
    before = {code: table_counts(code) for code in ("huangpu", "putuo")}
    files = {code: media_files(code) for code in ("huangpu", "putuo")}

    def broken(move):
        assert move.files_copied  # rows, files and events are already in the target
        raise RuntimeError("disk full")

    monkeypatch.setattr(lifecycle, "_contexts_copy", broken)
    with schema_context("huangpu"), pytest.raises(RuntimeError, match="disk full"):
        cadre_transfer_execute(transfer=transfer, user=chief)

    assert {code: table_counts(code) for code in ("huangpu", "putuo")} == before
    assert {code: media_files(code) for code in ("huangpu", "putuo")} == files
    with schema_context("huangpu"):
        transfer.refresh_from_db()
        assert (transfer.state, transfer.cadre_id) == ("approved", wang.pk)
    with schema_context("putuo"):
        assert not Cadre.objects.filter(id_hash=wang.id_hash).exists()


def test_transfer_refusals_change_nothing(huangpu_people):
    wang = huangpu_people["wang"]
    chief = approver("huangpu")
    with schema_context("putuo"):
        new_cadre("王德胜", seq=11)  # the same person is already registered in putuo
    before = {code: table_counts(code) for code in ("huangpu", "putuo", "changning")}
    with schema_context("huangpu"):
        for target, message in [
            ("nowhere", "没有代码为“nowhere”的军休中心。"),
            ("huangpu", "不能转往当前服务该干部的中心。"),
            ("putuo", "普陀区军休中心已登记相同身份证号码的军休干部。"),
        ]:
            with pytest.raises(ValidationError) as exc:
                cadre_transfer_request(cadre=wang, user=chief, target_centre=target)
            assert exc.value.messages == [message]
    centre_retire(code="changning")
    with schema_context("huangpu"), pytest.raises(ValidationError) as exc:
        cadre_transfer_request(cadre=wang, user=chief, target_centre="changning")
    assert exc.value.messages == ["长宁区军休中心已撤销，不能接收军休干部。"]
    assert {code: table_counts(code) for code in ("huangpu", "putuo", "changning")} == before


def test_an_unapproved_transfer_or_an_unpermitted_user_is_refused(huangpu_people):
    wang = huangpu_people["wang"]
    chief = approver("huangpu")
    liaison_user = huangpu_people["liaison"].user
    with schema_context("huangpu"):
        transfer = cadre_transfer_request(cadre=wang, user=liaison_user, target_centre="putuo")
        with pytest.raises(ValidationError) as exc:
            cadre_transfer_request(cadre=wang, user=liaison_user, target_centre="changning")
        assert exc.value.messages == ["该干部已有正在办理的转区。"]
    before = {code: table_counts(code) for code in ("huangpu", "putuo")}
    with schema_context("huangpu"):
        with pytest.raises(ValidationError) as exc:
            cadre_transfer_execute(transfer=transfer, user=chief)
        assert exc.value.messages == ["该转区尚未批准。"]
        with pytest.raises(PermissionDenied):
            cadre_transfer_approve(transfer=transfer, user=liaison_user)
        with pytest.raises(PermissionDenied):
            cadre_transfer_execute(transfer=transfer, user=liaison_user)
        transfer.refresh_from_db()
        assert (transfer.state, transfer.approved_by_id) == ("requested", None)
    assert {code: table_counts(code) for code in ("huangpu", "putuo")} == before


def test_a_duplicate_appearing_in_the_target_after_approval_blocks_execution(huangpu_people):
    wang = huangpu_people["wang"]
    transfer, chief = approved_transfer(wang)
    with schema_context("putuo"):
        new_cadre("王德胜", seq=11)
    before = {code: table_counts(code) for code in ("huangpu", "putuo")}
    with schema_context("huangpu"), pytest.raises(ValidationError) as exc:
        cadre_transfer_execute(transfer=transfer, user=chief)
    assert exc.value.messages == ["普陀区军休中心已登记相同身份证号码的军休干部。"]
    assert {code: table_counts(code) for code in ("huangpu", "putuo")} == before


def test_a_deceased_cadre_cannot_be_transferred(huangpu_people):
    wang = huangpu_people["wang"]
    with schema_context("huangpu"):
        cadre_death_record(cadre=wang, user=None, died_on=dt.date(2026, 1, 5))
        with pytest.raises(ValidationError) as exc:
            cadre_transfer_request(cadre=wang, user=None, target_centre="putuo")
        assert exc.value.messages == ["已故军休干部不能转区。"]
        assert CadreTransfer.objects.count() == 0


def test_staff_of_the_source_stays(huangpu_people):
    """The liaison and rest home belong to the source centre: they stay; the target assigns its own."""
    wang = huangpu_people["wang"]
    transfer, chief = approved_transfer(wang)
    with schema_context("huangpu"):
        cadre_transfer_execute(transfer=transfer, user=chief)
        assert list(Staff.objects.values_list("name", flat=True)) == ["李联络"]
        assert huangpu_people["liaison"].cadres.count() == 0
    with schema_context("putuo"):
        assert Staff.objects.count() == 0
        assert Cadre.objects.get(id_hash=wang.id_hash).rest_home is None


# --- admin screens ---


def login(code: str, username: str, **kwargs):
    make_user(code, username, **kwargs)
    client = client_for(code)
    assert client.post("/admin/login/", {"username": username, "password": PASSWORD}).status_code == 302
    return client


def test_a_caseworker_receives_their_cadre_but_not_another_homes(huangpu_people):
    wang, zhao, liaison = huangpu_people["wang"], huangpu_people["zhao"], huangpu_people["liaison"]
    client = client_for("huangpu")
    assert client.post("/admin/login/", {"username": "liaison", "password": PASSWORD}).status_code == 302
    form = {
        "received_on": "2026-03-02",
        "ceremony_on": "2026-03-20",
        "liaison": liaison.pk,
        "checklist": ["welcome_sign", "premises_tour"],
        "notes": "",
    }
    page = client.get(f"/admin/registry/lifecycle/cadres/{wang.pk}/receive/")
    assert page.status_code == 200
    assert "在醒目位置标有欢迎语" in page.content.decode()
    response = client.post(f"/admin/registry/lifecycle/cadres/{wang.pk}/receive/", form)
    assert (response.status_code, response["Location"]) == (302, f"/admin/registry/cadres/{wang.pk}/")
    assert client.post(f"/admin/registry/lifecycle/cadres/{zhao.pk}/receive/", form).status_code == 404
    future = client.post(f"/admin/registry/lifecycle/cadres/{wang.pk}/receive/", {**form, "received_on": "2099-01-01"})
    assert "接收日期不能晚于今天。" in future.content.decode()
    with schema_context("huangpu"):
        reception = CadreReception.objects.get()
        assert (reception.cadre_id, reception.received_on, reception.premises_tour, reception.head_briefing) == (
            wang.pk,
            dt.date(2026, 3, 2),
            True,
            False,
        )
        zhao.refresh_from_db()
        assert zhao.received_on is None
    # The same cadre id on another centre's host is not found.
    putuo = login("putuo", "boss", superuser=True)
    assert putuo.post(f"/admin/registry/lifecycle/cadres/{wang.pk}/receive/", form).status_code == 404
    assert putuo.get(f"/admin/registry/lifecycle/cadres/{wang.pk}/death/").status_code == 404


def test_death_screen_records_benefits(huangpu_people):
    wang = huangpu_people["wang"]
    client = login("huangpu", "boss", superuser=True)
    blank = {f"{kind}_status": "pending" for kind in DeathBenefit.Kind.values}
    response = client.post(
        f"/admin/registry/lifecycle/cadres/{wang.pk}/death/",
        {
            **blank,
            "died_on": "2026-02-10",
            "checklist": ["obituary_written"],
            "funeral_status": "paid",
            "funeral_amount": "12000",
            "funeral_paid_on": "2026-02-20",
        },
    )
    assert response.status_code == 302
    with schema_context("huangpu"):
        wang.refresh_from_db()
        assert (wang.state, wang.deceased_on) == ("deceased", dt.date(2026, 2, 10))
        assert DeathBenefit.objects.get(kind="funeral").amount == Decimal("12000.00")
        assert DeathBenefit.objects.count() == 5
        assert CadreDeath.objects.get().obituary_written is True


def test_transfer_screens_request_approve_and_hand_over(wang_with_records):
    wang = wang_with_records["wang"]
    client = login("huangpu", "boss", superuser=True)
    assert client.post("/admin/login/", {"username": "boss", "password": PASSWORD}).status_code == 302
    form = client.get(f"/admin/registry/lifecycle/cadres/{wang.pk}/transfer/").content.decode()
    assert "普陀区军休中心" in form and 'value="huangpu"' not in form
    response = client.post(f"/admin/registry/lifecycle/cadres/{wang.pk}/transfer/", {"target_centre": "putuo"})
    assert response.status_code == 302
    with schema_context("huangpu"):
        transfer = CadreTransfer.objects.get()
    assert "王德胜" in client.get("/admin/registry/lifecycle/transfers/").content.decode()
    # The other centre sees none of it.
    putuo = login("putuo", "boss", superuser=True)
    assert "王德胜" not in putuo.get("/admin/registry/lifecycle/transfers/").content.decode()
    assert putuo.post(f"/admin/registry/lifecycle/transfers/{transfer.pk}/approve/").status_code == 404
    assert putuo.post(f"/admin/registry/lifecycle/transfers/{transfer.pk}/execute/").status_code == 404
    # Executing before approval is refused with a message; then approve and hand over.
    client.post(f"/admin/registry/lifecycle/transfers/{transfer.pk}/execute/")
    with schema_context("huangpu"):
        assert Cadre.objects.filter(pk=wang.pk).exists()
    # A reference longer than its field is refused with a message, not cut short.
    too_long = client.post(
        f"/admin/registry/lifecycle/transfers/{transfer.pk}/approve/", {"approval_reference": "号" * 101}, follow=True
    )
    assert "批准文号最多 100 个字。" in too_long.content.decode()
    with schema_context("huangpu"):
        assert CadreTransfer.objects.get().state == "requested"
    client.post(
        f"/admin/registry/lifecycle/transfers/{transfer.pk}/approve/", {"approval_reference": "沪退役〔2026〕3号"}
    )
    client.post(f"/admin/registry/lifecycle/transfers/{transfer.pk}/execute/")
    with schema_context("huangpu"):
        transfer.refresh_from_db()
        assert (transfer.state, transfer.approval_reference) == ("completed", "沪退役〔2026〕3号")
        assert not Cadre.objects.filter(pk=wang.pk).exists()
    with schema_context("putuo"):
        assert Cadre.objects.get(id_hash=wang.id_hash).documents.count() == 1


def test_transfer_actions_need_the_approval_permission(huangpu_people):
    wang = huangpu_people["wang"]
    with schema_context("huangpu"):
        transfer = cadre_transfer_request(cadre=wang, user=None, target_centre="putuo")
    client = client_for("huangpu")
    assert client.post("/admin/login/", {"username": "liaison", "password": PASSWORD}).status_code == 302
    assert client.post(f"/admin/registry/lifecycle/transfers/{transfer.pk}/approve/").status_code == 403
    assert client.get(f"/admin/registry/lifecycle/cadres/{wang.pk}/transfer/").status_code == 403
    with schema_context("huangpu"):
        transfer.refresh_from_db()
        assert transfer.state == "requested"
