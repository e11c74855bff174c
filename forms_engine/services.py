"""Writes of the forms engine: definitions and their fields, publishing, submissions and their workflow."""

from __future__ import annotations

import datetime as dt
import functools
import logging
import re
from collections.abc import Mapping, Sequence
from typing import Any

from django.contrib.postgres.fields import ArrayField
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction
from django.db.models import JSONField, QuerySet
from django.db.models.expressions import RawSQL
from django.utils.translation import gettext as _

from forms_engine import expressions
from forms_engine.fields import CLEANERS, FIELD_TYPES, NOT_ANSWERED, is_empty
from forms_engine.models import FormDefinition, FormField, FormVersion, FormWebhook, Submission, SubmissionChange
from forms_engine.personal import (
    answers_reveal,
    answers_rotate,
    answers_seal,
    is_sealed,
    personal_fields,
    personal_kind,
    reveal,
)
from forms_engine.webhooks import submission_webhooks_queue
from forms_engine.workflows import workflow_for
from tenants.roles import Role, user_roles

logger = logging.getLogger(__name__)

NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_]{0,63}$")
EXPRESSION_ATTRS = ("relevant", "required_if", "constraint", "calculation")
ACTIONS = ("fill", "view", "edit", "move")
RESERVED_KEYS = frozenset({"status"})  # /forms/status/ is the public receipt look-up
DEFAULT_ACCESS = {
    "fill": [Role.CASEWORKER, Role.HEALTH_OFFICER],
    "view": [Role.CASEWORKER, Role.HEALTH_OFFICER, Role.VIEWER],
    "edit": [Role.CASEWORKER],
    "move": [],
}
FIELD_ATTRS = (
    "field_type",
    "label",
    "help_text",
    "required",
    "default",
    "min_value",
    "max_value",
    "min_length",
    "max_length",
    "pattern",
    "choices",
    "options",
    "relevant",
    "required_if",
    "constraint",
    "constraint_message",
    "calculation",
    "group",
)


# ---------------------------------------------------------------- definitions


@transaction.atomic
def form_create(
    *,
    title: str,
    key: str,
    purpose: str = "other",
    description: str = "",
    public: bool = False,
    access: dict | None = None,
    workflow: dict | None = None,
) -> FormDefinition:
    if key in RESERVED_KEYS:
        raise ValidationError({"key": _("The key “%(key)s” is reserved.") % {"key": key}})
    form = FormDefinition(
        title=title,
        key=key,
        purpose=purpose,
        description=description,
        public=public,
        access=access if access is not None else {a: [str(r) for r in DEFAULT_ACCESS[a]] for a in ACTIONS},
        workflow=workflow or workflow_for(purpose),
    )
    form.full_clean()
    form.save()
    return form


@transaction.atomic
def form_update(*, form: FormDefinition, **attrs: Any) -> FormDefinition:
    """Change a definition's title, description, purpose, public flag and access (not its key or fields)."""
    unknown = set(attrs) - {"title", "description", "purpose", "public", "access"}
    if unknown:
        raise ValidationError(_("Unknown form attributes: %(attrs)s") % {"attrs": ", ".join(sorted(unknown))})
    for name, value in attrs.items():
        setattr(form, name, value)
    form.full_clean()
    form.save()
    return form


def form_field_add(*, form: FormDefinition, name: str, field_type: str, label: str, **attrs: Any) -> FormField:
    """Add a field to the draft; its machine name is fixed from now on."""
    if not NAME.fullmatch(name or ""):
        raise ValidationError({"name": _("Machine names use letters, digits and _, starting with a letter.")})
    if field_type not in FIELD_TYPES:
        raise ValidationError({"field_type": _("Unknown field type “%(type)s”.") % {"type": field_type}})
    if form.fields.filter(name=name).exists():
        raise ValidationError({"name": _("The machine name “%(name)s” is already used.") % {"name": name}})
    unknown = set(attrs) - set(FIELD_ATTRS) - {"sort_order", "bureau_locked"}
    if unknown:
        raise ValidationError(_("Unknown field attributes: %(attrs)s") % {"attrs": ", ".join(sorted(unknown))})
    order = attrs.pop("sort_order", None)
    if order is None:
        last = form.fields.order_by("-sort_order").values_list("sort_order", flat=True).first()
        order = 0 if last is None else last + 1
    field = FormField(form=form, name=name, field_type=field_type, label=label, sort_order=order, **attrs)
    field.full_clean(exclude=["form"])
    field.save()
    return field


