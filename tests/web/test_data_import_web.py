"""The data import pages (issue #3): upload → inspect → confirm → import as a dataset version.

Every bad file gets a Russian message naming it (and the row or column); nothing half-written
stays behind; previews and messages never show a client identifier. The uploaded file waits in
the private staging area, never in the data home, and is deleted when its import ends.
"""

from __future__ import annotations

import html as html_lib
import io
import random
import re
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from segprofile import pipeline
from segprofile.data import datasets, staging
from segprofile.model.labels import ru
from segprofile.web.studies.models import Study
from segprofile.web.studies.services import staging_area, staging_root, study_home, workspace_for
from sp_factories import make_snils
from upload_gate import follow_import

FIO = ["Иванов Иван Иванович", "Петрова Анна Сергеевна", "Сидоров Пётр Андреевич"]


def clients_csv(n: int = 40, *, seed: int = 5, encoding: str = "cp1251") -> tuple[bytes, dict]:
    """A ``;`` CSV like a body's export: ФИО, СНИЛС, channel, age, rating; and its raw values."""
    rng = random.Random(seed)
    rows, values = [], {"fio": [], "snils": []}
    for i in range(n):
        fio, number = f"{FIO[i % 3]}", make_snils(rng)
        values["fio"].append(fio)
        values["snils"].append(number)
        rating = str(rng.randint(1, 5)) if i % 4 else ""
        rows.append(f"{fio};{number};{rng.choice(['ЕПГУ', 'МФЦ'])};{rng.randint(18, 70)};{rating}")
    text = "ФИО;СНИЛС;Канал;Возраст;Оценка\n" + "\n".join(rows) + "\n"
    return text.encode(encoding), values


def page_text(response: Any) -> str:
    return html_lib.unescape(response.content.decode()).replace("\xa0", " ")


def upload(
    client: Client, study: Study, name: str, content: bytes, source: str = "records", **extra: Any
) -> Any:
    data = {"source": source, "file": SimpleUploadedFile(name, content), **extra}
    return client.post(reverse("studies:data_upload", kwargs={"pk": study.pk}), data)


def token_of(response: Any) -> str:
    assert response.status_code == 302, page_text(response)[:3000]
    return str(response["Location"].rstrip("/").rsplit("/", 1)[-1])


def meta(study: Study, token: str) -> dict[str, Any]:
    return staging.get(staging_root(), staging_area(study), token).meta


def staged_files(study: Study) -> list[Path]:
    """Every file of the study's uploads in the staging area (kept originals included)."""
    root = staging_root()
    return [
        p
        for kind in (staging.UPLOADS, staging.ORIGINALS)
        for p in (root / kind / staging_area(study)).rglob("*")
        if p.is_file()
    ]


def decisions(study: Study, token: str, **changes: str) -> dict[str, str]:
    """The inspect form as shown (every default accepted), with ``changes`` by field name."""
    summary = meta(study, token)["summary"]
    pii = {f["column"]: f for f in summary["pii"]}
    data = {}
    for i, col in enumerate(summary["columns"]):
        data[f"type_{i}"] = col["type"]
        data[f"use_{i}"] = col["use"]
        if col["name"] in pii:
            data[f"pii_{i}"] = pii[col["name"]]["action"]
            data[f"reason_{i}"] = ""
    data.update(changes)
    return data


def column_index(study: Study, token: str, name: str) -> int:
    names = [c["name"] for c in meta(study, token)["summary"]["columns"]]
    return names.index(name)


def inspect_url(study: Study, token: str) -> str:
    return reverse("studies:data_inspect", kwargs={"pk": study.pk, "token": token})


def do_import(client: Client, study: Study, token: str, **changes: str) -> Any:
    """Confirm the import; the answer of the import's page once the job ran (the tests'
    immediate backend runs it at once)."""
    data = decisions(study, token, confirm_pii="on", action="import", **changes)
    return follow_import(client, client.post(inspect_url(study, token), data))


