"""City-wide content: the bureau publishes once, every centre shows it (read-only), updates and withdrawals follow."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.management import call_command
from django_q.models import OrmQ
from django_tenants.utils import schema_context

from content.bureau.models import CitywideItem
from content.models import NoticePage, PolicyPage
from content.services import citywide_item_save, citywide_item_withdraw, citywide_publish
from reports.roles import BureauRole, bureau_role_grant
from tenants.services import centre_create, centre_user_ensure
from tests.conftest import PASSWORD, TEST_CENTRES, client_for, make_user, publish_notice

pytestmark = pytest.mark.django_db

ALL = sorted(TEST_CENTRES)


def policy(**changes) -> CitywideItem:
    fields = {
        "kind": "policy",
        "title": "关于调整军休干部医疗保障有关事项的通知",
        "date": dt.date(2026, 3, 1),
        "document_number": "沪退役军人发〔2026〕12号",
        "issuing_body": "上海市退役军人事务局",
        "effective_date": dt.date(2026, 4, 1),
        "summary": "规范报销流程。",
        "body": "第一段。\n第一段第二行。\n\n<b>第二段</b>",
        **changes,
    }
    return citywide_item_save(**fields)


def copies(item_id: int) -> dict[str, tuple]:
    found = {}
    for code in ALL:
        with schema_context(code):
            page = (
                PolicyPage.objects.filter(bureau_item_id=item_id).first()
                or NoticePage.objects.filter(bureau_item_id=item_id).first()
            )
            if page is not None:
                found[code] = (type(page).__name__, page.title, page.live, page.get_parent().specific.kind)
    return found


def test_a_policy_appears_in_every_centre_marked_as_from_the_bureau(centres):
    item = policy()
    assert citywide_publish(item_id=item.pk) == dict.fromkeys(ALL, "created")
    assert copies(item.pk) == dict.fromkeys(ALL, ("PolicyPage", item.title, True, "policies"))
    with schema_context("putuo"):
        page = PolicyPage.objects.get(bureau_item_id=item.pk)
        assert (page.document_number, page.issuing_body, page.effective_date) == (
            "沪退役军人发〔2026〕12号",
            "上海市退役军人事务局",
            dt.date(2026, 4, 1),
        )
        assert [block.block_type for block in page.body] == ["paragraph", "paragraph"]
        assert page.body.raw_data[1]["value"] == "<p>&lt;b&gt;第二段&lt;/b&gt;</p>"
    html = client_for("putuo").get(f"/policies/bureau-{item.pk}/").content.decode()
    assert "市退役军人事务局发布" in html
    assert "第一段。<br/>第一段第二行。" in html
    assert "&lt;b&gt;第二段&lt;/b&gt;" in html
    listing = client_for("changning").get(
        "/api/v2/pages/", {"type": "content.PolicyPage", "fields": "from_bureau,bureau_item_id,document_number"}
    )
    assert [(i["title"], i["from_bureau"], i["bureau_item_id"]) for i in listing.json()["items"]] == [
        (item.title, True, item.pk)
    ]


def test_a_re_run_updates_and_an_unchanged_item_is_left_alone(centres):
    item = policy()
    citywide_publish(item_id=item.pk)
    assert citywide_publish(item_id=item.pk) == dict.fromkeys(ALL, "unchanged")
    changed = citywide_item_save(item_id=item.pk, title="关于调整医疗保障有关事项的通知（修订）")
    assert changed.version == 2
    assert citywide_item_save(item_id=item.pk, title="关于调整医疗保障有关事项的通知（修订）").version == 2
    assert citywide_publish(item_id=item.pk) == dict.fromkeys(ALL, "updated")
    assert copies(item.pk) == dict.fromkeys(
        ALL, ("PolicyPage", "关于调整医疗保障有关事项的通知（修订）", True, "policies")
    )
    for code in ALL:
        with schema_context(code):
            assert PolicyPage.objects.filter(bureau_item_id=item.pk).count() == 1


def test_withdrawal_unpublishes_everywhere_and_republishing_brings_it_back(centres):
    item = policy()
    citywide_publish(item_id=item.pk)
    citywide_item_withdraw(item_id=item.pk)
    assert citywide_publish(item_id=item.pk) == dict.fromkeys(ALL, "withdrawn")
    assert copies(item.pk) == dict.fromkeys(ALL, ("PolicyPage", item.title, False, "policies"))
    assert client_for("huangpu").get(f"/policies/bureau-{item.pk}/").status_code == 404
    assert citywide_publish(item_id=item.pk) == dict.fromkeys(ALL, "absent")
    citywide_item_withdraw(item_id=item.pk, withdrawn=False)
    assert citywide_publish(item_id=item.pk) == dict.fromkeys(ALL, "updated")
    assert client_for("huangpu").get(f"/policies/bureau-{item.pk}/").status_code == 200


def test_a_city_wide_notice_sits_with_the_centres_own_notices_which_stay_their_own(centres):
    own = publish_notice("huangpu", title="黄浦自己的通知", slug="own")
    item = citywide_item_save(
        kind="notice", title="全市军休干部春节慰问安排", date=dt.date(2027, 1, 20), body="慰问安排。"
    )
    citywide_publish(item_id=item.pk)
    assert copies(item.pk) == dict.fromkeys(ALL, ("NoticePage", "全市军休干部春节慰问安排", True, "notices"))
    putuo_home = client_for("putuo").get("/").content.decode()
    assert "全市军休干部春节慰问安排" in putuo_home
    assert "黄浦自己的通知" not in putuo_home
    with schema_context("putuo"):
        assert not NoticePage.objects.filter(title=own.title).exists()


def test_centre_staff_cannot_edit_delete_or_unpublish_the_bureaus_page(centres):
    item = policy()
    citywide_publish(item_id=item.pk)
    make_user("huangpu", "hp-admin", superuser=True)
    admin = client_for("huangpu")
    admin.post("/admin/login/", {"username": "hp-admin", "password": PASSWORD})
    with schema_context("huangpu"):
        page = PolicyPage.objects.get(bureau_item_id=item.pk)
        parent_id = page.get_parent().pk
    for action in ("edit", "delete", "copy"):
        refused = admin.get(f"/admin/pages/{page.pk}/{action}/")
        assert (action, refused.status_code, refused.get("Location")) == (action, 302, f"/admin/pages/{parent_id}/")
    for action in ("delete", "unpublish"):  # the unpublish screen asks first; its POST is refused
        refused = admin.post(f"/admin/pages/{page.pk}/{action}/")
        assert (action, refused.status_code, refused.get("Location")) == (action, 302, f"/admin/pages/{parent_id}/")
    with schema_context("huangpu"):
        assert PolicyPage.objects.get(pk=page.pk).live is True
    explorer = admin.get(f"/admin/pages/{parent_id}/", follow=True).content.decode()
    assert "由市退役军人事务局发布，不能在此修改。" in explorer


def test_a_new_centre_gets_every_current_item_but_not_withdrawn_ones(centres):
    current = policy()
    gone = policy(title="已撤回的政策")
    citywide_item_withdraw(item_id=gone.pk)
    created = centre_create(code="jingan", name="静安区军休中心")
    with schema_context("jingan"):
        assert list(PolicyPage.objects.values_list("bureau_item_id", "title", "live")) == [
            (current.pk, current.title, True)
        ]
    assert created.centre.schema_name == "jingan"


def test_the_command_prints_each_centres_outcome(centres, capsys):
    item = policy()
    call_command("citywide_publish", str(item.pk))
    assert capsys.readouterr().out.splitlines() == [f"{code}: created" for code in ALL]


def test_the_bureau_screen_saves_and_queues_one_task_per_centre(centres, django_capture_on_commit_callbacks):
    bureau_role_grant(user=centre_user_ensure(username="bureau-editor", password=PASSWORD), role=BureauRole.ANALYST)
    bureau = client_for(None)
    assert bureau.get("/citywide/")["Location"] == "/login/?next=/citywide/"
    bureau.post("/login/", {"username": "bureau-editor", "password": PASSWORD})
    assert bureau.get("/citywide/").status_code == 200
    before = OrmQ.objects.count()
    form = {
        "kind": "notice",
        "title": "全市统一通知",
        "date": "2026-12-01",
        "document_number": "",
        "issuing_body": "",
        "effective_date": "",
        "summary": "",
        "body": "内容",
    }
    with django_capture_on_commit_callbacks(execute=True):
        saved = bureau.post("/citywide/new/", form)
    assert (saved.status_code, saved["Location"]) == (302, "/citywide/")
    item = CitywideItem.objects.get(title="全市统一通知")
    assert OrmQ.objects.count() - before == 3
    listing = bureau.get("/citywide/").content.decode()
    assert "全市统一通知" in listing
    with django_capture_on_commit_callbacks(execute=True):
        bureau.post(f"/citywide/{item.pk}/withdraw/", {"withdrawn": "1"})
    item.refresh_from_db()
    assert (item.withdrawn, item.version) == (True, 2)
    assert OrmQ.objects.count() - before == 6
    refused = bureau.post("/citywide/new/", {**form, "kind": "policy", "title": "无发文机关的政策"})
    assert refused.status_code == 400
    assert not CitywideItem.objects.filter(title="无发文机关的政策").exists()


def test_the_cross_centre_helper_runs_in_active_centres_only(centres):
    from tenants.services import centre_retire
    from tenants.tasks import centres_run

    centre_retire(code="changning")
    item = policy()
    assert citywide_publish(item_id=item.pk) == {"huangpu": "created", "putuo": "created"}
    assert centres_run(
        func="content.services.citywide.citywide_page_sync", kwargs={"item_id": item.pk}, schemas=["putuo"]
    ) == {"putuo": "unchanged"}
    with schema_context("changning"):
        assert not PolicyPage.objects.filter(bureau_item_id=item.pk).exists()
