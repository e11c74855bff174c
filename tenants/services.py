"""Provisioning: create a centre by cloning the template schema, retire it, manage its users."""

from __future__ import annotations

import functools
import re
import secrets
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from django.apps import apps
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group
from django.db import IntegrityError, connection, transaction
from django.db.migrations.loader import MigrationLoader
from django.utils import timezone
from django.utils.translation import gettext as _
from django_q.models import Schedule
from django_q.tasks import async_task
from django_tenants.clone import CloneSchema
from django_tenants.utils import get_public_schema_name, schema_context, schema_exists

from tenants.db import connection_schema_name, connection_set_public
from tenants.models import Centre, Domain
from tenants.setup import centre_setup_run, centre_setup_steps

CODE_PATTERN = re.compile(r"^[a-z][a-z0-9]{1,29}$")
LABEL = r"[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?"
DOMAIN_PATTERN = re.compile(rf"^(?=.{{1,253}}$){LABEL}(\.{LABEL})*$")
RESERVED_CODES = frozenset({"public", "information_schema", "template"})
# A spare schema: a clone of the template made ahead of time, renamed to a new centre's code on demand. Its name has
# an underscore, which no centre code may have, and no Centre row or domain names it, so nothing serves or lists it.
SPARE_PREFIX = "spare_"


class ProvisioningError(Exception):
    """A centre cannot be created or changed; the message is for the user, in Chinese."""


@dataclass(frozen=True)
class CentreCreated:
    centre: Centre
    domain: Domain
    admin_username: str
    admin_password: str
    from_spare: bool = False


@contextmanager
def _timed(timings: dict[str, float], name: str) -> Iterator[None]:
    started = time.perf_counter()
    try:
        yield
    finally:
        timings[name] = timings.get(name, 0.0) + time.perf_counter() - started


def _template_schema() -> str:
    return settings.TENANT_BASE_SCHEMA


def centre_code_validate(code: str) -> None:
    """Refuse codes that are not valid, reserved, or in use, with a message that says why."""
    if code in RESERVED_CODES or code.startswith("pg_") or code == _template_schema():
        raise ProvisioningError(_("The centre code “%(code)s” is reserved.") % {"code": code})
    if not CODE_PATTERN.fullmatch(code or ""):
        raise ProvisioningError(
            _("Invalid centre code “%(code)s”: use 2–30 lowercase letters or digits, starting with a letter.")
            % {"code": code}
        )
    if Centre.objects.filter(schema_name__iexact=code).exists() or schema_exists(code, case_sensitive=False):
        raise ProvisioningError(_("A centre with the code “%(code)s” already exists.") % {"code": code})


def centre_domain_validate(domain: str) -> None:
    if not DOMAIN_PATTERN.fullmatch(domain) or "_" in domain:
        raise ProvisioningError(_("Invalid domain “%(domain)s”.") % {"domain": domain})
    if domain == settings.JUNXIU_BASE_DOMAIN or Domain.objects.filter(domain=domain).exists():
        raise ProvisioningError(_("The domain “%(domain)s” is already in use.") % {"domain": domain})


@functools.cache
def _centre_migrations() -> frozenset[tuple[str, str]]:
    """Every migration of the centre apps, as found on disk (read once per process: the code does not change)."""
    labels = {config.label for config in apps.get_app_configs() if config.name in settings.TENANT_APPS}
    loader = MigrationLoader(None, ignore_no_migrations=True)
    return frozenset((app, name) for app, name in loader.graph.nodes if app in labels)


def _recorded_migrations(schema: str) -> set[tuple[str, str]]:
    with connection.cursor() as cursor:
        cursor.execute(f'SELECT app, name FROM "{schema}".django_migrations')  # noqa: S608 - a schema we name
        return set(cursor.fetchall())


def template_pending_migrations() -> list[str]:
    """Migrations of the centre apps the template schema has not recorded; a stale template clones with tables
    missing."""
    missing = _centre_migrations() - _recorded_migrations(_template_schema())
    return sorted(f"{app}.{name}" for app, name in missing)


