"""Rendering a version's fields for people and reading them back from a POST; shared by the admin and the public page.

`fill_context` gives a template everything to render the fields of a version (no JavaScript needed: every field is
shown and the server decides); `data_from_post` turns the POST back into the answers dict the services validate.
Conditions travel as JSON trees in data-* attributes for conditions.js to show and hide fields in the page.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterable, Mapping
from pathlib import PurePath
from typing import Any

from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage
from django.utils.text import get_valid_filename
from django.utils.translation import gettext as _

from forms_engine.fields import LIKERT_DEFAULT, display_value, is_empty
from forms_engine.models import FormVersion
from forms_engine.personal import PersonalView, is_sealed, reveal

TEMPLATE = "forms_engine/fields/%s.html"
INPUT_TYPES = {
    "text": "text",
    "integer": "number",
    "decimal": "text",
    "date": "date",
    "time": "time",
    "datetime": "datetime-local",
    "phone": "tel",
    "id_number": "text",
}
MAX_ROWS = 50
CHOICE_LIMIT = 1000
DEFAULT_MAX_MB = 10
# Extension → (content type, leading bytes that a real file of that kind starts with).
FILE_KINDS: dict[str, tuple[str, tuple[bytes, ...]]] = {
    "jpg": ("image/jpeg", (b"\xff\xd8\xff",)),
    "jpeg": ("image/jpeg", (b"\xff\xd8\xff",)),
    "png": ("image/png", (b"\x89PNG\r\n\x1a\n",)),
    "gif": ("image/gif", (b"GIF87a", b"GIF89a")),
    "webp": ("image/webp", (b"RIFF",)),
    "pdf": ("application/pdf", (b"%PDF-",)),
    "docx": ("application/vnd.openxmlformats-officedocument.wordprocessingml.document", (b"PK\x03\x04",)),
    "xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", (b"PK\x03\x04",)),
}
ADD_ROW = "_add_row"


def _tree_json(condition: dict | None) -> str:
    return json.dumps(condition["tree"], ensure_ascii=False) if condition else ""


def _widget(spec: dict) -> tuple[str, str]:
    """(template name, input type) of a field."""
    kind = spec["type"]
    widget = (spec.get("options") or {}).get("widget", "")
    if kind in INPUT_TYPES:
        return TEMPLATE % "input", INPUT_TYPES[kind]
    if kind == "textarea":
        return TEMPLATE % "textarea", ""
    if kind in ("choice", "likert"):
        return TEMPLATE % ("select" if widget in ("select", "list", "minimal") else "radios"), ""
    if kind in ("yesno", "rating"):
        return TEMPLATE % "radios", ""
    if kind in ("cadre", "staff"):
        return TEMPLATE % "select", ""
    if kind == "multichoice":
        return TEMPLATE % "checkboxes", ""
    if kind in ("file", "note", "calculated", "repeat", "hidden"):
        return TEMPLATE % kind, "hidden" if kind == "hidden" else ""
    return TEMPLATE % "input", "text"


class _Choices:
    """Choices of a field, the people lists read once per render. A signed-in user (the admin) picks a person through a
    searchable chooser instead of a list; a public form has no one to pick from."""

    def __init__(self, user) -> None:
        self.user = user
        self.choosers = bool(getattr(user, "is_authenticated", False))
        self._cadres: list[tuple[str, str]] | None = None
        self._staff: list[tuple[str, str]] | None = None

    def cadres(self) -> list[tuple[str, str]]:
        if self._cadres is None:
            from registry.selectors import cadre_visible_queryset

            rows = cadre_visible_queryset(user=self.user).order_by("name", "pk").values_list("pk", "name")
            self._cadres = [(str(pk), name) for pk, name in rows[:CHOICE_LIMIT]]
        return self._cadres

    def staff(self) -> list[tuple[str, str]]:
        if self._staff is None:
            from registry.selectors import staff_choices

            if not getattr(self.user, "is_authenticated", False):
                self._staff = []
            else:
                self._staff = [(str(pk), name) for pk, name in staff_choices()[:CHOICE_LIMIT]]
        return self._staff

    def of(self, spec: dict) -> list[tuple[str, str]]:
        kind = spec["type"]
        if kind in ("choice", "multichoice", "likert"):
            return [(str(c["value"]), str(c["label"])) for c in (spec.get("choices") or LIKERT_DEFAULT)]
        if kind == "yesno":
            return [("yes", _("Yes")), ("no", _("No"))]
        if kind == "rating":
            return [(str(n), str(n)) for n in range(1, 6)]
        if kind in ("cadre", "staff") and self.choosers:
            return []
        if kind == "cadre":
            return self.cadres()
        if kind == "staff":
            return self.staff()
        return []

    def chooser(self, spec: dict, value: Any, *, html_name: str, id: str) -> str:  # noqa: A002
        """The chooser widget of a person field, showing the chosen person if the user may see them."""
        from registry.admin_ui.choosers import CadreChooserWidget, StaffChooserWidget
        from registry.selectors import cadre_visible_queryset, staff_visible_queryset

        if spec["type"] == "cadre":
            widget, people = CadreChooserWidget(), cadre_visible_queryset(user=self.user)
        else:
            widget, people = StaffChooserWidget(), staff_visible_queryset(user=self.user)
        chosen = None
        if str(value or "").isdigit():
            chosen = people.only("pk", "name").filter(pk=int(value)).first()
        return widget.render(html_name, chosen, attrs={"id": id})


def _as_input(spec: dict, value: Any) -> Any:
    """A stored or posted answer as the text (or list of texts) an input shows."""
    kind = spec["type"]
    if is_empty(value):
        return [] if kind == "multichoice" else ""
    if kind == "multichoice":
        return [str(v) for v in value] if isinstance(value, list) else [str(value)]
    if kind == "yesno" and isinstance(value, bool):
        return "yes" if value else "no"
    if kind in ("file", "repeat"):
        return value
    return str(value)


def _default(spec: dict) -> Any:
    default = spec.get("default") or ""
    if spec["type"] == "multichoice":
        return [part for part in default.replace(",", " ").split() if part]
    return default


def _item(spec: dict, value: Any, *, key: str, html_name: str, errors: dict, choices: _Choices, unmasked: bool | None):
    """One field to render; `unmasked`: None when not personal, else whether a stored (sealed) answer is shown."""
    template, input_type = _widget(spec)
    masked = ""
    if unmasked is not None and is_sealed(value):
        if unmasked:
            value = reveal(value)
        else:
            # Not shown in full: the input starts empty and an empty answer keeps the stored one.
            masked = display_value(spec, value, sensitive=False, personal=True)
            value = None
    shown = _as_input(spec, value)
    item: dict[str, Any] = {
        "spec": spec,
        "name": spec["name"],
        "key": key,
        "html_name": html_name,
        "id": "fe-" + html_name,
        "type": spec["type"],
        "label": spec.get("label") or spec["name"],
        "help_text": spec.get("help_text") or "",
        "required": bool(spec.get("required")),
        "template": template,
        "input_type": input_type,
        "value": shown if not isinstance(shown, list) else "",
        "values": shown if isinstance(shown, list) else [shown] if shown not in ("", None) else [],
        "errors": list(errors.get(key, [])),
        "relevant": _tree_json(spec.get("relevant")),
        "required_if": _tree_json(spec.get("required_if")),
        "constraint": _tree_json(spec.get("constraint")),
        "calculation": _tree_json(spec.get("calculation")),
        "min": spec.get("min"),
        "max": spec.get("max"),
        "max_length": spec.get("max_length"),
        "keep": bool(masked),
        "masked": masked,
        "current_file": None,
    }
    item["choices"] = [
        {"value": v, "label": label, "selected": v in item["values"], "id": f"{item['id']}-{i}"}
        for i, (v, label) in enumerate(choices.of(spec))
    ]
    if spec["type"] in ("cadre", "staff") and choices.choosers:
        item["template"] = TEMPLATE % "chooser"
        item["chooser"] = choices.chooser(spec, shown, html_name=html_name, id=item["id"])
    if spec["type"] == "integer":
        item["step"] = "1"
    if spec["type"] == "file":
        item["value"] = ""
        item["current_file"] = value if isinstance(value, dict) else None
        item["accept"] = ",".join("." + ext for ext in _allowed_extensions(spec))
    return item


def _rows_of(value: Any) -> list[dict]:
    return [row for row in value if isinstance(row, dict)] if isinstance(value, list) else []


def fill_context(
    *,
    version: FormVersion,
    data: dict | None = None,
    errors: dict | None = None,
    user=None,
    add_row: str | None = None,
    marked: Mapping[str, str] | None = None,
    initial: Mapping[str, Any] | None = None,
) -> dict:
    """Everything a template needs to render the fields of a version, with answers and errors in place.

    `data` is either stored answers (a submission) or what data_from_post read; None means a new, empty form
    (defaults shown, or the `initial` answers a link gives: a worklist prefills the cadre and date). `errors`
    is a ValidationError's message_dict. `add_row` renders one more row of that group.
    A stored personal answer (the version's marks and `marked`, the form's current ones) is shown in full only to
    a user who may see its kind, and named in `sensitive_shown`; to others its mask, the input left empty to keep it.
    """
    errors = errors or {}
    view = PersonalView(user=user, marked=marked or {})
    kinds = view.kinds(version_id=version.pk or 0, specs=version.schema["fields"])
    choices = _Choices(user)
    fresh = data is None
    data = data or {}
    items: list[dict] = []
    shown_sensitive: list[str] = []
    has_files = False
    for spec in version.schema["fields"]:
        name = spec["name"]
        if fresh and spec["type"] not in ("repeat", "file"):
            value = (initial or {}).get(name) or _default(spec)
        else:
            value = data.get(name)
        unmasked = view.may_see(kinds[name]) if name in kinds else None
        item = _item(spec, value, key=name, html_name=name, errors=errors, choices=choices, unmasked=unmasked)
        if unmasked and is_sealed(value):
            shown_sensitive.append(name)
        has_files = has_files or spec["type"] == "file"
        if spec["type"] == "repeat":
            stored = _rows_of(value)
            count = max(len(stored), 1) + (1 if add_row == name else 0)
            limit = int((spec.get("options") or {}).get("max_rows") or MAX_ROWS)
            count = min(count, limit)
            rows = []
            for index in range(count):
                row = stored[index] if index < len(stored) else None
                children = []
                for child in spec.get("children", []):
                    if row is not None:
                        child_value = row.get(child["name"])
                    else:
                        child_value = None if child["type"] == "file" else _default(child)
                    has_files = has_files or child["type"] == "file"
                    child_unmasked = view.may_see(kinds[child["name"]]) if child["name"] in kinds else None
                    if child_unmasked and is_sealed(child_value) and child["name"] not in shown_sensitive:
                        shown_sensitive.append(child["name"])
                    children.append(
                        _item(
                            child,
                            child_value,
                            key=f"{name}[{index}].{child['name']}",
                            html_name=f"{name}-{index}-{child['name']}",
                            errors=errors,
                            choices=choices,
                            unmasked=child_unmasked,
                        )
                    )
                rows.append({"index": index, "number": index + 1, "fields": children})
            item.update(rows=rows, row_count=count, can_add=count < limit, rows_name=f"{name}-rows")
        items.append(item)
    general = [str(m) for m in errors.get("__all__", [])]
    return {
        "version": version,
        "fields": items,
        "errors": general,
        "has_errors": bool(errors),
        "has_files": has_files,
        "sensitive_shown": shown_sensitive,
        "add_row_name": ADD_ROW,
    }


def add_row_requested(post) -> str | None:
    """The repeat group whose "add a row" button was pressed, if any."""
    return post.get(ADD_ROW) or None


# ---------------------------------------------------------------- reading a POST


def _allowed_extensions(spec: dict) -> list[str]:
    accept = (spec.get("options") or {}).get("accept")
    if isinstance(accept, str):
        accept = [part.strip().lstrip(".").lower() for part in accept.replace(",", " ").split()]
    wanted = [ext for ext in (accept or FILE_KINDS) if ext in FILE_KINDS]
    return wanted or list(FILE_KINDS)


def _store_file(spec: dict, upload) -> dict:
    """Check an upload against the field's limits and store it under forms/<uuid>/<name>."""
    limit_mb = float((spec.get("options") or {}).get("max_mb") or DEFAULT_MAX_MB)
    if upload.size > limit_mb * 1024 * 1024:
        raise ValidationError(_("The file is larger than %(mb)s MB.") % {"mb": f"{limit_mb:g}"})
    name = get_valid_filename(PurePath(upload.name or "").name) or "file"
    extension = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    allowed = _allowed_extensions(spec)
    if extension not in allowed:
        raise ValidationError(
            _("This kind of file is not accepted; allowed: %(kinds)s.") % {"kinds": ", ".join(allowed)}
        )
    content_type, signatures = FILE_KINDS[extension]
    upload.seek(0)
    head = upload.read(16)
    upload.seek(0)
    if not any(head.startswith(signature) for signature in signatures):
        raise ValidationError(_("The file's content does not match its type."))
    path = default_storage.save(f"forms/{uuid.uuid4().hex}/{name}", upload)
    return {"name": name, "path": path, "size": upload.size, "content_type": content_type}


