"""Every uploaded file is parsed outside the server process, in a child with memory and time
limits (issue 16 part 1): the hostile corpus through every web upload path.

The server process's own parsers are replaced by a trap for these tests: a parse in the server
process (or in the import job, which the tests' immediate backend runs in it too) fails the test
at once. The server process runs under a memory cap all the same. Each hostile file gets a
Russian message and a 4xx status; nothing is stored; the staging area is empty afterwards.
"""

from __future__ import annotations

import html
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

import hostile
from segprofile import pipeline
from segprofile.pipeline import staging
from segprofile.web.api.models import ApiToken
from segprofile.web.studies.models import DataImport, Study
from segprofile.web.studies.services import staging_root, study_home, workspace_for
from upload_gate import confirm_import, token_of

CORPUS = hostile.corpus()
DATA_NAMES = sorted(n for n in CORPUS if n.endswith((".csv", ".xlsx")))
YAML_NAMES = sorted(n for n in CORPUS if n.endswith(".yaml"))


def _parsed_here(*args: Any, **kwargs: Any) -> Any:
    raise AssertionError("an uploaded file was parsed in the server process")


@pytest.fixture(autouse=True)
def no_parsing_in_this_process(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every parser of uploaded files, as this process would call it, is a trap; the parse
    children come from a fork server started without these patches."""
    from segprofile.analysis import texts
    from segprofile.data import datasets, readers
    from segprofile.model import spec_yaml

    monkeypatch.setattr(readers, "open_raw", _parsed_here)
    monkeypatch.setattr(datasets, "open_raw", _parsed_here)
    monkeypatch.setattr(texts, "read_text", _parsed_here)
    monkeypatch.setattr(spec_yaml, "load_study_text", _parsed_here)
    monkeypatch.setattr(pipeline.journeys, "journeys_from_csv", _parsed_here)
    monkeypatch.setattr(pipeline.journeys, "journeys_from_bpmn", _parsed_here)


EXAMPLE = pipeline.example_study("child-benefit")  # read before the parsers are trapped


@pytest.fixture
def example(user: User) -> Study:
    """The child-benefit example's document (hypotheses, journeys), stored without data."""
    return Study.create_from_document(EXAMPLE, owner=user, comment="тест")


def _text(response: Any) -> str:
    return html.unescape(response.content.decode()).replace("\xa0", " ")


def _staging_left() -> list[str]:
    """Files and folders left in the staging area: uploads, reads' work folders, arrivals."""
    root = staging_root()
    return sorted(
        str(p.relative_to(root))
        for kind in (staging.UPLOADS, staging.WORK, staging.INCOMING)
        for p in (root / kind).rglob("*")
        if (root / kind).is_dir() and (p.is_file() or kind == staging.WORK)
    )


def _refused(response: Any, name: str) -> str:
    """A clear refusal: 4xx, Russian, no traceback, no client value; returns the page."""
    page = _text(response)
    assert 400 <= response.status_code < 500, (name, response.status_code, page[:2000])
    assert "Traceback" not in page, name
    for secret in CORPUS[name].secrets:
        assert secret not in page, (name, secret)
    return page


# --- data files: the data page and the survey page ---------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["data", "survey"])
def test_hostile_data_files_fail_their_own_request_and_leave_nothing(
    client_in: Client, stored_study: Study, path: str
) -> None:
    if path == "data":
        url = reverse("studies:data_upload", kwargs={"pk": stored_study.pk})
        fields = {"source": "records"}
    else:
        url = reverse("studies:survey", kwargs={"pk": stored_study.pk})
        fields = {"source": "__new__"}
    revisions = stored_study.revisions.count()
    with hostile.memory_cap(2048):
        for name in DATA_NAMES:
            upload = SimpleUploadedFile(name, CORPUS[name].data)
            response = client_in.post(url, {**fields, "file": upload})
            if name == "headerless.csv":  # read without a header, with generated names
                token = token_of(response)
                page = _text(client_in.get(response["Location"]))
                assert "столбец_1" in page
                assert not any(s in page for s in hostile.CLIENT)
                discard = reverse(
                    "studies:data_discard", kwargs={"pk": stored_study.pk, "token": token}
                )
                assert client_in.post(discard).status_code == 302
                continue
            page = _refused(response, name)
            assert "Ничего не загружено:" in page, name
            message = page.split("Ничего не загружено:", 1)[1].split("Что сделать")[0]
            assert name in message, name  # the message names the file
    assert _staging_left() == []
    assert stored_study.revisions.count() == revisions
    assert not (study_home(stored_study) / "datasets").exists() or not any(
        (study_home(stored_study) / "datasets").rglob("*.parquet")
    )


@pytest.mark.django_db
def test_a_good_file_is_inspected_rechecked_and_imported_outside_the_server(
    client_in: Client, stored_study: Study
) -> None:
    """The whole data flow — inspect, another sheet, re-check, import — with the server's own
    parsers trapped: every read of the file happened in a parse child."""
    from openpyxl import Workbook

    book = Workbook()
    book.active.title = "Сводка"
    for row in (["Канал", "Заявлений"], ["ЕПГУ", 40], ["МФЦ", 20]):
        book.active.append(row)
    sheet = book.create_sheet("Данные")
    sheet.append(["Канал", "Возраст", "Оценка"])
    for i in range(60):
        sheet.append(["ЕПГУ" if i % 3 else "МФЦ", 18 + i, 1 + i % 5])
    path = Path(staging_root().parent / "книга.xlsx")
    book.save(path)
    url = reverse("studies:data_upload", kwargs={"pk": stored_study.pk})
    with hostile.memory_cap(2048):
        staged = client_in.post(
            url, {"source": "records", "file": SimpleUploadedFile(path.name, path.read_bytes())}
        )
        token = token_of(staged)
        inspect = reverse("studies:data_inspect", kwargs={"pk": stored_study.pk, "token": token})
        sheet_change = {"action": "sheet", "sheet_choice": "Данные"}
        assert client_in.post(inspect, sheet_change).status_code == 302
        imported = confirm_import(client_in, stored_study, staged)
    assert imported.status_code == 302, _text(imported)[:2000]
    job = DataImport.objects.get()
    assert (job.status, job.version, job.rows) == ("done", 1, 60)
    document = stored_study.current_revision().to_document()
    [version] = pipeline.list_dataset_versions(workspace_for(stored_study), document.id, "records")
    assert version.details["sheet"] == "Данные"
    assert _staging_left() == []


@pytest.mark.django_db
def test_a_parse_over_the_memory_limit_is_a_russian_message_and_the_server_lives_on(
    client_in: Client, stored_study: Study, configure: Callable[..., Any]
) -> None:
    content = ("Канал;Возраст\n" + "".join(f"ЕПГУ;{20 + i % 40}\n" for i in range(200))).encode()
    url = reverse("studies:data_upload", kwargs={"pk": stored_study.pk})

    def upload() -> Any:
        return client_in.post(
            url, {"source": "records", "file": SimpleUploadedFile("заявления.csv", content)}
        )

    staged = upload()
    token_of(staged)
    # 64 MB for a parse child: the program alone takes more, so a normal file cannot be read.
    configure(parse_memory_mb=64)
    refused = upload()  # the inspection, in the request
    assert refused.status_code == 400
    page = _text(refused)
    assert "Файл заявления.csv не удалось разобрать в пределах 64 МБ памяти и 600 с" in page
    assert "не хватило памяти" in page
    assert "SEGPROFILE_PARSE_MEMORY_MB" in page
    # The import, in the job: it fails, not the worker. (Python may hang starting a thread
    # without memory; the clock then ends it: a short one here.)
    configure(parse_seconds=15)
    response = confirm_import(client_in, stored_study, staged)
    assert response.status_code == 200  # the import's page, telling why it failed
    assert "Файл заявления.csv не удалось разобрать в пределах 64 МБ памяти и 15 с" in _text(
        response
    )
    assert DataImport.objects.get().status == "failed"
    assert _staging_left() == []
    # The same server and worker go on as usual once the limits allow it.
    configure(parse_memory_mb=6144, parse_seconds=600)
    assert confirm_import(client_in, stored_study, upload()).status_code == 302
    assert DataImport.objects.filter(status="done").count() == 1
    assert _staging_left() == []


# --- interview notes, journeys, study documents ------------------------------------------------


@pytest.mark.django_db
def test_hostile_interview_notes_are_refused(client_in: Client, example: Study) -> None:
    url = reverse("studies:interviews", kwargs={"pk": example.pk})
    revisions = example.revisions.count()
    with hostile.memory_cap(2048):
        for name in sorted(CORPUS):
            response = client_in.post(url, {"files": SimpleUploadedFile(name, CORPUS[name].data)})
            assert name in _refused(response, name), name  # the message names the file
    assert example.revisions.count() == revisions
    assert _staging_left() == []


@pytest.mark.django_db
@pytest.mark.parametrize("fmt", ["csv", "bpmn"])
def test_hostile_journey_files_are_refused(client_in: Client, example: Study, fmt: str) -> None:
    url = reverse("studies:journeys_import", kwargs={"pk": example.pk})
    revisions = example.revisions.count()
    with hostile.memory_cap(2048):
        for name in sorted(CORPUS):
            upload = SimpleUploadedFile(name, CORPUS[name].data)
            _refused(client_in.post(url, {"format": fmt, "file": upload}), name)
    assert example.revisions.count() == revisions
    assert _staging_left() == []


@pytest.mark.django_db
@pytest.mark.parametrize("name", YAML_NAMES)
def test_hostile_study_documents_are_refused_on_every_path(
    client_in: Client, example: Study, user: User, name: str
) -> None:
    data = CORPUS[name].data
    token = ApiToken.issue(user, "t")[1]
    with hostile.memory_cap(2048):
        for url in (
            reverse("studies:create_upload"),
            reverse("studies:upload_revision", kwargs={"pk": example.pk}),
        ):
            response = client_in.post(url, {"document": SimpleUploadedFile(name, data)})
            assert "Документ исследования" in _refused(response, name) or "YAML" in _text(response)
        response = Client().post(
            f"/api/studies/{example.pk}/revisions",
            {"yaml": data.decode(), "base_revision": 1},
            "application/json",
            HTTP_AUTHORIZATION=f"Bearer {token}",
        )
    assert response.status_code == 422
    assert json.loads(response.content)["detail"]
    assert Study.objects.count() == 1
    assert example.revisions.count() == 1
