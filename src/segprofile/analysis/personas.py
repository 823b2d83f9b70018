"""What a cluster's members' linked data say, for its persona card and empathy map (M-4).

Beyond the client records' own counts (age, situation, channels; :mod:`.portraits`), each
cluster's drafts take from:

* **satisfaction** — the cluster's CSAT against the rest of the clients, with the test the
  priorities use (:func:`~segprofile.analysis.stats.compare_shares`: Pearson's chi-square, or
  Fisher's exact test at small counts; Benjamini–Hochberg across the clusters). Lower beyond
  chance is a pain; a gap within chance is no pain, however it looks;
* **survey answers** linked to the records by the client's pseudonym — every question the
  study maps to a hypothesis is checked per cluster as the research checks it per segment
  (:func:`~segprofile.analysis.research.survey.analyse_survey`: the share of supporting answers at
  least the threshold and higher than in the other respondents beyond chance, BH across all
  tests). Confirmed for a cluster: a need is a goal (and a gain), a problem a pain;
* **complaints** linked by the client's pseudonym — their topics (lemmas → TF-IDF → NMF,
  :func:`~segprofile.analysis.texts.mine_topics`, with the team's names). A topic that is a
  larger share of the cluster's complaints than of the others' beyond chance (BH across
  clusters × topics) is a pain, with a sentence of a member's complaint as a quote;
* **interviews** — the notes of interviewees linked by the client's pseudonym: their direct
  speech is a quote (and what members think), their wishes and proposals goals; and quotes
  confirmed as evidence for hypotheses about the cluster itself or about segments that at
  least half of its members belong to; a confirmed need is a goal, a confirmed problem a pain.

Each statement says where it came from (:class:`~segprofile.model.results.PortraitNote`).
Disclosure control: no share, test or quote rests on fewer than ``min_cell`` people — the
cluster, its ratings, answers and complaints, the part that stands out and the rest (as
:func:`~segprofile.analysis.suppression.small_share` reads it); a statement on the cluster's
ratings is marked so that the published profile drops it where the ratings are hidden.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import ibis
import ibis.expr.types as ir

from segprofile.analysis.by_feature import TableLike
from segprofile.analysis.portraits import EMPATHY, PERSONA, SHARED, Finding, GroupCounts
from segprofile.analysis.research.survey import (
    QuestionLink,
    VerdictRules,
    analyse_survey,
    link_survey,
)
from segprofile.analysis.stats import benjamini_hochberg, compare_shares
from segprofile.analysis.suppression import small_share
from segprofile.data.engine import execute
from segprofile.errors import InputError
from segprofile.model.format import number, p_value, percents
from segprofile.model.results import PortraitNote, SatisfactionStats, known
from segprofile.model.study import (
    DataSource,
    EvidenceKind,
    HypothesisKind,
    HypothesisStatus,
    Study,
    SurveySupport,
)

#: Complaints read per run for the clusters' topics (texts and cluster numbers only).
COMPLAINTS_LIMIT = 20_000
#: Interview quotes kept per portrait.
QUOTES = 2

SATISFACTION = "satisfaction"
GOALS = ((PERSONA, "goals"), (EMPATHY, "gains"))
PAINS = ((PERSONA, "pains"), (EMPATHY, "pains"))


@dataclass(frozen=True)
class LinkedSources:
    """The study's sources that may be linked to the client records by the client's pseudonym.

    ``records_id``: the records' id column (``None``: nothing can be linked).
    """

    records_id: str | None = None
    survey: tuple[TableLike, DataSource] | None = None
    complaints: tuple[TableLike, DataSource] | None = None
    interviews: tuple[TableLike, DataSource] | None = None
    #: The number of complaint topics found for the profile, to find the same ones.
    complaint_topics: int | None = None


@dataclass
class Evidence:
    """Findings per group key, and why a source could not be used."""

    findings: dict[str, list[Finding]] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)

    def add(self, key: str, finding: Finding) -> None:
        self.findings.setdefault(key, []).append(finding)


def _alpha(study: Study) -> float:
    return round(1 - study.segmentation.confidence, 10)


def _happy(stats: SatisfactionStats) -> int:
    return round((stats.csat or 0.0) * known(stats.n))


# --- satisfaction ------------------------------------------------------------------------------


def satisfaction_pains(
    study: Study, groups: Mapping[str, SatisfactionStats], everyone: SatisfactionStats
) -> Evidence:
    """A pain for every group whose CSAT is below the rest's beyond chance (BH-adjusted).

    Groups or rests with fewer than ``min_cell`` ratings, or satisfied or other ratings, are
    not tested (their CSAT is not shown).
    """
    out = Evidence()
    min_cell = study.segmentation.min_cell
    total_n, total_happy = known(everyone.n), _happy(everyone)
    tested: list[tuple[str, int, int, int, int, float]] = []
    for key, sat in groups.items():
        n = known(sat.n)
        if sat.csat is None or n < min_cell or total_n - n < min_cell:
            continue
        happy = _happy(sat)
        rest_n, rest_happy = total_n - n, total_happy - happy
        if small_share(happy, n, min_cell) or small_share(rest_happy, rest_n, min_cell):
            continue  # a CSAT of a few satisfied (or other) ratings is not shown
        _test, _statistic, p = compare_shares(happy, n, rest_happy, rest_n)
        tested.append((key, n, happy, rest_n, rest_happy, p))
    adjusted = benjamini_hochberg([t[-1] for t in tested])
    for (key, n, happy, rest_n, rest_happy, _p), q in zip(tested, adjusted, strict=True):
        share, rest = happy / n, rest_happy / rest_n
        if q >= _alpha(study) or share >= rest:
            continue
        ours, theirs = percents(share, rest)
        out.add(
            key,
            Finding(
                PAINS,
                PortraitNote(
                    text=(
                        f"Удовлетворённость ниже, чем у остальных клиентов: CSAT {ours} "
                        f"против {theirs} (оценок: {number(n)}; разница не случайна, "
                        f"{p_value(q, 'q')})"
                    ),
                    source="оценки удовлетворённости в данных о клиентах",
                    basis=SATISFACTION,
                ),
            ),
        )
    return out


# --- survey answers ----------------------------------------------------------------------------


@dataclass(frozen=True)
class _WithGroup:
    """The records with one more column: each row's group number (as a string)."""

    source: TableLike
    group: ir.Value

    @property
    def table(self) -> ir.Table:
        return self.source.table.mutate(_sp_group=self.group.cast("string"))

    def count(self) -> int:
        return self.source.count()