def versions(study: Study, source: str = "records") -> list[pipeline.Manifest]:
    document = study.current_revision().to_document()
    return pipeline.list_dataset_versions(workspace_for(study), document.id, source)


def audit(study: Study) -> list[Any]:
    return pipeline.read_audit(workspace_for(study))


# --- the happy path ------------------------------------------------------------------------------


@pytest.mark.django_db
def test_upload_inspect_and_import_a_cp1251_csv(client_in: Client, stored_study: Study) -> None:
    content, values = clients_csv()
    token = token_of(upload(client_in, stored_study, "выгрузка.csv", content))

    page = page_text(client_in.get(inspect_url(stored_study, token)))
    assert "Проверьте файл выгрузка.csv" in page
    assert "Windows-1251" in page
    assert "точка с запятой" in page
    # The preview: categories shown, identifiers masked — no raw ФИО or СНИЛС anywhere.
    assert "ЕПГУ" in page
    assert "•••" in page
    for raw in values["fio"] + values["snils"]:
        assert raw not in page
    assert "СНИЛС" in page
    assert "по содержимому" in page
    assert "заменить псевдонимом" in page  # the default action, to confirm
    assert "пропущено 25" in page  # the quality report: the rating is missing in a quarter

    before = stored_study.revisions.count()
    response = do_import(client_in, stored_study, token)
    assert response.status_code == 302
    assert response["Location"].endswith("#records")
    [version] = versions(stored_study)
    assert (version.version, version.rows, version.author) == (1, 40, "anna")
    # Pseudonymised before it was written: the stored table holds no raw identifier.
    stored = pq.read_table(datasets.version_path(study_home(stored_study), version))
    cells = {str(v) for col in stored.columns for v in col.to_pylist()}
    assert not cells & set(values["fio"] + values["snils"])
    # The decisions are a new revision of the study; the upload is gone; the audit names anna.
    assert stored_study.revisions.count() == before + 1
    source = stored_study.current_revision().to_document().data_source("records")
    assert source.columns["СНИЛС"].pii == "pseudonymise"
    assert source.columns["ФИО"].pii == "drop"  # names join nothing: dropped by default
    assert staged_files(stored_study) == []
    assert not (study_home(stored_study) / "uploads").exists()  # never in the data home
    [record] = audit(stored_study)
    assert (record.user, record.event, record.version) == ("anna", "import", 1)
    assert record.original_deleted is True
    data_page = page_text(client_in.get(reverse("studies:data", kwargs={"pk": stored_study.pk})))
    # The source by its title, as the analyst named it (its id only when it has none).
    title = source.title or source.id
    assert f"Версия 1 источника «{title}» загружена, строк: 40." in data_page
    assert version.sha256[:12] in data_page
    # Who imported it, as every page names a person: her full name, not her user name.
    assert "Анна" in data_page
    assert "anna" not in data_page


@pytest.mark.django_db
def test_identifiers_and_free_text_are_masked_even_without_personal_data(
    client_in: Client, stored_study: Study
) -> None:
    rows = [
        f"{100000 + i};{'city' if i % 2 else 'rural'};"
        f"Комментарий номер {i} о долгом ожидании ответа в приёмной ведомства"
        for i in range(120)
    ]
    content = ("Номер заявления;Поселение;Отзыв\n" + "\n".join(rows) + "\n").encode()
    token = token_of(upload(client_in, stored_study, "ids.csv", content))
    page = page_text(client_in.get(inspect_url(stored_study, token)))
    assert "rural" in page
    assert "100001" not in page
    assert "о долгом ожидании" not in page


@pytest.mark.django_db
def test_a_new_source_is_added_to_the_study(client_in: Client, stored_study: Study) -> None:
    content, _ = clients_csv(12, encoding="utf-8")
    response = upload(
        client_in,
        stored_study,
        "опрос.csv",
        content,
        source="__new__",
        new_source_id="survey",
        new_source_kind="survey",
        new_source_title="Опрос заявителей",
    )
    token = token_of(response)
    # The page names the source by its title, not by the identifier.
    assert "Для нового источника данных «Опрос заявителей»" in page_text(
        client_in.get(inspect_url(stored_study, token))
    )
    assert do_import(client_in, stored_study, token).status_code == 302
    document = stored_study.current_revision().to_document()
    source = document.data_source("survey")
    assert (source.kind.value, source.title) == ("survey", "Опрос заявителей")
    assert [m.version for m in versions(stored_study, "survey")] == [1]


