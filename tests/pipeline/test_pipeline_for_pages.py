"""What the pages get from the pipeline instead of reaching below it (the web imports only
``pipeline``, ``model`` and ``errors``): suggestions and orphans, labels, charts, the audit of
kept originals, the verdict rules."""

from __future__ import annotations

import random
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from segprofile import pipeline
from segprofile.model.results import FeatureSegmentation
from segprofile.model.study import Hypothesis, HypothesisKind, Study
from sp_factories import make_records

ROWS = 900


@pytest.fixture
def profiled(small_study: Study, tmp_path: Path) -> tuple[pipeline.Workspace, Study, object]:
    """A small study with its records imported and profiled; a settlement type of 2 people."""
    table = make_records(ROWS, seed=18)
    region = table["region"].to_pylist()
    rng = random.Random(18)
    for i in rng.sample(range(ROWS), 2):
        region[i] = "village"
    table = table.set_column(table.schema.get_field_index("region"), "region", pa.array(region))
    path = tmp_path / "export.parquet"
    pq.write_table(table, path)
    ws = pipeline.Workspace.in_folder(tmp_path / "ws")
    pipeline.import_dataset(ws, path, small_study, "records", author="анна")
    return ws, small_study, pipeline.profile_study(ws, small_study)


def test_suggestions_need_a_profile_and_orphans_come_from_both_rules(
    profiled: tuple[pipeline.Workspace, Study, object],
) -> None:
    _, study, profile = profiled
    assert pipeline.suggested_hypotheses(study, None) == []
    suggested = pipeline.suggested_hypotheses(study, profile)  # type: ignore[arg-type]
    assert all(h.status.value == "suggested" for h in suggested)
    study = study.model_copy(deep=True)
    study.hypotheses.append(
        Hypothesis(
            id="h_lost",
            kind=HypothesisKind.problem,
            statement="Жителям сёл далеко до МФЦ",
            segments=["region=atlantis", "district=north", "region=village"],
        )
    )
    # Without a profile only the segment of a feature the study lacks is an orphan; with one,
    # a value the profile has no segment for too (profile's orphans first, each once).
    assert pipeline.orphaned_hypotheses(study) == {"h_lost": ["district=north"]}
    with_profile = pipeline.orphaned_hypotheses(study, profile)  # type: ignore[arg-type]
    assert with_profile == {"h_lost": ["region=atlantis", "district=north"]}


def test_labels_and_a_chart_for_the_pages(
    profiled: tuple[pipeline.Workspace, Study, object],
) -> None:
    _, study, profile = profiled
    labels = pipeline.segment_labels(profile)  # type: ignore[arg-type]
    assert labels["region=village"]
    published = pipeline.published_profile(profile, study)  # type: ignore[arg-type]
    region = next(f for f in published.by_feature if f.feature_id == "region")
    hidden = pipeline.hidden_segments(published)
    # The village is a rare value: unnamed, in the hidden combined line of the feature.
    assert "region=village" not in {s.key for s in region.segments}
    assert "region=__other__" in hidden
    shown = FeatureSegmentation(
        feature_id=region.feature_id,
        label=region.label,
        column="",
        type="feature",
        segments=[s for s in region.segments if s.key not in hidden],
    )
    svg = pipeline.capacity_csat_svg(shown, study, label_limit=300)
    assert svg is not None
    assert svg.lstrip().startswith("<svg")
    comparison = pipeline.compare_profiles(published, published)
    assert not comparison.moves  # a profile compared with itself has nothing to say


def test_a_kept_and_a_deleted_original_are_audited_without_values(tmp_path: Path) -> None:
    ws = pipeline.Workspace.in_folder(tmp_path)
    common = {"study_id": "small", "source_id": "records", "file": "заявления.csv"}
    pipeline.audit_original(ws, kept=True, user="анна", version=2, file_sha256="ab" * 32, **common)
    pipeline.audit_original(ws, kept=False, user="борис", version=2, **common)
    kept, deleted = pipeline.read_audit(ws, study_id="small", source_id="records")
    assert (kept.event, kept.user, kept.original_deleted) == ("keep_original", "анна", False)
    assert kept.file_sha256 == "ab" * 32
    assert (deleted.event, deleted.user, deleted.original_deleted) == (
        "delete_original",
        "борис",
        True,
    )
    assert deleted.version == 2


def test_the_verdict_rules_are_said_in_russian() -> None:
    rules = pipeline.verdict_rules_text()
    assert len(rules) >= 3
    assert any("интервал" in rule for rule in rules)
