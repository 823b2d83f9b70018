"""The audience line tells no group of fewer than ``min_cell`` clients (M-2, M-6, 152-ФЗ).

«Имеют право: N; обратились: M» beside «Клиентов в данных: 3 000» is a subtraction: when the
role's eligibility rule (here «income < 50000») leaves out 1 … min_cell − 1 clients, the line
would tell how many applied without being entitled. The blind zones by segment split the same
audience: the shown ones subtracted from the line give the rest (the hidden segments,
«Прочие значения») — neither may tell a few either. The export is skewed as a real one: one
region with 72 % of the clients, four regions of 1–4 clients.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from report_texts import docx_text, html_text, pdf_pages, xlsx_text
from segprofile import pipeline
from segprofile.analysis.suppression import protect_audience
from segprofile.model.results import (
    AudienceSummary,
    BlindZone,
    FeatureSegmentation,
    Profile,
    SatisfactionStats,
    SegmentStats,
)
from segprofile.model.study import Study
from sp_regions import AGES, ENTITLED, STUDY, regional_records

MIN_CELL = 5
ROWS = 3_000


def income_study() -> Study:
    data: dict[str, Any] = json.loads(json.dumps(STUDY))
    data["roles"][0]["audience"]["eligibility_rule"] = "income < 50000"
    data["roles"][0]["audience"]["description"] = "Граждане с доходом ниже 50 000 ₽"
    return Study.model_validate(data)


def write_data(directory: Path, outside: dict[str, int]) -> Path:
    """The regional export with an income column: ``outside`` (region → clients) earn 60 000,
    above the rule's bound; everyone else less. The population table has every age band."""
    directory.mkdir(parents=True, exist_ok=True)
    records = regional_records(ROWS, seed=17).to_pylist()
    left = dict(outside)
    for i, row in enumerate(records):
        row["income"] = 12_000 + (i * 37) % 30_000
        if left.get(row["region"], 0) > 0:
            row["income"] = 60_000
            left[row["region"]] -= 1
    assert not any(left.values())
    pq.write_table(pa.Table.from_pylist(records), directory / "records.parquet")
    rows: dict[str, list[Any]] = {"region": [], "age": [], "Численность": []}
    for region, total in ENTITLED.items():
        for age, share in AGES.items():
            rows["region"].append(region)
            rows["age"].append(age)
            rows["Численность"].append(max(1, round(total * share)))
    pq.write_table(pa.table(rows), directory / "population.parquet")
    return directory


def build(tmp_path: Path, outside: dict[str, int]) -> tuple[Profile, Profile, Study]:
    study = income_study()
    data = write_data(tmp_path / "data", outside)
    computed = pipeline.profile_study(pipeline.Workspace.in_folder(tmp_path, data_dir=data), study)
    return computed, pipeline.published_profile(computed, study), study


def told_few(profile: dict[str, Any], min_cell: int = MIN_CELL) -> list[tuple[str, int]]:
    """What a reader works out by subtracting published figures of one run: the clients outside
    the audience, and each feature's rest (its segments without a shown blind zone) — their
    applicants and their clients outside the audience. The ones of 1 … min_cell − 1."""
    aud = profile["audience"]
    clients = profile["total_clients"]
    found: list[tuple[str, int]] = []
    for fs in profile["by_feature"]:
        for seg in fs["segments"]:
            bz = seg["blind_zone"]
            if bz is not None:
                found.append((f"{seg['key']}: вне аудитории", seg["capacity"] - bz["applicants"]))
                found.append((f"{seg['key']}: обратились", bz["applicants"]))
    if aud["applicants"] is not None:
        found.append(("вне аудитории", clients - aud["applicants"]))
        for fs in profile["by_feature"]:
            shown = [s for s in fs["segments"] if s["blind_zone"] is not None]
            if not shown:
                continue
            rest = aud["applicants"] - sum(s["blind_zone"]["applicants"] for s in shown)
            found.append((f"{fs['feature_id']}: остальные обратились", rest))
            rest_clients = clients - sum(s["capacity"] for s in shown)
            found.append((f"{fs['feature_id']}: остальные вне аудитории", rest_clients - rest))
    return [(what, n) for what, n in found if 0 < n < min_cell]


