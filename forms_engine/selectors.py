"""Reads of the forms engine for other code: which forms and submissions a user may see."""

from __future__ import annotations

from django.db.models import Q, QuerySet
from django.http import Http404

from forms_engine.models import FormDefinition, Submission
from forms_engine.services import form_user_can
from registry.models import ALL_CADRES_PERMISSION
from registry.selectors import cadre_visible_queryset, staff_for_user


def form_list_for_user(*, user, action: str = "view") -> list[FormDefinition]:
    return [
        form for form in FormDefinition.objects.order_by("title") if form_user_can(form=form, user=user, action=action)
    ]


def access_form_by_id(*, user, id: int, action: str = "view") -> FormDefinition:  # noqa: A002
    """The form, if the user may do `action` with it; missing and forbidden both 404."""
    form = FormDefinition.objects.filter(pk=id).first()
    if form is None or not form_user_can(form=form, user=user, action=action):
        raise Http404
    return form


def submission_visible_queryset(*, user, form: FormDefinition | None = None) -> QuerySet[Submission]:
    """Submissions of forms the user may view; without the all-cadres permission, only those about their own
    cadres, made by them, or assigned to them."""
    submissions = Submission.objects.select_related("form", "version", "cadre", "assignee")
    forms = [form] if form is not None else FormDefinition.objects.all()
    allowed = [f.pk for f in forms if form_user_can(form=f, user=user, action="view")]
    submissions = submissions.filter(form_id__in=allowed)
    if user.is_superuser or user.has_perm(ALL_CADRES_PERMISSION):
        return submissions
    own = Q(created_by=user) | Q(cadre__in=cadre_visible_queryset(user=user))
    staff = staff_for_user(user)
    if staff is not None:
        own |= Q(assignee=staff)
    return submissions.filter(own)


def access_submission_by_id(*, user, id: int) -> Submission:  # noqa: A002
    try:
        return submission_visible_queryset(user=user).get(pk=id)
    except (Submission.DoesNotExist, ValueError, TypeError):
        raise Http404 from None


def submission_by_receipt(*, receipt: str) -> Submission | None:
    """For the public status look-up by receipt number."""
    return Submission.objects.select_related("form").filter(receipt=(receipt or "").strip().upper()).first()


def form_published_by_key(*, key: str) -> FormDefinition | None:
    """The form with this key, if it has a published version (other apps link to ready forms by key)."""
    return FormDefinition.objects.filter(key=key, current_version__isnull=False).first()
