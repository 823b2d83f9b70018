"""Survey answers as stored (M-9): a dataset version of a survey source read for the question
→ hypothesis form and the analysis, and the question mapping read from a file.

The answers came in through the gate like every file (``datasets.import_data``): personal data
other than the join id was dropped, and an id that is a real identifier (СНИЛС, phone…)
replaced by its pseudonym. Nothing here reads a raw survey file.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import duckdb

from segprofile.data import datasets, masking, privacy
from segprofile.errors import InputError
from segprofile.model import format as fmt
from segprofile.model import spec_yaml
from segprofile.model.study import DataSource, Study, SurveyQuestion

if TYPE_CHECKING:  # pyarrow is imported where the answers are read: not to import a module
    import pyarrow as pa

YES_WORDS = frozenset(
    {"да", "yes", "true", "1", "1.0", "согласен", "согласна", "скорее да", "верно", "y", "д"}
)
"""Answers that read as «yes» (lower case, trimmed)."""
NO_WORDS = frozenset(
    {"нет", "no", "false", "0", "0.0", "не согласен", "не согласна", "скорее нет", "неверно", "n"}
)
"""Answers that read as «no» (lower case, trimmed)."""


def _forms(*labels: str) -> list[str]:
    """Labels in both genders: «скорее согласен» → also «скорее согласна»."""
    out = []
    for label in labels:
        out.append(label)
        for male, female in _FEMALE.items():
            if label.endswith(male):
                out.append(label[: -len(male)] + female)
    return out


_FEMALE = {"согласен": "согласна", "доволен": "довольна", "удовлетворен": "удовлетворена"}


_SCALE_LABELS: dict[int, list[str]] = {
    1: [
        *_forms("полностью не согласен", "совершенно не согласен", "абсолютно не согласен"),
        *_forms("категорически не согласен", "очень недоволен", "совсем не доволен"),
        *_forms("полностью не удовлетворен", "совершенно не удовлетворен"),
        *_forms("совсем не удовлетворен", "очень не удовлетворен"),
        "нет",
        "определенно нет",
        "точно нет",
    ],
    2: [
        *_forms("скорее не согласен", "не согласен", "скорее недоволен", "скорее не доволен"),
        *_forms("недоволен", "не доволен", "скорее не удовлетворен", "не удовлетворен"),
        "скорее нет",
    ],
    3: [
        "затрудняюсь ответить",
        "затрудняюсь",
        "трудно сказать",
        "сложно сказать",
        "не знаю",
        "нейтрально",
        "ни да ни нет",
        "ни то ни другое",
        "ни согласен ни не согласен",
        "ни согласна ни не согласна",
        "ни доволен ни недоволен",
        "ни довольна ни недовольна",
        "ни удовлетворен ни неудовлетворен",
        "ни удовлетворена ни неудовлетворена",
        "отчасти да отчасти нет",
    ],
    4: [
        *_forms("скорее согласен", "согласен", "скорее доволен", "доволен"),
        *_forms("скорее удовлетворен", "удовлетворен"),
        "скорее да",
    ],
    5: [
        *_forms("полностью согласен", "совершенно согласен", "абсолютно согласен"),
        *_forms("очень доволен", "полностью доволен", "полностью удовлетворен"),
        *_forms("совершенно удовлетворен", "очень удовлетворен"),
        "да",
        "определенно да",
        "точно да",
    ],
}
SCALE_POINTS: dict[str, int] = {
    label: point for point, labels in _SCALE_LABELS.items() for label in labels
}
"""The usual Russian five-point verbal scales as points 1–5 (labels as :func:`normal_answer`
writes them): agreement («Полностью не согласен» 1 … «Затрудняюсь ответить» 3 … «Полностью
согласен» 5), satisfaction («Очень недоволен» 1 … «Очень доволен» 5) and «Нет / Скорее нет /
Затрудняюсь ответить / Скорее да / Да» (1, 2, 3, 4, 5). A question answered only «да» / «нет»
stays a yes/no question (:data:`YES_WORDS`); one whose answers are all on such a scale is read as
its points, 5 the most agreeing or satisfied."""
NEUTRAL_POINT = 3
"""The neutral midpoint of a five-point scale («Затрудняюсь ответить»)."""
SCALE_TOP = 5
AGREE_FROM_WORDS = 4
"""Answers in words agree from «Скорее согласен» (4) unless the mapping says otherwise."""
SEPARATORS = r"[\s,.;:!]+"
NUMBERED = r"^[0-9]+\s*[-–—.)]\s*"
"""«5 — Полностью согласен», «1) Нет»: a number some tools write before the label."""


def normal_answer(value: object) -> str:
    """An answer as :data:`SCALE_POINTS` and :data:`YES_WORDS` spell it: lower case, «ё» as
    «е», punctuation and repeated spaces as one space, a leading «5 —» dropped."""
    text = str(value).strip().lower().replace("ё", "е")
    text = re.sub(NUMBERED, "", text) if re.search(r"[а-я]", text) else text
    return re.sub(SEPARATORS, " ", text).strip()


def scale_point(value: object) -> int | None:
    """The point 1–5 of an answer on a usual verbal scale, ``None`` for any other answer."""
    return SCALE_POINTS.get(normal_answer(value))


def answer_points(own: Mapping[str, int | None] | None = None) -> dict[str, int | None]:
    """The points of answers in words (as :func:`normal_answer` writes them): the usual scales
    (:data:`SCALE_POINTS`) and the survey's own (``DataSource.answer_points``, which win); a
    label whose point is ``None`` is no rating («Не обращался»): left out like no answer."""
    return {**SCALE_POINTS, **{normal_answer(k): v for k, v in (own or {}).items()}}


CLOSED_DISTINCT = 12
"""A column of words with at most this many different answers may be a closed question whose
answers the survey's page asks points for; more reads as free text."""
_LEADING = re.compile(r"^\s*([1-5])(?:\s*[-–—.)]|\s*$)")


