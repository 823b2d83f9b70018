"""A 1С/Excel export with the export's title above its header reads as the table below it (the
walk-through's «Выгрузка из 1С: …;;;;;;;;;» could not be uploaded at all: its title line ended
with LF, the records with CR LF, and the engine refuses a file that mixes them). Spaces around
a category are left out on import; categories that differ only by letter case are told in the
quality report (column and counts, never the values), not merged."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest

from segprofile.data import datasets, readers
from segprofile.data.engine import Engine, connect
from segprofile.data.readers import ReadOptions, open_raw, transcode
from segprofile.errors import InputError
from travel_export import DEPARTMENTS, HEADER, ROWS, TITLE, travel_export

NAMES = HEADER.split(";")

TITLES = {
    # The walk-through's file: one title line ended with LF above CR LF records.
    "title_lf": dict(title=(TITLE,)),
    "bare_word": dict(title=("Отчёт;;;;;;;",)),
    # Two title lines and an empty line (all-empty fields) before the header, CR LF throughout.
    "two_lines_and_a_gap": dict(
        title=("Выгрузка из 1С;;;;;;;", "за 2025 год;;;;;;;", ";;;;;;;"), title_end="\r\n"
    ),
    "utf8_title_without_delimiters": dict(
        title=("Выгрузка из 1С", ""), title_end="\n", encoding="utf-8"
    ),
}


def _read(path: Path, work: Path, options: ReadOptions | None = None) -> tuple[dict, list, list]:
    with open_raw(path, work, options) as raw:
        rows = raw.run(lambda: raw.con.execute("SELECT * FROM raw").fetchall())
        return raw.details, raw.columns, rows


@pytest.mark.parametrize("case", list(TITLES))
def test_title_lines_above_the_header_are_skipped(tmp_path: Path, case: str) -> None:
    spec = TITLES[case]
    path = tmp_path / "komandirovki.csv"
    path.write_bytes(travel_export(totals=True, **spec))  # type: ignore[arg-type]
    details, columns, rows = _read(path, tmp_path / "w")
    assert columns == NAMES
    assert len(rows) == ROWS  # the totals row left out as before
    assert details["skipped_lines"] == len(spec["title"])
    assert details["summary_rows"] == 1
    # The first record is the file's first record, read whole.
    assert rows[0][1] == 10_000
    # The same header row given by hand (as on the upload form or --header-row) reads the same.
    header_row = len(spec["title"]) + 1
    _details, by_hand, again = _read(path, tmp_path / "w2", ReadOptions(header_row=header_row))
    assert (by_hand, len(again)) == (NAMES, ROWS)


def test_a_header_row_given_on_a_title_reads_the_title_as_the_header(tmp_path: Path) -> None:
    """The person's choice is honoured: row 1 (the title) is the header, the real header a
    record — and the check page says so (columns without names)."""
    path = tmp_path / "komandirovki.csv"
    path.write_bytes(travel_export())
    _details, columns, rows = _read(path, tmp_path / "w", ReadOptions(header_row=1))
    assert columns[1:] == [f"столбец_{i}" for i in range(2, 9)]
    assert len(rows) == ROWS + 1


def test_line_ends_mixed_past_the_samples_are_made_one_kind(tmp_path: Path) -> None:
    """A UTF-8 file whose middle was pasted from a file with other line ends: not in the
    samples the reader looks at, the engine refuses it, and the file is read again with one
    kind of line ends."""
    body = travel_export(title=(), encoding="utf-8").decode().split("\r\n")
    lines = [body[0], *(body[1:-1] * 40)]  # ~1.6 MB beyond the first sample
    middle = len(lines) // 2
    text = "\r\n".join(lines[:middle]) + "\r\n" + "\n".join(lines[middle:]) + "\n"
    path = tmp_path / "big.csv"
    path.write_text(text, encoding="utf-8", newline="")
    assert path.stat().st_size > 2 * readers.SAMPLE_BYTES
    _details, columns, rows = _read(path, tmp_path / "w")
    assert columns == NAMES
    assert len(rows) == len(lines) - 1


def test_a_file_the_engine_cannot_read_is_not_blamed_on_quotes(tmp_path: Path) -> None:
    path = tmp_path / "komandirovki.csv"
    path.write_bytes(travel_export())
    with open_raw(path, tmp_path / "w") as raw:
        raw.repair = None
        problem = raw._diagnose('Invalid Input Error: Error when sniffing file "x.csv".', "E")
    assert isinstance(problem, InputError)
    assert "кавычк" not in problem.message + problem.hint
    assert problem.message.startswith("Файл komandirovki.csv: не удалось разобрать строки CSV")
    assert "сохраните его заново как «CSV" in problem.hint


def test_transcoding_makes_crlf_split_between_chunks_one_line_end(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(readers, "CHUNK_BYTES", 5)
    source = tmp_path / "in.csv"
    source.write_bytes("Выгрузка;\nа;б\r\nв;г\r\n".encode("cp1251"))  # «а;б\r» ends a chunk
    target = tmp_path / "out.csv"
    transcode(source, "cp1251", target, name="in.csv")
    assert target.read_bytes() == "Выгрузка;\nа;б\nв;г\n".encode()


@pytest.fixture(params=["duckdb", "pyspark"])
def engine(request: pytest.FixtureRequest) -> Iterator[Engine]:
    if request.param == "duckdb":
        eng = connect("duckdb://")
        yield eng
        eng.close()
    else:
        yield request.getfixturevalue("spark_engine")


def test_spaces_are_trimmed_on_import_and_case_variants_told(
    tmp_path: Path, engine: Engine
) -> None:
    path = tmp_path / "komandirovki.csv"
    path.write_bytes(travel_export(totals=True))
    source = datasets.adhoc_source()
    found = datasets.inspect(path, staging_root=tmp_path / "staging")
    result = datasets.import_data(
        path,
        study_id="s",
        source=source,
        author="a",
        home=tmp_path / "home",
        staging_root=tmp_path / "staging",
    )
    assert result.manifest.rows == ROWS
    table = datasets.open_version(engine, tmp_path / "home", "s", source).table
    counts = table.group_by("Подразделение").aggregate(n=table.count()).execute()
    stored = dict(zip(counts["Подразделение"], counts["n"], strict=True))
    # No value keeps a space around it: «Отдел кадров » and «  Отдел кадров\xa0» are one.
    expected = Counter(DEPARTMENTS)
    lower = sum(1 for i, d in enumerate(DEPARTMENTS) if d == "Отдел кадров" and i % 4 == 0)
    expected["Отдел кадров"] -= lower
    expected["отдел кадров"] = lower
    assert stored == dict(expected)
    assert stored["Пресс-служба"] == 2
    # The case variants are told, at the check and after the import: column, counts, the fix.
    for report in (found.quality, result.quality):
        [issue] = [i for i in report.issues if "регистр" in i.message or "строчн" in i.message]
        assert issue.column == "Подразделение"
        assert issue.count == 1
        assert issue.message == (
            "В столбце «Подразделение» 1 значение записано в нескольких вариантах, которые "
            "различаются только регистром букв (заглавные и строчные; вариантов написания: 2): "
            "это разные значения, и каждый вариант станет отдельным сегментом. Исправьте "
            "написание в файле и загрузите его снова."
        )
        text = " ".join(i.message for i in report.issues)
        assert "отдел кадров" not in text.lower()  # values are never named
        assert "Пресс-служба" not in text
    # Spaces alone are not a variant (the import trims them): no other column is told.
    assert not any(
        "строчн" in i.message and i.column != "Подразделение" for i in found.quality.issues
    )
