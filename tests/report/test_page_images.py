"""The printed report as a person sees it (issue 20): the child-benefit example's report, with
requisites, as PDF (WeasyPrint) and as DOCX opened in LibreOffice (headless, converted to PDF),
rendered to page images and checked: the title page first with its approval block at the top
right, the contents with page numbers, no blank page, nothing cut at the right or bottom edge, the
blueprint's portrait pages. A few page images are kept in ``tests/report/artifacts/`` to look at.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest
from docx import Document
from docx.enum.section import WD_ORIENT
from docx.shared import Length
from PIL import Image

from segprofile import pipeline
from segprofile.model.study import Study
from segprofile.report.blueprint import PRINT_AREA_MM
from segprofile.report.build import Figure, Report, build_report
from segprofile.report.docx import render_docx, section_heading
from segprofile.report.pdf import render_pdf

pytestmark = [
    pytest.mark.slow,  # about a minute: a profile, two renderings and LibreOffice
    pytest.mark.skipif(
        shutil.which("soffice") is None or shutil.which("pdftoppm") is None,
        reason="LibreOffice (soffice) or poppler-utils is not installed; "
        "scripts/system-deps.sh installs them",
    ),
]

DPI = 60
MM = DPI / 25.4  # pixels per millimetre
INK = 200  # a pixel darker than this (0 — black, 255 — white) is ink
ARTIFACTS = Path(__file__).parent / "artifacts"

REQUISITES = {
    "organisation": "Отделение Фонда пенсионного и социального страхования по Тверской области",
    "unit": "Отдел клиентского сервиса",
    "document_title": "Профиль получателей единого пособия в Тверской области",
    "document_number": "15-П",
    "document_date": "2026-12-01",
    "place": "Тверь",
    "approver": {"name": "И. И. Иванов", "position": "Управляющий отделением"},
    "executor": {"name": "Петрова Анна Сергеевна", "position": "главный специалист-эксперт"},
}

DUE_DATES = ("2027-03-12", "2027-04-21", "2026-12-31")
#: LibreOffice hyphenates Russian with this dictionary (``hyphen-ru``, scripts/system-deps.sh);
#: Word has its own.
RUSSIAN_HYPHENATION = Path("/usr/share/hyphen/hyph_ru_RU.dic")


class Printed:
    """A PDF and its pages: text and image of each."""

    def __init__(self, pdf: Path, name: str) -> None:
        self.pdf, self.name = pdf, name
        prefix = pdf.parent / f"{name}-page"
        subprocess.run(
            ["pdftoppm", "-r", str(DPI), "-png", str(pdf), str(prefix)],
            check=True,
            timeout=300,
        )
        self.images = sorted(pdf.parent.glob(f"{name}-page-*.png"))
        text = subprocess.run(
            ["pdftotext", "-layout", str(pdf), "-"],
            check=True,
            capture_output=True,
            text=True,
            timeout=120,
        ).stdout
        self.texts = text.split("\f")[: len(self.images)]

    def ink(self, number: int) -> np.ndarray:
        """Page ``number`` (from 1) as a boolean array: True where there is ink."""
        return np.asarray(Image.open(self.images[number - 1]).convert("L")) < INK

    def keep(self, number: int, label: str) -> None:
        ARTIFACTS.mkdir(exist_ok=True)
        shutil.copy(self.images[number - 1], ARTIFACTS / f"{self.name}-{label}.png")

    def page_of(self, text: str) -> int:
        """The first page with ``text`` on it, whatever the line breaks."""
        return next(n for n, t in enumerate(self.texts, 1) if _flat(text) in _flat(t))


def _flat(text: str) -> str:
    return re.sub(r"\s+", "", text)


@pytest.fixture(scope="module")
def printed(tmp_path_factory: pytest.TempPathFactory) -> tuple[Report, Printed, Printed]:
    tmp = tmp_path_factory.mktemp("pages")
    example = pipeline.example_study("child-benefit")
    data = example.model_dump(mode="json")
    for recommendation, due in zip(data["recommendations"], DUE_DATES, strict=False):
        recommendation["due_date"] = due  # the plan's dates, as an analyst sets them
    study = Study.model_validate({**data, "requisites": REQUISITES})
    pipeline.generate_demo_data("child-benefit", tmp / "data", rows=1500)
    profile = pipeline.profile_study(
        pipeline.Workspace.in_folder(tmp / "ws", data_dir=tmp / "data"), study
    )
    report = build_report(profile, study)
    (tmp / "weasy.pdf").write_bytes(render_pdf(report))
    office = tmp / "office"
    office.mkdir()
    (office / "profile.docx").write_bytes(render_docx(report))
    subprocess.run(
        [
            "soffice",
            # a profile of its own: parallel runs of LibreOffice do not share one
            f"-env:UserInstallation=file://{tmp / 'lo-profile'}",
            "--headless",
            "--convert-to",
            "pdf",
            "--outdir",
            str(office),
            str(office / "profile.docx"),
        ],
        capture_output=True,
        check=True,
        timeout=300,
    )
    return report, Printed(tmp / "weasy.pdf", "pdf"), Printed(office / "profile.pdf", "docx")


def _both(printed: tuple[Report, Printed, Printed]) -> tuple[Printed, Printed]:
    return printed[1], printed[2]


def _words(pdf: Path, page: int) -> list[tuple[str, float, float, float, float]]:
    """The words of a page with their boxes as shares of the page: (word, x0, y0, x1, y1)."""
    html = subprocess.run(
        ["pdftotext", "-bbox", "-f", str(page), "-l", str(page), str(pdf), "-"],
        check=True,
        capture_output=True,
        text=True,
        timeout=60,
    ).stdout
    size = re.search(r'<page width="([\d.]+)" height="([\d.]+)"', html)
    assert size
    w, h = float(size[1]), float(size[2])
    return [
        (word, float(x0) / w, float(y0) / h, float(x1) / w, float(y1) / h)
        for x0, y0, x1, y1, word in re.findall(
            r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">([^<]*)</word>',
            html,
        )
    ]


def test_the_first_page_is_the_title_page_with_the_approval_block_top_right(printed) -> None:  # type: ignore[no-untyped-def]
    for pages in _both(printed):
        first = pages.texts[0]
        assert "УТВЕРЖДАЮ" in first, pages.name
        assert "ПРОФИЛЬ КЛИЕНТСКОГО СЕГМЕНТА" in first
        assert _flat(REQUISITES["document_title"]) in _flat(first)
        assert "Содержание" not in first
        words = _words(pages.pdf, 1)
        approval = next(w for w in words if w[0] == "УТВЕРЖДАЮ")
        organisation = next(w for w in words if w[0] == "Отделение")
        place = next(w for w in words if w[0].startswith("Тверь"))
        assert approval[1] > 0.5, pages.name  # right half of the page
        assert approval[2] < 0.35, pages.name  # upper third
        assert organisation[2] < approval[2] < place[2]  # organisation above, place below
        assert place[2] > 0.8, pages.name  # the place and year at the foot of the page
        pages.keep(1, "title")


A4 = (595.3, 841.9)  # points, portrait


def _page_sizes(pdf: Path) -> list[tuple[float, float]]:
    """Every page's box (width, height) in points, as the PDF declares it."""
    info = subprocess.run(
        ["pdfinfo", "-f", "1", "-l", "100000", str(pdf)],
        check=True,
        capture_output=True,
        text=True,
        timeout=60,
    ).stdout
    return [
        (float(w), float(h)) for w, h in re.findall(r"Page\s+\d+ size:\s+([\d.]+) x ([\d.]+)", info)
    ]


