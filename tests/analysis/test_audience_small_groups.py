"""The audience and blind zones on a skewed regional export (M-2, M-6, 152-ФЗ).

One region holds 72 % of the clients and four have 1–4 clients: those are named in no output
(the warnings about the population table included); the blind zone column and the priority's
reasons say the same thing; the texts agree in number.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from report_texts import docx_text, html_text, pdf_pages, xlsx_text
from segprofile import pipeline
from segprofile.model.results import Profile, SegmentStats
from segprofile.model.study import Study
from sp_regions import STUDY, TINY_REGIONS, write_regions


@pytest.fixture(scope="module")
def study() -> Study:
    return Study.model_validate(STUDY)


@pytest.fixture(scope="module")
def data(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_regions(tmp_path_factory.mktemp("regions"))


@pytest.fixture(scope="module")
def profile(study: Study, data: Path, tmp_path_factory: pytest.TempPathFactory) -> Profile:
    ws = pipeline.Workspace.in_folder(tmp_path_factory.mktemp("ws"), data_dir=data)
    return pipeline.profile_study(ws, study)


def _spaces(text: str) -> str:
    """Texts with the no-break spaces of their numbers as plain ones."""
    return text.replace("\u00a0", " ")


def _segment(profile: Profile, key: str) -> SegmentStats:
    return next(s for fs in profile.by_feature for s in fs.segments if s.key == key)


def test_tiny_regions_are_counted_not_named_in_the_warnings(profile: Profile) -> None:
    assert profile.audience is not None
    text = "\n".join(profile.audience.warnings)
    # Without the fix: «…которые есть у обратившихся: Еврейская АО, Ненецкий АО.»
    assert (
        "нет значений признака «Регион», которые есть у обратившихся: 2 малых сегмента "
        "(меньше 5 клиентов) — не называются" in text
    )
    assert "Сегменты: 1 малый сегмент (меньше 5 клиентов) — не называется." in text
    for name in TINY_REGIONS:
        assert name not in text


@pytest.mark.parametrize("fmt", ["docx", "xlsx", "html", "pdf"])
def test_no_output_names_a_tiny_region(
    profile: Profile, study: Study, fmt: str, tmp_path: Path
) -> None:
    blob = pipeline.render_report(profile, study, fmt)
    if fmt == "pdf":
        pages = pdf_pages(blob, tmp_path)
        if pages is None:
            pytest.skip("pdftotext is not installed; scripts/system-deps.sh installs it")
        text = " ".join(" ".join(pages).split())
    else:
        text = {"docx": docx_text, "xlsx": xlsx_text, "html": lambda b: html_text(b.decode())}[fmt](
            blob
        )
    assert "Прочие значения" in text  # the tiny regions are there, folded into one line
    assert "малых сегмента" in text  # and counted in the warnings
    for name in TINY_REGIONS:
        assert name not in text, f"{name} named in the {fmt} report"


def test_the_published_json_names_no_tiny_region(profile: Profile, study: Study) -> None:
    text = pipeline.profile_to_json(pipeline.published_profile(profile, study))
    assert "малых сегмента" in text
    for name in TINY_REGIONS:
        assert name not in text
    # The computed profile has them (segments are folded when published, not before).
    assert "Республика Тыва" in profile.model_dump_json()


def test_a_never_applying_group_tells_nothing_of_a_small_group(
    profile: Profile, study: Study, data: Path, tmp_path: Path
) -> None:
    assert profile.audience is not None
    groups = [g.label for g in profile.audience.never_applying]
    assert groups == ["Регион: Республика Алтай"]  # 800 entitled, nobody applies
    # Тыва's four clients are 25–35 and its entitled mostly under 25: «Тыва · under 25» with
    # nobody would tell the age of the four. Курганская область has ten clients, three of
    # them in the audience (under 36), all 25–35: «Курганская · under 25» would tell theirs.
    import pyarrow as pa
    import pyarrow.parquet as pq

    copy = write_regions(tmp_path / "data")
    population = pq.read_table(copy / "population.parquet").to_pylist()
    population += [
        {"region": "Республика Тыва", "age": 20, "Численность": 600},
        {"region": "Курганская область", "age": 20, "Численность": 700},
        {"region": "Курганская область", "age": 30, "Численность": 900},
    ]
    records = pq.read_table(copy / "records.parquet").to_pylist()
    for row in records:
        if row["region"] == "Республика Тыва":
            row["age"] = 30
    moved = [row for row in records if row["region"] == "Москва"][:10]
    for i, row in enumerate(moved):
        row["region"], row["age"] = "Курганская область", 30 if i < 3 else 60
    pq.write_table(pa.Table.from_pylist(records), copy / "records.parquet")
    pq.write_table(pa.Table.from_pylist(population), copy / "population.parquet")
    result = pipeline.profile_study(pipeline.Workspace.in_folder(tmp_path, data_dir=copy), study)
    assert result.audience is not None
    labels = [g.label for g in result.audience.never_applying]
    assert "Регион: Республика Алтай" in labels
    assert not any("Тыва" in label or "Курганская" in label for label in labels), labels
    # Курганская is named where it is large enough: its segment and blind zone.
    kurgan = _segment(result, "region=Курганская область")
    assert kurgan.capacity == 10
    assert kurgan.blind_zone is not None
    assert kurgan.blind_zone.applicants == 3


def test_blind_zone_column_and_reason_say_the_same(profile: Profile, study: Study) -> None:
    published = pipeline.published_profile(profile, study)
    for fs in published.by_feature:
        for seg in fs.segments:
            if seg.priority is None:
                continue
            said = [r for r in seg.priority.reasons if "слепая зона" in r]
            bz = seg.blind_zone
            if bz is not None and bz.share is not None:
                assert said
                assert said[0].startswith("слепая зона ")
                assert "%" in said[0]
            else:  # «—» in the column: the reason says why, or says nothing of a share
                assert not any("слепая зона 0" in r for r in said), seg.key
    moscow = _segment(published, "region=Москва")
    assert moscow.blind_zone is not None
    assert moscow.blind_zone.share is not None
    assert moscow.priority is not None
    assert any(r.startswith("слепая зона 98") for r in moscow.priority.reasons)
    # Segments outside the role's audience (36 and older) have no blind zone, and no warning
    # says the population table lacks them.
    assert _segment(profile, "age=36–50").blind_zone is None
    assert profile.audience is not None
    assert not any("Возраст" in w for w in profile.audience.warnings)


def test_more_applicants_than_entitled_is_not_a_blind_zone_of_zero(
    study: Study, data: Path, tmp_path: Path
) -> None:
    """A population table read row by row (no count column): 8 «entitled» against thousands."""
    rows = study.model_copy(deep=True)
    rows.data_source("population").count_column = None
    result = pipeline.profile_study(pipeline.Workspace.in_folder(tmp_path, data_dir=data), rows)
    audience = result.audience
    assert audience is not None
    assert audience.entitled == 14  # rows of the table
    assert audience.coverage is None  # not «охват 100 %, слепая зона 0 %»
    warning = next(w for w in audience.warnings if "не выбран столбец" in w)
    assert "каждая её строка считается одним человеком: имеют право 14 строк" in warning
    # The applicants' number is the audience line's (exact, or a bound when it tells a few).
    assert "Обратившихся больше, чем имеющих право по таблице численности (14)" in "\n".join(
        audience.warnings
    )
    moscow = _segment(result, "region=Москва")
    assert moscow.blind_zone is not None
    assert moscow.blind_zone.share is None
    assert moscow.priority is not None
    assert (
        "слепая зона не оценена: обратившихся больше, чем имеющих право по таблице численности"
        in moscow.priority.reasons
    )
    html = pipeline.render_report(result, rows, "html").decode()
    assert "охват и слепая зона не оценены: обратившихся больше, чем имеющих право" in html
    assert "слепая зона 0" not in html


def test_the_page_says_where_the_blind_zone_comes_from(profile: Profile, study: Study) -> None:
    assert profile.audience is not None
    source, scope = (_spaces(n) for n in profile.audience.notes)
    assert source.startswith(
        "Слепая зона сегмента — имеющие право по таблице численности «Численность имеющих "
        "право» (по столбцу с численностью) минус обратившиеся клиенты сегмента."
    )
    assert scope.startswith("Сегменты и приоритеты посчитаны по всем 12 000 клиентам")
    assert "целевая аудитория роли «Заявитель» по правилу отбора — часть из них" in scope
    html = _spaces(pipeline.render_report(profile, study, "html").decode())
    assert "посчитаны по всем 12 000 клиентам" in html


def test_no_hypotheses_no_uniqueness_factor(profile: Profile) -> None:
    assert profile.priority is not None
    reasons = [
        r
        for fs in profile.by_feature
        for s in fs.segments
        for r in (s.priority.reasons if s.priority else [])
    ]
    assert reasons
    assert not any("уникальных проблем" in r for r in reasons)
    assert "гипотез о проблемах сегментов пока нет" in profile.priority.explanation


def test_texts_agree_in_number(profile: Profile) -> None:
    assert profile.priority is not None
    rules = " ".join(profile.priority.rules)
    assert "поправка Бенджамини — Хохберга на все 11 сравнений" in rules
    from segprofile.analysis.priority import _comparisons
    from segprofile.report.build import format_cell

    assert _comparisons(23) == "на все 23 сравнения"
    assert _comparisons(1) == "на одно сравнение"
    assert format_cell(10 / 120_000, "pct1") == "менее 0,1\u00a0%"
    assert format_cell(0.72, "pct1") == "72,0\u00a0%"
    assert json.loads(json.dumps(profile.priority.rules))  # plain strings


def test_a_blind_zone_telling_a_few_clients_outside_the_audience_is_hidden() -> None:
    """1 000 clients of whom 997 are in the role's audience: the blind zone's applicants would
    tell that three are outside the rule (their age, their income…)."""
    from segprofile.analysis.suppression import blind_zone_told
    from segprofile.model.results import BlindZone, SatisfactionStats

    def segment(clients: int, applicants: int, entitled: float) -> SegmentStats:
        blind = max(0.0, entitled - applicants)
        return SegmentStats(
            key="region=x",
            value="x",
            label="X",
            capacity=clients,
            share=0.5,
            satisfaction=SatisfactionStats(n=0),
            blind_zone=BlindZone(
                entitled=entitled, applicants=applicants, blind=blind, share=blind / entitled
            ),
        )

    assert blind_zone_told(segment(1000, 1000, 5000), 5)
    assert blind_zone_told(segment(1000, 990, 5000), 5)
    assert not blind_zone_told(segment(1000, 997, 5000), 5)  # three outside the rule
    assert not blind_zone_told(segment(1000, 4, 5000), 5)  # four applicants
    assert not blind_zone_told(segment(1000, 990, 993), 5)  # three entitled did not apply
    assert blind_zone_told(segment(1000, 990, 990), 5)  # nobody did not apply
