"""Views of the forms API: thin interfaces over the services and selectors; each write is announced to webhooks."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import QuerySet, prefetch_related_objects
from django.http import Http404
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import generics, serializers, status
from rest_framework.authentication import SessionAuthentication
from rest_framework.exceptions import PermissionDenied
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response

from forms_engine.api.serializers import (
    FieldErrorsSerializer,
    FormDefinitionDetailSerializer,
    FormDefinitionSerializer,
    FormVersionSerializer,
    SubmissionMoveSerializer,
    SubmissionSerializer,
    SubmissionUpdateSerializer,
    SubmissionWriteSerializer,
)
from forms_engine.fields import NOT_ANSWERED, display_value
from forms_engine.models import FormDefinition
from forms_engine.personal import answers_seal, is_sealed, personal_fields
from forms_engine.selectors import access_submission_by_id, form_list_for_user, submission_visible_queryset
from forms_engine.services import (
    form_user_can,
    forms_with_personal_marks,
    personal_marks,
    submission_create,
    submission_move,
    submission_update,
)
from registry.services import access_log_record
from tenants.authentication import CentreTokenAuthentication
from tenants.compiled import CompiledLookup
from tenants.drf import StrictPageNumberPagination

# A cadre shown only by name need not decrypt its personal fields.
CADRE_PERSONAL_COLUMNS = ["cadre__id_number", "cadre__phone", "cadre__mobile", "cadre__address"]
REFUSED = OpenApiResponse(FieldErrorsSerializer, description="Refused answers, in Chinese, by machine name.")


class SubmissionPagination(StrictPageNumberPagination):
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200


class FormsAPIView(generics.GenericAPIView):
    """Token or session of this centre; what a user may do is decided per form, by role."""

    authentication_classes = [CentreTokenAuthentication, SessionAuthentication]
    permission_classes = [IsAuthenticated]

    def initial(self, request, *args, **kwargs):
        self.access_note: dict = {}
        super().initial(request, *args, **kwargs)

    def get_serializer_context(self):
        if getattr(self, "_personal_views", None) is None:
            self._personal_views: dict = {}  # form id → PersonalView, shared by every serializer of the request
        return {
            **super().get_serializer_context(),
            "personal_views": self._personal_views,
            "access_note": getattr(self, "access_note", None),
        }

    def finalize_response(self, request, response, *args, **kwargs):
        note = getattr(self, "access_note", None)
        if note and note.get("ids") and response.status_code < 400:
            access_log_record(
                user=request.user,
                action="view",
                channel="api",
                model="Submission",
                record_ids=note["ids"],
                fields=sorted(note["fields"]),
            )
        return super().finalize_response(request, response, *args, **kwargs)

    def form_for(
        self, key: str, *actions: str, related: tuple[str, ...] = (), with_personal_marks: bool = False
    ) -> FormDefinition:
        """The form, if the user may do one of `actions` with it; missing and forbidden both 404."""
        form = _form_lookup(related, with_personal_marks).get(key)
        if form is None or not any(form_user_can(form=form, user=self.request.user, action=a) for a in actions):
            raise Http404
        return form


_form_lookups: dict[tuple[tuple[str, ...], bool], CompiledLookup[FormDefinition]] = {}


def _form_lookup(related: tuple[str, ...], with_personal_marks: bool) -> CompiledLookup[FormDefinition]:
    """The form by key with `related` and (if asked) its personal marks: its SQL written once per process."""
    shape = (related, with_personal_marks)
    lookup = _form_lookups.get(shape)
    if lookup is None:

        def build(key: str) -> QuerySet[FormDefinition]:
            forms = FormDefinition.objects.select_related(*related)
            if "current_version" in related:  # its schema comes from version_schema's cache, not with every request
                forms = forms.defer("current_version__schema")
            return (forms_with_personal_marks(forms) if with_personal_marks else forms).filter(key=key)

        lookup = _form_lookups.setdefault(shape, CompiledLookup(build))
    return lookup


def _service(call, *, field: str = "data", **kwargs):
    """Run a forms service; its refusals come back as 400 (field errors under `data`) or 403."""
    try:
        return call(**kwargs)
    except DjangoPermissionDenied as exc:
        raise PermissionDenied(str(exc)) from None
    except DjangoValidationError as exc:
        if not hasattr(exc, "error_dict"):
            raise serializers.ValidationError({field: exc.messages}) from None
        errors = exc.message_dict
        general = errors.pop("__all__", None)
        body: dict = {field: errors} if errors else {}
        if general:
            body["non_field_errors"] = general
        raise serializers.ValidationError(body) from None


def _answers_for_edit(
    specs: list[dict], stored: dict, given: dict, *, partial: bool, kinds: dict[str, str] | None = None
) -> dict:
    """The answers to validate again: given ones over (for PATCH) the stored ones; a personal answer sent back as
    its mask keeps the stored one; calculated and note fields are left to the service."""
    kinds = personal_fields(specs) if kinds is None else kinds
    answers: dict = {}
    given = given if isinstance(given, dict) else {}
    for spec in specs:
        name, kind = spec["name"], spec["type"]
        if kind in NOT_ANSWERED:
            if name in given and not partial:
                answers[name] = given[name]  # the service refuses it, naming the field
            continue
        old = stored.get(name)
        if name not in given:
            if partial and old is not None:
                answers[name] = _editable(spec, old, kinds)
            continue
        new = given[name]
        if name in kinds and is_sealed(old) and new in (old, display_value(spec, old, sensitive=False, personal=True)):
            new = old  # the service validates it in clear and keeps the stored seal
        elif kind == "repeat" and isinstance(new, list) and isinstance(old, list):
            new = [
                _answers_for_edit(
                    spec.get("children", []), old[i] if i < len(old) else {}, row, partial=False, kinds=kinds
                )
                if isinstance(row, dict)
                else row
                for i, row in enumerate(new)
            ]
        answers[name] = new
    answers.update({k: v for k, v in given.items() if k not in answers and k not in {s["name"] for s in specs}})
    return answers


def _editable(spec: dict, value, kinds: dict[str, str]):
    if spec["type"] == "repeat" and isinstance(value, list):
        return [_answers_for_edit(spec.get("children", []), row, {}, partial=True, kinds=kinds) for row in value]
    return value


@extend_schema_view(get=extend_schema(operation_id="forms_list", responses=FormDefinitionSerializer(many=True)))
@extend_schema(tags=["forms"])
class FormListView(FormsAPIView):
    """Forms the user may view, with their current version number."""

    serializer_class = FormDefinitionSerializer

    def get(self, request):
        forms = form_list_for_user(user=request.user, action="view")
        prefetch_related_objects(forms, "versions")
        return Response(self.get_serializer(forms, many=True).data)


@extend_schema_view(get=extend_schema(operation_id="forms_read"))
@extend_schema(tags=["forms"])
class FormDetailView(FormsAPIView):
    """One form: its settings, versions and the current version's fields."""

    serializer_class = FormDefinitionDetailSerializer

    def get(self, request, key: str):
        form = self.form_for(key, "view", "fill")
        prefetch_related_objects([form], "versions")
        return Response(self.get_serializer(form).data)