def form_published_names(*, form_id: int) -> set[str]:
    """Machine names in any published version of a form (repeat groups' fields too): frozen for good."""
    names: set[str] = set()

    def walk(specs: list[dict]) -> None:
        for spec in specs:
            names.add(spec["name"])
            walk(spec.get("children") or [])

    for schema in FormVersion.objects.filter(form_id=form_id).values_list("schema", flat=True):
        walk((schema or {}).get("fields") or [])
    return names


def _field_rename(*, field: FormField, name: str) -> None:
    """A draft field's new machine name, and the draft's expressions and groups that named the old one."""
    if field.bureau_locked or field.name in form_published_names(form_id=field.form_id):
        raise ValidationError(
            {"name": _("A field's machine name cannot be changed once a version with it is published.")}
        )
    if not NAME.fullmatch(name or ""):
        raise ValidationError({"name": _("Machine names use letters, digits and _, starting with a letter.")})
    if FormField.objects.filter(form_id=field.form_id, name=name).exclude(pk=field.pk).exists():
        raise ValidationError({"name": _("The machine name “%(name)s” is already used.") % {"name": name}})
    old = "${" + field.name + "}"
    for other in FormField.objects.filter(form_id=field.form_id).exclude(pk=field.pk):
        changed = [attr for attr in EXPRESSION_ATTRS if old in getattr(other, attr)]
        for attr in changed:
            setattr(other, attr, getattr(other, attr).replace(old, "${" + name + "}"))
        if other.group == field.name:
            other.group, changed = name, [*changed, "group"]
        if changed:
            other.save(update_fields=changed)
    for attr in EXPRESSION_ATTRS:
        setattr(field, attr, getattr(field, attr).replace(old, "${" + name + "}"))
    field.name = name


@transaction.atomic
def form_field_update(*, field: FormField, **attrs: Any) -> FormField:
    """Change a draft field; the machine name only until a version with it is published (the draft's expressions
    follow the new name), never bureau fields' type and choices."""
    name = attrs.pop("name", field.name)
    if name != field.name:
        _field_rename(field=field, name=name)
    if field.bureau_locked and ({"field_type", "choices"} & set(attrs)):
        raise ValidationError(_("This field comes from a bureau template: its type and choices stay."))
    unknown = set(attrs) - set(FIELD_ATTRS) - {"sort_order"}
    if unknown:
        raise ValidationError(_("Unknown field attributes: %(attrs)s") % {"attrs": ", ".join(sorted(unknown))})
    was_personal = personal_kind({"type": field.field_type, "options": field.options})
    for name, value in attrs.items():
        setattr(field, name, value)
    field.full_clean(exclude=["form"])
    field.save()
    kind = personal_kind({"type": field.field_type, "options": field.options})
    if kind and not was_personal:
        _personal_seal_queue(form_id=field.form_id)
    return field


def _personal_seal_queue(*, form_id: int) -> None:
    """Answers given before a field was marked personal are sealed by a worker once the mark is saved."""
    from tenants.tasks import centre_task_enqueue

    schema_name = connection.schema_name  # type: ignore[attr-defined]  # django-tenants' connection
    transaction.on_commit(
        lambda: centre_task_enqueue(
            schema_name=schema_name, func="forms_engine.tasks.personal_answers_seal_run", args=(form_id,)
        )
    )


def form_draft_problems(*, form: FormDefinition) -> list[str]:
    """What stops the draft from being published as it stands (empty when it can be), in Chinese, naming fields."""
    try:
        form_schema_build(fields=list(FormField.objects.filter(form_id=form.pk)))
    except ValidationError as error:
        return list(error.messages)
    return []


@transaction.atomic
def form_fields_reorder(*, form: FormDefinition, field_ids: Sequence[int]) -> list[FormField]:
    """Put the draft's fields in this order, all or nothing; published versions keep theirs.

    `field_ids` must name every field of the draft once (else nothing moves). An order that leaves the draft
    unpublishable (a condition above the answer it reads) is kept, as publishing checks it: see form_draft_problems.
    """
    FormDefinition.objects.select_for_update().filter(pk=form.pk).first()  # one reorder of a form at a time
    fields = list(FormField.objects.filter(form_id=form.pk).order_by("sort_order", "pk"))
    by_id = {field.pk: field for field in fields}
    ids = [int(i) for i in field_ids]
    if len(ids) != len(set(ids)) or set(ids) != set(by_id):
        raise ValidationError(_("The form's fields have changed since this page was opened; reload it and try again."))
    moved = []
    for order, field_id in enumerate(ids):
        field = by_id[field_id]
        if field.sort_order != order:
            field.sort_order = order
            moved.append(field)
    FormField.objects.bulk_update(moved, ["sort_order"])
    return [by_id[i] for i in ids]


