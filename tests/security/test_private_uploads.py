"""Uploaded personal files (a cadre's archive papers, form attachments) are stored under JUNXIU_PRIVATE_FILES/<schema>/
with no media URL, and downloaded only through views that check who may see the cadre or the submission, logged;
files stored in MEDIA before stay readable through the same views (issue 13, defect 1)."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import quote

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.http import QueryDict
from django_tenants.utils import schema_context

from forms_engine.rendering import data_from_post
from forms_engine.services import form_create, form_field_add, form_publish, submission_create
from registry.models import AccessLog, ArchiveDocument
from tenants.roles import Role, role_group_name
from tests.conftest import PASSWORD, client_for, make_user
from tests.registry.conftest import huangpu_people  # noqa: F401 - rest homes, a liaison and three cadres
from tests.security.test_generated_files import debug_media_route  # noqa: F401 - the DEBUG media route

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4 archive of wang"
JPEG = b"\xff\xd8\xff\xe0" + b"0" * 100


def _login(code: str, username: str, role: Role | None = None):
    if role is not None:
        make_user(code, username, groups=(role_group_name(role),))
    client = client_for(code)
    assert client.post("/admin/login/", {"username": username, "password": PASSWORD}).status_code == 302
    return client


def _log(code: str = "huangpu") -> list[tuple]:
    with schema_context(code):
        return list(AccessLog.objects.order_by("pk").values_list("username", "action", "model", "record_ids", "fields"))


def _document_url(cadre_id: int, document_id: int) -> str:
    return f"/admin/registry/cadres/{cadre_id}/documents/{document_id}/"


@pytest.fixture
def archive(huangpu_people):  # noqa: F811 - the imported fixture
    """An archive paper of Wang (the liaison's cadre) uploaded now, one of Zhao (another rest home's) stored in
    MEDIA the way uploads were before."""
    with schema_context("huangpu"):
        new = ArchiveDocument.objects.create(
            cadre=huangpu_people["wang"], title="入伍登记表", file=SimpleUploadedFile("enlist.pdf", PDF)
        )
        legacy_file = Path(settings.MEDIA_ROOT) / "huangpu" / "archive" / "legacy-zhao.pdf"
        legacy_file.parent.mkdir(parents=True, exist_ok=True)
        legacy_file.write_bytes(b"%PDF-1.4 legacy")
        legacy = ArchiveDocument.objects.create(
            cadre=huangpu_people["zhao"], title="旧档案", file="archive/legacy-zhao.pdf"
        )
    yield {"new": new, "legacy": legacy, **huangpu_people}
    legacy_file.unlink(missing_ok=True)
    with schema_context("huangpu"):
        new.file.delete(save=False)


def test_a_new_archive_paper_is_private_and_served_only_to_who_may_see_the_cadre_logged(archive):
    wang, zhao, new, legacy = archive["wang"], archive["zhao"], archive["new"], archive["legacy"]
    stored = Path(settings.JUNXIU_PRIVATE_FILES) / "huangpu" / new.file.name
    assert new.file.name.startswith("archive/enlist") and stored.read_bytes() == PDF
    assert not (Path(settings.MEDIA_ROOT) / "huangpu" / new.file.name).exists()

    admin = _login("huangpu", "up-admin", Role.CENTRE_ADMIN)
    page = admin.get(f"/admin/registry/cadres/{wang.pk}/archive/").content.decode()
    assert f'href="{_document_url(wang.pk, new.pk)}"' in page and "/media/" not in page
    response = admin.get(_document_url(wang.pk, new.pk))
    assert response.status_code == 200 and b"".join(response.streaming_content) == PDF
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == (
        f"attachment; filename=\"archive-{new.pk}.pdf\"; filename*=UTF-8''{quote('入伍登记表.pdf')}"
    )
    # A paper stored in MEDIA before the move is still served, by the same checked view.
    old = admin.get(_document_url(zhao.pk, legacy.pk))
    assert old.status_code == 200 and b"".join(old.streaming_content) == b"%PDF-1.4 legacy"
    assert _log() == [
        ("up-admin", "view", "ArchiveDocument", [new.pk], ["file"]),
        ("up-admin", "view", "ArchiveDocument", [legacy.pk], ["file"]),
    ]

    liaison = _login("huangpu", "liaison")
    assert liaison.get(_document_url(wang.pk, new.pk)).status_code == 200  # their own cadre
    assert liaison.get(_document_url(zhao.pk, legacy.pk)).status_code == 404  # another rest home's cadre
    assert liaison.get(_document_url(wang.pk, legacy.pk)).status_code == 404  # Zhao's paper under Wang's number
    anonymous = client_for("huangpu").get(_document_url(wang.pk, new.pk))
    assert anonymous.status_code == 302 and anonymous["Location"].startswith("/admin/login/")
    putuo = _login("putuo", "up-admin", Role.CENTRE_ADMIN)
    assert putuo.get(_document_url(wang.pk, new.pk)).status_code == 404
    assert len(_log()) == 3 and len(_log("putuo")) == 0  # only the liaison's rightful download was added


def test_a_form_attachment_is_private_and_served_only_to_who_may_view_the_submission_logged(
    huangpu_people,  # noqa: F811 - the imported fixture
):
    with schema_context("huangpu"):
        form = form_create(title="附件", key="attachments")
        form_field_add(form=form, name="photo", field_type="file", label="照片", options={"max_mb": 1})
        form_publish(form=form)
        data, _stored = data_from_post(
            version=form.current_version,
            post=QueryDict(),
            files={"photo": SimpleUploadedFile("家 照片.jpg", JPEG, "image/jpeg")},
        )
        submission = submission_create(form=form, data=data)
        other = submission_create(form=form, data={})
    record = data["photo"]
    stored = Path(settings.JUNXIU_PRIVATE_FILES) / "huangpu" / record["path"]
    assert stored.read_bytes() == JPEG
    assert not (Path(settings.MEDIA_ROOT) / "huangpu" / record["path"]).exists()
    url = f"/admin/forms-engine/submissions/{submission.pk}/file/?path={quote(record['path'], safe='')}"

    try:
        admin = _login("huangpu", "up-admin", Role.CENTRE_ADMIN)
        detail = admin.get(f"/admin/forms-engine/submissions/{submission.pk}/").content.decode()
        assert f'href="{url}"' in detail
        response = admin.get(url)
        assert response.status_code == 200 and b"".join(response.streaming_content) == JPEG
        assert response["Content-Type"] == "image/jpeg"
        assert response["Content-Disposition"].endswith(f"filename*=UTF-8''{quote('家_照片.jpg')}")
        assert _log() == [("up-admin", "view", "Submission", [submission.pk], ["attachments:photo"])]

        # Refused: a path that is not one of this submission's answers (another submission's, a traversal,
        # nothing), anonymous, another centre, a role that may not view the form's submissions.
        for refused in [
            f"/admin/forms-engine/submissions/{other.pk}/file/?path={quote(record['path'], safe='')}",
            f"/admin/forms-engine/submissions/{submission.pk}/file/?path=forms/../../../etc/passwd",
            f"/admin/forms-engine/submissions/{submission.pk}/file/?path=archive/enlist.pdf",
            f"/admin/forms-engine/submissions/{submission.pk}/file/",
        ]:
            assert admin.get(refused).status_code == 404, refused
        anonymous = client_for("huangpu").get(url)
        assert anonymous.status_code == 302 and anonymous["Location"].startswith("/admin/login/")
        assert _login("putuo", "up-admin", Role.CENTRE_ADMIN).get(url).status_code == 404
        assert _login("huangpu", "up-editor", Role.EDITOR).get(url).status_code == 404
        assert len(_log()) == 1
    finally:
        stored.unlink(missing_ok=True)


@pytest.mark.usefixtures("debug_media_route")
def test_no_media_url_reaches_an_archive_paper_or_an_attachment_even_in_debug(archive):
    admin = _login("huangpu", "up-admin", Role.CENTRE_ADMIN)
    for name in (archive["new"].file.name, archive["legacy"].file.name):
        assert admin.get(f"/media/huangpu/{name}").status_code == 404, name
        assert client_for("huangpu").get(f"/media/huangpu/{name}").status_code == 404, name
