"""A data source whose every version was deleted (walk-through): the profile says in words of
the web which source has no data and where to load it; the study page does not call the study
complete; a new file never takes a deleted version's number."""

from __future__ import annotations

import html as html_lib
import random
import re
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from segprofile import pipeline
from segprofile.pipeline import staging
from segprofile.web.studies.models import ProfileRun, Study
from segprofile.web.studies.services import (
    create_study_from_example,
    staging_area,
    staging_root,
    workspace_for,
)


def _text(response: Any) -> str:
    """The page's text: tags dropped, spaces as one."""
    text = re.sub(r"<[^>]+>", " ", response.content.decode())
    return " ".join(html_lib.unescape(text).replace("\xa0", " ").split())


def _delete(client: Client, study: Study, source: str, version: int) -> None:
    url = reverse(
        "studies:data_version_delete",
        kwargs={"pk": study.pk, "source_id": source, "version": version},
    )
    assert client.post(url, {"confirm": "on"}).status_code == 302


@pytest.mark.django_db
def test_a_source_without_data_is_named_on_the_study_page_and_by_the_profile(
    client_in: Client, user: User
) -> None:
    study = create_study_from_example(user, "child-benefit", rows=400, seed=4)
    document = study.current_revision().to_document()
    records = document.client_records()
    assert records is not None
    assert [
        v.version
        for v in pipeline.list_dataset_versions(workspace_for(study), document.id, "records")
    ] == [1]
    _delete(client_in, study, "records", 1)

    page = _text(client_in.get(reverse("studies:detail", kwargs={"pk": study.pk})))
    assert "Все три этапа пройдены" not in page

    response = client_in.post(reverse("studies:run_start", kwargs={"pk": study.pk}))
    assert response.status_code == 302
    run = ProfileRun.objects.filter(study=study).latest("pk")
    run.refresh_from_db()
    assert run.status == ProfileRun.Status.FAILED
    assert " ".join(run.error.split()) == (
        f"У источника «{records.title}» нет загруженной версии данных. Что сделать: загрузите "
        "его файл на странице «Данные» исследования (в командной строке — segprofile import "
        "ФАЙЛ --study … --source records)."
    )
    # The study page said so before: stage 1 is not done, its next step is the client data.
    assert "Следующий шаг: загрузите данные о клиентах" in page


@pytest.mark.django_db
def test_a_survey_without_data_is_the_next_step_not_a_complete_study(
    client_in: Client, user: User
) -> None:
    study = create_study_from_example(user, "child-benefit", rows=400, seed=4)
    document = study.current_revision().to_document()
    survey = pipeline.survey_source(document)
    assert survey is not None
    _delete(client_in, study, survey.id, 1)
    page = _text(client_in.get(reverse("studies:detail", kwargs={"pk": study.pk})))
    assert "Все три этапа пройдены" not in page
    assert (
        f"Следующий шаг: загрузите данные источника «{survey.title}»: у него нет загруженной "
        "версии" in page
    )
    # The profile reads the survey too: its run says the same, by the source's title.
    client_in.post(reverse("studies:run_start", kwargs={"pk": study.pk}))
    run = ProfileRun.objects.filter(study=study).latest("pk")
    assert run.status == ProfileRun.Status.FAILED
    assert f"У источника «{survey.title}» нет загруженной версии данных." in run.error


@pytest.mark.django_db
def test_a_survey_comment_chosen_as_text_stays_text(client_in: Client, user: User) -> None:
    """Walk-through: on the survey's check page (reached from the survey page) the free comment
    was set to «текст для анализа» (``use_N=text``); it must stay so in the stored version.
    With phones and e-mails inside, the check page proposes it as text already: the choice
    changes nothing, and the study's decisions keep it text if they keep it at all."""
    from tests.web.test_data_import_web import column_index, token_of

    from upload_gate import confirm_import

    study = create_study_from_example(user, "child-benefit", rows=400, seed=4)
    document = study.current_revision().to_document()
    rng = random.Random(8)
    answers = [
        "долго ждал ответа, перезвоните +7 912 345-67-89",
        "всё понятно",
        "не нашёл форму заявления на портале",
        "",
        "сложно, пишите ivan.petrov@mail.ru",
    ]
    lines = ["client_id;q_satisfaction;Комментарий"] + [
        f"{rng.getrandbits(64):016x};{rng.randint(1, 5)};{rng.choice(answers)} {i % 7 or ''}"
        for i in range(150)
    ]
    response = client_in.post(
        reverse("studies:survey", kwargs={"pk": study.pk}),
        {"source": "survey", "file": SimpleUploadedFile("ответы.csv", "\n".join(lines).encode())},
    )
    token = token_of(response)
    i = column_index(study, token, "Комментарий")
    summary = staging.get(staging_root(), staging_area(study), token).meta["summary"]
    assert (summary["columns"][i]["type"], summary["columns"][i]["use"]) == ("text", "text")
    imported = confirm_import(
        client_in, study, response, keep_reason="псевдонимы из выгрузки", **{f"use_{i}": "text"}
    )
    assert imported.status_code == 302
    latest = pipeline.list_dataset_versions(workspace_for(study), document.id, "survey")[-1]
    assert latest.version == 2
    comment = next(c for c in latest.columns if c["name"] == "Комментарий")
    assert comment["use"] == "text"
    saved = study.current_revision().to_document().data_source("survey").columns
    assert "Комментарий" not in saved or saved["Комментарий"].use == "text"


@pytest.mark.django_db
def test_a_new_survey_sources_comment_chosen_as_text_stays_text(
    client_in: Client, stored_study: Study
) -> None:
    from tests.web.test_data_import_web import column_index, do_import, token_of, upload

    rng = random.Random(9)
    answers = ["долго ждал ответа", "всё понятно", "не нашёл форму", "хорошо", "сложно"]
    lines = ["Анкета;Доволен;Комментарий"] + [
        f"A-{700 + i};{rng.choice(['да', 'нет', 'да'])};{rng.choice(answers)}" for i in range(150)
    ]
    content = ("\n".join(lines) + "\n").encode()
    extra = {
        "new_source_id": "poll",
        "new_source_kind": "survey",
        "new_source_title": "Опрос",
    }
    token = token_of(
        upload(client_in, stored_study, "ответы.csv", content, source="__new__", **extra)
    )
    i = column_index(stored_study, token, "Комментарий")
    do_import(client_in, stored_study, token, **{f"use_{i}": "text"})
    document = stored_study.current_revision().to_document()
    latest = pipeline.list_dataset_versions(workspace_for(stored_study), document.id, "poll")[-1]
    comment = next(c for c in latest.columns if c["name"] == "Комментарий")
    assert comment["use"] == "text"
    assert document.data_source("poll").columns["Комментарий"].use == "text"
