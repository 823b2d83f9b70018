"""The filed profile (issue 20, M-13), for both examples in every format: Russian only with no
internal id, the title page and «УТВЕРЖДАЮ», every journey a table with every step, the sections
in the methodology's order, and a body's template that fills or says clearly what is wrong."""

from __future__ import annotations

import re
from dataclasses import dataclass

import pytest

from report_texts import (
    REQUISITES,
    docx_from_lines,
    docx_headings,
    docx_paragraphs,
    docx_tables,
    docx_text,
    docx_texts,
    docx_xml_text,
    foreign_words,
    html_tables,
    html_text,
    pdf_pages,
    study_ids,
    within_loops,
    xlsx_sheets,
    xlsx_text,
)
from segprofile import pipeline
from segprofile.errors import InputError
from segprofile.examples import EXAMPLES
from segprofile.model.study import Study
from segprofile.report.build import Report, build_report
from segprofile.report.docx import render_docx
from segprofile.report.pdf import render_html, render_pdf
from segprofile.report.template import (
    PLACEHOLDERS,
    SECTION_NAMES,
    render_docx_template,
    sample_template,
)
from segprofile.report.xlsx import render_xlsx

#: Point 2 of issue 20: the sections of a filed profile in the methodology's order (a study may
#: have more, e.g. the summary or the survey, between them).
METHODOLOGY_ORDER = (
    "Область, нормативные акты и источники данных",  # the passport
    "Роли и целевые аудитории",
    "Признаки сегментации и их источники",
    "Кластеры похожих клиентов и их портреты",
    "Сегменты по отдельным признакам",
    "Приоритет сегментов",
    "Потребности и проблемы: гипотезы, статус, доказательства",
    "План исследования",
    "Рекомендации",
    "Клиентские пути: текущий и целевой",
    "Чего не хватает профилю",
    "Происхождение результата",
)
FORMATS = ("docx", "docx-xml", "xlsx", "html", "pdf")


@dataclass(frozen=True)
class Filed:
    """One example's profile with the body's requisites, and its report in every format."""

    name: str
    study: Study
    report: Report
    docx: bytes
    xlsx: bytes
    html: str
    pdf: list[str] | None  # the text of each page; None without poppler's pdftotext


