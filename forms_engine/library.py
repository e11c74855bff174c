"""Ready forms: the templates of the standard (form_templates/*.json) and the bureau's templates pushed to centres."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _
from django_tenants.utils import schema_context

from forms_engine.models import FormDefinition, FormField
from forms_engine.services import (
    FIELD_ATTRS,
    form_create,
    form_field_add,
    form_field_update,
    form_publish,
    form_schema_build,
)
from forms_engine.workflows import COMPLAINT, SIMPLE, workflow_plain

TEMPLATE_DIR = Path(__file__).resolve().parent / "form_templates"
BUREAU_PREFIX = "bureau-"
# Attributes a template's field may carry besides name, type and label (form_field_add's keywords).
SPEC_ATTRS = tuple(attr for attr in FIELD_ATTRS if attr not in ("field_type", "label"))
# Attributes of a bureau field a push keeps in step with the template (never its type).
REFRESHED_ATTRS = tuple(attr for attr in SPEC_ATTRS if attr != "group") + ("label",)
NAMED_WORKFLOWS = {"simple": SIMPLE, "complaint": COMPLAINT}


# ---------------------------------------------------------------- templates of the standard


@cache
def _templates() -> dict[str, dict]:
    found = {}
    for path in sorted(TEMPLATE_DIR.glob("*.json")):
        template = json.loads(path.read_text(encoding="utf-8"))
        found[template["key"]] = template
    return found


def form_template_list() -> list[dict]:
    """The shipped templates: key, title, purpose, clause of the standard, description, number of fields."""
    return [
        {
            "key": t["key"],
            "title": t["title"],
            "purpose": t["purpose"],
            "clause": t.get("clause", ""),
            "description": t.get("description", ""),
            "field_count": len(t["fields"]),
        }
        for t in _templates().values()
    ]


def form_template_get(*, template_key: str) -> dict:
    template = _templates().get(template_key)
    if template is None:
        raise ValidationError({"template_key": [_("There is no form template “%(key)s”.") % {"key": template_key}]})
    return template


def _workflow(value: Any, purpose: str) -> dict:
    if isinstance(value, dict):
        return value
    if value in NAMED_WORKFLOWS:
        return workflow_plain(NAMED_WORKFLOWS[value])
    return workflow_plain(COMPLAINT if purpose == "complaint" else SIMPLE)


def _field_kwargs(spec: dict) -> dict:
    """A template field as form_field_add's keywords; unknown attributes are refused, naming the field."""
    unknown = set(spec) - {"name", "type", "label"} - set(SPEC_ATTRS)
    if unknown or not {"name", "type", "label"} <= set(spec):
        raise ValidationError(
            _("Template field “%(name)s” is malformed: %(attrs)s")
            % {"name": spec.get("name", "?"), "attrs": ", ".join(sorted(unknown)) or "name, type, label"}
        )
    attrs = {attr: spec[attr] for attr in SPEC_ATTRS if attr in spec and spec[attr] is not None}
    return {"name": spec["name"], "field_type": spec["type"], "label": spec["label"], **attrs}


def template_fields_check(*, fields: list[dict]) -> dict:
    """Check template fields as a form would be checked on publishing; returns the schema they build."""
    if not isinstance(fields, list) or not all(isinstance(spec, dict) for spec in fields):
        raise ValidationError(_("Template fields must be a list of field objects."))
    rows = [FormField(sort_order=i, **_field_kwargs(spec)) for i, spec in enumerate(fields)]
    return form_schema_build(fields=rows)


@transaction.atomic
def form_from_template(*, template_key: str, key: str | None = None, title: str | None = None) -> FormDefinition:
    """Copy a template into the current centre as an editable draft (not yet published)."""
    template = form_template_get(template_key=template_key)
    form = form_create(
        title=title or template["title"],
        key=key or template["key"],
        purpose=template["purpose"],
        description=template.get("description", ""),
        workflow=_workflow(template.get("workflow"), template["purpose"]),
    )
    for spec in template["fields"]:
        form_field_add(form=form, **_field_kwargs(spec))
    return form


# ---------------------------------------------------------------- bureau templates


def bureau_template_save(*, key: str, title: str, fields: list[dict], purpose: str = "other", description: str = ""):
    """Create or change a bureau template (public schema); its version goes up when anything changed."""
    from forms_engine.bureau.models import BureauFormTemplate

    template_fields_check(fields=fields)
    with schema_context("public"), transaction.atomic():
        template = BureauFormTemplate.objects.select_for_update().filter(key=key).first()
        if template is None:
            template = BureauFormTemplate(key=key)
        elif (template.title, template.purpose, template.description, template.fields) == (
            title,
            purpose,
            description,
            fields,
        ):
            return template
        else:
            template.version += 1
        template.title, template.purpose, template.description, template.fields = title, purpose, description, fields
        template.full_clean()
        template.save()
        return template


