"""``segprofile inspect --json`` (the inspection as JSON, for scripts) hides in its preview a
value of fewer rows than the default study's min_cell, as the upload's check page does: the
trips export's press office (one employee), protocol (three) and «Секретариат» (four rows,
two of them spelled « Секретариат  »); the dominant department stays."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from segprofile.cli import run
from segprofile.data import privacy
from trips_export import DOMINANT, RARE, RARE_POSITION, SPACED, trips_csv


def test_inspect_json_hides_rare_values(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    path = tmp_path / "командировки.csv"
    path.write_bytes(trips_csv(rows=3000))
    assert run(["inspect", str(path), "--json"]) == 0
    out = capsys.readouterr().out
    for rare in [*RARE, SPACED, RARE_POSITION]:
        assert rare not in out, rare
    preview = json.loads(out)["preview"]
    departments = [row["Подразделение"] for row in preview]
    assert departments[:12] == [privacy.RARE] * 12
    assert DOMINANT in departments
