"""Searchable cadre and staff choosers for every admin form that picks a person (Wagtail chooser modals).

Each lists only whom the user may see (cadre_visible_queryset / staff_visible_queryset) and shows names, rest homes and
states, never personal data. A cadre is found by name, pinyin or initials; an exact ID number only for roles with the
identity permission, through the permitted, limited and logged ID search.
"""

from __future__ import annotations

from django import forms
from django.core.exceptions import ObjectDoesNotExist, PermissionDenied
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from wagtail.admin.ui.tables import Column, TitleColumn
from wagtail.admin.views.generic.chooser import ChooseResultsView, ChooseView, ChosenMultipleView, ChosenView
from wagtail.admin.viewsets.chooser import ChooserViewSet
from wagtail.admin.widgets import BaseChooser

from registry.models import Cadre, Staff
from registry.selectors import cadre_search, cadre_visible_queryset, query_is_id_number, staff_visible_queryset
from registry.services import cadre_id_search, cadre_id_search_permit

PER_PAGE = 20


class PersonSearchForm(forms.Form):
    """The chooser's search box; `search` narrows a queryset for `user`, or refuses (a form error)."""

    q = forms.CharField(
        label=_("Search term"),
        required=False,
        widget=forms.TextInput(attrs={"placeholder": _("Name, pinyin or initials")}),
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        self.is_searching = False
        self.is_filtering_by_collection = False
        self.search_query = None

    def filter(self, objects):
        query = (self.cleaned_data.get("q") or "").strip()
        if query:
            self.is_searching = True
            self.search_query = query
        return self.search(objects, query) if query else objects

    def search(self, objects, query: str):
        return objects.filter(name__contains=query)


class CadreSearchForm(PersonSearchForm):
    def clean_q(self):
        query = self.cleaned_data.get("q")
        if query_is_id_number(query):
            cadre_id_search_permit(user=self.user)  # a refusal is a form error: nothing is looked up
        return query

    def search(self, objects, query: str):
        if query_is_id_number(query):
            return cadre_id_search(user=self.user, queryset=objects, query=query, channel="admin")
        return cadre_search(objects, query)


def cadres_for(user):
    return cadre_visible_queryset(user=user)


def staff_for(user):
    return staff_visible_queryset(user=user).filter(active=True)


class PersonAccessMixin:
    """Only for those who may view this kind of person (403 otherwise); `people` are those the user may see."""

    permission = ""
    people = staticmethod(cadres_for)

    def dispatch(self, request, *args, **kwargs):
        if not request.user.has_perm(self.permission):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    def visible(self):
        return self.people(self.request.user)


class PersonChooseMixin(PersonAccessMixin):
    """The people listed are those the user may see; a refused search lists no one."""

    search_form_class = PersonSearchForm
    per_page = PER_PAGE
    results_template_name = "registry/admin/person_chooser_results.html"

    def get_object_list(self):
        return self.visible()

    def get_filter_form(self):
        return self.search_form_class(self.request.GET, user=self.request.user)

    def filter_object_list(self, objects):
        if not self.filter_form.is_valid():
            return objects.none()
        return self.filter_form.filter(objects)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["search_refused"] = [str(m) for m in self.filter_form.errors.get("q", [])]
        return context

    @property
    def columns(self) -> list[Column]:
        return [
            TitleColumn(
                "name",
                label=_("name"),
                accessor="name",
                get_url=lambda obj: self.append_preserved_url_parameters(reverse(self.chosen_url_name, args=(obj.pk,))),
                link_attrs={"data-chooser-modal-choice": True},
            ),
            Column("rest_home", label=_("rest home"), accessor="rest_home"),
            *self.extra_columns(),
        ]

    def extra_columns(self) -> list[Column]:
        return []


class CadreChooseMixin(PersonChooseMixin):
    search_form_class = CadreSearchForm
    permission = "registry.view_cadre"

    def get_object_list(self):
        return self.visible().select_related("rest_home").only("pk", "name", "state", "rest_home__name")

    def extra_columns(self) -> list[Column]:
        return [Column("state", label=_("state"), accessor="get_state_display")]


class StaffChooseMixin(PersonChooseMixin):
    permission = "registry.view_staff"
    people = staticmethod(staff_for)

    def get_object_list(self):
        return self.visible().select_related("rest_home").only("pk", "name", "role", "rest_home__name")

    def extra_columns(self) -> list[Column]:
        return [Column("role", label=_("role"), accessor="get_role_display")]


class CadreChooseView(CadreChooseMixin, ChooseView):
    ordering = ["name_pinyin", "pk"]


class CadreChooseResultsView(CadreChooseMixin, ChooseResultsView):
    ordering = ["name_pinyin", "pk"]


class StaffChooseView(StaffChooseMixin, ChooseView):
    ordering = ["name", "pk"]


class StaffChooseResultsView(StaffChooseMixin, ChooseResultsView):
    ordering = ["name", "pk"]


class PersonChosenMixin(PersonAccessMixin):
    """Only someone the user may see can be chosen; anyone else is missing (404)."""

    def get_object(self, pk):
        try:
            return self.visible().get(pk=int(pk))
        except (ValueError, TypeError):
            raise ObjectDoesNotExist from None

    def get_objects(self, pks):
        return self.visible().filter(pk__in=[int(pk) for pk in pks if str(pk).isdigit()])

    def get_display_title(self, instance):
        return instance.name

    def get_edit_item_url(self, instance):
        return None


class CadreChosenView(PersonChosenMixin, ChosenView):
    permission = "registry.view_cadre"


class CadreChosenMultipleView(PersonChosenMixin, ChosenMultipleView):
    permission = "registry.view_cadre"


class StaffChosenView(PersonChosenMixin, ChosenView):
    permission = "registry.view_staff"
    people = staticmethod(staff_for)


class StaffChosenMultipleView(PersonChosenMixin, ChosenMultipleView):
    permission = "registry.view_staff"
    people = staticmethod(staff_for)


class PersonChooser(BaseChooser):
    """Shows the chosen person's name; no edit link (the chooser is for picking, not for opening records)."""

    show_edit_link = False

    def get_display_title(self, instance):
        return instance.name

    def get_value_data_from_instance(self, instance):
        return {"id": instance.pk, "edit_url": "", self.display_title_key: instance.name}


class PersonChooserViewSet(ChooserViewSet):
    base_widget_class = PersonChooser
    per_page = PER_PAGE
    register_widget = False

    def get_urlpatterns(self):
        """No "create" step: people are registered on their own screens, never from a chooser."""
        return [pattern for pattern in super().get_urlpatterns() if pattern.name != "create"]


class CadreChooserViewSet(PersonChooserViewSet):
    model = Cadre
    icon = "user"
    choose_one_text = _("Choose a cadre")
    choose_another_text = _("Choose another cadre")
    choose_view_class = CadreChooseView
    choose_results_view_class = CadreChooseResultsView
    chosen_view_class = CadreChosenView
    chosen_multiple_view_class = CadreChosenMultipleView


class StaffChooserViewSet(PersonChooserViewSet):
    model = Staff
    icon = "user"
    choose_one_text = _("Choose a member of staff")
    choose_another_text = _("Choose another member of staff")
    choose_view_class = StaffChooseView
    choose_results_view_class = StaffChooseResultsView
    chosen_view_class = StaffChosenView
    chosen_multiple_view_class = StaffChosenMultipleView


cadre_chooser_viewset = CadreChooserViewSet("cadre_chooser", url_prefix="registry/choose/cadre")
staff_chooser_viewset = StaffChooserViewSet("staff_chooser", url_prefix="registry/choose/staff")
CadreChooserWidget = cadre_chooser_viewset.widget_class
StaffChooserWidget = staff_chooser_viewset.widget_class
