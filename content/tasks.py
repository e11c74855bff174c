"""Background work of the content app; each runs inside one centre (tenants.tasks.centre_task_run)."""

from __future__ import annotations

from django.core.management import call_command


def scheduled_pages_publish() -> None:
    """Publish the pages whose go-live time has come and unpublish expired ones, in the current centre."""
    call_command("publish_scheduled", verbosity=0)


def signup_promotion_tell(signup_id: int) -> str:
    """Tell a cadre moved up from a waiting list, by SMS (held until morning at night)."""
    from content.services.signups import signup_promotion_tell as tell

    return tell(signup_id=signup_id)