def audience_line(report_html: str) -> str:
    text = " ".join(html_text(report_html).split()).replace("\u00a0", " ")
    return re.search(r"Имеют право: [^\n]*?Правило отбора", text).group(0)  # type: ignore[union-attr]


def test_three_clients_outside_the_rule_are_not_told(tmp_path: Path) -> None:
    computed, published, study = build(tmp_path, {"Москва": 3})
    assert computed.audience is not None
    assert computed.audience.applicants == ROWS - 3  # the computed profile knows them
    aud = published.audience
    assert aud is not None
    assert aud.applicants is None
    assert aud.applicants_text == (
        "почти все — более 2\u00a0995 из 3\u00a0000 клиентов (вне целевой аудитории меньше 5 "
        "клиентов)"
    )
    assert aud.entitled is not None  # the population figure is not the few
    as_json = json.loads(pipeline.profile_to_json(published))
    assert told_few(as_json) == []
    assert '"applicants": 2997' not in pipeline.profile_to_json(published)
    # Москва's blind zone would tell them: 3 of its clients are not among its applicants.
    moscow = next(s for fs in published.by_feature for s in fs.segments if s.label == "Москва")
    assert moscow.capacity is not None
    assert moscow.blind_zone is None
    # The report: the bound, a coverage «около», never the exact applicants.
    report = pipeline.render_report(published, study, "html").decode()
    line = audience_line(report)
    assert "обратились: почти все — более 2 995 из 3 000 клиентов (вне целевой аудитории " in line
    assert "охват около " in line
    assert "слепая зона около " in line
    assert "2 997" not in html_text(report).replace("\u00a0", " ")
    # Nor does the note on whom the segments count tell it (it is left out: fewer than 5).
    assert not any("часть из них" in n for n in aud.notes)


@pytest.mark.parametrize("fmt", ["docx", "xlsx", "pdf"])
def test_three_outside_in_the_other_formats(tmp_path: Path, fmt: str) -> None:
    _, published, study = build(tmp_path, {"Москва": 3})
    blob = pipeline.render_report(published, study, fmt)
    if fmt == "pdf":
        pages = pdf_pages(blob, tmp_path)
        if pages is None:
            pytest.skip("pdftotext is not installed; scripts/system-deps.sh installs it")
        text = " ".join(pages)
    else:
        text = {"docx": docx_text, "xlsx": xlsx_text}[fmt](blob)
    text = " ".join(text.replace("\u00a0", " ").replace("\u2010", "").split())
    assert "почти все — более 2 995 из 3 000 клиентов" in text
    assert "2 997" not in text
    assert "2997" not in text


def test_forty_clients_outside_the_rule_are_told(tmp_path: Path) -> None:
    _, published, study = build(tmp_path, {"Москва": 30, "Московская область": 10})
    aud = published.audience
    assert aud is not None
    assert aud.applicants == ROWS - 40
    assert aud.applicants_text == ""
    assert aud.entitled_text == ""
    assert told_few(json.loads(pipeline.profile_to_json(published))) == []
    line = audience_line(pipeline.render_report(published, study, "html").decode())
    assert "обратились: 2 960; охват " in line
    assert "около" not in line
    scope = next(n for n in aud.notes if "часть из них" in n)
    assert "Сегменты и приоритеты посчитаны по всем 3\u00a0000 клиентам" in scope
    # The segments' blind zones are shown where nothing small can be worked out.
    shown = {s.label for fs in published.by_feature for s in fs.segments if s.blind_zone}
    assert {"Москва", "Московская область"} <= shown


def test_a_few_outside_in_one_region_is_not_told_by_the_other_regions(tmp_path: Path) -> None:
    """40 outside in all: the line is exact, and Тульская область's 3 hide its blind zone. But
    the line minus the shown regions is the rest — Тульская and «Прочие значения» — with 3
    clients outside: more of the regions' blind zones are hidden until the rest has 5."""
    computed, published, _ = build(
        tmp_path, {"Москва": 30, "Московская область": 7, "Тульская область": 3}
    )
    before = Profile.model_validate(computed.model_dump())
    assert published.audience is not None
    assert published.audience.applicants == ROWS - 40
    found = told_few(json.loads(pipeline.profile_to_json(published)))
    assert found == []
    regions = {
        s.label: s.blind_zone is not None
        for fs in published.by_feature
        if fs.feature_id == "region"
        for s in fs.segments
    }
    assert regions["Тульская область"] is False
    assert regions["Москва"] is True  # the largest stays
    assert regions["Московская область"] is False  # its 7 outside make the rest 10
    assert regions["Калужская область"] is True  # nobody outside: hiding it would not help
    # The computed profile is not changed by publishing it.
    assert computed == before


