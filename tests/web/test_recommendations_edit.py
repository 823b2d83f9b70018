"""Recommendations written in the browser (M-11): their page, new, edited, deleted; owner,
status and due date; accepted suggestions; a problem deleted since kept and marked."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import pytest
from django.contrib.auth.models import User
from django.test import Client

from example_runs import store_example
from segprofile.model.study import HypothesisStatus, RecommendationStatus
from segprofile.web.studies.models import Membership, Study
from web_pages import HX, current_document, field_errors, form_data, page_text, study_url


@pytest.fixture
def study(user: User, example_built: tuple[Path, str]) -> Study:
    return store_example(user, example_built)


#: A good form: each test changes what it is about.
GOOD = {
    "kind": "personalisation",
    "title": "Выездной приём для семей с инвалидами",
    "description": "Раз в месяц специалист приезжает в сёла по записи.",
    "problems": ["p_office_slow"],
    "segments": ["disability_in_family=true"],
    "journey": "target_office",
    "journey_change": "Шаг «Подать заявление» переносится к заявителю.",
    "owner": "Отдел социальных выплат",
    "status": "in_progress",
    "due_date": "2027-03-31",
}


def test_the_page_lists_recommendations_with_their_links(study: Study, client_in: Client) -> None:
    page = page_text(client_in.get(study_url("recommendations", study)))
    assert "Рекомендации" in page
    article = page[page.index('id="rec-r_office_digitise"') :][:4000]
    assert "Оптимизация клиентского пути" in article
    assert "Запланирована" in article  # the default status of an older recommendation
    assert f"{study_url('hypotheses', study)}#h-p_office_slow" in article
    assert f"{study_url('journeys', study)}#j-target_office" in article
    # Reached from the study page and from the journeys page.
    link = f'href="{study_url("recommendations", study)}"'
    assert link in page_text(client_in.get(study_url("detail", study)))
    assert link in page_text(client_in.get(study_url("journeys", study)))


def test_a_new_recommendation_is_the_next_revision(study: Study, client_in: Client) -> None:
    form = page_text(
        client_in.get(study_url("recommendation_new", study) + "?problem=p_office_slow", **HX)
    )
    assert re.search(r'value="p_office_slow"[^>]*checked', form)
    # The problem's segment is ticked with it (issue 19 review); the others are not.
    assert re.search(r'value="channel=office"[^>]*checked', form)
    assert len(re.findall(r'name="segments"[^>]*checked', form)) == 1
    assert "Персонализация" in form
    assert "Выполняется" in form
    assert 'value="target_office"' in form
    assert 'value="current"' not in form  # only target journeys are offered
    before = study.current_revision().number
    response = client_in.post(study_url("recommendation_new", study), form_data(study, GOOD))
    assert response.status_code == 302
    rec = current_document(study).recommendations[-1]
    assert response["Location"].endswith(f"#rec-{rec.id}")
    assert study.current_revision().number == before + 1
    assert rec.id == "r1"
    assert rec.kind.value == "personalisation"
    assert rec.problems == ["p_office_slow"]
    assert rec.segments == ["disability_in_family=true"]
    assert (rec.journey, rec.owner, rec.status, rec.due_date) == (
        "target_office",
        "Отдел социальных выплат",
        RecommendationStatus.in_progress,
        date(2027, 3, 31),
    )
    page = page_text(client_in.get(study_url("recommendations", study)))
    article = page[page.index(f'id="rec-{rec.id}"') :][:4000]
    assert "31.03.2027" in article
    assert "Выполняется" in article


@pytest.mark.parametrize(
    ("field", "value", "words"),
    [
        ("kind", "advice", "корректный вариант"),
        ("title", "", "Обязательное поле"),
        ("problems", "n_fast_decision", "корректный вариант"),  # a need is not offered
        ("journey", "current", "корректный вариант"),  # a current journey is not offered
        ("status", "finished", "корректный вариант"),
        ("due_date", "31.02.2027", "ДД.ММ.ГГГГ"),
        ("segments", "region_type=mars", "корректный вариант"),
    ],
)
def test_a_bad_value_is_named_beside_its_field_and_nothing_is_stored(
    study: Study, client_in: Client, field: str, value: str, words: str
) -> None:
    before = study.current_revision().number
    url = study_url("recommendation_new", study)
    response = client_in.post(url, form_data(study, GOOD, **{field: value}), **HX)
    assert response.status_code == 400
    assert response["HX-Retarget"] == '[id="recommendation-form-new"]'
    errors = field_errors(page_text(response), field)
    assert any(words in e for e in errors), errors
    assert study.current_revision().number == before


def test_an_edit_keeps_what_the_form_does_not_show(study: Study, client_in: Client) -> None:
    url = study_url("recommendation_edit", study, recommendation_id="r_office_digitise")
    form = page_text(client_in.get(url, **HX))
    [rec] = [r for r in current_document(study).recommendations if r.id == "r_office_digitise"]
    assert f"Изменить рекомендацию «{rec.title}»" in form  # by its title, not its id
    assert re.search(r'value="channel=office"[^>]*checked', form)
    data = form_data(
        study, GOOD, status="done", problems=["p_office_slow"], segments=["channel=office"]
    )
    assert client_in.post(url, data).status_code == 302
    rec = next(r for r in current_document(study).recommendations if r.id == "r_office_digitise")
    assert rec.status is RecommendationStatus.done
    assert rec.title == "Выездной приём для семей с инвалидами"
    assert rec.suggested is False
    assert [r.id for r in current_document(study).recommendations][1] == "r_office_digitise"


def test_a_deleted_problem_is_kept_and_can_be_unlinked(
    study: Study, client_in: Client, user: User
) -> None:
    document = current_document(study)
    rec = next(r for r in document.recommendations if r.id == "r_rural_outreach")
    rec.problems = [*rec.problems, "p_gone"]
    study.add_revision(document, author=user, comment="ссылка на удалённую проблему")
    url = study_url("recommendation_edit", study, recommendation_id="r_rural_outreach")
    form = page_text(client_in.get(url, **HX))
    assert re.search(r'value="p_gone"[^>]*checked', form)
    assert "(гипотеза удалена из исследования)" in form
    data = form_data(study, GOOD, problems=[*rec.problems], segments=["region_type=rural"])
    assert client_in.post(url, data).status_code == 302  # kept on a save unasked
    kept = next(r for r in current_document(study).recommendations if r.id == "r_rural_outreach")
    assert "p_gone" in kept.problems
    # A new link to a problem that does not exist is refused.
    new = form_data(study, GOOD, problems=["p_gone"])
    response = client_in.post(study_url("recommendation_new", study), new, **HX)
    assert response.status_code == 400
    data = form_data(study, GOOD, problems=["p_rural_mfc_wait"], segments=["region_type=rural"])
    data["base_revision"] = study.current_revision().number
    assert client_in.post(url, data).status_code == 302
    fixed = next(r for r in current_document(study).recommendations if r.id == "r_rural_outreach")
    assert fixed.problems == ["p_rural_mfc_wait"]
    page = page_text(client_in.get(study_url("recommendations", study)))
    assert "решаемая проблема удалена" not in page


def test_suggestions_accepted_here_join_the_list(
    study: Study, client_in: Client, user: User
) -> None:
    document = current_document(study)
    for hyp in document.hypotheses:
        if hyp.id == "p_docs_burden":
            hyp.status = HypothesisStatus.confirmed
    document.recommendations = [r for r in document.recommendations if r.id != "r_docs_interagency"]
    study.add_revision(document, author=user, comment="без рекомендации")
    page = page_text(client_in.get(study_url("recommendations", study)))
    ids = re.findall(r'name="id" value="([^"]+)"', page)
    assert ids, "no suggestion offered"
    before = study.current_revision().number
    response = client_in.post(
        study_url("recommendation_suggestions", study), {"id": ids[:1], "base_revision": before}
    )
    assert response.status_code == 302
    assert response["Location"].endswith("#list")
    accepted = current_document(study).recommendations[-1]
    assert (accepted.id, accepted.suggested) == (ids[0], True)
    page = page_text(client_in.get(study_url("recommendations", study)))
    assert f'id="rec-{ids[0]}"' in page
    # Nothing chosen: a message, nothing stored.
    now = study.current_revision().number
    client_in.post(study_url("recommendation_suggestions", study), {"base_revision": now})
    assert study.current_revision().number == now


def test_a_viewer_may_not_write(study: Study, other_user: User, other_client: Client) -> None:
    Membership.objects.create(study=study, user=other_user, role="viewer")
    before = study.current_revision().number
    assert other_client.get(study_url("recommendations", study)).status_code == 200
    assert other_client.get(study_url("recommendation_new", study)).status_code == 403
    assert (
        other_client.post(
            study_url("recommendation_new", study), form_data(study, GOOD)
        ).status_code
        == 403
    )
    url = study_url("recommendation_delete", study, recommendation_id="r_office_digitise")
    assert other_client.post(url).status_code == 403
    assert study.current_revision().number == before
    assert 'id="recommendation-add"' not in page_text(
        other_client.get(study_url("recommendations", study))
    )


def test_two_people_editing_different_recommendations_both_succeed(
    study: Study, client_in: Client, other_user: User, other_client: Client
) -> None:
    Membership.objects.create(study=study, user=other_user, role="editor")
    base = study.current_revision().number
    url1 = study_url("recommendation_edit", study, recommendation_id="r_office_digitise")
    url2 = study_url("recommendation_edit", study, recommendation_id="r_clear_refusal")
    first = form_data(study, GOOD, owner="Анна", base_revision=base)
    second = form_data(
        study, GOOD, owner="Борис", problems=["p_refusal_unclear"], base_revision=base
    )
    second["journey"] = "target_common"
    assert client_in.post(url1, first).status_code == 302
    assert other_client.post(url2, second).status_code == 302
    by_id = {r.id: r for r in current_document(study).recommendations}
    assert by_id["r_office_digitise"].owner == "Анна"
    assert by_id["r_clear_refusal"].owner == "Борис"


def test_the_same_recommendation_edited_by_two_is_a_conflict(
    study: Study, client_in: Client, other_user: User, other_client: Client
) -> None:
    Membership.objects.create(study=study, user=other_user, role="editor")
    base = study.current_revision().number
    url = study_url("recommendation_edit", study, recommendation_id="r_office_digitise")
    assert (
        client_in.post(url, form_data(study, GOOD, owner="Анна", base_revision=base)).status_code
        == 302
    )
    response = other_client.post(
        url, form_data(study, GOOD, owner="Борис", base_revision=base), **HX
    )
    assert response.status_code == 409
    page = page_text(response)
    assert "Анна" in page
    assert "Борис" in page
    # Who saved meanwhile is named; the study file's YAML (English keys) is folded away.
    assert "Сохранил(а) Анна, " in page  # the owner, by her name (her own edit said «Анна»)
    html = response.content.decode()
    folded = html.split('<details class="conflict__yaml">')
    assert len(folded) == 3
    assert "kind:" not in folded[0]
    assert "Скопируйте написанное отсюда" in page
    owner = next(
        r for r in current_document(study).recommendations if r.id == "r_office_digitise"
    ).owner
    assert owner == "Анна"


def test_a_recommendation_is_deleted(study: Study, client_in: Client) -> None:
    url = study_url("recommendation_delete", study, recommendation_id="r_clear_refusal")
    response = client_in.post(url, {"base_revision": study.current_revision().number}, **HX)
    assert response.status_code == 200
    assert response["HX-Redirect"].endswith("#list")
    assert "r_clear_refusal" not in {r.id for r in current_document(study).recommendations}
    assert study.current_revision().comment.startswith("Удалена рекомендация ")


def test_the_suggestions_say_why_there_are_none(
    study: Study, client_in: Client, user: User
) -> None:
    # No problem confirmed yet: the page says so, not that every one is covered.
    document = current_document(study)
    for hyp in document.hypotheses:
        if hyp.status is HypothesisStatus.confirmed:
            hyp.status = HypothesisStatus.open
    document.recommendations = []
    study.add_revision(document, author=user, comment="ничего не подтверждено")
    for url in (study_url("recommendations", study), study_url("journeys", study)):
        page = page_text(client_in.get(url))
        assert "Подтверждённых проблем пока нет — предложения появятся" in page, url
        assert "у каждой подтверждённой проблемы уже есть рекомендация" not in page, url
    # Every confirmed problem covered: the other sentence.
    document = current_document(study)
    confirmed = [h for h in document.hypotheses if h.kind.value == "problem"][:1]
    for hyp in confirmed:
        hyp.status = HypothesisStatus.confirmed
    study.add_revision(document, author=user, comment="подтверждена")
    page = page_text(client_in.get(study_url("recommendations", study)))
    ids = re.findall(r'name="id" value="([^"]+)"', page)
    client_in.post(
        study_url("recommendation_suggestions", study),
        {"id": ids, "base_revision": study.current_revision().number},
    )
    for url in (study_url("recommendations", study), study_url("journeys", study)):
        page = page_text(client_in.get(url))
        assert "у каждой подтверждённой проблемы уже есть рекомендация" in page, url
        assert "Подтверждённых проблем пока нет" not in page, url


def test_saving_says_what_was_masked_in_the_typed_text(study: Study, client_in: Client) -> None:
    description = (
        "По жалобе сотрудника Морозов Алексей Сергеевич (тел. 8-910-123-45-67, таб. № 10577): "
        "звонить ему при задержке выплаты."
    )
    response = client_in.post(
        study_url("recommendation_new", study), form_data(study, GOOD, description=description)
    )
    assert response.status_code == 302
    stored = current_document(study).recommendations[-1].description
    assert stored == (
        "По жалобе сотрудника [имя] (тел. [телефон], таб. № [табельный номер]): "
        "звонить ему при задержке выплаты."
    )
    page = page_text(client_in.get(response["Location"]))
    assert "В тексте заменены персональные данные: 1 имя, 1 телефон, 1 табельный номер." in page
    assert "10577" not in page
    assert "Морозов" not in page


def test_a_text_over_its_limit_is_refused_with_the_field_and_the_limit(
    study: Study, client_in: Client
) -> None:
    form = page_text(client_in.get(study_url("recommendation_new", study), **HX))
    # The browser does not cut a paste at the limit without a word: the limit is said instead.
    assert 'maxlength="4000"' not in form
    assert "Не более 4\u00a0000 знаков." in form
    before = study.current_revision().number
    long = "Сотрудники ждут возмещения командировочных расходов больше месяца. " * 300
    response = client_in.post(
        study_url("recommendation_new", study), form_data(study, GOOD, description=long), **HX
    )
    assert response.status_code == 400
    errors = field_errors(page_text(response), "description")
    assert errors == [
        f"«Описание»: длина текста — {len(long.strip()):,}".replace(",", "\u00a0")
        + ", а допустимо не более 4\u00a0000 знаков. Сократите текст: ничего не сохранено и "
        "не обрезано."
    ]
    assert study.current_revision().number == before
    # What was typed stays in the form to be shortened.
    assert long.strip()[:200] in page_text(response)