def centre_create(
    *,
    code: str,
    name: str,
    domain: str | None = None,
    admin_email: str = "",
    timings: dict[str, float] | None = None,
) -> CentreCreated:
    """Create a centre: take a spare schema (or clone the template), run every app's set-up step, add its admin.

    All of it happens in one transaction (PostgreSQL DDL is transactional): a failure anywhere leaves
    no schema, no centre row and no domain behind, and a spare it took is a spare again. `timings`, when given,
    receives each step's seconds by name.
    """
    timings = {} if timings is None else timings
    with _timed(timings, "validate"):
        code = (code or "").strip()
        name = (name or "").strip()
        domain = (domain or f"{code}.{settings.JUNXIU_BASE_DOMAIN}").strip().lower()
        centre_code_validate(code)
        centre_domain_validate(domain)
        if not name:
            raise ProvisioningError(_("A centre needs a name."))
    with _timed(timings, "template_check"):
        if not schema_exists(_template_schema()):
            raise ProvisioningError(_("The template schema is missing: run migrate_schemas first."))
        pending = template_pending_migrations()
    if pending:
        raise ProvisioningError(
            _("The template schema is not up to date (missing %(migrations)s): run migrate_schemas first.")
            % {"migrations": ", ".join(pending[:5])}
        )

    password = secrets.token_urlsafe(16)
    try:
        with transaction.atomic():
            with _timed(timings, "centre_row"):
                centre = Centre.objects.create(schema_name=code, name=name, kind=Centre.Kind.CENTRE)
                centre_domain = Domain.objects.create(domain=domain, tenant=centre, is_primary=True)
            with _timed(timings, "schema"):
                from_spare = _spare_schema_take(code=code)
                if not from_spare:
                    _schema_clone(code)
            with schema_context(code):
                for step in centre_setup_steps():
                    with _timed(timings, f"step:{step.name}"):
                        step.run(centre=centre, domain=centre_domain)
                with _timed(timings, "admin_user"):
                    admin = centre_user_ensure(
                        username="admin", password=password, email=admin_email, superuser=True, one_time=True
                    )
            if settings.JUNXIU_SPARE_SCHEMAS > 0:
                transaction.on_commit(lambda: async_task("tenants.services.spare_schemas_refill"))
    except IntegrityError as exc:
        raise ProvisioningError(
            _("The centre “%(code)s” or the domain “%(domain)s” already exists.") % {"code": code, "domain": domain}
        ) from exc
    finally:
        connection_set_public()
    return CentreCreated(
        centre=centre,
        domain=centre_domain,
        admin_username=admin.username,
        admin_password=password,
        from_spare=from_spare,
    )


def _schema_clone(target: str) -> None:
    """Clone the template schema to `target`, in the caller's transaction.

    On a Citus coordinator (JUNXIU_DATABASE_CITUS) the template is a local schema on the coordinator, and the clone
    (django-tenants' PL/pgSQL function) makes local tables too; the finished schema is then distributed as one
    (`citus_schema_distribute`: a worker is chosen, every table moves there, co-located, with the trigger functions),
    the coordinator's local copies are emptied and the trigger functions fixed to the new schema's search_path.
    """
    citus = settings.JUNXIU_DATABASE_CITUS
    with connection.cursor() as cursor:
        CloneSchema().clone_schema(_template_schema(), target, "DATA")
        if citus:
            cursor.execute("SELECT citus_schema_distribute(%s::regnamespace)", [target])
            cursor.execute(
                "SELECT count(truncate_local_data_after_distributing_table(p.logicalrelid)) FROM pg_dist_partition p"
                " JOIN pg_class c ON c.oid = p.logicalrelid WHERE c.relnamespace = %s::regnamespace",
                [target],
            )
            _citus_trigger_search_path(cursor, target)


def _citus_trigger_search_path(cursor, schema: str) -> None:
    """Fix each trigger function of the schema to the schema's own search_path. Trigger functions (pghistory) name
    their tables without a schema and run, on Citus, on the worker in a session with another search_path; a clone
    copies the template's and a rename keeps the spare's."""
    cursor.execute(
        "SELECT p.proname FROM pg_proc p WHERE p.pronamespace = %s::regnamespace AND p.prorettype = 'trigger'::regtype",
        [schema],
    )
    for (function,) in cursor.fetchall():
        cursor.execute(f'ALTER FUNCTION "{schema}"."{function}"() SET search_path = "{schema}", public')


def _spare_schemas() -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT nspname FROM pg_namespace WHERE starts_with(nspname, %s) ORDER BY nspname", [SPARE_PREFIX]
        )
        return [row[0] for row in cursor.fetchall()]