@pytest.mark.django_db
def test_a_new_source_identifier_is_made_from_its_title_or_file_when_left_empty(
    client_in: Client, stored_study: Study
) -> None:
    """An analyst who writes only a title is not sent back to invent a Latin identifier."""
    content, _ = clients_csv(12, encoding="utf-8")
    titled = token_of(
        upload(
            client_in,
            stored_study,
            "выгрузка.csv",
            content,
            source="__new__",
            new_source_kind="survey",
            new_source_title="Обращения граждан",
        )
    )
    assert meta(stored_study, titled)["source_id"] == "obrashcheniia-grazhdan"
    assert "Для нового источника данных «Обращения граждан»" in page_text(
        client_in.get(inspect_url(stored_study, titled))
    )
    untitled = token_of(
        upload(
            client_in,
            stored_study,
            "records.csv",
            content,
            source="__new__",
            new_source_kind="survey",
        )
    )
    # «records» is taken by the study's own source: the next free one.
    assert "Для нового источника данных «records-2»" in page_text(
        client_in.get(inspect_url(stored_study, untitled))
    )


@pytest.mark.django_db
def test_a_new_source_title_naming_a_client_is_masked_before_its_id_is_made(
    client_in: Client, stored_study: Study
) -> None:
    """A title typed for a new source is a typed text about clients like the study's others:
    masked (the user told) before the upload's record and the source's id are made of it, so
    neither the id, the staging area nor the stored revision keeps the name or the phone."""
    from django.contrib.messages import get_messages

    content, _ = clients_csv(12, encoding="utf-8")
    response = upload(
        client_in,
        stored_study,
        "обращения.csv",
        content,
        source="__new__",
        new_source_kind="survey",
        new_source_title="Обращения Иванова Ивана Ивановича, тел. 8 (912) 345-67-89",
    )
    token = token_of(response)
    (said,) = [str(m) for m in get_messages(response.wsgi_request)]
    assert said == (
        "В названии нового источника заменены персональные данные: 1 имя, 1 телефон. "
        "Называйте источник по тому, какие в нём данные, а не по клиенту."
    )
    staged = meta(stored_study, token)["new_source"]
    assert staged["title"] == "Обращения [имя], тел. [телефон]"
    assert "ivanov" not in staged["id"]
    assert do_import(client_in, stored_study, token).status_code == 302
    revision = stored_study.current_revision()
    stored = str(revision.document) + revision.comment
    for raw in ("Иванов", "ivanov", "345-67-89"):
        assert raw not in stored
    assert revision.to_document().data_source(staged["id"]).title == staged["title"]


@pytest.mark.django_db
def test_a_new_source_needs_a_free_identifier(client_in: Client, stored_study: Study) -> None:
    content, _ = clients_csv(5)
    page = page_text(
        upload(
            client_in,
            stored_study,
            "a.csv",
            content,
            source="__new__",
            new_source_id="records",
            new_source_kind="survey",
        )
    )
    assert page.startswith("<")
    assert "уже есть источник «records»" in page
    assert staged_files(stored_study) == []


# --- decisions -----------------------------------------------------------------------------------


@pytest.mark.django_db
def test_personal_data_must_be_confirmed(client_in: Client, stored_study: Study) -> None:
    content, _ = clients_csv()
    token = token_of(upload(client_in, stored_study, "a.csv", content))
    data = decisions(stored_study, token, action="import")
    response = client_in.post(inspect_url(stored_study, token), data)
    assert response.status_code == 400
    assert "Подтвердите, что проверили персональные данные" in page_text(response)
    assert versions(stored_study) == []


