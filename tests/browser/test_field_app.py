"""The liaison's field app (/field/) in Chromium on a 360 × 640 phone: signed in, today's list; offline, a reload still
opens it; a visit record filled with a condition and a photo (resized on the phone) waits as "1 条待上传" and is sent
when the network is back — stored once, its item done. The same queue sent twice, and from two tabs at once, stores
one submission; a refused one shows the server's reason, stays, and is sent again once corrected; a phone signed out
(by its user or remotely by the centre) holds nothing any more."""

from __future__ import annotations

import datetime as dt
import io
import re

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.utils import timezone
from django_tenants.utils import schema_context
from PIL import Image

from field.models import FieldDevice, FieldSubmission
from field.services import device_revoke
from forms_engine.models import FormDefinition, Submission
from forms_engine.services import form_create, form_field_add, form_publish
from notifications.models import DueItem, ReminderRule
from registry.models import Cadre, RestHome, Staff
from registry.selectors import cadre_cards
from tenants.roles import Role, role_group_name
from tests.conftest import PASSWORD, make_user
from tests.registry.conftest import new_cadre

USER, HOME, KEY = "field-liaison", "外勤测试休养所", "field-app-visit"
OTHER = "field-liaison-2"
PHONE = {"viewport": {"width": 360, "height": 640}, "locale": "zh-CN", "is_mobile": True, "has_touch": True}
# How many rows the app keeps in IndexedDB, read with the browser's own API (the log-in page has no idb-keyval).
IDB_COUNT = """() => new Promise((resolve) => {
  const open = indexedDB.open('junxiu-field');
  open.onupgradeneeded = () => { open.transaction.abort(); resolve(0); };
  open.onerror = () => resolve(0);
  open.onsuccess = () => {
    const db = open.result;
    if (!db.objectStoreNames.contains('kv')) { db.close(); resolve(0); return; }
    const count = db.transaction('kv').objectStore('kv').count();
    count.onsuccess = () => { db.close(); resolve(count.result); };
  };
})"""
CACHES = "() => caches.keys()"


@pytest.mark.django_db
def test_the_centre_is_served(centres):
    """Makes pytest-django set up the test database when only this module runs."""
    assert centres["huangpu"].domains.filter(domain="huangpu.localhost").exists()


def _clean() -> None:
    from axes.models import AccessAttempt
    from axes.models import AccessLog as LoginLog

    from registry.models import AccessLog

    cadres = list(Cadre.objects.filter(rest_home__name=HOME).values_list("pk", flat=True))
    FieldSubmission.objects.filter(user__username__in=[USER, OTHER]).delete()
    FieldDevice.objects.filter(user__username__in=[USER, OTHER]).delete()
    Submission.objects.filter(form__key=KEY).delete()
    DueItem.objects.filter(rule__key=KEY).delete()
    ReminderRule.objects.filter(key=KEY).delete()
    FormDefinition.objects.filter(key=KEY).delete()
    Cadre.objects.filter(pk__in=cadres).delete()
    Staff.objects.filter(user__username=USER).delete()
    RestHome.objects.filter(name=HOME).delete()
    AccessLog.objects.filter(username__in=[USER, OTHER]).delete()
    LoginLog.objects.filter(username__in=[USER, OTHER]).delete()
    AccessAttempt.objects.filter(username__in=[USER, OTHER]).delete()
    get_user_model().objects.filter(username__in=[USER, OTHER]).delete()


