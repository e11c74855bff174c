"""One centre's backup and restore, with the real pg_dump and pg_restore: the data, public rows and files come back as
they were backed up; a copy under a new code is a second working centre; a refused restore changes nothing.

pg_dump reads committed data only, so the centre and its backup are committed (made once for the module); each test's
changes and restores roll back with its transaction, and the teardown drops what the module made.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import shutil
import tarfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.sessions.models import Session
from django.core.management import CommandError, call_command
from django.db import connection
from django.db.migrations.recorder import MigrationRecorder
from django.utils import translation
from django_q.models import Schedule
from django_tenants.utils import schema_context, schema_exists
from wagtail.models import Page, Site

from content.page_cache import content_version
from forms_engine.models import Submission
from forms_engine.services import form_create, form_field_add, form_publish, submission_create, submission_update
from registry.idcard import resident_id_make
from registry.models import Cadre
from registry.services import cadre_create
from reports.models import Fact, Scorecard, ScorecardResult
from tenants.backup import ASIDE_PREFIX, BackupError, centre_restore
from tenants.db import connection_set_public
from tenants.models import Centre, Domain
from tests.conftest import client_for

pytestmark = pytest.mark.django_db

SOURCE, COPY = "bksrc", "bkcopy"
NAME = "备份测试军休中心"
DAMAGED = "文件不是本系统制作的中心备份，或已损坏。"
PHOTO = bytes(range(256)) * 40
PAPER = "档案扫描件".encode() * 100
SCORECARD = "备份测试考核"


def centre_drop(code: str) -> None:
    """Everything a centre is: its schema, public rows, schedules and folders."""
    connection_set_public()
    Centre.objects.filter(schema_name=code).delete()
    Schedule.objects.filter(args__startswith=f"({code!r}, ").delete()
    with connection.cursor() as cursor:
        cursor.execute(f'DROP SCHEMA IF EXISTS "{code}" CASCADE')
    for root in (Path(settings.MEDIA_ROOT), Path(settings.JUNXIU_PRIVATE_FILES)):
        shutil.rmtree(root / code, ignore_errors=True)


def new_cadre(name: str, seq: int, born: dt.date = dt.date(1940, 5, 1)) -> Cadre:
    return cadre_create(
        name=name,
        id_number=resident_id_make("310101", born, seq),
        level="division",
        kind="lixiu",
        mobile=f"1380000{seq:04d}",
    )


def files(code: str) -> dict[str, bytes]:
    found = {}
    for label, root in (("media", Path(settings.MEDIA_ROOT) / code), ("private", settings.JUNXIU_PRIVATE_FILES / code)):
        for path in sorted(root.rglob("*")) if root.is_dir() else []:
            if path.is_file():
                found[f"{label}/{path.relative_to(root).as_posix()}"] = path.read_bytes()
    return found


def state(code: str) -> dict:
    """What a restore must bring back exactly: the centre's rows in its schema and in public, and its files."""
    connection_set_public()
    centre = Centre.objects.get(schema_name=code)
    with schema_context(code):
        in_schema = {
            "cadres": sorted(Cadre.objects.values_list("pk", "name", "id_number", "mobile")),
            "answers": sorted(Submission.objects.values_list("pk", "form__key", "data")),
            "users": sorted(get_user_model().objects.values_list("username", "email", "is_active")),
            "pages": sorted(Page.objects.values_list("pk", "title", "live", "path")),
        }
    return {
        **in_schema,
        "centre": (centre.pk, centre.name, centre.status),
        "domains": sorted(Domain.objects.filter(tenant=centre).values_list("domain", "is_primary")),
        "facts": sorted(Fact.objects.filter(centre=centre).values_list("period", "indicator", "breakdown", "value")),
        "schedules": sorted(Schedule.objects.filter(name__startswith=f"{code}:").values_list("name", "args")),
        "files": files(code),
    }