@pytest.mark.django_db
def test_keeping_personal_data_needs_a_reason_recorded_in_audit_and_revision(
    client_in: Client, stored_study: Study
) -> None:
    content, values = clients_csv()
    token = token_of(upload(client_in, stored_study, "a.csv", content))
    i = column_index(stored_study, token, "ФИО")
    response = do_import(client_in, stored_study, token, **{f"pii_{i}": "keep"})
    assert response.status_code == 400
    assert "Укажите, почему столбец «ФИО»" in page_text(response)
    assert versions(stored_study) == []

    reason = "нужен для сверки с реестром"
    response = do_import(
        client_in, stored_study, token, **{f"pii_{i}": "keep", f"reason_{i}": reason}
    )
    assert response.status_code == 302
    [version] = versions(stored_study)
    stored = pq.read_table(datasets.version_path(study_home(stored_study), version))
    assert set(stored.column("ФИО").to_pylist()) == set(values["fio"])  # kept, as decided
    [record] = [r for r in audit(stored_study) if r.event == "import"]  # one record says it all
    assert record.user == "anna"
    assert {"column": "ФИО", "kind": "fio", "action": "keep", "reason": reason} in record.columns
    comment = stored_study.current_revision().comment
    assert reason in comment
    [source] = stored_study.current_revision().to_document().data_sources
    assert f"«{source.title or ru(source.kind)}»" in comment  # by its title or kind, never its id


@pytest.mark.django_db
def test_overrides_are_saved_and_reapplied_on_reimport(
    client_in: Client, stored_study: Study
) -> None:
    content, _ = clients_csv()
    token = token_of(upload(client_in, stored_study, "march.csv", content))
    age = column_index(stored_study, token, "Возраст")
    fio = column_index(stored_study, token, "ФИО")
    response = do_import(
        client_in, stored_study, token, **{f"type_{age}": "categorical", f"pii_{fio}": "drop"}
    )
    assert response.status_code == 302
    source = stored_study.current_revision().to_document().data_source("records")
    assert source.columns["Возраст"].type == "categorical"
    assert source.columns["ФИО"].pii == "drop"

    # The next month's file: the saved decisions are what the inspect page starts from.
    token = token_of(upload(client_in, stored_study, "april.csv", clients_csv(seed=9)[0]))
    summary = meta(stored_study, token)["summary"]
    by_name = {c["name"]: c for c in summary["columns"]}
    assert by_name["Возраст"]["type"] == "categorical"
    assert by_name["Возраст"]["overridden"] is True
    assert {f["column"]: f["action"] for f in summary["pii"]}["ФИО"] == "drop"
    page = page_text(client_in.get(inspect_url(stored_study, token)))
    assert "ваш выбор" in page
    assert do_import(client_in, stored_study, token).status_code == 302
    latest = versions(stored_study)[-1]
    assert latest.version == 2
    names = [c["name"] for c in latest.columns]
    assert "ФИО" not in names
    assert next(c for c in latest.columns if c["name"] == "Возраст")["type"] == "categorical"


@pytest.mark.django_db
def test_recheck_applies_the_choices_without_importing(
    client_in: Client, stored_study: Study
) -> None:
    content, _ = clients_csv()
    token = token_of(upload(client_in, stored_study, "a.csv", content))
    channel = column_index(stored_study, token, "Канал")
    data = decisions(
        stored_study,
        token,
        action="recheck",
        extra_pii_column=str(channel),
        extra_pii_action="drop",
    )
    response = client_in.post(inspect_url(stored_study, token), data)
    assert response.status_code == 302
    pii = {f["column"]: f["action"] for f in meta(stored_study, token)["summary"]["pii"]}
    assert pii["Канал"] == "drop"
    assert versions(stored_study) == []