def _source_name(source: DataSource) -> str:
    return source.title or source.id


def survey_findings(
    study: Study,
    records: TableLike,
    group: ir.Value,
    linked: LinkedSources,
    labels: Mapping[str, str],
    *,
    prefix: str = "cluster",
    edges: dict[str, list[float]] | None = None,
) -> Evidence:
    """Goals and pains from the survey questions mapped to hypotheses, per group.

    ``group``: each record's group number (``prefix=N`` is the group's key in ``labels``).
    """
    out = Evidence()
    if linked.survey is None:
        return out
    survey, source = linked.survey
    if not source.questions:
        return out
    name = _source_name(source)
    if source.id_column is None or linked.records_id is None:
        out.warnings.append(
            f"Ответы опроса «{name}» не вошли в портреты кластеров: у опроса или у данных о "
            "клиентах нет столбца идентификатора (id_column), по которому ответы связываются "
            "с клиентами. Укажите его у обоих источников."
        )
        return out
    keys = list(labels)
    by_id = {h.id: h for h in study.hypotheses}
    links = [
        QuestionLink(
            question=q.question,
            hypothesis=q.hypothesis,
            support="no" if q.support is SurveySupport.no else "yes",
            segments=tuple(keys),
            among=tuple(q.among),
            threshold=q.threshold,
            agree_from=q.agree_from,
        )
        for q in source.questions
        if q.hypothesis in by_id
    ]
    try:
        answers = link_survey(
            study,
            _WithGroup(records, group),
            survey,
            survey_id=source.id_column,
            records_id=linked.records_id,
            edges=edges,
            extra_columns={prefix: "_sp_group"},
        )
        analysis = analyse_survey(
            study,
            answers,
            links,
            rules=VerdictRules(confidence=study.research.confidence),
            universe=labels,
            source=name,
        )
    except InputError as exc:
        out.warnings.append(f"Ответы опроса «{name}» не вошли в портреты кластеров: {exc}")
        return out
    min_cell = study.segmentation.min_cell
    for test in analysis.tests:
        hyp = by_id.get(test.hypothesis)
        if (
            hyp is None
            or test.segment not in labels
            or test.status is not HypothesisStatus.confirmed
            or test.share is None
            or test.rest_share is None
            or test.p_adjusted is None
            or test.yes is None
            or test.n is None
            or test.n < min_cell
            or test.rest_n < min_cell
            or small_share(test.yes, test.n, min_cell)
        ):
            continue
        ours, theirs = percents(test.share, test.rest_share)
        text = (
            f"{hyp.statement.rstrip('.')} — так ответили {ours} опрошенных против {theirs} "
            f"остальных (вопрос «{test.question}», ответов: {number(test.n)}; "
            f"{p_value(test.p_adjusted, 'q')})"
        )
        fields = GOALS if hyp.kind is HypothesisKind.need else PAINS
        note = PortraitNote(text=text, source=f"опрос «{name}»", basis="survey")
        out.add(test.segment, Finding(fields, note))
    return out


