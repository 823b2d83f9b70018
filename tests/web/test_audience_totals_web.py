"""The audience line on the run's pages and downloads tells no group of fewer than min_cell.

The profile is built by the worker as a user starts it, from the skewed regional export of
``tests/analysis/test_audience_totals.py``: the role's rule («income < 50000») leaves out
exactly 3 clients, or 40. The run page, profile.json, the HTML report and the segments and
priorities pages are read back: with 3, the applicants read as a bound and nothing on them
subtracts to the 3; with 40, the figure is shown.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator

import pytest
from django.contrib.auth.models import User
from django.core.cache import cache
from django.test import Client
from django.urls import reverse
from tests.analysis.test_audience_totals import ROWS, income_study, told_few, write_data
from tests.web.test_disclosure_web import _run_url, _text, html_rows

from report_texts import html_text
from segprofile import pipeline
from segprofile.web.studies.models import ProfileRun, Study


def _build(user: User, client: Client, outside: dict[str, int]) -> tuple[Study, ProfileRun]:
    cache.clear()
    document = pipeline.study_from_data(income_study().model_dump(mode="json", exclude_none=True))
    study = Study.create_from_document(document, owner=user, comment="тест")
    write_data(study.data_dir(), outside)
    client.post(reverse("studies:run_start", kwargs={"pk": study.pk}))
    run = ProfileRun.objects.latest("pk")
    assert run.status == ProfileRun.Status.DONE, run.error
    return study, run


@pytest.fixture
def three(user: User, client_in: Client) -> Iterator[tuple[Study, ProfileRun]]:
    yield _build(user, client_in, {"Москва": 3})
    cache.clear()


@pytest.fixture
def forty(user: User, client_in: Client) -> Iterator[tuple[Study, ProfileRun]]:
    yield _build(user, client_in, {"Москва": 30, "Московская область": 10})
    cache.clear()


def _visible(page: str) -> str:
    return " ".join(html_text(page).split()).replace("\u00a0", " ")


def _line(text: str) -> str:
    found = re.search(r"Имеют право: .*?Правило отбора", text)
    assert found, text[:2000]
    return found.group(0)


@pytest.mark.django_db
def test_three_outside_the_rule_are_told_nowhere(
    three: tuple[Study, ProfileRun], client_in: Client
) -> None:
    study, run = three
    profile = json.loads(client_in.get(_run_url("run_json", study, run)).content)
    assert profile["audience"]["applicants"] is None
    assert profile["audience"]["clients"] == ROWS
    assert told_few(profile) == []
    bound = "обратились: почти все — более 2 995 из 3 000 клиентов (вне целевой аудитории меньше 5"
    run_page = _visible(_text(client_in.get(_run_url("run", study, run))))
    report = _visible(_text(client_in.get(_run_url("run_html", study, run))))
    for name, text in {"run page": run_page, "HTML report": report}.items():
        line = _line(text)
        assert bound in line, name
        assert "охват около " in line, name
        assert "2 997" not in text, name
        assert "Клиентов в данных 3 000" in text.replace(":", ""), name
    # The segments and priorities pages: Москва's blind zone (3 of its clients outside) is not
    # shown; the shown ones do not add up to the line.
    page = _text(client_in.get(_run_url("run_segments", study, run) + "?feature=region"))
    rows = {row[0]: row for row in html_rows(page)}
    head = rows["Сегмент"]
    blind = head.index("Слепая зона")
    assert rows["Москва"][blind] == "—"
    assert rows["Московская область"][blind].startswith("99 % не обратились")
    priorities = _visible(_text(client_in.get(_run_url("run_priorities", study, run))))
    assert "2 997" not in _visible(page) + priorities


@pytest.mark.django_db
def test_forty_outside_the_rule_are_told(
    forty: tuple[Study, ProfileRun], client_in: Client
) -> None:
    study, run = forty
    profile = json.loads(client_in.get(_run_url("run_json", study, run)).content)
    assert profile["audience"]["applicants"] == ROWS - 40
    assert profile["audience"]["applicants_text"] == ""
    assert told_few(profile) == []
    line = _line(_visible(_text(client_in.get(_run_url("run", study, run)))))
    assert "обратились: 2 960; охват 1 %, слепая зона 99 %" in line
    priorities = _visible(_text(client_in.get(_run_url("run_priorities", study, run))))
    assert "целевая аудитория роли «Заявитель» по правилу отбора — часть из них" in priorities