@dataclass(frozen=True)
class AnswerLabel:
    label: str  # as most respondents wrote it (trimmed)
    point: int | None  # stored on the source
    stored: bool  # whether the source has a point (or «no rating») for it
    suggested: int | None  # the point its leading number gives («1 — совсем не доволен»)


@dataclass(frozen=True)
class ScaleColumn:
    """A survey column answered in words some of which are on no known scale: the labels to
    give points (each answered by at least ``min_cell`` respondents) and how many answers have
    rarer labels, never named (:func:`scale_columns`)."""

    name: str
    labels: list[AnswerLabel]
    rare: int  # answers whose label fewer than min_cell respondents gave
    unmapped: int  # labels (named ones) without a point yet


def scale_columns(
    table: pa.Table,
    columns: Sequence[str],
    own: Mapping[str, int | None],
    *,
    min_cell: int,
) -> list[ScaleColumn]:
    """The ``columns`` of the answers ``table`` answered in words not all on a known scale (nor
    «да» / «нет»), with few different answers (:data:`CLOSED_DISTINCT`): what the survey's
    page asks points for. A label fewer than ``min_cell`` respondents gave is never shown."""
    import pyarrow as pa

    known = set(SCALE_POINTS) | YES_WORDS | NO_WORDS
    stored = {normal_answer(k): v for k, v in own.items()}
    out = []
    for name in dict.fromkeys(columns):
        if name not in table.column_names or not pa.types.is_string(table.schema.field(name).type):
            continue
        counts: dict[str, int] = {}
        spelled: dict[str, dict[str, int]] = {}
        for value in table.column(name).to_pylist():
            if value is None or not str(value).strip():
                continue
            norm = normal_answer(value)
            counts[norm] = counts.get(norm, 0) + 1
            forms = spelled.setdefault(norm, {})
            forms[str(value).strip()] = forms.get(str(value).strip(), 0) + 1
        if len(counts) > CLOSED_DISTINCT or set(counts) <= known:
            continue
        labels = []
        rare = 0
        for norm, n in sorted(counts.items(), key=lambda kv: -kv[1]):
            if norm in known and norm not in stored:
                continue
            if n < max(1, min_cell):
                rare += n
                continue
            label = max(spelled[norm].items(), key=lambda kv: kv[1])[0]
            lead = _LEADING.match(label)
            labels.append(
                AnswerLabel(
                    label=label,
                    point=stored.get(norm),
                    stored=norm in stored,
                    suggested=int(lead.group(1)) if lead else None,
                )
            )
        if labels or rare:
            unmapped = sum(1 for x in labels if not x.stored)
            out.append(ScaleColumn(name=name, labels=labels, rare=rare, unmapped=unmapped))
    return out


SURVEY_KIND_LABELS = {
    "yes_no": "да / нет",
    "scale": "шкала",
    "category": "категория",
    "text": "свободный текст",
    "id": "псевдоним",
    "other": "другое",
}
"""The kinds of a survey column, as the mapping form names them."""