@pytest.mark.django_db
@pytest.mark.parametrize("keep", [False, True])
def test_the_upload_is_deleted_unless_an_owner_keeps_it(
    client_in: Client, stored_study: Study, keep: bool
) -> None:
    content, _ = clients_csv()
    token = token_of(upload(client_in, stored_study, "a.csv", content))
    staged = staging.get(staging_root(), staging_area(stored_study), token).path
    assert staged.read_bytes() == content
    extra = {"keep_original": "on"} if keep else {}
    assert do_import(client_in, stored_study, token, **extra).status_code == 302
    assert not staged.exists()  # never left among the uploads waiting for import
    [version] = versions(stored_study)
    assert version.original_deleted is not keep
    kept = staging.originals(staging_root(), staging_area(stored_study))
    assert len(kept) == int(keep)
    page = page_text(client_in.get(reverse("studies:data", kwargs={"pk": stored_study.pk})))
    assert ("Исходные файлы, сохранённые владельцем" in page) is keep
    events = [r.event for r in audit(stored_study)]
    assert ("keep_original" in events) is keep
    if keep:  # apart from the data, owner-only, audited; it can be deleted later
        original = kept[0]
        assert not original.path.is_relative_to(study_home(stored_study))
        assert original.path.read_bytes() == content
        assert original.path.stat().st_mode & 0o777 == 0o600
        url = reverse(
            "studies:data_original_delete",
            kwargs={"pk": stored_study.pk, "token": original.token},
        )
        assert client_in.post(url).status_code == 302
        assert not original.path.exists()
        assert [r.event for r in audit(stored_study)][-1] == "delete_original"
        from segprofile.web.studies.models import AuditEvent

        details = [e.details for e in AuditEvent.objects.filter(study=stored_study)]
        assert {"what": "original", "source": "records", "version": 1, "file": "a.csv"} in details
    assert staged_files(stored_study) == []


@pytest.mark.django_db
def test_a_failed_import_keeps_the_previous_version_and_writes_nothing(
    client_in: Client, stored_study: Study
) -> None:
    content, _ = clients_csv()
    token = token_of(upload(client_in, stored_study, "a.csv", content))
    assert do_import(client_in, stored_study, token).status_code == 302
    [first] = versions(stored_study)
    revisions = stored_study.revisions.count()

    token = token_of(upload(client_in, stored_study, "b.csv", content))
    channel = column_index(stored_study, token, "Канал")
    response = do_import(client_in, stored_study, token, **{f"type_{channel}": "numeric"})
    assert response.status_code == 200  # the import's page: its job failed
    page = page_text(response)
    assert "Ничего не загружено:" in page
    assert "столбец «Канал» нельзя привести к выбранному типу" in page
    assert "ЕПГУ" not in page.split("read-error")[1].split("</div>")[0]  # no value in the error
    assert [m.version for m in versions(stored_study)] == [1]
    directory = datasets.dataset_dir(study_home(stored_study), "small", "records")
    assert sorted(p.name for p in directory.iterdir() if not p.name.startswith(".lock")) == [
        "v1.json",
        "v1.parquet",
    ]
    assert versions(stored_study)[0].sha256 == first.sha256
    assert stored_study.revisions.count() == revisions
    # The import ended: its raw upload is gone too, and the page says to upload it again.
    assert staged_files(stored_study) == []
    assert "загрузите его снова" in page


# --- bad input -----------------------------------------------------------------------------------


def _workbook(sheets: dict[str, list[list[Any]]]) -> bytes:
    from openpyxl import Workbook

    book = Workbook()
    book.remove(book.active)
    for title, rows in sheets.items():
        sheet = book.create_sheet(title)
        for row in rows:
            sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _encrypted_workbook() -> bytes:
    msoffcrypto = pytest.importorskip("msoffcrypto")
    from msoffcrypto.format.ooxml import OOXMLFile

    plain = io.BytesIO(_workbook({"Лист1": [["a", "b"], [1, 2]]}))
    out = io.BytesIO()
    OOXMLFile(plain).encrypt("пароль123", out)
    assert msoffcrypto is not None
    return out.getvalue()