@extend_schema_view(get=extend_schema(operation_id="forms_versions_list", responses=FormVersionSerializer(many=True)))
@extend_schema(tags=["forms"])
class FormVersionListView(FormsAPIView):
    """Every published version of a form, newest first, with its fields."""

    serializer_class = FormVersionSerializer

    def get(self, request, key: str):
        form = self.form_for(key, "view", "fill")
        return Response(self.get_serializer(form.versions.order_by("-number"), many=True).data)


@extend_schema_view(get=extend_schema(operation_id="forms_versions_read"))
@extend_schema(tags=["forms"])
class FormVersionDetailView(FormsAPIView):
    """One published version of a form (the fields its submissions are shown with)."""

    serializer_class = FormVersionSerializer

    def get(self, request, key: str, number: int):
        form = self.form_for(key, "view", "fill")
        version = form.versions.filter(number=number).first()
        if version is None:
            raise Http404
        return Response(self.get_serializer(version).data)


@extend_schema_view(get=extend_schema(operation_id="forms_submissions_list", responses=SubmissionSerializer(many=True)))
@extend_schema(tags=["submissions"])
class FormSubmissionsView(FormsAPIView):
    """Submissions of a form the user may see (GET); a new submission, validated as in the page (POST)."""

    serializer_class = SubmissionSerializer
    pagination_class = SubmissionPagination

    def get(self, request, key: str):
        form = self.form_for(key, "view")
        submissions = (
            submission_visible_queryset(user=request.user, form=form)
            .defer(*CADRE_PERSONAL_COLUMNS)
            .order_by("-created_at", "-pk")
        )
        page = self.paginate_queryset(submissions)
        return self.get_paginated_response(self.get_serializer(page, many=True).data)

    @extend_schema(
        operation_id="forms_submissions_create",
        request=SubmissionWriteSerializer,
        responses={201: SubmissionSerializer, 400: REFUSED},
    )
    def post(self, request, key: str):
        # The current version and the personal marks come with the form: the answer's version number costs no query
        # of its own, and the service (sealing) and the serializer (masking) share the marks.
        form = self.form_for(key, "fill", "view", related=("current_version",), with_personal_marks=True)
        given = SubmissionWriteSerializer(data=request.data, context=self.get_serializer_context())
        given.is_valid(raise_exception=True)
        submission = _service(
            submission_create,
            form=form,
            data=given.validated_data["data"],
            cadre=given.validated_data.get("cadre"),
            user=request.user,
            channel="api",
        )
        if submission.version_id == form.current_version_id:
            submission.version = form.current_version
        return Response(self.get_serializer(submission).data, status=status.HTTP_201_CREATED)


