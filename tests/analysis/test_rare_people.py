"""Rare values counted in people, not rows (M-14 walk-through, 152-ФЗ).

Business-trip claims of a ministry's employees: one row a trip, several trips an employee.
«Пресс-служба» is one employee with 18 trips, «Приёмная министра» four with 40: by rows they
would be named with «скрыто: меньше 5» beside them — an employee named and counted. A value
of fewer than ``min_cell`` different people is combined into «Прочие значения» however many
rows it has. (Its place in the list, largest first, told its size too: «Пресс-служба» between
19 and 15. A line hidden to protect another is the smallest shown, last already.)
"""

from __future__ import annotations

import json
import random
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from report_texts import docx_text, xlsx_text
from segprofile import pipeline
from segprofile.model.labels import OTHER_CODE
from segprofile.model.results import Profile
from segprofile.model.study import Study
from sp_trips import STUDY

#: Departments of fewer than 5 employees: name → (employees, trips). None may be named.
TINY = {"Пресс-служба": (1, 18), "Приёмная министра": (4, 40), "Сектор защиты информации": (3, 9)}
BIG = {
    "Отдел бюджетного планирования": 0.6,
    "Правовое управление": 0.15,
    "Отдел кадров": 0.12,
    "Территориальный отдел г. Кимры": 0.13,
}