def upload_store(*, spec: dict, upload) -> dict:
    """Check an upload against its file field's limits and store it; the answer that names it (the field app's
    attachments, sent beside their answers). Raises ValidationError with the reason in Chinese."""
    return _store_file(spec, upload)


def stored_files_discard(paths: Iterable[str]) -> None:
    """Remove files stored for a submission that was then refused."""
    for path in paths:
        default_storage.delete(path)


def _read(spec: dict, html_name: str, post, files, previous: Any, stored: list[str], errors: dict, key: str) -> Any:
    """One field's answer from the POST, or None when its input is empty."""
    kind = spec["type"]
    if kind in ("note", "calculated"):
        return None
    if kind == "file":
        upload = files.get(html_name) if files is not None else None
        if upload is None:
            return previous if isinstance(previous, dict) and not post.get(html_name + "-clear") else None
        try:
            record = _store_file(spec, upload)
        except ValidationError as error:
            errors[key] = error.messages
            return None
        stored.append(record["path"])
        return record
    if post.get(html_name + "-keep") and is_sealed(previous):
        # The stored answer was not shown to this user; an untouched input keeps it (sealed, as stored).
        given = post.getlist(html_name) if kind == "multichoice" else [post.get(html_name, "")]
        if not any(str(v).strip() for v in given):
            return previous
    if kind == "multichoice":
        values = [v for v in post.getlist(html_name) if v != ""]
        return values or None
    value = post.get(html_name, "")
    return value if value.strip() != "" else None


