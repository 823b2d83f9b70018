"""Nothing raw left behind by the web: the staging area after a failed import, a discard, a
killed server or worker and an interrupted upload; owner-only permissions; a listed upload
always opens; only an owner keeps an original (issues 15 and 16)."""

from __future__ import annotations

import fcntl
import html as html_lib
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import pytest
from django.apps import apps
from django.conf import settings
from django.contrib.auth.models import User
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from segprofile import pipeline
from segprofile.pipeline import staging
from segprofile.web.studies.models import Membership, Study
from segprofile.web.studies.services import staging_area, staging_root, workspace_for
from segprofile.web.studies.storage import StagingUploadHandler
from upload_gate import confirm_import, default_decisions, follow_import, token_of

_PATRONYMICS = ("Петрович", "Сергеевич", "Андреевич", "Олегович", "Ильич")
CSV = "ФИО;Канал;Возраст\n" + "".join(
    f"Иванов Иван {_PATRONYMICS[i % 5]};{'ЕПГУ' if i % 3 else 'МФЦ'};{20 + i % 50}\n"
    for i in range(60)
)


def _text(response: Any) -> str:
    return html_lib.unescape(response.content.decode()).replace("\xa0", " ")


def _upload(
    client: Client, study: Study, content: bytes = CSV.encode(), name: str = "a.csv"
) -> Any:
    return client.post(
        reverse("studies:data_upload", kwargs={"pk": study.pk}),
        {"source": "records", "file": SimpleUploadedFile(name, content)},
    )


