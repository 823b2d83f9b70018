"""The priority threshold and weights edited on the priorities page, the ranking previewed from
the run's stored profile as they change (M-6, issue 19)."""

from __future__ import annotations

from typing import Any

import pyarrow.parquet as pq
import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse

from segprofile import pipeline
from segprofile.model.study import Study as StudyDocument
from segprofile.web.studies.models import Membership, ProfileRun, Study
from sp_factories import SMALL_STUDY, make_records

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true", "HTTP_HX_TARGET": "priority-ranking"}
PARTS = ("capacity", "dissatisfaction", "blind_zone", "uniqueness", "sponsor")


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> tuple[StudyDocument, str]:
    """One real profile of the small study (with a sponsor focus), built once."""
    data = tmp_path_factory.mktemp("priority-data")
    pq.write_table(make_records(1500, seed=11), data / "records.parquet")
    document = StudyDocument.model_validate(
        SMALL_STUDY | {"segment_notes": [{"segment": "region=rural", "sponsor_focus": True}]}
    )
    profile = pipeline.profile_study(
        pipeline.Workspace.in_folder(tmp_path_factory.mktemp("ws"), data_dir=data),
        document,
        revision=1,
    )
    return document, pipeline.profile_to_json(profile)


@pytest.fixture
def run(user: User, built: tuple[StudyDocument, str]) -> ProfileRun:
    document, result_json = built
    study = Study.create_from_document(document, owner=user, comment="тест")
    run = ProfileRun.objects.create(study=study, revision=study.current_revision())
    run.mark_done(result_json=result_json, html="<p></p>", fragment="<p></p>")
    return run


def _form(run: ProfileRun, **values: Any) -> dict[str, Any]:
    document = run.study.current_revision().to_document()
    data: dict[str, Any] = {
        "base_revision": run.study.current_revision().number,
        "low_satisfaction_csat": document.priority.low_satisfaction_csat * 100,
    }
    for mode in ("when_low", "when_high"):
        for part in PARTS:
            data[f"{mode}_{part}"] = getattr(getattr(document.priority, mode), part)
    data.update(values)
    return data


def _urls(run: ProfileRun) -> dict[str, str]:
    kwargs = {"pk": run.study.pk, "run_pk": run.pk}
    return {
        "page": reverse("studies:run_priorities", kwargs=kwargs),
        "preview": reverse("studies:priority_preview", kwargs=kwargs),
        "save": reverse("studies:priority_save", kwargs=kwargs),
    }


def test_worked_out_again_with_the_same_settings_the_ranking_is_the_stored_one(
    built: tuple[StudyDocument, str],
) -> None:
    document, result_json = built
    stored = pipeline.profile_from_json(result_json)
    again = pipeline.reprioritised(stored, document)
    assert stored.priority is not None
    assert again.priority is not None
    assert again.priority.top == stored.priority.top
    assert again.priority.sensitivity == stored.priority.sensitivity
    assert again.priority.explanation == stored.priority.explanation
    scores = {s.key: s.priority.score for f in stored.by_feature for s in f.segments if s.priority}
    assert scores
    assert {
        s.key: pytest.approx(s.priority.score)
        for f in again.by_feature
        for s in f.segments
        if s.priority
    } == scores
    # The stored profile itself is not changed.
    assert pipeline.profile_to_json(stored) == result_json


def test_the_page_shows_the_form_and_the_sensitivity(client_in: Client, run: ProfileRun) -> None:
    page = client_in.get(_urls(run)["page"])
    assert page.status_code == 200
    text = page.content.decode()
    assert 'hx-trigger="input changed delay:400ms"' in text
    assert "Насколько первые сегменты зависят от весов" in text
    assert "Вес при низкой удовлетворённости" in text


def test_the_preview_follows_the_weights_and_stores_nothing(
    client_in: Client, run: ProfileRun
) -> None:
    urls = _urls(run)
    before = run.study.current_revision().number
    # Only the sponsor's position counts: the sponsor's segment leads.
    only_sponsor = {f"{m}_{p}": 0 for m in ("when_low", "when_high") for p in PARTS}
    only_sponsor |= {"when_low_sponsor": 1, "when_high_sponsor": 1}
    answer = client_in.post(urls["preview"], _form(run, **only_sponsor), **HTMX)
    assert answer.status_code == 200
    rows = answer.context["rows"]
    ranked = sorted(
        (r for r in rows if r["segment"].priority.rank), key=lambda r: r["segment"].priority.rank
    )
    assert [r["segment"].key for r in ranked] == ["region=rural"]
    assert "Предварительный расчёт" in answer.content.decode()
    assert run.study.current_revision().number == before
    # Every figure shown is about at least min_cell people (published before it is shown).
    min_cell = answer.context["min_cell"]
    for row in rows:
        assert row["segment"].capacity is None or row["segment"].capacity >= min_cell


