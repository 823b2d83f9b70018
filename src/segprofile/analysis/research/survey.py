"""M-9: survey answers → verdicts.

- :func:`link_survey` joins survey answers to the segments of the client records in the engine
  (by pseudonymised id, or by feature columns present in the survey);
- :func:`analyse_survey` — for each question mapped to a hypothesis (:class:`QuestionLink`):
  per segment share of answers that support it, with a Wilson interval; the difference against
  the rest of the answers by Pearson's chi-square, or Fisher's exact test when an expected
  count is below 5; Benjamini–Hochberg across all tests; a verdict per segment and per
  hypothesis by the explicit rules of :class:`VerdictRules` (:func:`verdict_rules_text` says
  them in Russian), each with its reason and :class:`~segprofile.model.study.Evidence`.

Aggregates run in the engine; only counts come back to Python."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any, Literal

import ibis
import ibis.expr.types as ir
import pandas as pd

from segprofile.analysis.by_feature import MISSING_CODE, TableLike, code_table
from segprofile.analysis.research._common import key_label, key_parts
from segprofile.analysis.stats import (
    benjamini_hochberg,
    compare_shares,
    wilson_interval,
)
from segprofile.analysis.suppression import protect_survey_tests
from segprofile.data.engine import execute
from segprofile.data.surveys import (
    AGREE_FROM_WORDS,
    CLOSED_DISTINCT,
    NEUTRAL_POINT,
    NO_WORDS,
    NUMBERED,
    SCALE_TOP,
    SEPARATORS,
    YES_WORDS,
    answer_points,
)
from segprofile.errors import InputError
from segprofile.model.format import number, plural
from segprofile.model.results import (
    HypothesisVerdict,
    Interval,
    SurveyAnalysis,
    SurveyTest,
    UncoveredSegment,
    known,
)
from segprofile.model.study import (
    Evidence,
    EvidenceKind,
    Feature,
    HypothesisStatus,
    Study,
    SurveyQuestion,
    SurveySupport,
)


def _pct(value: float) -> str:
    return f"{round(value * 100):d}\u00a0%"


# --- M-9: survey answers → verdicts ---------------------------------------------------------------


@dataclass(frozen=True)
class QuestionLink:
    """A survey question mapped to a hypothesis (M-9).

    Parameters
    ----------
    question
        The survey column: yes/no (bool, 0/1, «да»/«нет») or an agreement scale with
        ``agree_from``.
    hypothesis
        The hypothesis id.
    support
        Which answer supports the hypothesis: ``"yes"`` (the share answering yes) or ``"no"``
        (e.g. «did you know about the portal?» for a hypothesis that a segment does not know).
    segments
        Segments tested; default the hypothesis's segments (everyone when it has none).
    among
        Only respondents in these segments form the base, e.g. ``("channel=mfc",
        "channel=office")``: keys of one feature are alternatives, of different features all
        required.
    threshold
        Share of supporting answers from which the problem is counted as the segment's; default
        :attr:`VerdictRules.threshold`.
    agree_from
        For a numeric scale: answers at or above this value count as «yes».
    """

    question: str
    hypothesis: str
    support: Literal["yes", "no"] = "yes"
    segments: tuple[str, ...] | None = None
    among: tuple[str, ...] = ()
    threshold: float | None = None
    agree_from: float | None = None


@dataclass(frozen=True)
class VerdictRules:
    """The explicit rules of a verdict for one question × segment (shown to users in Russian).

    - **confirmed**: at least ``min_answers`` answers, the share of supporting answers is at
      least ``threshold``, and it is higher than in the rest of the answers with a
      Benjamini–Hochberg-adjusted p below ``alpha`` (for a hypothesis about everyone, with no
      rest to compare: the lower end of the interval is at least ``threshold``);
    - **refuted**: at least ``min_answers`` answers and the whole interval lies below
      ``threshold``;
    - otherwise **not enough data**, with the reason.

    A hypothesis is confirmed when it is confirmed for at least one of its segments (the
    reason names the others), refuted when it is refuted for every segment tested, and has
    not enough data otherwise.
    """

    threshold: float = 0.5
    alpha: float = 0.05
    min_answers: int = 10
    confidence: float = 0.95


def verdict_rules_text(rules: VerdictRules | None = None) -> list[str]:
    """The verdict rules in Russian, as the web and the report show them."""
    r = rules or VerdictRules()
    conf = _pct(r.confidence)
    return [
        f"«Подтверждена» для сегмента: не меньше {r.min_answers} ответов, доля ответов в "
        f"пользу гипотезы не ниже порога {_pct(r.threshold)} и выше, чем у остальных "
        f"респондентов, а разница значима: p с поправкой Бенджамини — Хохберга меньше "
        f"{str(r.alpha).replace('.', ',')} (хи-квадрат Пирсона; точный тест Фишера, если "
        "ожидаемое число ответов в какой-либо клетке меньше 5).",
        f"Если гипотеза касается всех клиентов (сравнивать не с кем): нижняя граница "
        f"{conf}-го интервала Уилсона не ниже порога {_pct(r.threshold)}.",
        f"«Опровергнута» для сегмента: не меньше {r.min_answers} ответов и весь "
        f"{conf}-й интервал Уилсона ниже порога {_pct(r.threshold)}.",
        "Иначе — «недостаточно данных», с указанием, какого условия не хватило.",
        "Гипотеза подтверждена, если подтверждена хотя бы для одного своего сегмента; "
        "опровергнута, если опровергнута для всех проверенных сегментов; иначе — "
        "недостаточно данных.",
        "Поправка Бенджамини — Хохберга применяется ко всем проверкам опроса сразу.",
    ]


def segment_verdict(test: SurveyTest, rules: VerdictRules) -> tuple[HypothesisStatus, str]:
    """The verdict for one question × segment by :class:`VerdictRules`, with its reason."""
    threshold = rules.threshold
    if known(test.n) < rules.min_answers or test.share is None or test.interval is None:
        return (
            HypothesisStatus.not_enough_data,
            f"мало ответов: {number(test.n)} при минимуме {rules.min_answers}",
        )
    share, low, high = test.share, test.interval.low, test.interval.high
    described = f"доля {_pct(share)} (интервал {_pct(low)}–{_pct(high)}, ответов {number(test.n)})"
    if high < threshold:
        return (
            HypothesisStatus.refuted,
            f"{described}: весь интервал ниже порога {_pct(threshold)}",
        )
    if test.p_adjusted is None or test.rest_share is None:
        if low >= threshold:
            return (
                HypothesisStatus.confirmed,
                f"{described}: весь интервал не ниже порога {_pct(threshold)}",
            )
        return (
            HypothesisStatus.not_enough_data,
            f"{described}: интервал захватывает порог {_pct(threshold)}",
        )
    p_text = f"p с поправкой {_p(test.p_adjusted)}"
    versus = f"у остальных {_pct(test.rest_share)}"
    if share < threshold:
        return (
            HypothesisStatus.not_enough_data,
            f"{described} ниже порога {_pct(threshold)}, но интервал его захватывает; {versus}",
        )
    if share <= test.rest_share:
        return (
            HypothesisStatus.not_enough_data,
            f"{described} не выше, чем {versus}: проблема не отличает сегмент от остальных",
        )
    if test.p_adjusted >= rules.alpha:
        return (
            HypothesisStatus.not_enough_data,
            f"{described} выше, чем {versus}, но разница незначима ({p_text})",
        )
    return (
        HypothesisStatus.confirmed,
        f"{described} не ниже порога {_pct(threshold)} и значимо выше, чем {versus} ({p_text})",
    )


def _p(value: float) -> str:
    """``"= 0,042"`` or ``"< 0,001"``: ready to follow «p»."""
    if value < 0.001:
        return "< 0,001"
    return "= " + f"{value:.3f}".replace(".", ",")


@dataclass
class LinkedSurvey:
    """Survey answers with one column of segment codes per feature (``seg__<feature id>``)."""

    table: ir.Table
    columns: dict[str, str]  # feature or quota id → column of codes
    respondents: int
    matched: int
    warnings: list[str] = field(default_factory=list)
    #: How answers found their segments: ``id`` (the client's pseudonym), ``features`` (the
    #: survey's own feature columns) or ``frame`` (given already joined).
    joined_by: str = "id"

    @classmethod
    def from_frame(cls, frame: pd.DataFrame, columns: Mapping[str, str]) -> LinkedSurvey:
        """Answers already joined to segment codes (a small table in memory)."""
        renamed = frame.rename(columns={col: f"seg__{fid}" for fid, col in columns.items()})
        for fid in columns:
            renamed[f"seg__{fid}"] = renamed[f"seg__{fid}"].astype("string").fillna(MISSING_CODE)
        return cls(
            table=ibis.memtable(renamed),
            columns={fid: f"seg__{fid}" for fid in columns},
            respondents=len(frame),
            matched=len(frame),
            joined_by="frame",
        )


def link_survey(
    study: Study,
    records: TableLike,
    survey: TableLike,
    *,
    survey_id: str | None,
    records_id: str | None,
    edges: dict[str, list[float]] | None = None,
    extra_columns: Mapping[str, str] | None = None,
    fallback_to_features: bool = False,
    id_columns: Sequence[str] = (),
) -> LinkedSurvey:
    """Join survey answers to the segments of the client records, in the engine (M-9).

    By the pseudonymised id when both tables have one (the same salted pseudonym), otherwise
    by the feature columns present in the survey itself.

    Parameters
    ----------
    study
        Segmented features.
    records, survey
        Opened tables.
    survey_id, records_id
        Identifier columns; ``None`` to join by features.
    edges
        Numeric cut points of the profile, so segments match the profile's.
    extra_columns
        More code columns of the records (e.g. ``{"cluster": "cluster"}``).
    fallback_to_features
        When no answer matches a client by id but the survey has feature columns, link by
        them instead (with a warning saying so) rather than fail.
    id_columns
        The survey's columns of client pseudonyms, named in the advice when nothing links.

    Raises
    ------
    InputError
        No answer matches a client (how many matched, and how to join by features instead),
        or neither an id nor any feature column is available.
    """
    features = study.segmented_features()
    st = survey.table
    n_answers = int(execute(st.count()))
    extra_codes = {
        f"seg__{name}": records.table[col].cast("string").fill_null(MISSING_CODE)
        for name, col in (extra_columns or {}).items()
    }
    if survey_id is not None and records_id is not None:
        if survey_id not in st.columns:
            raise InputError(
                f"В опросе нет столбца идентификатора «{survey_id}».",
                hint="выберите в поле «Связать ответы с клиентами» столбец псевдонима клиента "
                "или «по признакам сегментов в опросе».",
            )
        coded = code_table(
            study,
            features,
            records.table,
            edges=edges,
            id_column=records_id,
            with_satisfaction=False,
            extra=extra_codes,
        )
        names = {fid: f"seg__{fid}" for fid in coded.columns}
        t = coded.table.rename({names[fid]: col for fid, col in coded.columns.items()})
        code_cols = [*names.values(), *extra_codes]
        per_client = t.group_by("client").aggregate(**{c: t[c].first() for c in code_cols})
        linked = st.join(per_client, st[survey_id] == per_client.client)
        columns = {fid: f"seg__{fid}" for fid in coded.columns}
        columns |= {name: f"seg__{name}" for name in (extra_columns or {})}
        matched = int(execute(linked.count()))
        own_features = [f for f in features if f.column in st.columns]
        if matched == 0 and fallback_to_features and own_features:
            by_features = _link_by_features(study, own_features, st, edges, n_answers)
            by_features.warnings.append(
                f"Ни один из {n_answers} ответов опроса не связан с данными о клиентах по "
                f"идентификатору «{survey_id}» (совпало 0): ответы связаны с сегментами по "
                "столбцам признаков в самом опросе ("
                + ", ".join(f.column for f in own_features)
                + ")."
            )
            return by_features
        if matched == 0:
            own = [f.column for f in own_features]
            how = (
                f"в опросе есть столбцы признаков ({', '.join(own)}): свяжите ответы по ним, "
                "не указывая идентификатор"
                if own
                else "добавьте в опрос столбцы признаков (например, способ подачи, тип "
                "населённого пункта) и свяжите ответы по ним"
            )
            raise InputError(
                f"Ни один из {n_answers} ответов опроса не связан с данными о клиентах по "
                f"идентификатору «{survey_id}» (совпало 0).",
                hint="проверьте, что идентификаторы опроса псевдонимизированы тем же ключом, "
                f"что и данные о клиентах, или {how}.",
            )
        warnings = []
        if matched < n_answers:
            warnings.append(
                f"С данными о клиентах связано {matched} из {n_answers} ответов опроса; "
                "остальные не учтены в разрезе сегментов."
            )
        return LinkedSurvey(linked, columns, n_answers, matched, warnings)
    own_features = [f for f in features if f.column in st.columns]
    if not own_features:
        raise InputError(
            "Ответы опроса нельзя связать с сегментами по признакам: сегменты построены по "
            "столбцам данных о клиентах ("
            + ", ".join(f"«{f.column}»" for f in features)
            + "), а в опросе ни одного из них нет.",
            hint=_no_features_hint(features, st.columns, id_columns),
        )
    return _link_by_features(study, own_features, st, edges, n_answers)


def _no_features_hint(
    features: Sequence[Feature], columns: Sequence[str], id_columns: Sequence[str]
) -> str:
    """What to do when no column of a segment feature is in the survey: link by the client's
    pseudonym (named when the survey has one), or rename a survey column that holds the same
    thing as the client records' (by a word they share); a column only the survey has is no
    segment of the profile."""
    ids = [c for c in dict.fromkeys(id_columns) if c in columns]
    first = (
        "выберите в поле «Связать ответы с клиентами» столбец псевдонима клиента ("
        + ", ".join(f"«{c}»" for c in ids)
        + "): ответы свяжутся с сегментами тех клиентов, кто отвечал"
        if ids
        else "загрузите ответы со столбцом идентификатора клиента (тем же, что в данных о "
        "клиентах, например СНИЛС — он будет заменён тем же псевдонимом) и выберите его в поле "
        "«Связать ответы с клиентами»"
    )

    def stems(text: str) -> set[str]:
        return {w[:5] for w in re.findall(r"[а-яёa-z]{4,}", text.lower())}

    renames = [
        f"«{col}» → «{f.column}»"
        for f in features
        for col in columns
        if col not in ids and stems(col) & (stems(f.column) | stems(f.label))
    ]
    rename = (
        "Если в столбце опроса то же, что в данных о клиентах, и записано так же, переименуйте "
        "его в файле опроса, как в данных о клиентах ("
        + ", ".join(renames[:4])
        + "), и загрузите ответы заново. "
        if renames
        else ""
    )
    return (
        f"{first}. {rename}Столбец, который есть только в опросе (например, канал подачи со "
        "слов респондента), сегментом профиля не станет: сегменты строятся по данным о "
        "клиентах — чтобы делить по нему клиентов, добавьте его в данные о клиентах и в "
        "признаки исследования."
    )


def _link_by_features(
    study: Study,
    own_features: list[Feature],
    st: ir.Table,
    edges: dict[str, list[float]] | None,
    n_answers: int,
) -> LinkedSurvey:
    """Segment codes from the feature columns of the survey itself."""
    coded = code_table(
        study,
        own_features,
        st,
        edges=edges,
        with_satisfaction=False,
        extra={c: st[c] for c in st.columns},
    )
    linked = coded.table.rename({f"seg__{fid}": col for fid, col in coded.columns.items()})
    columns = {fid: f"seg__{fid}" for fid in coded.columns}
    warnings = []
    missing = [f.label for f in study.segmented_features() if f.id not in coded.columns]
    if missing:
        warnings.append(
            "Ответы связаны с сегментами по столбцам признаков опроса; признаков "
            + ", ".join(f"«{m}»" for m in missing)
            + " в опросе нет — их сегменты не проверяются."
        )
    return LinkedSurvey(linked, columns, n_answers, n_answers, warnings, joined_by="features")


def _member(linked: LinkedSurvey, key: str) -> ir.BooleanValue | None:
    """Rows of the segment ``key`` (all parts); ``None`` when a feature is not linked."""
    cond: ir.BooleanValue | None = None
    for fid, code in key_parts(key):
        col = linked.columns.get(fid)
        if col is None:
            return None
        part = linked.table[col] == code
        cond = part if cond is None else cond & part
    return cond


def _among(linked: LinkedSurvey, keys: Sequence[str]) -> ir.BooleanValue | None:
    by_feature: dict[str, list[str]] = {}
    for key in keys:
        for fid, code in key_parts(key):
            by_feature.setdefault(fid, []).append(code)
    cond: ir.BooleanValue | None = None
    for fid, codes in by_feature.items():
        col = linked.columns.get(fid)
        if col is None:
            raise InputError(
                f"Условие отбора респондентов ссылается на признак «{fid}», которого нет в "
                "связанных ответах.",
                hint="проверьте ключи сегментов в поле among.",
            )
        part = linked.table[col].isin(codes)
        cond = part if cond is None else cond & part
    return cond


#: The most answers (a share of a question's answers) of rare wordings off the scale that are
#: left out of a scale question rather than refuse it: a typo or two, not a question of text.
RARE_OFF_SCALE = 0.1

#: The survey file's row numbers (as a spreadsheet shows them), when the answers came from a
#: file: errors name example rows instead of quoting answers.
ROW_COLUMN = "__row"


def _example_rows(t: ir.Table, wrong: ir.BooleanValue, n: int = 3) -> str:
    """« (строки 4, 9, 12)» — the first rows of the file where ``wrong`` holds, if known."""
    if ROW_COLUMN not in t.columns:
        return ""
    frame = execute(t.filter(wrong).select(r=t[ROW_COLUMN]).order_by("r").limit(n))
    rows = [str(int(r)) for r in frame["r"]]
    if not rows:
        return ""
    word = "строка" if len(rows) == 1 else "строки"
    return f"; например, {word} файла {', '.join(rows)}"


@dataclass(frozen=True)
class _Reading:
    """How a question's answers are read: who answered, whose answer supports the hypothesis,
    and how the evidence says which answers those are."""

    answered: ir.BooleanValue
    supports: ir.BooleanValue
    words: str  # «ответили «да» на вопрос «…»», «оценили ниже 4 из 5 вопрос «…»»
    note: str = ""  # what was left out: «нейтральные ответы (3 из 5…) не учтены»


def _answers(
    linked: LinkedSurvey,
    link: QuestionLink,
    own_points: Mapping[str, int | None] | None = None,
    min_cell: int = 1,
) -> _Reading:
    """How the answers of a question are read; checks they are yes/no or a scale.

    A yes/no question (bool, 0/1, «да» / «нет») supports a hypothesis by the answer
    ``link.support``. A scale — numbers with ``agree_from``, or answers in words on a usual
    Russian five-point scale (:data:`~segprofile.data.surveys.SCALE_POINTS`, read as points
    1–5, agreeing from 4 unless ``agree_from`` says otherwise) or on the survey's own
    (``own_points``: ``DataSource.answer_points``) — counts «yes» for scores at or
    above ``agree_from`` and «no» for scores below it. On a five-point scale (every score 1–5)
    the neutral midpoint 3 («Затрудняюсь ответить») when it is below ``agree_from`` is on
    neither side: it is no answer, like «не знаю» to a yes/no question, and is left out of the
    base, so the share is that of the respondents with an opinion. The methodology (M-9) reads
    answers as confirming or refuting; a neutral answer does neither, and counting it as «no»
    would refute a hypothesis by the undecided. The evidence says so.
    """
    t = linked.table
    if link.question not in t.columns:
        raise InputError(
            f"В опросе нет вопроса (столбца) «{link.question}» для гипотезы «{link.hypothesis}».",
            hint="исправьте имя столбца в сопоставлении вопросов и гипотез.",
        )
    col = t[link.question]
    dtype = col.type()
    if dtype.is_boolean():
        answered, yes = col.notnull(), col.fill_null(False)
    elif dtype.is_numeric():
        if link.agree_from is not None:
            return _scale(linked, link, col, link.agree_from, in_words=False)
        wrong = col.notnull() & ~col.isin([0, 1])
        bad = int(execute(wrong.cast("int64").sum()) or 0)
        if bad:
            raise InputError(
                f"Вопрос «{link.question}»: {bad} ответов — не 0/1, а шкала"
                f"{_example_rows(t, wrong)}.",
                hint="укажите agree_from — с какого балла ответ считается согласием.",
            )
        answered, yes = col.notnull(), (col == 1).fill_null(False)
    elif dtype.is_string():
        norm = col.strip().lower()
        known = norm.isin(sorted(YES_WORDS | NO_WORDS))
        given = col.notnull() & (norm != "")
        words = _normal(col)
        scale = answer_points(own_points)
        rated = [(label, point) for label, point in scale.items() if point is not None]
        points = words.cases(*rated, else_=None)
        # The survey's own «no rating» answers («Не обращался»): no answer, on neither side.
        no_rating = words.isin(sorted(label for label, point in scale.items() if point is None))
        wrong_yes_no = given & ~known
        wrong_scale = given & points.isnull() & ~no_rating.fill_null(False)
        bad = execute(
            t.aggregate(
                yes_no=wrong_yes_no.cast("int64").sum(),
                scale=wrong_scale.cast("int64").sum(),
                given=given.cast("int64").sum(),
            )
        ).to_dict("records")[0]
        if int(bad["yes_no"] or 0) == 0:
            answered = known.fill_null(False)
            yes = norm.isin(sorted(YES_WORDS)).fill_null(False)
        elif int(bad["scale"] or 0) == 0:
            agree_from = link.agree_from if link.agree_from is not None else AGREE_FROM_WORDS
            return _scale(linked, link, points, agree_from, in_words=True)
        else:
            # A yes/no question with a few answers of its own is refused as before: read as
            # points its evidence would say «оценили на 4 из 5».
            yes_no_with_text = (
                int(bad["yes_no"] or 0) == int(bad["scale"] or 0) < int(bad["given"] or 0)
            )
            rare, unmapped = _unmapped_labels(t, col, wrong_scale, given, min_cell)
            if unmapped is not None and not yes_no_with_text:
                raise unmapped
            if (
                rare and not yes_no_with_text
            ):  # only rare wordings off the scale: left out, as the evidence says
                agree_from = link.agree_from if link.agree_from is not None else AGREE_FROM_WORDS
                reading = _scale(linked, link, points, agree_from, in_words=True)
                left_out = plural(
                    rare,
                    "ответ с редким вариантом вне шкалы не учтён",
                    "ответа с редкими вариантами вне шкалы не учтены",
                    "ответов с редкими вариантами вне шкалы не учтены",
                )
                return replace(reading, note="; ".join(x for x in (reading.note, left_out) if x))
            wrong = wrong_yes_no & wrong_scale
            raise InputError(
                f"Вопрос «{link.question}»: "
                f"{plural(int(bad['scale']), 'ответ', 'ответа', 'ответов')} — свободный текст, а "
                "ожидались «да» / «нет» или шкала (согласия: «Полностью согласен» … «Полностью "
                f"не согласен», удовлетворённости: «Очень доволен» … «Очень недоволен»)"
                f"{_example_rows(t, wrong)}.",
                hint="выберите закрытый вопрос или перекодируйте ответы в баллы 1–5 и укажите, "
                "с какого балла ответ считается согласием; открытые ответы анализируйте как "
                "тексты (темы).",
            )
    else:
        raise InputError(
            f"Вопрос «{link.question}» имеет тип {dtype}: ожидались «да» / «нет» или шкала.",
            hint="выберите другой столбец опроса.",
        )
    supports = yes if link.support == "yes" else (answered & ~yes)
    answer = "«да»" if link.support == "yes" else "«нет»"
    return _Reading(answered, supports, f"ответили {answer} на вопрос «{link.question}»")


def _unmapped_labels(
    t: ir.Table,
    col: ir.StringValue,
    wrong: ir.BooleanValue,
    given: ir.BooleanValue,
    min_cell: int,
) -> tuple[int, InputError | None]:
    """A closed question (few different answers, :data:`CLOSED_DISTINCT`) whose answers in
    words are not all on a known scale: ``(rare, None)`` when the only answers off the scale
    are ``rare`` answers of wordings fewer than ``min_cell`` respondents gave, at most
    :data:`RARE_OFF_SCALE` of the answers (left out); else the error saying which column,
    which labels have no point (only those at least ``min_cell`` respondents gave; the rarer
    ones counted, never named) and how to give them points. ``(0, None)`` for free text."""
    column = col.get_name()
    # One row per answer as the scales read it («Хорошо», «хорошо »), named as most wrote it.
    labels = t.filter(wrong).select(word=_normal(col), written=col.strip())
    frame = execute(
        labels.group_by("word")
        .aggregate(n=labels.count(), label=labels.written.mode())
        .order_by(ibis.desc("n"))
        .limit(CLOSED_DISTINCT + 1)
    )
    if len(frame) > CLOSED_DISTINCT:
        return 0, None
    rows = frame.to_dict("records")
    floor = max(1, min_cell)
    shown = [str(r["label"]) for r in rows if int(r["n"]) >= floor]
    rare = sum(int(r["n"]) for r in rows if int(r["n"]) < floor)
    answers = int(execute(given.cast("int64").sum()) or 0)
    if not shown and rare <= RARE_OFF_SCALE * answers and rare < answers:
        return rare, None
    named = ", ".join(f"«{label}»" for label in shown)
    rarer = (
        plural(
            rare,
            f"ответ с вариантом, который дали меньше {floor} респондентов (не показан)",
            f"ответа с вариантами, которые дали меньше {floor} респондентов (не показаны)",
            f"ответов с вариантами, которые дали меньше {floor} респондентов (не показаны)",
        )
        if rare
        else ""
    )
    what = "; ".join(x for x in (named, rarer) if x)
    return 0, InputError(
        f"Вопрос «{column}»: ответы не на известной шкале и не сопоставлены с баллами — {what}.",
        hint="укажите на странице опроса в разделе «Баллы ответов», какой балл от 1 "
        "(хуже всего) до 5 (лучше всего) у каждого из этих ответов или что ответ — не оценка, "
        "и нажмите «Проанализировать» снова (если это открытый вопрос, выберите закрытый: "
        "открытые ответы анализируйте как тексты — темы)"
        + (
            f"; ответы, которые дали меньше {floor} респондентов, не называются: когда у "
            "остальных будут баллы, они не будут учтены"
            + (
                ""
                if shown
                else f", но их больше {_pct(RARE_OFF_SCALE)} ответов — исправьте их в файле "
                "опроса и загрузите его заново"
            )
            if rare
            else ""
        )
        + ".",
    )


def _normal(col: ir.StringValue) -> ir.StringValue:
    """:func:`~segprofile.data.surveys.normal_answer` in the engine."""
    text = col.strip().lower().replace("ё", "е")
    text = text.re_search("[а-я]").ifelse(text.re_replace(NUMBERED, ""), text)
    return text.re_replace(SEPARATORS, " ").strip()


def _scale(
    linked: LinkedSurvey,
    link: QuestionLink,
    points: ir.NumericValue,
    agree_from: float,
    *,
    in_words: bool,
) -> _Reading:
    """A scale question read as :func:`_answers` says (the neutral midpoint of a five-point
    scale on neither side)."""
    t = linked.table
    bounds = execute(t.aggregate(lo=points.min(), hi=points.max())).to_dict("records")[0]
    lo, hi = bounds["lo"], bounds["hi"]
    five = in_words or (pd.notna(lo) and pd.notna(hi) and lo >= 1 and hi <= SCALE_TOP)
    neutral = five and agree_from > NEUTRAL_POINT
    agree = (points >= agree_from).fill_null(False)
    answered = points.notnull()
    if neutral:
        answered = answered & (points != NEUTRAL_POINT)
    answered = answered.fill_null(False)
    top = f" из {SCALE_TOP}" if five else ""
    point = number(agree_from, 0 if float(agree_from).is_integer() else 1)
    if link.support == "yes":
        supports, words = agree, f"оценили на {point}{top} и выше"
    else:
        supports, words = answered & ~agree, f"оценили ниже {point}{top}"
    note = (
        f"нейтральные ответы ({NEUTRAL_POINT}{top}, «затрудняюсь ответить») не учтены ни в одну "
        "сторону"
        if neutral
        else ""
    )
    return _Reading(answered, supports, f"{words} вопрос «{link.question}»", note)


def analyse_survey(
    study: Study,
    linked: LinkedSurvey,
    links: Sequence[QuestionLink],
    *,
    rules: VerdictRules | None = None,
    universe: Mapping[str, str] | None = None,
    source: str = "опрос",
    answer_points: Mapping[str, int | None] | None = None,
) -> SurveyAnalysis:
    """Check hypotheses against survey answers: shares, tests, BH, verdicts, coverage (M-9).

    Parameters
    ----------
    study
        Hypotheses (by id) and their segments.
    linked
        Answers with segment codes (:func:`link_survey` or :meth:`LinkedSurvey.from_frame`).
    links
        Questions mapped to hypotheses.
    rules
        Verdict rules; the confidence defaults to ``study.research.confidence``.
    universe
        Segments that should have respondents, ``{key: label}`` (e.g.
        :func:`~segprofile.analysis.hypotheses.known_segments`); those with none are listed.
    source
        Name of the survey in evidence texts.
    answer_points
        The survey's own points of answers in words (``DataSource.answer_points``).

    Returns
    -------
    SurveyAnalysis
        One :class:`~segprofile.model.results.SurveyTest` per question × segment, a
        :class:`~segprofile.model.results.HypothesisVerdict` per hypothesis (status, reason,
        evidence to store in ``Hypothesis.evidence`` / ``verdict_reason``), the segments without
        respondents and the rules in Russian.
    """
    rules = rules or VerdictRules(confidence=study.research.confidence)
    by_id = {h.id: h for h in study.hypotheses}
    warnings = list(linked.warnings)
    tests: list[SurveyTest] = []
    wording: dict[tuple[str, str], _Reading] = {}
    t = linked.table
    for link in links:
        hyp = by_id.get(link.hypothesis)
        if hyp is None:
            raise InputError(
                f"Вопрос «{link.question}» сопоставлен с гипотезой «{link.hypothesis}», "
                "которой нет в исследовании.",
                hint="выберите существующую гипотезу или удалите сопоставление.",
            )
        reading = _answers(linked, link, answer_points, study.segmentation.min_cell)
        answered, supports = reading.answered, reading.supports
        wording[(hyp.id, link.question)] = reading
        base = _among(linked, link.among)
        if base is not None:
            answered, supports = answered & base, supports & base
        keys = list(link.segments if link.segments is not None else hyp.segments) or [""]
        aggs: dict[str, Any] = {
            "n_all": answered.cast("int64").sum(),
            "yes_all": supports.cast("int64").sum(),
        }
        members: dict[str, ir.BooleanValue | None] = {}
        for i, key in enumerate(keys):
            if not key:
                continue
            members[key] = _member(linked, key)
            member = members[key]
            if member is not None:
                aggs[f"n_{i}"] = (answered & member).cast("int64").sum()
                aggs[f"yes_{i}"] = (supports & member).cast("int64").sum()
        row = execute(t.aggregate(**aggs)).to_dict("records")[0]
        n_all, yes_all = int(row["n_all"] or 0), int(row["yes_all"] or 0)
        for i, key in enumerate(keys):
            label = (universe or {}).get(key) or (key_label(study, key) if key else "Все")
            common: dict[str, Any] = {
                "hypothesis": hyp.id,
                "question": link.question,
                "segment": key,
                "label": label,
                "support": link.support,
            }
            if key and members.get(key) is None:
                tests.append(
                    SurveyTest(
                        **common,
                        n=0,
                        yes=0,
                        reason=f"сегмент не найден в связанных ответах ({label}): признак удалён "
                        "или не связан с опросом (гипотеза сохранена, проверьте её сегменты)",
                    )
                )
                continue
            n = int(row[f"n_{i}"] or 0) if key else n_all
            yes = int(row[f"yes_{i}"] or 0) if key else yes_all
            test = SurveyTest(**common, n=n, yes=yes)
            if n > 0:
                low, high = wilson_interval(yes, n, rules.confidence)
                test.share, test.interval = yes / n, Interval(low=low, high=high)
            rest_n, rest_yes = n_all - n, yes_all - yes
            if key and n > 0 and rest_n > 0:
                name, statistic, p = compare_shares(yes, n, rest_yes, rest_n)
                test.rest_n, test.rest_yes, test.rest_share = rest_n, rest_yes, rest_yes / rest_n
                test.test, test.statistic, test.p_value = name, statistic, p
            tests.append(test)
    tested = [i for i, x in enumerate(tests) if x.p_value is not None]
    adjusted = benjamini_hochberg([tests[i].p_value or 0.0 for i in tested])
    for i, p_adj in zip(tested, adjusted, strict=True):
        tests[i].p_adjusted = p_adj
    thresholds = {(ln.hypothesis, ln.question): ln.threshold for ln in links}
    for x in tests:
        if x.reason:  # an orphaned segment: already explained
            continue
        own = thresholds.get((x.hypothesis, x.question))
        r = (
            rules
            if own is None
            else VerdictRules(own, rules.alpha, rules.min_answers, rules.confidence)
        )
        x.status, x.reason = segment_verdict(x, r)
    # Verdicts and evidence are written into the study and shown everywhere: they are built
    # from the tests as they may be shown (no figure of fewer than min_cell answers).
    tests = protect_survey_tests(tests, study.segmentation.min_cell)
    verdicts = [
        _hypothesis_verdict(
            h,
            [x for x in tests if x.hypothesis == h],
            source,
            study.segmentation.min_cell,
            {q: r.words for (hid, q), r in wording.items() if hid == h},
            {q: r.note for (hid, q), r in wording.items() if hid == h},
        )
        for h in dict.fromkeys(x.hypothesis for x in tests)
    ]
    missing = _missing_segments(study, linked, universe or {})
    if missing:
        warnings.append(
            "Нет ни одного респондента в сегментах: " + "; ".join(m.label for m in missing) + "."
        )
    return SurveyAnalysis(
        respondents=linked.respondents,
        matched=linked.matched,
        tests=tests,
        verdicts=verdicts,
        missing_segments=missing,
        rules=verdict_rules_text(rules),
        warnings=warnings,
    )


def _test_evidence(x: SurveyTest, source: str, words: str = "", note: str = "") -> Evidence:
    """The evidence of a test: ``words`` say which answers support the hypothesis («ответили
    «нет» на вопрос «…»», «оценили ниже 4 из 5 вопрос «…»»), ``note`` what was left out."""
    if not words:
        answer = "«да»" if x.support == "yes" else "«нет»"
        words = f"ответили {answer} на вопрос «{x.question}»"
    parts = [f"{x.label}: {words} {number(x.yes)} из {number(x.n)}"]
    if x.share is not None and x.interval is not None:
        parts.append(f"{_pct(x.share)} (интервал {_pct(x.interval.low)}–{_pct(x.interval.high)})")
    if x.rest_share is not None:
        parts.append(f"у остальных {_pct(x.rest_share)} (из {number(x.rest_n)})")
    if x.p_value is not None and x.p_adjusted is not None:
        test = "хи-квадрат" if x.test == "chi2" else "точный тест Фишера"
        parts.append(f"{test}: p {_p(x.p_value)}, с поправкой БХ {_p(x.p_adjusted)}")
    if note:
        parts.append(note)
    return Evidence(
        kind=EvidenceKind.survey,
        summary="; ".join(parts) + ".",
        source=f"{source}, {x.question}",
        value=x.share,
    )


def _hypothesis_verdict(
    hid: str,
    tests: list[SurveyTest],
    source: str,
    min_cell: int = 1,
    words: Mapping[str, str] | None = None,
    notes: Mapping[str, str] | None = None,
) -> HypothesisVerdict:
    """One verdict per hypothesis from its question × segment tests (``words`` and ``notes``
    by question: see :func:`_test_evidence`)."""
    confirmed = [x for x in tests if x.status is HypothesisStatus.confirmed]
    refuted = [x for x in tests if x.status is HypothesisStatus.refuted]
    unclear = [x for x in tests if x.status is HypothesisStatus.not_enough_data]

    def listed(group: list[SurveyTest]) -> str:
        return "; ".join(f"{x.label} («{x.question}»): {x.reason}" for x in group)

    if confirmed:
        status = HypothesisStatus.confirmed
        reason = "Подтверждена для: " + listed(confirmed) + "."
        if refuted:
            reason += " Опровергнута для: " + listed(refuted) + "."
        if unclear:
            reason += " Недостаточно данных для: " + listed(unclear) + "."
    elif refuted and not unclear:
        status = HypothesisStatus.refuted
        reason = "Опровергнута для всех проверенных сегментов: " + listed(refuted) + "."
    else:
        status = HypothesisStatus.not_enough_data
        reason = "Недостаточно данных: " + listed(unclear) + "."
        if refuted:
            reason += " Опровергнута для: " + listed(refuted) + "."
    # Evidence is written into the study and its reports: never from fewer than min_cell answers.
    evidence = [
        _test_evidence(
            x, source, (words or {}).get(x.question, ""), (notes or {}).get(x.question, "")
        )
        for x in tests
        if x.n is not None and x.n >= max(1, min_cell) and x.yes is not None
    ]
    return HypothesisVerdict(hypothesis=hid, status=status, reason=reason, evidence=evidence)


def _unlinked_reason(study: Study, linked: LinkedSurvey, key: str) -> str:
    """Why the segment ``key`` cannot be found among the answers, and what to do about it."""
    fid = next(f for f, _ in key_parts(key) if f not in linked.columns)
    feature = next((f for f in study.features if f.id == fid), None)
    if feature is None:
        return (
            f"сегмент задан по «{fid}», а такого признака в исследовании нет: ответы по нему не "
            "разделить — проверьте ключ сегмента"
        )
    if linked.joined_by == "features":
        return (
            f"ответы связаны с сегментами по столбцам признаков самого опроса, а столбца "
            f"«{feature.column}» (признак «{feature.label}») в опросе нет. Выберите в поле "
            "«Связать ответы с клиентами» столбец псевдонима клиента или добавьте столбец "
            f"«{feature.column}» в файл опроса (с тем же названием и теми же значениями, что в "
            "данных о клиентах) и загрузите ответы заново"
        )
    return (
        f"признак «{feature.label}» не найден у клиентов, с которыми связаны ответы (столбец "
        f"«{feature.column}» данных о клиентах): загрузите данные о клиентах с этим столбцом и "
        "постройте профиль заново"
    )


def _missing_segments(
    study: Study, linked: LinkedSurvey, universe: Mapping[str, str]
) -> list[UncoveredSegment]:
    """Segments of ``universe`` without a single linked respondent."""
    aggs: dict[str, Any] = {}
    keys: dict[str, str] = {}
    unlinked: list[str] = []
    for i, key in enumerate(universe):
        member = _member(linked, key)
        if member is None:
            unlinked.append(key)
            continue
        keys[f"k{i}"] = key
        aggs[f"k{i}"] = member.cast("int64").sum()
    counts = execute(linked.table.aggregate(**aggs)).to_dict("records")[0] if aggs else {}
    out = [
        UncoveredSegment(
            key=key,
            label=universe[key],
            reason="в опросе нет ни одного респондента из этого сегмента",
        )
        for name, key in keys.items()
        if int(counts.get(name) or 0) == 0
    ]
    out += [
        UncoveredSegment(
            key=key,
            label=universe[key],
            reason=_unlinked_reason(study, linked, key),
        )
        for key in unlinked
    ]
    return out


def question_links(questions: Iterable[SurveyQuestion]) -> list[QuestionLink]:
    """The study's question → hypothesis mapping (``DataSource.questions``) as links."""
    return [
        QuestionLink(
            question=q.question,
            hypothesis=q.hypothesis,
            support="no" if q.support is SurveySupport.no else "yes",
            segments=tuple(q.segments) if q.segments is not None else None,
            among=tuple(q.among),
            threshold=q.threshold,
            agree_from=q.agree_from,
        )
        for q in questions
    ]


