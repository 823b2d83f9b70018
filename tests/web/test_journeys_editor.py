"""The journey editor (M-12): steps added, changed, moved, deleted, target journeys copied.

Every change is a new revision; a refused change (unknown role or problem, an empty journey, a
step twice in an order, a stale page) stores nothing and says why in Russian, in place.
"""

from __future__ import annotations

import html as html_lib
import re
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse

from segprofile import pipeline
from segprofile.model.study import Study as StudyDocument
from segprofile.web.studies.models import Study

HX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def study(user: User) -> Study:
    return Study.create_from_document(
        pipeline.example_study("child-benefit"), owner=user, comment="пример"
    )


def _url(name: str, study: Study, **kwargs: Any) -> str:
    return reverse(f"studies:{name}", kwargs={"pk": study.pk, **kwargs})


def _text(response: Any) -> str:
    return html_lib.unescape(response.content.decode())


def _doc(study: Study) -> StudyDocument:
    return study.current_revision().to_document()


def _steps(study: Study, journey_id: str) -> list[str]:
    journey = next(j for j in _doc(study).journeys if j.id == journey_id)
    return [s.id for s in journey.steps]


def _step_data(**values: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "title": "Получить уведомление о зачислении",
        "role": "applicant",
        "channel": "ЕПГУ",
        "service_level": "3",
        "duration_days": "0",
        "client_minutes": "1",
        "documents": "",
        "data_obtained": "Сведения о зачислении\nСведения о счёте",
        "pains": [],
        "front_stage": "Уведомление в личном кабинете",
        "revision": "1",
    }
    data.update(values)
    return data


def _main_swap(text: str) -> str:
    """The part of an HTMX answer swapped into the target (before the out-of-band parts)."""
    return text.split('<div id="comparison-slot"', 1)[0]


def test_the_page_has_an_editor_for_every_journey(study: Study, client_in: Client) -> None:
    text = _text(client_in.get(_url("journeys", study)))
    document = _doc(study)
    for journey in document.journeys:
        assert f'data-order-form="order-{journey.id}"' in text
        for step in journey.steps:
            assert f'id="step-{journey.id}-{step.id}"' in text
    assert "Добавить шаг" in text
    assert "Новый путь" in text
    assert f"Переместить «{document.journeys[0].steps[0].title}» выше" in text


def test_add_a_step_with_htmx_makes_a_revision_and_redraws_the_journey(
    study: Study, client_in: Client, user: User
) -> None:
    before = _steps(study, "target_common")
    response = client_in.post(
        _url("journey_step_add", study, journey_id="target_common"), _step_data(), **HX
    )
    assert response.status_code == 200
    revision = study.current_revision()
    assert revision.number == 2
    assert revision.author == user
    journey = next(j for j in _doc(study).journeys if j.id == "target_common")
    assert f"«{journey.title}»" in revision.comment  # by its title, never its id
    assert "target_common" not in revision.comment
    assert _steps(study, "target_common") == [*before, "s6"]
    step = next(j for j in _doc(study).journeys if j.id == "target_common").steps[-1]
    assert (step.role, step.service_level, step.client_minutes) == ("applicant", 3, 1.0)
    assert step.data_obtained == ["Сведения о зачислении", "Сведения о счёте"]
    assert step.front_stage == "Уведомление в личном кабинете"
    text = _text(response)
    main = _main_swap(text)
    # The journey's section: its new step, six steps in the metrics, a fresh blueprint.
    assert main.lstrip().startswith('<section class="card journey" id="j-target_common"')
    assert 'id="step-target_common-s6"' in main
    assert "<dt>Шагов</dt><dd>6</dd>" in main.replace("\n", "").replace("  ", "")
    assert "<svg" in main
    assert "Получить уведомление о зачислении" in main
    # Out of band: the comparison (8 → 6 now), the recommendations, the status line.
    assert 'id="comparison-slot" hx-swap-oob="true"' in text
    assert "8 → 6" in text
    assert 'id="recommendations" hx-swap-oob="true"' in text
    assert "Шаг «Получить уведомление о зачислении» добавлен. Редакция 2 сохранена." in text
    assert 'name="revision" value="2"' in main


