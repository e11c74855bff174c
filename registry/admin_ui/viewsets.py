"""Wagtail model viewsets for the registry's places: rest homes, staff, rooms and vehicles.

Staff phone numbers are personal data and stay out of these generic screens (no masking there).
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from wagtail.admin.viewsets.model import ModelViewSet

from registry.models import FacilityRoom, RestHome, Staff, Vehicle

REGISTRY_MENU_HOOK = "register_registry_menu_item"


class RestHomeViewSet(ModelViewSet):
    model = RestHome
    name = "registry_rest_homes"
    icon = "home"
    menu_label = _("Rest homes")
    menu_order = 300
    menu_name = "registry-rest-homes"
    menu_hook = REGISTRY_MENU_HOOK
    form_fields = ["name", "address", "phone", "building_area"]
    list_display = ["name", "address", "phone", "building_area"]
    search_fields = ["name"]


class StaffViewSet(ModelViewSet):
    model = Staff
    name = "registry_staff"
    icon = "user"
    menu_label = _("Staff")
    menu_order = 400
    menu_name = "registry-staff"
    menu_hook = REGISTRY_MENU_HOOK
    form_fields = ["name", "user", "rest_home", "role", "supervisor", "active"]
    list_display = ["name", "rest_home", "role", "active"]
    list_filter = ["rest_home", "role", "active"]
    search_fields = ["name"]


class FacilityRoomViewSet(ModelViewSet):
    model = FacilityRoom
    name = "registry_rooms"
    icon = "home"
    menu_hook = None
    form_fields = ["rest_home", "room_type", "name", "floor_area"]
    list_display = ["__str__", "rest_home", "room_type", "floor_area"]
    list_filter = ["rest_home", "room_type"]


class VehicleViewSet(ModelViewSet):
    model = Vehicle
    name = "registry_vehicles"
    icon = "site"
    menu_hook = None
    form_fields = ["plate", "model", "seats", "accessible", "rest_home"]
    list_display = ["plate", "model", "seats", "accessible", "rest_home"]
    list_filter = ["rest_home", "accessible"]


VIEWSETS = [RestHomeViewSet(), StaffViewSet(), FacilityRoomViewSet(), VehicleViewSet()]
