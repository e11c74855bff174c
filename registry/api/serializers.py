"""Serializers of the registry API: personal fields masked unless the user may see them, and each unmasked one noted."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from registry.idcard import resident_id_parse
from registry.models import (
    Cadre,
    FamilyMember,
    HealthCheck,
    RestHome,
    Staff,
    StaffQualification,
    StaffTraining,
    TripAbroad,
)
from registry.selectors import FIELD_MASKS, HEALTH_FLAGS, cadre_visible_queryset, can_see_field
from registry.services import cadre_create, cadre_update
from tenants.drf import StrictCharField, StrictModelSerializer

# The order in which shown fields are named in the access log.
LOGGED_FIELD_ORDER = [
    "id_number",
    "phone",
    "mobile",
    "address",
    "family.phone",
    "family.address",
    "health_checks.findings",
]


@dataclass
class AccessNote:
    """What one response shows unmasked: which records of which model, which fields (never the values)."""

    model: str = ""
    record_ids: set[int] = field(default_factory=set)
    fields: set[str] = field(default_factory=set)

    def add(self, *, model: str, record_id: int, fields: list[str]) -> None:
        self.model = model
        self.record_ids.add(record_id)
        self.fields.update(fields)

    def ordered_fields(self) -> list[str]:
        return sorted(self.fields, key=lambda f: (LOGGED_FIELD_ORDER.index(f) if f in LOGGED_FIELD_ORDER else 99, f))


class PersonalDataMixin(StrictModelSerializer):
    """Masks Meta.personal_fields for users without the permission of their kind; notes what is shown unmasked.

    A view may decide for every field at once with the context's `sensitive` (the staff list does). A serializer
    itself (not a bare mixin), so that its context, Meta and to_representation are typed.
    """

    log_model = "Cadre"
    log_prefix = ""

    def log_record_id(self, instance) -> int:
        return instance.cadre_id

    def may_see(self, name: str) -> bool:
        """Whether the requesting user sees this personal field unmasked (asked once per response and field)."""
        override = self.context.get("sensitive")
        if override is not None:
            return override
        answers = self.context.setdefault("may_see", {})
        if name not in answers:
            answers[name] = can_see_field(self.context["request"].user, name)
        return answers[name]

    def to_representation(self, instance):
        data = super().to_representation(instance)
        shown = []
        for name in self.Meta.personal_fields:
            if name not in data:
                continue
            if not self.may_see(name):
                data[name] = FIELD_MASKS[name](data[name])
            elif data[name]:
                shown.append(self.log_prefix + name)
        note = self.context.get("access_note")
        if shown and note is not None:
            note.add(model=self.log_model, record_id=self.log_record_id(instance), fields=shown)
        return data


class VisibleCadreField(serializers.PrimaryKeyRelatedField):
    """A cadre the requesting user may see; any other (missing or forbidden) is refused the same way."""

    def get_queryset(self):
        return cadre_visible_queryset(user=self.context["request"].user)


class FamilyMemberSerializer(PersonalDataMixin, StrictModelSerializer):
    log_prefix = "family."

    class Meta:
        model = FamilyMember
        fields = ["id", "name", "relation", "phone", "address", "is_emergency_contact", "lives_with_cadre"]
        personal_fields = ["phone", "address"]


def _named_choice_field(name: str, choices) -> serializers.ChoiceField:
    """A choice field whose schema enum is its own, so two fields sharing one set of choices get one name each."""
    schema = {"type": "string", "enum": [value for value, _label in choices], "x-spec-enum-id": name}
    field_class = extend_schema_field(schema)(type(f"{name}_field", (serializers.ChoiceField,), {}))
    return field_class(choices=choices, required=False)


class CadreSerializer(PersonalDataMixin, StrictModelSerializer):
    """A cadre; writes go through registry.services (the ID number gives birth date and gender)."""

    id_number = StrictCharField(label=gettext_lazy("resident ID number"), max_length=18)
    gender = serializers.ChoiceField(choices=Cadre.Gender.choices, required=False)
    # null for whom may not see identity data: they get the age.
    birth_date = serializers.DateField(required=False, allow_null=True)
    age = serializers.SerializerMethodField()
    # null for whom may not see health data.
    bedridden = serializers.BooleanField(required=False, allow_null=True)
    disabled = serializers.BooleanField(required=False, allow_null=True)
    dementia = serializers.BooleanField(required=False, allow_null=True)
    rest_home_name = serializers.CharField(source="rest_home.name", read_only=True, default="")
    liaison_name = serializers.CharField(source="liaison.name", read_only=True, default="")
    is_very_old = serializers.BooleanField(read_only=True)
    nursing_fee_status = _named_choice_field("nursing_fee_status", Cadre.BenefitStatus.choices)
    medical_subsidy_status = _named_choice_field("medical_subsidy_status", Cadre.BenefitStatus.choices)
    in_declassification_period = serializers.BooleanField(read_only=True)

    class Meta:
        model = Cadre
        fields = [
            "id",
            "name",
            "name_pinyin",
            "name_initials",
            "gender",
            "birth_date",
            "age",
            "id_number",
            "phone",
            "mobile",
            "address",
            "level",
            "kind",
            "branch",
            "rank",
            "transfer_in_date",
            "rest_home",
            "rest_home_name",
            "liaison",
            "liaison_name",
            "lives_alone",
            "childless",
            "bedridden",
            "disabled",
            "dementia",
            "in_care_home",
            "is_very_old",
            "care_home_name",
            "service_needs",
            "nursing_fee_status",
            "medical_subsidy_status",
            "party_member",
            "party_branch",
            "party_relation",
            "declassification_until",
            "in_declassification_period",
            "state",
            "received_on",
            "deceased_on",
            "notes",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["name_pinyin", "name_initials", "created_at", "updated_at"]
        personal_fields = ["id_number", "phone", "mobile", "address"]

    def log_record_id(self, instance) -> int:
        return instance.pk

    @extend_schema_field(OpenApiTypes.INT)
    def get_age(self, instance) -> int:
        return instance.age_on(timezone.localdate())

    def to_representation(self, instance):
        data = super().to_representation(instance)
        for name in ("birth_date", *HEALTH_FLAGS):
            if not self.may_see(name):
                data[name] = None
        return data

    def validate_id_number(self, value: str) -> str:
        if self.instance is not None and not self.may_see("id_number"):
            return value  # checked with the other fields this user cannot see, in validate()
        try:
            return resident_id_parse(value).number
        except DjangoValidationError as exc:
            raise serializers.ValidationError(exc.messages) from None

    def validate(self, attrs):
        """A field this user sees masked is sent back as seen (or left out) and stays as it is; any other value is
        refused, the stored one too (else a write would tell whether a guess was right). A new cadre's fields are
        typed in by whoever registers them."""
        for name in ("birth_date", *HEALTH_FLAGS):  # null is how they are shown masked: not a value to store
            if name in attrs and attrs[name] is None:
                del attrs[name]
        if self.instance is None:
            return attrs
        errors = {}
        for name in ["birth_date", *HEALTH_FLAGS, *self.Meta.personal_fields]:
            if name not in attrs or self.may_see(name):
                continue
            if name in FIELD_MASKS and attrs[name] == FIELD_MASKS[name](getattr(self.instance, name)):
                del attrs[name]
            else:
                errors[name] = [_("You may not change a field you cannot see.")]
        if errors:
            raise serializers.ValidationError(errors)
        return attrs

    def create(self, validated_data):
        return _service_call(cadre_create, **validated_data)

    def update(self, instance, validated_data):
        return _service_call(cadre_update, cadre=instance, **validated_data)


def _service_call(service, **kwargs):
    """Run a registry service; its validation errors come back as DRF field errors."""
    try:
        return service(**kwargs)
    except DjangoValidationError as exc:
        if hasattr(exc, "error_dict"):
            raise serializers.ValidationError(exc.message_dict) from None
        raise serializers.ValidationError({"non_field_errors": exc.messages}) from None


class RestHomeSerializer(StrictModelSerializer):
    class Meta:
        model = RestHome
        fields = ["id", "name", "address", "phone", "building_area"]


class StaffQualificationSerializer(StrictModelSerializer):
    class Meta:
        model = StaffQualification
        fields = ["id", "name", "number", "issued_on", "expires_on"]


class StaffTrainingSerializer(StrictModelSerializer):
    class Meta:
        model = StaffTraining
        fields = ["id", "kind", "topic", "date", "hours"]


class StaffSerializer(PersonalDataMixin, StrictModelSerializer):
    log_model = "Staff"
    rest_home_name = serializers.CharField(source="rest_home.name", read_only=True, default="")
    qualifications = StaffQualificationSerializer(many=True, read_only=True)
    trainings = StaffTrainingSerializer(many=True, read_only=True)

    class Meta:
        model = Staff
        fields = [
            "id",
            "name",
            "rest_home",
            "rest_home_name",
            "role",
            "phone",
            "supervisor",
            "active",
            "qualifications",
            "trainings",
        ]
        personal_fields = ["phone"]

    def log_record_id(self, instance) -> int:
        return instance.pk


class TripAbroadSerializer(StrictModelSerializer):
    cadre = VisibleCadreField(queryset=Cadre.objects.all())
    cadre_name = serializers.CharField(source="cadre.name", read_only=True)

    class Meta:
        model = TripAbroad
        fields = [
            "id",
            "cadre",
            "cadre_name",
            "destination",
            "purpose",
            "departs_on",
            "returns_on",
            "returned_on",
            "passport_handed_in_on",
            "passport_returned_on",
        ]

    def validate(self, attrs):
        dates = ("departs_on", "returns_on", "returned_on", "passport_handed_in_on", "passport_returned_on")
        merged = {f: getattr(self.instance, f) for f in dates if self.instance is not None} | attrs
        departs = merged.get("departs_on")
        errors = {}
        for name in ("returns_on", "returned_on"):
            if departs and merged.get(name) and merged[name] < departs:
                errors[name] = [_("The return cannot be before the departure.")]
        handed_in, returned = merged.get("passport_handed_in_on"), merged.get("passport_returned_on")
        if handed_in and returned and returned < handed_in:
            errors["passport_returned_on"] = [_("The passport cannot be returned before it was handed in.")]
        if errors:
            raise serializers.ValidationError(errors)
        return attrs


class HealthCheckSerializer(PersonalDataMixin, StrictModelSerializer):
    log_prefix = "health_checks."
    cadre = VisibleCadreField(queryset=Cadre.objects.all())
    cadre_name = serializers.CharField(source="cadre.name", read_only=True)

    class Meta:
        model = HealthCheck
        fields = [
            "id",
            "cadre",
            "cadre_name",
            "year",
            "date",
            "institution",
            "result",
            "findings",
            "follow_up_done",
            "follow_up_on",
        ]
        personal_fields = ["findings"]

    def validate(self, attrs):
        merged = {f: getattr(self.instance, f) for f in ("year", "date") if self.instance is not None} | attrs
        if merged.get("date") and merged.get("year") and merged["date"].year != merged["year"]:
            raise serializers.ValidationError({"year": [_("The year does not match the date of the check.")]})
        return attrs