@pytest.fixture
def round_(committed_db, centre_server):
    """A liaison with one cadre living alone; a visit form with a condition (the hospital's name, shown and required
    for a hospital visit) and a photo; a visit due today under a rule this form fulfils."""
    today = timezone.localdate()
    with schema_context("huangpu"):
        _clean()
        home = RestHome.objects.create(name=HOME)
        user = make_user("huangpu", USER, groups=(role_group_name(Role.CASEWORKER),))
        liaison = Staff.objects.create(user=user, name="外勤联络员", rest_home=home)
        wang = new_cadre(
            "外王德",
            seq=761,
            area="310109",
            rest_home=home,
            liaison=liaison,
            lives_alone=True,
            mobile="13812345678",
            address="上海市黄浦区外勤路1号",
        )
        form = form_create(title="外勤走访记录", key=KEY, purpose="visit")
        choices = [{"value": "home", "label": "上门走访"}, {"value": "hospital", "label": "住院探望"}]
        form_field_add(form=form, name="cadre", field_type="cadre", label="军休干部", required=True)
        form_field_add(
            form=form, name="visit_type", field_type="choice", label="走访类型", required=True, choices=choices
        )
        form_field_add(form=form, name="visit_date", field_type="date", label="走访日期", required=True)
        condition = "${visit_type} = 'hospital'"
        form_field_add(
            form=form,
            name="hospital_name",
            field_type="text",
            label="住院医院",
            relevant=condition,
            required_if=condition,
        )
        form_field_add(form=form, name="photo", field_type="file", label="现场照片")
        form_publish(form=form)
        rule = ReminderRule.objects.create(
            key=KEY,
            title="外勤测试走访",
            subject="cadre",
            cadence={"every": "quarter"},
            fulfilment={"form": KEY, "date_field": "visit_date", "answers": {"visit_type": "hospital"}},
        )
        item = DueItem.objects.create(
            rule=rule,
            subject_type="cadre",
            subject_id=wang.pk,
            period_key=today.isoformat(),
            period_start=today,
            due_on=today,
            state="open",
            assignee=liaison,
        )
    connection.set_schema_to_public()
    yield {"wang": wang, "item": item, "form": form, "today": today}
    with schema_context("huangpu"):
        _clean()
    connection.set_schema_to_public()


def sign_in(context, centre_server, username: str = USER, page=None):
    page = page or context.new_page()
    page.goto(centre_server.url("huangpu", "/field/"))
    page.wait_for_url(re.compile(r"/admin/login/"))
    page.fill('input[name="username"]', username)
    page.fill('input[name="password"]', PASSWORD)
    page.click('button[type="submit"]')
    page.wait_for_url(re.compile(r"/field/$"))
    ready(page)
    return page


def ready(page, view: str = "today") -> None:
    page.wait_for_selector(f'main[data-ready="{view}"]')


def worker_ready(page) -> None:
    """The service worker controls the page and holds the shell, so the next open needs no network."""
    page.wait_for_function("() => navigator.serviceWorker.controller !== null")
    for _ in range(100):
        if page.evaluate("() => caches.match('/field/').then(Boolean)"):
            return
        page.wait_for_timeout(100)
    raise AssertionError("the service worker did not keep the shell")


def expect_pending(page, text: str) -> None:
    """The count of records waiting on the phone reads `text` (it is redrawn a moment after the queue changes)."""
    from playwright.sync_api import expect

    expect(page.locator("[data-pending]")).to_have_text(text)


def big_photo() -> bytes:
    """A 12-megapixel-like photo (4000 × 3000, noisy so that JPEG keeps it big)."""
    data = io.BytesIO()
    Image.effect_noise((4000, 3000), 60).convert("RGB").save(data, "JPEG", quality=95)
    return data.getvalue()


