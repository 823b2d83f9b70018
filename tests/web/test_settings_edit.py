"""Segmentation settings, the satisfaction rating and the clients' id edited in place on the
study page (M-4…M-6, issue 19)."""

from __future__ import annotations

import random
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse

from segprofile import pipeline
from segprofile.web.studies.models import Membership, Study
from segprofile.web.studies.services import workspace_for
from web_pages import current_document, form_data

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true", "HTTP_HX_TARGET": "settings"}


@pytest.fixture
def imported(stored_study: Study, tmp_path: Path) -> Study:
    """The study with its client records imported: a skewed export with an id and a rating."""
    rng = random.Random(19)
    n = 400
    table = pq.read_table(stored_study.data_dir() / "records.parquet").slice(0, n)
    table = table.append_column(
        "номер_заявления", pa.array([f"З-{rng.randint(1, 350):05d}" for _ in range(n)])
    )
    table = table.append_column(
        "оценка_10", pa.array([rng.choice([None, None, 3, 8, 9, 10]) for _ in range(n)])
    )
    path = tmp_path / "records.parquet"
    pq.write_table(table, path)
    document = stored_study.current_revision().to_document()
    pipeline.import_dataset(workspace_for(stored_study), path, document, "records", author="anna")
    return stored_study


#: Good settings: each test changes what it is about.
SETTINGS = {
    "min_cell": 10,
    "clustering_features": ["channel", "age"],
    "k_mode": "range",
    "k_min": 3,
    "k_max": 6,
    "n_clusters": "",
    "satisfaction_column": "оценка_10",
    "scale_min": 1,
    "scale_max": 10,
    "csat_threshold": 8,
    "id_column": "номер_заявления",
}


def test_the_form_offers_the_imported_columns_and_the_study_features(
    client_in: Client, imported: Study
) -> None:
    page = client_in.get(reverse("studies:settings_edit", kwargs={"pk": imported.pk}), **HTMX)
    assert page.status_code == 200
    form = page.context["settings_form"]
    columns = [value for value, _ in form.fields["satisfaction_column"].choices]
    assert "оценка_10" in columns
    assert "номер_заявления" in [v for v, _ in form.fields["id_column"].choices]
    assert [v for v, _ in form.fields["clustering_features"].choices] == [
        "channel",
        "age",
        "single_parent",
        "region",
    ]
    text = page.content.decode()
    assert "Группы меньше этого числа людей скрываются во всех результатах" in text


def test_good_settings_are_a_revision(client_in: Client, imported: Study) -> None:
    before = imported.current_revision().number
    url = reverse("studies:settings_edit", kwargs={"pk": imported.pk})
    answer = client_in.post(url, form_data(imported, SETTINGS), **HTMX)
    assert answer.status_code == 200
    assert "оценка_10" in answer.content.decode()
    assert imported.current_revision().number == before + 1
    document = current_document(imported)
    seg = document.segmentation
    assert seg.min_cell == 10
    assert seg.clustering.features == ["channel", "age"]
    assert seg.clustering.k_range == (3, 6)
    assert seg.clustering.n_clusters is None
    assert (seg.satisfaction.column, seg.satisfaction.scale_max) == ("оценка_10", 10)
    assert seg.satisfaction.csat_threshold == 8
    assert document.data_sources[0].id_column == "номер_заявления"
    # A fixed number of clusters, by a plain POST: back to the section.
    answer = client_in.post(url, form_data(imported, SETTINGS, k_mode="fixed", n_clusters=4))
    assert answer.status_code == 302
    assert answer["Location"].endswith("#settings")
    assert current_document(imported).segmentation.clustering.n_clusters == 4