def _spare_is_current(spare: str) -> bool:
    """A spare is current while it records exactly the template's migrations (a migration since makes it stale)."""
    return _recorded_migrations(spare) == _recorded_migrations(_template_schema())


def _spare_lock(cursor, spare: str) -> bool:
    """Hold the spare until the transaction ends; False when another transaction holds it."""
    cursor.execute("SELECT pg_try_advisory_xact_lock(hashtext(%s))", [spare])
    return bool(cursor.fetchone()[0])


def _spare_schema_take(*, code: str) -> bool:
    """Rename a current spare schema to `code`, in the caller's transaction; False when no spare is ready."""
    with connection.cursor() as cursor:
        for spare in _spare_schemas():
            if _spare_lock(cursor, spare) and _spare_is_current(spare):
                cursor.execute(f'ALTER SCHEMA "{spare}" RENAME TO "{code}"')
                if settings.JUNXIU_DATABASE_CITUS:
                    _citus_trigger_search_path(cursor, code)
                return True
    return False


def spare_schemas_refill(*, count: int | None = None) -> list[str]:
    """Task: drop stale spare schemas and clone the template until `count` (JUNXIU_SPARE_SCHEMAS) are ready; returns
    the spares made. Each is made in its own transaction, so a centre created meanwhile is never held up."""
    count = settings.JUNXIU_SPARE_SCHEMAS if count is None else count
    connection_set_public()
    if template_pending_migrations():
        return []  # migrate_schemas has not run yet; a spare cloned now would be stale
    ready = 0
    for spare in _spare_schemas():
        with transaction.atomic(), connection.cursor() as cursor:
            if not _spare_lock(cursor, spare):
                continue  # being taken right now
            if _spare_is_current(spare) and ready < count:
                ready += 1
            else:
                cursor.execute(f'DROP SCHEMA "{spare}" CASCADE')
    made = []
    for _missing in range(count - ready):
        spare = f"{SPARE_PREFIX}{secrets.token_hex(6)}"
        with transaction.atomic():
            _schema_clone(spare)
        made.append(spare)
    connection_set_public()
    return made


def centre_setup_sync() -> list[str]:
    """Run the repeatable set-up steps in every active centre (after an upgrade adds an app's roles); returns the
    codes. A retired centre is left as it is: its periodic tasks stay stopped."""
    synced = []
    centres = Centre.objects.filter(kind=Centre.Kind.CENTRE, status=Centre.Status.ACTIVE)
    for centre in centres.prefetch_related("domains"):
        with transaction.atomic(), schema_context(centre.schema_name):
            centre_setup_run(centre=centre, domain=centre.domains.first(), repeatable_only=True)
        synced.append(centre.schema_name)
    connection_set_public()
    return synced


def centre_retire(*, code: str) -> Centre:
    """Stop serving a centre; its schema and data stay."""
    centre = Centre.objects.filter(schema_name=code, kind=Centre.Kind.CENTRE).first()
    if centre is None:
        raise ProvisioningError(_("No centre with the code “%(code)s”.") % {"code": code})
    if centre.status == Centre.Status.RETIRED:
        raise ProvisioningError(_("The centre “%(code)s” is already retired.") % {"code": code})
    centre.status = Centre.Status.RETIRED
    centre.retired_at = timezone.now()
    centre.save(update_fields=["status", "retired_at"])
    Schedule.objects.filter(name__startswith=f"{code}:").delete()  # its periodic tasks stop with it
    return centre


def centre_user_ensure(
    *,
    username: str,
    password: str | None,
    email: str = "",
    superuser: bool = False,
    groups: tuple[str, ...] = (),
    first_name: str = "",
    one_time: bool = False,
):
    """Create or update a user of the current schema (a centre's users live in its own schema)."""
    if connection_schema_name() == get_public_schema_name() and groups:
        raise ProvisioningError(_("Centre groups exist only inside a centre."))
    user_model = get_user_model()
    user, _created = user_model.objects.get_or_create(username=username)
    user.email = email or user.email
    user.first_name = first_name or user.first_name
    user.is_staff = True
    user.is_superuser = superuser
    user.is_active = True
    if password is not None and one_time:
        # A generated password: a cheap hash is as strong, and the first login upgrades it.
        user.password = make_password(password, hasher="pbkdf2_sha256_onetime")
    elif password is not None:
        user.set_password(password)
    user.save()
    if groups:
        user.groups.set(Group.objects.filter(name__in=groups))
    return user
