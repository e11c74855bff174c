"""A user's permissions, held directly and through groups, are read in one query, and are exactly Django's."""

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.models import Permission
from django_tenants.utils import schema_context

from tenants.roles import Role, role_group_name
from tests.conftest import make_user

pytestmark = pytest.mark.django_db


def test_a_users_permissions_are_read_in_one_query_and_are_djangos(centres, django_assert_num_queries):
    made = make_user("huangpu", "perm-reader", groups=(role_group_name(Role.CASEWORKER),))
    with schema_context("huangpu"):
        made.user_permissions.add(Permission.objects.get(codename="view_identity_data"))
        user = get_user_model().objects.get(pk=made.pk)
        with django_assert_num_queries(1):
            allowed = [user.has_perm(f"registry.view_{kind}_data") for kind in ("identity", "contact", "health")]
            everything = user.get_all_permissions()
        django = ModelBackend()
        fresh = get_user_model().objects.get(pk=made.pk)
        assert (everything, user.get_user_permissions(), user.get_group_permissions()) == (
            django.get_all_permissions(fresh),
            django.get_user_permissions(fresh),
            django.get_group_permissions(fresh),
        )
    assert allowed == [True, True, False]
    assert user.get_user_permissions() == {"registry.view_identity_data"}
    assert "registry.add_cadre" in everything and "registry.delete_cadre" not in everything
