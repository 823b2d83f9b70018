"""Hypothesis registry helpers (M-7): a starter set of hypotheses suggested from the data.

The methodology asks the team to write, for each segment, hypotheses about needs and problems
(a problem is a need the current journey does not meet, tied to a journey step), each on Hunt's
ladder and AIDAS. The data can start that list:

- a segment markedly less satisfied than everyone (its CSAT interval lies below the overall
  CSAT) gets a *problem* hypothesis at the step where clients act;
- a segment refused markedly more often, or processed markedly longer, gets a *problem*
  hypothesis at the decision / check step (refusal and processing time are read from the
  client records, see :func:`segment_outcomes`);
- a segment rare among applicants but common among the entitled (its take-up well below the
  overall one, a large blind zone) and every entitled group that never applies get an
  *awareness* hypothesis low on Hunt's ladder.

Every suggestion is a :class:`~segprofile.model.study.Hypothesis` with ``status=suggested``, a
Russian statement, a ``source`` naming the numbers behind it and a stable id; an idea the team
already wrote down for the same segment is never suggested again. The team accepts or rejects
suggestions in the web app. Everything here except :func:`segment_outcomes` is pure.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import ibis.expr.types as ir
import ibis.selectors as s

from segprofile.analysis.by_feature import TableLike, code_table
from segprofile.analysis.stats import wilson_interval
from segprofile.analysis.suppression import is_combined, small_share, suppress
from segprofile.data.engine import execute
from segprofile.errors import InputError
from segprofile.model.format import number
from segprofile.model.results import Interval, Profile, SegmentOutcome, SegmentStats
from segprofile.model.study import (
    AidasStage,
    Feature,
    FeatureType,
    Hypothesis,
    HypothesisKind,
    HypothesisStatus,
    Journey,
    JourneyKind,
    JourneyStep,
    Study,
)

__all__ = [
    "IDEAS",
    "Outcomes",
    "SuggestionRules",
    "known_segments",
    "orphaned_hypotheses",
    "outcome_features",
    "segment_outcomes",
    "segments_without_feature",
    "suggest_hypotheses",
]

#: Ideas a suggestion can carry, with the Russian name shown to the team.
IDEAS: dict[str, str] = {
    "csat": "низкая удовлетворённость",
    "refusal": "частые отказы",
    "duration": "долгое рассмотрение",
    "awareness": "не знают о праве на услугу",
}

# Words that reveal the idea of a hypothesis the team wrote (to avoid suggesting it again).
_IDEA_WORDS: dict[str, re.Pattern[str]] = {
    "csat": re.compile(r"удовлетвор|довольн|csat|оценива|оценк", re.IGNORECASE),
    "refusal": re.compile(r"отказ", re.IGNORECASE),
    "duration": re.compile(
        r"срок|дольше|долго|долгое|ждут|ждать|ожидан|задерж|рабочих дн", re.IGNORECASE
    ),
    "awareness": re.compile(
        r"не зна|не слыш|узна|осведомл|информир|уведомл|не обраща|о праве", re.IGNORECASE
    ),
}

# Words of journey steps where each idea most likely lives (stems, lower case).
_STEP_WORDS: dict[str, tuple[str, ...]] = {
    "csat": ("подат", "подач", "приём", "прием", "заявлен", "обращ"),
    "refusal": ("решени", "отказ", "провер", "рассмотр", "назначен"),
    "duration": ("решени", "срок", "провер", "рассмотр", "передач", "запрос"),
    "awareness": ("узна", "информ", "уведом", "праве", "право", "проактив"),
}

_REFUSAL_RE = re.compile(r"refus|reject|denied|denial|отказ", re.IGNORECASE)
_DURATION_RE = re.compile(
    r"processing|duration|days|wait|term|срок|дней|дни|ожидан|рассмотр", re.IGNORECASE
)


@dataclass(frozen=True)
class SuggestionRules:
    """Thresholds of the suggestions; every one is shown to the team in the ``source`` text.

    Parameters
    ----------
    csat_gap
        A segment's CSAT must be at least this much below the overall CSAT (and its interval
        entirely below it).
    refusal_ratio, refusal_gap
        A segment's refusal share must be at least ``ratio`` times and ``gap`` above the overall
        share (and its interval above it).
    duration_ratio
        A segment's mean processing time must be at least this many times the overall mean.
    takeup_ratio
        A segment's take-up (applicants / entitled) must be at most this share of the overall
        take-up, and its blind zone at least ``study.priority.large_blind_zone_share``.
    min_n
        Segments with fewer clients are not considered (default: ``max(30, min_cell)``).
    max_per_idea
        At most this many suggestions per idea, the strongest first (``None``: all).
    """

    csat_gap: float = 0.05
    refusal_ratio: float = 1.25
    refusal_gap: float = 0.05
    duration_ratio: float = 1.25
    takeup_ratio: float = 0.8
    min_n: int | None = None
    max_per_idea: int | None = 8


@dataclass(frozen=True)
class Outcomes:
    """Refusal and processing time per segment key, and overall (see :func:`segment_outcomes`)."""

    overall: SegmentOutcome
    segments: dict[str, SegmentOutcome]
    refusal_feature: str | None = None
    duration_feature: str | None = None
    duration_unit: str = ""


# --- Outcomes from the client records (engine) -------------------------------------------------


def outcome_features(study: Study) -> tuple[Feature | None, Feature | None]:
    """The study's refusal feature (boolean) and processing-time feature (numeric), if any.

    Found by id or column first (``refused``, ``processing_days``), then by label («отказ»,
    «срок»), so that a label merely mentioning a refusal does not win over the real column.
    """

    def find(kind: FeatureType, pattern: re.Pattern[str]) -> Feature | None:
        typed = [f for f in study.features if f.type is kind]
        for text in (lambda f: f"{f.id} {f.column}", lambda f: f.label):
            found = next((f for f in typed if pattern.search(text(f))), None)
            if found is not None:
                return found
        return None

    return find(FeatureType.boolean, _REFUSAL_RE), find(FeatureType.numeric, _DURATION_RE)


def _f(value: Any) -> float:
    if value is None:
        return 0.0
    number = float(value)
    return 0.0 if number != number else number


def _outcome(key: str, row: Mapping[str, Any], confidence: float) -> SegmentOutcome:
    n = int(_f(row.get("n")))
    ref_n, ref_yes = int(_f(row.get("ref_n"))), round(_f(row.get("ref_sum")))
    dur_n = int(_f(row.get("dur_n")))
    share = interval = None
    if ref_n > 0:
        share = ref_yes / ref_n
        low, high = wilson_interval(ref_yes, ref_n, confidence)
        interval = Interval(low=low, high=high)
    mean = _f(row.get("dur_sum")) / dur_n if dur_n > 0 else None
    return SegmentOutcome(
        key=key, n=n, refusal_share=share, refusal_interval=interval, mean_duration=mean
    )


def segment_outcomes(
    study: Study,
    source: TableLike,
    *,
    refusal_column: str | None = None,
    duration_column: str | None = None,
    edges: dict[str, list[float]] | None = None,
) -> Outcomes:
    """Refusal share and mean processing time of every segment, computed in the engine.

    Parameters
    ----------
    study
        The study: its segmented features and feature pairs give the segments.
    source
        The client records opened in the engine.
    refusal_column, duration_column
        Columns of the records; by default those of :func:`outcome_features`.
    edges
        Thresholds of numeric features used by the profile (``ByFeatureResult.edges``), so
        the segments are cut exactly as in the profile.

    Returns
    -------
    Outcomes
        Per segment key (``feature=code`` and ``a=x&b=y`` for the study's pairs).
    """
    refusal, duration = outcome_features(study)
    ref_col = refusal_column or (refusal.column if refusal else None)
    dur_col = duration_column or (duration.column if duration else None)
    table = source.table
    for col in (ref_col, dur_col):
        if col is not None and col not in table.columns:
            raise InputError(
                f"В данных о клиентах нет столбца «{col}».",
                hint="укажите существующий столбец отказа или срока рассмотрения.",
            )
    features = study.segmented_features()
    extra: dict[str, ir.Value] = {}
    if ref_col is not None:
        extra["refusal"] = table[ref_col].cast("float64")
    if dur_col is not None:
        extra["duration"] = table[dur_col].cast("float64")
    coded = code_table(study, features, table, edges=edges, with_satisfaction=False, extra=extra)
    t = coded.table

    def aggs(x: ir.Table) -> dict[str, Any]:
        out: dict[str, Any] = {"n": x.count()}
        if ref_col is not None:
            out |= {"ref_n": x.refusal.count(), "ref_sum": x.refusal.sum()}
        if dur_col is not None:
            out |= {"dur_n": x.duration.count(), "dur_sum": x.duration.sum()}
        return out

    conf = study.segmentation.confidence
    overall = _outcome("", execute(t.aggregate(**aggs(t))).to_dict("records")[0], conf)
    segments: dict[str, SegmentOutcome] = {}
    if coded.columns:
        long = t.pivot_longer(
            s.cols(*coded.columns.values()), names_to="feature", values_to="segment"
        )
        frame = execute(long.group_by(["feature", "segment"]).aggregate(**aggs(long)))
        by_column = {name: fid for fid, name in coded.columns.items()}
        for row in frame.to_dict("records"):
            key = f"{by_column[str(row['feature'])]}={row['segment']}"
            segments[key] = _outcome(key, row, conf)
    for a, b in study.segmentation.by_feature.pairs:
        if a not in coded.columns or b not in coded.columns:
            continue
        ca, cb = coded.columns[a], coded.columns[b]
        frame = execute(t.group_by([ca, cb]).aggregate(**aggs(t)))
        for row in frame.to_dict("records"):
            key = f"{a}={row[ca]}&{b}={row[cb]}"
            segments[key] = _outcome(key, row, conf)
    unit = ""
    if duration is not None and duration.binning is not None:
        unit = duration.binning.unit
    return Outcomes(
        overall=overall,
        segments=segments,
        refusal_feature=refusal.id if refusal and ref_col == refusal.column else None,
        duration_feature=duration.id if duration and dur_col == duration.column else None,
        duration_unit=unit,
    )


# --- Pure helpers ------------------------------------------------------------------------------


def _pct(value: float) -> str:
    return f"{round(value * 100):d}\u00a0%"


def _num(value: float) -> str:
    return f"{value:.1f}".replace(".", ",")


def _parts(key: str) -> list[str]:
    return [p for p in key.split("&") if p]


def known_segments(profile: Profile, extra: Mapping[str, str] | None = None) -> dict[str, str]:
    """Every segment key the profile knows, with its label (by feature, pairs, never applying).

    ``extra`` adds keys computed elsewhere, e.g. clusters (``cluster=3`` → its portrait name).
    """
    labels: dict[str, str] = {}
    for fs in profile.by_feature:
        for seg in fs.segments:
            if not is_combined(seg.key):
                labels[seg.key] = f"{fs.label}: {seg.label}"
    for cross in profile.cross:
        for seg in cross.segments:
            if not is_combined(seg.key):
                labels[seg.key] = seg.label
    if profile.audience is not None:
        for group in profile.audience.never_applying:
            labels[_group_key(group.values, profile)] = group.label
    labels.update(extra or {})
    return labels


def _group_key(values: Mapping[str, str], profile: Profile) -> str:
    order = {fs.feature_id: i for i, fs in enumerate(profile.by_feature)}
    items = sorted(values.items(), key=lambda kv: (order.get(kv[0], len(order)), kv[0]))
    return "&".join(f"{fid}={code}" for fid, code in items)


def orphaned_hypotheses(
    study: Study, profile: Profile, extra: Mapping[str, str] | None = None
) -> dict[str, list[str]]:
    """Hypotheses that name a segment the profile no longer has (kept, never dropped).

    A conjunction ``a=x&b=y`` counts as known when each of its parts is known. Returns
    ``{hypothesis id: [unknown segment keys]}``; the web marks these hypotheses as orphaned.
    """
    known = known_segments(profile, extra)
    out: dict[str, list[str]] = {}
    for hyp in study.hypotheses:
        missing = [
            key
            for key in hyp.segments
            if key not in known and not all(p in known for p in _parts(key))
        ]
        if missing:
            out[hyp.id] = missing
    return out


def segments_without_feature(study: Study) -> dict[str, list[str]]:
    """Hypotheses naming a segment of a feature the study no longer has (no profile needed).

    A key ``feature=code`` (or a conjunction of them) is orphaned when one of its features is
    not among the study's features; ``cluster=N`` keys belong to the clustering and are never
    orphaned here. Returns ``{hypothesis id: [orphaned keys]}``: such hypotheses are kept and
    marked, never dropped.
    """
    features = {f.id for f in study.features}
    out: dict[str, list[str]] = {}
    for hyp in study.hypotheses:
        missing = [
            key
            for key in hyp.segments
            if any(
                (fid := part.partition("=")[0]) not in features and fid != "cluster"
                for part in _parts(key)
            )
        ]
        if missing:
            out[hyp.id] = missing
    return out


def _ideas_of(hyp: Hypothesis) -> set[str]:
    match = re.match(r"sug-([a-z]+)-", hyp.id)
    if match and match.group(1) in IDEAS:
        return {match.group(1)}
    text = f"{hyp.statement} {hyp.source}"
    return {idea for idea, words in _IDEA_WORDS.items() if words.search(text)}


def _already_there(key: str, idea: str, hypotheses: Iterable[Hypothesis]) -> bool:
    parts = set(_parts(key))
    for hyp in hypotheses:
        if not hyp.segments:
            continue
        covers = key in hyp.segments or parts <= set(hyp.segments)
        if covers and idea in _ideas_of(hyp):
            return True
    return False


def _current_journey(study: Study, key: str) -> Journey | None:
    current = [j for j in study.journeys if j.kind is JourneyKind.current]
    parts = set(_parts(key))
    for journey in current:
        if journey.segments and parts & set(journey.segments):
            return journey
    for journey in current:
        if not journey.segments:
            return journey
    return current[0] if current else None


def _step_score(step: JourneyStep, idea: str, label_words: list[str]) -> int:
    title = step.title.lower()
    rest = " ".join((step.front_stage, step.back_stage, step.channel)).lower()
    score = 0
    for stem in _STEP_WORDS[idea]:
        score += 2 * (stem in title) + (stem in rest)
    channel = step.channel.lower()
    score += sum(1 for w in label_words if w in channel)
    return score


def _journey_step(study: Study, key: str, idea: str, label: str) -> tuple[str | None, str | None]:
    """``("journey.step", step title)`` of the current journey that best fits the idea."""
    journey = _current_journey(study, key)
    if journey is None or not journey.steps:
        return None, None
    words = [w[:5] for w in re.findall(r"[а-яёa-z]{3,}", label.lower())]
    best = max(journey.steps, key=lambda st: _step_score(st, idea, words))
    if _step_score(best, idea, words) == 0:
        return None, None
    return f"{journey.id}.{best.id}", best.title


def _slug(key: str) -> str:
    features = "_".join(p.split("=", 1)[0] for p in _parts(key))
    features = re.sub(r"[^A-Za-z0-9_]", "_", features)[:36]
    digest = hashlib.sha1(key.encode("utf-8"), usedforsecurity=False).hexdigest()[:8]
    return f"{features}-{digest}"


@dataclass(frozen=True)
class _Candidate:
    key: str
    label: str
    capacity: int
    stats: SegmentStats
    parents: tuple[SegmentStats, ...] = ()  # for a pair: the two single-feature segments


@dataclass(frozen=True)
class _Proposal:
    idea: str
    key: str
    label: str
    statement: str  # with «{where}» where the journey step goes
    source: str
    hunt: int
    aidas: AidasStage
    severity: float  # how far from everyone: the strongest come first


def _candidates(profile: Profile, skip_features: set[str], min_n: int) -> list[_Candidate]:
    out: list[_Candidate] = []
    single: dict[str, SegmentStats] = {}
    for fs in profile.by_feature:
        for seg in fs.segments:
            single[seg.key] = seg
            if fs.feature_id in skip_features or is_combined(seg.key):
                continue
            # A hidden segment (capacity None in the published profile) is never suggested.
            if not seg.missing_value and seg.capacity is not None and seg.capacity >= min_n:
                out.append(_Candidate(seg.key, seg.label, seg.capacity, seg))
    for cross in profile.cross:
        if set(cross.feature_ids) & skip_features:
            continue
        for seg in cross.segments:
            parents = tuple(single[p] for p in _parts(seg.key) if p in single)
            shown = seg.capacity is not None and seg.capacity >= min_n and not is_combined(seg.key)
            if not seg.missing_value and shown and len(parents) == 2:
                out.append(_Candidate(seg.key, seg.label, seg.capacity or 0, seg, parents))
    return sorted(out, key=lambda c: (-c.capacity, c.key))


def _csat_proposals(
    candidates: list[_Candidate], overall: float | None, rules: SuggestionRules, top: int
) -> list[_Proposal]:
    out: list[_Proposal] = []
    if overall is None:
        return out
    for c in candidates:
        sat = c.stats.satisfaction
        if sat.csat is None or sat.csat_interval is None:
            continue
        # A pair is suggested only when it is worse than both its parts (an interaction).
        reference = min(
            [overall] + [p.satisfaction.csat for p in c.parents if p.satisfaction.csat is not None]
        )
        if sat.csat_interval.high >= reference or reference - sat.csat < rules.csat_gap:
            continue
        interval = f"{_pct(sat.csat_interval.low)}–{_pct(sat.csat_interval.high)}"
        versus = f"{_pct(overall)} по всем клиентам"
        if c.parents:
            versus += ", хуже каждой из частей пары"
        out.append(
            _Proposal(
                "csat",
                c.key,
                c.label,
                f"Клиенты сегмента «{c.label}» оценивают услугу ниже среднего "
                f"(CSAT {_pct(sat.csat)} против {_pct(overall)} в среднем по всем клиентам): "
                f"вероятно,{{where}} их "
                "потребность выполняется хуже, чем у остальных.",
                f"CSAT {_pct(sat.csat)} (интервал {interval}, оценок {number(sat.n)}) "
                f"против {versus}.",
                top,
                AidasStage.satisfaction,
                overall - sat.csat,
            )
        )
    return out


def _outcome_proposals(
    candidates: list[_Candidate],
    outcomes: Outcomes,
    rules: SuggestionRules,
    top: int,
    min_n: int,
    min_cell: int = 1,
) -> list[_Proposal]:
    out: list[_Proposal] = []
    base = outcomes.overall
    unit = f" {outcomes.duration_unit}" if outcomes.duration_unit else ""
    for c in candidates:
        o = outcomes.segments.get(c.key)
        if o is None or o.n < min_n:
            continue
        parents = [outcomes.segments.get(p.key) for p in c.parents]
        ref_base = max([base.refusal_share or 0.0] + [p.refusal_share or 0.0 for p in parents if p])
        if (
            base.refusal_share is not None
            and o.refusal_share is not None
            and o.refusal_interval is not None
            and o.refusal_share >= ref_base * rules.refusal_ratio
            and o.refusal_share - ref_base >= rules.refusal_gap
            and o.refusal_interval.low > ref_base
            # the share would tell a count of fewer than min_cell refusals (or of the rest)
            and not small_share(round(o.refusal_share * o.n), o.n, min_cell)
        ):
            out.append(
                _Proposal(
                    "refusal",
                    c.key,
                    c.label,
                    f"Клиентам сегмента «{c.label}» отказывают чаще, чем в среднем "
                    f"({_pct(o.refusal_share)} против {_pct(base.refusal_share)}): вероятно,"
                    "{where} их особенности не учитываются, а причина отказа им непонятна.",
                    f"доля отказов {_pct(o.refusal_share)} (интервал "
                    f"{_pct(o.refusal_interval.low)}–{_pct(o.refusal_interval.high)}, "
                    f"заявлений {number(o.n)}) против {_pct(base.refusal_share)} по всем.",
                    top,
                    AidasStage.satisfaction,
                    o.refusal_share - base.refusal_share,
                )
            )
        dur_base = max([base.mean_duration or 0.0] + [p.mean_duration or 0.0 for p in parents if p])
        if (
            base.mean_duration is not None
            and dur_base > 0
            and o.mean_duration is not None
            and o.mean_duration >= dur_base * rules.duration_ratio
        ):
            out.append(
                _Proposal(
                    "duration",
                    c.key,
                    c.label,
                    f"Заявления сегмента «{c.label}» рассматриваются дольше, чем в среднем "
                    f"({_num(o.mean_duration)} против {_num(base.mean_duration)}{unit}): "
                    "вероятно,{where} возникает задержка.",
                    f"средний срок {_num(o.mean_duration)}{unit} (заявлений {number(o.n)}) против "
                    f"{_num(base.mean_duration)} по всем.",
                    top,
                    AidasStage.action,
                    o.mean_duration / base.mean_duration - 1,
                )
            )
    return out


def _awareness_proposals(
    study: Study, profile: Profile, candidates: list[_Candidate], rules: SuggestionRules, low: int
) -> list[_Proposal]:
    out: list[_Proposal] = []
    audience = profile.audience
    if audience is None or not audience.coverage:
        return out
    takeup = audience.coverage
    large = study.priority.large_blind_zone_share
    for c in candidates:
        bz = c.stats.blind_zone
        if c.parents or bz is None or bz.share is None or bz.entitled <= 0:
            continue
        own = bz.applicants / bz.entitled
        if own <= takeup * rules.takeup_ratio and bz.share >= large:
            out.append(
                _Proposal(
                    "awareness",
                    c.key,
                    c.label,
                    f"Имеющие право из сегмента «{c.label}» обращаются реже остальных "
                    f"(обращаются {_pct(own)} против {_pct(takeup)}): вероятно,{{where}} они не "
                    "узнают о праве на услугу или считают, что она им не положена.",
                    f"имеют право около {round(bz.entitled)}, обратились {bz.applicants} "
                    f"({_pct(own)}); слепая зона {_pct(bz.share)} при пороге {_pct(large)}; "
                    f"по всем обращаются {_pct(takeup)}.",
                    low,
                    AidasStage.attention,
                    takeup - own,
                )
            )
    for group in audience.never_applying:
        out.append(
            _Proposal(
                "awareness",
                _group_key(group.values, profile),
                group.label,
                f"Имеющие право из группы «{group.label}» не обращаются совсем: вероятно,{{where}} "
                "они не узнают о праве на услугу или не могут до неё добраться.",
                f"имеют право около {round(group.entitled)}, заявлений нет ни одного.",
                low,
                AidasStage.attention,
                1.0 + takeup,  # never applying: the strongest awareness signal
            )
        )
    return out


def _need_at(study: Study, step_ref: str | None, key: str) -> str | None:
    """A need of the study at the same journey step that concerns this segment (or everyone)."""
    if step_ref is None:
        return None
    parts = set(_parts(key))
    for hyp in study.hypotheses:
        if hyp.kind is not HypothesisKind.need or hyp.journey_step != step_ref:
            continue
        if not hyp.segments or parts & set(hyp.segments):
            return hyp.id
    return None


def suggest_hypotheses(
    study: Study,
    profile: Profile,
    *,
    outcomes: Outcomes | None = None,
    rules: SuggestionRules | None = None,
    rejected: Collection[str] = (),
) -> list[Hypothesis]:
    """A starter set of hypotheses suggested from the profile's numbers (M-7).

    Parameters
    ----------
    study
        The study: its hypotheses (never duplicated), current journey, Hunt's ladder.
    profile
        The computed profile: segments with capacity, CSAT, blind zone; pairs of features.
        Suggestions are made from its published form (``analysis.suppression``).
    outcomes
        Refusal share and processing time per segment (:func:`segment_outcomes`); without
        them only satisfaction and awareness hypotheses are suggested.
    rules
        Thresholds (:class:`SuggestionRules`).
    rejected
        Ids of suggestions the team rejected earlier: they are not suggested again.

    Returns
    -------
    list of Hypothesis
        ``status=suggested``, ids ``sug-<idea>-<features>-<hash>`` (stable across runs),
        grouped by idea — low satisfaction, frequent refusals, long processing (problems at a
        step of the current journey, top of Hunt's ladder), not knowing about the service
        (awareness, Hunt's ladder stage 2) — strongest first, at most
        ``rules.max_per_idea`` per idea. A pair of features (``a=x&b=y``) is suggested only
        when it is worse than both its parts. Segments of the refusal and processing-time
        features themselves are outcomes, not client traits, and are skipped.
    """
    rules = rules or SuggestionRules()
    min_n = rules.min_n if rules.min_n is not None else max(30, study.segmentation.min_cell)
    refusal, duration = outcome_features(study)
    skip = {f.id for f in (refusal, duration) if f is not None}
    if outcomes is not None:
        skip |= {f for f in (outcomes.refusal_feature, outcomes.duration_feature) if f}
    # A suggestion quotes its figures: it is made from the published profile only (no hidden
    # segment, no statistic of fewer than min_cell ratings).
    published = suppress(profile, study)
    candidates = _candidates(published, skip, min_n)
    top, low = len(study.hunt_ladder), min(2, len(study.hunt_ladder))
    proposals = _csat_proposals(candidates, published.satisfaction.csat, rules, top)
    if outcomes is not None:
        min_cell = study.segmentation.min_cell
        proposals += _outcome_proposals(candidates, outcomes, rules, top, min_n, min_cell)
    proposals += _awareness_proposals(study, profile, candidates, rules, low)

    order = list(IDEAS)
    proposals.sort(key=lambda p: (order.index(p.idea), -p.severity, p.key))
    existing = list(study.hypotheses)
    taken = {h.id for h in existing} | set(rejected)
    per_idea: dict[str, int] = {}
    out: list[Hypothesis] = []
    for prop in proposals:
        hid = f"sug-{prop.idea}-{_slug(prop.key)}"
        if hid in taken or _already_there(prop.key, prop.idea, existing):
            continue
        if rules.max_per_idea is not None and per_idea.get(prop.idea, 0) >= rules.max_per_idea:
            continue
        step_ref, step_title = _journey_step(study, prop.key, prop.idea, prop.label)
        where = f" на шаге «{step_title}» текущего пути" if step_title else ""
        out.append(
            Hypothesis(
                id=hid,
                kind=HypothesisKind.problem,
                statement=prop.statement.replace("{where}", where),
                segments=[prop.key],
                need=_need_at(study, step_ref, prop.key),
                hunt_stage=prop.hunt,
                aidas_stage=prop.aidas,
                journey_step=step_ref,
                status=HypothesisStatus.suggested,
                source=f"Предложено по данным ({IDEAS[prop.idea]}): {prop.source}",
            )
        )
        taken.add(hid)
        per_idea[prop.idea] = per_idea.get(prop.idea, 0) + 1
    return out