def form_field_remove(*, field: FormField) -> None:
    if field.bureau_locked:
        raise ValidationError(_("This field comes from a bureau template and cannot be removed."))
    field.delete()


def _number(value) -> float | None:
    return None if value is None else float(value)


def form_schema_build(*, fields: list[FormField]) -> dict:
    """Check a draft and turn it into a version's schema; errors name the field, in Chinese."""
    errors: list[str] = []
    seen: dict[str, dict] = {}
    groups: dict[str, list] = {}
    top: list[dict] = []
    for row in sorted(fields, key=lambda f: (f.sort_order, f.pk or 0)):
        where = _("Field “%(label)s” (%(name)s)") % {"label": row.label, "name": row.name}

        def problem(message: str, where: str = where) -> None:
            errors.append(_("%(field)s: %(problem)s") % {"field": where, "problem": message})

        if row.field_type not in FIELD_TYPES:
            problem(_("unknown type “%(type)s”.") % {"type": row.field_type})
            continue
        if row.name in seen:
            problem(_("the machine name is used twice."))
            continue
        spec: dict[str, Any] = {
            "name": row.name,
            "type": row.field_type,
            "label": row.label,
            "help_text": row.help_text,
            "required": row.required,
            "default": row.default,
            "min": _number(row.min_value),
            "max": _number(row.max_value),
            "min_length": row.min_length,
            "max_length": row.max_length,
            "pattern": row.pattern,
            "choices": row.choices or [],
            "options": row.options or {},
            "constraint_message": row.constraint_message,
            "bureau": row.bureau_locked,
        }
        if row.field_type in ("choice", "multichoice") and not spec["choices"]:
            problem(_("a choice field needs choices."))
        if row.pattern:
            try:
                re.compile(row.pattern)
            except re.error:
                problem(_("the pattern is not a valid regular expression."))
        if row.field_type == "calculated" and not row.calculation:
            problem(_("a calculated field needs a calculation."))
        # Expressions may only read fields that come earlier (so there can be no cycle), or the row's own group.
        visible = set(seen) | {f["name"] for f in groups.get(row.group, [])}
        for attr in EXPRESSION_ATTRS:
            text = getattr(row, attr)
            if not text:
                spec[attr] = None
                continue
            try:
                tree = expressions.parse(text)
            except expressions.ExpressionError as exc:
                problem(_("the expression “%(text)s” does not parse: %(error)s") % {"text": text, "error": exc})
                continue
            later = expressions.references(tree) - visible
            if later:
                problem(
                    _("the expression names a later or unknown field: %(names)s") % {"names": ", ".join(sorted(later))}
                )
                continue
            spec[attr] = {"text": text, "tree": tree}
        if row.group:
            if row.group not in seen or seen[row.group]["type"] != "repeat":
                problem(_("the repeat group “%(group)s” must be an earlier repeat field.") % {"group": row.group})
                continue
            groups.setdefault(row.group, []).append(spec)
            seen[row.name] = spec
            continue
        if row.field_type == "repeat":
            spec["children"] = groups.setdefault(row.name, [])
        seen[row.name] = spec
        top.append(spec)
    if errors:
        raise ValidationError(errors)
    return {"fields": top}


@transaction.atomic
def form_publish(*, form: FormDefinition, user=None) -> FormVersion:
    """Freeze the draft as the next immutable version; it becomes the one new submissions use."""
    FormDefinition.objects.select_for_update().filter(pk=form.pk).first()  # one publisher at a time
    schema = form_schema_build(fields=list(FormField.objects.filter(form_id=form.pk)))
    if not schema["fields"]:
        raise ValidationError(_("A form needs at least one field."))
    last = FormVersion.objects.filter(form_id=form.pk).order_by("-number").values_list("number", flat=True).first()
    version = FormVersion.objects.create(
        form=form, number=(last or 0) + 1, schema=schema, published_by=user if getattr(user, "pk", None) else None
    )
    form.current_version = version
    FormDefinition.objects.filter(pk=form.pk).update(current_version=version, updated_at=version.published_at)
    return version


# ---------------------------------------------------------------- access


def form_user_can(*, form: FormDefinition, user, action: str) -> bool:
    """Whether a user may fill in / view / edit / move submissions of this form (centre admins always may)."""
    if not getattr(user, "is_authenticated", False):
        return False
    if user.is_superuser:
        return True
    roles = user_roles(user)
    return Role.CENTRE_ADMIN.value in roles or bool(roles & set(form.access.get(action, [])))


