"""The printed blueprint (issue 20): a long journey is printed in parts of consecutive steps,
each at a width where its smallest text is 8 pt at least, in the PDF and in the DOCX alike."""

from __future__ import annotations

import io
import random
import re

import pyarrow.parquet as pq
import pytest
from docx import Document
from docx.shared import Length

from segprofile import pipeline
from segprofile.model.study import Study
from segprofile.report.blueprint import blueprint_parts
from segprofile.report.build import Figure, Report, build_report
from segprofile.report.docx import render_docx
from segprofile.report.pdf import render_html
from sp_factories import SMALL_STUDY, make_records

PT_MM = 0.3528
STEPS = 20
HEAVY = {3, 4, 11, 19}  # steps with every text long and four pains

_WORDS = (
    "заявление",
    "межведомственный запрос",
    "проверка сведений о доходах семьи",
    "перерасчёт пособия",
    "уведомление через личный кабинет",
    "обращение в клиентскую службу",
    "справки",
)


def _text(rng: random.Random, words: int) -> str:
    return " ".join(rng.choice(_WORDS) for _ in range(words)).capitalize()


def _long_journey_study() -> Study:
    """A 20-step current journey with long texts everywhere, skewed: most steps are short, a few
    have every lane filled and several pains with long statements."""
    rng = random.Random(20)
    problems = [
        {"id": f"p{i}", "kind": "problem", "statement": _text(rng, rng.randint(3, 12))}
        for i in range(1, 7)
    ]
    steps = []
    for i in range(1, STEPS + 1):
        heavy = i in HEAVY
        step: dict[str, object] = {
            "id": f"s{i}",
            "title": _text(rng, rng.randint(6, 10) if heavy else rng.randint(1, 2)),
            "channel": _text(rng, rng.randint(3, 6) if heavy else 1),
            "role": "applicant",
            "service_level": rng.randint(1, 5),
            "duration_days": rng.choice([None, 1, 10, 30]),
            "client_minutes": rng.choice([None, 0, 15, 240]),
        }
        for lane in ("physical_evidence", "front_stage", "back_stage", "support_processes"):
            if heavy or rng.random() < 0.4:
                step[lane] = _text(rng, rng.randint(10, 25) if heavy else rng.randint(1, 3))
        if heavy:
            step["pains"] = [p["id"] for p in rng.sample(problems, 4)]
        steps.append(step)
    journey = {
        "id": "long",
        "kind": "current",
        "title": "Назначение единого пособия при рождении ребёнка в семье с низким доходом",
        "steps": steps,
    }
    return Study.model_validate({**SMALL_STUDY, "hypotheses": problems, "journeys": [journey]})


def _smallest_font(svg: str) -> float:
    return min(float(s) for s in re.findall(r'font-size="([\d.]+)"', svg))


def _svg_width(svg: str) -> float:
    found = re.search(r'<svg[^>]*?\swidth="([\d.]+)"', svg)
    assert found
    return float(found[1])


def _printed_pt(svg: str, width_mm: float) -> float:
    return _smallest_font(svg) * width_mm / _svg_width(svg) / PT_MM


def _steps_shown(svg: str) -> set[int]:
    """The step numbers in the cards' circles (white bold text)."""
    return {int(n) for n in re.findall(r'font-weight="bold" fill="#ffffff"[^>]*>(\d+)<', svg)}


@pytest.fixture(scope="module")
def report(tmp_path_factory: pytest.TempPathFactory) -> Report:
    study = _long_journey_study()
    data = tmp_path_factory.mktemp("bp")
    pq.write_table(make_records(600, seed=20), data / "records.parquet")
    profile = pipeline.profile_study(
        pipeline.Workspace.in_folder(tmp_path_factory.mktemp("ws"), data_dir=data), study
    )
    return build_report(profile, study)


def _blueprint(report: Report) -> Figure:
    return next(
        b
        for s in report.sections
        for b in s.blocks
        if isinstance(b, Figure) and b.kind == "blueprint"
    )


