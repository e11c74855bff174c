"""The field app's sync API as the liaison's phone meets it: today's items with the cadres' cards and the forms,
masked as the admin masks them; a submission taken once (also twice at once) that clears its item; an old version
flagged, a refused one with its reason in Chinese; a device signed out remotely is wiped; another centre and another
rest home get none of it."""

from __future__ import annotations

import datetime as dt
import functools
import io
import json
import threading
import uuid

import pytest
from django.contrib.auth.models import Permission
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django_tenants.utils import schema_context
from PIL import Image

from field.models import FieldDevice, FieldSubmission
from forms_engine.models import FormDefinition, FormVersion, Submission
from forms_engine.services import form_create, form_field_add, form_publish
from notifications.models import DueItem, ReminderRule
from registry.models import Cadre, Staff
from tenants.roles import Role, role_group, role_group_name
from tests.conftest import PASSWORD, client_for, make_user
from tests.notifications.test_sweep import submission_form
from tests.registry.conftest import huangpu_people, new_cadre  # noqa: F401 - the registry's people

pytestmark = pytest.mark.django_db
API = "/field/api/"
DEVICE = uuid.UUID("00000000-0000-4000-8000-000000000001")
PHONE_UA = "Mozilla/5.0 (Linux; Android 14; Pixel 8) Mobile Safari/537.36"


def signed_in(code: str, username: str, role: Role | None = None) -> Client:
    """A phone's browser signed in with the staff account, sending the CSRF token as the app does."""
    if role is not None:
        make_user(code, username, groups=(role_group_name(role),))
    client = Client(HTTP_HOST=f"{code}.localhost", HTTP_USER_AGENT=PHONE_UA, enforce_csrf_checks=True)
    login = client.get("/admin/login/")
    token = login.cookies["csrftoken"].value
    assert client.post("/admin/login/", {"username": username, "password": PASSWORD, "csrfmiddlewaretoken": token})[
        "Location"
    ] in ("/admin/", "/admin")
    client.defaults["HTTP_X_CSRFTOKEN"] = client.cookies["csrftoken"].value
    return client


def today_of(client: Client, device: uuid.UUID = DEVICE):
    return client.get(API + "today/", {"device": str(device)})


def send(client: Client, payload: dict, files: dict | None = None):
    """A queued submission as the app sends it: the JSON in the part "payload", each photo a part named by its field."""
    return client.post(API + "submissions/", {"payload": json.dumps(payload), **(files or {})})


def visit_payload(*, cadre: Cadre, version_id: int, day: dt.date, visit_type: str = "daily_call", **extra) -> dict:
    return {
        "client_key": str(extra.pop("key", uuid.uuid4())),
        "device_id": str(DEVICE),
        "version_id": version_id,
        "cadre_id": cadre.pk,
        "answers": {"cadre": cadre.pk, "visit_type": visit_type, "visit_date": day.isoformat(), **extra},
        "filled_at": timezone.now().isoformat(),
    }


def jpeg(size=(64, 48)) -> io.BytesIO:
    data = io.BytesIO()
    Image.new("RGB", size, (200, 120, 40)).save(data, "JPEG")
    data.seek(0)
    data.name = "photo.jpg"
    return data