PREVIEW_ROWS = 8
PREVIEW_CHARS = 60
PREVIEW_DISTINCT = 20
"""A column of words with more different answers than this is hidden in the preview, as free
text is."""


@dataclass(frozen=True)
class SurveyColumn:
    """A column of a survey file as the question → hypothesis form shows it."""

    name: str
    kind: str  # yes_no | scale | category | text | id | other
    answered: int


@dataclass(frozen=True)
class SurveyFile:
    """Stored survey answers: columns, a preview, what the gate did to personal data."""

    name: str
    format: str
    rows: int
    columns: list[SurveyColumn]
    preview: list[dict[str, object]]
    dropped: list[str]
    pseudonymised: list[str]
    id_column: str | None
    source_id: str = ""  # the study's survey source and the stored version read
    version: int | None = None
    masked: dict[str, int] = field(default_factory=dict)  # open answers: masking.KINDS → count

    @property
    def masked_summary(self) -> str:
        """«замаскировано: 2 телефона, 1 имя» or «персональных данных не найдено»."""
        return masking.describe_masked(self.masked)


def answer_kind(
    dtype: str, values: list[object], typed: str = "", own: Mapping[str, int | None] | None = None
) -> str:
    """The kind of a survey column from its type, a sample of its answers and ``typed``, the
    type the upload gave it (``schema.ColumnType`` value): ``yes_no``, ``scale`` (numbers, or
    the words of a usual verbal scale, :data:`SCALE_POINTS`), ``category`` (words the upload
    typed «категориальный»: a region, a channel), ``text`` or ``other``."""
    # A missing answer is None, or NaN when the sample came through pandas.
    present = [v for v in values if v is not None and v == v and str(v).strip() != ""]
    if dtype.upper() == "BOOLEAN":
        return "yes_no"
    if not present:
        return "other"
    texts = {str(v).strip().lower() for v in present}
    if texts <= (YES_WORDS | NO_WORDS):
        return "yes_no"
    if all(isinstance(v, str) for v in present) and {normal_answer(v) for v in present} <= set(
        answer_points(own)
    ):
        return "scale"
    if all(isinstance(v, int | float) and not isinstance(v, bool) for v in present):
        return "scale" if len(texts) > 2 else "yes_no"
    if any(isinstance(v, str) for v in present):
        return "category" if typed == "categorical" else "text"
    return "other"


def _cut(value: object) -> str:
    """A preview cell as :func:`~segprofile.model.format.cell` writes it («да», «17,3»), long
    texts cut."""
    text = fmt.cell(value)
    return text if len(text) <= PREVIEW_CHARS else text[: PREVIEW_CHARS - 3] + "…"