def _require(form: FormDefinition, user, action: str) -> None:
    if user is not None and not form_user_can(form=form, user=user, action=action):
        raise PermissionDenied(_("You may not do this with this form."))


# ---------------------------------------------------------------- validation


def _clean_fields(specs: list[dict], data: dict, context: dict, errors: dict, prefix: str = "") -> dict:
    """Clean answers field by field, in order; conditions see the answers cleaned so far."""
    cleaned: dict[str, Any] = {}
    known = {spec["name"] for spec in specs}
    for key in data:
        if key not in known:
            errors[prefix + key] = [_("This form has no such field.")]
    for spec in specs:
        name, kind = spec["name"], spec["type"]
        key = prefix + name
        scope = {**context, **cleaned}
        raw = data.get(name)
        shown = spec.get("relevant") is None or expressions.truthy(
            expressions.evaluate(spec["relevant"]["tree"], scope)
        )
        if not shown:
            if not is_empty(raw):
                errors[key] = [_("This question is hidden by a condition and must stay empty.")]
            continue
        if kind in NOT_ANSWERED:
            if not is_empty(raw):
                errors[key] = [_("This field is not answered: it is shown or computed.")]
            if kind == "calculated":
                cleaned[name] = expressions.evaluate(spec["calculation"]["tree"], scope)
            continue
        if is_empty(raw) and kind == "hidden" and spec.get("default"):
            raw = spec["default"]
        required = spec.get("required") or (
            spec.get("required_if") is not None
            and expressions.truthy(expressions.evaluate(spec["required_if"]["tree"], scope))
        )
        if is_empty(raw):
            if required:
                errors[key] = [_("This question must be answered.")]
            continue
        value: Any
        try:
            if kind == "repeat":
                value = _clean_repeat(spec, raw, scope, errors, key)
            elif kind == "file":
                value = _clean_file(spec, raw)
            else:
                value = CLEANERS[kind](spec, raw)
        except ValidationError as exc:
            errors[key] = exc.messages
            continue
        if spec.get("constraint") is not None and not expressions.truthy(
            expressions.evaluate(spec["constraint"]["tree"], scope, current=value)
        ):
            errors[key] = [spec.get("constraint_message") or _("The answer does not meet the condition.")]
            continue
        cleaned[name] = value
    return cleaned


def _clean_repeat(spec: dict, raw: Any, scope: dict, errors: dict, key: str) -> list[dict]:
    if not isinstance(raw, list) or not all(isinstance(row, dict) for row in raw):
        raise ValidationError(_("Must be a list of rows."))
    limit = int(spec.get("options", {}).get("max_rows") or 50)
    if len(raw) > limit:
        raise ValidationError(_("At most %(n)d rows.") % {"n": limit})
    return [_clean_fields(spec["children"], row, scope, errors, prefix=f"{key}[{i}].") for i, row in enumerate(raw)]


def _clean_file(spec: dict, raw: Any) -> dict:
    """A file answer is the stored-file record made by submission_file_store (name, path, size, type)."""
    if not isinstance(raw, dict) or not {"name", "path", "size"} <= set(raw):
        raise ValidationError(_("Upload a file."))
    return {k: raw[k] for k in ("name", "path", "size", "content_type") if k in raw}


def _references(specs: list[dict], answers: dict, found: dict[str, set[int]], prefix: str = "") -> list[tuple]:
    """(key, kind, id) of every cadre and staff answer, repeat rows included."""
    refs = []
    for spec in specs:
        value = answers.get(spec["name"])
        if value is None:
            continue
        if spec["type"] in ("cadre", "staff"):
            refs.append((prefix + spec["name"], spec["type"], value))
            found[spec["type"]].add(value)
        elif spec["type"] == "repeat":
            for i, row in enumerate(value):
                refs += _references(spec["children"], row, found, prefix=f"{prefix}{spec['name']}[{i}].")
    return refs


def _check_references(version: FormVersion, cleaned: dict, user) -> None:
    """Cadre answers must name a cadre the user may see (any cadre for public forms), staff an active member."""
    found: dict[str, set[int]] = {"cadre": set(), "staff": set()}
    _references_exist(_references(version_schema(version)["fields"], cleaned, found), found, user)


