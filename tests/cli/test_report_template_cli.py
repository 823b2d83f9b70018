"""``report-template`` writes the sample and its placeholder list, or checks a template;
``report --template`` fills one, and a broken one is said before the profile is built."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from docx import Document

from segprofile import pipeline
from segprofile.cli import run


@pytest.fixture(autouse=True)
def _home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SEGPROFILE_HOME", str(tmp_path / "home"))


def _docx(path: Path, *lines: str) -> Path:
    doc = Document()
    for line in lines:
        doc.add_paragraph(line)
    doc.save(str(path))
    return path


def test_the_sample_and_its_placeholder_list_are_written(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    target = tmp_path / "шаблоны" / "образец.docx"
    assert run(["report-template", str(target)]) == 0
    assert target.read_bytes() == pipeline.sample_report_template()
    guide = target.with_suffix(".md").read_text(encoding="utf-8")
    assert "| {{ раздел.полный_заголовок }} |" in guide
    assert "образец.md" in capsys.readouterr().out
    assert run(["report-template", "--check", str(target)]) == 0
    assert "заполняется без ошибок" in capsys.readouterr().out
    assert run(["report-template", str(tmp_path / "образец.doc")]) == 2
    assert "файл .docx" in capsys.readouterr().err


def test_a_broken_template_names_the_placeholder_and_paragraph(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    broken = _docx(tmp_path / "бланк.docx", "Титул", "{{ организация }}", "Отчёт: {{ назване }}")
    assert run(["report-template", "--check", str(broken)]) == 2
    err = capsys.readouterr().err
    assert "неизвестная подстановка «{{ назване }}» (абзац 3: «Отчёт: {{ назване }}»)" in err
    assert "report-template.md" in err  # where the placeholders are listed
    assert "Traceback" not in err
    (tmp_path / "не-шаблон.docx").write_text("текст", encoding="utf-8")
    assert run(["report-template", "--check", str(tmp_path / "не-шаблон.docx")]) == 2
    assert "не документ Word (.docx)" in capsys.readouterr().err


def test_report_fills_the_template_and_refuses_a_broken_one_before_the_profile(
    small_study_file: Path, small_data: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "out"
    common = ["report", str(small_study_file), "--data", str(small_data), "--out", str(out)]
    broken = _docx(tmp_path / "сломанный.docx", "{%p for раздел in разделы %}", "{{ раздел }}")
    assert run([*common, "--template", str(broken)]) == 2
    err = capsys.readouterr().err
    assert "не закрыта команда «{%p for раздел in разделы %}» (абзац 1" in err
    assert not out.exists()  # said before the profile was built: nothing written
    good = _docx(tmp_path / "бланк.docx", "{{ вид_документа|upper }}: {{ название }}")
    assert run([*common, "--template", str(good)]) == 0
    texts = [
        p.text
        for p in Document(
            io.BytesIO((out / "Профиль — Малое исследование — по шаблону органа.docx").read_bytes())
        ).paragraphs
    ]
    assert texts == ["ПРОФИЛЬ КЛИЕНТСКОГО СЕГМЕНТА: Малое исследование"]
