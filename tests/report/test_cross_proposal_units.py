"""The proposed cross segments (M-6) name what their capacity counts as every segments table
does: «Записей» when the data has several rows a client, «Ёмкость» with one row a client —
never «Клиентов» for trips read as people. Business trips of a ministry's employees where the
budget department's trips abroad are the unhappy ones: neither feature alone explains the gap.
"""

from __future__ import annotations

import json
import random
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from report_texts import docx_tables, html_tables
from segprofile import pipeline
from segprofile.model.labels import profile_unit
from segprofile.model.results import Profile
from segprofile.model.study import Study
from segprofile.report.build import build_report
from sp_trips import STUDY

BUDGET = "Отдел бюджетного планирования"
#: Departments: name → share of the employees (skewed).
DEPARTMENTS = {BUDGET: 0.4, "Правовое управление": 0.25, "Отдел кадров": 0.2, "Отдел закупок": 0.15}


def pair_trips(*, one_row_each: bool = False, seed: int = 11) -> pa.Table:
    """About 500 employees with 1–40 trips each (or 3 000 with one trip each): the budget
    department's trips abroad are rated low, every other trip — its other trips and the
    other departments' trips abroad — mostly well."""
    rng = random.Random(seed)
    rows: dict[str, list[Any]] = {"tab_no": [], "dept": [], "trip": [], "rating": []}
    for number in range(3000 if one_row_each else 500):
        dept = rng.choices(list(DEPARTMENTS), list(DEPARTMENTS.values()))[0]
        count = 1 if one_row_each else min(40, int(rng.paretovariate(1.2)) + rng.randint(0, 6))
        for _ in range(count):
            trip = rng.choice(["по России", "по России", "зарубежная", "в область"])
            worst = dept == BUDGET and trip == "зарубежная"
            rows["tab_no"].append(f"{10000 + number}")
            rows["dept"].append(dept)
            rows["trip"].append(trip)
            rows["rating"].append(
                rng.choice([1, 1, 2, 3, 4, None] if worst else [2, 3, 4, 5, 5, 5, None])
            )
    return pa.table(rows)


def build(tmp_path: Path, **kwargs: Any) -> tuple[Profile, Study]:
    """The published profile of the trips (no pair of features asked for: it is proposed)."""
    study = Study.model_validate(json.loads(json.dumps(STUDY)))
    data = tmp_path / "data"
    data.mkdir()
    pq.write_table(pair_trips(**kwargs), data / "trips.parquet")
    computed = pipeline.profile_study(pipeline.Workspace.in_folder(tmp_path, data_dir=data), study)
    return pipeline.published_profile(computed, study), study


def _cross_tables(profile: Profile, study: Study) -> dict[str, list[list[str]]]:
    """The proposed cross segments table as each format prints it (found by its first row)."""
    html = pipeline.render_report(profile, study, "html").decode()
    docx = pipeline.render_report(profile, study, "docx")
    out = {}
    for fmt, tables in (("html", html_tables(html)), ("docx", docx_tables(docx))):
        out[fmt] = next(
            t
            for t in tables
            if len(t) > 1 and t[1][0] == profile.priority.proposals[0].label  # type: ignore[union-attr]
        )
    return out


@pytest.mark.parametrize(
    ("one_row_each", "column", "count_word"),
    [(False, "Записей", "запис"), (True, "Ёмкость", "клиент")],
)
def test_proposed_cross_segments_name_their_unit(
    tmp_path: Path, one_row_each: bool, column: str, count_word: str
) -> None:
    profile, study = build(tmp_path, one_row_each=one_row_each)
    assert profile_unit(profile).records is not one_row_each
    assert profile.priority is not None
    [proposal] = profile.priority.proposals
    assert BUDGET in proposal.label
    assert "Зарубежная" in proposal.label
    assert proposal.satisfaction.csat is not None
    assert proposal.satisfaction.csat < 0.5
    assert proposal.reason.split(",")[0].split()[-1].startswith(count_word), proposal.reason

    section = build_report(profile, study, figures=False).section("priority")
    table = next(t for t in section.tables() if t.name == "priority_cross")
    assert [c.title for c in table.columns] == ["Сегмент", column, "CSAT", "Почему"]
    assert table.rows[0][1] == proposal.capacity
    for fmt, printed in _cross_tables(profile, study).items():
        assert printed[0] == ["Сегмент", column, "CSAT", "Почему"], fmt
        assert int("".join(c for c in printed[1][1] if c.isdigit())) == proposal.capacity, fmt


@pytest.mark.parametrize(
    ("one_row_each", "rule"),
    [
        (False, "Сегменты меньше 21 записи не ранжируются."),
        (True, "Сегменты меньше 21 клиента не ранжируются."),
    ],
)
def test_the_ranking_rule_names_the_smallest_segment_in_its_unit(
    tmp_path: Path, one_row_each: bool, rule: str
) -> None:
    data = json.loads(json.dumps(STUDY))
    data["segmentation"]["min_cell"] = 21
    study = Study.model_validate(data)
    folder = tmp_path / "data"
    folder.mkdir()
    pq.write_table(pair_trips(one_row_each=one_row_each), folder / "trips.parquet")
    computed = pipeline.profile_study(
        pipeline.Workspace.in_folder(tmp_path, data_dir=folder), study
    )
    assert computed.priority is not None
    rules = " ".join(computed.priority.rules)
    assert rule in rules
    assert "чел." not in rules
    html = pipeline.render_report(pipeline.published_profile(computed, study), study, "html")
    assert rule in html.decode()