def _references_exist(refs: list[tuple], found: dict[str, set[int]], user) -> None:
    from registry.selectors import cadre_ids_visible, staff_ids_active

    if not refs:
        return
    existing = {
        "cadre": cadre_ids_visible(ids=found["cadre"], user=user),
        "staff": staff_ids_active(ids=found["staff"]),
    }
    errors = {key: [_("Choose from the list.")] for key, kind, pk in refs if pk not in existing[kind]}
    if errors:
        raise ValidationError(errors)


_schemas: dict[tuple[str, int], dict] = {}


def version_schema(version: FormVersion | int) -> dict:
    """A version's schema; versions never change, so it is kept per (centre, version) once read."""
    pk = version if isinstance(version, int) else version.pk
    key = (connection.schema_name, pk)  # type: ignore[attr-defined]  # django-tenants' connection
    if key not in _schemas:
        if len(_schemas) > 512:
            _schemas.clear()
        schema = None if isinstance(version, int) else version.__dict__.get("schema")
        if schema is None:
            schema = FormVersion.objects.values_list("schema", flat=True).get(pk=pk)
        _schemas[key] = schema
    return _schemas[key]


def submission_clean(*, version: FormVersion, data: Any) -> dict:
    """Validate answers against a version; raises ValidationError {field: [messages]} (Chinese)."""
    if not isinstance(data, dict):
        raise ValidationError({"__all__": [_("Answers must be given as named fields.")]})
    # A stored personal answer sent back as it was (an edit that kept it) is validated in clear like the rest.
    data = answers_reveal(data)
    errors: dict[str, list[str]] = {}
    cleaned = _clean_fields(version_schema(version)["fields"], data, {}, errors)
    if errors:
        raise ValidationError(errors)
    return cleaned


# ---------------------------------------------------------------- submissions


def personal_marks(*, form_id: int) -> dict[str, str]:
    """Machine name → kind of the personal fields of a form's draft: they hold for every version's answers, so that
    a field marked later is masked in the submissions made before, and sealed by personal_answers_seal."""
    rows = FormField.objects.filter(form_id=form_id).values_list("name", "field_type", "options")
    marks = {name: personal_kind({"type": kind, "options": options}) for name, kind, options in rows}
    return {name: kind for name, kind in marks.items() if kind}


@functools.cache
def _personal_field_rows_sql() -> str:
    """SQL of a form's draft fields' names, types and options, beside the form (written once per process: the ORM's
    subquery costs milliseconds of Python to build on every request)."""
    quote = connection.ops.quote_name
    fields, forms = quote(FormField._meta.db_table), quote(FormDefinition._meta.db_table)
    # Only quoted names of our own tables and columns; nothing comes from a request.
    return (
        "ARRAY(SELECT jsonb_build_object('name', f.name, 'type', f.field_type, 'options', f.options)"  # noqa: S608
        f" FROM {fields} f WHERE f.form_id = {forms}.id)"
    )


def forms_with_personal_marks(forms: QuerySet[FormDefinition]) -> QuerySet[FormDefinition]:
    """The forms with their draft's fields' types and options read in the same query, for form_personal_marks."""
    rows = RawSQL(_personal_field_rows_sql(), [], output_field=ArrayField(JSONField()))  # noqa: S611
    return forms.annotate(personal_field_rows=rows)


def form_personal_marks(*, form: FormDefinition) -> dict[str, str]:
    """personal_marks of a form, from the rows read with it (forms_with_personal_marks: the view, the service and
    the serializer of one API request share that reading), else asked now (a form object kept longer may be older
    than a mark)."""
    rows = form.__dict__.get("personal_field_rows")
    if rows is None:
        return personal_marks(form_id=form.pk)
    kinds = {row["name"]: personal_kind(row) for row in rows}
    return {name: kind for name, kind in kinds.items() if kind}


def personal_kinds(*, form_id: int, version: FormVersion, form: FormDefinition | None = None) -> dict[str, str]:
    """The personal fields of answers to a version: its own marks and the form's current ones (read with the form
    when it is given so)."""
    marks = personal_marks(form_id=form_id) if form is None else form_personal_marks(form=form)
    return {**marks, **personal_fields(version_schema(version)["fields"])}


