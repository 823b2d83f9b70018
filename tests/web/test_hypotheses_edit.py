"""Hypotheses written in the browser (M-7): new, edited, a suggestion edited before it is
accepted, deleted; links to journey steps and recommendations; segments that no longer exist.

The child-benefit profile is built once per session and stored as a finished run of a fresh
study per test (as in test_research_web.py), so the forms see real segments and suggestions.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.contrib.auth.models import User
from django.test import Client

from example_runs import store_example
from segprofile.model.study import HypothesisStatus
from segprofile.web.studies.models import Membership, Study
from web_pages import HX, current_document, field_errors, form_data, page_text, study_url


@pytest.fixture
def study(user: User, example_built: tuple[Path, str]) -> Study:
    return store_example(user, example_built)


#: A good form: each test changes what it is about.
GOOD = {
    "kind": "problem",
    "statement": "Сельские семьи не знают, что заявление можно подать на ЕПГУ",
    "segments": ["region_type=rural"],
    "need": "n_remote_access",
    "hunt_stage": "3",
    "aidas_stage": "attention",
    "journey_step": "current.learn",
    "source": "Интервью в сёлах",
}


def test_the_form_offers_the_studys_own_choices_in_russian(study: Study, client_in: Client) -> None:
    response = client_in.get(study_url("hypothesis_new", study), **HX)
    assert response.status_code == 200
    page = page_text(response)
    assert 'id="hypothesis-form-new"' in page
    assert "<html" not in page  # the part, for HTMX
    # Segments by their names (keys stored), grouped by feature; the study's ladder; AIDAS in
    # Russian; steps of the journeys; needs by their statements.
    assert 'value="region_type=rural"' in page
    assert "Сельская местность" in page or "Село" in page
    document = current_document(study)
    assert f"1. {document.hunt_ladder[0]}" in page
    assert "Внимание" in page
    # the stage as the profile and the reports name it (model.labels), one name
    assert '<option value="satisfaction">Удовлетворение</option>' in page
    assert 'value="current.learn"' in page
    assert "Получить решение и первую выплату быстро" in page
    assert "лестниц" in page  # the guidance


def test_a_new_hypothesis_is_the_next_revision(study: Study, client_in: Client) -> None:
    before = study.current_revision().number
    response = client_in.post(study_url("hypothesis_new", study), form_data(study, GOOD))
    assert response.status_code == 302
    hyp = current_document(study).hypotheses[-1]
    assert response["Location"].endswith(f"#h-{hyp.id}")
    assert study.current_revision().number == before + 1
    assert hyp.id == "p1"
    assert hyp.statement.startswith("Сельские семьи")
    assert hyp.segments == ["region_type=rural"]
    assert (hyp.hunt_stage, hyp.aidas_stage.value, hyp.journey_step) == (
        3,
        "attention",
        "current.learn",
    )
    assert (hyp.need, hyp.source, hyp.status) == (
        "n_remote_access",
        "Интервью в сёлах",
        HypothesisStatus.open,
    )
    assert study.current_revision().comment.startswith("Добавлена гипотеза: ")


def test_saved_through_htmx_the_page_is_loaded_at_the_hypothesis(
    study: Study, client_in: Client
) -> None:
    data = form_data(study, GOOD, kind="need", need="", statement="Узнать срок решения заранее")
    response = client_in.post(study_url("hypothesis_new", study), data, **HX)
    assert response.status_code == 200
    hyp = current_document(study).hypotheses[-1]
    assert (hyp.id, hyp.kind.value) == ("n1", "need")
    assert response["HX-Redirect"].endswith(f"/hypotheses/#h-{hyp.id}")
    page = page_text(client_in.get(response["HX-Redirect"]))
    assert "Узнать срок решения заранее" in page
    assert "Редакция" in page  # «Редакция N сохранена»


@pytest.mark.parametrize(
    ("field", "value", "words"),
    [
        ("kind", "wish", "корректный вариант"),
        ("statement", "   ", "Обязательное поле"),
        ("segments", "region_type=mars", "корректный вариант"),
        ("hunt_stage", "9", "корректный вариант"),
        ("aidas_stage", "awareness", "корректный вариант"),
        ("journey_step", "current.nowhere", "корректный вариант"),
        ("need", "p_office_slow", "корректный вариант"),  # a problem is not offered as a need
    ],
)
def test_a_bad_value_is_named_beside_its_field_and_nothing_is_stored(
    study: Study, client_in: Client, field: str, value: str, words: str
) -> None:
    before = study.current_revision().number
    response = client_in.post(
        study_url("hypothesis_new", study), form_data(study, GOOD, **{field: value}), **HX
    )
    assert response.status_code == 400
    assert response["HX-Retarget"] == '[id="hypothesis-form-new"]'
    errors = field_errors(page_text(response), field)
    assert any(words in e for e in errors), errors
    assert study.current_revision().number == before


def test_rules_of_the_pipeline_are_named_beside_their_field(
    study: Study, client_in: Client
) -> None:
    before = study.current_revision().number
    # A need has no unmet need of its own.
    response = client_in.post(
        study_url("hypothesis_new", study), form_data(study, GOOD, kind="need"), **HX
    )
    assert response.status_code == 400
    assert any("только у проблемы" in e for e in field_errors(page_text(response), "need"))
    # A need other problems rely on cannot become a problem.
    url = study_url("hypothesis_edit", study, hypothesis_id="n_fast_decision")
    response = client_in.post(url, form_data(study, GOOD, need=""), **HX)
    assert response.status_code == 400
    assert any("p_office_slow" in e for e in field_errors(page_text(response), "kind"))
    # Hunt's ladder shorter than the stage: the model's check, beside the field.
    assert study.current_revision().number == before
    # Without HTMX: the page with the form and its errors, 400.
    response = client_in.post(
        study_url("hypothesis_new", study), form_data(study, GOOD, kind="need")
    )
    assert response.status_code == 400
    assert "<html" in page_text(response)
    assert "только у проблемы" in page_text(response)


def test_an_edit_keeps_the_status_and_the_evidence(study: Study, client_in: Client) -> None:
    url = study_url("hypothesis_edit", study, hypothesis_id="p_office_slow")
    form = page_text(client_in.get(url, **HX))
    assert re.search(r'value="channel=office"[^>]*checked', form)
    before = current_document(study).hypotheses
    old = next(h for h in before if h.id == "p_office_slow")
    number = [h.id for h in before].index("p_office_slow") + 1
    assert f"Изменить гипотезу № {number}. {old.statement[:30]}" in form  # not by its id
    data = form_data(
        study, GOOD, statement="Долгая личная подача в СФР", segments=["channel=office"]
    )
    data["need"] = "n_fast_decision"
    assert client_in.post(url, data).status_code == 302
    new = next(h for h in current_document(study).hypotheses if h.id == "p_office_slow")
    assert new.statement == "Долгая личная подача в СФР"
    assert (new.status, new.evidence, new.verdict_reason) == (
        old.status,
        old.evidence,
        old.verdict_reason,
    )
    assert [h.id for h in current_document(study).hypotheses] == [h.id for h in before]


def test_a_suggestion_is_edited_then_accepted(study: Study, client_in: Client) -> None:
    page = page_text(client_in.get(study_url("hypotheses", study)))
    match = re.search(r"hypotheses/new/\?suggestion=([\w.%-]+)\"", page)
    assert match, "no «Изменить и принять» on a suggestion"
    suggestion_id = match.group(1)
    form = page_text(
        client_in.get(study_url("hypothesis_new", study) + f"?suggestion={suggestion_id}")
    )
    assert "Принять предложение с правками" in form
    assert f'name="suggestion" value="{suggestion_id}"' in form
    source = re.search(r'name="source" value="([^"]*)"', form)
    assert source
    data = form_data(study, GOOD, statement="Отредактированная командой формулировка", need="")
    data |= {"suggestion": suggestion_id, "source": source.group(1)}
    response = client_in.post(study_url("hypothesis_new", study), data)
    assert response.status_code == 302
    hyp = current_document(study).hypotheses[-1]
    assert (hyp.id, hyp.status, hyp.statement) == (
        suggestion_id,
        HypothesisStatus.open,
        "Отредактированная командой формулировка",
    )
    assert hyp.source.startswith("Предложено по данным")  # the suggestion's source kept
    assert f"?suggestion={suggestion_id}" not in page_text(
        client_in.get(study_url("hypotheses", study))
    )
    # Accepting it twice is refused, nothing stored.
    before = study.current_revision().number
    data["base_revision"] = before
    assert client_in.post(study_url("hypothesis_new", study), data).status_code == 404
    assert study.current_revision().number == before


def test_a_viewer_may_not_write(study: Study, other_user: User, other_client: Client) -> None:
    Membership.objects.create(study=study, user=other_user, role="viewer")
    before = study.current_revision().number
    assert other_client.get(study_url("hypothesis_new", study)).status_code == 403
    assert (
        other_client.post(study_url("hypothesis_new", study), form_data(study, GOOD)).status_code
        == 403
    )
    url = study_url("hypothesis_delete", study, hypothesis_id="n_clear_decision")
    assert other_client.post(url).status_code == 403
    assert study.current_revision().number == before
    assert 'id="hypothesis-add"' not in page_text(other_client.get(study_url("hypotheses", study)))


def test_two_people_editing_different_hypotheses_both_succeed(
    study: Study, client_in: Client, other_user: User, other_client: Client
) -> None:
    Membership.objects.create(study=study, user=other_user, role="editor")
    base = study.current_revision().number
    first = form_data(study, GOOD, statement="Первая правка", need="n_fast_decision")
    second = form_data(study, GOOD, kind="need", need="", statement="Вторая правка", segments=[])
    url1 = study_url("hypothesis_edit", study, hypothesis_id="p_office_slow")
    url2 = study_url("hypothesis_edit", study, hypothesis_id="n_income_check")
    assert client_in.post(url1, {**first, "base_revision": base}).status_code == 302
    assert other_client.post(url2, {**second, "base_revision": base}).status_code == 302
    by_id = {h.id: h for h in current_document(study).hypotheses}
    assert by_id["p_office_slow"].statement == "Первая правка"
    assert by_id["n_income_check"].statement == "Вторая правка"


def test_the_same_hypothesis_edited_by_two_is_a_conflict_with_both_versions(
    study: Study, client_in: Client, other_user: User, other_client: Client
) -> None:
    Membership.objects.create(study=study, user=other_user, role="editor")
    base = study.current_revision().number
    url = study_url("hypothesis_edit", study, hypothesis_id="p_office_slow")
    mine = form_data(
        study, GOOD, statement="Версия с выездом", need="n_fast_decision", base_revision=base
    )
    theirs = form_data(
        study, GOOD, statement="Версия с записью", need="n_fast_decision", base_revision=base
    )
    assert client_in.post(url, mine).status_code == 302
    response = other_client.post(url, theirs, **HX)
    assert response.status_code == 409
    page = page_text(response)
    assert "Версия с выездом" in page
    assert "Версия с записью" in page
    statement = next(
        h for h in current_document(study).hypotheses if h.id == "p_office_slow"
    ).statement
    assert statement == "Версия с выездом"


def test_a_segment_that_no_longer_exists_is_kept_marked_and_can_be_fixed(
    study: Study, client_in: Client, user: User
) -> None:
    document = current_document(study)
    hyp = next(h for h in document.hypotheses if h.id == "n_clear_decision")
    hyp.segments = ["refused=true", "region_type=atlantis"]
    study.add_revision(document, author=user, comment="старый сегмент")
    page = page_text(client_in.get(study_url("hypotheses", study)))
    article = page[page.index('id="h-n_clear_decision"') :][:4000]
    assert "сегмент больше не существует" in article
    assert "Исправить сегменты" in article
    url = study_url("hypothesis_edit", study, hypothesis_id="n_clear_decision")
    form = page_text(client_in.get(url, **HX))
    # Offered, ticked and marked: saving the form unasked does not drop it.
    assert re.search(r'value="region_type=atlantis"[^>]*checked', form)
    # By its name, never the raw key.
    assert "Atlantis — сегмент больше не существует" in form
    assert "region_type=atlantis —" not in form
    data = form_data(study, GOOD, kind="need", need="", statement=hyp.statement)
    data["segments"] = ["refused=true", "region_type=atlantis"]
    assert client_in.post(url, data).status_code == 302
    assert (
        "region_type=atlantis"
        in next(
            h for h in current_document(study).hypotheses if h.id == "n_clear_decision"
        ).segments
    )
    data["segments"] = ["refused=true"]
    assert client_in.post(url, {**data, "base_revision": study.current_revision().number})
    fixed = next(h for h in current_document(study).hypotheses if h.id == "n_clear_decision")
    assert fixed.segments == ["refused=true"]
    page = page_text(client_in.get(study_url("hypotheses", study)))
    article = page[page.index('id="h-n_clear_decision"') :][:4000]
    assert "сегмент больше не существует" not in article


def _card(page: str, hypothesis_id: str) -> str:
    """The hypothesis's card on the hypotheses page, as the person reads it."""
    start = page.index(f'id="h-{hypothesis_id}"')
    return page[start : page.index("</article>", start)]


