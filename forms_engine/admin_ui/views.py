"""The 表单 screens of the Wagtail admin: build and publish forms, fill in and handle submissions, export them.

Interfaces only: read through selectors, write through services, render. Forbidden and missing both give 404.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import Http404
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.generic import TemplateView, View
from wagtail.admin import messages
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin

from forms_engine import services
from forms_engine.admin_ui.forms import DefinitionForm, FieldForm
from forms_engine.exports import (
    export_content_type,
    export_job_discard,
    export_job_file,
    export_queryset,
)
from forms_engine.fields import FIELD_TYPES, display_value, is_empty
from forms_engine.models import ExportJob, FormDefinition, FormField, FormVersion, Submission, SubmissionChange
from forms_engine.personal import PersonalView, answers_seal, personal_fields
from forms_engine.rendering import add_row_requested, data_from_post, fill_context, stored_files_discard
from forms_engine.selectors import (
    access_form_by_id,
    access_submission_by_id,
    form_list_for_user,
    forms_with_title,
    title_key,
)
from registry.admin_ui.choosers import CadreChooserWidget, StaffChooserWidget
from registry.selectors import (
    access_cadre_by_id,
    cadre_visible_queryset,
    staff_active_by_id,
    staff_names,
)
from registry.services import access_log_record
from tenants.private_files import private_file_response
from tenants.roles import Role

PAGE_SIZE = 50
# Field types a link may prefill by name (?visit_date=…): plain answers, never files, groups or personal data.
PREFILLED = {"text", "choice", "date", "cadre", "staff", "integer", "decimal"}


def is_builder(user) -> bool:
    """Only centre admins (and superusers) build forms."""
    return bool(user.is_superuser or Role.CENTRE_ADMIN.value in services.user_roles(user))


def _errors(error: ValidationError) -> dict[str, list[str]]:
    return error.message_dict if hasattr(error, "error_dict") else {"__all__": error.messages}


def _log_view(user, submission: Submission, fields: list[str]) -> None:
    """Personal answers shown unmasked: fields named `<form key>:<machine name>`."""
    if fields:
        access_log_record(
            user=user, action="view", channel="admin", model="Submission", record_ids=[submission.pk], fields=fields
        )


class FormsView(WagtailAdminTemplateMixin, TemplateView):
    header_icon = "form"
    breadcrumbs_items: list = []

    def render_page(self, **context):
        return self.render_to_response(self.get_context_data(**context))


class BuilderMixin:
    """Screens that build a definition: centre admins only; anyone else gets 404 for a form."""

    def dispatch(self, request, *args, **kwargs):
        if not is_builder(request.user):
            if "pk" in kwargs:
                raise Http404
            raise PermissionDenied
        self.form_def = None
        if "pk" in kwargs:
            self.form_def = FormDefinition.objects.filter(pk=kwargs["pk"]).first()
            if self.form_def is None:
                raise Http404
        return super().dispatch(request, *args, **kwargs)


# ---------------------------------------------------------------- forms


def _form_state(form: FormDefinition, fields: list[FormField]) -> tuple[str, str]:
    """(code, label) of where a form stands: a draft never published, published as it is, or with draft changes."""
    version = form.current_version
    if version is None:
        return "draft", _("Draft, not published")
    try:
        changed = services.form_schema_build(fields=fields) != version.schema
    except ValidationError:
        changed = True
    if changed:
        return "changed", _("Published; the draft has unpublished changes")
    return "published", _("Published")


def warn_same_title(request, form: FormDefinition) -> None:
    """Two forms may share a title, but the builder is told which others bear it (by key) so they can be told apart."""
    others = forms_with_title(title=form.title, exclude_id=form.pk)
    if others:
        messages.warning(
            request,
            _(
                "Another form is also called “%(title)s” (key: %(keys)s). Both are kept; give this one a title that "
                "tells them apart, or check that it is not a copy."
            )
            % {"title": form.title, "keys": "、".join(other.key for other in others)},
        )


class FormListView(FormsView):
    """Every form with its key, purpose, version and state; forms that share a title are marked."""

    template_name = "forms_engine/admin/form_list.html"

    def get_page_title(self):
        return _("Forms")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user = self.request.user
        builder = is_builder(user)
        forms = list(FormDefinition.objects.order_by("title", "key")) if builder else form_list_for_user(user=user)
        ids = [f.pk for f in forms]
        versions = {
            pk: (number, schema)
            for pk, number, schema in FormVersion.objects.filter(
                pk__in=[f.current_version_id for f in forms if f.current_version_id]
            ).values_list("pk", "number", "schema")
        }
        drafts: dict[int, list[FormField]] = {pk: [] for pk in ids}
        for field in FormField.objects.filter(form_id__in=ids).order_by("sort_order", "pk"):
            drafts[field.form_id].append(field)
        titles: dict[str, int] = {}
        for form in forms:
            titles[title_key(form.title)] = titles.get(title_key(form.title), 0) + 1
        rows = []
        for form in forms:
            number = None
            if form.current_version_id in versions:
                number, schema = versions[form.current_version_id]
                form.current_version = FormVersion(pk=form.current_version_id, form=form, number=number, schema=schema)
            state, state_label = _form_state(form, drafts[form.pk])
            rows.append(
                {
                    "form": form,
                    "version": number,
                    "state": state,
                    "state_label": state_label,
                    "same_title": titles[title_key(form.title)] > 1,
                    "can_fill": number is not None and services.form_user_can(form=form, user=user, action="fill"),
                    "can_view": services.form_user_can(form=form, user=user, action="view"),
                }
            )
        context.update(rows=rows, builder=builder)
        return context


class FormCreateView(BuilderMixin, FormsView):
    template_name = "forms_engine/admin/form_create.html"

    def get_page_title(self):
        return _("New form")

    def get(self, request, *args, **kwargs):
        initial = {f"access_{a}": [str(r) for r in roles] for a, roles in services.DEFAULT_ACCESS.items()}
        return self.render_page(definition=DefinitionForm(initial={**initial, "purpose": "other"}))

    def post(self, request, *args, **kwargs):
        definition = DefinitionForm(request.POST)
        if definition.is_valid():
            attrs = definition.attrs()
            key = definition.cleaned_data["key"] or f"form-{timezone.now():%Y%m%d%H%M%S%f}"
            try:
                form = services.form_create(key=key, **attrs)
            except ValidationError as error:
                for name, messages_ in _errors(error).items():
                    definition.add_error(name if name in definition.fields else None, messages_)
            else:
                messages.success(request, _("Form “%(title)s” created; now add its fields.") % {"title": form.title})
                warn_same_title(request, form)
                return redirect("forms_engine:form_edit", form.pk)
        return self.render_page(definition=definition)


class FormEditView(BuilderMixin, FormsView):
    template_name = "forms_engine/admin/form_edit.html"

    def get_page_title(self):
        return self.form_def.title

    def _render(self, definition: DefinitionForm):
        form = self.form_def
        fields = list(form.fields.order_by("sort_order", "pk"))
        versions = list(form.versions.select_related("published_by").order_by("-number"))
        draft_changed = True
        if versions:
            try:
                draft_changed = services.form_schema_build(fields=fields) != versions[0].schema
            except ValidationError:
                draft_changed = True
        return self.render_page(
            form=form,
            definition=definition,
            fields=[{"field": f, "type_label": FIELD_TYPES.get(f.field_type, f.field_type)} for f in fields],
            versions=versions,
            draft_changed=draft_changed,
        )

    def get(self, request, *args, **kwargs):
        return self._render(DefinitionForm(initial=DefinitionForm.initial_for(self.form_def), creating=False))

    def post(self, request, *args, **kwargs):
        definition = DefinitionForm(request.POST, creating=False)
        if definition.is_valid():
            try:
                title_before = self.form_def.title
                services.form_update(form=self.form_def, **definition.attrs())
            except ValidationError as error:
                for name, messages_ in _errors(error).items():
                    definition.add_error(name if name in definition.fields else None, messages_)
            else:
                messages.success(request, _("Saved."))
                if title_key(self.form_def.title) != title_key(title_before):
                    warn_same_title(request, self.form_def)
                return redirect("forms_engine:form_edit", self.form_def.pk)
        return self._render(definition)


class FieldEditView(BuilderMixin, FormsView):
    """Add a field to the draft, or change one; expressions are checked on save, errors naming the field."""

    template_name = "forms_engine/admin/field_edit.html"

    def dispatch(self, request, *args, **kwargs):
        self.field_id = kwargs.get("field_id")
        return super().dispatch(request, *args, **kwargs)

    def get_field(self) -> FormField | None:
        if self.field_id is None:
            return None
        field = self.form_def.fields.filter(pk=self.field_id).first()
        if field is None:
            raise Http404
        return field

    def get_page_title(self):
        return _("Add a field") if self.field_id is None else _("Edit a field")

    def get(self, request, *args, **kwargs):
        field = self.get_field()
        initial = FieldForm.initial_for(field) if field else {"field_type": "text"}
        return self.render_page(
            form=self.form_def, field=field, field_form=FieldForm(initial=initial, **self._kw(field))
        )

    def _kw(self, field):
        return {"form": self.form_def, "field": field}

    def post(self, request, *args, **kwargs):
        field = self.get_field()
        field_form = FieldForm(request.POST, initial=FieldForm.initial_for(field) if field else None, **self._kw(field))
        if field_form.is_valid():
            try:
                self._save(field, field_form)
            except ValidationError as error:
                for name, messages_ in _errors(error).items():
                    field_form.add_error(name if name in field_form.fields else None, messages_)
            else:
                messages.success(request, _("Field saved."))
                return redirect("forms_engine:form_edit", self.form_def.pk)
        return self.render_page(form=self.form_def, field=field, field_form=field_form)

    @transaction.atomic
    def _save(self, field: FormField | None, field_form: FieldForm) -> None:
        attrs = field_form.attrs(previous_options=field.options if field else None)
        if field is None:
            field = services.form_field_add(
                form=self.form_def,
                name=field_form.cleaned_data["name"],
                label=attrs.pop("label"),
                field_type=attrs.pop("field_type"),
                **attrs,
            )
        else:
            field = services.form_field_update(field=field, **attrs)
        # The draft is checked as a whole; only problems of this field stop the save (the others show at publish).
        try:
            services.form_schema_build(fields=list(self.form_def.fields.all()))
        except ValidationError as error:
            where = _("Field “%(label)s” (%(name)s)") % {"label": field.label, "name": field.name}
            own = [message for message in error.messages if message.startswith(where)]
            if own:
                raise ValidationError(own) from None


class FieldMoveView(BuilderMixin, View):
    """One field up or down (the buttons without JavaScript): the whole order saved through the reorder service."""

    def post(self, request, pk: int, field_id: int):
        ids = list(self.form_def.fields.order_by("sort_order", "pk").values_list("pk", flat=True))
        if field_id not in ids:
            raise Http404
        index = ids.index(field_id)
        other = index - 1 if request.POST.get("direction") == "up" else index + 1
        if 0 <= other < len(ids):
            ids[index], ids[other] = ids[other], ids[index]
            try:
                services.form_fields_reorder(form=self.form_def, field_ids=ids)
            except ValidationError as error:
                for message in error.messages:
                    messages.error(request, message)
            else:
                problems = services.form_draft_problems(form=self.form_def)
                if problems:
                    messages.warning(request, " ".join([_("Before publishing, put right:"), *problems]))
        return redirect(reverse("forms_engine:form_edit", args=[pk]) + f"#field-{field_id}")


class FieldRemoveView(BuilderMixin, View):
    def post(self, request, pk: int, field_id: int):
        field = self.form_def.fields.filter(pk=field_id).first()
        if field is None:
            raise Http404
        try:
            services.form_field_remove(field=field)
        except ValidationError as error:
            for message in error.messages:
                messages.error(request, message)
        else:
            messages.success(request, _("Field “%(label)s” removed from the draft.") % {"label": field.label})
        return redirect("forms_engine:form_edit", pk)


class FormPublishView(BuilderMixin, View):
    def post(self, request, pk: int):
        try:
            version = services.form_publish(form=self.form_def, user=request.user)
        except ValidationError as error:
            messages.error(request, _("Not published; please correct:"))
            for message in error.messages:
                messages.error(request, message)
        else:
            messages.success(request, _("Published as version %(n)d.") % {"n": version.number})
        return redirect("forms_engine:form_edit", pk)


# ---------------------------------------------------------------- submissions


def _state_labels(form: FormDefinition) -> dict[str, str]:
    return {s["key"]: str(s["label"]) for s in form.workflow.get("states", [])}


class SubmissionFillView(FormsView):
    """Fill in a new submission, optionally about a cadre the user may see."""

    template_name = "forms_engine/admin/submission_fill.html"

    def dispatch(self, request, *args, **kwargs):
        self.form_def = access_form_by_id(user=request.user, id=kwargs["pk"], action="fill")
        self.version = self.form_def.current_version
        if self.version is None:
            raise Http404
        return super().dispatch(request, *args, **kwargs)

    def get_page_title(self):
        return _("Fill in “%(title)s”") % {"title": self.form_def.title}

    def _render(self, *, data=None, errors=None, add_row=None, cadre_id: str = "", initial=None, next_url=""):
        cadres = cadre_visible_queryset(user=self.request.user).only("pk", "name")
        chosen = cadres.filter(pk=int(cadre_id)).first() if cadre_id.isdigit() else None
        return self.render_page(
            form=self.form_def,
            cadre_chooser=CadreChooserWidget().render("cadre", chosen, attrs={"id": "fe-cadre-link"}),
            next_url=next_url,
            **fill_context(
                version=self.version,
                data=data,
                errors=errors,
                user=self.request.user,
                add_row=add_row,
                initial=initial,
            ),
        )

    def _initial(self, query) -> dict:
        """Answers a link prefills (a worklist's 去填写: the cadre, the visit's type and date), by field name; the
        cadre the form is about also fills the form's first cadre field."""
        initial = {}
        for spec in self.version.schema["fields"]:
            if spec["type"] in PREFILLED and query.get(spec["name"]) and not spec.get("personal"):
                initial[spec["name"]] = query[spec["name"]][:200]
        cadre_fields = [spec["name"] for spec in self.version.schema["fields"] if spec["type"] == "cadre"]
        if cadre_fields and query.get("cadre", "").isdigit():
            initial.setdefault(cadre_fields[0], query["cadre"])
        return initial

    def _next(self, request) -> str:
        """Where to go after saving, when the link came from a page that wants the user back (the worklist)."""
        target = request.POST.get("next") or request.GET.get("next") or ""
        safe = url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}, require_https=False)
        return target if safe and target.startswith("/") else ""

    def get(self, request, *args, **kwargs):
        return self._render(
            cadre_id=request.GET.get("cadre", ""), initial=self._initial(request.GET), next_url=self._next(request)
        )

    def post(self, request, *args, **kwargs):
        cadre_id = request.POST.get("cadre", "")
        cadre = access_cadre_by_id(user=request.user, id=cadre_id) if cadre_id else None
        try:
            data, stored = data_from_post(version=self.version, post=request.POST, files=request.FILES)
        except ValidationError as error:
            return self._render(data={}, errors=_errors(error), cadre_id=cadre_id, next_url=self._next(request))
        add_row = add_row_requested(request.POST)
        if add_row:
            stored_files_discard(stored)
            return self._render(data=data, add_row=add_row, cadre_id=cadre_id, next_url=self._next(request))
        try:
            submission = services.submission_create(
                form=self.form_def, data=data, user=request.user, cadre=cadre, channel="admin"
            )
        except ValidationError as error:
            stored_files_discard(stored)
            return self._render(data=data, errors=_errors(error), cadre_id=cadre_id, next_url=self._next(request))
        except PermissionDenied:
            stored_files_discard(stored)
            raise Http404 from None
        messages.success(request, _("Saved; receipt number %(receipt)s.") % {"receipt": submission.receipt})
        return redirect(self._next(request) or reverse("forms_engine:submission_detail", args=[submission.pk]))