def _segment(key: str, clients: int, applicants: int, entitled: float) -> SegmentStats:
    return SegmentStats(
        key=key,
        value=key.partition("=")[2],
        label=key,
        capacity=clients,
        clients=clients,
        share=0.5,
        satisfaction=SatisfactionStats(n=0),
        blind_zone=BlindZone(
            entitled=entitled,
            applicants=applicants,
            blind=max(0.0, entitled - applicants),
            share=max(0.0, entitled - applicants) / entitled,
        ),
    )


def test_entitled_that_tell_a_few_who_did_not_apply_are_not_told() -> None:
    """The rule leaves nobody out and the population table has 3 entitled more than applied:
    «имеют право: 1 003; обратились: 1 000» would say that 3 did not apply."""
    segments = [
        _segment("district=a", 600, 600, 600),
        _segment("district=b", 400, 400, 403),
    ]
    feature = FeatureSegmentation(
        feature_id="district", label="Район", column="district", type="categorical",
        segments=segments,
    )  # fmt: skip
    audience = AudienceSummary(
        role_id="r", population_source="p", entitled=1003, applicants=1000, clients=1000
    )
    shown = feature.model_copy(deep=True)
    shown.segments[1].blind_zone = None  # as blind_zone_told leaves it: 3 did not apply
    published, [fs] = protect_audience(audience, [feature], [shown], MIN_CELL, 1000)
    assert published.entitled is None
    assert published.applicants == 1000
    assert published.entitled_text == (
        "почти столько же, сколько обратились (не обратились меньше 5 человек)"
    )
    assert published.coverage == pytest.approx(1000 / 1002.5)
    # «a» is shown: the line's entitled are not, so «b»'s 3 are not worked out from it.
    assert [s.blind_zone is not None for s in fs.segments] == [True, False]


def test_a_population_table_three_above_the_applicants_is_not_told(tmp_path: Path) -> None:
    """A registry of the entitled that is the applicants themselves but for 3 people in
    Москва aged 30: «имеют право: 3 003» beside «обратились: 3 000» would name them."""
    data = write_data(tmp_path / "data", {})
    records = pq.read_table(data / "records.parquet").to_pylist()
    counts: dict[tuple[str, int], int] = {}
    for row in records:
        counts[row["region"], row["age"]] = counts.get((row["region"], row["age"]), 0) + 1
    counts["Москва", 30] += 3
    pq.write_table(
        pa.table(
            {
                "region": [r for r, _ in counts],
                "age": [a for _, a in counts],
                "Численность": list(counts.values()),
            }
        ),
        data / "population.parquet",
    )
    study = income_study()
    computed = pipeline.profile_study(pipeline.Workspace.in_folder(tmp_path, data_dir=data), study)
    assert computed.audience is not None
    assert computed.audience.entitled == ROWS + 3
    published = pipeline.published_profile(computed, study)
    aud = published.audience
    assert aud is not None
    assert aud.entitled is None
    assert aud.applicants == ROWS
    text = pipeline.profile_to_json(published)
    assert '"entitled": 3003' not in text
    line = audience_line(pipeline.render_report(published, study, "html").decode())
    assert line.startswith(
        "Имеют право: почти столько же, сколько обратились (не обратились меньше 5 человек); "
        "обратились: 3 000; охват около 100 %"
    )
    # Москва and the 25–35 band, each with the 3, show no blind zone; nor does a reader get
    # the line's entitled back by adding the shown segments up.
    for fs in published.by_feature:
        shown = [s for s in fs.segments if s.blind_zone is not None]
        if fs.feature_id in ("region", "age"):
            assert sum(round(s.blind_zone.entitled) for s in shown if s.blind_zone) < ROWS
        assert all(s.blind_zone.blind == 0 for s in shown if s.blind_zone)


