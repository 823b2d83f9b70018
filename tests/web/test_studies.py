"""Studies: create from an example or a YAML upload, view, download, new revisions."""

from __future__ import annotations

import html as html_lib
import re
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from segprofile import pipeline
from segprofile.errors import DocumentError
from segprofile.model.study import Study as StudyDocument
from segprofile.web.studies.models import ProfileRun, Study
from segprofile.web.studies.services import workspace_for

BROKEN_YAML = """\
id: broken
title: Сломанное исследование
scope:
  kind: service
  title: Услуга
  client_types: [citizen]
features:
  - id: age
    column: age
    label: Возраст
    type: numeric
    binning:
      thresholds: [30, 20]
"""


def _yaml_file(text: str, name: str = "study.yaml") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, text.encode("utf-8"), content_type="application/yaml")


def _page(client: Client, study: Study) -> str:
    response = client.get(reverse("studies:detail", kwargs={"pk": study.pk}))
    assert response.status_code == 200
    return html_lib.unescape(response.content.decode())


@pytest.mark.django_db
def test_new_study_page_lists_the_examples(client_in: Client) -> None:
    html = client_in.get(reverse("studies:new")).content.decode()
    for example in pipeline.list_examples():
        assert html_lib.escape(example.title) in html
        assert f'value="{example.name}"' in html
    assert "Загрузить и проверить" in html


@pytest.mark.django_db
def test_create_from_example_stores_the_study_and_generates_its_data(
    client_in: Client, user: object
) -> None:
    response = client_in.post(reverse("studies:create_example"), {"example": "child-benefit"})
    study = Study.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("studies:detail", kwargs={"pk": study.pk})
    assert study.owner == user
    assert study.revisions.count() == 1
    document = study.current_revision().to_document()
    assert document == pipeline.example_study("child-benefit")
    assert study.title == document.title

    # The demo data came in through the gate: a version of each source, no raw file kept.
    for source in document.data_sources:
        assert pipeline.list_dataset_versions(workspace_for(study), document.id, source.id)
    assert [p for p in study.data_dir().rglob("*") if p.is_file()] == []

    # Its profile was queued (and built here, jobs running at once): it read those versions
    # (never a raw file from the data directory).
    run = study.runs.get()
    assert run.status == ProfileRun.Status.DONE
    profile = pipeline.profile_from_json(run.result_json)
    assert profile.total_clients == 1000
    assert {f.source_id: f.version for f in profile.provenance.data_files} == {
        "records": 1,
        "population": 1,
        "survey": 1,
        # The clusters' personas read what the members' complaints and interviews say (M-4).
        "complaints": 1,
        "interviews": 1,
    }

    html = _page(client_in, study)
    assert "Исследование создано из примера" in html
    assert document.scope.title in html
    for role in document.roles:
        assert role.title in html
    for feature in document.features:
        assert feature.label in html
    findings = pipeline.check(document)
    for finding in findings:
        assert finding.message in html
    assert "M-1" in html
    assert "M-2" in html
    assert "M-3" in html


@pytest.mark.django_db
def test_an_example_without_its_profile_queues_none(
    client_in: Client, jobs_not_run: None, settings: Any
) -> None:
    """The browser tests' hook (no page offers it): the study and its data, no profile run."""
    settings.SEGPROFILE_DEMO_ROWS = 100  # the fewest allowed
    client_in.post(
        reverse("studies:create_example"), {"example": "child-benefit", "without_profile": "on"}
    )
    study = Study.objects.get()
    document = study.current_revision().to_document()
    for source in document.data_sources:
        assert pipeline.list_dataset_versions(workspace_for(study), document.id, source.id)
    assert not study.runs.exists()
    html = _page(client_in, study)
    assert "демонстрационные данные подготовлены" in html
    assert "профиль строится" not in html.lower()


@pytest.mark.django_db
def test_an_unknown_example_is_refused(client_in: Client) -> None:
    response = client_in.post(reverse("studies:create_example"), {"example": "../etc"})
    assert response.status_code == 400
    assert Study.objects.count() == 0


@pytest.mark.django_db
def test_the_same_example_twice_gets_a_second_identifier(
    client_in: Client, jobs_not_run: None, settings: Any
) -> None:
    settings.SEGPROFILE_DEMO_ROWS = 100  # the fewest allowed
    for _ in range(2):
        client_in.post(reverse("studies:create_example"), {"example": "child-benefit"})
    slugs = sorted(Study.objects.values_list("slug", flat=True))
    assert len(slugs) == 2
    assert slugs[1] == f"{slugs[0]}-2"
    # Each queued its own profile (not built here: the identifier is the point).
    assert ProfileRun.objects.filter(status=ProfileRun.Status.QUEUED).count() == 2


@pytest.mark.django_db
def test_upload_of_a_valid_document_creates_a_study(
    client_in: Client, small_study: StudyDocument
) -> None:
    response = client_in.post(
        reverse("studies:create_upload"),
        {"document": _yaml_file(pipeline.dump_study(small_study)), "comment": "первая версия"},
    )
    study = Study.objects.get()
    assert response.status_code == 302
    assert study.current_revision().to_document() == small_study
    assert study.current_revision().comment == "первая версия"

    html = _page(client_in, study)
    assert "Пособие" in html  # scope
    assert "Ведомство" in html
    assert "Заявитель" in html
    assert "Родители детей до 17 лет" in html
    assert "Закон о пособии, ст. 2" in html  # legal basis resolved to the act's title
    assert "Канал подачи" in html
    assert "Атрибут документов или сведений" in html
    assert "Социально незащищённая группа" in html
    assert "пороги: 25; 35; 45" in html
    assert "records" in html
    assert "данных пока нет" in html  # nothing imported yet


