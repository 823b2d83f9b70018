"""The NPS question chosen in the settings section (issue 19): offered from the imported
numeric columns, saved as a revision, refused beside the field with nothing stored."""

from __future__ import annotations

import random
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from django.test import Client
from django.urls import reverse

from segprofile import pipeline
from segprofile.web.studies.models import Study
from segprofile.web.studies.services import workspace_for

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true", "HTTP_HX_TARGET": "settings"}


@pytest.fixture
def imported(stored_study: Study, tmp_path: Path) -> Study:
    """The client records imported with a 0–10 recommendation question (skewed, half blank)."""
    rng = random.Random(31)
    n = 300
    table = pq.read_table(stored_study.data_dir() / "records.parquet").slice(0, n)
    answers = [rng.choice([None, None, None, 10, 10, 9, 8, 7, 3, 0]) for _ in range(n)]
    table = table.append_column("рекомендация", pa.array(answers, pa.int64()))
    path = tmp_path / "records.parquet"
    pq.write_table(table, path)
    document = stored_study.current_revision().to_document()
    pipeline.import_dataset(workspace_for(stored_study), path, document, "records", author="anna")
    return stored_study


def _form(study: Study, **values: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "base_revision": study.current_revision().number,
        "min_cell": 5,
        "k_mode": "range",
        "k_min": 2,
        "k_max": 6,
        "satisfaction_column": "satisfaction",
        "scale_min": 1,
        "scale_max": 5,
        "csat_threshold": 4,
        "nps_column": "рекомендация",
    }
    data.update(values)
    return data


def test_the_nps_select_offers_only_numeric_columns_with_guidance(
    client_in: Client, imported: Study
) -> None:
    page = client_in.get(reverse("studies:settings_edit", kwargs={"pk": imported.pk}), **HTMX)
    choices = [v for v, _ in page.context["settings_form"].fields["nps_column"].choices]
    assert "рекомендация" in choices
    assert "age" in choices  # numeric
    assert "channel" not in choices  # a category
    assert "region" not in choices
    text = page.content.decode()
    assert "Столбец вопроса NPS" in text
    assert "доля сторонников (9–10) минус доля критиков (0–6)" in text


def test_a_good_nps_column_is_a_revision_and_shown(client_in: Client, imported: Study) -> None:
    before = imported.current_revision().number
    url = reverse("studies:settings_edit", kwargs={"pk": imported.pk})
    answer = client_in.post(url, _form(imported), **HTMX)
    assert answer.status_code == 200
    assert "рекомендация" in answer.content.decode()
    assert "ответы от 0 до 10" in answer.content.decode()
    assert imported.current_revision().number == before + 1
    assert imported.current_revision().to_document().segmentation.satisfaction.nps_column == (
        "рекомендация"
    )
    # Cleared again: no NPS question.
    answer = client_in.post(url, _form(imported, nps_column=""), **HTMX)
    assert answer.status_code == 200
    assert imported.current_revision().to_document().segmentation.satisfaction.nps_column is None


@pytest.mark.parametrize(
    ("value", "words"),
    [
        ("channel", "Выберите числовой столбец загруженных данных о клиентах"),
        ("нет_такого", "Выберите числовой столбец загруженных данных о клиентах"),
        ("satisfaction", "выберите для него отдельный столбец"),
    ],
)
def test_a_bad_nps_column_is_refused_beside_the_field(
    client_in: Client, imported: Study, value: str, words: str
) -> None:
    before = imported.current_revision().number
    url = reverse("studies:settings_edit", kwargs={"pk": imported.pk})
    answer = client_in.post(url, _form(imported, nps_column=value), **HTMX)
    assert answer.status_code == 400
    errors = answer.context["settings_form"].errors
    assert words in " ".join(errors["nps_column"]), errors
    assert value not in " ".join(errors["nps_column"])
    assert 'class="field__error' in answer.content.decode()
    assert imported.current_revision().number == before
    assert imported.current_revision().to_document().segmentation.satisfaction.nps_column is None
