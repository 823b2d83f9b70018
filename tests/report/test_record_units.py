"""What a capacity counts, named in every output (M-14 walk-through, finding 4).

Business-trip claims: one row a trip, 1–40 trips an employee, the табельный номер chosen as the
client id. The capacity stays the row count the methodology's formulas use, but it is named
«записей», with the different clients beside it: «Клиентов в данных 8 000» for 586 employees,
«4 742 чел.» for trips read as people. A people count beside a capacity is hidden with it, and
no count of 1–4 people is shown. One row a client reads as before («клиентов»).
"""

from __future__ import annotations

import json
import random
import re
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from report_texts import docx_tables, docx_text, html_tables, xlsx_sheets, xlsx_text
from segprofile import pipeline
from segprofile.analysis.suppression import _protect_people
from segprofile.model.labels import profile_unit
from segprofile.model.results import Profile, SatisfactionStats, SegmentStats
from segprofile.model.study import Study
from sp_trips import STUDY as TRIPS

#: Departments: name → share of the employees (skewed); «Пресс-служба» is one employee and
#: «Приёмная министра» three, with many trips each: combined («Прочие значения», 4 people).
BIG = {
    "Отдел бюджетного планирования": 0.55,
    "Правовое управление": 0.15,
    "Отдел кадров": 0.12,
    "Отдел закупок": 0.1,
    "Территориальный отдел г. Кимры": 0.08,
}
TINY = {"Пресс-служба": 1, "Приёмная министра": 3}

#: The trips study with a pair of features (its cells: records only).
STUDY: dict[str, Any] = {
    **TRIPS,
    "segmentation": {**TRIPS["segmentation"], "by_feature": {"pairs": [["dept", "trip"]]}},
}


def trips(*, one_row_each: bool = False, seed: int = 7) -> pa.Table:
    """About 400 employees with 1–40 trips each (skewed: budget planning is unhappy), or one
    trip each (``one_row_each``)."""
    rng = random.Random(seed)
    rows: dict[str, list[Any]] = {"tab_no": [], "dept": [], "trip": [], "rating": []}
    employees = [(d, 1) for d, n in TINY.items() for _ in range(n)]
    names, weights = list(BIG), list(BIG.values())
    employees += [(rng.choices(names, weights)[0], 1) for _ in range(400)]
    for number, (dept, _) in enumerate(employees):
        count = 1 if one_row_each else min(40, int(rng.paretovariate(1.1)) + rng.randint(0, 8))
        if dept in TINY and not one_row_each:
            count = 12
        for _ in range(count):
            low = dept == "Отдел бюджетного планирования"
            rows["tab_no"].append(f"{10000 + number}")
            rows["dept"].append(dept)
            rows["trip"].append(rng.choice(["по России", "по России", "зарубежная", "в область"]))
            rows["rating"].append(
                rng.choice([1, 2, 3, 4, 5, None] if low else [3, 4, 5, 5, 5, None])
            )
    return pa.table(rows)


def build(tmp_path: Path, **kwargs: Any) -> tuple[Profile, Profile, Study]:
    study = Study.model_validate(json.loads(json.dumps(STUDY)))
    data = tmp_path / "data"
    data.mkdir()
    pq.write_table(trips(**kwargs), data / "trips.parquet")
    computed = pipeline.profile_study(pipeline.Workspace.in_folder(tmp_path, data_dir=data), study)
    return computed, pipeline.published_profile(computed, study), study


def _distinct(table: pa.Table) -> int:
    return len(set(table.column("tab_no").to_pylist()))


@pytest.fixture(scope="module")
def trips_profile(tmp_path_factory: pytest.TempPathFactory) -> tuple[Profile, Profile, Study]:
    return build(tmp_path_factory.mktemp("trips"))


def test_records_and_clients_are_counted_apart(
    trips_profile: tuple[Profile, Profile, Study],
) -> None:
    computed, published, _ = trips_profile
    assert computed.total_clients == trips().num_rows
    assert computed.distinct_clients == _distinct(trips()) == 404
    assert published.distinct_clients == 404
    assert profile_unit(published).records
    dept = next(fs for fs in published.by_feature if fs.feature_id == "dept")
    budget = next(s for s in dept.segments if s.label == "Отдел бюджетного планирования")
    assert budget.clients is not None
    assert budget.capacity is not None
    assert 5 <= budget.clients < budget.capacity
    # «Пресс-служба» and «Приёмная министра»: 4 employees, 24 trips — combined and hidden, with
    # its people; the next smallest line is hidden with it (in rows and in people).
    hidden = [s for s in dept.segments if s.hidden]
    assert len(hidden) >= 2
    assert all(s.capacity is None and s.clients is None for s in hidden)
    shown_clients = [s.clients for fs in published.by_feature for s in fs.segments if not s.hidden]
    assert all(c is not None and c >= 5 for c in shown_clients)
    computed_dept = next(fs for fs in computed.by_feature if fs.feature_id == "dept")
    keys = {s.key for s in hidden}
    assert sum(s.clients or 0 for s in computed_dept.segments if s.key in keys) >= 5


