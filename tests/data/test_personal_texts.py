"""A comment column whose texts hold personal data is free text, never a category.

A body's export (Windows-1251, «;», 3 000 rows): applicants' comments come in a few stock
phrasings — «Перезвоните мне по номеру …», «Меня зовут …, прошу связаться» — repeated
over and over, so by their shape alone they would read as a category of nine values and become
segments of the profile. The names, phones and e-mails found inside them make the column masked
free text («текст для анализа»); districts, yes/no answers and statuses stay categories; an
analyst who chooses «категориальный» for the comments is told what that does.
"""

from __future__ import annotations

from pathlib import Path

import pyarrow.parquet as pq

from personal_comments import comments_export
from segprofile.data import datasets
from segprofile.data.schema import ColumnType, ColumnUse, IssueKind
from segprofile.model.study import ColumnOverride, DataSource, DataSourceKind


def export(path: Path) -> Path:
    path.write_bytes(comments_export())
    return path


def test_comments_with_personal_data_inside_are_free_text(tmp_path: Path) -> None:
    found = datasets.inspect(export(tmp_path / "обращения.csv"), staging_root=tmp_path / "st")
    assert found.texts["Комментарий"]["with_data"] > 0
    comment = found.quality.column("Комментарий")
    assert comment.cardinality <= 10  # a few phrasings: by shape alone, a category
    assert (comment.type, comment.use) == (ColumnType.text, ColumnUse.text)
    # The columns without personal data inside keep their kinds.
    for name in ("Район", "Статус"):
        column = found.quality.column(name)
        assert (column.type, column.use) == (ColumnType.categorical, ColumnUse.feature), name
    assert found.quality.column("Согласие на рассылку").type in (
        ColumnType.boolean,
        ColumnType.categorical,
    )
    assert found.quality.column("Согласие на рассылку").use is ColumnUse.feature
    assert "Район" not in found.texts
    assert not any(
        i.column == "Комментарий" and i.kind is IssueKind.suspicious for i in found.quality.issues
    )


def test_the_import_stores_them_as_masked_free_text(tmp_path: Path) -> None:
    home = tmp_path / "home"
    source = DataSource(id="records", kind=DataSourceKind.client_records, path="x")
    result = datasets.import_data(
        export(tmp_path / "обращения.csv"),
        study_id="s",
        source=source,
        author="тест",
        home=home,
        staging_root=tmp_path / "st",
    )
    column = next(c for c in result.manifest.columns if c["name"] == "Комментарий")
    assert (column["type"], column["use"], column["masked"]) == ("text", "text", True)
    assert column["type_label"] == "свободный текст"
    district = next(c for c in result.manifest.columns if c["name"] == "Район")
    assert (district["type"], district["use"]) == ("categorical", "feature")
    stored = set(pq.read_table(result.path).column("Комментарий").to_pylist())
    assert "Перезвоните мне по номеру [телефон]" in stored
    assert not any("916 123" in str(v) or "Петров" in str(v) for v in stored)


def test_choosing_a_category_for_them_is_warned_in_russian(tmp_path: Path) -> None:
    found = datasets.inspect(
        export(tmp_path / "обращения.csv"),
        staging_root=tmp_path / "st",
        overrides={"Комментарий": ColumnOverride(type="categorical")},
    )
    comment = found.quality.column("Комментарий")
    assert comment.type is ColumnType.categorical  # the analyst's choice stands
    assert comment.use is ColumnUse.text  # yet it is not proposed as a feature
    [issue] = [
        i
        for i in found.quality.issues
        if i.column == "Комментарий" and i.kind is IssueKind.suspicious
    ]
    assert issue.kind is IssueKind.suspicious
    assert "найдены персональные данные" in issue.message
    assert "«свободный текст»" in issue.message
    assert "Петров" not in issue.message
    assert "916" not in issue.message
    # Still masked on import: the choice of a type does not let a phone through.
    assert "Комментарий" in found.texts
