"""Journeys page (M-12, M-11): blueprints, metrics, current → target, recommendations, exchange."""

from __future__ import annotations

import csv
import html as html_lib
import io
import re
import xml.etree.ElementTree as ET
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from segprofile import pipeline
from segprofile.web.studies.models import Study

BPMN = "{http://www.omg.org/spec/BPMN/20100524/MODEL}"


@pytest.fixture
def study(user: User) -> Study:
    """The child-benefit study without its recommendations, so some are suggested."""
    document = pipeline.example_study("child-benefit")
    document = document.model_copy(update={"recommendations": []})
    return Study.create_from_document(document, owner=user, comment="пример")


def _url(name: str, study: Study, **kwargs: Any) -> str:
    return reverse(f"studies:{name}", kwargs={"pk": study.pk, **kwargs})


def _text(response: Any) -> str:
    return html_lib.unescape(response.content.decode())


@pytest.mark.parametrize(
    ("name", "kwargs"), [("journeys", {}), ("journeys_export", {"fmt": "csv"})]
)
def test_pages_are_the_owners_only(
    name: str,
    kwargs: dict[str, str],
    study: Study,
    client_in: Client,
    other_client: Client,
    client: Client,
) -> None:
    url = _url(name, study, **kwargs)
    assert client_in.get(url).status_code == 200
    assert other_client.get(url).status_code == 403
    response = client.get(url)
    assert response.status_code == 302
    assert "/login" in response["Location"]


@pytest.mark.parametrize("name", ["journeys_import", "recommendations_accept"])
def test_changes_are_the_owners_only(name: str, study: Study, other_client: Client) -> None:
    assert other_client.post(_url(name, study), {"id": "x"}).status_code == 403
    assert study.revisions.count() == 1


def test_page_shows_blueprints_metrics_and_the_comparison(study: Study, client_in: Client) -> None:
    response = client_in.get(_url("journeys", study))
    text = _text(response)
    document = study.current_revision().to_document()
    assert text.count('<figure class="blueprint scroll"><svg') == len(document.journeys)
    for journey in document.journeys:
        assert f'id="j-{journey.id}"' in text
        assert journey.title in text
    assert "Текущий → целевой" in text
    # The common comparison: 8 steps now, 5 in the target, three fewer.
    assert "8 → 5" in text
    assert "-3" in text
    assert "Личных посещений" in text
    # No inline scripts or styles (CSP): the editor's script is a static file.
    main = text.split("<main", 1)[1]
    scripts = re.findall(r"<script([^>]*)>(.*?)</script>", main, flags=re.S)
    assert scripts == [(' src="/static/segprofile/journey-editor.js" defer', "")]
    assert " style=" not in main


def test_accepting_a_suggested_recommendation_makes_a_revision(
    study: Study, client_in: Client, user: User
) -> None:
    suggested = pipeline.suggested_recommendations(study.current_revision().to_document())
    assert suggested
    text = _text(client_in.get(_url("journeys", study)))
    assert suggested[0].title in text
    response = client_in.post(_url("recommendations_accept", study), {"id": [suggested[0].id]})
    assert response.status_code == 302
    revision = study.current_revision()
    assert revision.number == 2
    assert revision.author == user
    assert suggested[0].id not in revision.comment  # named by its title, never its id
    assert suggested[0].title[:40] in revision.comment
    kept = {r.id: r for r in revision.to_document().recommendations}
    assert kept[suggested[0].id].suggested is True
    assert kept[suggested[0].id].problems == suggested[0].problems


def test_an_unknown_recommendation_changes_nothing(study: Study, client_in: Client) -> None:
    response = client_in.post(_url("recommendations_accept", study), {"id": ["nope"]}, follow=True)
    assert study.revisions.count() == 1
    assert "nope" in _text(response)


def test_export_csv_has_a_row_per_step(study: Study, client_in: Client) -> None:
    response = client_in.get(_url("journeys_export", study, fmt="csv"))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert "journeys.csv" in response["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig")), delimiter=";"))
    document = study.current_revision().to_document()
    assert rows[0][:2] == ["Путь", "Вид пути"]
    assert len(rows) - 1 == sum(len(j.steps) for j in document.journeys)


def test_export_bpmn_is_bpmn_xml_with_a_task_per_step(study: Study, client_in: Client) -> None:
    response = client_in.get(_url("journeys_export", study, fmt="bpmn"))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/xml")
    root = ET.fromstring(response.content)  # noqa: S314 - our own export, made in the test
    assert root.tag == f"{BPMN}definitions"
    document = study.current_revision().to_document()
    tasks = [el for el in root.iter() if el.tag.endswith("Task") or el.tag == f"{BPMN}task"]
    assert len(tasks) == sum(len(j.steps) for j in document.journeys)
    # It parses back into the same journeys.
    back = pipeline.import_journeys(document, response.content, "bpmn", source="export.bpmn").study
    assert [len(j.steps) for j in back.journeys] == [len(j.steps) for j in document.journeys]
    assert client_in.get(_url("journeys_export", study, fmt="pdf")).status_code == 404


def test_import_round_trip_makes_a_revision(study: Study, client_in: Client, user: User) -> None:
    data = client_in.get(_url("journeys_export", study, fmt="csv")).content
    changed = data.decode("utf-8-sig").replace("Текущий путь заявителя", "Путь как есть")
    upload = SimpleUploadedFile("journeys.csv", changed.encode("utf-8"), "text/csv")
    response = client_in.post(_url("journeys_import", study), {"file": upload})
    assert response.status_code == 302
    revision = study.current_revision()
    assert revision.number == 2
    assert revision.author == user
    assert "journeys.csv" in revision.comment
    titles = {j.id: j.title for j in revision.to_document().journeys}
    assert titles["current"] == "Путь как есть"


def test_a_broken_csv_shows_the_row_and_column_and_changes_nothing(
    study: Study, client_in: Client
) -> None:
    data = client_in.get(_url("journeys_export", study, fmt="csv")).content.decode("utf-8-sig")
    lines = data.splitlines()
    cells = lines[2].split(";")
    cells[1] = "никакой"  # «Вид пути» must be current or target
    lines[2] = ";".join(cells)
    upload = SimpleUploadedFile("bad.csv", "\n".join(lines).encode("utf-8"), "text/csv")
    response = client_in.post(_url("journeys_import", study), {"file": upload, "format": "csv"})
    assert response.status_code == 400
    text = _text(response)
    assert "Файл не загружен; исследование не изменилось." in text
    assert "строка 3" in text
    assert "«Вид пути»" in text
    assert study.revisions.count() == 1


def test_import_without_a_file_is_refused(study: Study, client_in: Client) -> None:
    response = client_in.post(_url("journeys_import", study), {})
    assert response.status_code == 400
    assert "Выберите файл для загрузки." in _text(response)
    assert study.revisions.count() == 1