def test_a_few_outside_told_by_the_rule_round_the_line() -> None:
    """The rule is «age < 36»: «36 and older» (400 clients) has no applicant, as the rule
    says. «Under 36» has 3 clients outside by another condition of the rule: its blind zone is
    hidden, but 1 000 − 597 applicants − 400 would still tell them. The line is rounded."""
    young = _segment("age=young", 600, 597, 5_000)
    old = young.model_copy(update={"key": "age=old", "capacity": 400, "clients": 400})
    old.blind_zone = None  # outside the audience: no blind zone
    feature = FeatureSegmentation(
        feature_id="age", label="Возраст", column="age", type="numeric", segments=[young, old]
    )
    shown = feature.model_copy(deep=True)
    shown.segments[0].blind_zone = None  # as blind_zone_told leaves it
    audience = AudienceSummary(
        role_id="r", population_source="p", entitled=5_000, applicants=597, clients=1_000
    )
    published, _ = protect_audience(audience, [feature], [shown], MIN_CELL, 1_000)
    assert published.applicants is None
    assert published.applicants_text == "около 600 из 1\u00a0000 клиентов"
    assert published.entitled == 5_000
    assert published.coverage == pytest.approx(600 / 5_000)


HIDDEN_REASON = "слепая зона не показывается: вместе со слепыми зонами других сегментов"


def _region(profile: Profile, label: str) -> SegmentStats:
    return next(
        s
        for fs in profile.by_feature
        if fs.feature_id == "region"
        for s in fs.segments
        if s.label == label
    )


def test_the_priority_does_not_tell_a_blind_zone_hidden_for_the_line(tmp_path: Path) -> None:
    """Московская область's blind zone is hidden so that the rest of the regions does not tell
    Тульская's 3 outside. Its priority would tell it back: «слепая зона 99 % имеющих право» and
    a score of the weight × that share (with the population table, its applicants). The
    priority does not count a blind zone the profile does not show."""
    computed, published, study = build(
        tmp_path, {"Москва": 30, "Московская область": 7, "Тульская область": 3}
    )
    for profile in (computed, published):
        seg = _region(profile, "Московская область")
        assert seg.priority is not None
        assert seg.priority.parts["blind_zone"] == 0
        assert any(r.startswith(HIDDEN_REASON) for r in seg.priority.reasons)
        assert not any("имеющих право —" in r for r in seg.priority.reasons)
    assert _region(published, "Московская область").blind_zone is None
    # A blind zone the profile shows still counts.
    moscow = _region(published, "Москва")
    assert moscow.blind_zone is not None
    assert moscow.priority is not None
    assert moscow.priority.parts["blind_zone"] > 0
    # Re-weighting on the priorities page follows the same rule.
    again = pipeline.published_profile(pipeline.reprioritised(computed, study), study)
    seg = _region(again, "Московская область")
    assert seg.priority is not None
    assert seg.priority.parts["blind_zone"] == 0


def test_a_stored_profile_that_counted_a_hidden_blind_zone_is_published_without_it(
    tmp_path: Path,
) -> None:
    """A run computed before the rule stored a priority that counted the blind zone: the
    published profile ranks that segment no more (its score carries the share), and a reason
    that cites a hidden blind zone reads as hidden."""
    computed, _, study = build(
        tmp_path, {"Москва": 30, "Московская область": 7, "Тульская область": 3}
    )
    old = computed.model_copy(deep=True)
    seg = _region(old, "Московская область")
    assert seg.priority is not None
    seg.priority.parts["blind_zone"] = 0.099
    seg.priority.score = 0.099
    seg.priority.rank = 1
    seg.priority.reasons = ["слепая зона 99 % имеющих право — большая (порог 30 %)"]
    shown = _region(pipeline.published_profile(old, study), "Московская область")
    assert shown.priority is None
    seg.priority.parts["blind_zone"] = 0.0  # a weight of zero: the reason alone tells it
    seg.priority.score = 0.0
    seg.priority.rank = None
    shown = _region(pipeline.published_profile(old, study), "Московская область")
    assert shown.priority is not None
    assert shown.priority.reasons == [
        "слепая зона не показывается: вместе со слепыми зонами других сегментов она позволила "
        "бы вычислить группу меньше 5 клиентов — не учитывается"
    ]
    published = pipeline.published_profile(old, study)
    ranks = sorted(
        s.priority.rank
        for fs in published.by_feature
        for s in fs.segments
        if s.priority is not None and s.priority.rank is not None
    )
    assert ranks == list(range(1, len(ranks) + 1))