@transaction.atomic
def personal_answers_seal(*, form_ids: Sequence[int] | None = None, batch_size: int = 500) -> int:
    """Seal stored answers of personal fields still in clear (given before their field was marked, or before
    answers were sealed), in the submissions and their change history; returns how many submissions changed."""
    forms = FormDefinition.objects.order_by("pk")
    if form_ids is not None:
        forms = forms.filter(pk__in=form_ids)
    changed = 0
    for form_id in forms.values_list("pk", flat=True):
        marked = personal_marks(form_id=form_id)
        all_kinds: dict[str, str] = dict(marked)
        for version in FormVersion.objects.filter(form_id=form_id).only("pk", "schema"):
            kinds = {**marked, **personal_fields(version.schema["fields"])}
            all_kinds.update(kinds)
            if not kinds:
                continue
            pending = []
            rows = Submission.objects.filter(version_id=version.pk).only("pk", "data").order_by("pk")
            for submission in rows.iterator(chunk_size=batch_size):
                sealed = answers_seal(submission.data or {}, kinds, stored=True)
                if sealed != submission.data:
                    submission.data = sealed
                    pending.append(submission)
            Submission.objects.bulk_update(pending, ["data"], batch_size=batch_size)
            changed += len(pending)
        if not all_kinds:
            continue
        history = SubmissionChange.objects.filter(submission__form_id=form_id, kind=SubmissionChange.Kind.ANSWER).only(
            "pk", "field", "old", "new"
        )
        pending_changes = []
        for change in history.iterator(chunk_size=batch_size):
            old, new = (
                answers_seal({change.field: value}, all_kinds, stored=True)[change.field]
                for value in (change.old, change.new)
            )
            if (old, new) != (change.old, change.new):
                change.old, change.new = old, new
                pending_changes.append(change)
        SubmissionChange.objects.bulk_update(pending_changes, ["old", "new"], batch_size=batch_size)
    return changed


@transaction.atomic
def personal_answers_rotate(*, batch_size: int = 500) -> int:
    """Seal every sealed answer (and its history) again under the newest key of JUNXIU_FIELD_KEYS; returns how many
    submissions changed. Run after prepending a key, before dropping the old one (as registry_rotate_keys)."""
    changed = 0
    pending: list = []
    for submission in Submission.objects.only("pk", "data").order_by("pk").iterator(chunk_size=batch_size):
        rotated = answers_rotate(submission.data or {})
        if rotated != submission.data:
            submission.data = rotated
            pending.append(submission)
    Submission.objects.bulk_update(pending, ["data"], batch_size=batch_size)
    changed = len(pending)
    pending = []
    history = SubmissionChange.objects.filter(kind=SubmissionChange.Kind.ANSWER).only("pk", "old", "new")
    for change in history.order_by("pk").iterator(chunk_size=batch_size):
        old, new = (answers_rotate({"v": value})["v"] for value in (change.old, change.new))
        if (old, new) != (change.old, change.new):
            change.old, change.new = old, new
            pending.append(change)
    SubmissionChange.objects.bulk_update(pending, ["old", "new"], batch_size=batch_size)
    return changed


def staff_only_names(*, form: FormDefinition, schema: dict) -> set[str]:
    """Fields marked for staff in this schema or in the form's draft (versions published before the mark obey it)."""
    names = {
        field["name"]
        for spec in schema.get("fields", [])
        for field in [spec, *spec.get("children", [])]
        if (field.get("options") or {}).get("staff_only")
    }
    return names | {
        row.name for row in FormField.objects.filter(form=form) if (row.options or {}).get("staff_only") is True
    }


def staff_only_dropped_log(*, form: FormDefinition, names: Sequence[str]) -> None:
    """Answers to staff-only fields sent from the public side: the field names are logged, never the values."""
    if names:
        logger.warning("Public submission to form %s: ignored staff-only fields %s", form.key, ", ".join(sorted(names)))


