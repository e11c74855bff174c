"""One centre's backup and restore: its schema (pg_dump), its public rows, its media and private files, in one file.

The file is a tar holding `manifest.json` (format, centre, migrations, checksums of every other member), its
signature `manifest.sig` (HMAC of SECRET_KEY: a restore runs the dump's SQL, so only a file this installation made is
ever read), `schema.dump` (pg_dump custom format of the schema), `public.json` (the public rows that belong to the
centre) and the files under `media/` and `private/`.

Public rows that belong to a centre: its Centre row, its domains, every row of a public model with a foreign key to
the centre (the reports' facts and refresh state, scorecard results, improvement actions, the demo's history: found
by the foreign key, so an app added later is included without a change here), and its django-q2 schedules (the
centre's periodic and one-off tasks). The centre's users, sessions, log-in locks and API tokens live in its schema.
Bureau users, bureau forms, city-wide items and indicators are the bureau's and stay out.
"""

from __future__ import annotations

import ast
import hashlib
import importlib.util
import io
import json
import os
import re
import secrets
import shutil
import subprocess
import tarfile
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, cast

from django.apps import apps
from django.conf import settings
from django.contrib.sessions.models import Session
from django.core import serializers, signing
from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection, models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django_q.models import Schedule
from django_tenants.utils import schema_context, schema_exists
from rest_framework.authtoken.models import Token
from wagtail.models import Site

from tenants.db import connection_set_public
from tenants.models import Centre, Domain
from tenants.private_files import private_root
from tenants.services import (
    ProvisioningError,
    _recorded_migrations,
    centre_code_validate,
    centre_domain_validate,
)
from tenants.signals import centre_restored

FORMAT = "junxiu-centre-backup"
FORMAT_VERSION = 1
MANIFEST = "manifest.json"
SIGNATURE = "manifest.sig"
DUMP = "schema.dump"
PUBLIC = "public.json"
MEDIA = "media/"
PRIVATE = "private/"
SIGNING_SALT = "tenants.backup.manifest"
# A schema a restore moves the live one to while the backup's takes its name: an underscore, like a spare's, so no
# centre code can be it; not the spares' prefix, so the refill never takes or drops it.
ASIDE_PREFIX = "restore_"
COPY_LINE = re.compile(rb"^COPY .+ FROM stdin;\n$")
SET_LINE = re.compile(rb"^SET ([a-z_]+) = ")


class BackupError(Exception):
    """A backup or restore cannot go on; the message is for the user, in Chinese. Nothing was changed."""


@dataclass(frozen=True)
class BackupMade:
    path: Path
    size: int
    seconds: float
    manifest: dict


@dataclass(frozen=True)
class CentreRestored:
    centre: Centre
    domain: Domain
    seconds: float
    replaced: bool
    # Public rows of the backup left out because what they point at is not here (e.g. a scorecard since deleted).
    skipped: dict[str, int] = field(default_factory=dict)


def postgres_tool(name: str) -> str:
    """pg_dump or pg_restore of the server's major version: JUNXIU_PG_BIN, the embedded server's, Debian's, PATH."""
    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version_num")
        major = int(cursor.fetchone()[0]) // 10000
    candidates = []
    if os.environ.get("JUNXIU_PG_BIN"):
        candidates.append(Path(os.environ["JUNXIU_PG_BIN"]) / name)
    spec = importlib.util.find_spec("pgserver")
    if spec is not None and spec.origin:
        candidates.append(Path(spec.origin).parent / "pginstall" / "bin" / name)
    candidates.append(Path(f"/usr/lib/postgresql/{major}/bin/{name}"))
    if shutil.which(name):
        candidates.append(Path(shutil.which(name) or name))
    for candidate in candidates:
        if not candidate.is_file():
            continue
        version = subprocess.run(  # noqa: S603 - a PostgreSQL tool found above
            [str(candidate), "--version"], capture_output=True, text=True, check=False
        ).stdout
        found = re.search(r"(\d+)(?:\.\d+)?", version)
        if found and int(found.group(1)) == major:
            return str(candidate)
    raise BackupError(
        _("No %(tool)s of PostgreSQL %(major)d was found: install it or set JUNXIU_PG_BIN.")
        % {"tool": name, "major": major}
    )


