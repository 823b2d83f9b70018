"""Hypotheses registry (M-7, M-9) and research plan (M-8) pages.

The child-benefit profile is built once per session; each test stores it as a finished run of a
fresh study (the run page itself is tested in test_runs.py), so the pages are tested fast.
"""

from __future__ import annotations

import csv
import html as html_lib
import io
import re
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from example_runs import store_example
from segprofile import pipeline
from segprofile.model import labels
from segprofile.model.labels import journey_step_name
from segprofile.model.study import AidasStage
from segprofile.web.studies import services
from segprofile.web.studies.models import Membership, ProfileRun, ResearchPlan, Study
from segprofile.web.studies.services import workspace_for

EXAMPLE = "child-benefit"


def _store(user: User, built: tuple[Path, str], *, with_run: bool = True) -> Study:
    return store_example(user, built, with_run=with_run)


@pytest.fixture
def study(user: User, example_built: tuple[Path, str]) -> Study:
    return _store(user, example_built)


@pytest.fixture
def planned(study: Study, user: User) -> Study:
    """The study with its research plan computed by the (immediate) background job."""
    run = study.runs.get()
    plan = services.start_research_plan(study, run, study.current_revision(), user)
    assert plan.status == ResearchPlan.Status.DONE, plan.error
    return study


def _text(response: Any) -> str:
    return html_lib.unescape(response.content.decode())


def _url(name: str, study: Study, **kwargs: Any) -> str:
    return reverse(f"studies:{name}", kwargs={"pk": study.pk, **kwargs})


# --- access --------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["hypotheses", "research", "research_respondents"])
def test_pages_are_the_owners_only(
    name: str, planned: Study, client_in: Client, other_client: Client, client: Client
) -> None:
    url = _url(name, planned)
    assert client_in.get(url).status_code == 200
    assert other_client.get(url).status_code == 403
    response = client.get(url)
    assert response.status_code == 302
    assert "/login" in response["Location"]


@pytest.mark.parametrize(
    ("name", "kwargs"),
    [("hypothesis_suggestions", {}), ("hypothesis_status", {"hypothesis_id": "n_no_paper"})],
)
def test_changes_are_the_owners_only(
    name: str, kwargs: dict[str, str], study: Study, other_client: Client, client: Client
) -> None:
    data = {"status": "confirmed", "reason": "x", "id": "x", "action": "accept"}
    assert other_client.post(_url(name, study, **kwargs), data).status_code == 403
    assert client.post(_url(name, study, **kwargs), data).status_code == 302
    assert study.revisions.count() == 1


# --- hypotheses ----------------------------------------------------------------------------------


def test_registry_shows_hypotheses_with_ladder_aidas_step_and_evidence(
    study: Study, client_in: Client
) -> None:
    text = _text(client_in.get(_url("hypotheses", study)))
    document = study.current_revision().to_document()
    hyp = next(h for h in document.hypotheses if h.id == "n_know_entitlement")
    assert hyp.statement in text
    assert f"{hyp.hunt_stage}. {document.hunt_ladder[hyp.hunt_stage - 1]}" in text
    assert journey_step_name(document, "current.learn") in text  # the step by its title
    assert "current.learn" not in text
    assert "подтверждена" in text
    assert "Предложены по данным" in text
    assert "Как выносится вердикт по опросу" in text
    with_evidence = next(h for h in document.hypotheses if h.evidence)
    assert with_evidence.evidence[0].summary in text
    # the AIDAS stage by the one name of model.labels, as the profile and the reports name it
    stages = {h.aidas_stage for h in document.hypotheses if h.aidas_stage}
    assert AidasStage.satisfaction in stages
    assert all(labels.ru(stage) in text for stage in stages)
    assert "Удовлетворение" in text