def test_edit_form_comes_prefilled_and_saving_keeps_the_id(study: Study, client_in: Client) -> None:
    form = _text(
        client_in.get(
            _url("journey_step_edit", study, journey_id="current", step_id="collect"), **HX
        )
    )
    assert 'id="stepform-current-collect"' in form
    assert "data-autofocus-first" in form
    assert 'value="Собрать документы' in form or "Собрать" in form
    assert '<option value="applicant" selected>' in form
    response = client_in.post(
        _url("journey_step_save", study, journey_id="current", step_id="collect"),
        _step_data(title="Собрать справки", pains=["p_docs_burden"], service_level="1"),
        **HX,
    )
    assert response.status_code == 200
    assert _steps(study, "current") == _steps_of_example("current")
    step = next(j for j in _doc(study).journeys if j.id == "current").steps[1]
    assert (step.id, step.title, step.pains, step.service_level) == (
        "collect",
        "Собрать справки",
        ["p_docs_burden"],
        1,
    )
    text = _text(response)
    assert "Шаг «Собрать справки» сохранён." in text
    # The focus goes back to the step's «Edit» button.
    assert re.search(r'aria-label="Изменить «Собрать справки»" data-autofocus', text)


def _steps_of_example(journey_id: str) -> list[str]:
    document = pipeline.example_study("child-benefit")
    return [s.id for s in next(j for j in document.journeys if j.id == journey_id).steps]


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        ({"role": "nobody"}, "Роль «nobody» не найдена в исследовании; известные роли:"),
        ({"pains": ["p_ghost"]}, "Проблема (гипотеза) «p_ghost» не найдена в исследовании."),
        ({"service_level": "7"}, "Уровень сервиса 7 вне лестницы сервиса из 3 уровней."),
        ({"title": ""}, "Обязательное поле."),
        ({"duration_days": "два"}, "Введите число, например 2,5."),
        ({"duration_days": "-1"}, "Введите число не меньше 0."),
    ],
)
def test_bad_step_input_is_shown_in_the_form_and_stores_nothing(
    study: Study, client_in: Client, values: dict[str, Any], expected: str
) -> None:
    response = client_in.post(
        _url("journey_step_save", study, journey_id="current", step_id="apply"),
        _step_data(**values),
        **HX,
    )
    assert response.status_code == 422
    assert study.revisions.count() == 1
    text = _text(response)
    assert expected in text
    assert "Шаг не сохранён: исправьте отмеченные поля." in text
    assert 'id="stepform-current-apply"' in text
    assert "field--error" in text
    # The form keeps what was typed.
    assert 'value="ЕПГУ"' in text


def test_adding_a_step_with_an_unknown_role_is_refused(study: Study, client_in: Client) -> None:
    response = client_in.post(
        _url("journey_step_add", study, journey_id="current"),
        _step_data(role="auditor"),
        **HX,
    )
    assert response.status_code == 422
    assert "Роль «auditor» не найдена" in _text(response)
    assert study.revisions.count() == 1


def test_moving_a_step_by_keyboard_buttons(study: Study, client_in: Client) -> None:
    url = _url("journey_step_move", study, journey_id="current", step_id="collect")
    response = client_in.post(url, {"direction": "up", "revision": "1"}, **HX)
    assert response.status_code == 200
    assert _steps(study, "current")[:2] == ["collect", "learn"]
    text = _text(response)
    assert "теперь 1-й из 8" in text
    # The focus stays on the same button of the moved step.
    assert re.search(r'data-move="up" aria-disabled="true"[^>]*data-autofocus', text)
    # Up again at the top: nothing to change, no revision.
    client_in.post(url, {"direction": "up", "revision": "2"}, **HX)
    assert study.revisions.count() == 2
    client_in.post(url, {"direction": "down", "revision": "2"}, **HX)
    assert _steps(study, "current") == _steps_of_example("current")
    assert study.revisions.count() == 3
    assert client_in.post(url, {"direction": "sideways"}, **HX).status_code == 400


def test_reordering_after_a_drag(study: Study, client_in: Client) -> None:
    order = list(reversed(_steps(study, "target_common")))
    url = _url("journey_steps_order", study, journey_id="target_common")
    response = client_in.post(url, {"step": order, "moved": order[0], "revision": "1"}, **HX)
    assert response.status_code == 200
    assert _steps(study, "target_common") == order
    assert "теперь 1-й из 5" in _text(response)