@extend_schema_view(get=extend_schema(operation_id="forms_submission_read"))
@extend_schema(tags=["submissions"])
class SubmissionDetailView(FormsAPIView):
    """One submission the user may see (GET); its answers changed, validated against its own version (PUT, PATCH)."""

    serializer_class = SubmissionSerializer

    def get_object(self):
        """The submission, if the user may see it (also asked by DRF's metadata for OPTIONS)."""
        return access_submission_by_id(user=self.request.user, id=self.kwargs["pk"])

    def get(self, request, pk: int):
        return Response(self.get_serializer(self.get_object()).data)

    @extend_schema(
        operation_id="forms_submission_replace",
        request=SubmissionUpdateSerializer,
        responses={200: SubmissionSerializer, 400: REFUSED},
    )
    def put(self, request, pk: int):
        return self._update(request, pk, partial=False)

    @extend_schema(
        operation_id="forms_submission_update",
        request=SubmissionUpdateSerializer,
        responses={200: SubmissionSerializer, 400: REFUSED},
    )
    def patch(self, request, pk: int):
        return self._update(request, pk, partial=True)

    def _update(self, request, pk: int, *, partial: bool):
        submission = access_submission_by_id(user=request.user, id=pk)
        given = SubmissionUpdateSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        if not isinstance(given.validated_data["data"], dict):
            raise serializers.ValidationError({"non_field_errors": [_("Answers must be given as named fields.")]})
        specs = submission.version.schema["fields"]
        kinds = {**personal_marks(form_id=submission.form_id), **personal_fields(specs)}
        # Answers kept in clear from before their field was marked count as sealed: their mask sent back keeps them.
        stored = answers_seal(submission.data, kinds, stored=True)
        answers = _answers_for_edit(specs, stored, given.validated_data["data"], partial=partial, kinds=kinds)
        submission = _service(submission_update, submission=submission, data=answers, user=request.user)
        return Response(self.get_serializer(access_submission_by_id(user=request.user, id=pk)).data)


@extend_schema(tags=["submissions"])
class SubmissionMoveView(FormsAPIView):
    """Move a submission along its form's workflow (one of the moves allowed from its state)."""

    serializer_class = SubmissionSerializer

    @extend_schema(
        operation_id="forms_submission_move",
        request=SubmissionMoveSerializer,
        responses={200: SubmissionSerializer, 400: REFUSED},
    )
    def post(self, request, pk: int):
        submission = access_submission_by_id(user=request.user, id=pk)
        given = SubmissionMoveSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        _service(
            submission_move,
            field="to",
            submission=submission,
            to=given.validated_data["to"],
            comment=given.validated_data["comment"],
            user=request.user,
        )
        return Response(self.get_serializer(access_submission_by_id(user=request.user, id=pk)).data)
