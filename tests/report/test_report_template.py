"""A body's own DOCX template (M-13): the sample reproduces the standard report, every documented
placeholder resolves, and a broken template is an error naming the placeholder and paragraph."""

from __future__ import annotations

import importlib.util
import io
import re
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from docx import Document
from docx.enum.section import WD_ORIENT
from openpyxl import Workbook

from report_texts import (
    REQUISITES,
    docx_cells,
    docx_from_lines,
    docx_texts,
    within_loops,
)
from segprofile import pipeline
from segprofile.errors import InputError
from segprofile.model.study import Study
from segprofile.report.build import Report, build_report
from segprofile.report.docx import render_docx
from segprofile.report.template import (
    PLACEHOLDERS,
    SECTION_NAMES,
    check_template,
    render_docx_template,
    sample_template,
)
from sp_factories import SMALL_STUDY, make_records

ROOT = Path(__file__).parents[2]


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> tuple[Report, Study, object]:
    data = tmp_path_factory.mktemp("template")
    pq.write_table(make_records(1500, seed=11), data / "records.parquet")
    study = Study.model_validate({**SMALL_STUDY, "requisites": REQUISITES})
    profile = pipeline.profile_study(
        pipeline.Workspace.in_folder(tmp_path_factory.mktemp("ws"), data_dir=data), study
    )
    return build_report(profile, study, figures=False), study, profile


def _error(report: Report, template: bytes) -> str:
    with pytest.raises(InputError) as caught:
        render_docx_template(report, template)
    assert caught.value.hint
    assert "report-template.md" in caught.value.hint
    return caught.value.message


# --- The sample ----------------------------------------------------------------------------------


def test_the_filled_sample_is_the_standard_report(built) -> None:  # type: ignore[no-untyped-def]
    report, _, profile = built
    filled = render_docx_template(report, sample_template())
    standard = render_docx(report)  # no figures in either: the template has none
    # The standard contents end each line with a tab before its page number (a PAGEREF field
    # the sample's plain list has not: a body adds Word's own contents field if it wants one).
    assert docx_texts(filled) == [t.rstrip("\t") for t in docx_texts(standard)]
    # The standard's cells as printed (report.build.print_text): «№ 1-ФЗ» with a no-break space
    # and hyphen, which python-docx reads back as «№\u00a01-ФЗ»; a body's template fills in the
    # text as written.
    assert [[" ".join(c.split()) for c in row] for row in docx_cells(filled)] == [
        [" ".join(c.split()) for c in row] for row in docx_cells(standard)
    ]
    # Laid out alike: the title page a portrait section, the report's pages landscape.
    for document in (filled, standard):
        sections = Document(io.BytesIO(document)).sections
        assert [s.page_width < s.page_height for s in sections[:2]] == [True, False]
        assert [s.orientation for s in sections[:2]] == [WD_ORIENT.PORTRAIT, WD_ORIENT.LANDSCAPE]
    texts = "\n".join(docx_texts(filled))
    for section in report.sections:
        assert section.title in texts
    assert REQUISITES["organisation"] in texts
    assert "УТВЕРЖДАЮ" in texts
    assert "01.12.2026 № 15-П" in texts
    assert "Тверь 2026" in texts
    assert texts.rstrip().endswith(REQUISITES["executor"]["contacts"])  # the executor's mark, last
    channel = profile.by_feature[0]
    rows = docx_cells(filled)
    header = next(i for i, r in enumerate(rows) if r[:2] == ["Сегмент", "Ёмкость"])
    assert rows[header + 1][0] == channel.segments[0].label
    assert rows[header + 1][1] == f"{channel.segments[0].capacity:,}".replace(",", "\u00a0")