def test_a_step_twice_in_an_order_is_refused_as_a_cycle(study: Study, client_in: Client) -> None:
    order = _steps(study, "target_common")
    url = _url("journey_steps_order", study, journey_id="target_common")
    response = client_in.post(url, {"step": [*order, order[0]], "revision": "1"}, **HX)
    assert response.status_code == 400
    text = _text(response)
    assert "дважды: путь вернулся бы к уже пройденному шагу (цикл)" in text
    assert 'role="alert"' in _main_swap(text)
    assert study.revisions.count() == 1


def test_an_order_from_an_old_page_is_a_conflict(study: Study, client_in: Client) -> None:
    order = _steps(study, "target_common")
    url = _url("journey_steps_order", study, journey_id="target_common")
    response = client_in.post(url, {"step": order[:-1], "revision": "1"}, **HX)
    assert response.status_code == 409
    assert "страница устарела" in _text(response)
    assert study.revisions.count() == 1


def test_the_last_step_leaves_an_empty_journey_that_says_so(
    study: Study, client_in: Client
) -> None:
    ids = _steps(study, "target_office")
    for step_id in ids[1:]:
        response = client_in.post(
            _url("journey_step_delete", study, journey_id="target_office", step_id=step_id),
            {"revision": str(study.current_revision().number)},
            **HX,
        )
        assert response.status_code == 200
    assert _steps(study, "target_office") == ids[:1]
    count = study.revisions.count()
    response = client_in.post(
        _url("journey_step_delete", study, journey_id="target_office", step_id=ids[0]),
        {"revision": str(study.current_revision().number)},
        **HX,
    )
    # An empty journey may exist while it is built: the section says it has no steps and
    # opens the form of the first one.
    assert response.status_code == 200
    assert _steps(study, "target_office") == []
    assert study.revisions.count() == count + 1
    main = _main_swap(_text(response))
    assert "В пути пока нет шагов." in main
    assert 'id="addform-target_office"' in main
    assert "<svg" not in main


def test_a_step_a_hypothesis_refers_to_is_not_deleted(study: Study, client_in: Client) -> None:
    response = client_in.post(
        _url("journey_step_delete", study, journey_id="current", step_id="apply"),
        {"revision": "1"},
        **HX,
    )
    assert response.status_code == 400
    assert "p_office_slow" in _text(response)
    assert study.revisions.count() == 1


def test_editing_a_journey_someone_changed_meanwhile_is_refused(
    study: Study, client_in: Client, other_user: User
) -> None:
    # Someone else renames a step of the current journey: revision 2.
    document = _doc(study)
    document.journeys[0].steps[0].title = "Узнать о праве (изменено)"
    study.add_revision(document, author=other_user, comment="другой")
    response = client_in.post(
        _url("journey_step_save", study, journey_id="current", step_id="collect"),
        _step_data(title="Моё название", revision="1"),
        **HX,
    )
    assert response.status_code == 409
    text = _text(response)
    assert "Путь изменён в редакции 2 (boris)" in text
    assert 'value="Моё название"' in text  # what was typed is kept
    assert 'name="revision" value="2"' in text  # saving again applies to the new state
    assert study.revisions.count() == 2
    # A change of another journey from the same old page is kept: nothing there changed.
    response = client_in.post(
        _url("journey_step_save", study, journey_id="target_common", step_id="consent"),
        _step_data(title="Согласие", revision="1"),
        **HX,
    )
    assert response.status_code == 200
    titles = {j.id: j.steps[0].title for j in _doc(study).journeys}
    assert titles["current"] == "Узнать о праве (изменено)"


def test_a_refused_journey_edit_names_the_revision_that_changed_the_journey(
    study: Study, client_in: Client, other_user: User
) -> None:
    # Revision 2 changes the current journey; revision 3, later, only the segmentation.
    document = _doc(study)
    document.journeys[0].steps[0].title = "Узнать о праве (изменено)"
    study.add_revision(document, author=other_user, comment="другой")
    document = _doc(study)
    document.segmentation.min_cell = document.segmentation.min_cell + 1
    study.add_revision(document, author=None, comment="настройки")
    response = client_in.post(
        _url("journey_step_save", study, journey_id="current", step_id="collect"),
        _step_data(title="Моё название", revision="1"),
        **HX,
    )
    assert response.status_code == 409
    assert "Путь изменён в редакции 2 (boris)" in _text(response)
    assert study.revisions.count() == 3


