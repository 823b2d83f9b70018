"""Recommendations written in the browser (M-11): their page, new, edited, deleted; owner,
status and due date; accepted suggestions; a problem deleted since kept and marked."""

from __future__ import annotations

import html as html_lib
import re
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse

from example_runs import store_example
from segprofile.model.study import HypothesisStatus, RecommendationStatus
from segprofile.web.studies.models import Membership, Study

HX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def study(user: User, example_built: tuple[Path, str]) -> Study:
    return store_example(user, example_built)


def _url(name: str, study: Study, **kwargs: Any) -> str:
    return reverse(f"studies:{name}", kwargs={"pk": study.pk, **kwargs})


def _text(response: Any) -> str:
    return html_lib.unescape(response.content.decode())


def _doc(study: Study) -> Any:
    return study.current_revision().to_document()


def _good(study: Study, **changes: Any) -> dict[str, Any]:
    data = {
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
        "base_revision": study.current_revision().number,
    }
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


def _field_errors(page: str, field: str) -> list[str]:
    """The errors shown beside ``field`` in the form part."""
    starts = [m.start() for m in re.finditer(r'<div class="field[ "]', page)]
    for i, at in enumerate(starts):
        block = page[at : starts[i + 1] if i + 1 < len(starts) else len(page)]
        if re.search(rf'(?:for|id)="id_{field}(?:_label)?"', block[:400]):
            assert "field--error" in block[:60], f"no error beside {field}"
            return re.findall(r'<span class="field__error[^"]*"[^>]*>(.*?)</span>', block, re.S)
    raise AssertionError(f"no field {field}")


def test_the_page_lists_recommendations_with_their_links(study: Study, client_in: Client) -> None:
    page = _text(client_in.get(_url("recommendations", study)))
    assert "Рекомендации" in page
    article = page[page.index('id="rec-r_office_digitise"') :][:4000]
    assert "Оптимизация клиентского пути" in article
    assert "Запланирована" in article  # the default status of an older recommendation
    assert f"{_url('hypotheses', study)}#h-p_office_slow" in article
    assert f"{_url('journeys', study)}#j-target_office" in article
    # Reached from the study page and from the journeys page.
    link = f'href="{_url("recommendations", study)}"'
    assert link in _text(client_in.get(_url("detail", study)))
    assert link in _text(client_in.get(_url("journeys", study)))


def test_a_new_recommendation_is_the_next_revision(study: Study, client_in: Client) -> None:
    form = _text(client_in.get(_url("recommendation_new", study) + "?problem=p_office_slow", **HX))
    assert re.search(r'value="p_office_slow"[^>]*checked', form)
    # The problem's segment is ticked with it (issue 19 review); the others are not.
    assert re.search(r'value="channel=office"[^>]*checked', form)
    assert len(re.findall(r'name="segments"[^>]*checked', form)) == 1
    assert "Персонализация" in form
    assert "Выполняется" in form
    assert 'value="target_office"' in form
    assert 'value="current"' not in form  # only target journeys are offered
    before = study.current_revision().number
    response = client_in.post(_url("recommendation_new", study), _good(study))
    assert response.status_code == 302
    rec = _doc(study).recommendations[-1]
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
    page = _text(client_in.get(_url("recommendations", study)))
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
    url = _url("recommendation_new", study)
    response = client_in.post(url, _good(study, **{field: value}), **HX)
    assert response.status_code == 400
    assert response["HX-Retarget"] == '[id="recommendation-form-new"]'
    errors = _field_errors(_text(response), field)
    assert any(words in e for e in errors), errors
    assert study.current_revision().number == before


def test_an_edit_keeps_what_the_form_does_not_show(study: Study, client_in: Client) -> None:
    url = _url("recommendation_edit", study, recommendation_id="r_office_digitise")
    form = _text(client_in.get(url, **HX))
    assert "Изменить рекомендацию r_office_digitise" in form
    assert re.search(r'value="channel=office"[^>]*checked', form)
    data = _good(study, status="done", problems=["p_office_slow"], segments=["channel=office"])
    assert client_in.post(url, data).status_code == 302
    rec = next(r for r in _doc(study).recommendations if r.id == "r_office_digitise")
    assert rec.status is RecommendationStatus.done
    assert rec.title == "Выездной приём для семей с инвалидами"
    assert rec.suggested is False
    assert [r.id for r in _doc(study).recommendations][1] == "r_office_digitise"