def test_the_shipped_sample_is_what_the_script_writes() -> None:
    spec = importlib.util.spec_from_file_location(
        "make_report_template", ROOT / "scripts" / "make_report_template.py"
    )
    assert spec
    assert spec.loader
    script = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(script)
    fresh = script.build()
    assert [p.text for p in Document(io.BytesIO(fresh)).paragraphs] == [
        p.text for p in Document(io.BytesIO(sample_template())).paragraphs
    ], "run: python scripts/make_report_template.py"
    assert docx_cells(fresh) == docx_cells(sample_template())


# --- Every placeholder -------------------------------------------------------------------------


def test_every_documented_placeholder_resolves(built) -> None:  # type: ignore[no-untyped-def]
    report, _, _ = built
    lines = [f"{p.name}={within_loops(p.name)}" for p in PLACEHOLDERS]
    lines += [f"р.{name}={{{{ р.{name}.есть }}}}|" for name in SECTION_NAMES.values()]
    texts = docx_texts(render_docx_template(report, docx_from_lines(*lines)))
    assert len(texts) == len(lines)
    for line, text in zip(lines, texts, strict=True):
        name, value = text.split("=", 1)
        assert line.startswith(name + "=")
        assert "|" in value, name  # the loops ran and the value was written
        assert value.replace("|", "").strip(), name  # every requisite filled in this study
    values = dict(t.split("=", 1) for t in texts)
    assert values["номер_и_дата"] == "01.12.2026 № 15-П|"
    assert values["утверждает.фио"] == "И. И. Иванов|"
    assert values["р.сегменты"] == "True|"
    assert values["р.опрос"] == "False|"  # no survey in this study: the section is empty
    assert values["раздел.номер"].startswith("1|2|3|")


def test_the_guide_lists_every_placeholder_and_section_name() -> None:
    guide = (ROOT / "docs" / "report-template.md").read_text(encoding="utf-8")
    for placeholder in PLACEHOLDERS:
        assert f"{{{{ {placeholder.name} }}}}" in guide, placeholder.name
    for name in SECTION_NAMES.values():
        assert f"р.{name}" in guide, name
    for name in ("{%tr for строка in", "{%tc for", "{%p for раздел in разделы %}"):
        assert name in guide


def test_every_section_of_the_report_has_a_russian_name() -> None:
    source = (ROOT / "src" / "segprofile" / "report" / "build.py").read_text(encoding="utf-8")
    ids = set(re.findall(r'Section\(\s*"(\w+)"', source))
    assert ids
    assert ids <= set(SECTION_NAMES)
    assert len(set(SECTION_NAMES.values())) == len(SECTION_NAMES)


def test_the_first_templates_english_keys_still_fill(built) -> None:  # type: ignore[no-untyped-def]
    _report, study, profile = built
    template = docx_from_lines(
        "Отчёт: {{ title }}",
        "Клиентов: {{ s.summary.tables[0].rows[0][1] }}",
        "{% for sec in sections %}{{ sec.number }}. {{ sec.title }}; {% endfor %}",
    )
    texts = docx_texts(pipeline.render_report(profile, study, "docx", template=template))
    assert texts[0] == f"Отчёт: {study.title}"
    assert texts[1] == "Клиентов: " + f"{profile.total_clients:,}".replace(",", "\u00a0")
    assert texts[2].startswith("1. Область, нормативные акты и источники данных; 2. Роли")


def test_a_template_is_never_filled_without_hiding_small_groups(built) -> None:  # type: ignore[no-untyped-def]
    _, study, profile = built
    with pytest.raises(InputError, match="только со скрытыми малыми группами"):
        pipeline.render_report(
            profile, study, "docx", template=sample_template(), unsuppressed=True
        )


# --- Errors name the placeholder and the paragraph ------------------------------------------------


