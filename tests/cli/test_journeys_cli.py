"""The CLI refuses bad journey files in Russian, naming the row, and leaves the study as it was."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from segprofile import pipeline
from segprofile.cli import run


@pytest.fixture
def study_file(tmp_path: Path) -> Path:
    path = tmp_path / "study.yaml"
    path.write_text(pipeline.dump_study(pipeline.example_study("child-benefit")), encoding="utf-8")
    return path


def _import(study_file: Path, name: str, content: str, capsys: pytest.CaptureFixture[str]) -> str:
    before = study_file.read_bytes()
    bad = study_file.parent / name
    bad.write_text(content, encoding="utf-8")
    assert run(["journeys", "import", str(study_file), str(bad)]) == 2
    assert study_file.read_bytes() == before
    err = capsys.readouterr().err
    assert "Traceback" not in err
    return " ".join(err.split())


HEAD = "Путь;Вид пути;Название пути;№ шага;Шаг;Название шага;Роль;Проблемы\n"


def test_unknown_role_and_problem_are_named_with_the_row(
    study_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    err = _import(
        study_file,
        "bad.csv",
        HEAD + "j;текущий;П;1;a;А;nobody;\nj;;;2;b;Б;applicant;p_ghost\n",
        capsys,
    )
    assert "Ошибка: Файл bad.csv не удалось загрузить" in err
    assert "строка 2, столбец «Роль»: роль «nobody» не найдена" in err
    assert "строка 3, столбец «Проблемы»: проблема (гипотеза) «p_ghost» не найдена" in err
    assert "Что сделать" in err


def test_repeated_steps_and_numbers_are_refused(
    study_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    err = _import(
        study_file,
        "loop.csv",
        HEAD + "j;текущий;П;1;a;А;;\nj;;;1;b;Б;;\nj;;;3;a;Снова;;\n",
        capsys,
    )
    assert "строка 3, столбец «№ шага»: номер шага 1 уже стоит в строке 2" in err
    assert "строка 4, столбец «Шаг»: шаг «a» пути «j» уже есть в строке 2" in err


def test_an_empty_journey_is_refused(study_file: Path, capsys: pytest.CaptureFixture[str]) -> None:
    err = _import(study_file, "empty.csv", HEAD + "j;текущий;Пустой;;;;;\n", capsys)
    assert "строка 2, столбец «Шаг»" in err
    assert "пустой путь без шагов не загружается" in err


def test_a_bpmn_cycle_is_refused(
    study_file: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    exported = tmp_path / "journeys.bpmn"
    assert run(["journeys", "export", str(study_file), "-f", "bpmn", "-o", str(exported)]) == 0
    capsys.readouterr()
    text = exported.read_text(encoding="utf-8")
    # Send the flow into the end event of the common target journey back to its first task.
    flows = re.findall(r'<bpmn:sequenceFlow [^>]*targetRef="End_target_common"[^>]*/>', text)
    assert len(flows) == 1
    first_task = re.search(r'<bpmn:\w*[tT]ask id="([^"]+_target_common[^"]*)"', text)
    assert first_task is not None
    looped = text.replace(
        flows[0], flows[0].replace('"End_target_common"', f'"{first_task.group(1)}"')
    )
    err = _import(study_file, "loop.bpmn", looped, capsys)
    assert "путь с циклом" in err
    assert "target_common" in err