def _quoted(text: str) -> str:
    """A sentence in «ёлочках», the full stop outside: «…нет». (as a quote is written)."""
    inner = text.strip().strip('«»"“”').strip()
    inner = inner.rstrip(".")
    return f"«{inner}»"


# --- texts linked by the client's pseudonym -----------------------------------------------------


def _author_column(source: DataSource, linked: LinkedSources, table: ir.Table) -> str | None:
    """The column of a text's author: the records' id column (the client's pseudonym) when the
    texts have it, else the source's own id column."""
    for column in (linked.records_id, source.id_column):
        if column is not None and column in table.columns:
            return column
    return None


def _texts_by_group(
    records: TableLike,
    group: ir.Value,
    records_id: str,
    table: ir.Table,
    text_column: str,
    author: str,
    prefix: str,
    limit: int,
) -> tuple[list[str], list[str]]:
    """Texts of the records' clients and each one's group key, joined in the engine (texts of
    no known client are left out); at most ``limit``, in the table's order."""
    rt = records.table
    per_client = (
        rt.select(client=rt[records_id].cast("string"), grp=group.cast("string"))
        .group_by("client")
        .aggregate(grp=ibis._.grp.first())
    )
    joined = table.left_join(per_client, table[author].cast("string") == per_client.client)
    frame = execute(
        joined.select(text=joined[text_column].cast("string"), grp=joined.grp)
        .filter(ibis._.text.notnull() & ibis._.grp.notnull())
        .limit(limit)
    )
    return [str(t) for t in frame["text"]], [f"{prefix}={g}" for g in frame["grp"]]


# --- complaints --------------------------------------------------------------------------------


