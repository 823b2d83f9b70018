"""The research plan edited in place (M-8, issue 19): the survey margin, interviews and surveys
with respondents needed per segment, respondents invited / interviewed / refused / opted out,
and the coverage that follows. Every save a revision; bad values refused beside their field."""

from __future__ import annotations

import html as html_lib
import re
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse

from segprofile import pipeline
from segprofile.analysis.research import survey_sample_sizes
from segprofile.model.results import RecruitedRespondent, Recruitment
from segprofile.model.study import ResearchActivity
from segprofile.model.study import Study as StudyDocument
from segprofile.web.studies import services
from segprofile.web.studies.models import Membership, ProfileRun, ResearchPlan, Study

pytestmark = pytest.mark.django_db

PEOPLE = {
    "Qm9vW3pLr7XaT2cYv0dE1f": ["channel=epgu", "region=rural"],
    "ZkP1n8sLw4HqR6tUb3mN9a": ["channel=office", "region=city"],
    "Lx2cV7bN1mQ8wE5rT0yU4i": ["channel=mfc", "region=town"],
    "Hn6gF3dS9aP2oI7uY1tR5e": ["channel=office", "region=rural"],
}


@pytest.fixture(scope="module")
def small_profile(tmp_path_factory: pytest.TempPathFactory) -> str:
    """The small study's profile (JSON), built once."""
    import pyarrow.parquet as pq

    from sp_factories import SMALL_STUDY, make_records

    data = tmp_path_factory.mktemp("plan-edit-data")
    pq.write_table(make_records(3000, seed=7), data / "records.parquet")
    profile = pipeline.profile_study(
        pipeline.Workspace.in_folder(tmp_path_factory.mktemp("ws"), data_dir=data),
        StudyDocument.model_validate(SMALL_STUDY),
        revision=1,
    )
    return pipeline.profile_to_json(profile)


@pytest.fixture
def study(stored_study: Study, user: User, small_profile: str) -> Study:
    """The small study with a finished profile and a computed plan listing four people."""
    run = ProfileRun.objects.create(
        study=stored_study,
        revision=stored_study.current_revision(),
        status=ProfileRun.Status.DONE,
        progress=1.0,
        result_json=small_profile,
    )
    recruitment = Recruitment(
        respondents=[
            RecruitedRespondent(respondent_id=pid, segments=keys, labels=keys)
            for pid, keys in PEOPLE.items()
        ],
        segments_total=6,
        segments_covered=6,
        candidates=40,
        lower_bound=3,
        bound_factor=1.5,
        explanation="Для интервью подобрано 4 человека.",
        min_cell=5,
    )
    document = stored_study.current_revision().to_document()
    sizes = survey_sample_sizes(document, pipeline.profile_from_json(small_profile))
    plan = pipeline.ResearchPlanResult(
        sample_sizes=sizes, recruitment=recruitment, guides=[], suggested_hypotheses=[]
    )
    job = ResearchPlan.objects.create(
        study=stored_study, run=run, revision=stored_study.current_revision(), created_by=user
    )
    job.data_versions = services.data_versions(
        stored_study, stored_study.current_revision().to_document()
    )
    job.save(update_fields=["data_versions"])
    job.mark_done(plan)
    return stored_study


def _url(name: str, study: Study, **kwargs: Any) -> str:
    return reverse(f"studies:{name}", kwargs={"pk": study.pk, **kwargs})


def _text(response: Any) -> str:
    return html_lib.unescape(response.content.decode())


def _doc(study: Study) -> StudyDocument:
    return study.current_revision().to_document()


def _activity(client: Client, study: Study, **fields: Any) -> Any:
    data = {
        "method": "interview",
        "title": "Глубинные интервью с сельскими заявителями",
        "status": "planned",
        "base_revision": study.current_revision().number,
        **fields,
    }
    return client.post(_url("research_activity_new", study), data, HTTP_HX_REQUEST="true")