@pytest.fixture(scope="module", params=sorted(EXAMPLES))
def filed(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Filed:
    """Each example built once (the small demo size of the other report tests) and written as
    DOCX, XLSX, HTML and PDF the way ``pipeline.render_report`` writes them (the PDF without
    figures, see below)."""
    name: str = request.param
    data = tmp_path_factory.mktemp(f"{name}-data")
    pipeline.generate_demo_data(name, data, rows=1500, seed=4)
    document = pipeline.example_study(name).model_dump(mode="json")
    study = Study.model_validate({**document, "requisites": REQUISITES})
    profile = pipeline.profile_study(
        pipeline.Workspace.in_folder(tmp_path_factory.mktemp(f"{name}-ws"), data_dir=data), study
    )
    report = build_report(profile, study)
    plain = build_report(profile, study, figures=False)
    return Filed(
        name=name,
        study=study,
        report=report,
        docx=render_docx(report),
        xlsx=render_xlsx(plain),
        html=render_html(report),
        # The PDF is the HTML printed: the figures' text is checked in the HTML, and the PDF is
        # printed without them, three times faster.
        pdf=pdf_pages(render_pdf(plain), tmp_path_factory.mktemp(f"{name}-pdf")),
    )


def _text(filed: Filed, fmt: str) -> str:
    if fmt == "docx":
        return docx_text(filed.docx)
    if fmt == "docx-xml":
        return docx_xml_text(filed.docx)
    if fmt == "xlsx":
        return xlsx_text(filed.xlsx)
    if fmt == "html":
        return html_text(filed.html)
    if filed.pdf is None:
        pytest.skip("pdftotext is not installed; scripts/system-deps.sh installs it")
    return "\n".join(filed.pdf)


def _flat(text: str) -> str:
    """Text with every run of white space one space (a PDF wraps lines anywhere)."""
    return " ".join(text.split())


# --- The checker itself ---------------------------------------------------------------------------


def test_the_checker_finds_ids_and_english_words_and_allows_real_names() -> None:
    study = pipeline.example_study("child-benefit")
    ids = study_ids(study)
    assert {"p_docs_burden", "r_proactive_info", "target_rural", "income_band", "fz81"} <= ids
    found = foreign_words(
        "Важность: missing\nРешаемые проблемы: sug-csat-hours-6bc06952\n"
        "Источник: records.parquet\nПравило: income_band != 'above_pm'\n"
        "Сегменты: channel=office\nГипотеза p_docs_burden\nСтатус: Confirmed\nfz81",
        ids,
    )
    words = {f.split(":", 1)[0] for f in found}
    assert {
        "missing",
        "sug-csat-hours-6bc06952",
        "records.parquet",
        "income_band",
        "above_pm",
        "channel=office",
        "p_docs_burden",
        "Confirmed",
        "fz81",
    } <= words
    assert (
        foreign_words(
            "CSAT 80 %, NPS 12 (AIDAS); k = 3; М-1; petrova@example.ru; SHA-256 "
            "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08; segprofile, DuckDB",
            ids,
        )
        == []
    )


# --- 1, 2: no internal id, no English word --------------------------------------------------------


@pytest.mark.parametrize("fmt", FORMATS)
def test_no_internal_id_and_no_english_word(filed: Filed, fmt: str) -> None:
    found = foreign_words(_text(filed, fmt), study_ids(filed.study))
    assert found == [], f"{filed.name}, {fmt}: " + "\n".join(found)


# --- 3: the title page and the approval block ----------------------------------------------------


def _title_lines(filed: Filed) -> list[str]:
    kind = (
        "ПРОФИЛЬ ВНУТРЕННЕГО КЛИЕНТА" if filed.report.internal else "ПРОФИЛЬ КЛИЕНТСКОГО СЕГМЕНТА"
    )
    return [
        REQUISITES["organisation"],
        REQUISITES["unit"],
        "УТВЕРЖДАЮ",
        REQUISITES["approver"]["position"],
        REQUISITES["approver"]["name"],
        kind,
        "01.12.2026 № 15-П",
        "Тверь 2026",
    ]


def test_the_title_page_and_approval_block_open_the_docx(filed: Filed) -> None:
    texts = docx_paragraphs(filed.docx)
    first_page = "\n".join(texts[: texts.index("Содержание")])
    positions = [first_page.find(line) for line in _title_lines(filed)]
    assert -1 not in positions, dict(zip(_title_lines(filed), positions, strict=True))
    assert positions == sorted(positions)  # the ГОСТ's order: body, approval, kind, date, place
    assert filed.study.title in _flat(first_page)
    assert docx_texts(filed.docx)[-4] == "Исполнитель:"


def test_the_title_page_and_approval_block_open_the_html_and_pdf(filed: Filed) -> None:
    html = filed.html
    title_page = html[html.index('class="sp-title-page"') : html.index('class="sp-head"')]
    text = html_text(title_page)
    positions = [text.find(line) for line in _title_lines(filed)]
    assert -1 not in positions, dict(zip(_title_lines(filed), positions, strict=True))
    assert positions == sorted(positions)
    if filed.pdf is None:
        pytest.skip("pdftotext is not installed")
    first = _flat(filed.pdf[0])
    for line in _title_lines(filed):
        assert _flat(line) in first, line
    assert "Содержание" not in first


# --- 4: every journey a table with every step ----------------------------------------------------


def _journeys(filed: Filed) -> list[tuple[str, list[str]]]:
    journeys = [(j.title, [s.title for s in j.steps]) for j in filed.study.journeys if j.steps]
    assert journeys
    return journeys


def _step_table(tables: list[list[list[str]]], steps: list[str]) -> list[list[str]] | None:
    """The table whose header starts «№ | Шаг» and whose rows are exactly these steps."""
    for rows in tables:
        if rows and rows[0][:2] == ["№", "Шаг"] and [r[1] for r in rows[1:]] == steps:
            return rows
    return None


def _letters(text: str) -> str:
    """Text without what the writers may put between words (no-break hyphens, line breaks)."""
    return re.sub(r"\W+", "", text)


def test_the_recommendations_name_their_problems_whole(filed: Filed) -> None:
    """A filed document cuts no substance short: each problem a recommendation solves is its
    number and its whole statement, in every format."""
    numbers = {h.id: n for n, h in enumerate(filed.study.hypotheses, start=1)}
    statements = {h.id: h.statement for h in filed.study.hypotheses}
    expected = [
        _letters("".join(f"№ {numbers[p]}. {statements[p]}" for p in r.problems))
        for r in filed.study.recommendations
        if r.problems
    ]
    assert expected
    assert any(len(s) > 70 for s in statements.values())  # longer than the pages show them
    sheet = next(
        r for r in xlsx_sheets(filed.xlsx).values() if any("Решаемые проблемы" in x for x in r)
    )
    start = next(i for i, row in enumerate(sheet) if "Решаемые проблемы" in row)
    end = next((i for i in range(start, len(sheet)) if not any(sheet[i])), len(sheet))
    xlsx = sheet[start:end]
    for fmt, tables in (
        ("docx", docx_tables(filed.docx)),
        ("html", html_tables(filed.html)),
        ("xlsx", [xlsx]),
    ):
        table = next(t for t in tables if "Решаемые проблемы" in t[0])
        column = table[0].index("Решаемые проблемы")
        cells = [row[column] for row in table[1:] if row[column] != "—"]
        assert not any("…" in cell for cell in cells), fmt
        assert [_letters(cell) for cell in cells] == expected, fmt


def test_every_journey_is_a_docx_and_html_table_with_every_step(filed: Filed) -> None:
    docx, html = docx_tables(filed.docx), html_tables(filed.html)
    for title, steps in _journeys(filed):
        for fmt, tables in (("docx", docx), ("html", html)):
            rows = _step_table(tables, steps)
            assert rows is not None, f"{fmt}: no step table of «{title}»"
            assert [r[0] for r in rows[1:]] == [str(n) for n in range(1, len(steps) + 1)]
            assert rows[0][2:5] == ["Роль", "Канал", "Уровень сервиса"]


def test_every_journey_is_an_xlsx_step_table(filed: Filed) -> None:
    sheet = next(rows for name, rows in xlsx_sheets(filed.xlsx).items() if name.endswith("Пути"))
    for title, steps in _journeys(filed):
        caption = next(i for i, r in enumerate(sheet) if r[0] == f"Шаги пути «{title}»")
        header = sheet[caption + 1]
        assert header[:2] == ["№", "Шаг"]
        rows = sheet[caption + 2 : caption + 2 + len(steps)]
        assert [r[1] for r in rows] == steps
        assert [r[0] for r in rows] == [str(n) for n in range(1, len(steps) + 1)]


def test_every_journey_is_a_pdf_table_with_every_step(filed: Filed) -> None:
    if filed.pdf is None:
        pytest.skip("pdftotext is not installed")
    text = _flat("\n".join(filed.pdf)).replace("\u2010 ", "")  # a word hyphenated at a line end
    for title, steps in _journeys(filed):
        caption = f"Шаги пути «{_flat(title)}»"
        assert caption in text, caption
        table = text[text.index(caption) :]
        table = table[: table.find("Шаги пути «", len(caption))]
        for step in steps:  # a cell wraps its words onto lines of its own, and a narrow
            # cell breaks a long word anywhere (its halves land between other cells' lines)
            assert all(word in table or word[:4] in table for word in step.split()), step


# --- 5: the sections in the methodology's order ---------------------------------------------------


def _in_order(found: list[str], where: str) -> None:
    titles = [t for t in found if t in METHODOLOGY_ORDER]
    assert titles == list(METHODOLOGY_ORDER), f"{where}: {found}"


def _plain_heading(text: str) -> str:
    """«3. Признаки сегментации и их источники (M-3)» → the section's title."""
    return re.sub(r"\s*\((M-\d+(, )?)+\)$", "", re.sub(r"^\d+\. ", "", text.strip()))


def test_every_section_is_there_in_the_methodology_order(filed: Filed) -> None:
    _in_order([_plain_heading(t) for t in docx_headings(filed.docx)], "docx")
    sheets = xlsx_sheets(filed.xlsx)
    _in_order([rows[0][0] for rows in sheets.values() if rows and rows[0]], "xlsx")
    h2 = re.findall(r"<h2>(.*?)</h2>", re.sub(r'<span class="mcode">.*?</span>', "", filed.html))
    _in_order([_plain_heading(h) for h in h2], "html")
    if filed.pdf is None:
        pytest.skip("pdftotext is not installed")
    text = _flat("\n".join(filed.pdf))
    places = []
    for title in METHODOLOGY_ORDER:  # the numbered headings (the contents are not numbered)
        heading = re.search(rf"\b\d{{1,2}}\. {re.escape(title)}", text)
        assert heading, f"pdf: no heading «{title}»"
        places.append(heading.start())
    assert places == sorted(places)


# --- 6: a body's template ------------------------------------------------------------------------


def test_a_template_with_every_placeholder_fills(filed: Filed) -> None:
    lines = [f"{p.name}={within_loops(p.name)}" for p in PLACEHOLDERS]
    lines += [f"р.{name}={{{{ р.{name}.есть }}}}|" for name in SECTION_NAMES.values()]
    filled = render_docx_template(filed.report, docx_from_lines(*lines))
    texts = docx_texts(filled)
    assert len(texts) == len(lines)
    for line, text in zip(lines, texts, strict=True):
        name, value = text.split("=", 1)
        assert line.startswith(name + "="), name
        assert "|" in value, name  # the loops ran and the value was written
        assert "{{" not in value, name
        assert "{%" not in value, name
    values = dict(t.split("=", 1) for t in texts)
    assert values["название"] == f"{filed.study.title}|"
    assert values["номер_и_дата"] == "01.12.2026 № 15-П|"
    assert values["р.пути"] == "True|"


def test_the_sample_template_fills_in_russian_with_nothing_left(filed: Filed) -> None:
    filled = render_docx_template(filed.report, sample_template())
    text = docx_text(filled)
    assert not re.search(r"\{\{|\{%|\}\}|%\}", text)
    assert "УТВЕРЖДАЮ" in text
    assert foreign_words(text, study_ids(filed.study)) == []
    for title in METHODOLOGY_ORDER:
        assert title in text, title


def test_a_broken_template_names_the_placeholder_and_the_line(filed: Filed) -> None:
    with pytest.raises(InputError) as caught:
        render_docx_template(
            filed.report, docx_from_lines("Титульный лист", "Орган: {{ органзация }}")
        )
    assert caught.value.message == (
        "В шаблоне неизвестная подстановка «{{ органзация }}» (абзац 2: «Орган: {{ органзация }}»)."
    )
    assert "report-template.md" in (caught.value.hint or "")
    with pytest.raises(InputError) as caught:
        render_docx_template(
            filed.report, docx_from_lines("{%p for раздел in разделы %}", "{{ раздел.заголовок }}")
        )
    assert caught.value.message.startswith(
        "В шаблоне не закрыта команда «{%p for раздел in разделы %}» (абзац 1"
    )
    assert caught.value.message.endswith("нет «{%p endfor %}».")