def test_a_visit_filled_offline_with_a_photo_waits_and_is_sent_once_when_the_network_is_back(
    browser, centre_server, round_, screenshot_dir
):
    from axe_playwright_python.sync_playwright import Axe

    wang, item, form, today = round_["wang"], round_["item"], round_["form"], round_["today"]
    context = browser.new_context(**PHONE)
    page = sign_in(context, centre_server)

    # Today's list: the visit under 今天, on the cadre's card (flags, the phone as masked for a liaison), and 去填写.
    card = page.locator(f'[data-section="today"] [data-item="{item.pk}"]')
    assert page.locator('[data-section="today"] h2').text_content().startswith("今天")
    assert card.locator("h3").text_content() == "外王德"
    assert card.locator(".fa-task").text_content() == "外勤测试走访"
    assert "独居" in card.locator(".fa-flags").text_content()
    with schema_context("huangpu"):
        shown = cadre_cards(user=get_user_model().objects.get(username=USER), ids=[wang.pk])[wang.pk]
    meta = card.locator(".fa-meta dd").all_text_contents()
    assert meta == [HOME, shown["address"], shown["phone"]]
    assert card.locator("a[data-fill]").text_content() == "去填写"
    assert page.locator('[data-section="forms"] a[data-form="field-app-visit"]').text_content() == "外勤走访记录"
    # Large type and targets on the phone.
    size = page.evaluate("parseFloat(getComputedStyle(document.body).fontSize)")
    height = card.locator("a[data-fill]").bounding_box()["height"]
    assert size >= 18 and height >= 44, (size, height)
    # The system's font size raised by half: the type grows with it and nothing runs off the 360 px screen.
    cdp = context.new_cdp_session(page)
    cdp.send("Page.setFontSizes", {"fontSizes": {"standard": 24}})
    assert page.evaluate("parseFloat(getComputedStyle(document.body).fontSize)") == 27
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    cdp.send("Page.setFontSizes", {"fontSizes": {"standard": 16}})
    results = Axe().run(page).response
    assert [(v["id"], [n["target"] for n in v["nodes"]][:3]) for v in results["violations"]] == []
    worker_ready(page)

    # No network: a reload still opens the app, with the list and when it was last brought up to date.
    context.set_offline(True)
    worker = context.service_workers[0]
    assert worker.evaluate("fetch('/field/sw.js?probe').then((r) => r.status, () => 'no network')") == "no network"
    page.reload()
    ready(page)
    assert page.locator(f'[data-item="{item.pk}"] h3').text_content() == "外王德"
    assert page.locator("[data-status]").text_content().startswith("没有网络。 上次更新：")

    # 去填写: the form with the cadre and today's date, the hospital asked for by the rule, so its name is shown.
    page.click(f'[data-item="{item.pk}"] a[data-fill]')
    ready(page, "form")
    assert page.locator('[data-field="cadre"] select').input_value() == str(wang.pk)
    assert page.locator('[data-field="visit_date"] input').input_value() == today.isoformat()
    hospital = page.locator('[data-field="hospital_name"]')
    assert hospital.is_visible()
    page.check('[data-field="visit_type"] input[value="home"]')
    assert hospital.is_hidden()
    page.check('[data-field="visit_type"] input[value="hospital"]')
    assert hospital.is_visible()
    page.click('button[type="submit"]')
    assert hospital.locator("[data-error]").text_content() == "此问题必须回答。"
    assert page.locator("[data-form-error]").is_visible()
    page.fill('[data-field="hospital_name"] input', "瑞金医院")
    photo = big_photo()
    page.set_input_files(
        '[data-field="photo"] input[type="file"]', {"name": "IMG_0001.jpg", "mimeType": "image/jpeg", "buffer": photo}
    )
    page.wait_for_selector('[data-field="photo"] img.fa-photo:not([hidden])')
    page.screenshot(path=str(screenshot_dir / "field-form.png"), full_page=True)
    results = Axe().run(page).response
    assert [(v["id"], [n["target"] for n in v["nodes"]][:3]) for v in results["violations"]] == []
    page.click('button[type="submit"]')

    # Queued on the phone: the count, the item marked, the photo resized there (long side 1600 px, JPEG).
    ready(page)
    expect_pending(page, "1 条待上传")
    assert page.locator(f'[data-item="{item.pk}"] a[data-fill]').count() == 0
    stored = page.evaluate(
        """() => FieldQueue.list().then(async (entries) => {
          const e = entries[0], blob = e.files.photo.blob, bitmap = await createImageBitmap(blob);
          return {n: entries.length, answers: e.answers, item: e.due_item_id, type: blob.type, size: blob.size,
                  width: bitmap.width, height: bitmap.height, key: e.client_key};
        })"""
    )
    assert (stored["n"], stored["item"], stored["type"], stored["width"], stored["height"]) == (
        1,
        item.pk,
        "image/jpeg",
        1600,
        1200,
    )
    assert stored["size"] < len(photo) / 4, (stored["size"], len(photo))
    assert stored["answers"] == {
        "cadre": str(wang.pk),
        "visit_type": "hospital",
        "visit_date": today.isoformat(),
        "hospital_name": "瑞金医院",
    }
    with schema_context("huangpu"):
        assert not Submission.objects.filter(form=form).exists()
    page.screenshot(path=str(screenshot_dir / "field-queued.png"), full_page=True)

    # Back online: sent, the count gone, the item done; stored once, with the photo as the phone made it.
    context.set_offline(False)
    page.wait_for_selector("[data-pending]", state="hidden", timeout=20000)
    page.wait_for_function("() => document.querySelector('[data-status]').hidden")
    with schema_context("huangpu"):
        submission = Submission.objects.get(form=form)
        assert (submission.cadre_id, submission.data["hospital_name"], submission.data["visit_type"]) == (
            wang.pk,
            "瑞金医院",
            "hospital",
        )
        assert submission.data["photo"]["size"] == stored["size"]
        assert FieldSubmission.objects.filter(user__username=USER).count() == 1
        assert str(FieldSubmission.objects.get(user__username=USER).client_key) == stored["key"]
        assert DueItem.objects.get(pk=item.pk).state == "done"
    page.wait_for_selector(f'[data-item="{item.pk}"]', state="detached")
    assert page.evaluate("FieldQueue.list().then((e) => e.length)") == 0
    context.close()