def test_a_card_names_its_journey_steps_once(study: Study, client_in: Client) -> None:
    page = page_text(client_in.get(study_url("hypotheses", study)))
    journeys = study_url("journeys", study)
    # Its own step only: «Шаг пути», once, by the journey's and the step's titles.
    card = _card(page, "n_know_entitlement")
    assert card.count("Шаг пути") == 1
    assert "Шаги пути" not in card
    assert card.count("Текущий путь заявителя: Узнать о пособии и проверить право на него") == 1
    assert card.count(f'href="{journeys}#step-current-learn"') == 1
    # Its own step is also one of the steps naming it as a pain, and a second step names it:
    # «Шаги пути», each step once.
    card = _card(page, "p_office_slow")
    assert card.count("Шаги пути") == 1
    assert "Шаг пути" not in card
    assert card.count(f'href="{journeys}#step-current-apply"') == 1
    assert card.count(f'href="{journeys}#step-current-decision"') == 1
    assert card.count("Текущий путь заявителя: Подать заявление") == 1


def test_the_deletion_says_what_names_the_hypothesis_and_what_becomes_of_it(
    study: Study, client_in: Client
) -> None:
    page = page_text(client_in.get(study_url("hypotheses", study)))
    card = _card(page, "p_office_slow")
    confirm = re.search(r'hx-confirm="([^"]*)"', card)
    assert confirm is not None
    assert confirm.group(1) == (
        "Удалить эту гипотезу? Она будет убрана и отсюда: "
        "шаг «Подать заявление» пути «Текущий путь заявителя»; "
        "шаг «Принятие решения о назначении или отказе» пути «Текущий путь заявителя»; "
        "исследование «Глубинные интервью с заявителями приоритетных сегментов»; "
        "исследование «Анализ жалоб на платформе обратной связи и в интернет-приёмной СФР». "
        "Ссылку на неё сохранят с пометкой «проблема удалена»: "
        "рекомендация «Заявление за 15 минут в клиентской службе»."
    )
    # A need nothing names but its own step: only that is said.
    confirm = re.search(r'hx-confirm="([^"]*)"', _card(page, "n_income_check"))
    assert confirm is not None
    assert confirm.group(1) == (
        "Удалить эту гипотезу? Она будет убрана и отсюда: шаг «Узнать о пособии и проверить "
        "право на него» пути «Текущий путь заявителя»."
    )


