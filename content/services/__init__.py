"""Writes of the content app; one module per concern, every service importable from here."""

from content.services.cadre_auth import (
    access_code_issue,
    access_code_verify,
    cadre_session_end,
    cadre_session_start,
    login_code_send,
    login_code_verify,
)
from content.services.citywide import (
    citywide_centre_setup,
    citywide_item_save,
    citywide_item_withdraw,
    citywide_page_sync,
    citywide_publish,
)
from content.services.demo import demo_content_ensure
from content.services.outings import outing_return_record
from content.services.signups import signup_cancel, signup_create
from content.services.site import (
    PAGE_PERMISSIONS,
    REVIEW_WORKFLOW_NAME,
    centre_page_permissions_revoke,
    centre_review_workflow_setup,
    centre_roles_setup,
    centre_root_title_setup,
    centre_site_setup,
    content_schedules_ensure,
)

__all__ = [
    "PAGE_PERMISSIONS",
    "REVIEW_WORKFLOW_NAME",
    "access_code_issue",
    "access_code_verify",
    "cadre_session_end",
    "cadre_session_start",
    "centre_page_permissions_revoke",
    "centre_review_workflow_setup",
    "centre_roles_setup",
    "centre_root_title_setup",
    "centre_site_setup",
    "content_schedules_ensure",
    "citywide_centre_setup",
    "citywide_item_save",
    "citywide_item_withdraw",
    "citywide_page_sync",
    "citywide_publish",
    "demo_content_ensure",
    "login_code_send",
    "login_code_verify",
    "outing_return_record",
    "signup_cancel",
    "signup_create",
]
