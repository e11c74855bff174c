"""Ready-made workflows: the states a submission moves through and the moves allowed."""

from django.utils.translation import gettext_lazy as _

SIMPLE = {
    "initial": "submitted",
    "states": [{"key": "submitted", "label": _("Submitted")}, {"key": "closed", "label": _("Closed")}],
    "transitions": [{"from": "submitted", "to": "closed", "label": _("Close")}],
}

# 7.2 of the standard: received → assigned → handling → answered → closed, and escalation to the bureau.
COMPLAINT = {
    "initial": "received",
    "states": [
        {"key": "received", "label": _("Received")},
        {"key": "assigned", "label": _("Assigned")},
        {"key": "handling", "label": _("Being handled")},
        {"key": "answered", "label": _("Answered")},
        {"key": "closed", "label": _("Closed")},
        {"key": "escalated", "label": _("Escalated to the bureau")},
    ],
    "transitions": [
        {"from": "received", "to": "assigned", "label": _("Assign")},
        {"from": "assigned", "to": "handling", "label": _("Start handling")},
        {"from": "handling", "to": "answered", "label": _("Answer")},
        {"from": "answered", "to": "closed", "label": _("Close")},
        {"from": "answered", "to": "handling", "label": _("Reopen")},
        {"from": "received", "to": "escalated", "label": _("Escalate to the bureau")},
        {"from": "assigned", "to": "escalated", "label": _("Escalate to the bureau")},
        {"from": "handling", "to": "escalated", "label": _("Escalate to the bureau")},
        {"from": "escalated", "to": "answered", "label": _("Answer")},
    ],
}


def workflow_plain(workflow: dict) -> dict:
    """The workflow with its labels as text (JSON-storable)."""
    return {
        "initial": workflow["initial"],
        "states": [{"key": s["key"], "label": str(s["label"])} for s in workflow["states"]],
        "transitions": [{"from": t["from"], "to": t["to"], "label": str(t["label"])} for t in workflow["transitions"]],
    }


def workflow_for(purpose: str) -> dict:
    return workflow_plain(COMPLAINT if purpose == "complaint" else SIMPLE)