QUEUE_ONE = """([version, cadre, day]) => FieldQueue.put({
  version_id: version, title: '外勤走访记录', cadre_id: cadre, due_item_id: null, files: {},
  answers: {cadre: String(cadre), visit_type: 'home', visit_date: day}, filled_at: new Date().toISOString()
}).then((e) => FieldQueue.entry(e.client_key))"""


def test_the_same_queue_sent_twice_and_from_two_tabs_at_once_is_stored_once(browser, centre_server, round_):
    wang, form, today = round_["wang"], round_["form"], round_["today"]
    with schema_context("huangpu"):
        version = form.current_version_id
    context = browser.new_context(**PHONE)
    first = sign_in(context, centre_server)
    second = context.new_page()
    second.goto(centre_server.url("huangpu", "/field/"))
    ready(second)
    worker_ready(first)

    # Queued offline in the first tab; back online, both tabs send at once (and the app itself on `online`).
    context.set_offline(True)
    entry = first.evaluate(QUEUE_ONE, [version, wang.pk, today.isoformat()])
    expect_pending(first, "1 条待上传")
    context.set_offline(False)
    for tab in (first, second):  # both started before either is awaited
        tab.evaluate("() => { window.sending = FieldQueue.sendAll(); }")
    assert [tab.evaluate("window.sending.then((r) => r.stopped)") for tab in (first, second)] == ["", ""]
    first.wait_for_selector("[data-pending]", state="hidden", timeout=20000)
    with schema_context("huangpu"):
        assert Submission.objects.filter(form=form).count() == 1
        receipt = FieldSubmission.objects.get(user__username=USER)

    # The same entry again (as if the first answer had been lost): the server gives the first receipt, stores nothing.
    again = first.evaluate(
        "(entry) => FieldQueue.set('queue/' + entry.client_key, entry).then(() => FieldQueue.sendAll())", entry
    )
    assert (again["sent"], again["refused"], again["stopped"]) == (1, 0, "")
    with schema_context("huangpu"):
        assert Submission.objects.filter(form=form).count() == 1
        assert list(FieldSubmission.objects.filter(user__username=USER)) == [receipt]
    assert first.evaluate("FieldQueue.list().then((e) => e.length)") == 0
    context.close()