def test_the_threshold_switches_the_rule_of_the_methodology(
    client_in: Client, run: ProfileRun
) -> None:
    preview = _urls(run)["preview"]
    low = client_in.post(preview, _form(run, low_satisfaction_csat=100), **HTMX)
    high = client_in.post(preview, _form(run, low_satisfaction_csat=0), **HTMX)
    assert low.context["priority"].mode == "low"
    assert high.context["priority"].mode == "high"
    assert "низкая" in low.content.decode()
    assert "высокая" in high.content.decode()


def test_saving_stores_a_revision_with_the_threshold_and_weights(
    client_in: Client, run: ProfileRun
) -> None:
    before = run.study.current_revision().number
    answer = client_in.post(
        _urls(run)["save"], _form(run, low_satisfaction_csat=70, when_low_capacity=0.6)
    )
    assert answer.status_code == 302
    assert answer["Location"].endswith("#priority-settings")
    revision = run.study.current_revision()
    assert revision.number == before + 1
    priority = revision.to_document().priority
    assert priority.low_satisfaction_csat == pytest.approx(0.7)
    assert priority.when_low.capacity == pytest.approx(0.6)


def _weight_inputs(page: str) -> dict[str, str]:
    """The weight and threshold inputs of the page: name → the whole tag."""
    import re

    tags = re.findall(r"<input [^>]*>", page)
    return {
        re.search(r'name="([^"]+)"', tag).group(1): tag  # type: ignore[union-attr]
        for tag in tags
        if re.search(r'name="(when_(low|high)_\w+|low_satisfaction_csat)"', tag)
    }


def test_the_weights_are_written_with_a_decimal_comma(client_in: Client, run: ProfileRun) -> None:
    """Russian analysts write «0,45»: every number of the form shows a comma, and a text input
    with the decimal keypad (a number input would show the point whatever the language)."""
    client_in.post(
        _urls(run)["save"], _form(run, low_satisfaction_csat="72,5", when_low_capacity="0,45")
    )
    inputs = _weight_inputs(client_in.get(_urls(run)["page"]).content.decode())
    assert len(inputs) == 1 + 2 * len(PARTS)
    for name, tag in inputs.items():
        assert 'type="text"' in tag, name
        assert 'inputmode="decimal"' in tag, name
        value = tag.split('value="')[1].split('"')[0]
        assert "." not in value, (name, value)
    assert 'value="0,45"' in inputs["when_low_capacity"]
    assert 'value="72,5"' in inputs["low_satisfaction_csat"]


@pytest.mark.parametrize("capacity", ["0,45", "0.45", " 0,45 "])
def test_a_weight_is_read_with_a_comma_or_a_point(
    client_in: Client, run: ProfileRun, capacity: str
) -> None:
    urls = _urls(run)
    values = {"when_low_capacity": capacity, "low_satisfaction_csat": "72,5"}
    preview = client_in.post(urls["preview"], _form(run, **values), **HTMX)
    assert "С такими значениями приоритет не рассчитать" not in preview.content.decode()
    assert client_in.post(urls["save"], _form(run, **values)).status_code == 302
    priority = run.study.current_revision().to_document().priority
    assert priority.when_low.capacity == pytest.approx(0.45)
    assert priority.low_satisfaction_csat == pytest.approx(0.725)