def test_a_new_target_journey_for_a_segment(study: Study, client_in: Client) -> None:
    response = client_in.post(
        _url("journey_new", study),
        {
            "kind": "target",
            "source": "current",
            "title": "Целевой путь самозанятых",
            "segments": ["employment=self_employed"],
            "other_segments": "",
        },
        **HX,
    )
    assert response.status_code == 200
    journey = _doc(study).journeys[-1]
    assert (journey.id, journey.kind.value, journey.segments) == (
        "target_employment_self_employed",
        "target",
        ["employment=self_employed"],
    )
    assert [s.id for s in journey.steps] == _steps_of_example("current")
    text = _text(response)
    assert (
        _main_swap(text)
        .lstrip()
        .startswith('<section class="card journey" id="j-target_employment_self_employed"')
    )
    assert 'id="journey-new" hx-swap-oob="true"' in text
    assert "Целевой путь «Целевой путь самозанятых» создан." in text


def test_a_second_common_target_journey_is_refused(study: Study, client_in: Client) -> None:
    response = client_in.post(
        _url("journey_new", study),
        {"kind": "target", "source": "current", "title": "Ещё один"},
        **HX,
    )
    assert response.status_code == 400
    assert response["HX-Retarget"] == "#journey-new"
    text = _text(response)
    assert "Общий целевой путь уже есть" in text
    assert "Путь не создан: исправьте отмеченные поля." in text
    assert study.revisions.count() == 1
    response = client_in.post(
        _url("journey_new", study),
        {"kind": "target", "source": "current", "title": "Путь", "other_segments": "просто текст"},
        **HX,
    )
    assert response.status_code == 400
    assert "нужен вид «признак=значение»" in _text(response)


def test_deleting_journeys(study: Study, client_in: Client) -> None:
    response = client_in.post(
        _url("journey_delete", study, journey_id="target_office"), {"revision": "1"}, **HX
    )
    assert response.status_code == 400
    assert "r_office_digitise" in _text(response)
    client_in.post(
        _url("journey_new", study),
        {
            "kind": "target",
            "source": "current",
            "title": "Временный",
            "other_segments": "employment=student",
        },
        **HX,
    )
    new_id = _doc(study).journeys[-1].id
    response = client_in.post(
        _url("journey_delete", study, journey_id=new_id), {"revision": "2"}, **HX
    )
    assert response.status_code == 200
    assert _main_swap(_text(response)).strip() == ""  # the section goes away
    assert new_id not in [j.id for j in _doc(study).journeys]
    assert study.revisions.count() == 3


def test_without_htmx_changes_redirect_with_a_message(study: Study, client_in: Client) -> None:
    response = client_in.post(
        _url("journey_step_move", study, journey_id="current", step_id="collect"),
        {"direction": "up", "revision": "1"},
        follow=True,
    )
    assert response.redirect_chain[-1][0].endswith("#j-current")
    assert "Редакция 2 сохранена." in _text(response)
    # The edit link without JavaScript opens the page with the form in place.
    page = _text(
        client_in.get(_url("journey_step_edit", study, journey_id="current", step_id="apply"))
    )
    assert 'id="stepform-current-apply"' in page
    assert "<h1>" in page or "<h1" in page


@pytest.mark.parametrize(
    ("name", "kwargs"),
    [
        ("journey_step_add", {"journey_id": "current"}),
        ("journey_step_save", {"journey_id": "current", "step_id": "apply"}),
        ("journey_step_move", {"journey_id": "current", "step_id": "apply"}),
        ("journey_step_delete", {"journey_id": "current", "step_id": "apply"}),
        ("journey_steps_order", {"journey_id": "current"}),
        ("journey_delete", {"journey_id": "target_common"}),
        ("journey_new", {}),
    ],
)
def test_changes_are_the_owners_only(
    name: str, kwargs: dict[str, str], study: Study, other_client: Client, client: Client
) -> None:
    url = _url(name, study, **kwargs)
    assert other_client.post(url, _step_data(direction="up"), **HX).status_code == 403
    response = client.post(url, _step_data(direction="up"))
    assert response.status_code == 302
    assert "/login" in response["Location"]
    assert study.revisions.count() == 1


