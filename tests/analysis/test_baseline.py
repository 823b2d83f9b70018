"""Survey baseline (M-6): joined to segments by pseudonymised id; checked against pandas."""

from __future__ import annotations

from pathlib import Path

import pyarrow.parquet as pq
import pytest

from segprofile import pipeline
from segprofile.analysis.stats import nps_interval, required_sample, wilson_interval
from segprofile.errors import InputError
from segprofile.model.study import ColumnOverride, Study


@pytest.fixture(scope="module")
def example(tmp_path_factory: pytest.TempPathFactory) -> tuple[Study, Path]:
    data = tmp_path_factory.mktemp("child-benefit-survey")
    pipeline.generate_demo_data("child-benefit", data, rows=10000, seed=11)
    return pipeline.example_study("child-benefit"), data


def test_required_sample_with_fpc() -> None:
    assert required_sample(0.05, 0.95) == 385
    assert required_sample(0.05, 0.95, population=1000) == 278
    assert required_sample(0.1, 0.95, population=50) == 34  # 96.04 / (1 + 95.04 / 50)


def test_nps_interval_known_value() -> None:
    nps, low, high = nps_interval(50, 20, 100)
    assert nps == pytest.approx(0.3)
    assert low < 0.3 < high
    assert high - low == pytest.approx(2 * 1.959964 * ((0.7 - 0.09) / 100) ** 0.5, abs=1e-6)


def test_survey_by_channel_matches_pandas(example: tuple[Study, Path], tmp_path: Path) -> None:
    study, data = example
    profile = pipeline.profile_study(pipeline.Workspace.in_folder(tmp_path, data_dir=data), study)
    records = pq.read_table(data / "records.parquet").to_pandas()
    survey = pq.read_table(data / "survey.parquet").to_pandas()
    first = records.groupby("client_id", as_index=False)["channel"].first()
    joined = survey.merge(first, on="client_id")
    seg = next(s for s in profile.by_feature if s.feature_id == "channel").segments
    for stats in seg:
        part = joined[joined["channel"] == stats.value]
        assert stats.survey is not None
        rated = part["q_satisfaction"].dropna()
        happy = int((rated >= 4).sum())
        assert stats.survey.n == max(len(rated), part["q_nps"].notna().sum())
        assert stats.survey.csat == pytest.approx(happy / len(rated))
        low, high = wilson_interval(happy, len(rated))
        assert stats.survey.csat_interval is not None
        assert stats.survey.csat_interval.low == pytest.approx(low)
        assert stats.survey.csat_interval.high == pytest.approx(high)
        nps = part["q_nps"].dropna()
        expected = ((nps >= 9).sum() - (nps <= 6).sum()) / len(nps)
        assert stats.survey.nps == pytest.approx(expected)
    office = next(s for s in seg if s.value == "office").survey
    epgu = next(s for s in seg if s.value == "epgu").survey
    assert office is not None
    assert epgu is not None
    assert office.csat is not None
    assert epgu.csat is not None
    assert office.csat < epgu.csat - 0.2  # planted: in-person applicants are unhappy
    assert profile.survey is not None
    assert profile.survey.n == len(survey)


def test_small_samples_are_flagged(example: tuple[Study, Path], tmp_path: Path) -> None:
    study, data = example
    study = study.model_copy(deep=True)
    study.research.margin = 0.03
    profile = pipeline.profile_study(pipeline.Workspace.in_folder(tmp_path, data_dir=data), study)
    flagged = [
        s for fs in profile.by_feature for s in fs.segments if s.survey and s.survey.too_small
    ]
    assert flagged
    assert all(s.survey is not None and s.survey.n < s.survey.needed for s in flagged)  # type: ignore[operator]


def test_survey_without_marked_columns_is_a_clear_error(
    example: tuple[Study, Path], tmp_path: Path
) -> None:
    study, data = example
    study = study.model_copy(deep=True)
    study.data_source("survey").columns = {"q_nps": ColumnOverride(use="nps")}
    profile = pipeline.profile_study(pipeline.Workspace.in_folder(tmp_path, data_dir=data), study)
    assert profile.survey is not None
    assert profile.survey.csat is None
    assert profile.survey.nps is not None
    study.data_source("survey").columns = {"q_missing": ColumnOverride(use="satisfaction")}
    with pytest.raises(InputError, match="нет столбца «q_missing»"):
        pipeline.profile_study(pipeline.Workspace.in_folder(tmp_path, data_dir=data), study)