@pytest.mark.parametrize(
    ("values", "field", "words"),
    [
        ({"min_cell": 0}, "min_cell", "не меньше 1 человека"),
        ({"min_cell": "пять"}, "min_cell", "целое число"),
        ({"k_min": 7, "k_max": 4}, "k_max", "меньше наименьшего (7)"),
        ({"k_min": 1}, "k_min", "от 2 до 50"),
        ({"k_max": 80}, "k_max", "от 2 до 50"),
        ({"k_mode": "fixed", "n_clusters": ""}, "n_clusters", "Укажите число кластеров"),
        ({"scale_min": 5, "scale_max": 5}, "scale_max", "больше наименьшей (5)"),
        ({"csat_threshold": 11}, "csat_threshold", "от 1 до 10"),
        ({"satisfaction_column": "рейтинг"}, "satisfaction_column", "корректный вариант"),
        ({"id_column": "СНИЛС"}, "id_column", "корректный вариант"),
        ({"clustering_features": ["income"]}, "clustering_features", "корректный вариант"),
    ],
)
def test_a_bad_value_is_refused_beside_its_field_and_nothing_is_stored(
    client_in: Client, imported: Study, values: dict[str, Any], field: str, words: str
) -> None:
    before = imported.current_revision().number
    url = reverse("studies:settings_edit", kwargs={"pk": imported.pk})
    answer = client_in.post(url, form_data(imported, SETTINGS, **values), **HTMX)
    assert answer.status_code == 400
    assert answer["HX-Retarget"] == "#settings"
    errors = answer.context["settings_form"].errors
    assert words.lower() in " ".join(errors[field]).lower(), errors
    assert 'class="field__error' in answer.content.decode()
    assert imported.current_revision().number == before


def test_without_imported_data_the_columns_are_typed(
    client_in: Client, stored_study: Study
) -> None:
    url = reverse("studies:settings_edit", kwargs={"pk": stored_study.pk})
    page = client_in.get(url, **HTMX)
    assert "Загрузите данные о клиентах на странице данных" in page.content.decode()
    answer = client_in.post(
        url, form_data(stored_study, SETTINGS, satisfaction_column="satisfaction"), **HTMX
    )
    assert answer.status_code == 200
    assert current_document(stored_study).segmentation.satisfaction.column == "satisfaction"


def test_a_viewer_may_not_change_the_settings(
    stored_study: Study, other_user: User, other_client: Client
) -> None:
    Membership.objects.create(study=stored_study, user=other_user, role="viewer")
    url = reverse("studies:settings_edit", kwargs={"pk": stored_study.pk})
    assert other_client.post(url, form_data(stored_study, SETTINGS)).status_code == 403
    assert other_client.get(url).status_code == 403
    page = other_client.get(reverse("studies:detail", kwargs={"pk": stored_study.pk}))
    assert "settings-edit" not in page.content.decode()


def test_a_role_and_the_settings_saved_from_one_page_both_survive_and_the_same_part_conflicts(
    client_in: Client, stored_study: Study, other_user: User, other_client: Client
) -> None:
    Membership.objects.create(study=stored_study, user=other_user, role="editor")
    base = stored_study.current_revision().number
    settings = reverse("studies:settings_edit", kwargs={"pk": stored_study.pk})
    role = reverse("studies:role_edit", kwargs={"pk": stored_study.pk, "role_id": "applicant"})
    mine = form_data(stored_study, SETTINGS, base_revision=base, satisfaction_column="satisfaction")
    assert client_in.post(settings, mine, **HTMX).status_code == 200
    theirs = {
        "base_revision": base,
        "kind": "applicant",
        "title": "Родитель",
        "audience_description": "Родители детей до 17 лет",
    }
    assert other_client.post(role, theirs, **HTMX).status_code == 200
    document = current_document(stored_study)
    assert document.segmentation.min_cell == 10
    assert document.roles[0].title == "Родитель"
    # The other editor changes min_cell from the same old page: a conflict with both versions.
    again = form_data(
        stored_study, SETTINGS, base_revision=base, min_cell=7, satisfaction_column="satisfaction"
    )
    answer = other_client.post(settings, again, **HTMX)
    assert answer.status_code == 409
    assert current_document(stored_study).segmentation.min_cell == 10