def _files(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*") if p.is_file()) if root.exists() else []


def _staged(study: Study) -> list[Path]:
    return _files(staging_root() / "uploads" / staging_area(study))


def _inspect_url(study: Study, token: str) -> str:
    return reverse("studies:data_inspect", kwargs={"pk": study.pk, "token": token})


def _versions(study: Study) -> list[int]:
    document = study.current_revision().to_document()
    return [
        m.version
        for m in pipeline.list_dataset_versions(workspace_for(study), document.id, "records")
    ]


# --- owner-only, apart from the data home --------------------------------------------------------


@pytest.mark.django_db
def test_staged_files_are_owner_only_and_outside_the_data_home(
    client_in: Client, stored_study: Study, home: Path
) -> None:
    token = token_of(_upload(client_in, stored_study))
    root = staging_root()
    assert not root.resolve().is_relative_to(home.resolve())
    upload = staging.get(root, staging_area(stored_study), token)
    directories = [root, root / "uploads", upload.directory.parent, upload.directory]
    assert [oct(d.stat().st_mode & 0o777) for d in directories] == ["0o700"] * 4
    assert {oct(p.stat().st_mode & 0o777) for p in _staged(stored_study)} == {"0o600"}
    assert upload.path.read_bytes() == CSV.encode()
    assert not (home / "studies" / str(stored_study.pk) / "uploads").exists()


def test_a_staging_root_inside_the_data_home_is_refused(tmp_path: Path) -> None:
    env = {
        **os.environ,
        "SEGPROFILE_HOME": str(tmp_path / "home"),
        "SEGPROFILE_STAGING": str(tmp_path / "home" / "staging"),
    }
    result = subprocess.run(
        [sys.executable, "-c", "import segprofile.web.settings"],
        env=env,
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    assert result.returncode != 0
    assert "ImproperlyConfigured: Папка временных загрузок SEGPROFILE_STAGING" in result.stderr


def test_django_writes_large_uploads_to_the_staging_area_locked_and_owner_only(
    tmp_path: Path, settings: Any
) -> None:
    settings.FILE_UPLOAD_TEMP_DIR = str(tmp_path / "staging" / "incoming")
    settings.SEGPROFILE_STAGING = tmp_path / "staging"
    handler = StagingUploadHandler()
    handler.new_file("file", "выгрузка.csv", "text/csv", None)
    handler.receive_data_chunk(b"raw bytes", 0)
    path = Path(handler.file.temporary_file_path())
    assert path.parent == tmp_path / "staging" / "incoming"
    assert path.stat().st_mode & 0o777 == 0o600
    # Held by its request: cleaning in any process leaves it alone.
    with path.open("rb") as other, pytest.raises(BlockingIOError):
        fcntl.flock(other.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
    assert staging.clean(tmp_path / "staging", hours=24).incoming == 0
    handler.upload_interrupted()  # the client went away: Django's own clean-up
    assert not path.exists()


# --- deleted when the import ends --------------------------------------------------------------


@pytest.mark.django_db
def test_staging_is_cleaned_after_an_import_that_fails_half_way(
    client_in: Client, stored_study: Study
) -> None:
    """The file reads fine; the import fails while it is written (a column cannot be cast)."""
    token = token_of(_upload(client_in, stored_study))
    data = default_decisions(stored_study, token, confirm_pii="on", action="import", type_1="date")
    response = follow_import(client_in, client_in.post(_inspect_url(stored_study, token), data))
    assert response.status_code == 200  # the import's page: its job failed
    page = _text(response)
    assert "Ничего не загружено" in page
    assert "Загруженный файл удалён: после исправления загрузите его снова." in page
    assert "Иванов" not in page
    assert _staged(stored_study) == []
    assert _versions(stored_study) == []
    assert client_in.get(_inspect_url(stored_study, token)).status_code == 404


@pytest.mark.django_db
def test_staging_is_cleaned_after_an_unexpected_failure(
    client_in: Client, stored_study: Study, monkeypatch: pytest.MonkeyPatch
) -> None:
    token = token_of(_upload(client_in, stored_study))

    def engine_dies(*args: Any, **kwargs: Any) -> Any:
        raise MemoryError  # not the file's: the job fails (logged), the raw file still goes

    monkeypatch.setattr(pipeline, "run_isolated", engine_dies)
    data = default_decisions(stored_study, token, confirm_pii="on", action="import")
    response = follow_import(client_in, client_in.post(_inspect_url(stored_study, token), data))
    assert "Внутренняя ошибка при загрузке файла" in _text(response)
    assert _staged(stored_study) == []


@pytest.mark.django_db
def test_staging_is_cleaned_after_a_discard(client_in: Client, stored_study: Study) -> None:
    token = token_of(_upload(client_in, stored_study))
    assert _staged(stored_study)
    url = reverse("studies:data_discard", kwargs={"pk": stored_study.pk, "token": token})
    assert client_in.post(url).status_code == 302
    assert _staged(stored_study) == []
    assert client_in.post(url).status_code == 404


@pytest.mark.django_db
def test_a_second_import_of_the_same_upload_is_refused_while_the_first_runs(
    client_in: Client, stored_study: Study
) -> None:
    response = _upload(client_in, stored_study)
    upload = staging.get(staging_root(), staging_area(stored_study), token_of(response))
    discard = reverse("studies:data_discard", kwargs={"pk": stored_study.pk, "token": upload.token})
    with staging.hold(upload):  # another request is importing it
        refused = confirm_import(client_in, stored_study, response)
        assert client_in.post(discard).status_code == 302
        assert upload.path.exists()  # not pulled away from under that import
    assert refused.status_code == 302
    message = _text(client_in.get(refused["Location"]))
    assert "сейчас обрабатывается" in message
    assert _versions(stored_study) == []
    assert confirm_import(client_in, stored_study, response).status_code == 302
    assert _versions(stored_study) == [1]


# --- what a killed server or worker left -------------------------------------------------------


def _leftovers(study: Study) -> dict[str, Path]:
    """What a server killed at the wrong moment leaves in the staging area."""
    root, area = staging_root(), staging_area(study)
    importing = staging.get(root, area, _stage(root, area))
    importing.meta["state"] = staging.IMPORTING  # killed during its import
    staging.save(importing)
    half = staging.prepare(root) / "uploads" / area / ("f" * 32)
    half.mkdir(mode=0o700)
    (half / "выгрузка.csv").write_bytes(CSV.encode())  # killed before its metadata
    arriving = Path(settings.FILE_UPLOAD_TEMP_DIR) / "tmpab12cd.upload.csv"
    arriving.write_bytes(CSV.encode()[:100])  # killed while the body was arriving
    old = time.time() - 120
    for path in (half, *half.iterdir()):
        os.utime(path, (old, old))
    return {"importing": importing.directory, "half": half, "arriving": arriving}


def _stage(root: Path, area: str) -> str:
    with staging.create(root, area, name="b.csv", meta={"kind": "data"}) as upload:
        staging.write(upload, [CSV.encode()])
        staging.save(upload)
    return upload.token


@pytest.mark.django_db
def test_the_next_start_removes_what_a_killed_server_left(
    client_in: Client, stored_study: Study
) -> None:
    waiting = token_of(_upload(client_in, stored_study))  # a whole upload, waiting: it stays
    left = _leftovers(stored_study)
    assert all(path.exists() for path in left.values())
    apps.get_app_config("studies").ready()  # what every server and worker process runs
    assert not any(path.exists() for path in left.values())
    assert [p.parent.name for p in _staged(stored_study) if p.name == "a.csv"] == [waiting]
    assert _files(Path(settings.FILE_UPLOAD_TEMP_DIR)) == []


@pytest.mark.django_db
def test_expired_uploads_are_removed_by_the_command_and_on_the_next_upload(
    client_in: Client, stored_study: Study
) -> None:
    first = token_of(_upload(client_in, stored_study))
    upload = staging.get(staging_root(), staging_area(stored_study), first)
    upload.meta["created"] -= (settings.SEGPROFILE_STAGING_HOURS + 1) * 3600
    staging.save(upload)
    page = _text(client_in.get(reverse("studies:data", kwargs={"pk": stored_study.pk})))
    assert first not in page  # expired: never offered again
    assert not upload.directory.exists()  # and gone with the page's own cleaning
    second = token_of(_upload(client_in, stored_study))
    upload = staging.get(staging_root(), staging_area(stored_study), second)
    upload.meta["created"] -= (settings.SEGPROFILE_STAGING_HOURS + 1) * 3600
    staging.save(upload)
    out = __import__("io").StringIO()
    call_command("clean_staging", stdout=out)
    assert "устаревших 1" in out.getvalue()
    assert _staged(stored_study) == []


# --- an interrupted upload leaves no file anywhere --------------------------------------------


@pytest.mark.django_db
def test_an_interrupted_upload_leaves_nothing_in_any_temp_folder(
    client_in: Client, stored_study: Study, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    system_temp = tmp_path / "system-temp"
    system_temp.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(system_temp))
    client_in.raise_request_exception = False
    written: list[Path] = []
    new_file = StagingUploadHandler.new_file

    def watched(handler: StagingUploadHandler, *args: Any, **kwargs: Any) -> None:
        new_file(handler, *args, **kwargs)
        written.append(Path(handler.file.temporary_file_path()))

    monkeypatch.setattr(StagingUploadHandler, "new_file", watched)
    boundary = "----segprofile-boundary"
    size = 2 * (settings.FILE_UPLOAD_MAX_MEMORY_SIZE + 500_000)  # half of it goes to disk
    rows = (CSV * (size // len(CSV) + 1)).encode()[:size]
    head = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="source"\r\n\r\nrecords\r\n'
        f"--{boundary}\r\nContent-Disposition: form-data; "
        'name="file"; filename="выгрузка.csv"\r\nContent-Type: text/csv\r\n\r\n'
    ).encode()
    body = head + rows[: len(rows) // 2]  # the connection broke half way through the file
    response = client_in.generic(
        "POST",
        reverse("studies:data_upload", kwargs={"pk": stored_study.pk}),
        body,
        content_type=f"multipart/form-data; boundary={boundary}",
    )
    assert response.status_code < 500
    assert [p.parent for p in written] == [Path(settings.FILE_UPLOAD_TEMP_DIR)]  # was on disk
    assert not written[0].exists()
    assert _files(system_temp) == []
    assert _files(staging_root()) == []
    assert _versions(stored_study) == []


# --- a listed upload always opens -----------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize(
    "damage",
    ["not json", "without summary", "no file", "empty"],
)
def test_a_damaged_upload_never_gives_a_500(
    client_in: Client, stored_study: Study, damage: str
) -> None:
    client_in.raise_request_exception = False
    token = token_of(_upload(client_in, stored_study))
    upload = staging.get(staging_root(), staging_area(stored_study), token)
    meta = upload.directory / staging.META
    if damage == "not json":
        meta.write_text('{"token": "', encoding="utf-8")
    elif damage == "without summary":  # what an earlier release left after a crash
        data = json.loads(meta.read_text(encoding="utf-8"))
        del data["summary"]
        meta.write_text(json.dumps(data), encoding="utf-8")
    elif damage == "no file":
        upload.path.unlink()
    else:
        meta.write_text("", encoding="utf-8")
    data_page = client_in.get(reverse("studies:data", kwargs={"pk": stored_study.pk}))
    assert data_page.status_code == 200
    text = _text(data_page)
    assert "повреждён: загрузка прервалась" in text
    for method in ("get", "post"):
        response = getattr(client_in, method)(_inspect_url(stored_study, token))
        assert response.status_code == 302
        assert "не открывается" in _text(client_in.get(response["Location"]))
    url = reverse("studies:data_discard", kwargs={"pk": stored_study.pk, "token": token})
    assert client_in.post(url).status_code == 302
    assert _staged(stored_study) == []


# --- keeping an original --------------------------------------------------------------------


@pytest.mark.django_db
def test_only_an_owner_can_keep_an_original(client_in: Client, stored_study: Study) -> None:
    editor = User.objects.create_user("gleb", password="x")
    Membership.objects.create(study=stored_study, user=editor, role="editor")
    client = Client()
    client.force_login(editor)
    response = _upload(client, stored_study)
    token = token_of(response)
    assert "keep_original" not in _text(client.get(_inspect_url(stored_study, token)))
    assert 'name="keep_original"' in _text(client_in.get(_inspect_url(stored_study, token)))
    # The editor asks anyway: the import goes on, the original does not stay.
    assert confirm_import(client, stored_study, response, keep_original="on").status_code == 302
    assert _versions(stored_study) == [1]
    assert staging.originals(staging_root(), staging_area(stored_study)) == []
    assert _staged(stored_study) == []
    events = [r.event for r in pipeline.read_audit(workspace_for(stored_study))]
    assert "keep_original" not in events
    # Nor can an editor delete an original an owner kept.
    owner_upload = _upload(client_in, stored_study)
    assert confirm_import(client_in, stored_study, owner_upload, keep_original="on").status_code
    [kept] = staging.originals(staging_root(), staging_area(stored_study))
    url = reverse(
        "studies:data_original_delete", kwargs={"pk": stored_study.pk, "token": kept.token}
    )
    assert client.post(url).status_code == 403
    assert kept.path.exists()
    editor_page = _text(client.get(reverse("studies:data", kwargs={"pk": stored_study.pk})))
    assert kept.token not in editor_page


@pytest.mark.django_db
def test_an_upload_caught_mid_import_is_never_offered_again(
    client_in: Client, stored_study: Study
) -> None:
    token = token_of(_upload(client_in, stored_study))
    upload = staging.get(staging_root(), staging_area(stored_study), token)
    upload.meta["state"] = staging.IMPORTING  # the server died during its import
    staging.save(upload)
    opened = client_in.get(_inspect_url(stored_study, token))
    assert opened.status_code == 302
    page = _text(client_in.get(opened["Location"]))
    assert "уже загружается (или его загрузка прервалась)" in page
    assert token not in page  # not listed, and the page's cleaning removed it
    assert _staged(stored_study) == []