def test_a_refused_visit_shows_the_reason_stays_on_the_phone_and_is_sent_once_corrected(browser, centre_server, round_):
    wang, item, form = round_["wang"], round_["item"], round_["form"]
    context = browser.new_context(**PHONE)
    page = sign_in(context, centre_server)
    worker_ready(page)
    context.set_offline(True)
    page.click(f'[data-item="{item.pk}"] a[data-fill]')
    ready(page, "form")
    page.fill('[data-field="hospital_name"] input', "华山医院")
    page.click('button[type="submit"]')
    ready(page)
    expect_pending(page, "1 条待上传")

    # Meanwhile the cadre was transferred out: the server refuses, the phone keeps the record with the reason.
    with schema_context("huangpu"):
        Cadre.objects.filter(pk=wang.pk).update(state=Cadre.State.TRANSFERRED)
    connection.set_schema_to_public()
    context.set_offline(False)
    page.wait_for_selector(".fa-pending--refused", timeout=20000)
    expect_pending(page, "1 条待上传（1 条被退回）")
    page.click("[data-pending]")
    ready(page, "queue")
    reason = "这位军休干部已不在本中心服务，或不由你联系。"
    assert page.locator("[data-reason]").text_content() == f"未被接受：{reason}"
    assert page.locator(".fa-reasons").text_content() == reason
    with schema_context("huangpu"):
        assert not Submission.objects.filter(form=form).exists()
    page.reload()
    ready(page, "queue")
    assert page.locator('[data-entry][data-state="refused"]').count() == 1

    # Corrected (the transfer was a mistake, undone): sent again from the phone, stored once, the item done.
    with schema_context("huangpu"):
        Cadre.objects.filter(pk=wang.pk).update(state=Cadre.State.ACTIVE)
    connection.set_schema_to_public()
    page.click("[data-entry] a.fa-button")
    ready(page, "form")
    assert page.locator("[data-refusal] .fa-reason").text_content() == f"未被接受：{reason}"
    assert page.locator('[data-field="cadre"] [data-error]').text_content() == reason
    assert page.locator('[data-field="hospital_name"] input').input_value() == "华山医院"
    page.click('button[type="submit"]')
    ready(page)
    page.wait_for_selector("[data-pending]", state="hidden", timeout=20000)
    with schema_context("huangpu"):
        assert Submission.objects.filter(form=form).count() == 1
        assert DueItem.objects.get(pk=item.pk).state == "done"
    context.close()


def test_a_phone_signed_out_by_its_user_or_remotely_by_the_centre_holds_nothing(browser, centre_server, round_):
    # Signed out by the liaison: the store and the caches are empty, the session over.
    context = browser.new_context(**PHONE)
    page = sign_in(context, centre_server)
    worker_ready(page)
    assert page.evaluate(IDB_COUNT) >= 4  # the device, its registration, today's list and when it came
    page.click("[data-signout] button")
    page.wait_for_url(re.compile(r"/admin/login/"))
    assert page.evaluate(IDB_COUNT) == 0
    assert page.evaluate(CACHES) == []
    context.close()

    # Signed out remotely: the phone's next contact wipes it.
    context = browser.new_context(**PHONE)
    page = sign_in(context, centre_server)
    worker_ready(page)
    assert page.evaluate(IDB_COUNT) >= 4
    with schema_context("huangpu"):
        admin = make_user("huangpu", "field-admin", groups=(role_group_name(Role.CENTRE_ADMIN),))
        phone = FieldDevice.objects.filter(user__username=USER).latest("pk")  # this context's, not the first's
        device_revoke(device=phone, by=admin)
    connection.set_schema_to_public()
    page.reload()
    page.wait_for_selector('main[data-ready="wiped"]')
    assert page.locator("[data-wiped]").text_content() == "本手机已被中心注销，应用保存的数据已全部清除。"
    assert page.evaluate(IDB_COUNT) == 0
    assert page.evaluate(CACHES) == []
    context.close()
    with schema_context("huangpu"):
        get_user_model().objects.filter(username="field-admin").delete()