def leftovers() -> dict:
    """What a failed or refused restore could leave behind."""
    connection_set_public()
    with connection.cursor() as cursor:
        cursor.execute("SELECT nspname FROM pg_namespace WHERE nspname NOT LIKE 'pg\\_%' ORDER BY nspname")
        schemas = [row[0] for row in cursor.fetchall()]
    folders = sorted(
        path.name
        for root in (Path(settings.MEDIA_ROOT), Path(settings.JUNXIU_PRIVATE_FILES))
        for path in root.iterdir()
        if path.name.startswith((f".{SOURCE}.", f".{COPY}.", SOURCE, COPY))
    )
    return {
        "schemas": schemas,
        "centres": sorted(Centre.objects.values_list("schema_name", flat=True)),
        "domains": sorted(Domain.objects.values_list("domain", flat=True)),
        "folders": folders,
        "aside": [name for name in schemas if name.startswith(ASIDE_PREFIX)],
    }


@pytest.fixture(scope="module")
def backup(django_db_setup, django_db_blocker, tmp_path_factory) -> Iterator[tuple[Path, dict]]:
    """A committed centre with cadres, form answers, a fact in public and files, backed up by the command."""
    from tenants.services import centre_create

    with django_db_blocker.unblock():
        for code in (SOURCE, COPY):
            centre_drop(code)
        centre = centre_create(code=SOURCE, name=NAME).centre
        with schema_context(SOURCE):
            for seq, name in enumerate(["王德胜", "曾国平", "赵建华"], start=11):
                new_cadre(name, seq)
            form = form_create(title="走访记录", key="visit", purpose="visit")
            form_field_add(form=form, name="note", field_type="text", label="备注")
            form_publish(form=form)
            submission_create(form=form, data={"note": "第一次走访"})
            submission_create(form=form, data={"note": "第二次走访"})
        Fact.objects.create(
            centre=centre, year=2026, period_type="year", period="2026", indicator="cadres_total", value=3
        )
        scorecard = Scorecard.objects.create(year=2026, title=SCORECARD)
        ScorecardResult.objects.create(scorecard=scorecard, centre=centre, score=87.5, rank=1)
        photo = Path(settings.MEDIA_ROOT) / SOURCE / "original_images" / "photo.jpg"
        paper = settings.JUNXIU_PRIVATE_FILES / SOURCE / "archive" / "paper.pdf"
        for path, data in ((photo, PHOTO), (paper, PAPER)):
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(data)
        path = tmp_path_factory.mktemp("backup") / f"{SOURCE}.tar"
        out = io.StringIO()
        call_command("centre_backup", SOURCE, str(path), stdout=out)
        assert out.getvalue().startswith(f"已备份中心 {SOURCE} 到 {path}")
        backed_up = state(SOURCE)
    yield path, backed_up
    with django_db_blocker.unblock():
        for code in (SOURCE, COPY):
            centre_drop(code)
        Scorecard.objects.filter(title=SCORECARD).delete()


@pytest.fixture
def committed(backup, db) -> Iterator[tuple[Path, dict]]:
    """The backup; each test's changes, the restores' included, roll back with its transaction (files stay: each test
    leaves them as backed up)."""
    yield backup
    assert leftovers()["aside"] == []
    if files(SOURCE) != backup[1]["files"]:  # a failed test's changes, put back for the next
        for root in (settings.MEDIA_ROOT, settings.JUNXIU_PRIVATE_FILES):
            shutil.rmtree(Path(root) / SOURCE, ignore_errors=True)
        for name, data in backup[1]["files"].items():
            label, relative = name.split("/", 1)
            root = Path(settings.MEDIA_ROOT if label == "media" else settings.JUNXIU_PRIVATE_FILES)
            (root / SOURCE / relative).parent.mkdir(parents=True, exist_ok=True)
            (root / SOURCE / relative).write_bytes(data)


def member_bytes(archive: tarfile.TarFile, name: str) -> bytes:
    stream = archive.extractfile(name)
    assert stream is not None
    return stream.read()