def test_without_a_profile_the_page_asks_to_build_it(
    user: User, example_built: tuple[Path, str], client_in: Client
) -> None:
    bare = _store(user, example_built, with_run=False)
    text = _text(client_in.get(_url("hypotheses", bare)))
    assert "Сначала постройте профиль" in text
    research = client_in.get(_url("research", bare))
    assert research.status_code == 200
    assert "Сначала постройте профиль" in _text(research)
    response = client_in.post(
        _url("hypothesis_suggestions", bare), {"id": ["x"], "action": "accept"}, follow=True
    )
    assert "Сначала постройте профиль." in _text(response)
    assert bare.revisions.count() == 1


def _suggestions(study: Study) -> list[str]:
    run = study.runs.get()
    profile = pipeline.profile_from_json(run.result_json)
    from segprofile.analysis.hypotheses import suggest_hypotheses

    return [h.id for h in suggest_hypotheses(study.current_revision().to_document(), profile)]


def test_accepting_a_suggestion_adds_it_as_open_in_a_new_revision(
    study: Study, client_in: Client, user: User
) -> None:
    ids = _suggestions(study)
    assert ids, "the example's profile should suggest hypotheses"
    page = _text(client_in.get(_url("hypotheses", study)))
    assert f'value="{ids[0]}"' in page
    response = client_in.post(
        _url("hypothesis_suggestions", study), {"id": [ids[0]], "action": "accept"}
    )
    assert response.status_code == 302
    assert study.revisions.count() == 2
    revision = study.current_revision()
    assert revision.author == user
    added = {h.id: h for h in revision.to_document().hypotheses}[ids[0]]
    # The log names the hypothesis by its statement, not by the suggestion's id.
    assert ids[0] not in revision.comment
    assert added.statement[:40] in revision.comment
    assert added.status.value == "open"
    # Accepted, it is no longer suggested.
    assert ids[0] not in _suggestions(study)


def test_rejecting_a_suggestion_keeps_it_refuted_with_the_reason(
    study: Study, client_in: Client
) -> None:
    target = _suggestions(study)[-1]
    client_in.post(
        _url("hypothesis_suggestions", study),
        {"id": [target], "action": "reject", "reason": "не про нашу услугу"},
    )
    added = {h.id: h for h in study.current_revision().to_document().hypotheses}[target]
    assert added.status.value == "refuted"
    assert "не про нашу услугу" in added.verdict_reason
    assert target not in _suggestions(study)


def test_an_unknown_suggestion_changes_nothing(study: Study, client_in: Client) -> None:
    response = client_in.post(
        _url("hypothesis_suggestions", study), {"id": ["sug-nope"], "action": "accept"}, follow=True
    )
    assert study.revisions.count() == 1
    assert "sug-nope" in _text(response)


def test_status_change_is_a_revision_with_the_status_reason_and_author(
    study: Study, client_in: Client, user: User
) -> None:
    url = _url("hypothesis_status", study, hypothesis_id="n_no_paper")
    response = client_in.post(
        url, {"status": "confirmed", "reason": "12 из 15 интервью: носили справки"}
    )
    assert response.status_code == 302
    assert response["Location"].endswith("#h-n_no_paper")
    revision = study.current_revision()
    assert revision.number == 2
    assert revision.author == user
    assert "anna" not in revision.comment  # the author is the revision's column, not the text
    assert revision.comment.startswith("Гипотеза «")
    assert "подтверждена" in revision.comment
    hyp = {h.id: h for h in revision.to_document().hypotheses}["n_no_paper"]
    assert "n_no_paper" not in revision.comment
    assert hyp.statement[:40] in revision.comment
    assert hyp.status.value == "confirmed"
    assert hyp.verdict_reason == "12 из 15 интервью: носили справки"
    # the history names the time with its zone, as every time on the pages: «… 12:30 (МСК)»
    page = _text(client_in.get(_url("hypotheses", study)))
    when = timezone.localtime(revision.created_at).strftime("%d.%m.%Y %H:%M")
    assert f"редакция 2, {when} (МСК), Анна: открыта → подтверждена" in page