def test_another_user_signing_in_on_the_phone_finds_nothing_of_the_last_ones(browser, centre_server, round_):
    context = browser.new_context(**PHONE)
    page = sign_in(context, centre_server)
    assert page.locator("[data-item]").count() == 1
    context.clear_cookies()  # the liaison's session ended without signing out in the app
    make_user("huangpu", OTHER, groups=(role_group_name(Role.CASEWORKER),))
    sign_in(context, centre_server, OTHER, page)
    assert page.locator("[data-item]").count() == 0
    assert page.evaluate("FieldQueue.get('owner')") == OTHER
    assert "外王德" not in page.evaluate("FieldQueue.get('today').then((t) => JSON.stringify(t))")
    context.close()


def test_seventy_two_hours_without_contact_clear_the_phone_on_open(browser, centre_server, round_):
    context = browser.new_context(**PHONE)
    page = sign_in(context, centre_server)
    worker_ready(page)
    three_days = (dt.timedelta(hours=72, minutes=1).total_seconds()) * 1000
    page.evaluate(f"FieldQueue.set('last_contact', Date.now() - {three_days})")
    context.set_offline(True)
    page.reload()
    ready(page, "empty")
    assert page.locator("[data-notice]").text_content().startswith("应用已有 72 小时")
    assert page.locator("[data-empty]").text_content() == "手机上还没有数据：请在有网络时打开一次。"
    assert page.evaluate("FieldQueue.get('today')") is None
    context.close()


ZOO = "field-app-zoo"


@pytest.fixture
def zoo(round_):
    """A form of many kinds: an integer with a constraint, yes/no, several choices, a rating, a calculation, a note
    and a repeat group with a required answer in each row."""
    with schema_context("huangpu"):
        FormDefinition.objects.filter(key=ZOO).delete()
        form = form_create(title="外勤多题型", key=ZOO, purpose="other")
        needs = [{"value": "meal", "label": "助餐"}, {"value": "clean", "label": "保洁"}]
        add = form_field_add
        add(form=form, name="cadre", field_type="cadre", label="军休干部", required=True)
        add(
            form=form,
            name="guests",
            field_type="integer",
            label="来访人数",
            constraint=". <= 5",
            constraint_message="至多 5 人",
        )
        add(form=form, name="visited", field_type="yesno", label="是否见面")
        add(form=form, name="needs", field_type="multichoice", label="需求", choices=needs)
        add(form=form, name="mood", field_type="rating", label="精神状态")
        add(form=form, name="seats", field_type="calculated", label="座位数", calculation="${guests} * 2")
        add(form=form, name="tip", field_type="note", label="以下填写在场家属")
        add(form=form, name="family", field_type="repeat", label="在场家属")
        add(form=form, name="who", field_type="text", label="姓名", required=True, group="family")
        add(form=form, name="age", field_type="integer", label="年龄", group="family")
        add(form=form, name="sign", field_type="file", label="家属签名", options={"accept": "jpg png"})
        add(form=form, name="report", field_type="file", label="病历", options={"accept": "pdf", "max_mb": 1})
        form_publish(form=form)
    connection.set_schema_to_public()
    yield form
    with schema_context("huangpu"):
        Submission.objects.filter(form__key=ZOO).delete()
        FormDefinition.objects.filter(key=ZOO).delete()
    connection.set_schema_to_public()