def _cm(*lengths: Length | None) -> tuple[float, ...]:
    """Lengths in centimetres to a millimetre (DOCX stores twentieths of a point)."""
    return tuple(round(length.cm, 1) if length is not None else 0.0 for length in lengths)


def _is_a4(size: tuple[float, float], *, portrait: bool) -> bool:
    expected = A4 if portrait else A4[::-1]
    return all(abs(a - b) < 1.0 for a, b in zip(size, expected, strict=True))


def test_the_title_page_is_portrait_the_report_landscape(printed) -> None:  # type: ignore[no-untyped-def]
    """ГОСТ 7.32: the title page is a portrait sheet; the report's wide tables stay landscape
    (the blueprints' parts are portrait pages of their own)."""
    report, *_ = printed
    parts = [
        f"{b.title}, {part.label}" if part.label else b.title
        for s in report.sections
        for b in s.blocks
        if isinstance(b, Figure) and b.kind == "blueprint"
        for part in b.parts
    ]
    for pages in _both(printed):
        sizes = _page_sizes(pages.pdf)
        assert len(sizes) == len(pages.images), pages.name
        assert _is_a4(sizes[0], portrait=True), (pages.name, sizes[0])
        blueprints = {pages.page_of(title) for title in parts}
        for number, size in enumerate(sizes[1:], start=2):
            portrait = number in blueprints
            assert _is_a4(size, portrait=portrait), (pages.name, number, size)
        # The image is what a reader sees: the first page taller than wide, the second wider.
        assert pages.ink(1).shape[0] > pages.ink(1).shape[1]
        assert pages.ink(2).shape[0] < pages.ink(2).shape[1]
    # The DOCX: the title page is the first section, portrait with ГОСТ 7.32's margins; the
    # report goes on in a landscape section; the only other portrait sections are blueprints'.
    office = printed[2]
    doc = Document(str(office.pdf.with_suffix(".docx")))
    first, second = doc.sections[0], doc.sections[1]
    assert first.orientation == WD_ORIENT.PORTRAIT
    assert _cm(first.page_width, first.page_height) == (21.0, 29.7)
    assert _cm(first.left_margin, first.right_margin) == (3.0, 1.5)
    assert second.orientation == WD_ORIENT.LANDSCAPE
    assert _cm(second.page_width, second.page_height) == (29.7, 21.0)
    portrait = [s for s in doc.sections if s.orientation == WD_ORIENT.PORTRAIT]
    assert len(portrait) == 1 + len(parts)
    assert all(s.page_width < s.page_height for s in portrait)
    assert all(
        s.page_width > s.page_height for s in doc.sections if s.orientation == WD_ORIENT.LANDSCAPE
    )
    # No page number on the title page (ГОСТ 7.32: counted, not numbered); the next one is 2.
    pdf = printed[1]
    assert "стр." not in pdf.texts[0]
    assert re.search(r"стр\. 2 из \d+", pdf.texts[1])