def link_questions(links: Iterable[QuestionLink]) -> list[SurveyQuestion]:
    """Links as the study stores them (``DataSource.questions``)."""
    return [
        SurveyQuestion(
            question=x.question,
            hypothesis=x.hypothesis,
            support=SurveySupport(x.support),
            segments=list(x.segments) if x.segments is not None else None,
            among=list(x.among),
            threshold=x.threshold,
            agree_from=x.agree_from,
        )
        for x in links
    ]


def apply_survey_verdicts(
    study: Study,
    analysis: SurveyAnalysis,
    *,
    source: str,
    hypotheses: Iterable[str] | None = None,
) -> Study:
    """A copy of ``study`` with the survey's verdicts on its hypotheses (M-9).

    Each analysed hypothesis gets the verdict's status and reason (prefixed with the survey's
    name) and the survey's evidence; evidence of an earlier import of the same survey (same
    ``source``) is replaced, other evidence is kept. A hypothesis is never removed, and one
    whose segments are gone keeps its place with the reason saying so.

    Parameters
    ----------
    source
        The survey's name, as :func:`analyse_survey` wrote it into the evidence.
    hypotheses
        Apply only these verdicts (default all).
    """
    chosen = set(hypotheses) if hypotheses is not None else None
    updated = study.model_copy(deep=True)
    by_id = {h.id: h for h in updated.hypotheses}
    prefix = f"{source}, "
    for verdict in analysis.verdicts:
        if chosen is not None and verdict.hypothesis not in chosen:
            continue
        hyp = by_id.get(verdict.hypothesis)
        if hyp is None:
            continue
        hyp.evidence = [
            e
            for e in hyp.evidence
            if not (e.kind is EvidenceKind.survey and e.source.startswith(prefix))
        ] + [e.model_copy() for e in verdict.evidence]
        hyp.status = verdict.status
        hyp.verdict_reason = _verdict_prefix(source) + verdict.reason
    return updated


def _verdict_prefix(source: str) -> str:
    return f"Опрос «{source}»: "


def rename_survey_evidence(study: Study, old: str, new: str) -> Study:
    """A copy of ``study`` whose survey evidence and verdict reasons name the survey ``new``
    where :func:`apply_survey_verdicts` named it ``old``: the hypotheses name the survey as the
    study now does, and the next import of its answers replaces that evidence (by its name)."""
    updated = study.model_copy(deep=True)
    before, after = f"{old}, ", f"{new}, "
    for hyp in updated.hypotheses:
        for e in hyp.evidence:
            if e.kind is EvidenceKind.survey and e.source.startswith(before):
                e.source = after + e.source[len(before) :]
        reason = hyp.verdict_reason or ""
        if reason.startswith(_verdict_prefix(old)):
            hyp.verdict_reason = _verdict_prefix(new) + reason[len(_verdict_prefix(old)) :]
    return updated