def test_a_verdict_without_a_reason_is_refused(study: Study, client_in: Client) -> None:
    url = _url("hypothesis_status", study, hypothesis_id="n_no_paper")
    response = client_in.post(url, {"status": "refuted", "reason": " "}, follow=True)
    assert study.revisions.count() == 1
    assert "нужна причина" in _text(response)
    client_in.post(url, {"status": "suggested", "reason": "x"})
    client_in.post(_url("hypothesis_status", study, hypothesis_id="nope"), {"status": "open"})
    assert study.revisions.count() == 1


# --- research plan -------------------------------------------------------------------------------


def test_research_page_lists_sizes_respondents_bound_and_guides(
    planned: Study, client_in: Client
) -> None:
    text = _text(client_in.get(_url("research", planned)))
    assert "Объём выборки опроса" in text
    assert "Респонденты для интервью" in text
    # Plain Russian: what the list is, not the greedy algorithm's formula (issue 19).
    assert "H(" not in text
    assert "Для интервью подобрано" in text
    assert "Путеводители интервью" in text
    assert "Рассчитан по профилю редакции 1, редакции 1 исследования" in text
    assert 'id="plan-stale"' not in text
    # Each recruited respondent is listed with its pseudonym.
    document = planned.current_revision().to_document()
    run = planned.runs.get()
    plan = pipeline.research_plan(
        workspace_for(planned), document, profile=pipeline.profile_from_json(run.result_json)
    )
    assert plan.recruitment.respondents
    for respondent in plan.recruitment.respondents:
        assert respondent.respondent_id in text


def _plain(html: str, start: str, length: int = 400) -> str:
    """The page's text from ``start`` on, tags dropped and spaces joined."""
    at = html.index(start)
    return " ".join(re.sub(r"<[^>]+>", " ", html[at : at + length]).split())


def test_research_page_counts_say_what_they_count_and_agree(
    planned: Study, client_in: Client
) -> None:
    """The survey sizes count the segments of one feature and of pairs of features; the
    interview respondents cover the segments of one feature: each count says which, and the
    segments of one feature are the same number in both places."""
    plan = planned.plans.get().plan()
    assert plan is not None
    single = sum(1 for s in plan.sample_sizes if "&" not in s.key)
    pairs = len(plan.sample_sizes) - single
    assert pairs > 0
    assert plan.recruitment.segments_total == single
    text = _text(client_in.get(_url("research", planned)))
    assert (
        f"Сколько ответов нужно — сегментов по одному признаку: {single}, "
        f"по парам признаков: {pairs}"
    ) in text
    assert (
        f"У каждого сегмента по одному признаку есть респондент для интервью: {single} из "
        f"{single}. Сегментам по парам признаков отдельные респонденты не подбираются."
    ) in text
    assert f"Покрыто сегментов по одному признаку {single} / {single}" in _plain(
        text, "Покрыто сегментов", 200
    )
    assert f"представляют {single} из {single} сегментов по одному признаку" in text
    assert f"{len(plan.sample_sizes)} сегмент" not in text  # no count of both kinds unlabelled
    # Figures spaced by thousands as everywhere: «1 618», not «1618».
    assert re.search(r"Всего не хватает ответов: \d{1,3}(?:\u00a0\d{3})+\.", text)


def test_the_respondents_bound_is_said_in_plain_russian(planned: Study, client_in: Client) -> None:
    plan = planned.plans.get().plan()
    assert plan is not None
    assert plan.recruitment.bound_factor > 1
    text = _text(client_in.get(_url("research", planned)))
    bound = _plain(text, "Наименьшее возможное число респондентов", 400)
    assert f"Наименьшее возможное число респондентов {plan.recruitment.lower_bound} " in bound
    assert (
        "Программа составляет список быстро, не перебирая все сочетания людей, поэтому он "
        "может оказаться немного длиннее самого короткого возможного."
    ) in bound
    # The planner's bound («не более чем в 2,72 раза») is the programmer's, not the analyst's.
    for jargon in ("связанн", "жадн", "способ подбора", "H(", "оптимум", " раза", "не более чем"):
        assert jargon not in text


