"""One way in for data files: the study page only links to the data page's gate (the quick
upload form that stored a raw file in the data directory is gone); safe paths."""

from __future__ import annotations

import html as html_lib
import io
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from django.conf import settings
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


@pytest.mark.django_db
def test_the_quick_upload_form_is_gone(client_in: Client, stored_study: Study) -> None:
    before = (stored_study.data_dir() / "records.parquet").read_bytes()
    url = f"/studies/{stored_study.pk}/data/"
    content = _parquet_bytes(10)
    response = client_in.post(
        url, {"source": "records", "file": SimpleUploadedFile("records.parquet", content)}
    )
    assert response.status_code == 404
    assert (stored_study.data_dir() / "records.parquet").read_bytes() == before
    page = html_lib.unescape(
        client_in.get(reverse("studies:detail", kwargs={"pk": stored_study.pk})).content.decode()
    )
    assert url not in page.replace(reverse("studies:data", kwargs={"pk": stored_study.pk}), "")
    assert 'enctype="multipart/form-data"' not in page.split('id="data"')[1].split("</section>")[0]
    # The user's intent is kept: «Загрузить данные» opens the gate with that source chosen.
    gate = reverse("studies:data", kwargs={"pk": stored_study.pk}) + "?source=records#upload"
    assert gate in page
    assert "Загрузить данные" in page
    chosen = html_lib.unescape(client_in.get(gate).content.decode())
    assert '<option value="records" selected>' in chosen


@pytest.mark.django_db
def test_a_traversal_file_name_never_reaches_the_disk(
    client_in: Client, stored_study: Study, home: Path
) -> None:
    content = _parquet_bytes(4)
    response = client_in.post(
        reverse("studies:data_upload", kwargs={"pk": stored_study.pk}),
        {"source": "records", "file": SimpleUploadedFile("../../x.parquet", content)},
    )
    assert response.status_code == 302  # Django keeps the last part of the name only
    written = [p for p in home.parent.rglob("*") if p.is_file() and p.read_bytes() == content]
    # Only in the staging area, in its own upload's folder: never in the data home.
    uploads = Path(settings.SEGPROFILE_STAGING) / "uploads"
    assert [p.relative_to(uploads).parts[2:] for p in written] == [("x.parquet",)]
    assert not list(home.rglob("x.parquet"))


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
def test_the_study_page_shows_the_imported_version_not_a_missing_file(
    client_in: Client, stored_study: Study
) -> None:
    (stored_study.data_dir() / "records.parquet").unlink()
    url = reverse("studies:detail", kwargs={"pk": stored_study.pk})
    assert "данных пока нет" in html_lib.unescape(client_in.get(url).content.decode())
    content = _parquet_bytes(30)
    response = client_in.post(
        reverse("studies:data_upload", kwargs={"pk": stored_study.pk}),
        {"source": "records", "file": SimpleUploadedFile("март.parquet", content)},
    )
    token = response["Location"].rstrip("/").rsplit("/", 1)[-1]
    inspect = reverse("studies:data_inspect", kwargs={"pk": stored_study.pk, "token": token})
    data = {"type_0": "categorical", "use_0": "feature", "type_1": "numeric", "use_1": "feature"}
    assert client_in.post(inspect, {**data, "action": "import"}).status_code == 302
    page = html_lib.unescape(client_in.get(url).content.decode())
    section = page.split('id="data"')[1].split("</section>")[0]
    assert "версия 1" in section
    assert "строк: 30" in section
    assert "нет файла" not in section
    assert "данных пока нет" not in section