def test_the_backup_holds_what_belongs_to_the_centre(committed, tmp_path):
    path, backed_up = committed
    with tarfile.open(path) as archive:
        names = archive.getnames()
        manifest = json.loads(member_bytes(archive, "manifest.json"))
        public = json.loads(member_bytes(archive, "public.json"))
    assert names[:4] == ["manifest.json", "manifest.sig", "schema.dump", "public.json"]
    assert sorted(names[4:]) == ["media/original_images/photo.jpg", "private/archive/paper.pdf"]
    assert (manifest["slug"], manifest["schema"], manifest["name"], manifest["domain"]) == (
        SOURCE,
        SOURCE,
        NAME,
        f"{SOURCE}.localhost",
    )
    assert sorted(manifest["files"]) == sorted(names[2:])
    assert manifest["files"]["media/original_images/photo.jpg"]["size"] == len(PHOTO)
    assert "registry.0001_initial" in manifest["migrations"]
    assert [row["fields"]["domain"] for row in public["domains"]] == [f"{SOURCE}.localhost"]
    assert [row["fields"]["indicator"] for row in public["related"]["reports.fact"]["rows"]] == ["cadres_total"]
    assert [row["fields"]["score"] for row in public["related"]["reports.scorecardresult"]["rows"]] == [87.5]
    assert sorted(row["fields"]["name"] for row in public["schedules"]) == [
        f"{SOURCE}:deliveries",
        f"{SOURCE}:publish_scheduled",
        f"{SOURCE}:sweep",
        f"{SOURCE}:webhooks_lost",
    ]
    assert len(backed_up["cadres"]) == 3 and len(backed_up["answers"]) == 2

    with translation.override("zh-hans"), pytest.raises(CommandError) as nowhere:
        call_command("centre_backup", SOURCE, str(tmp_path / "missing" / "x.tar"))
    assert str(nowhere.value) == f"文件夹 {tmp_path / 'missing'} 不存在。"
    with translation.override("zh-hans"), pytest.raises(CommandError) as unknown:
        call_command("centre_backup", "nosuch", str(tmp_path / "x.tar"))
    assert str(unknown.value) == "没有代码为“nosuch”的中心。"
    assert list(tmp_path.iterdir()) == []


def test_restore_brings_back_the_data_and_files_as_backed_up(committed):
    path, backed_up = committed
    before = leftovers()
    with schema_context("putuo"):
        putuo_pages = content_version()
    with schema_context(SOURCE):
        new_cadre("新增者", 41, dt.date(1941, 1, 1))
        Cadre.objects.filter(name="曾国平").delete()
        answer = Submission.objects.get(data__note="第一次走访")
        submission_update(submission=answer, data={"note": "改过的答案"})
    Fact.objects.filter(centre__schema_name=SOURCE).update(value=99)
    Scorecard.objects.filter(title=SCORECARD).delete()  # the bureau deleted it since: its result cannot come back
    (Path(settings.MEDIA_ROOT) / SOURCE / "original_images" / "photo.jpg").write_bytes(b"changed")
    (Path(settings.MEDIA_ROOT) / SOURCE / "original_images" / "new.jpg").write_bytes(b"new")
    changed = state(SOURCE)
    assert changed["cadres"] != backed_up["cadres"] and changed["answers"] != backed_up["answers"]
    with schema_context(SOURCE):
        cached_pages = content_version()  # what the centre's cached pages are keyed by

    restored = centre_restore(code=SOURCE, path=path, force=True)

    with schema_context(SOURCE):
        assert content_version() != cached_pages  # no page cached before the restore is served after it
    with schema_context("putuo"):
        assert content_version() == putuo_pages

    assert (restored.centre.schema_name, restored.domain.domain, restored.replaced) == (
        SOURCE,
        f"{SOURCE}.localhost",
        True,
    )
    assert restored.skipped == {"reports.scorecardresult": 1}
    assert ScorecardResult.objects.filter(centre=restored.centre).count() == 0
    assert state(SOURCE) == backed_up
    assert [name for name, *_rest in state(SOURCE)["cadres"]] != []
    assert files(SOURCE)["media/original_images/photo.jpg"] == PHOTO
    assert files(SOURCE)["private/archive/paper.pdf"] == PAPER
    assert leftovers() == before
    assert client_for(SOURCE).get("/").status_code == 200


