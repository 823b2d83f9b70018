"""The canary through the web's ways in (issue 15): an export with raw ФИО, СНИЛС, phones and
e-mails (cp1251, «;») goes through the data page, the survey page, the interviews page and the
journeys import; afterwards no raw value is anywhere — the data home, the staging area, the app
database, the system temp folder, the pages shown — in UTF-8, cp1251 or UTF-16, Parquet
decoded. The scanner is ``tests/canary.py``; a positive control shows it finds the values."""

from __future__ import annotations

import html as html_lib
import io
import json
import tempfile
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from django.conf import settings
from django.contrib.auth.models import User
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from canary import Hit, canary_csv, canary_rows, needles, scan, scan_bytes, scan_text
from segprofile import pipeline
from segprofile.web.studies import services
from segprofile.web.studies.models import Study
from upload_gate import confirm_import

ROWS = canary_rows(24, seed=15)
RAW = needles(ROWS)


def _survey_csv() -> bytes:
    """Survey answers keyed by СНИЛС, with the respondent's name, phone and e-mail."""
    lines = ["СНИЛС;ФИО;Телефон;Электронная почта;q_docs_difficult;q_knew_about_epgu"]
    for i, r in enumerate(ROWS):
        lines.append(
            f"{r.snils};{r.fio};{r.phone};{r.email};{'да' if i % 2 else 'нет'};"
            f"{'нет' if i % 3 else 'да'}"
        )
    return ("\r\n".join(lines) + "\r\n").encode("cp1251")


def _transcript() -> bytes:
    r = ROWS[1]
    return (
        f"Респондент {r.fio}, СНИЛС {r.snils}, тел. {r.phone}, почта {r.email}. "
        "«Справки о доходах пришлось собирать три раза, хотя у государства они есть». "
        "Подавала заявление в клиентской службе, ждала решения почти месяц."
    ).encode("cp1251")


def _database() -> str:
    out = io.StringIO()
    call_command("dumpdata", stdout=out)
    return json.dumps(json.loads(out.getvalue()), ensure_ascii=False)


def _page(response: Any) -> str:
    return html_lib.unescape(response.content.decode(errors="replace"))


def test_the_scanner_finds_the_raw_values_in_the_inputs(tmp_path: Path) -> None:
    """Positive control: every encoding, a Parquet file, a zipped document, a text."""
    (tmp_path / "export.csv").write_bytes(canary_csv(ROWS))
    (tmp_path / "utf16.txt").write_bytes(ROWS[2].fio.encode("utf-16-le"))
    table = pa.table({"client": [ROWS[3].snils], "n": [1]})
    pq.write_table(table, tmp_path / "v1.parquet", compression="zstd")
    buffer = io.BytesIO()
    import zipfile

    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("word/document.xml", f"<w:t>{ROWS[4].email}</w:t>")
    (tmp_path / "report.docx").write_bytes(buffer.getvalue())
    hits = scan([tmp_path], RAW)
    found = {(Path(h.where.split(" ")[0].split(":")[0]).name, h.value) for h in hits}
    assert {("export.csv", r.snils) for r in ROWS} <= found
    assert {("export.csv", r.fio) for r in ROWS} <= found
    assert ("utf16.txt", ROWS[2].fio) in found
    assert ("v1.parquet", ROWS[3].snils) in found  # compressed: found only decoded
    assert not scan_bytes((tmp_path / "v1.parquet").read_bytes()[:4], RAW, "head")
    assert ("report.docx", ROWS[4].email) in found
    cyrillic = {
        h.encoding for h in hits if h.where.endswith("export.csv") and h.value == ROWS[0].fio
    }
    assert cyrillic == {"cp1251"}
    assert scan_text(_survey_csv().decode("cp1251"), RAW)
    assert scan_text("нет ничего", RAW) == []


@pytest.fixture
def example(user: User) -> Study:
    return services.create_study_from_example(user, "child-benefit", rows=1000, seed=3)


def _report(hits: list[Hit]) -> str:
    # The failure message names the place and the kind of hit; the values are the canary's.
    return "\n".join(f"{h.where} [{h.encoding}]: {h.value}" for h in hits[:30])


@pytest.fixture
def system_temp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The system temp folder, of this test alone (so that it can be scanned whole)."""
    folder = tmp_path / "system-temp"
    folder.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(folder))
    return folder


def _leaks(home: Path, system_temp: Path, pages: list[str]) -> list[Hit]:
    """Raw values in the data home, the staging area, the temp folder, the database, pages."""
    hits = scan([home, Path(settings.SEGPROFILE_STAGING), system_temp], RAW)
    hits += scan_text(_database(), RAW, "app database")
    for i, page in enumerate(pages):
        hits += scan_text(page, RAW, f"page {i}")
    return hits


@pytest.mark.django_db
def test_no_raw_value_is_left_after_the_data_page_the_survey_and_the_journeys_import(
    client_in: Client, example: Study, home: Path, system_temp: Path
) -> None:
    pk = example.pk
    pages: list[str] = []

    # The data page: a new source of complaints from the export, through the gate.
    staged = client_in.post(
        reverse("studies:data_upload", kwargs={"pk": pk}),
        {
            "source": "__new__",
            "new_source_id": "export",
            "new_source_kind": "complaints",
            "file": SimpleUploadedFile("выгрузка.csv", canary_csv(ROWS)),
        },
    )
    pages.append(_page(client_in.get(staged["Location"])))  # the inspect page, masked
    imported = confirm_import(client_in, example, staged)
    assert imported.status_code == 302, _page(imported)[:2000]
    pages.append(_page(client_in.get(imported["Location"])))

    # The survey page: answers keyed by СНИЛС, through the gate, then the mapping page.
    staged = client_in.post(
        reverse("studies:survey", kwargs={"pk": pk}),
        {"source": "survey", "file": SimpleUploadedFile("опрос.csv", _survey_csv())},
    )
    pages.append(_page(client_in.get(staged["Location"])))
    imported = confirm_import(client_in, example, staged)
    assert imported.status_code == 302, _page(imported)[:2000]
    pages.append(_page(client_in.get(imported["Location"])))  # the mapping page

    # The journeys import: the export chosen by mistake.
    response = client_in.post(
        reverse("studies:journeys_import", kwargs={"pk": pk}),
        {"format": "csv", "file": SimpleUploadedFile("выгрузка.csv", canary_csv(ROWS))},
    )
    pages.append(_page(response))

    hits = _leaks(home, system_temp, pages)
    assert hits == [], _report(hits)
    # The imports did happen (a scan of nothing would pass too).
    document = example.current_revision().to_document()
    for source in ("export", "survey"):
        assert pipeline.list_dataset_versions(services.workspace_for(example), document.id, source)


@pytest.mark.django_db
def test_no_raw_value_is_left_after_the_interviews_page(
    client_in: Client, example: Study, home: Path, system_temp: Path
) -> None:
    pk = example.pk
    response = client_in.post(
        reverse("studies:interviews", kwargs={"pk": pk}),
        {
            "files": [
                SimpleUploadedFile("выгрузка.txt", canary_csv(ROWS)),
                SimpleUploadedFile("r01.txt", _transcript()),
            ]
        },
    )
    assert response.status_code == 302, _page(response)[:2000]
    pages = [_page(client_in.get(reverse("studies:interviews", kwargs={"pk": pk})))]
    hits = _leaks(home, system_temp, pages)
    assert hits == [], _report(hits)