@pytest.fixture
def round_(huangpu_people):  # noqa: F811 - the fixture imported above
    """The liaison's round: four items (one late, one today, one in three days, one too far), another staff member's
    item, and the visit-record form published."""
    today = timezone.localdate()
    with schema_context("huangpu"):
        form = submission_form()
        rules = {r.key: r for r in ReminderRule.objects.all()}
        other = Staff.objects.create(name="张同事", rest_home=huangpu_people["west"])
        rows = {
            "late_call": (rules["daily-call"], huangpu_people["wang"], -1, "overdue", huangpu_people["liaison"]),
            "call": (rules["daily-call"], huangpu_people["wang"], 0, "open", huangpu_people["liaison"]),
            "visit": (rules["quarterly-visit"], huangpu_people["zeng"], 3, "open", huangpu_people["liaison"]),
            "far": (rules["quarterly-visit"], huangpu_people["wang"], 8, "open", huangpu_people["liaison"]),
            "others": (rules["daily-call"], huangpu_people["zhao"], 0, "open", other),
        }
        made = {}
        for name, (rule, cadre, days, state, staff) in rows.items():
            due = today + dt.timedelta(days=days)
            made[name] = DueItem.objects.create(
                rule=rule,
                subject_type="cadre",
                subject_id=cadre.pk,
                period_key=f"{due.isoformat()}-{name}",
                period_start=min(due, today),
                due_on=due,
                state=state,
                assignee=staff,
            )
    return {**huangpu_people, "form": form, "items": made, "rules": rules, "today": today}


def test_today_gives_the_liaisons_items_their_cadres_cards_and_the_forms_they_may_fill(round_):
    today, wang, zeng, form = round_["today"], round_["wang"], round_["zeng"], round_["form"]
    items, rules = round_["items"], round_["rules"]
    with schema_context("huangpu"):
        version = form.current_version_id
        # Festival visits to wang 4, 3, 2 days and yesterday (the last three are shown), one named only in the
        # answers, and two complaints of his: one open, one closed.
        for days in (4, 3, 2, 1):
            Submission.objects.create(
                form=form,
                version_id=version,
                cadre=wang if days != 2 else None,
                state="submitted",
                data={
                    "cadre": wang.pk,
                    "visit_type": "festival",
                    "visit_date": (today - dt.timedelta(days=days)).isoformat(),
                },
            )
        complaint = form_create(title="投诉登记处理", key="complaint-test", purpose="complaint")
        form_field_add(form=complaint, name="content", field_type="textarea", label="内容")
        complaint_version = form_publish(form=complaint)
        for state in ("received", "closed"):
            Submission.objects.create(
                form=complaint, version=complaint_version, cadre=wang, state=state, data={"content": "x"}
            )
        fillable = {
            str(f.current_version_id): f.key for f in FormDefinition.objects.filter(current_version__isnull=False)
        }
    phone = signed_in("huangpu", "liaison")
    response = today_of(phone)
    assert response.status_code == 200
    assert response["Cache-Control"].startswith("max-age=0")
    body = response.json()
    assert body["user"] == {"name": "李联络", "staff_id": round_["liaison"].pk}
    assert body["wipe"] is False
    yesterday = (today - dt.timedelta(days=1)).isoformat()
    assert body["items"] == [
        {
            "id": items["late_call"].pk,
            "group": "overdue",
            "title": rules["daily-call"].title,
            "subject": "王德胜",
            "due_date": yesterday,
            "cadre_id": wang.pk,
            "form_key": "visit-record",
            "version_id": version,
            "prefill": {"cadre": wang.pk, "visit_type": "daily_call", "visit_date": yesterday},
        },
        {
            "id": items["call"].pk,
            "group": "today",
            "title": rules["daily-call"].title,
            "subject": "王德胜",
            "due_date": today.isoformat(),
            "cadre_id": wang.pk,
            "form_key": "visit-record",
            "version_id": version,
            "prefill": {"cadre": wang.pk, "visit_type": "daily_call", "visit_date": today.isoformat()},
        },
        {
            "id": items["visit"].pk,
            "group": "week",
            "title": rules["quarterly-visit"].title,
            "subject": "曾国平",
            "due_date": (today + dt.timedelta(days=3)).isoformat(),
            "cadre_id": zeng.pk,
            "form_key": "visit-record",
            "version_id": version,
            "prefill": {"cadre": zeng.pk, "visit_type": "quarterly_visit", "visit_date": today.isoformat()},
        },
    ]
    # Their own cadres (the east rest home's), never zhao of the west home; contact data unmasked for a liaison.
    assert body["cadres"] == {
        str(wang.pk): {
            "name": "王德胜",
            "rest_home": "东休养所",
            "address": "上海市黄浦区南京东路100号",
            "phone": "13812345678",
            "flags": ["独居"],
            "last_visits": [
                {"date": (today - dt.timedelta(days=days)).isoformat(), "form_title": "走访慰问记录"}
                for days in (1, 2, 3)
            ],
            "open_complaints": [{"date": today.isoformat(), "title": "投诉登记处理"}],
        },
        str(zeng.pk): {
            "name": "曾国平",
            "rest_home": "东休养所",
            "address": "",
            "phone": "",
            "flags": [],
            "last_visits": [],
            "open_complaints": [],
        },
    }
    assert {version_id: entry["key"] for version_id, entry in body["forms"].items()} == fillable
    with schema_context("huangpu"):
        schema = FormVersion.objects.get(pk=version).schema
    assert body["forms"][str(version)] == {
        "key": "visit-record",
        "title": "走访慰问记录",
        "purpose": "visit",
        "version_id": version,
        "schema": schema,
    }