def _shown(view: PersonalView, kinds: dict[str, str], spec: dict, value, submission_id: int) -> str:
    """An answer as this user may see it; a personal one shown in full is noted for the access log."""
    kind = kinds.get(spec["name"])
    if kind is None:
        return display_value(spec, value, sensitive=True, personal=False)
    unmasked = view.may_see(kind)
    if unmasked and not is_empty(value):
        view.note(submission_id, spec["name"])
    return display_value(spec, value, sensitive=unmasked, personal=True)


def _answer_rows(specs: list[dict], data: dict, *, view: PersonalView, kinds: dict, submission_id: int) -> list[dict]:
    rows = []
    for spec in specs:
        if spec["type"] == "note":
            rows.append({"spec": spec, "label": spec.get("label", ""), "note": True})
            continue
        value = data.get(spec["name"])
        row = {"spec": spec, "label": spec.get("label") or spec["name"], "name": spec["name"]}
        if spec["type"] == "repeat" and isinstance(value, list):
            children = spec.get("children", [])
            row["columns"] = [c.get("label") or c["name"] for c in children]
            row["rows"] = [
                [_shown(view, kinds, c, item.get(c["name"]), submission_id) for c in children]
                for item in value
                if isinstance(item, dict)
            ]
        elif spec["type"] == "file" and isinstance(value, dict):
            row["file"] = value
            row["text"] = _shown(view, kinds, spec, value, submission_id)
        else:
            row["text"] = _shown(view, kinds, spec, value, submission_id)
        rows.append(row)
    return rows