def data_from_post(*, version: FormVersion, post, files=None, previous: dict | None = None) -> tuple[dict, list[str]]:
    """The answers of a POST as the dict submission_create/update expects, plus the paths of files stored for it.

    Empty inputs send nothing (so a field hidden by its condition stays unanswered); rows of a repeat group that are
    left entirely empty are dropped. `previous` (the stored answers, when editing) keeps files not re-uploaded and
    ID numbers the user could not see. A refused upload raises ValidationError {field: [message]}; nothing is kept.
    """
    previous = previous or {}
    data: dict[str, Any] = {}
    stored: list[str] = []
    errors: dict[str, list[str]] = {}
    for spec in version.schema["fields"]:
        name = spec["name"]
        if spec["type"] == "repeat":
            try:
                count = int(post.get(f"{name}-rows", "0"))
            except ValueError:
                count = 0
            limit = int((spec.get("options") or {}).get("max_rows") or MAX_ROWS)
            old_rows = _rows_of(previous.get(name))
            rows = []
            for index in range(max(0, min(count, limit + 1))):
                old = old_rows[index] if index < len(old_rows) else {}
                row = {}
                for child in spec.get("children", []):
                    value = _read(
                        child,
                        f"{name}-{index}-{child['name']}",
                        post,
                        files,
                        old.get(child["name"]),
                        stored,
                        errors,
                        f"{name}[{index}].{child['name']}",
                    )
                    if value is not None:
                        row[child["name"]] = value
                if row:
                    rows.append(row)
            if rows:
                data[name] = rows
            continue
        value = _read(spec, name, post, files, previous.get(name), stored, errors, name)
        if value is not None:
            data[name] = value
    if errors:
        stored_files_discard(stored)
        raise ValidationError(errors)
    return data, stored