def test_restore_over_an_active_centre_refuses_without_force_and_changes_nothing(committed):
    path, backed_up = committed
    with schema_context(SOURCE):
        new_cadre("新增者", 41, dt.date(1941, 1, 1))
    before, kept = leftovers(), state(SOURCE)
    assert kept != backed_up
    with translation.override("zh-hans"), pytest.raises(CommandError) as refused:
        call_command("centre_restore", SOURCE, str(path))
    assert str(refused.value) == f"中心“{SOURCE}”正在使用：恢复会替换它的数据（确要如此，请加 --force）。"
    with translation.override("zh-hans"), pytest.raises(BackupError) as other:
        centre_restore(code="putuo", path=path, force=True)
    assert str(other.value) == f"这是中心“{SOURCE}”的备份，不是“putuo”的。"
    assert state(SOURCE) == kept
    assert leftovers() == before


def _rewritten(source: Path, target: Path, change) -> Path:
    """The backup with one member's bytes changed by `change(name, data)` (the manifest left as it was)."""
    with tarfile.open(source) as old, tarfile.open(target, "w") as new:
        for member in old.getmembers():
            data = change(member.name, member_bytes(old, member.name))
            member.size = len(data)
            new.addfile(member, io.BytesIO(data))
    return target


def flip(name: str, body: bytes) -> bytes:
    """One bit of the dump's data changed."""
    if name != "schema.dump":
        return body
    middle = len(body) // 2
    return body[:middle] + bytes([body[middle] ^ 1]) + body[middle + 1 :]


