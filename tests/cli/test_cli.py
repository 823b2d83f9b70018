"""The CLI through its runner: exit codes, Russian messages, files written, no tracebacks."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from segprofile.cli import run
from segprofile.model.spec_yaml import load_study


def test_schema_prints_json_schema(capsys: pytest.CaptureFixture[str]) -> None:
    assert run(["schema"]) == 0
    schema = json.loads(capsys.readouterr().out)
    assert schema["title"] == "Study"
    assert "features" in schema["properties"]


def test_check_incomplete_exits_1(
    small_study_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(["check", str(small_study_file)]) == 1
    out = capsys.readouterr().out
    assert "M-12: нет текущего клиентского пути" in out
    assert "M-7: нет гипотез о потребностях" in out


def test_check_reports_feature_without_source(
    small_study_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    text = small_study_file.read_text(encoding="utf-8")
    text = text.replace("  source:\n    kind: other\n    reference: дизайн-мышление\n", "")
    small_study_file.write_text(text, encoding="utf-8")
    assert run(["check", str(small_study_file)]) == 1
    assert "M-3: у признака «Тип поселения» не указан источник" in capsys.readouterr().out


def test_check_invalid_document_exits_2_without_traceback(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text(
        "id: s\ntitle: T\nscope:\n  kind: nonsense\n  title: X\n  client_types: [citizen]\n"
    )
    assert run(["check", str(bad)]) == 2
    err = capsys.readouterr().err
    assert "scope.kind" in err
    assert "строка 4" in err
    assert "Traceback" not in err


def test_profile_writes_html_and_json(
    small_study_file: Path, small_data: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "out"
    code = run(["profile", str(small_study_file), "--data", str(small_data), "--out", str(out)])
    assert code == 0, capsys.readouterr().err
    # Named by the study (its id «small»), as every output of --out.
    html = (out / "small-profile.html").read_text(encoding="utf-8")
    assert html.startswith("<!DOCTYPE html>")
    assert '<html lang="ru">' in html
    assert "Канал подачи" in html
    # Offline: nothing to fetch (SVG namespaces are names, not requests).
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:)?//""", html)
    assert "@import" not in html
    assert "<script" not in html
    data = json.loads((out / "small-profile.json").read_text(encoding="utf-8"))
    assert data["total_clients"] == 3000
    assert {f["feature_id"] for f in data["by_feature"]} == {
        "channel",
        "age",
        "single_parent",
        "region",
    }
    assert load_study(small_study_file).id == data["study_id"]


def test_profile_missing_data_dir(
    small_study_file: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = run(["profile", str(small_study_file), "--data", str(tmp_path / "nowhere")])
    assert code == 2
    err = capsys.readouterr().err
    assert "Каталог данных" in err
    assert "demo-data" in err


def test_unknown_example(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    assert run(["demo-data", "nope", "--out", str(tmp_path)]) == 2
    assert "Пример «nope» не найден" in capsys.readouterr().err


def test_console_script_entry_point(small_study_file: Path) -> None:
    exe = Path(sys.executable).with_name("segprofile")
    done = subprocess.run(
        [str(exe), "check", str(small_study_file)], capture_output=True, text=True, check=False
    )
    assert done.returncode == 1
    assert "M-12:" in done.stdout


def test_journeys_export_and_import_round_trip(tmp_path: Path) -> None:
    from segprofile import pipeline

    study_file = tmp_path / "study.yaml"
    original = pipeline.example_study("child-benefit")
    study_file.write_text(pipeline.dump_study(original), encoding="utf-8")
    csv_file = tmp_path / "journeys.csv"
    bpmn_file = tmp_path / "journeys.bpmn"
    assert run(["journeys", "export", str(study_file), "-f", "csv", "-o", str(csv_file)]) == 0
    assert run(["journeys", "export", str(study_file), "-f", "bpmn", "-o", str(bpmn_file)]) == 0
    assert csv_file.read_bytes().startswith(b"\xef\xbb\xbf")  # BOM: opens right in Excel
    assert (
        b"bpmn:definitions" in bpmn_file.read_bytes() or b"<definitions" in bpmn_file.read_bytes()
    )
    assert run(["journeys", "import", str(study_file), str(csv_file)]) == 0
    assert load_study(study_file) == original


def test_journeys_unknown_format_is_a_clear_error(
    small_study_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(["journeys", "export", str(small_study_file), "-f", "visio"]) == 2
    assert "Неизвестный формат путей «visio»" in capsys.readouterr().err


def test_research_plan_covers_every_segment(tmp_path: Path) -> None:
    from segprofile import pipeline

    data = tmp_path / "data"
    pipeline.generate_demo_data("child-benefit", data, rows=3000, seed=8)
    study_file = tmp_path / "study.yaml"
    study_file.write_text(
        pipeline.dump_study(pipeline.example_study("child-benefit")), encoding="utf-8"
    )
    out = tmp_path / "plan"
    assert run(["research", "plan", str(study_file), "--data", str(data), "--out", str(out)]) == 0
    plan = json.loads((out / "research-plan.json").read_text(encoding="utf-8"))
    rec = plan["recruitment"]
    covered = {k for r in rec["respondents"] for k in r["segments"]}
    missing = {u["key"] for u in rec["uncovered"]}
    assert rec["segments_covered"] == len(covered)
    assert rec["segments_covered"] + len(missing) == rec["segments_total"]
    assert len(rec["respondents"]) <= rec["segments_total"]
    assert (out / "respondents.csv").read_bytes().startswith(b"\xef\xbb\xbf")
    guides = (out / "guides.md").read_text(encoding="utf-8")
    assert "Расскажите" in guides
    assert all(h["status"] == "suggested" for h in plan["suggested_hypotheses"])


def test_html_profile_uses_complementary_suppression(small_study: object, tmp_path: Path) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    from segprofile import pipeline
    from segprofile.model.study import Study

    study = Study.model_validate(small_study)
    channel = ["epgu"] * 40 + ["mfc"] * 7 + ["office"] * 3
    table = pa.table(
        {
            "channel": channel,
            "age": [30] * 50,
            "single_parent": [False] * 50,
            "region": ["city"] * 50,
            "satisfaction": [5] * 50,
        }
    )
    pq.write_table(table, tmp_path / "records.parquet")
    profile = pipeline.profile_study(pipeline.Workspace.from_config(data_dir=tmp_path), study)
    html = pipeline.render_profile_html(profile, study)
    rows = dict(re.findall(r'<tr><td>([^<]+)</td><td class="num suppressed">([^<]+)<', html))
    # «Приёмная» (3) is below 5: one unnamed line; «МФЦ» (7) is hidden too, or 50 − 40 would
    # give 3 away.
    assert "Приёмная" not in html
    [other] = [label for label in rows if label.startswith("Прочие значения")]
    assert rows[other] == "скрыто: меньше 5"
    assert rows["МФЦ"] == "скрыто, чтобы нельзя было вычислить соседние"
    assert "&lt;" not in html.split('id="sp-segments"', 1)[1].split("</section>", 1)[0]