def _flat_specs(specs: list[dict]) -> dict[str, dict]:
    flat = {}
    for spec in specs:
        flat[spec["name"]] = spec
        for child in spec.get("children", []):
            flat.setdefault(child["name"], child)
    return flat


class SubmissionDetailView(FormsView):
    """A submission shown with its own version's fields, its history, workflow, assignment and comments."""

    template_name = "forms_engine/admin/submission_detail.html"

    def get_page_title(self):
        return _("Submission %(receipt)s") % {"receipt": self.submission.receipt}

    def get(self, request, *args, **kwargs):
        self.submission = access_submission_by_id(user=request.user, id=kwargs["sid"])
        return super().get(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user, submission = self.request.user, self.submission
        form, specs = submission.form, submission.version.schema["fields"]
        view = PersonalView(user=user, marked=services.personal_marks(form_id=form.pk))
        kinds = view.kinds(version_id=submission.version_id, specs=specs)
        flat = _flat_specs(specs)
        states = _state_labels(form)
        changes = list(submission.changes.select_related("user").order_by("at", "pk"))
        staff_ids = {c.old for c in changes if c.kind == "assign"} | {c.new for c in changes if c.kind == "assign"}
        staff_names_by_id = staff_names(staff_ids)
        answers = _answer_rows(specs, submission.data, view=view, kinds=kinds, submission_id=submission.pk)
        history = []
        for change in changes:
            entry = {"change": change, "who": change.user.get_username() if change.user else "—"}
            if change.kind == SubmissionChange.Kind.ANSWER:
                spec = flat.get(change.field)
                entry["field"] = spec.get("label", change.field) if spec else change.field
                entry["old"], entry["new"] = (
                    _shown(view, kinds, spec, value, submission.pk) if spec else str(value or "")
                    for value in (change.old, change.new)
                )
            elif change.kind == SubmissionChange.Kind.STATE:
                entry.update(
                    field=_("State"), old=states.get(change.old, change.old), new=states.get(change.new, change.new)
                )
            elif change.kind == SubmissionChange.Kind.ASSIGN:
                entry.update(
                    field=_("Assigned to"),
                    old=staff_names_by_id.get(change.old, ""),
                    new=staff_names_by_id.get(change.new, ""),
                )
            history.append(entry)
        _log_view(user, submission, view.logged_fields(form.key))
        can_move = services.form_user_can(form=form, user=user, action="move")
        context.update(
            submission=submission,
            form=form,
            answers=answers,
            state=states.get(submission.state, submission.state),
            history=history,
            transitions=services.submission_transitions(submission=submission) if can_move else [],
            can_move=can_move,
            can_edit=services.form_user_can(form=form, user=user, action="edit"),
            assign_chooser=(
                StaffChooserWidget().render("staff", submission.assignee, attrs={"id": "fe-assign"}) if can_move else ""
            ),
        )
        return context


class SubmissionEditView(FormsView):
    template_name = "forms_engine/admin/submission_edit.html"

    def dispatch(self, request, *args, **kwargs):
        self.submission = access_submission_by_id(user=request.user, id=kwargs["sid"])
        if not services.form_user_can(form=self.submission.form, user=request.user, action="edit"):
            raise Http404
        return super().dispatch(request, *args, **kwargs)

    def get_page_title(self):
        return _("Edit submission %(receipt)s") % {"receipt": self.submission.receipt}

    def _render(self, *, data, errors=None, add_row=None):
        submission = self.submission
        context = fill_context(
            version=submission.version,
            data=data,
            errors=errors,
            user=self.request.user,
            add_row=add_row,
            marked=self.marked,
        )
        shown = [f"{submission.form.key}:{name}" for name in context["sensitive_shown"]]
        _log_view(self.request.user, submission, shown)
        return self.render_page(submission=submission, form=submission.form, **context)

    @property
    def marked(self) -> dict[str, str]:
        if not hasattr(self, "_marked"):
            self._marked = services.personal_marks(form_id=self.submission.form_id)
        return self._marked

    @property
    def stored(self) -> dict:
        """The stored answers, those given in clear before their field was marked sealed as if they had been (so
        they are masked unless permitted, and a kept answer never comes back in clear)."""
        kinds = {**self.marked, **personal_fields(self.submission.version.schema["fields"])}
        return answers_seal(self.submission.data, kinds, stored=True)

    def get(self, request, *args, **kwargs):
        return self._render(data=self.stored)

    def post(self, request, *args, **kwargs):
        submission = self.submission
        try:
            data, stored = data_from_post(
                version=submission.version, post=request.POST, files=request.FILES, previous=self.stored
            )
        except ValidationError as error:
            return self._render(data=self.stored, errors=_errors(error))
        add_row = add_row_requested(request.POST)
        if add_row:
            stored_files_discard(stored)
            return self._render(data=data, add_row=add_row)
        try:
            services.submission_update(submission=submission, data=data, user=request.user)
        except ValidationError as error:
            stored_files_discard(stored)
            return self._render(data=data, errors=_errors(error))
        except PermissionDenied:
            stored_files_discard(stored)
            raise Http404 from None
        messages.success(request, _("Changes saved."))
        return redirect("forms_engine:submission_detail", submission.pk)


class SubmissionActionView(View):
    """A POST on one visible submission: move, assign or comment."""

    action = "move"

    def post(self, request, sid: int):
        submission = access_submission_by_id(user=request.user, id=sid)
        if not services.form_user_can(form=submission.form, user=request.user, action=self.action):
            raise Http404
        try:
            message = self.act(request, submission)
        except ValidationError as error:
            for text in error.messages:
                messages.error(request, text)
        except PermissionDenied:
            raise Http404 from None
        else:
            messages.success(request, message)
        return redirect("forms_engine:submission_detail", submission.pk)


class SubmissionMoveView(SubmissionActionView):
    def act(self, request, submission):
        services.submission_move(
            submission=submission,
            to=request.POST.get("to", ""),
            user=request.user,
            comment=request.POST.get("comment", ""),
        )
        return _("State changed.")


class SubmissionAssignView(SubmissionActionView):
    def act(self, request, submission):
        staff_id = request.POST.get("staff", "")
        staff = staff_active_by_id(int(staff_id)) if staff_id.isdigit() else None
        if staff_id and staff is None:
            raise ValidationError(_("Choose a staff member from the list."))
        services.submission_assign(submission=submission, staff=staff, user=request.user)
        return _("Assignment saved.")


class SubmissionCommentView(SubmissionActionView):
    action = "view"

    def act(self, request, submission):
        services.submission_comment(submission=submission, text=request.POST.get("text", ""), user=request.user)
        return _("Comment added.")


# ---------------------------------------------------------------- exports


def _jobs_for(user):
    return ExportJob.objects.filter(created_by=user).select_related("form").order_by("-created_at", "-pk")


class ExportListView(FormsView):
    template_name = "forms_engine/admin/export_list.html"

    def get_page_title(self):
        return _("Exports")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        jobs = list(_jobs_for(self.request.user)[:PAGE_SIZE])
        context.update(
            jobs=[
                {
                    "job": job,
                    "percent": int(job.done * 100 / job.total) if job.total else 0 if job.status != "done" else 100,
                }
                for job in jobs
            ],
            running=any(job.status in (ExportJob.Status.QUEUED, ExportJob.Status.RUNNING) for job in jobs),
        )
        return context


class ExportDownloadView(FormsView):
    """A finished export, for the user who made it while they may still view its form, for 24 hours; logged."""

    template_name = "forms_engine/admin/export_gone.html"

    def get_page_title(self):
        return _("Exports")

    def get(self, request, job_id: int):
        job = _jobs_for(request.user).filter(pk=job_id).first()
        if job is None or job.status != ExportJob.Status.DONE:
            raise Http404
        access_form_by_id(user=request.user, id=job.form_id, action="view")
        path = export_job_file(job=job)
        if path is None:
            export_job_discard(job=job)
            return self.render_to_response(self.get_context_data(job=job), status=410)
        submissions = export_queryset(form=job.form, user=request.user, params=job.params)
        if job.finished_at:
            submissions = submissions.filter(created_at__lte=job.finished_at)
        names = {s["name"] for v in job.form.versions.all() for s in v.schema.get("fields", [])}
        if isinstance(job.params.get("columns"), list):  # the file holds only the columns chosen on the list
            names &= set(job.params["columns"])
        access_log_record(
            user=request.user,
            action="export",
            channel="export",
            model="Submission",
            record_ids=submissions.values_list("pk", flat=True),
            fields=sorted(names),
        )
        fallback = f"{job.form.key}{path.suffix}"
        filename = job.filename or fallback
        return private_file_response(
            path, filename=filename, content_type=export_content_type(filename=filename), fallback=fallback
        )