def test_a_long_journey_is_printed_in_parts_of_consecutive_steps(report: Report) -> None:
    figure = _blueprint(report)
    parts = figure.parts
    assert len(parts) > 1
    shown = [_steps_shown(p.svg) for p in parts]
    assert set().union(*shown) == set(range(1, STEPS + 1))  # every step, each once
    assert sum(len(s) for s in shown) == STEPS
    assert [(p.first, p.last) for p in parts] == [(min(s), max(s)) for s in shown]
    assert parts[1].label == f"шаги {parts[1].first}–{parts[1].last} из {STEPS}"
    assert f"шаги {parts[1].first}–{parts[1].last} из {STEPS}" in parts[1].svg
    # the screen keeps the whole drawing; the full texts are in the journey's step table
    assert _steps_shown(figure.svg) == set(range(1, STEPS + 1))


def test_short_steps_are_wrapped_in_full_and_long_ones_only_where_a_page_needs_it(
    report: Report,
) -> None:
    parts = _blueprint(report).parts
    light = [p for p in parts if not HEAVY & set(range(p.first, p.last + 1))]
    assert light
    assert all("…" not in p.svg for p in light)


def test_the_pdf_prints_every_part_at_8_pt_at_least(report: Report) -> None:
    html = render_html(report)
    printed = re.findall(
        r'class="sp-chart blueprint sp-bp-part"><h3>([^<]*)</h3>'
        r'<div style="width:([\d.]+)mm">(<svg.*?</svg>)',
        html,
        flags=re.S,
    )
    parts = _blueprint(report).parts
    assert len(printed) == len(parts)
    sizes = [_printed_pt(svg, float(width)) for _, width, svg in printed]
    assert min(sizes) >= 8.0, sizes
    assert printed[0][0].endswith(f", шаги 1–{parts[0].last} из {STEPS}")
    assert set().union(*(_steps_shown(svg) for *_, svg in printed)) == set(range(1, STEPS + 1))
    # printed on portrait pages of their own
    assert "@page blueprint{size:A4 portrait}" in html


def test_the_docx_prints_every_part_at_8_pt_at_least(report: Report) -> None:
    doc = Document(io.BytesIO(render_docx(report)))
    parts = _blueprint(report).parts
    shapes = [
        s
        for s in doc.inline_shapes
        if s._inline.docPr.get("descr", "").startswith("Схема обслуживания")
    ]
    assert len(shapes) == len(parts)
    for shape, part in zip(shapes, parts, strict=True):
        width_mm = Length(shape.width).mm
        assert _printed_pt(part.svg, width_mm) >= 8.0
        assert part.label in shape._inline.docPr.get("descr")
    # each part on a portrait page no narrower than the picture; then landscape again (the
    # first section, also portrait, is the title page)
    assert doc.sections[0].page_height > doc.sections[0].page_width
    portrait = [s for s in list(doc.sections)[1:] if s.page_height > s.page_width]
    assert len(portrait) == len(parts)
    for section, shape in zip(portrait, shapes, strict=True):
        usable = section.page_width - section.left_margin - section.right_margin
        assert shape.width <= usable
    assert doc.sections[-1].page_width > doc.sections[-1].page_height


def test_parts_of_the_example_study_all_print_at_8_pt() -> None:
    study = pipeline.example_study("child-benefit")
    for journey in (j for j in study.journeys if j.steps):
        parts = blueprint_parts(study, journey.id)
        assert parts[0].first == 1
        assert parts[-1].last == len(journey.steps)
        assert all(_printed_pt(p.svg, p.width_mm) >= 8.0 for p in parts)


def test_a_part_of_one_step_is_headed_in_the_singular() -> None:
    # 21 steps in parts of two: the last part is one step; its page header says what its
    # caption says, «шаг 21 из 21», never «шаги 21 из 21».
    study = _long_journey_study()
    journey = study.journeys[0]
    extra = journey.steps[0].model_copy(update={"id": "s21"})
    study = study.model_copy(
        update={"journeys": [journey.model_copy(update={"steps": [*journey.steps, extra]})]}
    )
    parts = blueprint_parts(study, "long")
    last = parts[-1]
    assert (last.first, last.last) == (21, 21)
    assert last.label == "шаг 21 из 21"
    assert "шаг 21 из 21" in last.svg
    assert "шаги" not in last.svg
    assert "шаги 1–2 из 21" in parts[0].svg