def test_an_unknown_placeholder_is_named_with_its_paragraph(built) -> None:  # type: ignore[no-untyped-def]
    report, _, _ = built
    message = _error(report, docx_from_lines("Титульный лист", "Отчёт: {{ назване }}"))
    assert message == (
        "В шаблоне неизвестная подстановка «{{ назване }}» (абзац 2: «Отчёт: {{ назване }}»)."
    )
    message = _error(
        report,
        docx_from_lines("{%p for раздел in разделы %}", "{{ раздел.заголвок }}", "{%p endfor %}"),
    )
    assert "«{{ раздел.заголвок }}» (абзац 2:" in message
    message = _error(
        report, docx_from_lines("Шапка", cells=("{{ название }}", "{{ утверждает.должн }}"))
    )
    assert "«{{ утверждает.должн }}» (таблица 1, строка 2, столбец 2:" in message
    message = _error(
        report,
        docx_from_lines(
            "{%p for раздел in разделы %}",
            "{%p for блок in раздел.блоки %}",
            "{{ блок.таблица.строки }}",
            "{%p endfor %}",
            "{%p endfor %}",
        ),
    )
    assert "«{{ блок.таблица.строки }}» (абзац 3:" in message
    assert 'внутрь {% if блок.вид == "таблица" %}' in message
    message = _error(report, docx_from_lines("Текст", header="Шапка {{ организацыя }}"))
    assert "«{{ организацыя }}» (верхний колонтитул: «Шапка {{ организацыя }}»)" in message


def test_a_syntax_error_says_what_is_wrong_and_where(built) -> None:  # type: ignore[no-untyped-def]
    report, _, _ = built
    assert _error(report, docx_from_lines("Заголовок", "Отчёт: {{ название ")) == (
        "В шаблоне не закрыта подстановка «{{ название» (абзац 2: «Отчёт: {{ название »): нет «}}»."
    )
    message = _error(report, docx_from_lines("{% for раздел in разделы %}", "{{ раздел.номер }}"))
    assert message.startswith("В шаблоне не закрыта команда «{% for раздел in разделы %}» (абзац 1")
    assert message.endswith("нет «{% endfor %}».")
    message = _error(report, docx_from_lines("a", "{%p if название %}", "b", "{%p endfor %}"))
    assert "не закрыта команда «{%p if название %}» (абзац 2" in message
    assert "«{%p endfor %}» (абзац 4" in message
    assert message.endswith("закройте её командой «{%p endif %}».")
    message = _error(report, docx_from_lines("{%p for раздел in разделы %}", "{{ раздел.номер }}"))
    assert message.endswith("нет «{%p endfor %}».")
    message = _error(report, docx_from_lines("{% endif %}"))
    assert message.startswith("В шаблоне лишняя команда «{% endif %}» (абзац 1")
    message = _error(report, docx_from_lines("{{ утверждает должность }}"))
    assert "лишнее «должность» (между частями имени ставится точка" in message
    message = _error(report, docx_from_lines("{% if номер = 1 %}", "x", "{% endif %}"))
    assert "сравнение пишется двумя знаками" in message
    assert "нет фильтра «заглавные»" in _error(report, docx_from_lines("{{ название|заглавные }}"))
    assert "неизвестная команда «{% include 'a.docx' %}»" in _error(
        report, docx_from_lines("{% include 'a.docx' %}")
    )


def test_a_file_that_is_not_a_docx_is_said_so(tmp_path: Path) -> None:
    workbook = tmp_path / "шаблон.xlsx"
    Workbook().save(workbook)
    for content in (b"not a docx", b"PK\x03\x04broken", workbook.read_bytes()):
        with pytest.raises(InputError, match=r"не документ Word \(\.docx\)") as caught:
            check_template(content)
        assert caught.value.hint
        assert "Документ Word" in caught.value.hint


def test_a_template_is_checked_without_a_profile() -> None:
    check_template(sample_template())  # the sample fits the small report of every kind of block
    with pytest.raises(InputError) as caught:
        check_template(
            docx_from_lines("{% for раздел in разделы %}{{ раздел.абзацы2 }}{% endfor %}")
        )
    assert "неизвестная подстановка «{{ раздел.абзацы2 }}» (абзац 1:" in caught.value.message