def _target_fields(client: Client, study: Study) -> dict[str, str]:
    """The form's target field of each segment label («Тип поселения: …» → target_3)."""
    import re

    text = _text(client.get(_url("research_activity_new", study), HTTP_HX_REQUEST="true"))
    found = re.findall(r'<span>([^<]+)</span><input type="number" name="(target_\d+)"', text)
    return {label: name for label, name in found}


def test_an_activity_with_targets_for_two_segments_is_a_revision(
    study: Study, client_in: Client
) -> None:
    fields = _target_fields(client_in, study)
    rural = next(
        n
        for label, n in fields.items()
        if label.startswith("Тип поселения") and "rural" in label.lower()
    )
    office = next(n for label, n in fields.items() if "Приёмная" in label)
    before = study.current_revision().number
    response = _activity(client_in, study, **{rural: "3", office: "2"})
    assert response.status_code == 200, _text(response)
    assert response["HX-Retarget"] == "#research-record"
    document = _doc(study)
    assert study.current_revision().number == before + 1
    act = document.research.activities[0]
    assert act.id == "interviews"
    assert {t.segment: t.respondents for t in act.targets} == {
        "region=rural": 3,
        "channel=office": 2,
    }
    assert act.target_respondents == 5
    text = _text(response)
    assert "Глубинные интервью с сельскими заявителями" in text
    assert "ещё 3 интервью" in text  # nobody interviewed yet
    # The old page with its computed plan is not out of date for this.
    page = _text(client_in.get(_url("research", study)))
    assert 'id="plan-stale"' not in page
    # Every text of the plan's parts is Russian (none left as its English message id).
    for english in ("How many answers", "Interviews and surveys", "Target", "Coverage", "Edit"):
        assert english not in page
    assert "Пример: ±5 п.\u00a0п. при 95 % — если в ответах доля 40 %" in page


@pytest.mark.parametrize(
    ("fields", "field", "words"),
    [
        ({"title": ""}, "title", "Обязательное поле"),
        ({"method": "telepathy"}, "method", "Выберите корректный вариант"),
        ({"status": "someday"}, "status", "Выберите корректный вариант"),
        ({"target_0": "-1"}, "target_0", "больше либо равно 0"),
        ({"target_0": "много"}, "target_0", "Введите целое число"),
        ({"hypotheses": ["no_such"]}, "", "Выберите корректный вариант"),
    ],
)
def test_a_bad_activity_value_is_refused_beside_its_field(
    study: Study, client_in: Client, fields: dict[str, Any], field: str, words: str
) -> None:
    before = study.current_revision().number
    response = _activity(client_in, study, **fields)
    assert response.status_code == 400
    text = _text(response)
    assert words in text
    assert 'class="errorlist"' in text
    if field:
        assert f'name="{field}"' in text
    assert study.current_revision().number == before


@pytest.mark.parametrize(
    ("fields", "words"),
    [
        ({"margin": "0"}, "Введите число от 0,5 до 30."),
        ({"margin": "0,4"}, "Введите число от 0,5 до 30."),
        ({"margin": "пять"}, "Введите число, например 2,5."),
        ({"confidence": "42"}, "Выберите корректный вариант"),
        ({"max_interviews_per_person": "0"}, "больше либо равно 1"),
    ],
)
def test_a_bad_margin_is_refused_beside_its_field(
    study: Study, client_in: Client, fields: dict[str, Any], words: str
) -> None:
    before = study.current_revision().number
    data = {"margin": "5", "confidence": "95", "max_interviews_per_person": "1", **fields}
    response = client_in.post(_url("research_settings", study), data, HTTP_HX_REQUEST="true")
    assert response.status_code == 400
    assert words in _text(response)
    assert study.current_revision().number == before


