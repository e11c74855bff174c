"""Viewsets of the registry API: querysets start from what the user may see; unmasked personal data is logged."""

from __future__ import annotations

import django_filters
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django_filters import utils as filter_utils
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, viewsets
from rest_framework.authentication import SessionAuthentication
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied, Throttled
from rest_framework.filters import OrderingFilter
from rest_framework.permissions import DjangoModelPermissions, IsAuthenticated
from rest_framework.response import Response

from registry.api.serializers import (
    AccessNote,
    CadreSerializer,
    FamilyMemberSerializer,
    HealthCheckSerializer,
    RestHomeSerializer,
    StaffSerializer,
    TripAbroadSerializer,
)
from registry.filters import CadreFilterSet
from registry.models import Cadre, HealthCheck, RestHome, Staff, TripAbroad
from registry.selectors import (
    IDENTITY,
    cadre_visible_queryset,
    can_see_personal,
    can_see_staff_personal,
    staff_visible_queryset,
)
from registry.services import ID_SEARCH_THROTTLED, access_log_record, cadre_number_free_check
from tenants.authentication import CentreTokenAuthentication
from tenants.drf import StrictBooleanFilter, StrictFilterSet, StrictPageNumberPagination, WholeNumberFilter

# A cadre loaded only for its name need not decrypt its personal fields.
CADRE_PERSONAL_COLUMNS = ["cadre__id_number", "cadre__phone", "cadre__mobile", "cadre__address"]


class ModelPermissions(DjangoModelPermissions):
    """Model permissions for every method, reading included: everything is denied unless granted."""

    perms_map = {
        "GET": ["%(app_label)s.view_%(model_name)s"],
        "OPTIONS": ["%(app_label)s.view_%(model_name)s"],
        "HEAD": ["%(app_label)s.view_%(model_name)s"],
        "POST": ["%(app_label)s.add_%(model_name)s"],
        "PUT": ["%(app_label)s.change_%(model_name)s"],
        "PATCH": ["%(app_label)s.change_%(model_name)s"],
        "DELETE": ["%(app_label)s.delete_%(model_name)s"],
    }


class RegistryPagination(StrictPageNumberPagination):
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200


class RegistryViewSet(viewsets.ModelViewSet):
    """Token or session of this centre; model permissions; one access-log entry per response with unmasked data."""

    authentication_classes = [CentreTokenAuthentication, SessionAuthentication]
    permission_classes = [IsAuthenticated, ModelPermissions]
    pagination_class = RegistryPagination
    filter_backends = [DjangoFilterBackend, OrderingFilter]

    def initial(self, request, *args, **kwargs):
        self.access_note = AccessNote()
        super().initial(request, *args, **kwargs)

    def visible_cadres(self):
        """The cadres this user may see, worked out once per request (permissions and the action both ask)."""
        if getattr(self, "_visible_cadres", None) is None:
            self._visible_cadres = cadre_visible_queryset(user=self.request.user)
        return self._visible_cadres.all()

    def get_serializer_context(self):
        return {**super().get_serializer_context(), "access_note": getattr(self, "access_note", None)}

    def finalize_response(self, request, response, *args, **kwargs):
        note = getattr(self, "access_note", None)
        if note is not None and note.record_ids and response.status_code < 400:
            access_log_record(
                user=request.user,
                action="view",
                channel="api",
                model=note.model,
                record_ids=note.record_ids,
                fields=note.ordered_fields(),
            )
        return super().finalize_response(request, response, *args, **kwargs)


class CadreApiFilterSet(CadreFilterSet):
    channel = "api"


class CadreFilterBackend(DjangoFilterBackend):
    """The cadre filter; too many searches by ID number answer 429, any other refused filter 400."""

    answers_429 = True  # so the OpenAPI schema documents it (junxiu.openapi)

    def filter_queryset(self, request, queryset, view):
        filterset = self.get_filterset(request, queryset, view)
        if filterset is None:
            return queryset
        if not filterset.is_valid():
            for error in filterset.form.errors.as_data().get("q", []):
                if error.code == ID_SEARCH_THROTTLED:
                    raise Throttled(detail=error.messages[0])
            raise filter_utils.translate_validation(filterset.errors)
        return filterset.qs


class CadreViewSet(RegistryViewSet):
    """Cadres the user may see, through the registry's one filter (`q`: name, pinyin, initials, or an ID number for
    whom may see identity data, at most 20 an hour, each logged)."""

    queryset = Cadre.objects.all()
    serializer_class = CadreSerializer
    filterset_class = CadreApiFilterSet
    filter_backends = [CadreFilterBackend, OrderingFilter]

    @property
    def ordering_fields(self) -> list[str]:
        """By birth date only for whom may see it: the order would rank people by it (ignored for the others)."""
        fields = ["name_pinyin", "name", "birth_date", "transfer_in_date", "received_on", "updated_at", "id"]
        request = getattr(self, "request", None)
        if request is None or not can_see_personal(request.user, IDENTITY):
            fields.remove("birth_date")
        return fields

    http_method_names = ["get", "post", "put", "patch", "head", "options"]  # a cadre leaves by death or transfer

    def get_queryset(self):
        return self.visible_cadres().select_related("rest_home", "liaison")

    @extend_schema(responses=FamilyMemberSerializer(many=True), filters=False)
    @action(detail=True, methods=["get"], pagination_class=None, filter_backends=[])
    def family(self, request, pk=None):
        """The cadre's family members and emergency contacts."""
        if not request.user.has_perm("registry.view_familymember"):
            raise PermissionDenied
        cadre = self.get_object()
        serializer = FamilyMemberSerializer(cadre.family.all(), many=True, context=self.get_serializer_context())
        return Response(serializer.data)

    def perform_create(self, serializer):
        try:  # outside the transaction: its log row must stay
            cadre_number_free_check(
                user=self.request.user, channel="api", id_number=serializer.validated_data.get("id_number")
            )
        except DjangoValidationError as exc:
            if not hasattr(exc, "error_dict"):  # past the hourly limit
                raise Throttled(detail=exc.messages[0]) from None
            raise serializers.ValidationError(exc.message_dict) from None
        with transaction.atomic():
            _save_within_scope(serializer, user=self.request.user)

    def perform_update(self, serializer):
        with transaction.atomic():
            _save_within_scope(serializer, user=self.request.user)