def read_survey_version(
    home: Path,
    study: Study,
    source: DataSource,
    *,
    version: int | None = None,
    id_column: str | None = None,
) -> tuple[SurveyFile, pa.Table]:
    """The answers of a stored version of the survey source ``source`` (default the latest):
    what the mapping form shows and the table the analysis reads.

    The id column is ``id_column``, else the source's, else the client records' id column when
    the answers have it; a named ``id_column`` the answers lack is an :class:`InputError`.
    """
    import pyarrow as pa
    import pyarrow.parquet as pq

    manifest = datasets.get_version(home, study.id, source.id, version)
    table = pq.read_table(datasets.version_path(home, manifest))
    records = study.client_records()
    wanted_id = id_column or source.id_column
    if wanted_id is None and records is not None and records.id_column in table.column_names:
        wanted_id = records.id_column
    if wanted_id is not None and wanted_id not in table.column_names:
        if id_column is not None:
            raise InputError(
                f"В ответах опроса {manifest.file} нет столбца идентификатора «{id_column}».",
                hint="укажите существующий столбец или свяжите ответы по признакам. Столбцы "
                "опроса: " + ", ".join(table.column_names) + ".",
            )
        wanted_id = None
    sample = table.slice(0, datasets.PII_SAMPLE).to_pylist()
    actions = {str(f.get("column")): str(f.get("action")) for f in manifest.pii}
    stored = {str(c.get("name")): c for c in manifest.columns}
    columns = []
    for column in table.schema:
        if column.name == wanted_id:
            continue
        values = [r.get(column.name) for r in sample]
        dtype = "BOOLEAN" if pa.types.is_boolean(column.type) else str(column.type)
        typed = str(stored.get(column.name, {}).get("type") or "")
        kind = (
            "id"
            if column.name in actions
            else answer_kind(dtype, values, typed, source.answer_points)
        )
        columns.append(
            SurveyColumn(
                name=column.name,
                kind=kind,
                answered=sum(1 for v in values if v is not None and str(v).strip() != ""),
            )
        )

    def free(name: str) -> bool:
        """An identifier or a free text as the upload decided (its type or use), or answers of
        so many different values that each reads as someone's own words."""
        col = stored.get(name, {})
        return (
            col.get("type") in ("identifier", "text")
            or col.get("use") in ("id", "text")
            or int(col.get("cardinality") or 0) > PREVIEW_DISTINCT
        )

    # As on the upload's check page (privacy.mask_preview: MASK), a row of the preview never
    # shows who answered nor what they wrote beside their other answers.
    hidden = {
        *([wanted_id] if wanted_id else []),
        *actions,
        *(c.name for c in columns if c.kind in ("text", "category") and free(c.name)),
    }
    # An answer fewer than min_cell respondents gave is shown as rare, as on the upload's check
    # page (datasets.rare_cells): beside the row's other answers it would point at the one who
    # gave it. Numbers and dates are written as they are.
    first = sample[:PREVIEW_ROWS]
    shown = [
        name
        for name in table.column_names
        if name not in hidden and stored.get(name, {}).get("type") not in ("numeric", "date")
    ]
    # Counted in respondents by their ids: the one joined by, and those stored as ids (the
    # pseudonyms among them), as the upload's check page counts them.
    pseudonymised = [c for c, a in actions.items() if a == privacy.PiiAction.pseudonymise.value]
    people = {n for n in table.column_names if stored.get(n, {}).get("use") == "id"}
    people |= {*pseudonymised, *([wanted_id] if wanted_id else [])}
    con = duckdb.connect()
    try:
        con.register("raw", table)
        rare = datasets.rare_cells(con, first, shown, study.segmentation.min_cell, sorted(people))
    finally:
        con.close()
    preview: list[dict[str, object]] = [
        {str(col): _cut(value) for col, value in row.items()}
        for row in privacy.mask_preview(first, hidden, rare)
    ]
    info = SurveyFile(
        name=manifest.file,
        format=manifest.file_format,
        rows=manifest.rows,
        columns=columns,
        preview=preview,
        dropped=[c for c, a in actions.items() if a == privacy.PiiAction.drop.value],
        pseudonymised=pseudonymised,
        id_column=wanted_id,
        source_id=source.id,
        version=manifest.version,
        masked=dict(manifest.masked),
    )
    return info, table


def read_question_mapping(data: bytes, *, name: str) -> list[SurveyQuestion]:
    """A question → hypothesis mapping from YAML (a list of SurveyQuestion) or CSV.

    CSV columns: ``question;hypothesis;support;segments;among;threshold;agree_from`` (only the
    first two are required; lists separated by «,»).
    """
    import csv
    import io

    from pydantic import ValidationError

    text = data.decode("utf-8-sig", errors="replace")
    rows: list[dict[str, object]]
    if name.lower().endswith((".yaml", ".yml", ".json")):
        # The limits of study documents (no aliases, bounded nesting) hold here too.
        loaded = spec_yaml.load_yaml_data(text, source=name)
        if isinstance(loaded, dict) and "questions" in loaded:
            loaded = loaded["questions"]
        if not isinstance(loaded, list):
            raise InputError(
                f"Файл сопоставления {name}: ожидался список вопросов.",
                hint="запишите список вида «- question: q1\n  hypothesis: h1».",
            )
        rows = loaded
    else:
        dialect = ";" if text.count(";") >= text.count(",") else ","
        reader = csv.DictReader(io.StringIO(text), delimiter=dialect)
        rows = []
        for row in reader:
            clean: dict[str, object] = {
                k.strip(): v.strip() for k, v in row.items() if k and v and v.strip()
            }
            for key in ("segments", "among"):
                if key in clean:
                    clean[key] = [x.strip() for x in str(clean[key]).split(",") if x.strip()]
            rows.append(clean)
    out = []
    for i, row in enumerate(rows, start=1):
        try:
            out.append(SurveyQuestion.model_validate(row))
        except ValidationError as exc:
            problems = "; ".join(
                f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in exc.errors()
            )
            raise InputError(
                f"Файл сопоставления {name}, запись {i}: {problems}.",
                hint="нужны question (столбец опроса) и hypothesis (идентификатор гипотезы); "
                "support — yes или no.",
            ) from None
    if not out:
        raise InputError(f"Файл сопоставления {name} пуст.", hint="добавьте вопросы.")
    return out