BAD_FILES = {
    "empty": ("пусто.csv", b"", "Файл пусто.csv пуст (0 байт)"),
    "blank": ("пробелы.csv", b"\n\n  \n", "Файл пробелы.csv пуст"),
    "header only": ("шапка.csv", "ФИО;Канал\n".encode(), "В файле шапка.csv только строка"),
    "ragged": (
        "рваный.csv",
        "a;b;c\n1;2;3\n4;Петров\n5;6;7\n".encode(),
        "Файл рваный.csv, строка 3: полей 2, а в заголовке 3",
    ),
    "binary": ("фото.csv", bytes(range(256)) * 20, "Файл фото.csv — не текстовый CSV"),
    "encoding": (
        "кодировка.csv",
        b"a;b\n" + b"\x85\x86\x87\x88\x89\x8a;\x91\x92\x93\x94\x95\x96\n" * 20,
        "Не удалось определить кодировку файла кодировка.csv",
    ),
    "collision": (
        "имена.csv",
        "Канал;канал ;x\n1;2;3\n".encode(),
        "В файле имена.csv столбцы 1 («Канал») и 2 («канал»)",
    ),
    "format": ("данные.docx", b"PK\x03\x04 word", "Файл данные.docx не является файлом"),
}


@pytest.mark.django_db
@pytest.mark.parametrize("case", list(BAD_FILES))
def test_bad_files_get_a_russian_message_naming_the_file(
    client_in: Client, stored_study: Study, case: str
) -> None:
    name, content, expected = BAD_FILES[case]
    response = upload(client_in, stored_study, name, content)
    assert response.status_code == 400
    page = page_text(response)
    assert expected in page
    assert "Traceback" not in page
    assert "Петров" not in page  # the ragged row's value is never quoted
    assert staged_files(stored_study) == []
    assert versions(stored_study) == []


@pytest.mark.django_db
def test_a_password_protected_workbook(client_in: Client, stored_study: Study) -> None:
    response = upload(client_in, stored_study, "секрет.xlsx", _encrypted_workbook())
    assert response.status_code == 400
    page = page_text(response)
    assert "Книга секрет.xlsx защищена паролем" in page
    assert "Снимите пароль" in page or "снимите пароль" in page


@pytest.mark.django_db
def test_a_file_over_the_size_limit(client_in: Client, stored_study: Study, settings: Any) -> None:
    settings.SEGPROFILE_MAX_UPLOAD_BYTES = 100
    content, _ = clients_csv()
    response = upload(client_in, stored_study, "большой.csv", content)
    assert response.status_code == 400
    page = page_text(response)
    assert "Файл большой.csv слишком большой" in page
    assert "100 байт" in page
    assert staged_files(stored_study) == []


@pytest.mark.django_db
def test_the_encoding_hint_names_the_form_field(client_in: Client, stored_study: Study) -> None:
    name, content, _ = BAD_FILES["encoding"]
    page = page_text(upload(client_in, stored_study, name, content))
    assert "поле «Кодировка»" in page
    assert "--encoding" not in page


# --- workbooks -----------------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_workbook_sheet_is_chosen_and_can_be_changed(
    client_in: Client, stored_study: Study
) -> None:
    content = _workbook(
        {
            "Титул": [["Отчёт о заявлениях"], [], ["Составил отдел"]],
            "Данные": [["Канал", "Возраст"], ["ЕПГУ", 30], ["МФЦ", 41], ["ЕПГУ", 25]],
            "Другое": [["Поселение", "Доход"], ["город", 10], ["село", 20]],
        }
    )
    token = token_of(upload(client_in, stored_study, "книга.xlsx", content, sheet="Данные"))
    summary = meta(stored_study, token)["summary"]
    assert summary["facts"]["sheet"] == "Данные"
    assert summary["facts"]["sheets"] == ["Титул", "Данные", "Другое"]
    assert [c["name"] for c in summary["columns"]] == ["Канал", "Возраст"]
    page = page_text(client_in.get(inspect_url(stored_study, token)))
    assert "«Данные»" in page
    assert "Прочитать этот лист" in page

    response = client_in.post(
        inspect_url(stored_study, token), {"action": "sheet", "sheet_choice": "Другое"}
    )
    assert response.status_code == 302
    summary = meta(stored_study, token)["summary"]
    assert [c["name"] for c in summary["columns"]] == ["Поселение", "Доход"]
    assert do_import(client_in, stored_study, token).status_code == 302
    assert versions(stored_study)[0].details["sheet"] == "Другое"