@transaction.atomic
def submission_create(
    *,
    form: FormDefinition,
    data: Any,
    user=None,
    cadre=None,
    channel: str = "admin",
    version_id: int | None = None,
    client_key: str | None = None,
) -> Submission:
    """Validate and store answers against the form's current version; the public side never answers staff fields.

    `client_key`: unique per submission (the public form's retry key); a second one with the same key raises
    IntegrityError, also when both arrive at once.

    `version_id`: the version the answers were filled in (a phone that was offline while the form was republished
    or withdrawn); they are kept pinned to it, and flagged for review when it is no longer the current one.
    """
    _require(form, user, "fill")
    review_reason = ""
    if version_id is not None and version_id != form.current_version_id:
        number = FormVersion.objects.filter(pk=version_id, form_id=form.pk).values_list("number", flat=True).first()
        if number is None:
            raise ValidationError({"__all__": [_("This version does not belong to the form.")]})
        review_reason = (
            _("Filled in version %(number)d, since replaced.") % {"number": number}
            if form.current_version_id
            else _("Filled in version %(number)d, since withdrawn.") % {"number": number}
        )
        version = FormVersion(pk=version_id, form=form)
    else:
        # One query for the newest version and whether any webhook listens (the hot path of every submission).
        if form.current_version_id is None:
            raise ValidationError({"__all__": [_("This form has not been published yet.")]})
        version = FormVersion(pk=form.current_version_id, form=form)  # its schema comes from version_schema's cache
    if channel == "public" and isinstance(data, Mapping):
        staff_only = staff_only_names(form=form, schema=version_schema(version))
        staff_only_dropped_log(form=form, names=[name for name in data if name in staff_only])
        data = {name: value for name, value in data.items() if name not in staff_only}
    cleaned = submission_clean(version=version, data=data)
    _check_references(version, cleaned, user)
    cleaned = answers_seal(cleaned, personal_kinds(form_id=form.pk, version=version, form=form))
    submission = Submission.objects.create(
        form=form,
        version_id=version.pk,
        data=cleaned,
        cadre=cadre,
        state=form.workflow.get("initial", "submitted"),
        created_by=user if getattr(user, "pk", None) else None,
        channel=channel,
        review_reason=review_reason,
        client_key=client_key or None,
    )
    if form.has_webhooks:
        submission_webhooks_queue(submission=submission, event=FormWebhook.Event.CREATED)
    return submission


@transaction.atomic
def submission_bulk_create(
    *,
    form: FormDefinition,
    rows: Sequence[Mapping[str, Any]],
    user=None,
    channel: str = "import",
    at: Sequence[dt.datetime] | None = None,
) -> list[Submission]:
    """Validate many answers against the form's current version and store them together (imports, the demo).

    Each row is {"data": answers, "cadre": a cadre's id or None}. One invalid row refuses them all, its errors
    keyed by row number (from 1) and field. `at`: when each row was submitted, for records of the past (default now).
    """
    _require(form, user, "fill")
    if form.current_version_id is None:
        raise ValidationError({"__all__": [_("This form has not been published yet.")]})
    version = FormVersion(pk=form.current_version_id, form=form)
    errors: dict[str, list[str]] = {}
    cleaned_rows = []
    for number, row in enumerate(rows, start=1):
        try:
            cleaned_rows.append(submission_clean(version=version, data=row.get("data")))
        except ValidationError as exc:
            errors |= {f"{number}.{key}": messages for key, messages in exc.message_dict.items()}
    if errors:
        raise ValidationError(errors)
    found: dict[str, set[int]] = {"cadre": set(), "staff": set()}
    fields = version_schema(version)["fields"]
    refs = [ref for n, cleaned in enumerate(cleaned_rows, 1) for ref in _references(fields, cleaned, found, f"{n}.")]
    _references_exist(refs, found, user)
    kinds = personal_kinds(form_id=form.pk, version=version)
    cleaned_rows = [answers_seal(cleaned, kinds) for cleaned in cleaned_rows]
    state = form.workflow.get("initial", "submitted")
    made = [
        Submission(
            form=form,
            version_id=version.pk,
            data=cleaned,
            cadre_id=row.get("cadre"),
            state=state,
            created_by=_user(user),
            channel=channel,
        )
        for row, cleaned in zip(rows, cleaned_rows, strict=True)
    ]
    if at is None:
        Submission.objects.bulk_create(made, batch_size=1000)
    else:
        _insert_as_of(made, at)
    if form.has_webhooks:
        for submission in made:
            submission_webhooks_queue(submission=submission, event=FormWebhook.Event.CREATED)
    return made


def _insert_as_of(submissions: list[Submission], moments: Sequence[dt.datetime]) -> None:
    """Insert keeping the given submission times: bulk_create would stamp every row with now (auto_now_add), and
    changing them afterwards would write every row twice."""
    for submission, moment in zip(submissions, moments, strict=True):
        submission.created_at = submission.updated_at = moment
    fields = [field for field in Submission._meta.concrete_fields if not field.primary_key]
    queryset = Submission.objects.all()
    for start in range(0, len(submissions), 1000):
        batch = submissions[start : start + 1000]
        # raw: the values exactly as set on the objects (Django's own path for loading fixtures).
        ids = queryset._insert(  # type: ignore[attr-defined]  # the private bulk insert Django's loaddata uses
            batch, fields=fields, returning_fields=Submission._meta.db_returning_fields, raw=True
        )
        for submission, (pk,) in zip(batch, ids, strict=True):
            submission.pk = pk
            submission._state.adding, submission._state.db = False, queryset.db


