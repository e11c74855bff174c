"""Authentication against the current schema's users; a user's groups and permissions read in one query."""

import functools

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.hashers import check_password
from django.contrib.auth.models import Group, Permission
from django.contrib.contenttypes.models import ContentType
from django.contrib.postgres.fields import ArrayField
from django.db import connection
from django.db.models import Model, TextField
from django.db.models.expressions import RawSQL

from tenants.hashers import password_is_one_time
from tenants.roles import user_roles_remember


@functools.cache
def _user_access_sql(table: str, column: str) -> dict[str, str]:
    """SQL of the group names and the direct and group permissions of the user whose id is in `table`.`column`
    (written once per process: the ORM's subqueries cost milliseconds of Python to build on every request)."""
    quote = connection.ops.quote_name
    user_model = get_user_model()
    group, permission, content_type = (quote(m._meta.db_table) for m in (Group, Permission, ContentType))
    user_groups = quote(user_model.groups.through._meta.db_table)
    user_permissions = quote(user_model.user_permissions.through._meta.db_table)
    group_permissions = quote(Group.permissions.through._meta.db_table)
    user_id = f"{quote(table)}.{quote(column)}"
    name = "ct.app_label || '.' || p.codename"  # as Django's ModelBackend names them
    of_permission = f"FROM {permission} p JOIN {content_type} ct ON ct.id = p.content_type_id"
    # Every part is a quoted table or column name of our models; nothing comes from a request.
    return {
        "access_group_names": (
            f"ARRAY(SELECT g.name FROM {group} g JOIN {user_groups} ug ON ug.group_id = g.id"  # noqa: S608
            f" WHERE ug.user_id = {user_id})"
        ),
        "access_user_permissions": (
            f"ARRAY(SELECT {name} {of_permission} JOIN {user_permissions} up ON up.permission_id = p.id"  # noqa: S608
            f" WHERE up.user_id = {user_id})"
        ),
        "access_group_permissions": (
            f"ARRAY(SELECT {name} {of_permission} JOIN {group_permissions} gp ON gp.permission_id = p.id"  # noqa: S608
            f" JOIN {user_groups} ug ON ug.group_id = gp.group_id WHERE ug.user_id = {user_id})"
        ),
    }


def user_access_annotations(model: type[Model], field: str) -> dict[str, RawSQL]:
    """Annotations of a query over `model` whose `field` is a user (or the user's id): the user's group names and
    the permissions held directly and through groups ("app_label.codename", as Django's ModelBackend keeps them)."""
    sql = _user_access_sql(model._meta.db_table, model._meta.get_field(field).column)
    return {name: RawSQL(text, [], output_field=ArrayField(TextField())) for name, text in sql.items()}  # noqa: S611


def user_access_remember(user, row) -> None:
    """Fill the user's role cache and Django's permission caches from a row annotated by user_access_annotations,
    so that role and permission checks of this request ask nothing more (a superuser holds every permission
    without asking)."""
    user_roles_remember(user, group_names=row.access_group_names)
    if not user.is_superuser:
        user._user_perm_cache = set(row.access_user_permissions)
        user._group_perm_cache = set(row.access_group_permissions)
        user._perm_cache = user._user_perm_cache | user._group_perm_cache


class CentreModelBackend(ModelBackend):
    """Django's backend, except that a one-time password is not re-hashed at login: it marks who must change it;
    and a user's permissions (direct and through groups) are read in one query, not two."""

    def authenticate(self, request, username=None, password=None, **kwargs):
        user_model = get_user_model()
        if username is None:
            username = kwargs.get(user_model.USERNAME_FIELD)
        if username is None or password is None:
            return None
        try:
            user = user_model._default_manager.get_by_natural_key(username)
        except user_model.DoesNotExist:
            user_model().set_password(password)  # as slow as a wrong password, so as not to tell who exists
            return None
        if password_is_one_time(user.password):
            valid = check_password(password, user.password)  # no setter: the hash is kept as it is
        else:
            valid = user.check_password(password)
        return user if valid and self.user_can_authenticate(user) else None

    def get_all_permissions(self, user_obj, obj=None):
        if user_obj.is_active and not user_obj.is_anonymous and obj is None and not user_obj.is_superuser:
            if not hasattr(user_obj, "_perm_cache"):
                user_model = get_user_model()
                users = user_model._default_manager.only("pk").annotate(**user_access_annotations(user_model, "id"))
                row = users.filter(pk=user_obj.pk).first()
                if row is not None:
                    user_access_remember(user_obj, row)
        return super().get_all_permissions(user_obj, obj)