# --- versions, access ----------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_version_is_deleted_only_after_confirmation(
    client_in: Client, stored_study: Study
) -> None:
    for seed in (1, 2):
        token = token_of(upload(client_in, stored_study, "a.csv", clients_csv(seed=seed)[0]))
        assert do_import(client_in, stored_study, token).status_code == 302
    url = reverse(
        "studies:data_version_delete",
        kwargs={"pk": stored_study.pk, "source_id": "records", "version": 1},
    )
    page = page_text(client_in.get(url))
    title = stored_study.current_revision().to_document().data_source("records").title
    assert f"Удалить версию 1 источника «{title or 'records'}»?" in page
    assert client_in.post(url, {}).status_code == 400
    assert [m.version for m in versions(stored_study)] == [1, 2]
    assert client_in.post(url, {"confirm": "on"}).status_code == 302
    assert [m.version for m in versions(stored_study)] == [2]
    deleted = [r for r in audit(stored_study) if r.event == "delete_version"]
    assert (deleted[0].user, deleted[0].version) == ("anna", 1)
    assert client_in.get(url).status_code == 404


@pytest.mark.django_db
def test_other_users_see_nothing(
    client_in: Client, other_client: Client, stored_study: Study
) -> None:
    token = token_of(upload(client_in, stored_study, "a.csv", clients_csv()[0]))
    data_url = reverse("studies:data", kwargs={"pk": stored_study.pk})
    assert other_client.get(data_url).status_code == 403
    assert other_client.get(inspect_url(stored_study, token)).status_code == 403
    assert upload(other_client, stored_study, "b.csv", clients_csv()[0]).status_code == 403
    assert client_in.get(inspect_url(stored_study, "0" * 32)).status_code == 404
    assert client_in.get(inspect_url(stored_study, "not-a-token")).status_code == 404


@pytest.mark.django_db
def test_the_profile_is_built_from_the_imported_version(
    client_in: Client, stored_study: Study
) -> None:
    from sp_factories import make_records

    table = make_records(600, seed=3)
    buffer = io.StringIO()
    frame = table.to_pandas()
    frame["single_parent"] = frame["single_parent"].map({True: "да", False: "нет", None: ""})
    frame.to_csv(buffer, sep=";", index=False)
    token = token_of(upload(client_in, stored_study, "records.csv", buffer.getvalue().encode()))
    assert do_import(client_in, stored_study, token).status_code == 302

    client_in.post(reverse("studies:run_start", kwargs={"pk": stored_study.pk}))
    run = stored_study.runs.get()
    assert run.status == "done", run.error
    profile = pipeline.profile_from_json(run.result_json)
    assert profile.total_clients == 600  # not the 3000 rows of records.parquet
    assert profile.provenance.data_files[0].version == 1


@pytest.mark.django_db
def test_the_detail_page_links_to_the_data_page(client_in: Client, stored_study: Study) -> None:
    page = page_text(client_in.get(reverse("studies:detail", kwargs={"pk": stored_study.pk})))
    assert reverse("studies:data", kwargs={"pk": stored_study.pk}) in page