def test_a_deleted_problem_is_kept_and_can_be_unlinked(
    study: Study, client_in: Client, user: User
) -> None:
    document = _doc(study)
    rec = next(r for r in document.recommendations if r.id == "r_rural_outreach")
    rec.problems = [*rec.problems, "p_gone"]
    study.add_revision(document, author=user, comment="ссылка на удалённую проблему")
    url = _url("recommendation_edit", study, recommendation_id="r_rural_outreach")
    form = _text(client_in.get(url, **HX))
    assert re.search(r'value="p_gone"[^>]*checked', form)
    assert "p_gone — проблема удалена" in form
    data = _good(study, problems=[*rec.problems], segments=["region_type=rural"])
    assert client_in.post(url, data).status_code == 302  # kept on a save unasked
    kept = next(r for r in _doc(study).recommendations if r.id == "r_rural_outreach")
    assert "p_gone" in kept.problems
    # A new link to a problem that does not exist is refused.
    new = _good(study, problems=["p_gone"])
    response = client_in.post(_url("recommendation_new", study), new, **HX)
    assert response.status_code == 400
    data = _good(study, problems=["p_rural_mfc_wait"], segments=["region_type=rural"])
    data["base_revision"] = study.current_revision().number
    assert client_in.post(url, data).status_code == 302
    fixed = next(r for r in _doc(study).recommendations if r.id == "r_rural_outreach")
    assert fixed.problems == ["p_rural_mfc_wait"]
    page = _text(client_in.get(_url("recommendations", study)))
    assert "решаемая проблема удалена" not in page


def test_suggestions_accepted_here_join_the_list(
    study: Study, client_in: Client, user: User
) -> None:
    document = _doc(study)
    for hyp in document.hypotheses:
        if hyp.id == "p_docs_burden":
            hyp.status = HypothesisStatus.confirmed
    document.recommendations = [r for r in document.recommendations if r.id != "r_docs_interagency"]
    study.add_revision(document, author=user, comment="без рекомендации")
    page = _text(client_in.get(_url("recommendations", study)))
    ids = re.findall(r'name="id" value="([^"]+)"', page)
    assert ids, "no suggestion offered"
    before = study.current_revision().number
    response = client_in.post(
        _url("recommendation_suggestions", study), {"id": ids[:1], "base_revision": before}
    )
    assert response.status_code == 302
    assert response["Location"].endswith("#list")
    accepted = _doc(study).recommendations[-1]
    assert (accepted.id, accepted.suggested) == (ids[0], True)
    page = _text(client_in.get(_url("recommendations", study)))
    assert f'id="rec-{ids[0]}"' in page
    # Nothing chosen: a message, nothing stored.
    now = study.current_revision().number
    client_in.post(_url("recommendation_suggestions", study), {"base_revision": now})
    assert study.current_revision().number == now


def test_a_viewer_may_not_write(study: Study, other_user: User, other_client: Client) -> None:
    Membership.objects.create(study=study, user=other_user, role="viewer")
    before = study.current_revision().number
    assert other_client.get(_url("recommendations", study)).status_code == 200
    assert other_client.get(_url("recommendation_new", study)).status_code == 403
    assert other_client.post(_url("recommendation_new", study), _good(study)).status_code == 403
    url = _url("recommendation_delete", study, recommendation_id="r_office_digitise")
    assert other_client.post(url).status_code == 403
    assert study.current_revision().number == before
    assert 'id="recommendation-add"' not in _text(other_client.get(_url("recommendations", study)))


def test_two_people_editing_different_recommendations_both_succeed(
    study: Study, client_in: Client, other_user: User, other_client: Client
) -> None:
    Membership.objects.create(study=study, user=other_user, role="editor")
    base = study.current_revision().number
    url1 = _url("recommendation_edit", study, recommendation_id="r_office_digitise")
    url2 = _url("recommendation_edit", study, recommendation_id="r_clear_refusal")
    first = _good(study, owner="Анна", base_revision=base)
    second = _good(study, owner="Борис", problems=["p_refusal_unclear"], base_revision=base)
    second["journey"] = "target_common"
    assert client_in.post(url1, first).status_code == 302
    assert other_client.post(url2, second).status_code == 302
    by_id = {r.id: r for r in _doc(study).recommendations}
    assert by_id["r_office_digitise"].owner == "Анна"
    assert by_id["r_clear_refusal"].owner == "Борис"


def test_the_same_recommendation_edited_by_two_is_a_conflict(
    study: Study, client_in: Client, other_user: User, other_client: Client
) -> None:
    Membership.objects.create(study=study, user=other_user, role="editor")
    base = study.current_revision().number
    url = _url("recommendation_edit", study, recommendation_id="r_office_digitise")
    assert client_in.post(url, _good(study, owner="Анна", base_revision=base)).status_code == 302
    response = other_client.post(url, _good(study, owner="Борис", base_revision=base), **HX)
    assert response.status_code == 409
    page = _text(response)
    assert "Анна" in page
    assert "Борис" in page
    owner = next(r for r in _doc(study).recommendations if r.id == "r_office_digitise").owner
    assert owner == "Анна"


def test_a_recommendation_is_deleted(study: Study, client_in: Client) -> None:
    url = _url("recommendation_delete", study, recommendation_id="r_clear_refusal")
    response = client_in.post(url, {"base_revision": study.current_revision().number}, **HX)
    assert response.status_code == 200
    assert response["HX-Redirect"].endswith("#list")
    assert "r_clear_refusal" not in {r.id for r in _doc(study).recommendations}
    assert "удалил(а) рекомендацию" in study.current_revision().comment