def test_reports_name_records_not_people(trips_profile: tuple[Profile, Profile, Study]) -> None:
    computed, published, study = trips_profile
    rows, people = computed.total_clients, computed.distinct_clients
    assert people is not None
    dept = next(fs for fs in published.by_feature if fs.feature_id == "dept")
    budget = next(s for s in dept.segments if s.label == "Отдел бюджетного планирования")
    assert budget.priority is not None
    assert budget.priority.rank == 1
    reason = budget.priority.reasons[0]
    assert re.fullmatch(r"ёмкость \d+\xa0% \(\d[\d\xa0]* запис(ь|и|ей)\)(: .*)?", reason), reason

    html = pipeline.render_report(published, study, "html").decode()
    docx = pipeline.render_report(published, study, "docx")
    xlsx = pipeline.render_report(published, study, "xlsx")
    texts = {"html": html, "docx": docx_text(docx), "xlsx": xlsx_text(xlsx)}
    for fmt, text in texts.items():
        assert "Клиентов в данных" not in text, fmt
        # No capacity in people: «(4 742 клиента)» (once «чел.») for trips read as people.
        assert not re.search(r"\(\d[\d\xa0]* (клиент|чел\.)", text), fmt
        assert "Ёмкость, клиентов" not in text, fmt
        assert "доля клиентов" not in text, fmt
    assert "Ёмкость, записей" in html
    assert "Ёмкость: доля записей" in html

    def summary(table: list[list[str]]) -> dict[str, str]:
        return {row[0]: row[1].replace("\xa0", " ") for row in table[1:]}

    def check_segments(table: list[list[str]]) -> None:
        header = table[0]
        assert header[1:3] == ["Записей", "Клиентов"], header
        by_label = {row[0]: row for row in table[1:]}
        row = by_label["Отдел бюджетного планирования"]
        assert row[1].replace("\xa0", "").replace(" ", "") == str(budget.capacity)
        assert row[2].replace("\xa0", "").replace(" ", "") == str(budget.clients)
        for row in table[1:]:
            if row[1].startswith("скрыто"):
                assert not any(c.isdigit() for c in row[2]), row  # people hidden with rows
            else:
                assert int(re.sub(r"\D", "", row[2])) >= 5, row

    expected = {
        "Записей в данных": f"{rows:,}".replace(",", " "),
        "Клиентов (разных идентификаторов)": str(people),
    }
    for fmt, tables in (("html", html_tables(html)), ("docx", docx_tables(docx))):
        got = summary(next(t for t in tables if t and t[0][:1] == ["Показатель"]))
        assert {k: got.get(k) for k in expected} == expected, fmt
        check_segments(
            next(
                t
                for t in tables
                if t
                and t[0][:2] == ["Сегмент", "Записей"]
                and any(r[0] == "Отдел бюджетного планирования" for r in t)
            )
        )
        # A pair of features: records only (its cells are protected by rows, not by people).
        cross = next(
            t for t in tables if t and t[0][:2] == ["Сегмент", "Записей"] and " · " in t[1][0]
        )
        assert "Клиентов" not in cross[0], fmt
    profile_sheet = xlsx_sheets(xlsx)["Профиль"]
    assert profile_sheet[1][:4] == ["Признак", "Сегмент", "Записей", "Клиентов"]
    row = next(r for r in profile_sheet if r[1] == "Отдел бюджетного планирования")
    assert row[2:4] == [str(budget.capacity), str(budget.clients)]
    why = row[profile_sheet[1].index("Почему")]
    assert "записей)" in why or "записи)" in why, why
    for row in profile_sheet[2:]:
        if row[2].startswith("скрыто"):
            assert not any(c.isdigit() for c in row[3]), row


def test_one_row_a_client_reads_as_before(tmp_path: Path) -> None:
    computed, published, study = build(tmp_path, one_row_each=True)
    assert computed.distinct_clients == computed.total_clients
    assert not profile_unit(published).records
    html = pipeline.render_report(published, study, "html").decode()
    assert "Клиентов в данных" in html
    assert "Записей" not in html
    assert "записей" not in html
    assert "Ёмкость, клиентов" in html
    ranked = [
        s for fs in published.by_feature for s in fs.segments if s.priority and s.priority.rank
    ]
    assert ranked
    # The capacity in the same words as the tables: «(1 234 клиента)», never «чел.».
    assert all(re.search(r"\d клиент(а|ов)?\)", s.priority.reasons[0]) for s in ranked)
    assert not any("чел." in s.priority.reasons[0] for s in ranked)


def test_people_hidden_together_are_at_least_min_cell() -> None:
    """Hidden by rows (two segments, 45 rows together) but 3 people: with the clients of the
    shown ones and of the whole data, the hidden would tell 3 people. The next smallest by
    people is hidden too."""

    def seg(key: str, rows: int, people: int) -> SegmentStats:
        return SegmentStats(
            key=f"dept={key}",
            value=key,
            label=key,
            capacity=rows,
            share=None,
            satisfaction=SatisfactionStats(n=0),
            clients=people,
        )

    segments = [seg("a", 900, 80), seg("b", 300, 40), seg("c", 120, 9), seg("d", 30, 2)]
    segments.append(seg("e", 15, 1))
    rows_hidden = {"dept=d": "small", "dept=e": "complement"}
    assert _protect_people(segments, dict(rows_hidden), 5) == {
        **rows_hidden,
        "dept=c": "complement",
    }
    # One row a client: nothing more than by rows.
    same = [seg(k, n, n) for k, n in (("a", 900), ("b", 300), ("d", 3), ("e", 4))]
    assert _protect_people(same, {"dept=d": "small", "dept=e": "small"}, 5) == {
        "dept=d": "small",
        "dept=e": "small",
    }


def test_the_cells_of_a_pair_of_features_publish_no_people(
    trips_profile: tuple[Profile, Profile, Study],
) -> None:
    """Cells of a pair are protected by their rows: their people are not published (a
    feature's people minus its cells' people could tell a few)."""
    computed, _, study = trips_profile
    with_people = computed.model_copy(deep=True)
    for cs in with_people.cross:
        for seg in cs.segments:
            seg.clients = (seg.capacity or 0) // 3  # several trips a person
    published = pipeline.published_profile(with_people, study)
    assert published.cross
    assert any(s.capacity for cs in published.cross for s in cs.segments)
    for cs in published.cross:
        assert all(s.clients is None for s in cs.segments)