def test_a_hypothesis_others_depend_on_is_not_deleted(study: Study, client_in: Client) -> None:
    before = study.current_revision().number
    url = study_url("hypothesis_delete", study, hypothesis_id="n_fast_decision")
    response = client_in.post(url, {"base_revision": before}, follow=True)
    page = page_text(response)
    assert "нельзя удалить" in page
    # The problem that names it as its need, by its number and statement, never its id.
    assert "проблемы «№ 7. При личной подаче" in page
    assert "p_office_slow" not in page.split('id="registry"')[0]
    assert study.current_revision().number == before
    # The card says so beforehand, instead of offering a deletion that would be refused.
    card = _card(page, "n_fast_decision")
    assert "Удалить нельзя, пока на неё ссылаются: проблемы «№ 7. При личной подаче" in card
    assert f'action="{url}"' not in card
    assert (
        f'action="{study_url("hypothesis_delete", study, hypothesis_id="p_office_slow")}"' in page
    )


def test_a_deleted_problem_stays_on_its_recommendation_marked(
    study: Study, client_in: Client
) -> None:
    base = study.current_revision().number
    url = study_url("hypothesis_delete", study, hypothesis_id="p_office_slow")
    response = client_in.post(url, {"base_revision": base}, **HX)
    assert response.status_code == 200
    assert response["HX-Redirect"].endswith("#registry")
    document = current_document(study)
    assert "p_office_slow" not in {h.id for h in document.hypotheses}
    rec = next(r for r in document.recommendations if r.id == "r_office_digitise")
    assert rec.problems == ["p_office_slow"]
    # The steps and research activities that named it no longer do; the revision says which.
    assert not [s for j in document.journeys for s in j.steps if "p_office_slow" in s.pains]
    assert not [a for a in document.research.activities if "p_office_slow" in a.hypotheses]
    assert "шаг «Подать заявление»" in study.current_revision().comment
    page = page_text(client_in.get(study_url("recommendations", study)))
    article = page[page.index('id="rec-r_office_digitise"') :][:3000]
    assert "решаемая проблема удалена" in article
    assert "Исправить" in article


