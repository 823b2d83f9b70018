"""Data files: stored at the source's path under the study's data dir; bad uploads refused."""

from __future__ import annotations

import html as html_lib
import io
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from django.core.exceptions import SuspiciousFileOperation
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from segprofile.web.studies.models import Study
from segprofile.web.studies.storage import safe_data_path


def _parquet_bytes(rows: int) -> bytes:
    buffer = io.BytesIO()
    table = pa.table({"channel": ["epgu"] * rows, "age": list(range(rows))})
    pq.write_table(table, buffer)
    return buffer.getvalue()


def _upload(client: Client, study: Study, source: str, name: str, content: bytes) -> str:
    response = client.post(
        reverse("studies:upload_data", kwargs={"pk": study.pk}),
        {"source": source, "file": SimpleUploadedFile(name, content)},
    )
    return f"{response.status_code}\n" + html_lib.unescape(response.content.decode())


@pytest.mark.django_db
def test_a_data_file_is_stored_at_the_sources_path(client_in: Client, stored_study: Study) -> None:
    content = _parquet_bytes(10)
    page = _upload(client_in, stored_study, "records", "выгрузка-март.parquet", content)
    assert page.startswith("302")
    target = stored_study.data_dir() / "records.parquet"
    assert target.read_bytes() == content
    assert list(target.parent.glob(".upload-*")) == []  # no temporary file left behind
    html = html_lib.unescape(
        client_in.get(reverse("studies:detail", kwargs={"pk": stored_study.pk})).content.decode()
    )
    assert "Файл данных источника «records» сохранён" in html


@pytest.mark.django_db
def test_a_traversal_source_name_is_refused(
    client_in: Client, stored_study: Study, home: Path
) -> None:
    before = (stored_study.data_dir() / "records.parquet").read_bytes()
    page = _upload(client_in, stored_study, "../../x.parquet", "x.parquet", _parquet_bytes(3))
    assert page.startswith("400")
    assert "Ничего не сохранено" in page
    assert not list(home.parent.rglob("x.parquet"))
    assert (stored_study.data_dir() / "records.parquet").read_bytes() == before


@pytest.mark.django_db
def test_a_traversal_file_name_never_leaves_the_data_dir(
    client_in: Client, stored_study: Study, home: Path
) -> None:
    content = _parquet_bytes(4)
    _upload(client_in, stored_study, "records", "../../x.parquet", content)
    # Whatever the client calls the file, it can only ever land at the source's own path.
    assert not list(home.parent.rglob("x.parquet"))
    written = [p for p in home.parent.rglob("*") if p.is_file() and p.read_bytes() == content]
    assert written in ([], [stored_study.data_dir() / "records.parquet"])


@pytest.mark.parametrize(
    "relative", ["../../x.parquet", "/etc/passwd", "a/../../b.parquet", "", "..", "..\\x"]
)
def test_safe_data_path_refuses_paths_outside_the_data_dir(tmp_path: Path, relative: str) -> None:
    with pytest.raises(SuspiciousFileOperation):
        safe_data_path(tmp_path / "data", relative)


def test_safe_data_path_accepts_a_nested_relative_path(tmp_path: Path) -> None:
    root = tmp_path / "data"
    assert safe_data_path(root, "survey/answers.csv") == (root / "survey" / "answers.csv").resolve()


@pytest.mark.django_db
def test_a_file_of_another_format_is_refused_and_the_old_file_kept(
    client_in: Client, stored_study: Study
) -> None:
    target = stored_study.data_dir() / "records.parquet"
    before = target.read_bytes()
    page = _upload(client_in, stored_study, "records", "records.csv", b"a,b\n1,2\n")
    assert page.startswith("400")
    assert "нужен файл .parquet, а загружен .csv" in page
    assert target.read_bytes() == before


@pytest.mark.django_db
def test_a_file_that_is_not_parquet_inside_is_refused(
    client_in: Client, stored_study: Study
) -> None:
    target = stored_study.data_dir() / "records.parquet"
    before = target.read_bytes()
    page = _upload(client_in, stored_study, "records", "records.parquet", b"not parquet at all")
    assert page.startswith("400")
    assert "не является корректным файлом .parquet" in page
    assert target.read_bytes() == before


@pytest.mark.django_db
def test_a_file_over_the_size_limit_is_refused(
    client_in: Client, stored_study: Study, settings: object
) -> None:
    settings.SEGPROFILE_MAX_UPLOAD_BYTES = 100  # type: ignore[attr-defined]
    target = stored_study.data_dir() / "records.parquet"
    before = target.read_bytes()
    page = _upload(client_in, stored_study, "records", "records.parquet", _parquet_bytes(50))
    assert page.startswith("400")
    assert "Файл слишком большой" in page
    assert target.read_bytes() == before