def test_a_page_never_computes_the_plan(
    study: Study, client_in: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    def forbidden(*args: Any, **kwargs: Any) -> None:
        raise AssertionError("the research plan was computed in a request")

    monkeypatch.setattr(pipeline, "research_plan", forbidden)
    response = client_in.get(_url("research", study))
    assert response.status_code == 200
    text = _text(response)
    assert "План исследования ещё не рассчитан." in text
    assert f'action="{_url("research_plan_start", study)}"' in text
    assert "Рассчитать план" in text
    assert client_in.get(_url("research_respondents", study)).status_code == 302
    assert not study.plans.exists()


def test_a_viewer_sees_the_plan_state_but_cannot_start_it(
    study: Study, other_user: User, other_client: Client
) -> None:
    Membership.objects.create(study=study, user=other_user, role=Membership.Role.VIEWER)
    text = _text(other_client.get(_url("research", study)))
    assert "План исследования ещё не рассчитан." in text
    assert "research_plan_start" not in text
    assert _url("research_plan_start", study) not in text
    assert "Рассчитать план может владелец или редактор исследования." in text
    assert other_client.post(_url("research_plan_start", study)).status_code == 403
    assert not study.plans.exists()


def test_the_plan_is_a_job_with_progress(study: Study, user: User, client_in: Client) -> None:
    run = study.runs.get()
    job = ResearchPlan.objects.create(
        study=study, run=run, revision=study.current_revision(), created_by=user
    )
    page = _text(client_in.get(_url("research", study)))
    assert 'id="plan-progress"' in page
    assert f'hx-get="{_url("research_progress", study)}"' in page
    assert "Ожидание фонового обработчика" in page
    job.mark_running()
    job.report_progress(0.75, "Подбор респондентов")
    part = client_in.get(_url("research_progress", study), HTTP_HX_REQUEST="true")
    assert part.status_code == 200
    text = _text(part)
    assert "75%" in text
    assert "Подбор респондентов" in text
    assert "<html" not in text
    # Once the job has ended, HTMX gets the computed part alone in place of the progress,
    # never the whole page (a form being filled in elsewhere on it stays); a browser is sent
    # to the page.
    job.mark_failed("Нет данных о численности.")
    done = client_in.get(_url("research_progress", study), HTTP_HX_REQUEST="true")
    assert done.status_code == 200
    assert "HX-Refresh" not in done
    assert done["HX-Retarget"] == "#plan-computed"
    assert done["HX-Reswap"] == "outerHTML"
    swapped = _text(done)
    assert swapped.startswith('<div id="plan-computed">') or 'id="plan-computed"' in swapped
    assert "Нет данных о численности." in swapped
    assert "<html" not in swapped
    assert 'id="research-record"' not in swapped  # the activities and their forms untouched
    assert client_in.get(_url("research_progress", study))["Location"] == _url("research", study)
    failed = _text(client_in.get(_url("research", study)))
    assert "Не удалось рассчитать план исследования" in failed
    assert "Нет данных о численности." in failed
    assert "Рассчитать план" in failed


def test_the_finished_plan_brings_the_invite_buttons_without_a_reload(
    study: Study, user: User, client_in: Client, other_user: User, other_client: Client
) -> None:
    """Walk-through: an interview planned while the plan was computed kept «compute it first»
    under it after the plan was done; «Пригласить» came only with a reload."""
    run = study.runs.get()
    job = ResearchPlan.objects.create(
        study=study, run=run, revision=study.current_revision(), created_by=user
    )
    page = _text(client_in.get(_url("research", study)))
    waiting = _plain(page, 'id="respondents-add-interviews_segments"', 600)
    assert "сначала рассчитайте план" in waiting
    assert "Пригласить респондентов из плана" not in waiting
    job.delete()
    services.start_research_plan(study, run, study.current_revision(), user)
    done = client_in.get(_url("research_progress", study), HTTP_HX_REQUEST="true")
    assert done["HX-Retarget"] == "#plan-computed"
    swapped = _text(done)
    activities = study.current_revision().to_document().research.activities
    interviews = [a.id for a in activities if a.method.value in ("interview", "focus_group")]
    assert interviews
    for activity_id in interviews:
        part = re.search(
            rf'<div id="respondents-add-{activity_id}" hx-swap-oob="true">(.*?)</div>',
            swapped,
            re.S,
        )
        assert part is not None, activity_id
        assert "Пригласить респондентов из плана" in part.group(1)
        assert _url("research_respondents_add", study, activity_id=activity_id) in part.group(1)
    # A survey is answered, not invited: no button of its own.
    surveys = [a.id for a in activities if a.method.value == "survey"]
    assert surveys
    assert all(f"respondents-add-{a}" not in swapped for a in surveys)
    # The activities themselves are not sent again (a form open on one stays as it is).
    assert 'id="research-record"' not in swapped
    assert 'class="research-activity"' not in swapped
    # A reader is invited to nothing: no button comes to them.
    Membership.objects.create(study=study, user=other_user, role=Membership.Role.VIEWER)
    read = _text(other_client.get(_url("research_progress", study), HTTP_HX_REQUEST="true"))
    assert "respondents-add-" not in read
    assert "Пригласить респондентов из плана" not in read


def test_starting_the_plan_computes_it_in_the_background_job(
    study: Study, client_in: Client
) -> None:
    response = client_in.post(_url("research_plan_start", study))
    assert response.status_code == 302
    assert response["Location"] == _url("research", study)
    job = study.plans.get()
    assert job.status == ResearchPlan.Status.DONE
    assert job.run == study.runs.get()
    assert job.revision == study.current_revision()
    assert job.data_versions == services.data_versions(
        study, study.current_revision().to_document()
    )
    plan = job.plan()
    assert plan is not None
    assert plan.recruitment.respondents
    # The same plan asked for twice while it waits is queued once.
    job.status = ResearchPlan.Status.QUEUED
    job.save(update_fields=["status"])
    client_in.post(_url("research_plan_start", study))
    assert study.plans.count() == 1


def test_a_stale_plan_says_why_and_offers_to_compute_it_again(
    planned: Study, client_in: Client, user: User
) -> None:
    document = planned.current_revision().to_document()
    document.title += " (уточнено)"
    planned.add_revision(document, author=user, comment="уточнение")
    text = _text(client_in.get(_url("research", planned)))
    assert 'id="plan-stale"' in text
    assert "План устарел" in text
    assert "исследование изменилось (редакция 2)" in text
    assert "Респонденты для интервью" in text  # still shown, marked as out of date
    # Issue 19 review: the stale guides are not presented as current — marked, folded, and
    # the plan is offered to be rebuilt.
    assert "Пересчитать план" in text
    guides = text[text.index('id="guides"') :]
    assert "устарел" in guides[:400]
    assert "Пересчитайте план" in guides
    assert '<details class="guide" open>' not in guides
    assert '<details class="guide">' in guides
    # A newer profile makes it stale too.
    run = planned.runs.get()
    ProfileRun.objects.create(
        study=planned,
        revision=planned.current_revision(),
        status=ProfileRun.Status.DONE,
        progress=1.0,
        result_json=run.result_json,
    )
    text = _text(client_in.get(_url("research", planned)))
    assert "построен более новый профиль" in text
    client_in.post(_url("research_plan_start", planned))
    text = _text(client_in.get(_url("research", planned)))
    assert 'id="plan-stale"' not in text
    assert "Рассчитан по профилю редакции 2, редакции 2 исследования" in text
    assert '<details class="guide" open>' in text  # current again: the first guide open


def test_a_plan_without_guides_made_stale_by_hypotheses_says_so_and_offers_to_rebuild(
    study: Study, client_in: Client, user: User
) -> None:
    """The plan was computed when no hypothesis named a segment; then the team named one. The
    page must not keep saying that no hypothesis names a segment."""
    document = study.current_revision().to_document()
    named = {h.id: list(h.segments) for h in document.hypotheses}
    assert any(named.values())
    for hyp in document.hypotheses:
        hyp.segments = []
    revision = study.add_revision(document, author=user, comment="гипотезы без сегментов")
    services.start_research_plan(study, study.runs.get(), revision, user)
    text = _text(client_in.get(_url("research", study)))
    guides = text[text.index('id="guides"') :]
    assert "Ни одна гипотеза пока не называет сегмент" in guides  # true here
    assert 'id="guides-stale"' not in guides

    for hyp in document.hypotheses:
        hyp.segments = named[hyp.id]
    study.add_revision(document, author=user, comment="гипотезы названы по сегментам")
    text = _text(client_in.get(_url("research", study)))
    guides = text[text.index('id="guides"') :]
    assert "не называет сегмент" not in guides
    assert 'id="guides-stale"' in guides
    assert "План устарел" in guides
    assert "Теперь гипотезы называют сегменты" in guides
    assert "Пересчитать план" in guides


def test_uncovered_segments_are_listed_loudly(
    study: Study, client_in: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Everyone has already been interviewed as often as allowed: nobody can be recruited.
    real = pipeline.research_plan

    def exhausted(*args: Any, **kwargs: Any) -> pipeline.ResearchPlanResult:
        plan = real(*args, **kwargs)
        from segprofile.model.results import UncoveredSegment

        lost = UncoveredSegment(
            key="region_type=rural", label="Село", reason="все достигли предела интервью"
        )
        recruitment = plan.recruitment.model_copy(
            update={"uncovered": [lost], "segments_covered": plan.recruitment.segments_total - 1}
        )
        return pipeline.ResearchPlanResult(
            sample_sizes=plan.sample_sizes,
            recruitment=recruitment,
            guides=plan.guides,
            suggested_hypotheses=plan.suggested_hypotheses,
        )

    monkeypatch.setattr(pipeline, "research_plan", exhausted)
    client_in.post(_url("research_plan_start", study))
    text = _text(client_in.get(_url("research", study)))
    assert 'role="alert" id="uncovered"' in text
    assert "1 сегмент без респондента" in text
    assert "Село" in text
    assert "все достигли предела интервью" in text


def test_research_plan_errors_are_shown_in_russian(study: Study, client_in: Client) -> None:
    for path in study.data_dir().iterdir():
        path.unlink()
    client_in.post(_url("research_plan_start", study))
    assert study.plans.get().status == ResearchPlan.Status.FAILED
    response = client_in.get(_url("research", study))
    assert response.status_code == 200
    assert "Не удалось рассчитать план исследования" in _text(response)
    assert client_in.get(_url("research_respondents", study)).status_code == 302


def test_respondents_csv_downloads_with_their_quotas(planned: Study, client_in: Client) -> None:
    response = client_in.get(_url("research_respondents", planned))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    # Named by what it is, in Russian (the button too): «…-респонденты-плана.csv».
    name = quote(f"{planned.slug}-респонденты-плана.csv", safe="")
    assert f"filename*=UTF-8''{name}" in response["Content-Disposition"]
    page = re.sub(r"<[^>]+>", " ", _text(client_in.get(_url("research", planned))))
    assert "Скачать список респондентов (CSV)" in page
    assert "respondents.csv" not in page
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig")), delimiter=";"))
    assert len(rows) >= 2
    assert len(rows[0]) >= 2


def _everyone(study: Study) -> tuple[Any, dict[str, int], int]:
    """Every client of the study's records as rows of segments (a pool of all of them), the
    index of each segment key, and the study's min_cell."""
    import numpy as np

    from segprofile.analysis.research import draw_candidates

    document = study.current_revision().to_document()
    ws = workspace_for(study)
    source = document.client_records()
    assert source is not None
    assert source.id_column
    with ws.connect() as engine:
        records = pipeline.open_data_source(ws, engine, document, source)
        pool = draw_candidates(
            document,
            records,
            id_column=source.id_column,
            limit=10**7,
            max_interviews_per_person=10**6,
        )
    member = np.zeros((len(pool.ids), len(pool.segments)), dtype=bool)
    for j in range(pool.codes.shape[1]):
        col = pool.codes[:, j]
        member[np.flatnonzero(col >= 0), col[col >= 0]] = True
    index = {key: i for i, key in enumerate(pool.segments)}
    return member, index, document.segmentation.min_cell


def test_the_page_and_the_csv_name_no_respondent_by_a_rare_combination(
    planned: Study, client_in: Client
) -> None:
    import re

    member, index, min_cell = _everyone(planned)
    plan = planned.plans.get().plan()
    assert plan is not None
    assert plan.recruitment.respondents
    assert plan.recruitment.min_cell == min_cell
    # The demo data has people whose whole set of attributes is theirs alone.
    holders = [member[:, member[i]].all(axis=1).sum() for i in range(member.shape[0])]
    assert min(holders) < min_cell
    text = _text(client_in.get(_url("research", planned)))
    rows = dict(re.findall(r"<tr><td><code>([^<]+)</code></td><td>(.*?)</td>", text, flags=re.S))
    csv_rows = list(
        csv.reader(
            io.StringIO(
                client_in.get(_url("research_respondents", planned)).content.decode("utf-8-sig")
            ),
            delimiter=";",
        )
    )
    assert csv_rows[0] == ["Респондент", "Закрываемые квоты", "Прошёл интервью ранее"]
    in_csv = {row[0].lstrip("'"): row[1] for row in csv_rows[1:]}
    for r in plan.recruitment.respondents:
        # The recruiter sees which quota each fills, by name…
        assert r.labels
        assert all("=" not in label for label in r.labels)
        chips = re.findall(r'<span class="tag">([^<]+)</span>', rows[r.respondent_id])
        assert chips == r.labels
        assert in_csv[r.respondent_id] == "; ".join(r.labels)
        # …and no more than at least min_cell clients of the data have in common.
        shared = member[:, [index[k] for k in r.segments]].all(axis=1).sum()
        assert shared >= min_cell, (r.respondent_id, r.segments, shared)
    assert 'id="respondents-rule"' in text
    assert f"не меньше чем у {min_cell} клиентов" in text
    # Every quota of the plan is filled by what the list shows.
    listed = {k for r in plan.recruitment.respondents for k in r.segments}
    assert len(listed) == plan.recruitment.segments_covered


def test_a_plan_stored_before_the_check_lists_one_quota_per_respondent(
    planned: Study, client_in: Client
) -> None:
    import json

    job = planned.plans.get()
    data = json.loads(job.result_json)
    data["recruitment"].pop("min_cell")
    first = data["recruitment"]["respondents"][0]
    first["segments"] = [*first["segments"], "extra=1", "extra=2"]
    first["labels"] = [*first["labels"], "Редкое значение 1", "Редкое значение 2"]
    job.result_json = json.dumps(data)
    job.save()
    text = _text(client_in.get(_url("research", planned)))
    assert "Редкое значение" not in text
    assert "у каждого респондента указана только одна квота" in text
    data_csv = client_in.get(_url("research_respondents", planned)).content.decode("utf-8-sig")
    assert "Редкое значение" not in data_csv


def test_the_sizes_say_why_no_segment_has_survey_answers(
    planned: Study, client_in: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Walk-through: answers uploaded, yet «Есть» empty in every row with no word why."""
    page = _text(client_in.get(_url("research", planned)))
    assert 'id="survey-missing"' not in page  # the example's answers are counted

    def uncounted(document: Any, planned_sizes: Any) -> Any:
        return [s.model_copy(update={"have": None, "short": None}) for s in planned_sizes]

    real = pipeline.survey_sizes
    monkeypatch.setattr(pipeline, "survey_sizes", lambda d, p: uncounted(d, real(d, p)))
    page = _text(client_in.get(_url("research", planned)))
    note = _plain(page, 'id="survey-missing"', 900)
    # The study stores no answers of its survey source (its profile was built elsewhere).
    assert "Ответов опроса в исследовании пока нет" in note
    assert "Загрузите ответы на странице «Загрузка опроса» и постройте профиль заново." in note
    assert f'href="{_url("survey", planned)}"' in page