def test_a_form_of_every_kind_is_checked_on_the_phone_as_the_server_checks_it_and_lands_as_filled(
    browser, centre_server, round_, zoo
):
    wang = round_["wang"]
    context = browser.new_context(**PHONE)
    page = sign_in(context, centre_server)
    page.click(f'[data-form="{ZOO}"]')
    ready(page, "form")
    page.select_option('[data-field="cadre"] select', str(wang.pk))
    page.fill('[data-field="guests"] input', "7")
    assert page.locator('[data-field="seats"] output').text_content() == ""  # a refused answer counts for nothing
    page.check('[data-field="visited"] input[value="yes"]')
    page.check('[data-field="needs"] input[value="clean"]')
    page.check('[data-field="needs"] input[value="meal"]')
    page.check('[data-field="mood"] input[value="4"]')
    assert page.locator('[data-field="tip"]').text_content() == "以下填写在场家属"
    family = page.locator('[data-field="family"]')
    family.locator("button", has_text="添加一行").click()
    family.locator("button", has_text="添加一行").click()
    rows = family.locator("[data-row]")
    rows.nth(0).locator('[data-field="who"] input').fill("王小明")
    rows.nth(0).locator('[data-field="age"] input').fill("45")
    rows.nth(1).locator('[data-field="age"] input').fill("12")
    page.click('button[type="submit"]')
    # As the server would: the constraint's own message, and the name missing in the second row.
    assert page.locator('[data-field="guests"] [data-error]').text_content() == "至多 5 人"
    assert rows.nth(1).locator('[data-field="who"] [data-error]').text_content() == "此问题必须回答。"
    assert rows.nth(0).locator('[data-field="who"] [data-error]').is_hidden()
    page.fill('[data-field="guests"] input', "3")
    assert page.locator('[data-field="seats"] output').text_content() == "6"
    assert page.locator('[data-field="guests"] [data-error]').is_hidden()
    rows.nth(1).locator('[data-field="who"] input').fill("王小红")
    # A file the field does not take is refused on the phone with the server's words; a PDF is kept as it is.
    report = page.locator('[data-field="report"]')
    assert report.locator('input[type="file"]').get_attribute("accept") == ".pdf"
    report.locator('input[type="file"]').set_input_files(
        {"name": "scan.jpg", "mimeType": "image/jpeg", "buffer": b"\xff\xd8\xff\xe0" + bytes(64)}
    )
    assert report.locator("[data-file-error]").text_content() == "不接受这种文件；允许：pdf。"
    pdf = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
    report.locator('input[type="file"]').set_input_files(
        {"name": "病历.pdf", "mimeType": "application/pdf", "buffer": pdf}
    )
    page.wait_for_selector('[data-field="report"] .fa-file-name:not([hidden])')
    assert report.locator("[data-file-error]").is_hidden()
    # A signature drawn on the screen instead of a photo.
    sign = page.locator('[data-field="sign"]')
    sign.locator("button[data-sign]").click()
    box = sign.locator("canvas").bounding_box()
    page.mouse.move(box["x"] + 20, box["y"] + 30)
    page.mouse.down()
    for step in range(1, 12):
        page.mouse.move(box["x"] + 20 + step * 20, box["y"] + 30 + (step % 3) * 25)
    page.mouse.up()
    page.click('button[type="submit"]')
    ready(page)
    page.wait_for_selector("[data-pending]", state="hidden", timeout=20000)
    with schema_context("huangpu"):
        submission = Submission.objects.get(form=zoo)
        assert submission.data == {
            "cadre": wang.pk,
            "guests": 3,
            "visited": True,
            "needs": ["meal", "clean"],
            "mood": 4,
            "seats": 6,
            "family": [{"who": "王小明", "age": 45}, {"who": "王小红", "age": 12}],
            "sign": submission.data["sign"],
            "report": submission.data["report"],
        }
        sign, report = submission.data["sign"], submission.data["report"]
        assert (sign["name"], sign["content_type"], report["content_type"], report["size"]) == (
            "sign.jpg",
            "image/jpeg",
            "application/pdf",
            len(pdf),
        )
    context.close()