def _libpq_env() -> dict[str, str]:
    """The environment that points pg_dump at the database Django uses."""
    config = connection.settings_dict
    env = dict(os.environ)
    values = {
        "PGDATABASE": config.get("NAME"),
        "PGUSER": config.get("USER"),
        "PGPASSWORD": config.get("PASSWORD"),
        "PGHOST": config.get("HOST"),
        "PGPORT": config.get("PORT"),
        "PGSSLMODE": (config.get("OPTIONS") or {}).get("sslmode"),
    }
    env.update({key: str(value) for key, value in values.items() if value})
    return env


def _refuse_on_citus() -> None:
    if settings.JUNXIU_DATABASE_CITUS:
        raise BackupError(_("Backing up or restoring one centre is not supported on Citus yet (see deploy/README.md)."))


def _centre_relations() -> list[tuple[type[models.Model], str]]:
    """Every public model with a foreign key to the centre, and that key's name."""
    found = []
    for model in apps.get_models():
        if model in (Centre, Domain):
            continue
        for model_field in model._meta.concrete_fields:
            if model_field.many_to_one or model_field.one_to_one:
                if model_field.related_model is Centre:
                    found.append((model, model_field.name))
    return sorted(found, key=lambda pair: (pair[0]._meta.label_lower, pair[1]))


def _centre_schedules(code: str) -> models.QuerySet[Schedule]:
    """The django-q2 schedules that run in the centre (tenants.tasks: their first argument is its schema)."""
    return Schedule.objects.filter(func="tenants.tasks.centre_task_run", args__startswith=f"({code!r}, ")


def _serialized(queryset) -> list[dict]:
    return serializers.serialize("python", queryset)


def _public_rows(centre: Centre) -> dict:
    return {
        "centre": _serialized(Centre.objects.filter(pk=centre.pk))[0],
        "domains": _serialized(Domain.objects.filter(tenant=centre).order_by("pk")),
        "related": {
            model._meta.label_lower: {
                "field": name,
                "rows": _serialized(model._default_manager.filter(**{name: centre})),
            }
            for model, name in _centre_relations()
        },
        "schedules": _serialized(_centre_schedules(centre.schema_name).order_by("pk")),
    }


def _folders(code: str) -> dict[str, Path]:
    return {MEDIA: Path(settings.MEDIA_ROOT) / code, PRIVATE: private_root() / code}


