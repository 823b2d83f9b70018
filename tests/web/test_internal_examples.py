"""M-14 (walk-through §14): a study whose clients are all internal — employees turning to the
accounting unit — reads examples of employees, units, personnel numbers and the self-service
portal on its pages; a study of citizens keeps its examples of a benefit and its applicants."""

from __future__ import annotations

import html as html_lib
import re
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse
from tests.web.test_data_import_web import inspect_url, token_of, upload

from segprofile.model.checks import check_study
from segprofile.model.study import Study as StudyDocument
from segprofile.web.studies.models import Study
from sp_factories import SMALL_STUDY

pytestmark = pytest.mark.django_db

JOURNEY = {"id": "now", "kind": "current", "title": "Текущий путь", "steps": []}


def _document(client_types: list[str], **extra: Any) -> StudyDocument:
    scope = {**SMALL_STUDY["scope"], "client_types": client_types}
    return StudyDocument.model_validate({**SMALL_STUDY, "scope": scope, **extra})


def _stored(user: User, client_types: list[str], **extra: Any) -> Study:
    return Study.create_from_document(_document(client_types, **extra), owner=user, comment="т")


def _text(response: Any) -> str:
    assert response.status_code == 200, response.status_code
    return html_lib.unescape(response.content.decode()).replace("\xa0", " ")


# What each page shows: (internal example, citizen example).
STUDY_PAGE = [
    ("размер суточных при командировке", "возрастной порог пособия"),
    ("Сотрудник — все работники органа", "Заявитель — родители детей до 17 лет"),
    ("обращения сотрудников в бухгалтерию", "единое пособие на ребёнка"),
    ("приходят в бухгалтерию лично", "сельские заявители"),
]
ROLE_FORM = [
    ("например: все сотрудники органа", "например: родители детей до 17 лет"),
    ("[Вид обращения] = 'Аванс'", "[Канал обращения] = 'МФЦ'"),
    ("например: Стаж < 1", "например: Возраст >= 18"),
]
HYPOTHESIS_FORM = [
    ("Новые сотрудники не знают о портале самообслуживания", "Семьи в сёлах"),
    ("не приходя в бухгалтерию", "без справок, которые уже есть у ведомств"),
]
RECOMMENDATIONS = [
    ("Авансовый отчёт через портал самообслуживания", "Заявление за 15 минут"),
]
JOURNEYS_START = [
    ("Текущий путь сотрудника", "Текущий путь заявителя"),
    ("Сдать авансовый отчёт на портале самообслуживания", "Узнать о пособии"),
]
STEP_FORM = [
    ("Портал самообслуживания, электронная почта", "ЕПГУ, МФЦ, приёмная"),
    ("подразделение-исполнитель получает само", "ведомство получает само"),
]


def _page(client: Client, name: str, study: Study, **kwargs: str) -> str:
    return _text(client.get(reverse(f"studies:{name}", kwargs={"pk": study.pk, **kwargs})))


def _assert_examples(page: str, pairs: list[tuple[str, str]], *, internal: bool) -> None:
    for internal_text, citizen_text in pairs:
        shown, hidden = (internal_text, citizen_text) if internal else (citizen_text, internal_text)
        assert shown in page, shown
        assert hidden not in page, hidden


@pytest.mark.parametrize(
    ("client_types", "internal"),
    [(["internal"], True), (["citizen"], False), (["internal", "citizen"], False)],
    ids=["internal", "citizen", "both"],
)
def test_the_pages_speak_of_the_study_s_own_clients(
    client_in: Client, user: User, client_types: list[str], internal: bool
) -> None:
    study = _stored(user, client_types)
    _assert_examples(_page(client_in, "detail", study), STUDY_PAGE, internal=internal)
    role_form = _page(client_in, "role_new", study)
    _assert_examples(role_form, ROLE_FORM, internal=internal)
    kind = "internal_client" if internal else "applicant"  # a new role is the study's own client
    assert re.search(rf'<option value="{kind}"[^>]*selected', role_form), kind
    _assert_examples(_page(client_in, "hypothesis_new", study), HYPOTHESIS_FORM, internal=internal)
    _assert_examples(_page(client_in, "recommendations", study), RECOMMENDATIONS, internal=internal)
    _assert_examples(_page(client_in, "journeys", study), JOURNEYS_START, internal=internal)
    with_journey = _stored(user, client_types, journeys=[JOURNEY])
    step_form = _page(client_in, "journey_step_add_form", with_journey, journey_id="now")
    _assert_examples(step_form, STEP_FORM, internal=internal)


def test_a_role_without_a_title_is_named_by_the_study_s_own_example(
    client_in: Client, user: User
) -> None:
    for client_types, example in ((["internal"], "«Сотрудник»"), (["citizen"], "«Заявитель»")):
        study = _stored(user, client_types)
        url = reverse("studies:role_new", kwargs={"pk": study.pk})
        answer = client_in.post(url, {"kind": "applicant", "title": " ", "base_revision": "1"})
        assert answer.status_code in (200, 400, 422), answer.status_code
        assert example in html_lib.unescape(answer.content.decode())


def test_the_missing_records_check_asks_for_the_study_s_own_export() -> None:
    def message(client_types: list[str]) -> str:
        document = _document(client_types, data_sources=[], features=[])
        return next(
            f.message for f in check_study(document) if "нет данных о клиентах" in f.message
        )

    assert "выгрузку обращений сотрудников" in message(["internal"])
    assert "выгрузку заявлений" in message(["citizen"])
    assert "выгрузку заявлений" in message(["internal", "business"])


def _export(rows: int = 40) -> bytes:
    """A small export of requests: a personnel number, a skewed unit, a rating with blanks."""
    lines = ["Табельный номер;Подразделение;Канал;Оценка"]
    units = ["Аппарат"] * 6 + ["Территориальный отдел"] * 3 + ["ИТ"]
    for i in range(rows):
        rating = "" if i % 3 else str(1 + i % 5)
        lines.append(
            f"{100200 + i * 7};{units[i % len(units)]};{'портал' if i % 4 else 'лично'};{rating}"
        )
    return ("\n".join(lines) + "\n").encode("utf-8")


@pytest.mark.parametrize(("client_types", "internal"), [(["internal"], True), (["citizen"], False)])
def test_the_upload_review_names_the_study_s_own_identifiers(
    client_in: Client, user: User, client_types: list[str], internal: bool
) -> None:
    study = _stored(user, client_types)
    token = token_of(upload(client_in, study, "обращения.csv", _export()))
    page = _text(client_in.get(inspect_url(study, token)))
    _assert_examples(
        page,
        [
            ("табельный номер или номер обращения", "как СНИЛС"),
            ("подразделение сотрудника, должность", "категория заявителя"),
        ],
        internal=internal,
    )
    assert "100207" not in page  # the personnel numbers themselves are never shown


def test_the_scope_form_gives_examples_of_the_chosen_clients(client_in: Client, user: User) -> None:
    # Before the type is chosen, both kinds of examples.
    new = _text(client_in.get(reverse("studies:new")))
    assert "«Назначение ежемесячного пособия" in new
    assert "или «Возмещение командировочных расходов сотрудникам»" in new
    for client_types, shown, hidden in (
        (["internal"], "Как в НПА или приказах органа", "Назначение ежемесячного пособия"),
        (["citizen"], "Назначение ежемесячного пособия", "Возмещение командировочных"),
    ):
        study = _stored(user, client_types)
        form = _page(client_in, "scope_edit", study)
        assert shown in form
        assert hidden not in form