@transaction.atomic
def submission_update(*, submission: Submission, data: Any, user=None) -> Submission:
    """Re-validate against the submission's own version; every changed answer is recorded."""
    _require(submission.form, user, "edit")
    submission = Submission.objects.select_for_update().get(pk=submission.pk)
    cleaned = submission_clean(version=submission.version, data=data)
    _check_references(submission.version, cleaned, user)
    kinds = personal_kinds(form_id=submission.form_id, version=submission.version)
    cleaned = answers_seal(cleaned, kinds)
    # Personal answers kept in clear from before their field was marked are sealed now, history included.
    previous = answers_seal(submission.data, kinds, stored=True)
    _keep_unchanged_secrets(version_schema(submission.version)["fields"], previous, cleaned)
    changes = [
        SubmissionChange(
            submission=submission,
            kind=SubmissionChange.Kind.ANSWER,
            field=name,
            old=previous.get(name),
            new=cleaned.get(name),
            user=_user(user),
        )
        for name in sorted(set(previous) | set(cleaned))
        if previous.get(name) != cleaned.get(name)
    ]
    SubmissionChange.objects.bulk_create(changes)
    submission.data = cleaned
    submission.save(update_fields=["data", "updated_at"])
    if changes:
        submission_webhooks_queue(submission=submission, event=FormWebhook.Event.UPDATED)
    return submission


def _keep_unchanged_secrets(specs: list[dict], old: dict, new: dict) -> None:
    """A sealed answer seals differently each time: keep the stored one when the answer itself is the same."""
    for spec in specs:
        name = spec["name"]
        if is_sealed(new.get(name)) and is_sealed(old.get(name)):
            if reveal(old[name]) == reveal(new[name]):
                new[name] = old[name]
        elif spec["type"] == "repeat" and isinstance(old.get(name), list) and isinstance(new.get(name), list):
            for old_row, new_row in zip(old[name], new[name], strict=False):
                _keep_unchanged_secrets(spec["children"], old_row, new_row)


def _user(user):
    return user if getattr(user, "pk", None) else None


def _transition_allowed(transition: dict, answers: dict) -> bool:
    """A transition may carry a condition ("when") over the answers, e.g. the approval route by level."""
    if not transition.get("when"):
        return True
    try:
        return expressions.truthy(expressions.evaluate(expressions.parse(transition["when"]), answers_reveal(answers)))
    except expressions.ExpressionError:
        return False


def submission_transitions(*, submission: Submission) -> list[dict]:
    return [
        t
        for t in submission.form.workflow.get("transitions", [])
        if t["from"] == submission.state and _transition_allowed(t, submission.data)
    ]


@transaction.atomic
def submission_move(*, submission: Submission, to: str, user=None, comment: str = "") -> Submission:
    """Move a submission along its form's workflow."""
    _require(submission.form, user, "move")
    submission = Submission.objects.select_for_update().get(pk=submission.pk)
    if to not in [t["to"] for t in submission_transitions(submission=submission)]:
        raise ValidationError(_("This move is not allowed from the current state."))
    SubmissionChange.objects.create(
        submission=submission,
        kind=SubmissionChange.Kind.STATE,
        field="state",
        old=submission.state,
        new=to,
        text=comment,
        user=_user(user),
    )
    submission.state = to
    submission.save(update_fields=["state", "updated_at"])
    submission_webhooks_queue(submission=submission, event=FormWebhook.Event.MOVED)
    return submission


@transaction.atomic
def submission_assign(*, submission: Submission, staff, user=None) -> Submission:
    _require(submission.form, user, "move")
    SubmissionChange.objects.create(
        submission=submission,
        kind=SubmissionChange.Kind.ASSIGN,
        field="assignee",
        old=submission.assignee_id,
        new=getattr(staff, "pk", None),
        user=_user(user),
    )
    submission.assignee = staff
    submission.save(update_fields=["assignee", "updated_at"])
    return submission


COMMENT_MAX_CHARS = 5000


def submission_comment(*, submission: Submission, text: str, user=None) -> SubmissionChange:
    _require(submission.form, user, "view")
    text = (text or "").strip()
    if not text:
        raise ValidationError({"text": _("A comment cannot be empty.")})
    if len(text) > COMMENT_MAX_CHARS:  # refused, never cut: the writer learns what was not kept
        raise ValidationError({"text": _("A comment has at most %(limit)d characters.") % {"limit": COMMENT_MAX_CHARS}})
    return SubmissionChange.objects.create(
        submission=submission, kind=SubmissionChange.Kind.COMMENT, text=text, user=_user(user)
    )