def complaint_findings(
    study: Study,
    records: TableLike,
    group: ir.Value,
    linked: LinkedSources,
    labels: Mapping[str, str],
    *,
    prefix: str = "cluster",
) -> Evidence:
    """Pains (complaint topics over-represented beyond chance) and quotes, per group."""
    out = Evidence()
    if linked.complaints is None:
        return out
    # Topics need scikit-learn: loaded only when there are complaints.
    from segprofile.analysis.complaints import complaint_text_column
    from segprofile.analysis.texts import label_topics, mine_topics, typical_quotes

    complaints, source = linked.complaints
    name = _source_name(source)
    lead = f"Жалобы «{name}» не вошли в портреты кластеров"
    table = complaints.table
    text_column = complaint_text_column(source, list(table.columns))
    author = _author_column(source, linked, table)
    if text_column is None or author is None or linked.records_id is None:
        missing = "столбец текста (use: text)" if text_column is None else "столбец автора"
        out.warnings.append(
            f"{lead}: не найден {missing}, по которому жалобы связываются с клиентами. "
            "Отметьте столбец текста и укажите id_column у жалоб и у данных о клиентах."
        )
        return out
    texts, keys = _texts_by_group(
        records, group, linked.records_id, table, text_column, author, prefix, COMPLAINTS_LIMIT
    )
    try:
        model = label_topics(
            mine_topics(
                texts,
                segments=keys,
                n_topics=linked.complaint_topics,
                random_state=study.segmentation.random_state,
                confidence=study.segmentation.confidence,
            ),
            [t for t in study.topic_labels if t.source == source.id],
            confidence=study.segmentation.confidence,
        )
    except InputError as exc:
        out.warnings.append(f"{lead}: {exc}")
        return out
    min_cell = study.segmentation.min_cell
    texts_of: dict[str, int] = {}
    for share in model.by_segment:
        texts_of[share.segment] = share.texts
    total_texts = sum(texts_of.values())
    topic_docs: dict[int, int] = {}
    for share in model.by_segment:
        topic_docs[share.topic] = topic_docs.get(share.topic, 0) + share.documents
    tested: list[tuple[Any, float]] = []
    for share in model.by_segment:
        d, n = share.documents, share.texts
        rest_d, rest_n = topic_docs[share.topic] - d, total_texts - n
        if (
            share.segment not in labels
            or n < min_cell
            or rest_n < min_cell
            or d < min_cell
            or small_share(d, n, min_cell)
        ):
            continue
        _test, _statistic, p = compare_shares(d, n, rest_d, rest_n)
        tested.append((share, p))
    adjusted = benjamini_hochberg([p for _, p in tested])
    topics = {t.index: t for t in model.topics}
    by_key: dict[str, list[str]] = {}
    for text, key in zip(texts, keys, strict=True):
        by_key.setdefault(key, []).append(text)
    for (share, _p), q in zip(tested, adjusted, strict=True):
        rest_d = topic_docs[share.topic] - share.documents
        rest_n = total_texts - share.texts
        ours_share, rest_share = share.documents / share.texts, rest_d / rest_n
        if q >= _alpha(study) or ours_share <= rest_share:
            continue
        topic = topics[share.topic]
        title = topic.name or ", ".join(topic.words[:3])
        ours, theirs = percents(ours_share, rest_share)
        where = f"жалобы «{name}»"
        out.add(
            share.segment,
            Finding(
                PAINS,
                PortraitNote(
                    text=(
                        f"Жалуются на тему «{title}»: {ours} жалоб кластера против {theirs} у "
                        f"остальных (жалоб кластера: {number(share.texts)}; {p_value(q, 'q')})"
                    ),
                    source=where,
                    basis="complaints",
                ),
            ),
        )
        for quote in typical_quotes(by_key.get(share.segment, []), topic.words, 1):
            note = PortraitNote(text=_quoted(quote), source=where, basis="complaints")
            out.add(share.segment, Finding(((PERSONA, "quote"), (EMPATHY, "says_does")), note))
    return out


# --- interviews --------------------------------------------------------------------------------


def _member_share(group: GroupCounts, key: str) -> float:
    """The share of the group in the segment ``key`` («f=a», «f=a&g=b»: the smallest part)."""
    shares = []
    for part in (p for p in key.split("&") if p):
        fid, _, code = part.partition("=")
        counts = group.values.get(fid)
        if counts is None or group.capacity <= 0:
            return 0.0
        shares.append(counts.get(code, 0) / group.capacity)
    return min(shares) if shares else 0.0


def interview_findings(study: Study, group: GroupCounts) -> list[Finding]:
    """Quotes, goals and pains of hypotheses about the group or about segments that at least
    half of its members belong to."""
    out: list[Finding] = []
    quotes = 0
    for place, hyp in enumerate(study.hypotheses, start=1):
        linked = [k for k in hyp.segments if k == group.key or _member_share(group, k) >= SHARED]
        if not linked:
            continue
        # Named as the report numbers hypotheses, never by their code.
        named = f"гипотеза № {place}"
        where = f"интервью, {named}"
        said = [
            e.quote.strip()
            for e in hyp.evidence
            if e.kind is EvidenceKind.interview and e.quote.strip() and not e.suggested
        ]
        for quote in said:
            if quotes == QUOTES:
                break
            note = PortraitNote(text=_quoted(quote), source=where, basis="interviews")
            out.append(Finding(((PERSONA, "quote"), (EMPATHY, "thinks_feels")), note))
            quotes += 1
        if hyp.status is HypothesisStatus.confirmed:
            fields = GOALS if hyp.kind is HypothesisKind.need else PAINS
            note = PortraitNote(
                text=f"{hyp.statement.rstrip('.')} (гипотеза подтверждена)",
                source=f"исследования, {named}",
                basis="interviews",
            )
            out.append(Finding(fields, note))
    return out