def test_cards_are_masked_and_flags_hidden_as_the_users_permissions_say(round_):
    wang = round_["wang"]
    with schema_context("huangpu"):
        Cadre.objects.filter(pk=wang.pk).update(bedridden=True)
        caseworkers = role_group(Role.CASEWORKER)
        contact = Permission.objects.get(codename="view_contact_data")
        health = Permission.objects.get(codename="view_health_data")
        caseworkers.permissions.remove(contact)
    phone = signed_in("huangpu", "liaison")
    card = today_of(phone).json()["cadres"][str(wang.pk)]
    assert (card["phone"], card["address"], card["flags"]) == ("138****5678", "上海市黄浦区****", ["独居"])
    with schema_context("huangpu"):
        caseworkers.permissions.add(contact, health)
    card = today_of(phone).json()["cadres"][str(wang.pk)]
    assert (card["phone"], card["address"], card["flags"]) == (
        "13812345678",
        "上海市黄浦区南京东路100号",
        ["独居", "长期卧床"],
    )


def test_a_device_is_registered_once_and_each_contact_is_its_last(round_):
    phone = signed_in("huangpu", "liaison")
    first = phone.post(API + "devices/", {"device_id": str(DEVICE)}, content_type="application/json")
    assert (first.status_code, first.json()) == (201, {"device_id": str(DEVICE), "wipe": False})
    again = phone.post(API + "devices/", {"device_id": str(DEVICE)}, content_type="application/json")
    assert (again.status_code, again.json()) == (200, {"device_id": str(DEVICE), "wipe": False})
    with schema_context("huangpu"):
        device = FieldDevice.objects.get()
        registered = device.last_contact
        assert (device.user.username, device.label, device.revoked_at) == ("liaison", PHONE_UA, None)
    pong = phone.get(API + "ping/", {"device": str(DEVICE)})
    assert pong.status_code == 200 and pong.json()["wipe"] is False
    assert abs(dt.datetime.fromisoformat(pong.json()["server_time"]) - timezone.now()) < dt.timedelta(seconds=30)
    with schema_context("huangpu"):
        assert FieldDevice.objects.get().last_contact > registered
    bad = phone.get(API + "ping/", {"device": "not-a-uuid"})
    assert (bad.status_code, bad.json()["message"]) == (400, "无法识别这台设备。")
    # Not signed in, or without the CSRF token: refused in JSON.
    anonymous = client_for("huangpu")
    assert anonymous.get(API + "today/", {"device": str(DEVICE)}).json() == {"message": "请先用工作人员账号登录。"}
    del phone.defaults["HTTP_X_CSRFTOKEN"]
    refused = phone.post(API + "devices/", {"device_id": str(DEVICE)}, content_type="application/json")
    assert refused.status_code == 403 and refused["Content-Type"] == "application/json"