def _save_within_scope(serializer, *, user) -> None:
    """Save; refuse (and roll back) a write that would leave the cadre outside what this user may see."""
    cadre = serializer.save()
    if not cadre_visible_queryset(user=user).filter(pk=cadre.pk).exists():
        raise serializers.ValidationError(
            {"rest_home": [_("You may only register or keep cadres of your own rest home or assigned to you.")]}
        )


class RestHomeViewSet(RegistryViewSet):
    queryset = RestHome.objects.all()
    serializer_class = RestHomeSerializer
    ordering_fields = ["name", "id"]
    http_method_names = ["get", "post", "put", "patch", "head", "options"]  # cadres and staff keep their rest home


class StaffFilterSet(StrictFilterSet):
    class Meta:
        model = Staff
        fields = ["rest_home", "role", "active"]


class StaffViewSet(RegistryViewSet):
    queryset = Staff.objects.select_related("rest_home").prefetch_related("qualifications", "trainings")
    serializer_class = StaffSerializer
    filterset_class = StaffFilterSet
    ordering_fields = ["name", "id"]
    http_method_names = ["get", "post", "put", "patch", "head", "options"]  # staff leave by becoming inactive

    def get_queryset(self):
        return (
            staff_visible_queryset(user=self.request.user)
            .select_related("rest_home")
            .prefetch_related("qualifications", "trainings")
        )

    def get_serializer_context(self):
        context = super().get_serializer_context()
        if getattr(self, "request", None):
            context["sensitive"] = can_see_staff_personal(self.request.user)
        return context

    def perform_create(self, serializer):
        with transaction.atomic():
            _save_staff_within_scope(serializer, user=self.request.user)

    def perform_update(self, serializer):
        with transaction.atomic():
            _save_staff_within_scope(serializer, user=self.request.user)


def _save_staff_within_scope(serializer, *, user) -> None:
    """Save; refuse (and roll back) a write that would leave the staff member outside what this user may see."""
    staff = serializer.save()
    if not staff_visible_queryset(user=user).filter(pk=staff.pk).exists():
        raise serializers.ValidationError({"rest_home": [_("You may only keep staff of your own rest home.")]})


class TripAbroadFilterSet(StrictFilterSet):
    # A number, not a choice of cadres: an invisible cadre must look the same as a missing one.
    cadre = WholeNumberFilter(label=gettext_lazy("cadre"))
    departs_after = django_filters.DateFilter(
        field_name="departs_on", lookup_expr="gte", label=gettext_lazy("departs on or after")
    )
    departs_before = django_filters.DateFilter(
        field_name="departs_on", lookup_expr="lte", label=gettext_lazy("departs on or before")
    )
    returned = StrictBooleanFilter(
        field_name="returned_on", lookup_expr="isnull", exclude=True, label=gettext_lazy("returned")
    )

    class Meta:
        model = TripAbroad
        fields = ["cadre"]


class TripAbroadViewSet(RegistryViewSet):
    """Trips abroad of the cadres the user may see; `?cadre=<id>` for one cadre's."""

    queryset = TripAbroad.objects.all()
    serializer_class = TripAbroadSerializer
    filterset_class = TripAbroadFilterSet
    ordering_fields = ["departs_on", "returns_on", "id"]

    def get_queryset(self):
        return (
            TripAbroad.objects.filter(cadre__in=self.visible_cadres())
            .select_related("cadre")
            .defer(*CADRE_PERSONAL_COLUMNS)
        )


class HealthCheckFilterSet(StrictFilterSet):
    cadre = WholeNumberFilter(label=gettext_lazy("cadre"))
    year = WholeNumberFilter(label=gettext_lazy("year"))

    class Meta:
        model = HealthCheck
        fields = ["cadre", "year", "result", "follow_up_done"]


class HealthCheckViewSet(RegistryViewSet):
    """Health checks of the cadres the user may see; findings masked unless permitted."""

    queryset = HealthCheck.objects.all()
    serializer_class = HealthCheckSerializer
    filterset_class = HealthCheckFilterSet
    ordering_fields = ["date", "year", "id"]

    def get_queryset(self):
        return (
            HealthCheck.objects.filter(cadre__in=self.visible_cadres())
            .select_related("cadre")
            .defer(*CADRE_PERSONAL_COLUMNS)
        )