def test_unknown_journey_or_step(study: Study, client_in: Client) -> None:
    assert (
        client_in.get(
            _url("journey_step_edit", study, journey_id="current", step_id="nope"), **HX
        ).status_code
        == 404
    )
    assert (
        client_in.post(
            _url("journey_step_add", study, journey_id="nope"), _step_data(), **HX
        ).status_code
        == 404
    )
    response = client_in.post(
        _url("journey_step_save", study, journey_id="current", step_id="nope"),
        _step_data(),
        **HX,
    )
    assert response.status_code == 404
    assert "Шаг «nope» не найден" in _text(response)


# --- What is typed is masked as what is imported ------------------------------------------------

_PII_TITLE = "Звонок Иванову И.И. по тел. 8-921-555-44-33"
_PII_PARTS = ("Иванов", "И.И.", "921", "555-44-33")


def _no_pii(text: str) -> bool:
    return not [p for p in _PII_PARTS if p in text]


def test_a_typed_step_is_masked_as_an_imported_one_and_the_user_is_told(
    study: Study, client_in: Client
) -> None:
    response = client_in.post(
        _url("journey_step_add", study, journey_id="current"),
        _step_data(
            title=_PII_TITLE,
            front_stage="Оператор звонит Петровой Анне Сергеевне",
            data_obtained="Справка о доходах\nСНИЛС 112-233-445 95",
        ),
        **HX,
    )
    assert response.status_code == 200
    revision = study.current_revision()
    step = next(j for j in _doc(study).journeys if j.id == "current").steps[-1]
    assert step.title == "Звонок [имя] по тел. [телефон]"
    assert step.front_stage == "Оператор звонит [имя]"
    assert step.data_obtained == ["Справка о доходах", "СНИЛС [СНИЛС]"]
    # The revision's comment (the history) quotes the masked title, never the typed one.
    assert "Звонок [имя] по тел. [телефон]" in revision.comment
    assert _no_pii(revision.comment)
    assert "Петрова" not in str(revision.document)
    text = _text(response)
    assert _no_pii(text)
    assert "В тексте заменены персональные данные: 2 имени, 1 телефон, 1 СНИЛС." in text
    # The same text in an imported CSV comes out the same.
    imported = pipeline.import_journeys(
        _doc(study), pipeline.export_journeys(_doc(study), "csv"), "csv", source="путь.csv"
    )
    again = next(j for j in imported.study.journeys if j.id == "current").steps[-1]
    assert again.title == step.title


def test_a_typed_journey_title_is_masked_and_history_keeps_no_phone(
    study: Study, client_in: Client
) -> None:
    response = client_in.post(
        _url("journey_save", study, journey_id="current"),
        {
            "kind": "current",
            "title": _PII_TITLE,
            "segments": [],
            "other_segments": "",
            "revision": "1",
        },
    )
    assert response.status_code == 302
    revision = study.current_revision()
    assert revision.number == 2
    journey = next(j for j in _doc(study).journeys if j.id == "current")
    assert journey.title == "Звонок [имя] по тел. [телефон]"
    assert _no_pii(revision.comment)
    page = _text(client_in.get(response["Location"]))
    assert _no_pii(page)
    assert "В тексте заменены персональные данные: 1 имя, 1 телефон." in page


def test_a_plain_edit_says_nothing_about_masking(study: Study, client_in: Client) -> None:
    response = client_in.post(
        _url("journey_step_add", study, journey_id="current"), _step_data(), **HX
    )
    assert "персональные данные" not in _text(response)


def test_a_number_with_thousands_grouped_by_a_space_is_accepted(
    study: Study, client_in: Client
) -> None:
    response = client_in.post(
        _url("journey_step_add", study, journey_id="current"),
        _step_data(duration_days="1 000", client_minutes="1\u00a0250,5"),
        **HX,
    )
    assert response.status_code == 200
    assert "Введите число" not in _text(response)
    step = next(j for j in _doc(study).journeys if j.id == "current").steps[-1]
    assert (step.duration_days, step.client_minutes) == (1000, 1250.5)
    # Shown as every page writes numbers: thousands spaced, a decimal comma.
    assert "1\u00a0000 дн." in _text(response)
    assert "1\u00a0250,5 мин клиента" in _text(response)