@pytest.mark.django_db
def test_upload_of_an_invalid_document_shows_path_and_line_and_stores_nothing(
    client_in: Client,
) -> None:
    with pytest.raises(DocumentError) as caught:
        pipeline.parse_study(BROKEN_YAML, source="broken.yaml")
    problems = caught.value.problems
    assert any(path.startswith("features[0]") and line for path, line, _ in problems)

    response = client_in.post(
        reverse("studies:create_upload"), {"document": _yaml_file(BROKEN_YAML, "broken.yaml")}
    )
    html = html_lib.unescape(response.content.decode())
    assert response.status_code == 400
    assert Study.objects.count() == 0
    assert "Ничего не сохранено" in html
    assert "В документе исследования есть ошибки" in html
    assert "broken.yaml" in html
    for path, line, text in problems:
        assert f"<code>{path}</code>" in html
        assert f'<td class="num">{line}</td>' in html
        assert text in html


@pytest.mark.django_db
def test_upload_of_a_yaml_syntax_error_shows_the_line(client_in: Client) -> None:
    text = "id: x\ntitle: [unclosed\nscope: {}\n"
    response = client_in.post(reverse("studies:create_upload"), {"document": _yaml_file(text)})
    html = html_lib.unescape(response.content.decode())
    assert response.status_code == 400
    assert Study.objects.count() == 0
    assert "В документе исследования есть ошибки" in html
    assert re.search(r'<td class="num">\d+</td>', html)


@pytest.mark.django_db
def test_upload_of_a_non_utf8_document_is_refused(client_in: Client) -> None:
    raw = "title: Пособие\n".encode("cp1251")
    upload = SimpleUploadedFile("study.yaml", raw)
    response = client_in.post(reverse("studies:create_upload"), {"document": upload})
    assert response.status_code == 400
    assert "UTF-8" in response.content.decode()
    assert Study.objects.count() == 0


@pytest.mark.django_db
def test_yaml_download_round_trips_to_an_equal_study(
    client_in: Client, stored_study: Study, small_study: StudyDocument
) -> None:
    response = client_in.get(reverse("studies:yaml", kwargs={"pk": stored_study.pk}))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/yaml")
    assert "attachment" in response["Content-Disposition"]
    assert f"{stored_study.slug}-r1.yaml" in response["Content-Disposition"]
    assert pipeline.parse_study(response.content.decode("utf-8")) == small_study


@pytest.mark.django_db
def test_a_new_revision_is_stored_and_older_ones_stay_downloadable(
    client_in: Client, stored_study: Study, small_study: StudyDocument
) -> None:
    changed = small_study.model_copy(update={"title": "Малое исследование, редакция 2"})
    response = client_in.post(
        reverse("studies:upload_revision", kwargs={"pk": stored_study.pk}),
        {"document": _yaml_file(pipeline.dump_study(changed))},
    )
    # Issue 19: what the file changes is shown first; the person takes the file's title.
    assert response.status_code == 200
    assert stored_study.revisions.count() == 1
    payload = re.search(r'name="payload" value="([^"]+)"', response.content.decode())
    assert payload is not None
    response = client_in.post(
        reverse("studies:upload_revision", kwargs={"pk": stored_study.pk}),
        {"payload": payload.group(1), "base_revision": "1", "section_title": "take"},
    )
    assert response.status_code == 302
    stored_study.refresh_from_db()
    assert stored_study.revisions.count() == 2
    assert stored_study.current_revision().number == 2
    assert stored_study.title == "Малое исследование, редакция 2"

    url = reverse("studies:yaml", kwargs={"pk": stored_study.pk})
    first = client_in.get(url, {"revision": 1}).content.decode()
    assert pipeline.parse_study(first) == small_study
    assert pipeline.parse_study(client_in.get(url).content.decode()) == changed
    assert client_in.get(url, {"revision": 7}).status_code == 404
    assert client_in.get(url, {"revision": "x"}).status_code == 404


@pytest.mark.django_db
def test_a_rejected_revision_changes_nothing(client_in: Client, stored_study: Study) -> None:
    before = stored_study.current_revision().document
    response = client_in.post(
        reverse("studies:upload_revision", kwargs={"pk": stored_study.pk}),
        {"document": _yaml_file(BROKEN_YAML)},
    )
    html = html_lib.unescape(response.content.decode())
    assert response.status_code == 400
    assert "features[0].binning" in html
    assert stored_study.revisions.count() == 1
    assert stored_study.current_revision().document == before


@pytest.mark.django_db
def test_study_list_shows_own_studies(client_in: Client, stored_study: Study) -> None:
    html = client_in.get(reverse("studies:list")).content.decode()
    assert stored_study.title in html
    assert reverse("studies:detail", kwargs={"pk": stored_study.pk}) in html