# --- the import job ------------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_job_applies_the_decisions_to_the_latest_revision(
    client_in: Client, stored_study: Study, user: Any
) -> None:
    """Someone saves another part of the study after the import was confirmed and before the
    worker takes it: both the decisions and that edit are in the study afterwards."""
    from segprofile.web.studies.models import DataImport
    from segprofile.web.studies.services import start_data_import

    content, _ = clients_csv()
    token = token_of(upload(client_in, stored_study, "a.csv", content))
    job = DataImport.objects.create(
        study=stored_study,
        token=token,
        source_id="records",
        file="a.csv",
        decisions={"Возраст": {"type": "categorical"}},
        created_by=user,
    )
    edited = stored_study.current_revision().to_document().model_copy(deep=True)
    edited.title = "Пособие: второй замер"
    stored_study.add_revision(edited, author=user, comment="другая правка")
    job = start_data_import(job)
    assert (job.status, job.version, job.rows, job.warning) == ("done", 1, 40, "")
    document = stored_study.current_revision().to_document()
    assert document.title == "Пособие: второй замер"
    assert document.data_source("records").columns["Возраст"].type == "categorical"
    assert staged_files(stored_study) == []


@pytest.mark.django_db
def test_an_import_whose_worker_died_is_failed_with_a_russian_message(
    client_in: Client, stored_study: Study, user: Any, settings: Any
) -> None:
    from datetime import timedelta

    from django.utils import timezone

    from segprofile.web.studies.models import DataImport

    settings.SEGPROFILE_WORKER_STALE_SECONDS = 60
    job = DataImport.objects.create(
        study=stored_study, token="0" * 32, source_id="records", file="a.csv", created_by=user
    )
    # Running, without a heartbeat, for longer than a worker may stay silent: its worker died.
    DataImport.objects.filter(pk=job.pk).update(
        status="running", started_at=timezone.now() - timedelta(seconds=120)
    )
    url = reverse("studies:data_import", kwargs={"pk": stored_study.pk, "import_pk": job.pk})
    page = page_text(client_in.get(url))
    assert "Фоновый обработчик остановился во время загрузки этого файла" in page
    assert DataImport.objects.get(pk=job.pk).status == "failed"


@pytest.mark.django_db
def test_a_queued_import_shows_its_progress_and_the_upload_links_to_it(
    client_in: Client, stored_study: Study, settings: Any
) -> None:
    """With a worker that has not taken the job yet: the import page waits, the data page and
    the inspect page lead to it, and a second import of the same upload is refused."""
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
    content, _ = clients_csv()
    token = token_of(upload(client_in, stored_study, "a.csv", content))
    queued = client_in.post(
        inspect_url(stored_study, token),
        decisions(stored_study, token, confirm_pii="on", action="import"),
    )
    assert queued.status_code == 302
    page = page_text(client_in.get(queued["Location"]))
    assert "Загрузка файла a.csv" in page
    # One phrase, then the status: not «В источник данных «records». в очереди».
    title = stored_study.current_revision().to_document().data_source("records").title or "records"
    assert f"Источник данных «{title}» · в очереди" in " ".join(re.sub("<[^>]+>", "", page).split())
    assert "». в очереди" not in page
    assert "Ожидание фонового обработчика" in page
    assert client_in.get(inspect_url(stored_study, token))["Location"] == queued["Location"]
    data_page = page_text(client_in.get(reverse("studies:data", kwargs={"pk": stored_study.pk})))
    assert "Загружается: ход загрузки" in data_page
    again = client_in.post(
        inspect_url(stored_study, token),
        decisions(stored_study, token, confirm_pii="on", action="import"),
    )
    assert again["Location"] == queued["Location"]  # not a second job
    assert versions(stored_study) == []


@pytest.mark.django_db
def test_the_study_page_check_names_the_columns_the_imported_data_lack(
    client_in: Client, stored_study: Study
) -> None:
    """An export without the study's feature columns: the methodology check on the study page
    says so by M-code, instead of calling the profile complete."""
    content, _ = clients_csv()
    token = token_of(upload(client_in, stored_study, "a.csv", content))
    assert do_import(client_in, stored_study, token).status_code == 302
    page = page_text(client_in.get(reverse("studies:detail", kwargs={"pk": stored_study.pk})))
    document = stored_study.current_revision().to_document()
    absent = [f for f in document.features if f.column not in {"Канал", "Возраст", "Оценка"}]
    assert absent
    for feature in absent:
        assert f"признак «{feature.label}»: столбца «{feature.column}» нет в загруженных" in page
