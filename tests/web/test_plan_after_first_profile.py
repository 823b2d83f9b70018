"""The research plan page of a study whose first profile is still being built follows that
build (HTMX polls its progress) and, once the profile is ready, shows the plan's part as it is
then — the plan being computed, or «Рассчитать план» — without the analyst reloading the page;
only that part is swapped, the team's record and its forms stay as they are."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.contrib.auth.models import User
from django.test import Client

from example_runs import store_example
from segprofile.web.studies.models import ProfileRun, ResearchPlan, Study
from web_pages import HX, page_text, study_url


@pytest.fixture
def building(user: User, example_built: tuple[Path, str]) -> tuple[Study, ProfileRun]:
    study = store_example(user, example_built, with_run=False)
    run = ProfileRun.objects.create(study=study, revision=study.current_revision(), created_by=user)
    return study, run


def _poll(study: Study) -> str:
    return study_url("research_progress", study) + "?after=profile"


@pytest.mark.parametrize("plan_queued", [False, True])
def test_the_plan_part_follows_the_first_profile(
    building: tuple[Study, ProfileRun],
    client_in: Client,
    user: User,
    example_built: tuple[Path, str],
    plan_queued: bool,
) -> None:
    study, run = building
    page = page_text(client_in.get(study_url("research", study)))
    assert 'id="plan-profile-building"' in page
    assert f'hx-get="{_poll(study)}"' in page
    assert "Строится первый профиль исследования" in page
    assert "Сначала постройте профиль" not in page
    assert "Ожидание фонового обработчика" in page

    run.mark_running()
    run.report_progress(0.4, "Сегменты по признакам")
    part = client_in.get(_poll(study), **HX)
    assert part.status_code == 200
    text = page_text(part)
    assert "40%" in text
    assert "Сегменты по признакам" in text
    assert f'hx-get="{_poll(study)}"' in text  # still polled, with the same question
    assert "HX-Retarget" not in part
    assert "<html" not in text

    _, result_json = example_built
    run.mark_done(result_json=result_json, html="", fragment="")
    if plan_queued:  # the worker queues the plan after the profile
        ResearchPlan.objects.create(
            study=study, run=run, revision=study.current_revision(), created_by=user
        )
    done = client_in.get(_poll(study), **HX)
    assert done["HX-Retarget"] == "#plan-computed"
    assert done["HX-Reswap"] == "outerHTML"
    swapped = page_text(done)
    assert 'id="plan-computed"' in swapped
    assert "Строится первый профиль" not in swapped
    assert 'id="research-record"' not in swapped  # the team's record and its forms untouched
    if plan_queued:
        assert 'id="plan-progress"' in swapped  # the plan's own progress, polled as before
        assert f'hx-get="{study_url("research_progress", study)}"' in swapped
    else:
        assert "План исследования ещё не рассчитан." in swapped
        assert "Рассчитать план" in swapped


def test_a_failed_first_profile_stops_the_wait(
    building: tuple[Study, ProfileRun], client_in: Client
) -> None:
    study, run = building
    run.mark_failed("Нет файла данных.")
    page = page_text(client_in.get(study_url("research", study)))
    assert 'id="plan-profile-building"' not in page
    assert "Сначала постройте профиль" in page
    done = client_in.get(_poll(study), **HX)
    assert done["HX-Retarget"] == "#plan-computed"
    assert "Сначала постройте профиль" in page_text(done)
