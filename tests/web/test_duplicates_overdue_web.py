"""The same hypothesis or recommendation twice is refused beside its field (a double click on
«Сохранить», a re-run); duplicates already stored are a warning of the method check. A
recommendation still to do past its due date is marked «просрочена» on its page; the form
accepts a past date and says it has passed."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.utils import timezone

from example_runs import store_example
from segprofile.model.format import shorten
from segprofile.model.study import RecommendationStatus
from segprofile.web.studies.models import Study
from web_pages import HX, current_document, field_errors, form_data, page_text, study_url


@pytest.fixture
def study(user: User, example_built: tuple[Path, str]) -> Study:
    return store_example(user, example_built)


#: № 10 of the example: «Сельские заявители не знают о подаче через Госуслуги и едут в МФЦ или
#: клиентскую службу.», typed again as people type: case, spaces, no final dot, ё.
TYPED_AGAIN = (
    "  сельские заявители НЕ знают о подаче через госуслуги  и едут в МФЦ или клиентскую службу"
)

HYPOTHESIS = {
    "kind": "problem",
    "statement": "Многодетные семьи не знают, что пособие можно получить вместе с региональным",
    "segments": [],
    "need": "n_know_entitlement",
    "hunt_stage": "3",
    "aidas_stage": "attention",
    "source": "Интервью",
}

RECOMMENDATION = {
    "kind": "informing",
    "title": "Памятка многодетным о сочетании выплат",
    "problems": ["p_large_family_repeat_entry"],
    "owner": "Отдел социальных выплат",
    "status": "planned",
    "due_date": "",
}


def test_a_hypothesis_worded_as_one_of_the_study_is_refused_naming_it(
    study: Study, client_in: Client
) -> None:
    before = study.current_revision().number
    tenth = current_document(study).hypotheses[9]
    response = client_in.post(
        study_url("hypothesis_new", study),
        form_data(study, HYPOTHESIS, statement=TYPED_AGAIN, segments=tenth.segments),
        **HX,
    )
    assert response.status_code == 400
    errors = field_errors(page_text(response), "statement")
    assert errors == [
        "Такая гипотеза уже есть: № 10 «Сельские заявители не знают о подаче через Госуслуги и "
        "едут в МФЦ или…». Измените формулировку или откройте её."
    ]
    assert study.current_revision().number == before
    # What was typed stays in the form to be reworded.
    assert "НЕ знают о подаче" in page_text(response)


def test_saved_twice_the_hypothesis_is_stored_once(study: Study, client_in: Client) -> None:
    url = study_url("hypothesis_new", study)
    first_base = form_data(study, HYPOTHESIS)
    assert client_in.post(url, first_base).status_code == 302
    # A re-run: the page reloaded, the same text saved again on the new revision.
    again = client_in.post(
        url,
        form_data(
            study,
            HYPOTHESIS,
            statement="многодетные семьи не "
            "знают, что пособие можно получить вместе с региональным.",
        ),
        **HX,
    )
    assert again.status_code == 400
    assert "Такая гипотеза уже есть: № 16" in page_text(again)
    # A double click: the second request began from the same revision as the first.
    client_in.post(url, first_base, **HX)
    statements = [h.statement for h in current_document(study).hypotheses]
    assert statements.count(HYPOTHESIS["statement"]) == 1
    assert len(statements) == 16


def test_a_hypothesis_may_not_be_reworded_as_another(study: Study, client_in: Client) -> None:
    url = study_url("hypothesis_edit", study, hypothesis_id="p_docs_burden")
    tenth = current_document(study).hypotheses[9]
    response = client_in.post(
        url,
        form_data(study, HYPOTHESIS, need="", statement=TYPED_AGAIN + ".", segments=tenth.segments),
        **HX,
    )
    assert response.status_code == 400
    assert any("№ 10" in e for e in field_errors(page_text(response), "statement"))
    # Its own wording, retyped with another case and a dot less, is no duplicate.
    own = next(h for h in current_document(study).hypotheses if h.id == "p_docs_burden")
    retyped = own.statement.rstrip(".").upper()
    response = client_in.post(url, form_data(study, HYPOTHESIS, need="", statement=retyped))
    assert response.status_code == 302


def test_duplicates_stored_before_the_rule_are_a_warning_and_may_still_be_edited(
    study: Study, client_in: Client, user: User
) -> None:
    document = current_document(study)
    first = document.hypotheses[0]
    copies = [
        first.model_copy(update={"id": "n_copy", "statement": first.statement.upper()}),
        first.model_copy(update={"id": "n_copy2", "statement": first.statement.rstrip(".")}),
    ]
    title = document.recommendations[0].title
    rec = document.recommendations[0].model_copy(update={"id": "r_copy", "title": title + "!"})
    uploaded = document.model_copy(
        update={
            "hypotheses": [*document.hypotheses, *copies],
            "recommendations": [*document.recommendations, rec],
        }
    )
    study.add_revision(uploaded, author=user, comment="загружен YAML")
    page = page_text(client_in.get(study_url("detail", study)))
    assert "гипотезы № 1, 16 и 17 сформулированы одинаково («Получить решение" in page
    assert f"рекомендация «{shorten(title, 60)}» записана 2 раза" in page
    # The copy keeps its wording while its source is changed: the rule refuses new duplicates.
    url = study_url("hypothesis_edit", study, hypothesis_id="n_copy")
    data = form_data(
        study, HYPOTHESIS, kind="need", need="", statement=copies[0].statement, source="Жалобы"
    )
    assert client_in.post(url, data).status_code == 302
    saved = next(h for h in current_document(study).hypotheses if h.id == "n_copy")
    assert saved.source == "Жалобы"


def test_a_recommendation_titled_as_another_is_refused(study: Study, client_in: Client) -> None:
    before = study.current_revision().number
    existing = next(r for r in current_document(study).recommendations if "15 минут" in r.title)
    response = client_in.post(
        study_url("recommendation_new", study),
        form_data(
            study,
            RECOMMENDATION,
            title="заявление за 15  минут в клиентской службе.",
            segments=existing.segments,
        ),
        **HX,
    )
    assert response.status_code == 400
    assert field_errors(page_text(response), "title") == [
        "Такая рекомендация уже есть: «Заявление за 15 минут в клиентской службе». Измените "
        "формулировку или откройте её."
    ]
    assert study.current_revision().number == before


def _today() -> str:
    return timezone.localdate().strftime("%d.%m.%Y")


def test_a_recommendation_past_its_date_is_marked_overdue(study: Study, client_in: Client) -> None:
    past = timezone.localdate() - timedelta(days=295)
    url = study_url("recommendation_new", study)
    # A past date is accepted (written down afterwards) and said to have passed.
    response = client_in.post(
        url, form_data(study, RECOMMENDATION, due_date=past.isoformat()), follow=True
    )
    assert response.status_code == 200
    page = page_text(response)
    note = (
        f"Срок {past:%d.%m.%Y} уже прошёл: рекомендация будет отмечена как «просрочена», пока "
        "она не выполнена или не отклонена."
    )
    assert note in page
    rec = current_document(study).recommendations[-1]
    assert (rec.due_date, rec.status) == (past, RecommendationStatus.planned)
    article = page[page.index(f'id="rec-{rec.id}"') :][:5000]
    article = article[: article.index("</article>")]
    assert '<span class="tag tag--warn rec-overdue">просрочена</span>' in article
    assert f"{past:%d.%m.%Y} — просрочена" in article
    # The other recommendations have no date: none is marked.
    assert page.count("tag--warn rec-overdue") == 1  # and «просрочено: 1» in the counts line
    # Its form says so beside the date; done, it is no longer overdue.
    edit = study_url("recommendation_edit", study, recommendation_id=rec.id)
    form = page_text(client_in.get(edit, **HX))
    assert f'<span class="field__note" role="status">{note}</span>' in form
    response = client_in.post(
        edit,
        form_data(study, RECOMMENDATION, due_date=past.isoformat(), status="done"),
        follow=True,
    )
    page = page_text(response)
    assert "rec-overdue" not in page
    assert "уже прошёл" not in page


def test_a_future_or_todays_date_is_not_overdue(study: Study, client_in: Client) -> None:
    today = timezone.localdate()
    for due, title in ((today, "Сегодня"), (today + timedelta(days=1), "Завтра")):
        response = client_in.post(
            study_url("recommendation_new", study),
            form_data(study, RECOMMENDATION, title=title, due_date=due.isoformat()),
            follow=True,
        )
        assert response.status_code == 200
        page = page_text(response)
        assert "rec-overdue" not in page
        assert "уже прошёл" not in page
    assert _today() in page


def test_the_same_statement_for_another_segment_is_another_hypothesis(
    study: Study, client_in: Client
) -> None:
    """The methodology checks a need in each segment: «не знают о подаче через Госуслуги» of
    rural applicants and of large families are two hypotheses, both kept."""
    document = current_document(study)
    tenth = document.hypotheses[9]
    keys = sorted({k for h in document.hypotheses for k in h.segments} - set(tenth.segments))
    assert keys
    response = client_in.post(
        study_url("hypothesis_new", study),
        form_data(study, HYPOTHESIS, statement=TYPED_AGAIN, segments=keys[:1]),
    )
    assert response.status_code == 302
    statements = [h.statement for h in current_document(study).hypotheses]
    assert len([s for s in statements if "не знают о подаче через" in s.lower()]) == 2