def test_a_damaged_or_foreign_backup_is_refused_and_nothing_is_created(committed, tmp_path):
    path, backed_up = committed
    data = path.read_bytes()
    truncated = tmp_path / "truncated.tar"
    truncated.write_bytes(data[: len(data) // 2])
    tampered = _rewritten(path, tmp_path / "tampered.tar", flip)
    relabelled = _rewritten(
        path,
        tmp_path / "relabelled.tar",
        lambda name, body: (
            body.replace(f'"slug": "{SOURCE}"'.encode(), b'"slug": "putuo"') if name == "manifest.json" else body
        ),
    )
    not_a_tar = tmp_path / "notes.txt"
    not_a_tar.write_text("这不是备份")
    assert tampered.read_bytes() != data and relabelled.read_bytes() != data
    before = leftovers()
    for damaged in (truncated, tampered, relabelled, not_a_tar):
        with translation.override("zh-hans"), pytest.raises(BackupError) as refused:
            centre_restore(code=SOURCE, path=damaged, as_code=COPY)
        assert str(refused.value) == DAMAGED, damaged.name
        with translation.override("zh-hans"), pytest.raises(BackupError) as refused:
            centre_restore(code=SOURCE, path=damaged, force=True)
        assert str(refused.value) == DAMAGED, damaged.name
    assert leftovers() == before
    assert not schema_exists(COPY)
    assert state(SOURCE) == backed_up


def test_a_restore_failing_midway_leaves_the_centre_as_it_was(committed):
    """The backup's domain now belongs to another centre: the restore fails after the schema was replaced and rolls
    all of it back."""
    path, backed_up = committed
    with schema_context(SOURCE):
        added = new_cadre("新增者", 41, dt.date(1941, 1, 1))
    Domain.objects.filter(domain=f"{SOURCE}.localhost").update(domain=f"{SOURCE}-new.localhost")
    Domain.objects.create(domain=f"{SOURCE}.localhost", tenant=Centre.objects.get(schema_name="putuo"))
    before, kept = leftovers(), state(SOURCE)
    with translation.override("zh-hans"), pytest.raises(BackupError) as failed:
        centre_restore(code=SOURCE, path=path, force=True)
    assert str(failed.value) == f"备份中的域名“{SOURCE}.localhost”已被另一个中心使用。"
    assert state(SOURCE) == kept
    assert added.pk in [pk for pk, *_rest in kept["cadres"]]
    assert leftovers() == before


def test_restore_as_a_new_code_gives_a_second_working_centre_of_its_own(committed):
    path, backed_up = committed
    out = io.StringIO()
    call_command("centre_restore", SOURCE, str(path), "--as", COPY, "--name", "备份副本中心", stdout=out)
    assert out.getvalue().startswith(f"已恢复中心 备份副本中心（{COPY}），地址 {COPY}.localhost")

    copy = state(COPY)
    for key in ("cadres", "answers", "users", "pages"):
        assert copy[key] == backed_up[key], key
    assert copy["files"] == backed_up["files"]
    assert copy["domains"] == [(f"{COPY}.localhost", True)]
    assert copy["facts"] == []  # the bureau's figures of the copy come with the next refresh
    assert copy["schedules"] == [
        (f"{COPY}:deliveries", f"('{COPY}', 'notifications.tasks.deliveries_due_send')"),
        (f"{COPY}:publish_scheduled", f"('{COPY}', 'content.tasks.scheduled_pages_publish')"),
        (f"{COPY}:sweep", f"('{COPY}', 'notifications.tasks.sweep_run')"),
        (f"{COPY}:webhooks_lost", f"('{COPY}', 'forms_engine.webhooks.webhook_deliveries_lost_send')"),
    ]
    assert copy["centre"][1:] == ("备份副本中心", Centre.Status.ACTIVE)
    with schema_context(COPY):
        assert list(Site.objects.values_list("hostname", flat=True)) == [f"{COPY}.localhost"]
        assert Session.objects.count() == 0
    assert state(SOURCE) == backed_up  # the original is untouched

    home = client_for(COPY).get("/")
    assert home.status_code == 200
    assert NAME in home.content.decode()

    with schema_context(COPY):
        new_cadre("副本新增", 51, dt.date(1942, 2, 2))
        Cadre.objects.filter(name="王德胜").delete()
    assert state(SOURCE)["cadres"] == backed_up["cadres"]
    assert [name for _pk, name, *_rest in state(COPY)["cadres"]] == ["曾国平", "赵建华", "副本新增"]

    with translation.override("zh-hans"), pytest.raises(BackupError) as taken:
        centre_restore(code=SOURCE, path=path, as_code=COPY)
    assert str(taken.value) == f"代码为“{COPY}”的中心已存在。"


def test_a_backup_from_a_newer_version_is_refused_and_an_older_one_restored(committed):
    """What the code knows is what the template records: one migration fewer there makes the backup newer, one more
    makes it older. The restore of an older one runs migrate_schemas on the restored schema in its transaction (here
    with nothing on disk to apply: this shows the step runs there, not a real upgrade)."""
    path, backed_up = committed
    recorded = MigrationRecorder.Migration.objects
    with schema_context(settings.TENANT_BASE_SCHEMA):
        assert recorded.filter(app="registry", name="0001_initial").delete()[0] == 1
    before = leftovers()
    with translation.override("zh-hans"), pytest.raises(BackupError) as newer:
        centre_restore(code=SOURCE, path=path, as_code=COPY)
    assert str(newer.value) == "该备份由更新版本的程序制作（迁移 registry.0001_initial）：请先升级。"
    assert leftovers() == before

    with schema_context(settings.TENANT_BASE_SCHEMA):
        recorded.create(app="registry", name="0001_initial")
        recorded.create(app="registry", name="9999_later")
    restored = centre_restore(code=SOURCE, path=path, as_code=COPY)
    assert restored.centre.schema_name == COPY
    assert state(COPY)["cadres"] == backed_up["cadres"]