#: Lemmas of a wish or a proposal in interview notes («Хотела бы…», «Просит…», «Предлагает…»).
WISH_LEMMAS = frozenset({"хотеть", "хотеться", "просить", "предлагать", "мечтать", "желать"})
#: Interview notes read per run for the clusters' quotes.
NOTES_LIMIT = 5_000


def interview_note_findings(
    study: Study,
    records: TableLike,
    group: ir.Value,
    linked: LinkedSources,
    labels: Mapping[str, str],
    *,
    prefix: str = "cluster",
) -> Evidence:
    """Quotes (direct speech) and goals (wishes, proposals) from the interview notes of the
    group's members, linked by the client's pseudonym; masked, each sentence once."""
    out = Evidence()
    if linked.interviews is None or linked.records_id is None:
        return out
    from segprofile.analysis.complaints import complaint_text_column
    from segprofile.analysis.texts import lemmas, mask_personal_data, split_quotes

    notes, source = linked.interviews
    name = _source_name(source)
    table = notes.table
    text_column = complaint_text_column(source, list(table.columns))
    author = _author_column(source, linked, table)
    if text_column is None or author is None:
        out.warnings.append(
            f"Заметки интервью «{name}» не вошли в портреты кластеров: не найден столбец "
            "текста (use: text) или столбец с идентификатором клиента."
        )
        return out
    texts, keys = _texts_by_group(
        records, group, linked.records_id, table, text_column, author, prefix, NOTES_LIMIT
    )
    where = f"интервью «{name}»"
    seen: set[str] = set()
    quotes: dict[str, int] = {}
    goals: dict[str, int] = {}
    for text, key in zip(texts, keys, strict=True):
        if key not in labels:
            continue
        for sentence in split_quotes(mask_personal_data(text).text):
            if sentence in seen:
                continue
            if sentence.startswith(("«", '"', "“")) and quotes.get(key, 0) < QUOTES:
                seen.add(sentence)
                quotes[key] = quotes.get(key, 0) + 1
                note = PortraitNote(text=_quoted(sentence), source=where, basis="interviews")
                out.add(key, Finding(((PERSONA, "quote"), (EMPATHY, "thinks_feels")), note))
            elif set(lemmas(sentence)) & WISH_LEMMAS and goals.get(key, 0) < QUOTES:
                seen.add(sentence)
                goals[key] = goals.get(key, 0) + 1
                out.add(key, Finding(GOALS, PortraitNote(text=sentence, source=where)))
    return out


def gather(
    study: Study,
    records: TableLike,
    group: ir.Value,
    linked: LinkedSources | None,
    groups: Mapping[str, GroupCounts],
    everyone: GroupCounts,
    labels: Mapping[str, str],
    *,
    edges: dict[str, list[float]] | None = None,
) -> Evidence:
    """Everything the members' linked data say, per group key (see the module docstring)."""
    out = satisfaction_pains(
        study, {key: g.satisfaction for key, g in groups.items()}, everyone.satisfaction
    )
    for key, g in groups.items():
        for finding in interview_findings(study, g):
            out.add(key, finding)
    if linked is None:
        return out
    for found in (
        survey_findings(study, records, group, linked, labels, edges=edges),
        complaint_findings(study, records, group, linked, labels),
        interview_note_findings(study, records, group, linked, labels),
    ):
        for key, findings in found.findings.items():
            for finding in findings:
                out.add(key, finding)
        out.warnings += found.warnings
    return out