def test_a_visit_with_a_photo_lands_once_clears_its_item_and_a_repeat_answers_with_the_first_receipt(round_):
    today, wang, form, items = round_["today"], round_["wang"], round_["form"], round_["items"]
    with schema_context("huangpu"):
        form_field_add(form=form, name="photo", field_type="file", label="照片")
        version = form_publish(form=form).pk
    phone = signed_in("huangpu", "liaison")
    payload = visit_payload(cadre=wang, version_id=version, day=today, thought="精神很好")
    payload["due_item_id"] = items["call"].pk
    first = send(phone, payload, {"photo": jpeg()})
    assert first.status_code == 201, first.content
    receipt = first.json()
    with schema_context("huangpu"):
        submission = Submission.objects.get(form=form)
        assert receipt == {
            "receipt": submission.receipt,
            "submission_id": submission.pk,
            "flagged": False,
            "review_reason": "",
            "closed_items": [items["call"].pk],
        }
        assert (submission.channel, submission.cadre_id, submission.version_id) == ("field", wang.pk, version)
        assert submission.data["thought"] == "精神很好"
        assert (submission.data["photo"]["name"], submission.data["photo"]["content_type"]) == (
            "photo.jpg",
            "image/jpeg",
        )
        item = DueItem.objects.get(pk=items["call"].pk)
        assert (item.state, item.fulfilled_by) == ("done", f"submission:{submission.pk}")
        assert DueItem.objects.get(pk=items["late_call"].pk).state == "overdue"  # today's call is not yesterday's
        stored = FieldSubmission.objects.get()
        assert (stored.client_key, stored.receipt, stored.due_item_id) == (
            uuid.UUID(payload["client_key"]),
            submission.receipt,
            items["call"].pk,
        )
    again = send(phone, payload, {"photo": jpeg()})
    assert (again.status_code, again.json()) == (200, {**receipt, "closed_items": []})
    with schema_context("huangpu"):
        assert Submission.objects.filter(form=form).count() == 1
        assert FieldSubmission.objects.count() == 1
    assert items["call"].pk not in [row["id"] for row in today_of(phone).json()["items"]]


def test_the_same_key_sent_from_two_connections_at_once_is_stored_once():
    """Real concurrency: committed rows, two connections released together; one row, the same receipt for both; and
    another user's request with the same key at the same moment is refused, never given the receipt."""
    from field.services import NotFound, device_register, field_submission_accept
    from tenants.services import centre_user_ensure

    made: dict = {}

    def in_thread(work):
        def run():
            try:
                with schema_context("huangpu"):
                    work()
            finally:
                connection.close()

        thread = threading.Thread(target=run)
        thread.start()
        thread.join(timeout=60)

    def setup():
        made["user"] = centre_user_ensure(
            username="field-race", password=PASSWORD, groups=(role_group_name(Role.CASEWORKER),)
        )
        made["device"], _created = device_register(user=made["user"], device_id=uuid.uuid4())
        made["other"] = centre_user_ensure(
            username="field-race-2", password=PASSWORD, groups=(role_group_name(Role.CASEWORKER),)
        )
        made["other_device"], _created = device_register(user=made["other"], device_id=uuid.uuid4())
        form = form_create(title="外勤并发测试", key="field-race", purpose="survey")
        form_field_add(form=form, name="note", field_type="text", label="备注")
        made["version"] = form_publish(form=form).pk
        made["form"] = form

    in_thread(setup)
    assert {"user", "device", "version", "form"} <= set(made)
    key = uuid.uuid4()
    results: list = []
    try:
        for _round in range(4):
            key = uuid.uuid4()
            barrier = threading.Barrier(2)
            round_results: list = []

            def accept(barrier=barrier, round_results=round_results, key=key, who="user", device="device"):
                barrier.wait(timeout=10)
                try:
                    accepted = field_submission_accept(
                        user=made[who],
                        device=made[device],
                        client_key=key,
                        version_id=made["version"],
                        answers={"note": "并发"},
                    )
                except NotFound:
                    round_results.append(("refused", who))
                    return
                round_results.append((accepted.created, accepted.receipt.receipt))

            # Rounds 0-2: the same user twice; round 3: the same key from another user at the same moment.
            people = [("user", "device"), ("other", "other_device") if _round == 3 else ("user", "device")]
            threads = [
                threading.Thread(target=in_thread, args=(functools.partial(accept, who=who, device=device),))
                for who, device in people
            ]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join(timeout=60)
            if _round == 3:
                outcomes = sorted(str(first) for first, _second in round_results)
                assert outcomes == ["True", "refused"], round_results  # stored once, the other user told nothing
                continue
            assert sorted(created for created, _receipt in round_results) == [False, True]
            assert round_results[0][1] == round_results[1][1]
            results.append(round_results)

        def count():
            made["rows"] = (
                Submission.objects.filter(form=made["form"]).count(),
                FieldSubmission.objects.filter(user__in=[made["user"], made["other"]]).count(),
            )

        in_thread(count)
        assert made["rows"] == (4, 4)
    finally:

        def cleanup():
            users = [made[who] for who in ("user", "other") if who in made]
            FieldSubmission.objects.filter(user__in=users).delete()
            if "form" in made:
                Submission.objects.filter(form=made["form"]).delete()
                made["form"].delete()
            FieldDevice.objects.filter(user__in=users).delete()
            for user in users:
                user.delete()

        in_thread(cleanup)


