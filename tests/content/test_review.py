"""Editorial review: every page passes 保密审查 before it goes public; editors submit, centre admins approve."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone
from django_tenants.utils import schema_context
from wagtail.models import GroupPagePermission, Page, Workflow, WorkflowState
from wagtail.test.utils.form_data import nested_form_data, rich_text, streamfield

from content.models import NoticePage
from content.services import REVIEW_WORKFLOW_NAME, centre_page_permissions_revoke, centre_review_workflow_setup
from tenants.roles import Role, role_group, role_group_name
from tests.conftest import PASSWORD, TEST_CENTRES, client_for, make_user
from tests.content.conftest import section

pytestmark = pytest.mark.django_db


def staff(code: str, username: str, role: Role | None = None, *, superuser: bool = False):
    groups = (role_group_name(role),) if role else ()
    make_user(code, username, groups=groups, superuser=superuser)
    client = client_for(code)
    assert client.post("/admin/login/", {"username": username, "password": PASSWORD}).status_code == 302
    return client


def notice_form(title: str, body_html: str = "<p>正文</p>", **extra) -> dict:
    return nested_form_data(
        {
            "title": title,
            "slug": extra.pop("slug", "review-notice"),
            "date": "2026-12-01",
            "category": "notice",
            "summary": "摘要",
            "body": streamfield([("paragraph", rich_text(body_html))]),
            **extra,
        }
    )


def test_every_centre_has_the_review_on_its_root_and_editors_cannot_publish(centres):
    for code in TEST_CENTRES:
        with schema_context(code):
            workflow = Workflow.objects.get(name=REVIEW_WORKFLOW_NAME)
            assert workflow.active
            tasks = [task.specific for task in workflow.tasks]
            assert [task.name for task in tasks] == ["保密审查（中心管理员审核）"]
            assert [group.name for group in tasks[0].groups.all()] == [role_group_name(Role.CENTRE_ADMIN)]
            assert Page.get_first_root_node().get_workflow() == workflow
            editor = sorted(
                GroupPagePermission.objects.filter(group=role_group(Role.EDITOR)).values_list(
                    "permission__codename", flat=True
                )
            )
            assert editor == ["add_page", "change_page", "lock_page"]


def test_the_set_up_steps_are_repeatable_and_take_publish_back(centres):
    with schema_context("huangpu"):
        from django.contrib.auth.models import Permission

        publish = Permission.objects.get(content_type__app_label="wagtailcore", codename="publish_page")
        GroupPagePermission.objects.create(
            group=role_group(Role.EDITOR), page=Page.get_first_root_node(), permission=publish
        )
        assert centre_page_permissions_revoke() == 1
        assert centre_page_permissions_revoke() == 0
        first = centre_review_workflow_setup()
        second = centre_review_workflow_setup()
        assert first.pk == second.pk
        assert Workflow.objects.filter(name=REVIEW_WORKFLOW_NAME).count() == 1
        assert list(first.workflow_tasks.values_list("task__name", flat=True)) == ["保密审查（中心管理员审核）"]


def test_editor_submits_to_review_and_the_centre_admin_approves(centres):
    notices = section("huangpu", "notices")
    editor = staff("huangpu", "hp-editor", Role.EDITOR)
    created = editor.post(
        reverse("wagtailadmin_pages:add", args=("content", "noticepage", notices.pk)),
        {**notice_form("待审通知"), "action-publish": "action-publish"},
    )
    assert created.status_code == 302
    with schema_context("huangpu"):
        page = NoticePage.objects.get(slug="review-notice")
        assert (page.live, page.has_unpublished_changes) == (False, True)  # "publish" without the right is a save
        assert not WorkflowState.objects.filter(object_id=str(page.pk)).exists()
    submitted = editor.post(
        reverse("wagtailadmin_pages:edit", args=(page.pk,)), {**notice_form("待审通知"), "action-submit": "1"}
    )
    assert submitted.status_code == 302
    with schema_context("huangpu"):
        state = WorkflowState.objects.get(object_id=str(page.pk))
        assert (state.status, state.workflow.name) == ("in_progress", REVIEW_WORKFLOW_NAME)
        task_state = state.current_task_state
        assert task_state.task.name == "保密审查（中心管理员审核）"
        assert NoticePage.objects.get(pk=page.pk).live is False
    assert client_for("huangpu").get("/notices/review-notice/").status_code == 404
    # The editor cannot approve their own submission.
    action = reverse("wagtailadmin_pages:workflow_action", args=(page.pk, "approve", task_state.pk))
    assert editor.post(action, {}).status_code == 302  # back to the editor, nothing done
    with schema_context("huangpu"):
        assert NoticePage.objects.get(pk=page.pk).live is False
    admin = staff("huangpu", "hp-admin", Role.CENTRE_ADMIN)
    approved = admin.post(action, {})
    assert approved.status_code == 302
    with schema_context("huangpu"):
        state.refresh_from_db()
        assert state.status == "approved"
        assert NoticePage.objects.get(pk=page.pk).live is True
    assert client_for("huangpu").get("/notices/review-notice/").status_code == 200


def test_javascript_links_are_dropped_by_the_editor_and_markup_in_titles_is_text(centres):
    notices = section("huangpu", "notices")
    admin = staff("huangpu", "hp-admin2", superuser=True)
    body = '<p><a href="javascript:alert(1)">点这里</a> 与 <a href="https://example.org/">外链</a></p>'
    created = admin.post(
        reverse("wagtailadmin_pages:add", args=("content", "noticepage", notices.pk)),
        {**notice_form("<script>alert('x')</script>标题", body, slug="hostile"), "action-publish": "1"},
    )
    assert created.status_code == 302
    with schema_context("huangpu"):
        page = NoticePage.objects.get(slug="hostile")
        stored = page.body.raw_data[0]["value"]
        assert page.live is True
    assert "javascript" not in stored
    assert '<a href="https://example.org/">外链</a>' in stored
    html = client_for("huangpu").get("/notices/hostile/").content.decode()
    assert "<script>alert" not in html
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;标题" in html
    assert "javascript:" not in html


def test_a_scheduled_page_is_not_live_before_its_time(centres):
    notices = section("huangpu", "notices")
    with schema_context("huangpu"):
        page = NoticePage(title="定时发布的通知", slug="scheduled", date=dt.date(2026, 12, 1))
        notices.add_child(instance=page)
        page.go_live_at = timezone.now() + dt.timedelta(hours=2)
        revision = page.save_revision()
        revision.publish()
        page.refresh_from_db()
        assert (page.live, page.go_live_at is not None) == (False, True)
        call_command("publish_scheduled", verbosity=0)
        assert NoticePage.objects.get(pk=page.pk).live is False
    assert client_for("huangpu").get("/notices/scheduled/").status_code == 404
    with schema_context("huangpu"):
        # Its time comes (the scheduled time moves into the past instead of the clock forward).
        past = timezone.now() - dt.timedelta(minutes=1)
        revision.refresh_from_db()
        revision.content["go_live_at"] = past.isoformat()
        revision.approved_go_live_at = past
        revision.save(update_fields=["content", "approved_go_live_at"])
        from content.tasks import scheduled_pages_publish

        scheduled_pages_publish()
        assert NoticePage.objects.get(pk=page.pk).live is True
    assert client_for("huangpu").get("/notices/scheduled/").status_code == 200


def test_each_centre_runs_scheduled_publishing_every_five_minutes(centres):
    from django_q.models import Schedule

    rows = dict(
        Schedule.objects.filter(name__endswith=":publish_scheduled").values_list("name", "minutes").order_by("name")
    )
    assert rows == {f"{code}:publish_scheduled": 5 for code in TEST_CENTRES}