def bureau_template_push(*, template, centres: list[str] | None = None) -> dict[str, str]:
    """Create or bring up to date every active centre's copy of a bureau template; returns what happened per centre.

    Bureau fields are locked in the centre and keep their machine names; fields a centre added stay; a bureau field
    dropped from the template stays in the centres (old answers keep their column) and is reported. A centre gets a
    new version only when something changed.
    """
    from tenants.selectors import centre_list

    template_fields_check(fields=template.fields)
    chosen = [c for c in centre_list(include_retired=False) if centres is None or c.schema_name in centres]
    results: dict[str, str] = {}
    for centre in chosen:
        with schema_context(centre.schema_name):
            results[centre.schema_name] = _bureau_push_into_centre(template=template)
    return results


@transaction.atomic
def _bureau_push_into_centre(*, template) -> str:
    key = BUREAU_PREFIX + template.key
    form = FormDefinition.objects.select_for_update().filter(key=key).first()
    created = form is None
    changed = False
    if form is None:
        form = form_create(title=template.title, key=key, purpose=template.purpose, description=template.description)
    if (form.bureau_template, form.title, form.description) != (template.key, template.title, template.description):
        form.bureau_template, form.title, form.description = template.key, template.title, template.description
        form.full_clean()
        form.save(update_fields=["bureau_template", "title", "description", "updated_at"])
        changed = True
    existing = {field.name: field for field in form.fields.all()}
    conflicts: list[str] = []
    for spec in template.fields:
        kwargs = _field_kwargs(spec)
        field = existing.get(kwargs["name"])
        if field is None:
            form_field_add(form=form, bureau_locked=True, **kwargs)
            changed = True
            continue
        if not field.bureau_locked or field.field_type != kwargs["field_type"]:
            conflicts.append(field.name)  # a centre's own field of that name, or a different type: left alone
            continue
        wanted = {attr: kwargs.get(attr, _blank(attr)) for attr in REFRESHED_ATTRS}
        differs = {attr: value for attr, value in wanted.items() if _differs(getattr(field, attr), value)}
        if "choices" in differs:
            del differs["choices"]
            # The bureau may change its own field's choices; the centre may not (form_field_update refuses).
            field.choices = wanted["choices"]
            field.full_clean(exclude=["form"])
            field.save(update_fields=["choices"])
            changed = True
        if differs:
            form_field_update(field=field, **differs)
            changed = True
    names = {spec["name"] for spec in template.fields}
    dropped = sorted(name for name, field in existing.items() if field.bureau_locked and name not in names)
    version = form.current_version
    if changed or version is None:
        version = form_publish(form=form)
        outcome = (_("created, version %(n)d") if created else _("updated, version %(n)d")) % {"n": version.number}
    else:
        outcome = _("unchanged, version %(n)d") % {"n": version.number}
    if dropped:
        outcome += _("; kept fields no longer in the template: %(names)s") % {"names": ", ".join(dropped)}
    if conflicts:
        outcome += _("; left alone (the centre's own field or another type): %(names)s") % {
            "names": ", ".join(conflicts)
        }
    return outcome


def _blank(attr: str) -> Any:
    return {
        "choices": [],
        "options": {},
        "required": False,
        "min_value": None,
        "max_value": None,
        "min_length": None,
        "max_length": None,
    }.get(attr, "")


def _differs(current: Any, wanted: Any) -> bool:
    if current is None or wanted is None:
        return current != wanted
    if hasattr(current, "as_tuple"):  # a Decimal from the database against a number from JSON
        return float(current) != float(wanted)
    return current != wanted


def personal_marks_ensure(**_context) -> list[str]:
    """Set-up step: fields a library template marks as personal data are marked so on the centre's forms made from it
    earlier (same key, name and type, not marked either way by the centre); then every answer of a personal field
    still in clear is sealed. Returns the "form.field"s marked."""
    from forms_engine.services import personal_answers_seal

    marked = []
    for template in _templates().values():
        wanted = {
            spec["name"]: (spec.get("type"), spec["options"]["personal"])
            for spec in template["fields"]
            if "personal" in (spec.get("options") or {})
        }
        if not wanted:
            continue
        for field in FormField.objects.filter(form__key=template["key"], name__in=wanted):
            field_type, kind = wanted[field.name]
            if field.field_type == field_type and "personal" not in (field.options or {}):
                field.options = {**(field.options or {}), "personal": kind}
                field.save(update_fields=["options"])
                marked.append(f"{template['key']}.{field.name}")
    personal_answers_seal()
    return marked


def staff_only_marks_ensure(**_context) -> list[str]:
    """Set-up step: fields a library template marks staff-only are marked so on the centre's forms made from it
    earlier (same key, same field name and type); the centre's own fields are left alone. Returns "form.field"s."""
    marked = []
    for template in _templates().values():
        wanted = {
            spec["name"]: spec.get("type")
            for spec in template["fields"]
            if (spec.get("options") or {}).get("staff_only") is True
        }
        if not wanted:
            continue
        fields = FormField.objects.filter(form__key=template["key"], name__in=wanted)
        for field in fields:
            if field.field_type == wanted[field.name] and not (field.options or {}).get("staff_only"):
                field.options = {**(field.options or {}), "staff_only": True}
                field.save(update_fields=["options"])
                marked.append(f"{template['key']}.{field.name}")
    return marked