def test_a_visit_filled_in_a_version_since_replaced_lands_pinned_to_it_and_flagged_for_review(round_):
    today, wang, form = round_["today"], round_["wang"], round_["form"]
    with schema_context("huangpu"):
        old = form.current_version_id
        old_number = FormVersion.objects.get(pk=old).number
        form_field_add(form=form, name="mood", field_type="text", label="心情")
        form_publish(form=form)
    phone = signed_in("huangpu", "liaison")
    landed = send(phone, visit_payload(cadre=wang, version_id=old, day=today))
    assert landed.status_code == 201
    assert (landed.json()["flagged"], landed.json()["review_reason"]) == (
        True,
        f"按第 {old_number} 版填写，该版已被替换。",
    )
    with schema_context("huangpu"):
        submission = Submission.objects.get(form=form)
        assert (submission.version_id, submission.review_reason) == (old, f"按第 {old_number} 版填写，该版已被替换。")
    # The submissions list of the admin shows it.
    admin = signed_in("huangpu", "hp-admin", Role.CENTRE_ADMIN)
    listing = admin.get(f"/admin/forms-engine/{form.pk}/submissions/").content.decode()
    reason = f"按第 {old_number} 版填写，该版已被替换。"
    assert f'<span class="status-tag primary" data-review title="{reason}">待复核</span>' in listing
    detail = admin.get(f"/admin/forms-engine/submissions/{submission.pk}/").content.decode()
    assert f"<dt>待复核</dt><dd data-review>{reason}</dd>" in detail