def trips(seed: int = 5) -> pa.Table:
    """About 580 employees with 1–40 trips each (skewed); the tiny departments as planted."""
    rng = random.Random(seed)
    rows: dict[str, list[Any]] = {"tab_no": [], "dept": [], "trip": [], "rating": []}
    employee = 0

    def add(dept: str, count: int) -> None:
        rows["tab_no"].append(f"{10000 + employee}")
        rows["dept"].append(dept)
        rows["trip"].append(rng.choice(["по России", "по России", "зарубежная", "в область"]))
        rows["rating"].append(rng.choice([1, 2, 3, 4, 4, 5, 5, None]))

    for dept, (people, count) in TINY.items():
        per = [count // people + (i < count % people) for i in range(people)]
        for n in per:
            for _ in range(n):
                add(dept, n)
            employee += 1
    names, weights = list(BIG), list(BIG.values())
    for _ in range(580):
        dept = rng.choices(names, weights)[0]
        for _ in range(min(40, int(rng.paretovariate(1.2)) + rng.randint(0, 6))):
            add(dept, 1)
        employee += 1
    return pa.table(rows)


def build(tmp_path: Path) -> tuple[Profile, Profile, Study]:
    study = Study.model_validate(json.loads(json.dumps(STUDY)))
    data = tmp_path / "data"
    data.mkdir()
    pq.write_table(trips(), data / "trips.parquet")
    computed = pipeline.profile_study(pipeline.Workspace.in_folder(tmp_path, data_dir=data), study)
    return computed, pipeline.published_profile(computed, study), study


def test_a_department_of_one_employee_with_many_trips_is_not_named(tmp_path: Path) -> None:
    computed, published, study = build(tmp_path)
    dept = next(fs for fs in computed.by_feature if fs.feature_id == "dept")
    press = next(s for s in dept.segments if s.label == "Пресс-служба")
    assert press.capacity == 18  # rows: more than min_cell
    assert press.clients == 1

    shown = next(fs for fs in published.by_feature if fs.feature_id == "dept")
    labels = [s.label for s in shown.segments]
    for name in TINY:
        assert name not in labels
    other = next(s for s in shown.segments if s.value == OTHER_CODE)
    assert other.label.startswith("Прочие значения")
    assert other.clients == 8  # 1 + 4 + 3 employees
    # The combined line has 67 trips but 8 people: shown; with fewer than 5 people it would
    # be hidden as few people (``few_people``).
    assert other.capacity == 67

    as_json = pipeline.profile_to_json(published)
    for fmt, text in (
        ("json", as_json),
        ("docx", docx_text(pipeline.render_report(published, study, "docx"))),
        ("xlsx", xlsx_text(pipeline.render_report(published, study, "xlsx"))),
        ("html", pipeline.render_report(published, study, "html").decode()),
    ):
        for name in TINY:
            assert name not in text, (fmt, name)
    assert "Пресс-служба" not in json.dumps(pipeline.segment_labels(published), ensure_ascii=False)


def test_texts_of_a_department_of_one_employee_are_not_named_by_their_rows(
    tmp_path: Path,
) -> None:
    """The topics' shares by segment name a value as the profile does: by people. The press
    office's one employee with 18 trips (18 rows) wrote comments: they count under «Прочие
    значения», not under «Пресс-служба»."""
    from segprofile.analysis.texts import texts_with_segments
    from segprofile.data.engine import Engine, open_source

    table = trips()
    comments = [f"долго возмещали расходы, поездка {i}" for i in range(table.num_rows)]
    pq.write_table(table, tmp_path / "trips.parquet")
    pq.write_table(
        pa.table({"tab_no": table["tab_no"], "text": comments}), tmp_path / "texts.parquet"
    )
    data = json.loads(json.dumps(STUDY))
    data["data_sources"].append({"id": "texts", "kind": "complaints", "path": "texts.parquet"})
    study = Study.model_validate(data)
    engine = Engine.duckdb()
    try:
        records = open_source(engine, study.data_sources[0], tmp_path)
        texts = open_source(engine, study.data_sources[1], tmp_path)
        _texts, labels = texts_with_segments(
            study,
            records,
            texts.table,
            text_column="text",
            id_column="tab_no",
            records_id="tab_no",
            feature_id="dept",
            limit=100_000,
        )
    finally:
        engine.close()
    for name in TINY:
        assert name not in labels
    assert labels.count("Прочие значения") == 67  # 18 + 40 + 9 trips' comments


def test_one_employee_removed_is_flagged_by_people_not_rows(tmp_path: Path) -> None:
    """One employee's trips removed (many rows, one person): the two profiles side by side
    tell about that one person — counted in people, the data differ by one client."""
    table = trips()
    counts: dict[str, int] = {}
    for tab_no in table["tab_no"].to_pylist():
        counts[tab_no] = counts.get(tab_no, 0) + 1
    busy = [t for t, n in counts.items() if n >= 8]
    study = Study.model_validate(json.loads(json.dumps(STUDY)))

    def published(rows: pa.Table, folder: str) -> Profile:
        data = tmp_path / folder
        data.mkdir()
        pq.write_table(rows, data / "trips.parquet")
        ws = pipeline.Workspace.in_folder(tmp_path / f"{folder}-ws", data_dir=data)
        return pipeline.published_profile(pipeline.profile_study(ws, study), study)

    def without(ids: list[str]) -> pa.Table:
        gone = set(ids)
        return table.filter(pa.array([t not in gone for t in table["tab_no"].to_pylist()]))

    full = published(table, "full")
    assert full.distinct_clients is not None
    one_gone = published(without(busy[:1]), "one")
    assert full.total_clients - one_gone.total_clients >= 8  # rows: not a few
    assert pipeline.tell_few_together(full, one_gone)
    many_gone = published(without(busy[:12]), "many")
    assert not pipeline.tell_few_together(full, many_gone)


def _with_cities(rare: dict[str, list[int]]) -> tuple[pa.Table, Study]:
    """The trips with a destination city: most go to three big cities; the rare cities are
    visited by the employees given (by their place in the data), each employee's trips
    spread over the cities listed for them."""
    table = trips()
    ids = table["tab_no"].to_pylist()
    employees = list(dict.fromkeys(ids))
    rng = random.Random(11)
    planted: dict[str, list[str]] = {}
    for city, who in rare.items():
        for n in who:
            planted.setdefault(employees[n], []).append(city)
    seen: dict[str, int] = {}
    cities = []
    for tab_no in ids:
        mine = planted.get(tab_no)
        i = seen[tab_no] = seen.get(tab_no, -1) + 1
        cities.append(mine[i % len(mine)] if mine else rng.choice(["Москва", "Тверь", "Казань"]))
    data = json.loads(json.dumps(STUDY))
    data["features"].append({"id": "city", "column": "city", "label": "Город командировки"})
    return table.append_column("city", pa.array(cities)), Study.model_validate(data)


def _published_city(tmp_path: Path, table: pa.Table, study: Study) -> tuple[Any, Any]:
    data = tmp_path / "data"
    data.mkdir()
    pq.write_table(table, data / "trips.parquet")
    computed = pipeline.profile_study(pipeline.Workspace.in_folder(tmp_path, data_dir=data), study)
    published = pipeline.published_profile(computed, study)
    city = next(fs for fs in computed.by_feature if fs.feature_id == "city")
    other = next(
        s
        for fs in published.by_feature
        if fs.feature_id == "city"
        for s in fs.segments
        if s.value == OTHER_CODE
    )
    return city, other


def test_rare_values_of_one_employee_are_one_person_together(tmp_path: Path) -> None:
    """The press office's employee (18 trips) went to five cities no one else went to: five
    rare values of one client each. Together they are one person, not five: «Прочие значения»
    is a group of one and its trips and ratings are not shown (before, 1 + 1 + 1 + 1 + 1 = 5
    people published them)."""
    rare = {c: [0] for c in ("Мурманск", "Калининград", "Владивосток", "Сочи", "Анадырь")}
    city, other = _published_city(tmp_path, *_with_cities(rare))
    assert sum(s.clients for s in city.segments if s.label in rare) == 5
    assert (city.other_clients, city.other_min_cell) == (1, 5)
    assert other.capacity is None
    assert other.clients is None
    assert other.satisfaction.mean is None


def test_rare_values_together_count_each_employee_once(tmp_path: Path) -> None:
    """Three rare cities of one employee and four of one other employee each: five people
    together, shown as five (not 3 + 4 = 7)."""
    rare = {"Мурманск": [0], "Сочи": [0], "Анадырь": [0]}
    rare |= {c: [n] for n, c in enumerate(("Псков", "Томск", "Омск", "Тула"), start=10)}
    city, other = _published_city(tmp_path, *_with_cities(rare))
    assert city.other_clients == 5
    assert other.clients == 5
    assert (other.capacity or 0) > 5


def test_a_profile_computed_before_the_count_protects_the_line_as_small(tmp_path: Path) -> None:
    """A stored profile without the worker's count (or counted for another ``min_cell``):
    the rare values' people are not added up — the line is hidden as a small group."""
    rare = {"Мурманск": [0], "Сочи": [0], "Анадырь": [0]}
    rare |= {c: [n] for n, c in enumerate(("Псков", "Томск", "Омск", "Тула"), start=10)}
    table, study = _with_cities(rare)
    data = tmp_path / "data"
    data.mkdir()
    pq.write_table(table, data / "trips.parquet")
    computed = pipeline.profile_study(pipeline.Workspace.in_folder(tmp_path, data_dir=data), study)
    for stale in ({"other_clients": None, "other_min_cell": None}, {"other_min_cell": 3}):
        old = computed.model_copy(
            update={
                "by_feature": [
                    fs.model_copy(update=stale) if fs.feature_id == "city" else fs
                    for fs in computed.by_feature
                ]
            }
        )
        published = pipeline.published_profile(old, study)
        shown = next(fs for fs in published.by_feature if fs.feature_id == "city")
        other = next(s for s in shown.segments if s.value == OTHER_CODE)
        assert (other.capacity, other.clients) == (None, None), stale