def _files(folder: Path) -> Iterator[tuple[str, Path]]:
    """The regular files under a folder (links are not followed), by their path inside it."""
    if not folder.is_dir():
        return
    for root, dirs, names in os.walk(folder):
        dirs.sort()
        for name in sorted(names):
            path = Path(root) / name
            if path.is_file() and not path.is_symlink():
                yield path.relative_to(folder).as_posix(), path


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as stream:
        for chunk in iter(lambda: stream.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _manifest_signature(manifest_bytes: bytes) -> str:
    return signing.Signer(salt=SIGNING_SALT).sign(hashlib.sha256(manifest_bytes).hexdigest())


def centre_backup(*, code: str, path: Path | str) -> BackupMade:
    """Write one centre's backup to `path`: schema, public rows and migration state from one snapshot, then files.

    Runs outside any transaction: its own (repeatable read) exports the snapshot pg_dump reads from.
    """
    started = time.perf_counter()
    _refuse_on_citus()
    path = Path(path)
    if not path.parent.is_dir():
        raise BackupError(_("The folder %(folder)s does not exist.") % {"folder": path.parent})
    centre = Centre.objects.filter(schema_name=code, kind=Centre.Kind.CENTRE).first()
    if centre is None or not schema_exists(code):
        raise BackupError(_("No centre with the code “%(code)s”.") % {"code": code})
    if connection.in_atomic_block:
        raise BackupError(_("A backup runs in its own transaction, not inside another one."))
    pg_dump = postgres_tool("pg_dump")
    with tempfile.TemporaryDirectory(prefix="junxiu-backup-") as work:
        dump = Path(work) / DUMP
        with transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
                cursor.execute("SELECT pg_export_snapshot(), current_setting('server_version')")
                snapshot, server_version = cursor.fetchone()
            done = subprocess.run(  # noqa: S603 - our pg_dump, our schema
                [
                    pg_dump,
                    "--format=custom",
                    f"--schema={code}",
                    "--no-owner",
                    "--no-privileges",
                    f"--snapshot={snapshot}",
                    f"--file={dump}",
                ],
                env=_libpq_env(),
                capture_output=True,
                text=True,
                check=False,
            )
            if done.returncode != 0:
                raise BackupError(_("pg_dump failed: %(error)s") % {"error": done.stderr.strip()[-500:]})
            public = json.dumps(_public_rows(centre), cls=DjangoJSONEncoder, ensure_ascii=False).encode()
            migrations = sorted(_recorded_migrations(code))
        (Path(work) / PUBLIC).write_bytes(public)
        members: list[tuple[str, Path]] = [(DUMP, dump), (PUBLIC, Path(work) / PUBLIC)]
        for prefix, folder in _folders(code).items():
            for name, file in _files(folder):
                # A copy is what is summed and stored: a file changed meanwhile cannot disagree with its checksum.
                copied = Path(work) / (prefix + name)
                copied.parent.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(file, copied)
                members.append((prefix + name, copied))
        manifest = {
            "format": FORMAT,
            "version": FORMAT_VERSION,
            "slug": code,
            "schema": code,
            "name": centre.name,
            "domain": next(
                (d["fields"]["domain"] for d in json.loads(public)["domains"] if d["fields"]["is_primary"]), ""
            ),
            "created_at": timezone.now().isoformat(),
            "postgres": server_version,
            "migrations": [f"{app}.{name}" for app, name in migrations],
            "files": {name: {"sha256": _sha256(file), "size": file.stat().st_size} for name, file in members},
        }
        manifest_bytes = json.dumps(manifest, ensure_ascii=False, indent=1).encode()
        partial = path.with_name(f".{path.name}.{secrets.token_hex(4)}.part")
        try:
            with tarfile.open(partial, "w") as archive:
                for name, data in (
                    (MANIFEST, manifest_bytes),
                    (SIGNATURE, _manifest_signature(manifest_bytes).encode()),
                ):
                    info = tarfile.TarInfo(name)
                    info.size, info.mtime, info.mode = len(data), int(time.time()), 0o600
                    archive.addfile(info, io.BytesIO(data))
                for name, file in members:
                    info = archive.gettarinfo(str(file), arcname=name)
                    info.uid = info.gid = 0
                    info.uname = info.gname = ""
                    with file.open("rb") as stream:
                        archive.addfile(info, stream)
            partial.chmod(0o600)
            os.replace(partial, path)
        except OSError as exc:
            raise BackupError(_("Cannot write %(path)s: %(error)s") % {"path": path, "error": exc.strerror}) from exc
        finally:
            partial.unlink(missing_ok=True)
    return BackupMade(path=path, size=path.stat().st_size, seconds=time.perf_counter() - started, manifest=manifest)


def _damaged() -> BackupError:
    return BackupError(_("The file is not a centre backup made here, or it is damaged."))


def backup_read(*, path: Path | str, into: Path) -> dict:
    """Check the backup (signature, every member's checksum, nothing more or less) while unpacking it into `into`;
    returns its manifest. Refuses a damaged, truncated or foreign file before anything is changed."""
    path = Path(path)
    if not path.is_file():
        raise BackupError(_("No file %(path)s.") % {"path": path})
    try:
        with tarfile.open(path, "r:") as archive:
            manifest_bytes = signature = b""
            for _round in range(2):
                member = archive.next()
                if member is None or not member.isfile():
                    raise _damaged()
                stream = archive.extractfile(member)
                data = stream.read() if stream else b""
                if member.name == MANIFEST:
                    manifest_bytes = data
                elif member.name == SIGNATURE:
                    signature = data
            try:
                signed = signing.Signer(salt=SIGNING_SALT).unsign(signature.decode())
            except (signing.BadSignature, UnicodeDecodeError) as exc:
                raise _damaged() from exc
            if signed != hashlib.sha256(manifest_bytes).hexdigest():
                raise _damaged()
            manifest = json.loads(manifest_bytes)
            if manifest.get("format") != FORMAT or manifest.get("version") != FORMAT_VERSION:
                raise _damaged()
            expected: dict[str, dict] = manifest["files"]
            seen = set()
            for member in archive:  # from the first member again (the two read above are kept)
                name = member.name
                if name in (MANIFEST, SIGNATURE) and name not in seen:
                    seen.add(name)
                    continue
                if name not in expected or name in seen or not member.isfile() or ".." in name.split("/"):
                    raise _damaged()
                if name.startswith("/"):
                    raise _damaged()
                seen.add(name)
                target = into / name
                target.parent.mkdir(parents=True, exist_ok=True)
                digest = hashlib.sha256()
                stream = archive.extractfile(member)
                if stream is None:
                    raise _damaged()
                with target.open("wb") as out:
                    for chunk in iter(lambda: stream.read(1 << 20), b""):  # noqa: B023 - consumed at once
                        digest.update(chunk)
                        out.write(chunk)
                if digest.hexdigest() != expected[name]["sha256"] or target.stat().st_size != expected[name]["size"]:
                    raise _damaged()
            if seen != {*expected, MANIFEST, SIGNATURE}:
                raise _damaged()
    except (tarfile.TarError, EOFError, OSError, ValueError, KeyError, TypeError) as exc:
        raise _damaged() from exc
    return manifest


def _script_run(dump: Path) -> None:
    """Run the dump's SQL on Django's connection, in the caller's transaction (pg_restore would use its own).

    Its settings are made local to the transaction (SET LOCAL), and its data goes through COPY.
    """
    errors = tempfile.TemporaryFile()
    process = subprocess.Popen(  # noqa: S603 - our pg_restore, our verified dump
        [postgres_tool("pg_restore"), "--no-owner", "--no-privileges", "--file=-", str(dump)],
        stdout=subprocess.PIPE,
        stderr=errors,
    )
    assert process.stdout is not None
    statements: list[bytes] = []
    with errors, connection.cursor() as cursor:

        def flush() -> None:
            if statements:
                cursor.execute(b"".join(statements).decode())
                statements.clear()

        lines = iter(process.stdout)
        for line in lines:
            if COPY_LINE.match(line):
                flush()
                with cursor.copy(line.decode().rstrip().removesuffix(";")) as copy:
                    for data in lines:
                        if data == b"\\.\n":
                            break
                        copy.write(data)
                continue
            if line.startswith((b"\\restrict ", b"\\unrestrict ")):
                continue  # psql's guard against a hostile server (pg_dump 17.6, 16.10, 15.14 and later): no SQL
            if SET_LINE.match(line):
                line = b"SET LOCAL " + line[4:]
            statements.append(
                line.replace(b"set_config('search_path', '', false)", b"set_config('search_path', '', true)")
            )
        flush()
        if process.wait() != 0:
            errors.seek(0)
            message = errors.read().decode(errors="replace").strip()[-500:]
            raise BackupError(_("pg_restore failed: %(error)s") % {"error": message})
    # The script emptied the search_path for the rest of the transaction; django-tenants must set it again.
    connection.search_path_set_schemas = None  # type: ignore[attr-defined]
    connection_set_public()


def _rows_insert(model: type[models.Model], rows: list[dict], *, fk: str, centre: Centre) -> int:
    """Insert a model's backed-up rows for the centre at once, as they were (raw: no auto dates, as loaddata does),
    under new ids; returns how many were left out because a row they point to (other than the centre) is gone."""
    objs = [row.object for row in _deserialized(rows)]
    for obj in objs:
        obj.pk = None
        setattr(obj, cast(models.Field, model._meta.get_field(fk)).attname, centre.pk)
    kept = objs
    for model_field in model._meta.concrete_fields:
        if model_field.is_relation and model_field.name != fk and model_field.related_model is not None:
            wanted = {getattr(obj, model_field.attname) for obj in kept} - {None}
            target = cast(type[models.Model], model_field.related_model)
            present = set(target._default_manager.filter(pk__in=wanted).values_list("pk", flat=True))
            kept = [obj for obj in kept if getattr(obj, model_field.attname) in present | {None}]
    fields = [model_field for model_field in model._meta.concrete_fields if not model_field.primary_key]
    for start in range(0, len(kept), 1000):
        model._base_manager._insert(kept[start : start + 1000], fields=fields, raw=True)  # type: ignore[attr-defined]
    return len(objs) - len(kept)


def _deserialized(rows: list[dict]) -> Iterator[Any]:
    return serializers.deserialize("python", rows, ignorenonexistent=True)


def _public_restore(
    *, public: dict, centre: Centre | None, code: str, copy: bool, domain: str, name: str
) -> CentreRestored:
    """Write the backup's public rows for the centre `code` (replacing the current ones); a copy (`--as`) gets its
    own Centre row and domain, the schedules renamed, and none of the original's other rows."""
    (restored,) = _deserialized([public["centre"]])
    obj: Centre = restored.object
    obj.pk = centre.pk if centre else None
    obj.schema_name = code
    if copy:
        obj.status, obj.retired_at, obj.created_at = Centre.Status.ACTIVE, None, timezone.now()
        obj.name = name or obj.name
    restored.save()
    centre = Centre.objects.get(pk=obj.pk)
    Domain.objects.filter(tenant=centre).delete()
    if copy:
        primary = Domain.objects.create(domain=domain, tenant=centre, is_primary=True)
    else:
        for row in public["domains"]:
            if Domain.objects.filter(domain=row["fields"]["domain"]).exists():
                raise BackupError(
                    _("The domain “%(domain)s” of the backup is in use by another centre.")
                    % {"domain": row["fields"]["domain"]}
                )
        _rows_insert(Domain, public["domains"], fk="tenant", centre=centre)
        primary = Domain.objects.filter(tenant=centre).order_by("-is_primary", "pk").first() or Domain.objects.create(
            domain=domain, tenant=centre, is_primary=True
        )
    skipped: dict[str, int] = {}
    for model, key in _centre_relations():
        model._default_manager.filter(**{key: centre}).delete()
    if not copy:
        for label, related in public["related"].items():
            try:
                model = apps.get_model(label)
            except LookupError:
                skipped[label] = len(related["rows"])
                continue
            left_out = _rows_insert(model, related["rows"], fk=related["field"], centre=centre)
            if left_out:
                skipped[label] = left_out
    _centre_schedules(code).delete()
    original = public["centre"]["fields"]["schema_name"]
    for row in _deserialized(public["schedules"]):
        schedule: Schedule = row.object
        schedule.pk = None
        if copy:
            if not (schedule.name or "").startswith(f"{original}:"):
                continue  # a one-off task of the original (a retry) is not the copy's
            schedule.name = f"{code}:{schedule.name.removeprefix(f'{original}:')}"
            schedule.args = repr((code, *ast.literal_eval(schedule.args)[1:]))
        row.save()
    return CentreRestored(centre=centre, domain=primary, seconds=0.0, replaced=False, skipped=skipped)


def _copy_detach(*, code: str, old_domains: list[str], domain: str) -> None:
    """A copy's site answers on its own host, and nobody is logged in to it with the original's sessions or tokens."""
    with schema_context(code):
        Site.objects.filter(hostname__in=old_domains).update(hostname=domain)
        Session.objects.all().delete()
        Token.objects.all().delete()


def _schema_rename(cursor, old: str, new: str) -> None:
    cursor.execute(f'ALTER SCHEMA "{old}" RENAME TO "{new}"')


def _files_swap(*, code: str, unpacked: Path, token: str, swapped: list[tuple[Path, Path]]) -> list[Path]:
    """Put the backup's files in the centre's folders; the folders they replace are moved aside (returned, deleted
    once the restore is committed). Each move is recorded in `swapped` so a failure can put them back."""
    asides = []
    for prefix, folder in _folders(code).items():
        staged = folder.with_name(f".{folder.name}.restore-{token}")
        source = unpacked / prefix.rstrip("/")
        if source.is_dir():
            folder.parent.mkdir(parents=True, exist_ok=True)
            shutil.copytree(source, staged)
        if folder.exists():
            aside = folder.with_name(f".{folder.name}.aside-{token}")
            folder.rename(aside)
            swapped.append((folder, aside))
            asides.append(aside)
        if staged.exists():
            staged.rename(folder)
            swapped.append((staged, folder))
    return asides


def _files_unswap(*, code: str, token: str, swapped: list[tuple[Path, Path]]) -> None:
    for before, after in reversed(swapped):
        if after.exists() and not before.exists():
            after.rename(before)
    for folder in _folders(code).values():
        shutil.rmtree(folder.with_name(f".{folder.name}.restore-{token}"), ignore_errors=True)


def centre_restore(
    *,
    code: str,
    path: Path | str,
    as_code: str | None = None,
    force: bool = False,
    domain: str | None = None,
    name: str = "",
) -> CentreRestored:
    """Restore a backup of centre `code`: over it (refused while it is active, unless `force`), or as a new centre
    `as_code` with its own schema and domain (default <as_code>.<JUNXIU_BASE_DOMAIN>), named `name` (default: the
    original's name).

    All or nothing: the file is checked whole before anything changes; the schema, the public rows and the files
    change in one transaction, and a failure puts the files back. Called inside a transaction (a test), the files
    are swapped when the restore's savepoint is released, not when the outer transaction commits.
    """
    started = time.perf_counter()
    _refuse_on_citus()
    connection_set_public()
    with tempfile.TemporaryDirectory(prefix="junxiu-restore-") as work:
        unpacked = Path(work)
        manifest = backup_read(path=path, into=unpacked)
        original = manifest["schema"]
        if manifest["slug"] != code:
            raise BackupError(
                _("This is a backup of the centre “%(slug)s”, not of “%(code)s”.")
                % {"slug": manifest["slug"], "code": code}
            )
        # What a current centre records: the template's migrations (migrate_schemas keeps it current).
        known = {f"{app}.{name}" for app, name in _recorded_migrations(settings.TENANT_BASE_SCHEMA)}
        newer = sorted(set(manifest["migrations"]) - known)
        if newer:
            raise BackupError(
                _("The backup was made by a newer version (migrations %(migrations)s): upgrade first.")
                % {"migrations": ", ".join(newer[:5])}
            )
        older = bool(known - set(manifest["migrations"]))
        target = as_code or code
        copy = as_code is not None
        default_domain = f"{target}.{settings.JUNXIU_BASE_DOMAIN}"
        existing = Centre.objects.filter(schema_name=target).first()
        try:
            if copy:
                centre_code_validate(target)
                domain = (domain or default_domain).strip().lower()
                centre_domain_validate(domain)
        except ProvisioningError as exc:
            raise BackupError(str(exc)) from exc
        if not copy:
            if existing is not None and existing.kind != Centre.Kind.CENTRE:
                raise BackupError(_("“%(code)s” is not a centre.") % {"code": target})
            if (
                existing is not None and existing.status == Centre.Status.ACTIVE or schema_exists(target)
            ) and not force:
                raise BackupError(
                    _("The centre “%(code)s” is active: restoring would replace its data (add --force to do so).")
                    % {"code": target}
                )
        public = json.loads((unpacked / PUBLIC).read_text())
        old_domains = [row["fields"]["domain"] for row in public["domains"]]
        token = secrets.token_hex(4)
        aside = f"{ASIDE_PREFIX}{token}"
        swapped: list[tuple[Path, Path]] = []
        asides: list[Path] = []
        try:
            with transaction.atomic():
                with connection.cursor() as cursor:
                    cursor.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", [f"centre-restore:{target}"])
                    # Fire what the caller's transaction left pending on the tables about to be dropped.
                    cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
                    cursor.execute("SET CONSTRAINTS ALL DEFERRED")
                    original_live = schema_exists(original)
                    if original_live:
                        _schema_rename(cursor, original, aside)  # the backup's schema takes the name
                _script_run(unpacked / DUMP)
                with connection.cursor() as cursor:
                    if copy:
                        _schema_rename(cursor, original, target)
                        if original_live:
                            _schema_rename(cursor, aside, original)
                    elif original_live:
                        cursor.execute(f'DROP SCHEMA "{aside}" CASCADE')
                restored = _public_restore(
                    public=public,
                    centre=None if copy else existing,
                    code=target,
                    copy=copy,
                    domain=domain or default_domain,
                    name=name.strip(),
                )
                if copy:
                    _copy_detach(code=target, old_domains=old_domains, domain=restored.domain.domain)
                if older:
                    from django.core.management import call_command

                    call_command("migrate_schemas", schema_name=target, interactive=False, verbosity=0)
                connection_set_public()
                asides = _files_swap(code=target, unpacked=unpacked, token=token, swapped=swapped)
        except BaseException:
            _files_unswap(code=target, token=token, swapped=swapped)
            connection_set_public()
            raise
        for folder in asides:
            shutil.rmtree(folder, ignore_errors=True)
    centre_restored.send(sender=Centre, code=target)
    return CentreRestored(
        centre=restored.centre,
        domain=restored.domain,
        seconds=time.perf_counter() - started,
        replaced=existing is not None,
        skipped=restored.skipped,
    )