def test_the_margin_changes_the_sample_sizes_at_once(study: Study, client_in: Client) -> None:
    page = _text(client_in.get(_url("research", study)))
    assert "±10 процентного пункта" in page or "±10 п" in page
    data = {"margin": "5", "confidence": "99", "max_interviews_per_person": "2"}
    response = client_in.post(_url("research_settings", study), data, HTTP_HX_REQUEST="true")
    assert response.status_code == 200, _text(response)
    research = _doc(study).research
    assert research.margin == pytest.approx(0.05)
    assert research.confidence == pytest.approx(0.99)
    assert research.max_interviews_per_person == 2
    planned = study.plans.get().plan()
    assert planned is not None
    sizes = pipeline.survey_sizes(_doc(study), planned.sample_sizes)
    assert sizes
    assert all(
        now.needed > before.needed
        for now, before in zip(sizes, planned.sample_sizes, strict=True)
        if before.needed < before.population
    )
    text = _text(response)
    for size in sizes[:3]:
        assert f'<td class="num">{size.needed}</td>' in response.content.decode()
    assert "±5" in text


def test_respondents_invited_from_the_plan_and_marked(study: Study, client_in: Client) -> None:
    fields = _target_fields(client_in, study)
    office = next(n for label, n in fields.items() if "Приёмная" in label)
    _activity(client_in, study, **{office: "2"})
    add = _url("research_respondents_add", study, activity_id="interviews")
    form = _text(client_in.get(add, HTTP_HX_REQUEST="true"))
    # Those of the activity's segment come first.
    first = form.index("ZkP1n8sLw4HqR6tUb3mN9a")
    assert first < form.index("Qm9vW3pLr7XaT2cYv0dE1f")
    chosen = ["ZkP1n8sLw4HqR6tUb3mN9a", "Hn6gF3dS9aP2oI7uY1tR5e"]
    response = client_in.post(
        add,
        {"respondents": chosen, "base_revision": study.current_revision().number},
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 200, _text(response)
    people = _doc(study).research.activities[0].respondents
    assert [(p.id, p.segment, p.status.value) for p in people] == [
        ("ZkP1n8sLw4HqR6tUb3mN9a", "channel=office", "invited"),
        ("Hn6gF3dS9aP2oI7uY1tR5e", "channel=office", "invited"),
    ]
    mark = _url("research_respondent", study, activity_id="interviews", respondent_id=chosen[0])
    response = client_in.post(
        mark,
        {
            "status": "interviewed",
            "note": "Перезвонить Ивановой Марии Петровне по +7 912 345-67-89 после обеда.",
            "base_revision": study.current_revision().number,
        },
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 200, _text(response)
    person = _doc(study).research.activities[0].respondents[0]
    assert person.status.value == "interviewed"
    assert "345-67-89" not in person.note  # personal data masked before it is stored
    assert "Перезвонить" in person.note
    text = _text(response)
    assert "ещё 1 интервью" in text
    client_in.post(
        _url("research_respondent", study, activity_id="interviews", respondent_id=chosen[1]),
        {"status": "refused", "note": "", "base_revision": study.current_revision().number},
        HTTP_HX_REQUEST="true",
    )
    coverage = pipeline.research_coverage(_doc(study))
    office_row = next(s for s in coverage.activities[0].segments if s.key == "channel=office")
    assert (office_row.target, office_row.interviewed, office_row.counts.get("refused")) == (
        2,
        1,
        1,
    )
    assert office_row.short == 1


def test_only_the_plans_pseudonyms_may_be_added(study: Study, client_in: Client) -> None:
    _activity(client_in, study)
    before = study.current_revision().number
    response = client_in.post(
        _url("research_respondents_add", study, activity_id="interviews"),
        {"respondents": ["Иванов Иван", "112-233-445 95"], "base_revision": before},
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 400
    assert "Выберите корректный вариант" in _text(response)
    assert study.current_revision().number == before
    assert not _doc(study).research.activities[0].respondents


def test_a_bad_respondent_status_is_refused(study: Study, client_in: Client) -> None:
    _activity(client_in, study)
    pid = next(iter(PEOPLE))
    client_in.post(
        _url("research_respondents_add", study, activity_id="interviews"),
        {"respondents": [pid], "base_revision": study.current_revision().number},
    )
    before = study.current_revision().number
    response = client_in.post(
        _url("research_respondent", study, activity_id="interviews", respondent_id=pid),
        {"status": "vanished", "base_revision": before},
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 400
    assert "Выберите корректный вариант" in _text(response)
    assert study.current_revision().number == before


def test_a_viewer_may_look_but_not_edit(
    study: Study, other_user: User, other_client: Client
) -> None:
    Membership.objects.create(study=study, user=other_user, role=Membership.Role.VIEWER)
    page = _text(other_client.get(_url("research", study)))
    assert "Запланировать интервью или опрос" not in page
    assert other_client.get(_url("research_activity_new", study)).status_code == 403
    assert _activity(other_client, study).status_code == 403
    data = {"margin": "5", "confidence": "95", "max_interviews_per_person": "1"}
    assert other_client.post(_url("research_settings", study), data).status_code == 403
    assert study.revisions.count() == 1
    # The plan's people (pseudonyms with the quotas each fills) are the team's working list:
    # a reader sees the plan's figures, neither the list nor its CSV.
    for pseudonym in PEOPLE:
        assert pseudonym not in page
    assert 'id="respondents-for-editors"' in page
    assert "виден тем, кто редактирует исследование" in page
    assert "respondents.csv" not in page
    assert other_client.get(_url("research_respondents", study)).status_code == 403


def test_two_people_editing_different_items_both_succeed(
    study: Study, user: User, client_in: Client, other_user: User, other_client: Client
) -> None:
    Membership.objects.create(study=study, user=other_user, role=Membership.Role.EDITOR)
    _activity(client_in, study, title="Интервью в городе")
    _activity(client_in, study, title="Интервью на селе")
    base = study.current_revision().number
    first = client_in.post(
        _url("research_activity", study, activity_id="interviews"),
        {
            "method": "interview",
            "title": "Интервью в городе",
            "status": "in_progress",
            "base_revision": base,
        },
        HTTP_HX_REQUEST="true",
    )
    assert first.status_code == 200
    second = other_client.post(
        _url("research_settings", study),
        {
            "margin": "7",
            "confidence": "90",
            "max_interviews_per_person": "1",
            "base_revision": base,
        },
        HTTP_HX_REQUEST="true",
    )
    assert second.status_code == 200
    third = other_client.post(
        _url("research_activity", study, activity_id="interviews-2"),
        {
            "method": "focus_group",
            "title": "Интервью на селе",
            "status": "planned",
            "base_revision": base,
        },
        HTTP_HX_REQUEST="true",
    )
    assert third.status_code == 200, _text(third)
    document = _doc(study)
    assert [a.status.value for a in document.research.activities] == ["in_progress", "planned"]
    assert document.research.activities[1].method.value == "focus_group"
    assert document.research.margin == pytest.approx(0.07)


def test_the_same_activity_changed_by_two_is_a_conflict_with_both_versions(
    study: Study, client_in: Client, other_user: User, other_client: Client
) -> None:
    Membership.objects.create(study=study, user=other_user, role=Membership.Role.EDITOR)
    _activity(client_in, study, title="Интервью")
    base = study.current_revision().number
    url = _url("research_activity", study, activity_id="interviews")
    data = {"method": "interview", "status": "planned", "base_revision": base}
    assert client_in.post(url, {**data, "title": "Интервью с родителями"}).status_code == 302
    response = other_client.post(url, {**data, "title": "Интервью с опекунами"})
    assert response.status_code == 409
    text = _text(response)
    assert "Интервью с родителями" in text
    assert "Интервью с опекунами" in text
    assert _doc(study).research.activities[0].title == "Интервью с родителями"


def test_an_old_document_without_targets_or_respondents_loads(small_study: StudyDocument) -> None:
    data = small_study.model_dump(mode="json")
    data["research"]["activities"] = [
        {"id": "old", "method": "interview", "title": "Интервью", "target_respondents": 5}
    ]
    document = pipeline.study_from_data(data)
    act = document.research.activities[0]
    assert (act.targets, act.respondents, act.target_respondents) == ([], [], 5)
    coverage = pipeline.research_coverage(document)
    assert coverage.activities[0].target == 5


def test_deleting_an_activity_keeps_the_history(study: Study, client_in: Client) -> None:
    _activity(client_in, study)
    response = client_in.post(
        _url("research_activity_delete", study, activity_id="interviews"),
        {"base_revision": study.current_revision().number},
    )
    assert response.status_code == 302
    assert not _doc(study).research.activities
    assert study.revisions.count() == 3


# --- issue 19 review: two people marking respondents of the same activity ----------------------


def _two_invited(study: Study, client: Client) -> list[str]:
    _activity(client, study)
    chosen = ["ZkP1n8sLw4HqR6tUb3mN9a", "Hn6gF3dS9aP2oI7uY1tR5e"]
    response = client.post(
        _url("research_respondents_add", study, activity_id="interviews"),
        {"respondents": chosen, "base_revision": study.current_revision().number},
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 200, _text(response)
    return chosen


def _mark(client: Client, study: Study, person: str, status: str, base: int, note: str = "") -> Any:
    return client.post(
        _url("research_respondent", study, activity_id="interviews", respondent_id=person),
        {"status": status, "note": note, "base_revision": base},
        HTTP_HX_REQUEST="true",
    )


def test_two_people_marking_different_respondents_of_one_activity_both_succeed(
    study: Study, client_in: Client, other_user: User, other_client: Client
) -> None:
    Membership.objects.create(study=study, user=other_user, role=Membership.Role.EDITOR)
    first, second = _two_invited(study, client_in)
    base = study.current_revision().number  # both forms opened on this revision
    assert _mark(client_in, study, first, "interviewed", base).status_code == 200
    response = _mark(other_client, study, second, "refused", base, note="не отвечает")
    assert response.status_code == 200, _text(response)
    people = _doc(study).research.activities[0].respondents
    assert [(p.id, p.status.value, p.note) for p in people] == [
        (first, "interviewed", ""),
        (second, "refused", "не отвечает"),
    ]
    assert study.current_revision().number == base + 2


def test_the_same_respondent_marked_by_two_is_a_conflict_with_both_versions(
    study: Study, client_in: Client, other_user: User, other_client: Client
) -> None:
    Membership.objects.create(study=study, user=other_user, role=Membership.Role.EDITOR)
    first, _second = _two_invited(study, client_in)
    base = study.current_revision().number
    assert _mark(client_in, study, first, "interviewed", base).status_code == 200
    response = _mark(other_client, study, first, "refused", base)
    assert response.status_code == 409
    text = _text(response)
    assert f"респондент «{first}»" in text
    assert "Интервью проведено" in text
    assert "Отказался от интервью" in text
    assert _doc(study).research.activities[0].respondents[0].status.value == "interviewed"
    assert study.current_revision().number == base + 1


def test_segments_of_an_activity_are_named_never_shown_by_key(
    study: Study, user: User, client_in: Client
) -> None:
    """A pair of features and a segment of a feature the run does not know are named from the
    study («Канал подачи: МФЦ и Тип поселения: town»), as everywhere else."""
    document = _doc(study)
    activity = {
        "id": "pairs",
        "method": "interview",
        "title": "Интервью",
        "segments": ["channel=mfc&region=town", "single_parent=true"],
    }
    activities = [ResearchActivity.model_validate(activity)]
    research = document.research.model_copy(update={"activities": activities})
    updated = document.model_copy(update={"research": research})
    study.add_revision(updated, author=user, comment="пары")
    page = _text(client_in.get(_url("research", study)))
    assert "channel=mfc&region=town" not in page
    assert "single_parent=true" not in page
    assert "Канал подачи: МФЦ и Тип поселения:" in page


def test_a_reader_sees_the_activities_figures_never_their_people(
    study: Study, other_user: User, client_in: Client, other_client: Client
) -> None:
    """Invited respondents are the team's working list: a reader sees how many were invited
    per segment, never who — not on the page, not in the history, not in the study's YAML."""
    Membership.objects.create(study=study, user=other_user, role=Membership.Role.VIEWER)
    fields = _target_fields(client_in, study)
    office = next(n for label, n in fields.items() if "Приёмная" in label)
    _activity(client_in, study, **{office: "2"})
    chosen = ["ZkP1n8sLw4HqR6tUb3mN9a", "Hn6gF3dS9aP2oI7uY1tR5e"]
    response = client_in.post(
        _url("research_respondents_add", study, activity_id="interviews"),
        {"respondents": chosen, "base_revision": study.current_revision().number},
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 200, _text(response)
    # The editor sees them, by pseudonym, with their status.
    assert chosen[0] in _text(client_in.get(_url("research", study)))
    page = _text(other_client.get(_url("research", study)))
    assert "Глубинные интервью с сельскими заявителями" in page
    assert 'class="plain respondent-list"' not in page
    for pseudonym in PEOPLE:
        assert pseudonym not in page
    views = [
        reverse("studies:history", kwargs={"pk": study.pk}),
        reverse("studies:yaml", kwargs={"pk": study.pk}),
    ]
    for url in views:
        response = other_client.get(url)
        assert response.status_code == 200, url
        body = response.content.decode()
        for pseudonym in PEOPLE:
            assert pseudonym not in body, url
    # Nor through the API (the document as JSON and YAML).
    from segprofile.web.api.models import ApiToken

    auth = {"HTTP_AUTHORIZATION": f"Bearer {ApiToken.issue(other_user, 'тест')[1]}"}
    for url in (f"/api/studies/{study.pk}/document", f"/api/studies/{study.pk}/document.yaml"):
        response = Client().get(url, **auth)
        assert response.status_code == 200, url
        body = response.content.decode()
        assert "Глубинные интервью" in body or "\\u0413" in body, url
        for pseudonym in PEOPLE:
            assert pseudonym not in body, url
    # Whoever edits the study keeps the whole document.
    assert chosen[0] in client_in.get(views[1]).content.decode()


@pytest.fixture(scope="module")
def rare_profile(tmp_path_factory: pytest.TempPathFactory) -> str:
    """The small study's profile on records with four settlement types of 1–4 clients each:
    the profile shows them as one line, «Прочие значения (4 значения, …)»."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    from sp_factories import SMALL_STUDY, make_records

    table = make_records(3000, seed=7)
    regions = table["region"].to_pylist()
    rare = [f"closed_{n}" for n in range(1, 5) for _ in range(n)]
    regions[: len(rare)] = rare
    table = table.set_column(table.schema.get_field_index("region"), "region", pa.array(regions))
    data = tmp_path_factory.mktemp("rare-data")
    pq.write_table(table, data / "records.parquet")
    profile = pipeline.profile_study(
        pipeline.Workspace.in_folder(tmp_path_factory.mktemp("ws"), data_dir=data),
        StudyDocument.model_validate(SMALL_STUDY),
        revision=1,
    )
    return pipeline.profile_to_json(profile)


def test_the_combined_line_of_rare_values_is_no_quota(
    study: Study, user: User, client_in: Client, rare_profile: str
) -> None:
    """Regions of one to four clients each make no group to interview: the form offers no
    quota for their combined line, an older target of it goes with the next save, and its key
    is never shown — the line is named «Прочие значения» where it must appear."""
    study.runs.update(result_json=rare_profile)
    published = pipeline.published_profile(pipeline.profile_from_json(rare_profile), _doc(study))
    region = next(fs for fs in published.by_feature if fs.feature_id == "region")
    assert any(s.key == "region=__other__" for s in region.segments)
    form = _text(client_in.get(_url("research_activity_new", study), HTTP_HX_REQUEST="true"))
    assert "Тип поселения:" in form
    assert "Прочие значения" not in form
    assert "__other__" not in form
    # A target stored by the older form: named, never by its key, and dropped by the next save.
    document = _doc(study)
    activity = ResearchActivity.model_validate(
        {
            "id": "interviews",
            "method": "interview",
            "title": "Интервью",
            "targets": [{"segment": "region=__other__", "respondents": 1}],
            "segments": ["region=__other__"],
        }
    )
    research = document.research.model_copy(update={"activities": [activity]})
    study.add_revision(document.model_copy(update={"research": research}), author=user)
    page = _text(client_in.get(_url("research", study)))
    shown = re.sub(r"<[^>]+>", " ", page)  # what the page says, not its markup
    assert "__other__" not in shown
    assert "Тип поселения: Прочие значения" in shown
    fields = _target_fields(client_in, study)
    town = fields["Тип поселения: Town"]
    response = client_in.post(
        _url("research_activity", study, activity_id="interviews"),
        {
            "method": "interview",
            "title": "Интервью",
            "status": "planned",
            town: "1",
            "base_revision": study.current_revision().number,
        },
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 200, _text(response)
    [saved] = _doc(study).research.activities
    assert [t.segment for t in saved.targets] == ["region=town"]


def test_a_respondent_counts_for_every_segment_they_are_in(study: Study, client_in: Client) -> None:
    """Invited for «Приёмная», the person of «Приёмная» and «city» counts towards both targets
    — on the page, in the hypotheses' coverage and in the report's «Цели по сегментам»."""
    fields = _target_fields(client_in, study)
    office = next(n for label, n in fields.items() if "Приёмная" in label)
    city = fields["Тип поселения: City"]
    _activity(client_in, study, **{office: "1", city: "1"})
    client_in.post(
        _url("research_respondents_add", study, activity_id="interviews"),
        {"respondents": ["ZkP1n8sLw4HqR6tUb3mN9a"], "base_revision": _number(study)},
        HTTP_HX_REQUEST="true",
    )
    response = client_in.post(
        _url(
            "research_respondent",
            study,
            activity_id="interviews",
            respondent_id="ZkP1n8sLw4HqR6tUb3mN9a",
        ),
        {"status": "interviewed", "note": "", "base_revision": _number(study)},
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 200, _text(response)
    coverage = pipeline.research_coverage(_doc(study))
    rows = {s.key: s for s in coverage.activities[0].segments}
    assert (rows["channel=office"].interviewed, rows["region=city"].interviewed) == (1, 1)
    assert not rows["channel=office"].short
    assert not rows["region=city"].short
    page = _text(client_in.get(_url("research", study)))
    city_row = re.search(r'data-segment="region=city"[^>]*>(.*?)</tr>', page, re.S)
    assert city_row is not None
    assert "цель достигнута" in city_row.group(1)


def _number(study: Study) -> int:
    return study.current_revision().number


def test_the_activity_form_names_hypotheses_by_number(
    study: Study, user: User, client_in: Client
) -> None:
    """Hypotheses in the activity form are «№ 1. …» as on every page, never their ids."""
    from segprofile.model.study import Hypothesis, HypothesisKind

    document = _doc(study)
    hypotheses = [
        Hypothesis(id="n1", kind=HypothesisKind.need, statement="Получать выплату без справок."),
        Hypothesis(id="p1", kind=HypothesisKind.problem, statement="Сайт не даёт записаться."),
    ]
    study.add_revision(document.model_copy(update={"hypotheses": hypotheses}), author=user)
    form = _text(client_in.get(_url("research_activity_new", study), HTTP_HX_REQUEST="true"))
    shown = re.sub(r"<[^>]+>", " ", form)
    assert "№ 1. Получать выплату без справок." in shown
    assert "№ 2. Сайт не даёт записаться." in shown
    assert "n1 —" not in shown
    assert "p1 —" not in shown


def test_a_plan_computed_under_a_smaller_min_cell_is_not_shown(
    study: Study, client_in: Client, user: User
) -> None:
    """The owner raised min_cell: the plan computed before (its sizes, quotas and people chosen
    by groups of the old threshold) is no longer shown; the page offers to compute it again."""
    page = _text(client_in.get(_url("research", study)))
    assert "Для интервью подобрано 4 человека." in page
    document = _doc(study)
    settings = document.segmentation.model_copy(update={"min_cell": 400})
    study.add_revision(
        document.model_copy(update={"segmentation": settings}), author=user, comment="порог"
    )
    page = _text(client_in.get(_url("research", study)))
    assert "Для интервью подобрано 4 человека." not in page
    assert not any(pid in page for pid in PEOPLE)
    assert 'id="plan-min-cell"' in page
    assert "Наименьшая показываемая группа увеличена после расчёта плана" in page
    csv = client_in.get(_url("research_respondents", study))
    assert not any(pid in csv.content.decode() for pid in PEOPLE)