def test_a_hypothesis_links_to_its_steps_and_recommendations(
    study: Study, client_in: Client
) -> None:
    page = page_text(client_in.get(study_url("hypotheses", study)))
    article = page[page.index('id="h-p_office_slow"') :][:6000]
    journeys = study_url("journeys", study)
    assert f'href="{journeys}#step-current-apply"' in article
    assert f'href="{study_url("recommendations", study)}#rec-r_office_digitise"' in article
    assert f'href="{journeys}#j-target_office"' in article  # the journey it changes
    assert "Шаги пути" in article


def test_a_typed_statement_and_evidence_are_masked_as_imported_texts(
    study: Study, client_in: Client
) -> None:
    """A hypothesis typed in the browser passes the masking every import passes."""
    typed = GOOD | {
        "statement": "Петрова Анна (тел. 8-921-555-44-33) не знала про ЕПГУ",
        "source": "Интервью в Камунде",
    }
    response = client_in.post(study_url("hypothesis_new", study), form_data(study, typed))
    assert response.status_code == 302
    hyp = current_document(study).hypotheses[-1]
    assert hyp.statement == "[имя] (тел. [телефон]) не знала про ЕПГУ"
    assert hyp.source == "Интервью в Камунде"
    revision = study.current_revision()
    assert "Петрова" not in str(revision.document)
    assert "555-44-33" not in revision.comment
    page = page_text(client_in.get(response["Location"]))
    assert "В тексте заменены персональные данные: 1 имя, 1 телефон." in page
    assert "Петрова" not in page
