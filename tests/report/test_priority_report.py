"""The priorities section of the report (M-6): the rule, the shared clients of the top segments
and the proposed cross segments, with the figures the profile computed."""

from __future__ import annotations

import pytest

from segprofile import pipeline
from segprofile.model.study import Study
from segprofile.report.build import build_report, format_cell
from sp_census import STUDY, write_census


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    study = Study.model_validate(STUDY)
    profile = pipeline.profile_study(
        pipeline.Workspace.in_folder(
            tmp_path_factory.mktemp("ws"), data_dir=write_census(tmp_path_factory.mktemp("census"))
        ),
        study,
    )
    return study, profile


def test_priority_section_states_rule_overlaps_and_proposals(built) -> None:  # type: ignore[no-untyped-def]
    study, profile = built
    assert profile.priority is not None
    section = build_report(profile, study, figures=False).section("priority")
    texts = [getattr(b, "text", "") for b in section.blocks]
    for rule in profile.priority.rules:
        assert rule in texts
    tables = {t.name: t for t in section.tables()}
    overlap = profile.priority.overlaps[0]
    row = tables["priority_overlap"].rows[0]
    assert row[2] == overlap.both
    assert format_cell(row[3], "pct") == format_cell(overlap.share_of_a, "pct")
    proposal = profile.priority.proposals[0]
    assert tables["priority_cross"].rows[0] == [
        proposal.label,
        proposal.capacity,
        proposal.satisfaction.csat,
        proposal.reason,
    ]
    ranked = [r[0] for r in tables["priority"].rows]
    assert ranked == list(range(1, len(ranked) + 1))
    html = pipeline.render_profile_html(profile, study)
    assert 'data-table="priority_overlap"' in html
    assert proposal.label in html