def test_libreoffice_shows_the_contents_with_page_numbers(printed) -> None:  # type: ignore[no-untyped-def]
    report, _, office = printed
    page = office.page_of("Содержание")
    assert page == 2
    contents = "\n".join(office.texts[page - 1 : page + 2])
    numbers = []
    for index, section in enumerate(report.sections, start=1):
        heading = section_heading(index, section)
        line = re.search(re.escape(heading) + r"\s*\.{3,}\s*(\d+)\s*$", contents, re.M)
        assert line, f"no page number for «{heading}»"
        numbers.append(int(line[1]))
        # the number is right: the section starts on that page
        assert _flat(heading) in _flat(office.texts[int(line[1]) - 1])
    assert numbers == sorted(numbers)
    office.keep(page, "contents")


def test_no_page_is_blank(printed) -> None:  # type: ignore[no-untyped-def]
    for pages in _both(printed):
        for number in range(1, len(pages.images) + 1):
            ink = pages.ink(number)
            h, w = ink.shape
            margin = int(10 * MM)  # the page number and a banner stay in the margins
            body = ink[margin : h - margin, margin : w - margin]
            assert body.mean() > 0.001, f"{pages.name}: page {number} is blank"


def test_nothing_is_cut_at_the_right_or_bottom_edge(printed) -> None:  # type: ignore[no-untyped-def]
    """Ink in the outer strip of a page is a table or a picture wider or taller than the page
    area: the margins are 12–16 mm, the strips 6 mm (right) and 4 mm (bottom)."""
    for pages in _both(printed):
        cut = []
        for number in range(1, len(pages.images) + 1):
            ink = pages.ink(number)
            if ink[:, -int(6 * MM) :].any() or ink[-int(4 * MM) :, :].any():
                cut.append(number)
        assert not cut, f"{pages.name}: something runs past the edge on pages {cut}"


def test_the_blueprints_are_printed_on_portrait_pages_of_their_own(printed) -> None:  # type: ignore[no-untyped-def]
    report, *_ = printed
    figures = [
        b
        for s in report.sections
        for b in s.blocks
        if isinstance(b, Figure) and b.kind == "blueprint"
    ]
    assert figures
    for pages in _both(printed):
        for figure in figures:
            for part in figure.parts:
                title = f"{figure.title}, {part.label}" if part.label else figure.title
                number = pages.page_of(title)
                ink = pages.ink(number)
                h, w = ink.shape
                assert h > w, f"{pages.name}: «{title}» is not on a portrait page"
                rows, cols = np.nonzero(ink)
                # the drawing fills the page: most of its width and height is drawn on
                assert cols.max() - cols.min() > 0.6 * w * part.width_mm / PRINT_AREA_MM[0]
                assert rows.max() - rows.min() > 0.6 * h
        long = max(figures, key=lambda f: len(f.parts))
        title = f"{long.title}, {long.parts[1].label}"
        pages.keep(pages.page_of(title), "blueprint")
        pages.keep(pages.page_of("Шаги пути «"), "journey-table")


def test_the_plan_dates_are_whole_and_russian_words_hyphenated(printed) -> None:  # type: ignore[no-untyped-def]
    """The recommendations' narrow «Срок» column printed «12.0 / 3.20 / 27» and «Сро / к» (the
    date across three lines); long Russian words were cut anywhere in the DOCX, whose language
    was en-US and which asked for no hyphenation."""
    for pages in _both(printed):
        text = "\n".join(pages.texts)
        for due in DUE_DATES:
            day = ".".join(reversed(due.split("-")))
            assert re.search(rf"(?<![\d.]){re.escape(day)}(?![\d.])", text), (pages.name, day)
        header = next(
            line for line in text.splitlines() if re.search(r"Рекомендация\s.*Статус", line)
        )
        assert re.search(r"\sСрок\s*$", header), (pages.name, header)
        pages.keep(pages.page_of("12.03.2027"), "recommendations")
    if not RUSSIAN_HYPHENATION.exists():
        pytest.skip("hyphen-ru is not installed; scripts/system-deps.sh installs it")
    for pages in _both(printed):
        text = "\n".join(pages.texts)
        # a Russian word broken at a cell's line end with a hyphen, as Russian syllables go
        broken = re.findall(r"[а-яё]{2,}[-\u2010\u00ad](?=\s{2,}|$)", text, flags=re.MULTILINE)
        assert len(broken) > 20, (pages.name, broken)