def test_a_refused_submission_says_why_in_chinese_and_stores_nothing(round_):
    today, wang, form = round_["today"], round_["wang"], round_["form"]
    version = form.current_version_id
    phone = signed_in("huangpu", "liaison")
    missing = send(phone, {**visit_payload(cadre=wang, version_id=version, day=today), "answers": {"cadre": wang.pk}})
    assert missing.status_code == 422
    assert missing.json() == {
        "message": "未被接受：此问题必须回答。",
        "errors": {"visit_type": ["此问题必须回答。"], "visit_date": ["此问题必须回答。"]},
    }
    hospital = send(phone, visit_payload(cadre=wang, version_id=version, day=today, visit_type="hospital"))
    assert (hospital.status_code, hospital.json()["errors"]) == (422, {"hospital_name": ["此问题必须回答。"]})
    with schema_context("huangpu"):
        form_field_add(form=form, name="photo", field_type="file", label="照片")
        with_photo = form_publish(form=form).pk
    not_a_photo = io.BytesIO(b"not a picture at all")
    not_a_photo.name = "photo.jpg"
    bad_photo = send(phone, visit_payload(cadre=wang, version_id=with_photo, day=today), {"photo": not_a_photo})
    assert (bad_photo.status_code, bad_photo.json()) == (
        422,
        {"message": "未被接受：文件内容与其类型不符。", "errors": {"photo": ["文件内容与其类型不符。"]}},
    )
    with schema_context("huangpu"):
        Cadre.objects.filter(pk=wang.pk).update(state=Cadre.State.TRANSFERRED)
    moved = send(phone, visit_payload(cadre=wang, version_id=version, day=today))
    assert moved.status_code == 422
    reason = "这位军休干部已不在本中心服务，或不由你联系。"
    assert moved.json() == {"message": f"未被接受：{reason}", "errors": {"cadre": [reason]}}
    # Named only in the form's cadre question, as the admin's fill page names it: refused the same.
    unnamed = send(phone, {**visit_payload(cadre=wang, version_id=version, day=today), "cadre_id": None})
    assert (unnamed.status_code, unnamed.json()) == (422, moved.json())
    with schema_context("huangpu"):
        assert not Submission.objects.filter(form=form).exists()
        assert not FieldSubmission.objects.exists()


def test_a_device_signed_out_remotely_is_told_to_wipe_and_its_session_ends(round_):
    phone = signed_in("huangpu", "liaison")
    assert today_of(phone).json()["items"]
    admin = signed_in("huangpu", "hp-admin", Role.CENTRE_ADMIN)
    listing = admin.get("/admin/field/devices/").content.decode()
    with schema_context("huangpu"):
        device = FieldDevice.objects.get()
    assert f'<tr data-device="{device.pk}"><td>李联络</td><td>{PHONE_UA}</td>' in listing
    assert "远程退出" in listing
    revoked = admin.post("/admin/field/devices/", {"device": device.pk})
    assert revoked.status_code == 302
    with schema_context("huangpu"):
        device.refresh_from_db()
        assert device.revoked_by.username == "hp-admin"
    wiped = today_of(phone)
    assert (wiped.status_code, wiped.json()) == (200, {"wipe": True})
    # The session is over: the next contact must sign in again.
    assert today_of(phone).status_code == 403
    # Signed in again, the revoked device stays revoked: it is told to wipe and nothing it sends is stored.
    phone = signed_in("huangpu", "liaison")
    form, wang = round_["form"], round_["wang"]
    payload = visit_payload(cadre=wang, version_id=form.current_version_id, day=round_["today"])
    assert (send(phone, payload).json(), today_of(phone).status_code) == ({"wipe": True}, 403)
    with schema_context("huangpu"):
        assert not Submission.objects.filter(form=form).exists()
    # A new install (a new device id) works again.
    phone = signed_in("huangpu", "liaison")
    fresh = uuid.uuid4()
    assert send(phone, {**payload, "device_id": str(fresh)}).status_code == 201
    assert today_of(phone, fresh).json()["wipe"] is False
    # A liaison may not see or sign out devices.
    liaison = signed_in("huangpu", "liaison")
    assert liaison.get("/admin/field/devices/").status_code in (302, 403)
    assert liaison.post("/admin/field/devices/", {"device": device.pk}).status_code in (302, 403)