@pytest.mark.parametrize(
    ("values", "field", "words"),
    [
        ({"low_satisfaction_csat": 120}, "low_satisfaction_csat", "от 0 до 100"),
        ({"low_satisfaction_csat": "много"}, "low_satisfaction_csat", "число"),
        ({"when_high_blind_zone": -1}, "when_high_blind_zone", "отрицательным"),
        ({"when_high_blind_zone": "-0,1"}, "when_high_blind_zone", "отрицательным"),
        ({"when_low_capacity": "abc"}, "when_low_capacity", "Введите число, например 2,5."),
        ({"when_low_capacity": "1,2,3"}, "when_low_capacity", "Введите число, например 2,5."),
        ({"when_low_capacity": "0,4.5"}, "when_low_capacity", "Введите число, например 2,5."),
        ({"low_satisfaction_csat": "100,5"}, "low_satisfaction_csat", "от 0 до 100"),
        (
            {f"when_low_{p}": 0 for p in PARTS},
            "when_low_capacity",
            "хотя бы один вес",
        ),
    ],
)
def test_a_bad_value_is_refused_beside_its_field_and_nothing_is_stored(
    client_in: Client, run: ProfileRun, values: dict[str, Any], field: str, words: str
) -> None:
    before = run.study.current_revision().number
    answer = client_in.post(_urls(run)["save"], _form(run, **values))
    assert answer.status_code == 400
    errors = answer.context["priority_form"].errors
    assert words.lower() in " ".join(errors[field]).lower(), errors
    assert 'class="field__error' in answer.content.decode()
    assert run.study.current_revision().number == before
    # The preview says the same, and shows no ranking.
    preview = client_in.post(_urls(run)["preview"], _form(run, **values), **HTMX)
    assert "С такими значениями приоритет не рассчитать" in preview.content.decode()


def test_a_viewer_sees_the_ranking_but_may_not_save(
    run: ProfileRun, other_user: User, other_client: Client
) -> None:
    Membership.objects.create(study=run.study, user=other_user, role="viewer")
    urls = _urls(run)
    assert "Сохранить порог и веса" not in other_client.get(urls["page"]).content.decode()
    assert other_client.post(urls["save"], _form(run)).status_code == 403


def test_a_priority_edit_and_a_role_edit_both_survive_and_the_same_part_conflicts(
    client_in: Client, run: ProfileRun, other_user: User, other_client: Client
) -> None:
    Membership.objects.create(study=run.study, user=other_user, role="editor")
    base = run.study.current_revision().number
    urls = _urls(run)
    role = reverse("studies:role_edit", kwargs={"pk": run.study.pk, "role_id": "applicant"})
    assert client_in.post(urls["save"], _form(run, low_satisfaction_csat=60)).status_code == 302
    theirs = {"base_revision": base, "kind": "applicant", "title": "Родитель"}
    theirs["audience_description"] = "Родители детей до 17 лет"
    assert other_client.post(role, theirs).status_code == 302
    document = run.study.current_revision().to_document()
    assert document.priority.low_satisfaction_csat == pytest.approx(0.6)
    assert document.roles[0].title == "Родитель"
    again = _form(run, base_revision=base, low_satisfaction_csat=90)
    assert other_client.post(urls["save"], again).status_code == 409


def test_a_saved_weight_is_the_next_form_start(client_in: Client, run: ProfileRun) -> None:
    client_in.post(_urls(run)["save"], _form(run, when_high_uniqueness=0.5))
    page = client_in.get(_urls(run)["page"])
    assert page.context["priority_form"].initial["when_high_uniqueness"] == pytest.approx(0.5)


def test_the_chart_follows_the_weights_in_the_same_swap(client_in: Client, run: ProfileRun) -> None:
    """Issue 19 review: the ranking changed with the weights but the chart did not."""
    import re

    urls = _urls(run)
    page = client_in.get(urls["page"]).content.decode()
    assert page.count('id="priority-chart"') == 1
    only_sponsor = {f"{m}_{p}": 0 for m in ("when_low", "when_high") for p in PARTS}
    only_sponsor |= {"when_low_sponsor": 1, "when_high_sponsor": 1}
    answer = client_in.post(urls["preview"], _form(run, **only_sponsor), **HTMX)
    text = answer.content.decode()
    swap = re.search(r'<section[^>]*id="priority-chart"[^>]*>', text)
    assert swap is not None
    assert 'hx-swap-oob="true"' in swap.group(0)
    assert "<svg" in text[swap.end() :]
    # The new ranking on the chart: only the sponsor's segment is numbered, first.
    rural = answer.context["names"]["region=rural"]
    listed = re.findall(r"<text[^>]*>(\d+)\. ([^<]+)</text>", text)
    assert listed == [("1", rural)]
    # The stored chart (the saved weights) numbered other segments.
    assert re.findall(r"<text[^>]*>(\d+)\. ([^<]+)</text>", page) != listed
