"""Serializers of the forms API: definitions, versions and submissions (personal answers masked unless permitted)."""

from __future__ import annotations

import copy
from typing import Any

from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from forms_engine.models import FormDefinition, FormVersion, Submission
from forms_engine.personal import PersonalView
from forms_engine.services import form_personal_marks, version_schema
from forms_engine.webhooks import answers_masked
from registry.selectors import cadre_visible_queryset
from tenants.drf import StrictCharField


class FieldsBuiltOnceMixin:
    """A model serializer whose fields are built from the model once per process and copied for each serializer,
    as DRF copies declared fields: building them reads the model's metadata, half a millisecond every time."""

    def get_fields(self):
        cls = type(self)
        built = cls.__dict__.get("_fields_built")
        if built is None:
            built = super().get_fields()  # type: ignore[misc]
            cls._fields_built = built  # type: ignore[attr-defined]  # never bound: only its copies are
        return copy.deepcopy(built)


class ModelSerializer(FieldsBuiltOnceMixin, serializers.ModelSerializer):
    pass


class SharedOutputFieldsMixin:
    """Output through one set of fields per serializer class, bound once per process to a serializer of its own:
    DRF copies and binds every field for every serializer (and every item of a list). Only for fields whose output
    needs nothing of the request or the context (model columns, keys, slugs, JSON): they keep no state while
    writing, so requests share them."""

    @property
    def _readable_fields(self):
        cls = type(self)
        shared = cls.__dict__.get("_shared_readable_fields")
        if shared is None:
            prototype: Any = cls(context={})  # type: ignore[call-arg]
            shared = [field for field in prototype.fields.values() if not field.write_only]
            cls._shared_readable_fields = shared  # type: ignore[attr-defined]
        return iter(shared)


class FormVersionSummarySerializer(ModelSerializer):
    class Meta:
        model = FormVersion
        fields = ["number", "published_at"]


class FormVersionSerializer(ModelSerializer):
    schema = serializers.JSONField(read_only=True, help_text=_('The version\'s fields: {"fields": [spec, ...]}'))

    class Meta:
        model = FormVersion
        fields = ["number", "published_at", "schema"]


class FormDefinitionSerializer(ModelSerializer):
    current_version = serializers.SerializerMethodField()

    class Meta:
        model = FormDefinition
        fields = [
            "id",
            "key",
            "title",
            "description",
            "purpose",
            "public",
            "bureau_template",
            "workflow",
            "current_version",
            "created_at",
            "updated_at",
        ]

    def get_current_version(self, form: FormDefinition) -> int | None:
        numbers = [v.number for v in form.versions.all()]  # prefetched
        return max(numbers) if numbers else None


class FormDefinitionDetailSerializer(FormDefinitionSerializer):
    versions = FormVersionSummarySerializer(many=True, read_only=True)
    schema = serializers.SerializerMethodField(help_text=_("The current version's fields."))

    class Meta(FormDefinitionSerializer.Meta):
        fields = [*FormDefinitionSerializer.Meta.fields, "versions", "schema"]

    def get_schema(self, form: FormDefinition) -> dict | None:
        versions = sorted(form.versions.all(), key=lambda v: v.number)
        return versions[-1].schema if versions else None


class SubmissionSerializer(SharedOutputFieldsMixin, ModelSerializer):
    """A submission; `data` holds the answers by machine name. Personal answers are masked unless permitted."""

    form: serializers.SlugRelatedField[FormDefinition] = serializers.SlugRelatedField(slug_field="key", read_only=True)
    version = serializers.IntegerField(source="version.number", read_only=True)
    data = serializers.JSONField()  # type: ignore[assignment]  # a field named `data`, as DRF allows
    cadre_name = serializers.CharField(source="cadre.name", read_only=True, default="")

    class Meta:
        model = Submission
        fields = [
            "id",
            "form",
            "version",
            "receipt",
            "state",
            "data",
            "cadre",
            "cadre_name",
            "assignee",
            "channel",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["receipt", "state", "assignee", "channel", "created_at", "updated_at"]

    def to_representation(self, instance: Submission):
        out = super().to_representation(instance)
        views = self.context.setdefault("personal_views", {})
        if instance.form_id not in views:
            marked = form_personal_marks(form=instance.form)  # the form read with its submissions (`form` above)
            views[instance.form_id] = PersonalView(user=self.context["request"].user, marked=marked)
        view = views[instance.form_id]
        specs = version_schema(instance.version_id)["fields"]
        shown: set[str] = set()
        out["data"] = answers_masked(
            specs,
            instance.data,
            kinds=view.kinds(version_id=instance.version_id, specs=specs),
            may_see=view.may_see,
            shown=shown,
        )
        note = self.context.get("access_note")
        if shown and note is not None:
            note.setdefault("ids", set()).add(instance.pk)
            note.setdefault("fields", set()).update(f"{instance.form.key}:{name}" for name in shown)
        return out


@extend_schema_field(OpenApiTypes.INT)
class VisibleCadreField(serializers.PrimaryKeyRelatedField):
    """A cadre the user may see; a missing and a forbidden one are refused alike."""

    def get_queryset(self):
        return cadre_visible_queryset(user=self.context["request"].user)


class SubmissionWriteSerializer(serializers.Serializer):
    data = serializers.JSONField(help_text=_("Answers by machine name, as in the form's current version."))  # type: ignore[assignment]
    cadre = VisibleCadreField(required=False, allow_null=True, help_text=_("The cadre the submission is about."))


class SubmissionUpdateSerializer(serializers.Serializer):
    data = serializers.JSONField(help_text=_("Answers by machine name; PATCH changes only the answers given."))  # type: ignore[assignment]


class SubmissionMoveSerializer(serializers.Serializer):
    to = StrictCharField(max_length=30, help_text=_("The state to move to (one of the allowed moves)."))
    comment = StrictCharField(max_length=5000, required=False, allow_blank=True, default="")


class FieldErrorsSerializer(serializers.Serializer):
    """A refused submission: messages (in Chinese) by machine name; repeat rows as `group[0].field`."""

    data = serializers.DictField(child=serializers.ListField(child=serializers.CharField()), required=False)  # type: ignore[assignment]
    non_field_errors = serializers.ListField(child=serializers.CharField(), required=False)