def test_another_centre_and_another_rest_home_get_none_of_it_and_their_keys_are_refused(round_):
    today, wang, form = round_["today"], round_["wang"], round_["form"]
    phone = signed_in("huangpu", "liaison")
    payload = visit_payload(cadre=wang, version_id=form.current_version_id, day=today)
    assert send(phone, payload).status_code == 201
    # The huangpu session is worthless on putuo's host.
    phone.defaults["HTTP_HOST"] = "putuo.localhost"
    assert phone.get(API + "today/", {"device": str(DEVICE)}).status_code == 403
    # Putuo's own liaison: nothing of huangpu's, and huangpu's request sent to putuo is refused, storing nothing.
    with schema_context("putuo"):
        user = make_user("putuo", "pt-liaison", groups=(role_group_name(Role.CASEWORKER),))
        Staff.objects.create(user=user, name="普陀联络")
        before = Submission.objects.count()
        versions = set(FormVersion.objects.values_list("pk", flat=True))
    putuo = signed_in("putuo", "pt-liaison")
    body = today_of(putuo).json()
    assert (body["items"], body["cadres"]) == ([], {})
    replay = send(putuo, payload)
    if payload["version_id"] in versions:  # the same number names one of putuo's own versions
        assert replay.status_code == 422 and replay.json()["errors"] == {
            "cadre": ["这位军休干部已不在本中心服务，或不由你联系。"]
        }
    else:
        assert (replay.status_code, replay.json()) == (404, {"message": "这里没有这份表单或提交。"})
    with schema_context("putuo"):
        assert Submission.objects.count() == before
        assert not FieldSubmission.objects.exists()
    # The west rest home's liaison in huangpu: none of the east home's cadres, and the east liaison's key is refused.
    with schema_context("huangpu"):
        west = Staff.objects.create(
            user=make_user("huangpu", "west-liaison", groups=(role_group_name(Role.CASEWORKER),)),
            name="西联络",
            rest_home=round_["west"],
        )
        assert west.pk
    other = signed_in("huangpu", "west-liaison")
    seen = today_of(other).json()
    assert (seen["items"], list(seen["cadres"])) == ([], [str(round_["zhao"].pk)])
    stolen = send(other, {**payload, "device_id": str(uuid.uuid4())})
    assert (stolen.status_code, stolen.json()) == (404, {"message": "这里没有这份表单或提交。"})
    fresh = send(other, {**payload, "client_key": str(uuid.uuid4())})
    assert fresh.status_code == 422 and fresh.json()["errors"] == {
        "cadre": ["这位军休干部已不在本中心服务，或不由你联系。"]
    }
    with schema_context("huangpu"):
        assert Submission.objects.filter(form=form).count() == 1


def test_today_asks_the_database_as_often_for_3_items_as_for_33(round_):
    phone = signed_in("huangpu", "liaison")
    today_of(phone)  # the device registered, the session and permissions warmed up

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert today_of(phone).status_code == 200
        return len(captured)

    few = queries()
    with schema_context("huangpu"):
        rule = round_["rules"]["daily-call"]
        for index in range(30):
            cadre = new_cadre(f"外勤{index}", seq=500 + index, rest_home=round_["east"])
            DueItem.objects.create(
                rule=rule,
                subject_type="cadre",
                subject_id=cadre.pk,
                period_key=round_["today"].isoformat(),
                period_start=round_["today"],
                due_on=round_["today"],
                assignee=round_["liaison"],
            )
    today_of(phone)  # back in the centre's schema after the set-up above
    many = queries()
    body = today_of(phone).json()
    assert (len(body["items"]), len(body["cadres"])) == (33, 32)
    assert many == few, (few, many)


def test_a_deleted_login_takes_its_devices_and_keys_with_it_and_its_submissions_stay(round_):
    today, wang, form = round_["today"], round_["wang"], round_["form"]
    phone = signed_in("huangpu", "liaison")
    assert send(phone, visit_payload(cadre=wang, version_id=form.current_version_id, day=today)).status_code == 201
    with schema_context("huangpu"):
        round_["liaison"].user.delete()
        assert (FieldDevice.objects.count(), FieldSubmission.objects.count()) == (0, 0)
        assert list(Submission.objects.filter(form=form).values_list("cadre_id", "created_by")) == [(wang.pk, None)]
