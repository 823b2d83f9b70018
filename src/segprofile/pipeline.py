"""The one Python API behind every face: the CLI builds on it, the web serves it, tests call it.

Everything here takes a :class:`~segprofile.model.Study` plus data locations and returns plain
results. Errors are :class:`~segprofile.errors.SegprofileError` subclasses with Russian
messages; the CLI and the web translate them (exit code, HTTP status).
"""

from __future__ import annotations

import hashlib
import json
import shutil
from collections.abc import Callable, Collection
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from segprofile import __version__
from segprofile.analysis.audience import blind_zones
from segprofile.analysis.baseline import survey_baseline
from segprofile.analysis.by_feature import (
    ByFeatureResult,
    pair_counts,
    segment_by_feature,
    total_satisfaction,
)
from segprofile.analysis.clusters import cluster_profile
from segprofile.analysis.clusters import segment_portrait as build_segment_portrait
from segprofile.analysis.complaints import (
    ComplaintUniqueness,
    complaint_text_column,
    complaint_uniqueness,
)
from segprofile.analysis.hypotheses import (
    known_segments,
    orphaned_hypotheses,
    outcome_features,
    segment_outcomes,
    suggest_hypotheses,
)
from segprofile.analysis.journeys import compare_journeys, suggest_recommendations
from segprofile.analysis.personas import LinkedSources
from segprofile.analysis.portraits import edit_from_portrait
from segprofile.analysis.priority import (
    PairCount,
    add_overlaps,
    has_confirmed_problems,
    overlap_pairs,
    prioritise,
)
from segprofile.analysis.research import (
    draw_candidates,
    interview_guides,
    recruit_respondents,
    recruitment_frame,
    survey_sample_sizes,
)
from segprofile.analysis.rules import compile_rule, parse_rule
from segprofile.analysis.suppression import (
    LiveCount,
    hidden_keys,
    hidden_text,
    live_count,
    protect_recruitment,
    protect_sample_sizes,
    protect_survey_tests,
    protect_topics,
    shown_keys,
    suppress,
    unsuppressed,
)
from segprofile.data import datasets, isolation, masking, privacy, staging
from segprofile.data.datasets import ImportResult, Inspection, Manifest
from segprofile.data.engine import Engine, SourceTable, connect, execute
from segprofile.data.isolation import Limits as ParseLimits
from segprofile.data.isolation import run_isolated
from segprofile.data.privacy import StudyKey
from segprofile.data.readers import ReadOptions
from segprofile.errors import InputError, NotFound
from segprofile.model import spec_yaml
from segprofile.model.checks import Finding, check_study
from segprofile.model.results import (
    DataFile,
    Hidden,
    InterviewGuide,
    InterviewNote,
    Portrait,
    Profile,
    Provenance,
    QuoteSuggestion,
    Recruitment,
    SampleSize,
    SurveyAnalysis,
    TopicModel,
)
from segprofile.model.study import (
    ColumnOverride,
    DataFormat,
    DataSource,
    DataSourceKind,
    Feature,
    Hypothesis,
    HypothesisStatus,
    Journey,
    Recommendation,
    SegmentNote,
    Study,
    SurveyQuestion,
    TopicLabel,
)
from segprofile.report.bpmn import journeys_from_bpmn, journeys_to_bpmn
from segprofile.report.charts import priority_quadrant, to_svg
from segprofile.report.html import profile_css, render_profile_html
from segprofile.report.journeys_csv import journeys_from_csv, journeys_to_csv

Progress = Callable[[float, str], None]

__all__ = [
    "ExampleInfo",
    "ImportResult",
    "Inspection",
    "InterviewImport",
    "JourneyImport",
    "Manifest",
    "ParseLimits",
    "Progress",
    "ReadOptions",
    "RuleCount",
    "StudyKey",
    "SurveyColumn",
    "SurveyFile",
    "SurveyImport",
    "TextTopics",
    "accept_recommendations",
    "accept_suggested_hypotheses",
    "check",
    "confirm_quote",
    "count_rule_matches",
    "delete_dataset_version",
    "describe_masked",
    "dump_study",
    "example_study",
    "export_journeys",
    "generate_demo_data",
    "import_dataset",
    "import_demo_data",
    "import_interviews",
    "import_journeys",
    "import_survey",
    "inspect_file",
    "inspect_survey",
    "key_store_path",
    "list_dataset_versions",
    "list_examples",
    "load_study",
    "merge_topics",
    "open_data_source",
    "open_dataset",
    "parse_study",
    "priority_quadrant_svg",
    "profile_css",
    "profile_from_json",
    "profile_study",
    "profile_to_json",
    "read_audit",
    "read_question_mapping",
    "recruitment_csv",
    "reidentify",
    "reject_quote",
    "reject_suggested_hypotheses",
    "render_profile_html",
    "research_plan",
    "retire_study_key",
    "rotate_key",
    "run_isolated",
    "set_eligibility_rule",
    "set_hypothesis_status",
    "set_segment_note",
    "set_topic_name",
    "staging",
    "start_isolation",
    "study_from_data",
    "study_hash",
    "suggested_recommendations",
    "survey_results_csv",
    "survey_source",
    "text_sources",
    "text_topics",
]


def _no_progress(fraction: float, message: str) -> None:
    """Default progress callback: ignore."""


def start_isolation() -> None:
    """Start the fork server of :func:`run_isolated`'s children now, with this module loaded
    (a server process does it at start; otherwise the first parse of an upload waits for it)."""
    isolation.start([__name__])


# --- Documents ---------------------------------------------------------------------------------


def load_study(path: str | Path) -> Study:
    """Read and validate a study document (YAML or JSON)."""
    return spec_yaml.load_study(path)


def parse_study(text: str, *, source: str = "study.yaml") -> Study:
    """Validate a study document given as text; raises :class:`DocumentError`."""
    return spec_yaml.load_study_text(text, source=source)


def study_from_data(data: object, *, source: str = "документ") -> Study:
    """Validate a stored document (parsed JSON); raises :class:`DocumentError` in Russian."""
    return spec_yaml.study_from_data(data, source=source)


def dump_study(study: Study) -> str:
    return spec_yaml.dump_study(study)


def study_hash(study: Study) -> str:
    """SHA-256 of the canonical JSON of the study: equal documents hash equal."""
    canonical = json.dumps(
        study.model_dump(mode="json"), ensure_ascii=False, sort_keys=True, separators=(",", ":")
    )
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def check(study: Study) -> list[Finding]:
    """What the profile still lacks, by M-code."""
    return check_study(study)


# --- Examples ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class ExampleInfo:
    name: str
    title: str
    description: str
    study_path: Path


def list_examples() -> list[ExampleInfo]:
    from segprofile import examples

    return [
        ExampleInfo(e.name, e.title, e.description, e.study_path)
        for e in examples.EXAMPLES.values()
    ]


def _example(name: str):  # type: ignore[no-untyped-def]
    from segprofile import examples

    try:
        return examples.EXAMPLES[name]
    except KeyError:
        known = ", ".join(sorted(examples.EXAMPLES))
        raise NotFound(f"Пример «{name}» не найден.", hint=f"доступные примеры: {known}.") from None


def example_study(name: str) -> Study:
    return load_study(_example(name).study_path)


def generate_demo_data(
    name: str, out_dir: str | Path, *, rows: int = 20_000, seed: int = 42
) -> list[Path]:
    """Write the example's synthetic data (Parquet) into ``out_dir``; returns the files."""
    if rows < 100:
        raise InputError(f"Слишком мало строк: {rows}.", hint="задайте --rows не меньше 100.")
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    files: list[Path] = _example(name).generate(rows=rows, seed=seed, out_dir=out)
    return files


def import_demo_data(
    study: Study,
    name: str,
    *,
    work_dir: str | Path,
    author: str,
    rows: int = 20_000,
    seed: int = 42,
    home: str | Path | None = None,
    key: StudyKey | None = None,
) -> list[ImportResult]:
    """The example's synthetic data imported as the first version of each of ``study``'s
    sources, through the gate like any file.

    The files are generated into ``work_dir`` (a private staging folder, never the study's
    data directory) and deleted again whatever happens.
    """
    work = Path(work_dir)
    try:
        generated = {p.name: p for p in generate_demo_data(name, work, rows=rows, seed=seed)}
        return [
            import_dataset(
                generated[Path(source.path).name],
                study,
                source.id,
                author=author,
                delete_input=True,  # generated in a private work folder: nothing to keep
                home=home,
                key=key,
            )
            for source in study.data_sources
            if Path(source.path).name in generated
        ]
    finally:
        shutil.rmtree(work, ignore_errors=True)


# --- Profiles ----------------------------------------------------------------------------------


def profile_study(
    study: Study,
    data_dir: str | Path,
    *,
    progress: Progress | None = None,
    revision: int | None = None,
    engine: Engine | None = None,
    home: str | Path | None = None,
    key: StudyKey | None = None,
) -> Profile:
    """Build the profile: every feature's segments (M-5) with capacity and satisfaction.

    Reads the client records through Ibis on the engine (DuckDB by default); only aggregates
    come back to Python. Each source is read from its latest imported dataset version under
    ``home`` (see :func:`import_dataset`) when there is one, otherwise from its file in
    ``data_dir``, depersonalised on the fly under the study's pseudonym key ``key`` (see
    :func:`open_data_source`); the version is recorded in the provenance.
    """
    report = progress or _no_progress
    report(0.0, "Чтение данных")
    source = study.client_records()
    if source is None:
        raise InputError(
            "В исследовании нет источника данных о клиентах.",
            hint="добавьте в data_sources запись с kind: client_records и путём к файлу.",
        )
    own_engine = engine is None
    eng = engine or connect()
    try:
        table = open_data_source(eng, study, source, data_dir, home=home, key=key)
        report(0.1, "Проверка столбцов")
        features = study.segmented_features()
        table.require_columns(
            [
                (f.column, f"признак «{f.id}»")
                for f in features
                if f.data_source in (None, source.id)
            ]
        )
        sat = study.segmentation.satisfaction
        if sat.column is not None:
            table.require_columns([(sat.column, "столбец оценки удовлетворённости")])
            table.require_range(sat.column, sat.scale_min, sat.scale_max)
        report(0.2, "Сегментация по признакам")

        def step(fraction: float, message: str) -> None:
            report(0.2 + 0.7 * fraction, message or "Сегментация по признакам")

        id_column = source.id_column if source.id_column in table.columns else None
        # One row a client (the usual export): distinct-client counts equal row counts, and the
        # costly distinct counts over the unpivoted codes are skipped.
        ids_unique = id_column is not None and _ids_unique(table, id_column)
        by_feature = segment_by_feature(
            study, table, progress=step, id_column=None if ids_unique else id_column
        )
        if ids_unique:
            for fs in by_feature.features:
                for seg in fs.segments:
                    seg.clients = seg.capacity
        overall = total_satisfaction(study, table)
        rows = table.count()
        files = [
            DataFile(
                source_id=source.id,
                path=source.path,
                rows=rows,
                sha256=table.fingerprint(),
                version=table.version,
            )
        ]
        report(0.9, "Слепые зоны")
        audience = None
        for role in study.roles:
            if role.audience is None or role.audience.population_source is None:
                continue
            pop_source = study.data_source(role.audience.population_source)
            population = open_data_source(eng, study, pop_source, data_dir, home=home, key=key)
            if pop_source.count_column is not None:
                population.require_columns(
                    [(pop_source.count_column, "число имеющих право (count_column)")]
                )
            audience = blind_zones(
                study,
                role,
                table,
                population,
                pop_source,
                by_feature,
                id_column=None if ids_unique else id_column,
            )
            files.append(
                DataFile(
                    source_id=pop_source.id,
                    path=pop_source.path,
                    rows=population.count(),
                    sha256=population.fingerprint(),
                    version=population.version,
                )
            )
            break  # the first role with a population source: the applicants' audience
        survey_stats = None
        survey_source = next(
            (d for d in study.data_sources if d.kind is DataSourceKind.survey and d.columns), None
        )
        if survey_source is not None:
            report(0.93, "Нулевой замер по опросу")
            survey = open_data_source(eng, study, survey_source, data_dir, home=home, key=key)
            survey_stats = survey_baseline(
                study,
                table,
                survey,
                survey_source,
                by_feature,
                records_id=id_column,
                ids_unique=ids_unique,
            )
            files.append(
                DataFile(
                    source_id=survey_source.id,
                    path=survey_source.path,
                    rows=survey.count(),
                    sha256=survey.fingerprint(),
                    version=survey.version,
                )
            )
        complaints, complaints_warning = None, None
        if not has_confirmed_problems(study):
            report(0.94, "Темы жалоб")
            complaints, complaints_warning = _complaint_topics(
                study, eng, table, Path(data_dir), by_feature, id_column, features, files, home, key
            )
        report(0.945, "Кластеры")
        linked, linked_warnings = _linked_sources(
            study, eng, Path(data_dir), id_column, complaints, files, home, key
        )
        clusters, cluster_warnings = cluster_profile(
            study,
            table,
            by_feature,
            id_column=None if ids_unique else id_column,
            sample_key=id_column if ids_unique else None,
            linked=linked,
            progress=lambda f, m: report(0.945 + 0.005 * f, m or "Кластеры"),
        )
        cluster_warnings = linked_warnings + cluster_warnings
        report(0.95, "Приоритеты")
        priority = prioritise(study, by_feature.features, overall, complaints=complaints)
        counts = pair_counts(
            study,
            table,
            overlap_pairs(priority),
            edges=by_feature.edges,
            id_column=None if ids_unique else id_column,
        )
        add_overlaps(
            study, priority, by_feature.features, {k: PairCount(**v) for k, v in counts.items()}
        )
        journeys = compare_journeys(study) if study.journeys else []
        fingerprint = hashlib.sha256("".join(f.sha256 for f in files).encode()).hexdigest()
        profile = Profile(
            study_id=study.id,
            study_title=study.title,
            provenance=Provenance(
                study_id=study.id,
                study_hash=study_hash(study),
                study_revision=revision,
                data_fingerprint=fingerprint,
                data_files=files,
                parameters={
                    "confidence": study.segmentation.confidence,
                    "min_cell": study.segmentation.min_cell,
                    "satisfaction_column": sat.column,
                    "csat_threshold": sat.csat_threshold,
                    "features": [f.id for f in features],
                },
                seed=study.segmentation.random_state,
                version=__version__,
                engine=eng.name,
                created_at=datetime.now(UTC),
            ),
            total_clients=rows,
            satisfaction=overall,
            by_feature=by_feature.features,
            cross=by_feature.cross,
            audience=audience,
            priority=priority,
            survey=survey_stats,
            journeys=journeys,
            survey_source=survey_source.id if survey_source is not None else None,
            warnings=by_feature.warnings
            + (audience.warnings if audience else [])
            + [w for w in [complaints_warning] if w]
            + priority.warnings
            + cluster_warnings,
            clusters=clusters,
        )
    finally:
        if own_engine:
            eng.close()
    report(1.0, "Готово")
    return profile


@dataclass(frozen=True)
class RuleCount:
    """How many client records an eligibility rule selects, as a viewer may see it.

    ``matched`` is ``None`` when the exact number would tell about fewer than ``min_cell``
    people (selected, or left outside); ``text`` then gives a bound («меньше 5 из 20 000»).
    """

    matched: int | None
    total: int
    text: str

    @property
    def share(self) -> float | None:
        if self.matched is None:
            return None
        return self.matched / self.total if self.total else 0.0


def count_rule_matches(
    study: Study,
    data_dir: str | Path,
    rule: str,
    *,
    home: str | Path | None = None,
    key: StudyKey | None = None,
) -> RuleCount:
    """Count the client records an eligibility rule selects (M-2: a live count while editing).

    Raises :class:`~segprofile.analysis.rules.RuleSyntaxError` (an ``InputError``) with the
    position and what was expected.
    """
    source = study.client_records()
    if source is None:
        raise InputError(
            "В исследовании нет источника данных о клиентах.",
            hint="добавьте в data_sources запись с kind: client_records.",
        )
    parse_rule(rule)  # syntax errors first, before any file is opened
    eng = Engine.duckdb()
    try:
        table = open_data_source(eng, study, source, data_dir, home=home, key=key)
        expr = compile_rule(rule, table.table)
        row = execute(
            table.table.aggregate(matched=expr.cast("int64").sum(), total=table.table.count())
        )
        record = row.to_dict("records")[0]
    finally:
        eng.close()
    shown: LiveCount = live_count(
        int(record["matched"] or 0), int(record["total"]), study.segmentation.min_cell
    )
    return RuleCount(matched=shown.matched, total=shown.total, text=shown.text)


def set_eligibility_rule(study: Study, role_id: str, rule: str) -> Study:
    """A copy of ``study`` with the role's eligibility rule replaced (validated first)."""
    text = rule.strip()
    if text:
        parse_rule(text)
    updated = study.model_copy(deep=True)
    for role in updated.roles:
        if role.id == role_id:
            if role.audience is None:
                raise InputError(
                    f"У роли «{role_id}» не описана целевая аудитория.",
                    hint="сначала опишите аудиторию роли в документе исследования.",
                )
            role.audience.eligibility_rule = text or None
            return updated
    raise NotFound(f"Роль «{role_id}» не найдена в исследовании.")


def set_segment_note(study: Study, segment: str, *, sponsor_focus: bool, reason: str = "") -> Study:
    """A copy of ``study`` with the team's sponsor focus on a segment set (M-6)."""
    key = segment.strip()
    if "=" not in key:
        raise InputError(
            f"Ключ сегмента «{key}» не похож на «признак=значение».",
            hint="выберите сегмент из таблицы приоритетов.",
        )
    feature_id = key.split("=", 1)[0]
    if feature_id not in {f.id for f in study.features}:
        raise NotFound(f"Признак «{feature_id}» не найден в исследовании.")
    updated = study.model_copy(deep=True)
    for note in updated.segment_notes:
        if note.segment == key:
            note.sponsor_focus = sponsor_focus
            note.reason = reason.strip()
            return updated
    updated.segment_notes.append(
        SegmentNote(segment=key, sponsor_focus=sponsor_focus, reason=reason.strip())
    )
    return updated


def priority_quadrant_svg(profile: Profile, study: Study) -> str | None:
    """The importance × performance chart of a profile as inline SVG (None if nothing to draw)."""
    chart = priority_quadrant(profile, min_cell=study.segmentation.min_cell)
    return None if chart is None else to_svg(chart)


@dataclass(frozen=True)
class ResearchPlanResult:
    """M-8: what the research needs: survey sizes, interview recruits, interview guides."""

    sample_sizes: list[SampleSize]
    recruitment: Recruitment
    guides: list[InterviewGuide]
    suggested_hypotheses: list[Hypothesis]


def research_plan(
    study: Study,
    data_dir: str | Path,
    *,
    profile: Profile | None = None,
    per_segment: int = 1,
    progress: Progress | None = None,
    home: str | Path | None = None,
    key: StudyKey | None = None,
) -> ResearchPlanResult:
    """Plan the research (M-8) from the profile: survey sample sizes per segment (with FPC),
    interview respondents covering every segment (greedy set cover over pseudonymised client
    records, per-person limit respected), interview guides, and hypotheses suggested from the
    data (M-7) for the team to accept or reject.
    """
    report = progress or _no_progress
    if profile is None:
        profile = profile_study(
            study, data_dir, progress=lambda f, m: report(0.6 * f, m), home=home, key=key
        )
    source = study.client_records()
    if source is None or source.id_column is None:
        raise InputError(
            "Для подбора респондентов нужен столбец с псевдонимом клиента.",
            hint="укажите id_column у источника данных о клиентах (kind: client_records).",
        )
    report(0.65, "Объём выборки опроса")
    # What the plan shows passes disclosure control: segments the profile hides have no
    # sample size, no quota and no respondent listed with their membership.
    shown = shown_keys(suppress(profile, study))
    min_cell = study.segmentation.min_cell
    sizes = protect_sample_sizes(survey_sample_sizes(study, profile), shown, min_cell)
    eng = Engine.duckdb()
    try:
        records = open_data_source(eng, study, source, data_dir, home=home, key=key)
        records.require_columns([(source.id_column, "псевдоним клиента (id_column)")])
        report(0.75, "Подбор респондентов")
        pool = draw_candidates(
            study,
            records,
            id_column=source.id_column,
            max_interviews_per_person=study.research.max_interviews_per_person,
            seed=study.segmentation.random_state,
        )
        quotas = {k: pool.labels.get(k, k) for k in (pool.in_data or pool.segments) if k in shown}
        recruitment = protect_recruitment(
            recruit_respondents(
                pool,
                per_segment=per_segment,
                max_interviews_per_person=study.research.max_interviews_per_person,
                required=quotas,
            ),
            shown,
        )
        report(0.9, "Гипотезы из данных")
        refusal, duration = outcome_features(study)
        outcomes = segment_outcomes(
            study,
            records,
            refusal_column=refusal.column if refusal else None,
            duration_column=duration.column if duration else None,
        )
        suggested = [
            h
            for h in suggest_hypotheses(study, profile, outcomes=outcomes)
            if all(part in shown for key in h.segments for part in key.split("&"))
        ]
    finally:
        eng.close()
    guides = interview_guides(study)
    report(1.0, "Готово")
    return ResearchPlanResult(
        sample_sizes=sizes,
        recruitment=recruitment,
        guides=guides,
        suggested_hypotheses=suggested,
    )


def recruitment_csv(recruitment: Recruitment, shown: frozenset[str] | None = None) -> bytes:
    """The recruited respondents with the quotas each meets, as CSV for Excel (UTF-8 BOM, ;).

    ``shown``: the segment keys the profile shows (:func:`published_profile`); memberships
    in any other segment are dropped. A plan from :func:`research_plan` is already protected.
    """
    if shown is not None:
        recruitment = protect_recruitment(recruitment, shown)
    frame = recruitment_frame(recruitment)
    text: str = frame.to_csv(sep=";", index=False)
    return ("\ufeff" + text).encode("utf-8")


JOURNEY_FORMATS = ("csv", "bpmn")


def export_journeys(study: Study, fmt: str) -> bytes:
    """The study's journeys as CSV (one row a step) or BPMN 2.0 XML (M-12 exchange)."""
    if fmt == "csv":
        return journeys_to_csv(study.journeys)
    if fmt == "bpmn":
        return journeys_to_bpmn(study.journeys, study).encode("utf-8")
    raise InputError(
        f"Неизвестный формат путей «{fmt}».",
        hint=f"выберите один из: {', '.join(JOURNEY_FORMATS)}.",
    )


@dataclass(frozen=True)
class JourneyImport:
    """Journeys read from a file, their texts masked, and the study with them."""

    study: Study  # a copy with the journeys (not stored by this function)
    journeys: int
    masked: dict[str, int]  # masking.KINDS → how many were masked in the step texts

    @property
    def masked_summary(self) -> str:
        """«замаскировано: 1 телефон» or «персональных данных не найдено»."""
        return masking.describe_masked(self.masked)


# The free texts of a step (names of steps, channels, documents, what staff do…): a file may carry
# a client's name or number in any of them. Ids, roles, problem ids and numbers are no texts.
_STEP_TEXTS = (
    "title",
    "channel",
    "physical_evidence",
    "front_stage",
    "back_stage",
    "support_processes",
)
_STEP_LISTS = ("documents", "data_obtained")


def _mask_journeys(journeys: list[Journey]) -> tuple[list[Journey], dict[str, int]]:
    """The journeys with personal data masked in every free text, and what was masked."""
    total = masking.add_counts()
    out = []
    for journey in journeys:
        title = masking.mask_personal_data(journey.title)
        total = masking.add_counts(total, title.counts)
        steps = []
        for step in journey.steps:
            changes: dict[str, Any] = {}
            for name in _STEP_TEXTS:
                masked = masking.mask_personal_data(getattr(step, name))
                total = masking.add_counts(total, masked.counts)
                changes[name] = masked.text
            for name in _STEP_LISTS:
                items, counts = masking.mask_texts(getattr(step, name))
                total = masking.add_counts(total, counts)
                changes[name] = items
            steps.append(step.model_copy(update=changes))
        out.append(journey.model_copy(update={"title": title.text, "steps": steps}))
    return out, total


def import_journeys(study: Study, data: bytes, fmt: str, *, source: str) -> JourneyImport:
    """A copy of ``study`` with journeys from CSV or BPMN: same ids replaced, new ones added.

    Personal data in the steps' free texts is masked before the journeys join the study.
    """
    if fmt == "csv":
        incoming = journeys_from_csv(data, study=study, source=source)
    elif fmt == "bpmn":
        incoming = journeys_from_bpmn(data, source=source)
    else:
        raise InputError(
            f"Неизвестный формат путей «{fmt}».",
            hint=f"выберите один из: {', '.join(JOURNEY_FORMATS)}.",
        )
    incoming, masked = _mask_journeys(incoming)
    updated = study.model_copy(deep=True)
    by_id = {j.id: i for i, j in enumerate(updated.journeys)}
    for journey in incoming:
        if journey.id in by_id:
            updated.journeys[by_id[journey.id]] = journey
        else:
            updated.journeys.append(journey)
    return JourneyImport(
        study=spec_yaml.study_from_data(spec_yaml.study_to_data(updated), source=source),
        journeys=len(incoming),
        masked=masked,
    )


# --- M-7, M-9, M-11: the team's decisions on hypotheses and recommendations ----------------------
# The web app calls these; each returns a changed copy that the caller stores as a new revision,
# whose author and time are the record of the decision (M-10).


def _hypothesis_status(status: str) -> HypothesisStatus:
    try:
        return HypothesisStatus(status)
    except ValueError:
        known = ", ".join(s.value for s in HypothesisStatus if s is not HypothesisStatus.suggested)
        raise InputError(
            f"Неизвестный статус гипотезы «{status}».", hint=f"выберите один из: {known}."
        ) from None


def set_hypothesis_status(study: Study, hypothesis_id: str, status: str, reason: str) -> Study:
    """A copy of ``study`` with a hypothesis's status and verdict reason set (M-9).

    A verdict (confirmed, refuted, not enough data) needs a reason; «suggested» is not a status
    a person sets.
    """
    new_status = _hypothesis_status(status)
    if new_status is HypothesisStatus.suggested:
        raise InputError(
            "Статус «предложена» ставит только программа.",
            hint="выберите «открыта», «подтверждена», «опровергнута» или «недостаточно данных».",
        )
    text = reason.strip()
    if new_status is not HypothesisStatus.open and not text:
        raise InputError(
            "Для вердикта по гипотезе нужна причина.",
            hint="напишите, на каких данных основан вердикт.",
        )
    updated = study.model_copy(deep=True)
    for hyp in updated.hypotheses:
        if hyp.id == hypothesis_id:
            hyp.status = new_status
            hyp.verdict_reason = text
            return updated
    raise NotFound(f"Гипотеза «{hypothesis_id}» не найдена в исследовании.")


def _pick(suggestions: list[Hypothesis], ids: Collection[str]) -> list[Hypothesis]:
    by_id = {h.id: h for h in suggestions}
    unknown = [i for i in ids if i not in by_id]
    if unknown:
        raise NotFound(
            f"Среди предложенных гипотез нет: {', '.join(unknown)}.",
            hint="обновите страницу: предложения пересчитываются по последнему профилю.",
        )
    return [by_id[i] for i in dict.fromkeys(ids)]


def accept_suggested_hypotheses(study: Study, profile: Profile, ids: Collection[str]) -> Study:
    """A copy of ``study`` with the chosen suggestions (M-7) added as ``open`` hypotheses."""
    chosen = _pick(suggest_hypotheses(study, profile), ids)
    updated = study.model_copy(deep=True)
    updated.hypotheses.extend(
        h.model_copy(update={"status": HypothesisStatus.open}) for h in chosen
    )
    return updated


def reject_suggested_hypotheses(
    study: Study, profile: Profile, ids: Collection[str], reason: str = ""
) -> Study:
    """A copy of ``study`` keeping the chosen suggestions as refuted by the team.

    The study has no separate list of rejections, so a rejected suggestion is kept as a refuted
    hypothesis with the reason: it is never suggested again and the decision stays visible.
    """
    chosen = _pick(suggest_hypotheses(study, profile), ids)
    why = "Отклонена командой при разборе предложений" + (
        f": {reason.strip()}" if reason.strip() else "."
    )
    updated = study.model_copy(deep=True)
    updated.hypotheses.extend(
        h.model_copy(update={"status": HypothesisStatus.refuted, "verdict_reason": why})
        for h in chosen
    )
    return updated


def suggested_recommendations(study: Study, profile: Profile | None = None) -> list[Recommendation]:
    """Recommendations suggested for the confirmed problems (M-11), labelled by the profile."""
    labels = known_segments(profile) if profile is not None else None
    return suggest_recommendations(study, segment_labels=labels)


def accept_recommendations(
    study: Study, ids: Collection[str], profile: Profile | None = None
) -> Study:
    """A copy of ``study`` with the chosen suggested recommendations (M-11) added."""
    by_id = {r.id: r for r in suggested_recommendations(study, profile)}
    unknown = [i for i in ids if i not in by_id]
    if unknown:
        raise NotFound(
            f"Среди предложенных рекомендаций нет: {', '.join(unknown)}.",
            hint="обновите страницу: предложения пересчитываются по текущей редакции.",
        )
    updated = study.model_copy(deep=True)
    updated.recommendations.extend(by_id[i] for i in dict.fromkeys(ids))
    return updated


REPORT_FORMATS: dict[str, tuple[str, str]] = {
    "docx": ("application/vnd.openxmlformats-officedocument.wordprocessingml.document", "docx"),
    "xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "xlsx"),
    "html": ("text/html; charset=utf-8", "html"),
    "pdf": ("application/pdf", "pdf"),
}


def render_report(
    profile: Profile,
    study: Study,
    fmt: str,
    *,
    template: bytes | None = None,
    unsuppressed: bool = False,
) -> bytes:
    """The filled profile (M-13) as DOCX, XLSX, HTML or PDF, all from one report model.

    Small groups are hidden (``analysis.suppression``) unless ``unsuppressed``: an owner's
    explicit request for this one output, which then says so on every page. ``template``: a
    body's own ``.docx`` with docxtpl placeholders, filled instead of the standard layout
    (DOCX only).
    """
    from segprofile.report.build import build_report

    if fmt not in REPORT_FORMATS:
        raise InputError(
            f"Неизвестный формат отчёта «{fmt}».",
            hint="выберите один из: " + ", ".join(REPORT_FORMATS) + ".",
        )
    if template is not None and fmt != "docx":
        raise InputError(
            "Шаблон применяется только к отчёту DOCX.", hint="уберите шаблон или выберите docx."
        )
    report = build_report(
        profile, study, figures=fmt != "xlsx" and template is None, unsuppressed=unsuppressed
    )
    if fmt == "docx":
        from segprofile.report.docx import render_docx, render_docx_template

        if template is not None:
            return render_docx_template(report, template)
        return render_docx(report)
    if fmt == "xlsx":
        from segprofile.report.xlsx import render_xlsx

        return render_xlsx(report)
    from segprofile.report.pdf import render_html, render_pdf

    if fmt == "html":
        return render_html(report).encode("utf-8")
    return render_pdf(report)


def _complaint_topics(
    study: Study,
    eng: Engine,
    records: SourceTable,
    data_dir: Path,
    by_feature: ByFeatureResult,
    id_column: str | None,
    features: list[Feature],
    files: list[DataFile],
    home: str | Path | None,
    key: StudyKey | None,
) -> tuple[ComplaintUniqueness | None, str | None]:
    """Problem uniqueness from the complaints' topics, before research confirms problems.

    Needs a complaints source with a text column and the records' client id in it; when the
    complaints cannot be used, the profile says why in a warning and goes on without them.
    """
    source = next((d for d in study.data_sources if d.kind is DataSourceKind.complaints), None)
    if source is None:
        return None, None
    lead = f"Уникальность проблем по жалобам («{source.id}») не оценена"
    records_source = study.client_records().id  # type: ignore[union-attr]
    if id_column is None:
        return None, f"{lead}: у данных о клиентах нет столбца идентификатора (id_column)."
    try:
        complaints = open_data_source(eng, study, source, data_dir, home=home, key=key)
    except InputError as exc:
        return None, f"{lead}: {exc.message}"
    text_column = complaint_text_column(source, complaints.columns)
    if text_column is None:
        return None, (f"{lead}: не найден столбец текста — отметьте его в columns как use: text.")
    if id_column not in complaints.columns:
        return None, (
            f"{lead}: в жалобах нет столбца «{id_column}», по которому они связываются с "
            "заявлениями."
        )
    try:
        result = complaint_uniqueness(
            study,
            records.table,
            complaints.table,
            text_column=text_column,
            author_column=id_column,
            records_id=id_column,
            features=[f for f in features if f.data_source in (None, records_source)],
            edges=by_feature.edges,
            random_state=study.segmentation.random_state,
            labels=[t for t in study.topic_labels if t.source == source.id],
        )
    except InputError as exc:
        return None, f"{lead}: {exc.message}"
    files.append(
        DataFile(
            source_id=source.id,
            path=source.path,
            rows=complaints.count(),
            sha256=complaints.fingerprint(),
            version=complaints.version,
        )
    )
    return result, None


def _linked_sources(
    study: Study,
    eng: Engine,
    data_dir: Path,
    id_column: str | None,
    complaints: ComplaintUniqueness | None,
    files: list[DataFile],
    home: str | Path | None,
    key: StudyKey | None,
) -> tuple[LinkedSources | None, list[str]]:
    """The survey (with questions mapped to hypotheses) and the complaints, opened for the
    clusters' personas; a source that cannot be opened is left out with a warning."""
    if not study.segmentation.clustering.enabled or id_column is None:
        return None, []
    wanted = {
        DataSourceKind.survey: next(
            (d for d in study.data_sources if d.kind is DataSourceKind.survey and d.questions),
            None,
        ),
        DataSourceKind.complaints: next(
            (d for d in study.data_sources if d.kind is DataSourceKind.complaints), None
        ),
        # Interview notes as a table (a text per row, with the client's id); notes kept as
        # TXT or DOCX files are imported as quotes instead (M-9).
        DataSourceKind.interviews: next(
            (
                d
                for d in study.data_sources
                if d.kind is DataSourceKind.interviews
                and d.format is not DataFormat.text
                and Path(d.path).suffix.lower() not in (".txt", ".docx", ".doc")
            ),
            None,
        ),
    }
    opened: dict[DataSourceKind, tuple[SourceTable, DataSource]] = {}
    warnings: list[str] = []
    for kind, source in wanted.items():
        if source is None:
            continue
        try:
            table = open_data_source(eng, study, source, data_dir, home=home, key=key)
        except NotFound:
            warnings.append(
                f"Источник «{source.title or source.id}» не вошёл в портреты кластеров: его "
                "данные ещё не загружены. Загрузите файл на странице данных исследования."
            )
            continue
        except InputError as exc:
            warnings.append(
                f"Источник «{source.title or source.id}» не вошёл в портреты кластеров: "
                f"{exc.message}"
            )
            continue
        opened[kind] = (table, source)
        if all(f.source_id != source.id for f in files):
            files.append(
                DataFile(
                    source_id=source.id,
                    path=source.path,
                    rows=table.count(),
                    sha256=table.fingerprint(),
                    version=table.version,
                )
            )
    linked = LinkedSources(
        records_id=id_column,
        survey=opened.get(DataSourceKind.survey),
        complaints=opened.get(DataSourceKind.complaints),
        interviews=opened.get(DataSourceKind.interviews),
        complaint_topics=complaints.model.n_topics if complaints is not None else None,
    )
    return linked, warnings


def _ids_unique(table: SourceTable, id_column: str) -> bool:
    """Whether every row of the table has its own client id (one aggregate in the engine)."""
    t = table.table
    row = execute(t.aggregate(rows=t.count(), ids=t[id_column].nunique()))
    record = row.to_dict("records")[0]
    return int(record["rows"]) == int(record["ids"])


def profile_to_json(profile: Profile) -> str:
    """The profile as JSON, as it is (publish it first: :func:`published_profile`)."""
    return profile.model_dump_json(indent=2)


def hidden_segments(profile: Profile) -> frozenset[str]:
    """Keys of the segments and clusters a published profile hides."""
    return hidden_keys(profile)


def hidden_reason_text(reason: Hidden | None, min_cell: int) -> str:
    """What a hidden number reads as («скрыто: меньше 5», «мало оценок»…)."""
    return hidden_text(reason, min_cell)


def published_profile(profile: Profile, study: Study) -> Profile:
    """The profile every output shows: small groups hidden (``analysis.suppression``)."""
    return suppress(profile, study)


def published_profile_json(text: str, study: Study, *, raw: bool = False) -> str:
    """A stored profile's JSON for a download: published, or — ``raw``, an owner's explicit
    request for one output — unsuppressed and marked so in ``disclosure``."""
    profile = profile_from_json(text)
    return profile_to_json(unsuppressed(profile, study) if raw else suppress(profile, study))


def profile_from_json(text: str) -> Profile:
    return Profile.model_validate_json(text)


# --- Data in -----------------------------------------------------------------------------------
# The web upload page calls these in order: inspect_file (preview, inferred types, personal-data
# findings to confirm, quality) → the user's decisions saved in DataSource.columns →
# import_dataset. ``home`` defaults to $SEGPROFILE_HOME.


def _source(study: Study, source_id: str) -> DataSource:
    for source in study.data_sources:
        if source.id == source_id:
            return source
    known = ", ".join(s.id for s in study.data_sources) or "нет ни одного"
    raise NotFound(
        f"В исследовании «{study.id}» нет источника данных «{source_id}».",
        hint=f"источники исследования: {known}.",
    )


def inspect_file(
    location: str | Path,
    *,
    options: ReadOptions | None = None,
    study: Study | None = None,
    source_id: str | None = None,
    overrides: dict[str, ColumnOverride] | None = None,
    home: str | Path | None = None,
) -> Inspection:
    """Preview a file or database table before import: types, personal data, quality.

    With ``study`` and ``source_id`` the source's saved column decisions are applied.
    """
    decisions: dict[str, ColumnOverride] = {}
    id_column = None
    if study is not None and source_id is not None:
        source = _source(study, source_id)
        decisions.update(source.columns)
        id_column = source.id_column
    decisions.update(overrides or {})
    return datasets.inspect(
        location,
        home=Path(home) if home is not None else None,
        options=options,
        overrides=decisions,
        id_column=id_column,
    )


def import_dataset(
    location: str | Path,
    study: Study,
    source_id: str,
    *,
    author: str,
    options: ReadOptions | None = None,
    overrides: dict[str, ColumnOverride] | None = None,
    keep_reasons: dict[str, str] | None = None,
    delete_input: bool = False,
    home: str | Path | None = None,
    key: StudyKey | None = None,
) -> ImportResult:
    """Import a file as a new version of a study's data source (pseudonymised, audited).

    Pseudonyms use the study's key: ``key`` (default: named by the study's id, in the key store
    ``$SEGPROFILE_KEYS``, else beside the data directory — :func:`key_store_path`). An identifier
    kept as it is needs its reason in ``keep_reasons``. The input file is left in place unless
    ``delete_input`` (a copy staged by the caller).
    """
    root = _home(home)
    return datasets.import_data(
        location,
        study_id=study.id,
        source=_source(study, source_id),
        author=author,
        home=root,
        options=options,
        overrides=overrides,
        key=datasets.key_ref(root, study.id, key),
        keep_reasons=keep_reasons,
        delete_input=delete_input,
    )


def rotate_key(
    location: str | Path,
    study: Study,
    source_id: str,
    *,
    author: str,
    options: ReadOptions | None = None,
    keep_reasons: dict[str, str] | None = None,
    home: str | Path | None = None,
    key: StudyKey | None = None,
) -> ImportResult:
    """Give the study a new pseudonym key: the source's original file is imported again under
    it as a new version (audited as ``rotate_key``). The previous key is retired, not deleted:
    earlier versions stay readable and can still be re-identified."""
    root = _home(home)
    return datasets.import_data(
        location,
        study_id=study.id,
        source=_source(study, source_id),
        author=author,
        home=root,
        options=options,
        key=datasets.key_ref(root, study.id, key),
        keep_reasons=keep_reasons,
        rotate_key=True,
    )


# The column of the respondents CSV (recruitment_csv) that holds each respondent's pseudonym.
RESPONDENT_COLUMN = "Респондент"


def reidentify(
    location: str | Path,
    study: Study,
    source_id: str,
    *,
    respondents: str | Path,
    out: str | Path,
    user: str,
    options: ReadOptions | None = None,
    home: str | Path | None = None,
    key: StudyKey | None = None,
) -> datasets.Reidentification:
    """M-8 recruitment: the contacts of the respondents chosen by pseudonym, for the key holder.

    ``respondents`` is the research plan's respondents CSV (:func:`recruitment_csv`); its
    pseudonyms are matched against pseudonyms computed again over the body's original file
    (``location``) with the study's key, and the contact rows (the columns with personal data)
    of those found are written to ``out`` — a new file of the caller's choice; nothing raw is
    stored by segprofile. Audited (counts only).
    """
    root = _home(home)
    wanted = datasets.read_column(respondents, RESPONDENT_COLUMN, home=root)
    if not wanted:
        raise InputError(
            f"В файле {Path(respondents).name} нет ни одного респондента (столбец "
            f"«{RESPONDENT_COLUMN}» пуст).",
            hint="выгрузите файл респондентов из плана исследования заново.",
        )
    return datasets.reidentify(
        location,
        study_id=study.id,
        source=_source(study, source_id),
        wanted=set(wanted),
        out=Path(out),
        user=user,
        home=root,
        key=datasets.key_ref(root, study.id, key),
        options=options,
        respondent_column=RESPONDENT_COLUMN,
    )


def key_store_path(home: str | Path | None = None) -> Path:
    """Where the pseudonym keys live: ``$SEGPROFILE_KEYS``, else ``<data directory>-keys``."""
    return privacy.default_key_store(_home(home))


def retire_study_key(key: StudyKey) -> str | None:
    """Move a study's key aside (a new study takes over its name); the old key's id, if any."""
    return privacy.retire_key(key)


def list_dataset_versions(
    study_id: str, source_id: str, *, home: str | Path | None = None
) -> list[Manifest]:
    """Stored versions of a data source, oldest first."""
    return datasets.list_versions(_home(home), study_id, source_id)


def delete_dataset_version(
    study_id: str, source_id: str, version: int, *, user: str, home: str | Path | None = None
) -> None:
    """Delete one stored version on purpose (audited)."""
    datasets.delete_version(_home(home), study_id, source_id, version, user=user)


def open_data_source(
    engine: Engine,
    study: Study,
    source: DataSource,
    data_dir: str | Path,
    *,
    home: str | Path | None = None,
    key: StudyKey | None = None,
) -> SourceTable:
    """A source opened for analysis: its latest imported dataset version under ``home`` when
    there is one (``.version`` says which), otherwise the file at its ``path`` in ``data_dir``,
    with its personal data depersonalised on the fly as an import would (``key``: the study's
    pseudonym key, see :func:`import_dataset`)."""
    root = _home(home)
    if datasets.list_versions(root, study.id, source.id):
        return datasets.open_version(engine, root, study.id, source)
    return datasets.open_raw_source(engine, root, study.id, source, Path(data_dir), key)


def open_dataset(
    engine: Engine,
    study: Study,
    source_id: str,
    *,
    version: int | None = None,
    home: str | Path | None = None,
) -> SourceTable:
    """A stored version (latest by default) opened in the engine; ``.version`` and
    ``.fingerprint()`` identify it for provenance."""
    return datasets.open_version(engine, _home(home), study.id, _source(study, source_id), version)


def read_audit(
    *,
    study_id: str | None = None,
    source_id: str | None = None,
    home: str | Path | None = None,
) -> list[privacy.AuditRecord]:
    """The import audit trail (who, which file, what was done to which column)."""
    return privacy.read_audit(_home(home), study_id=study_id, source_id=source_id)


def _home(home: str | Path | None) -> Path:
    return Path(home).resolve() if home is not None else datasets.default_home()


# --- M-9: evidence from surveys, interviews, complaints ------------------------------------------
# ``segprofile research import-survey`` / ``import-interviews`` and the web research pages call
# these. Answers are read by the data layer's readers (CSV, XLSX, Parquet); personal data other
# than the join id is dropped before anything else sees it, and an id that is a real identifier
# (СНИЛС, phone…) is replaced by the pseudonym the data import would give it.


@dataclass(frozen=True)
class SurveyColumn:
    """A column of a survey file as the question → hypothesis form shows it."""

    name: str
    kind: str  # yes_no | scale | text | other
    values: list[str]  # a few distinct values (not for personal-data columns)
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


SURVEY_KIND_LABELS = {
    "yes_no": "да / нет",
    "scale": "шкала",
    "text": "свободный текст",
    "other": "другое",
}


def _survey_kind(dtype: str, values: list[object]) -> str:
    from segprofile.analysis.research import NO_WORDS, YES_WORDS

    present = [v for v in values if v is not None and str(v).strip() != ""]
    if dtype.upper() == "BOOLEAN":
        return "yes_no"
    if not present:
        return "other"
    texts = {str(v).strip().lower() for v in present}
    if texts <= (YES_WORDS | NO_WORDS):
        return "yes_no"
    if all(isinstance(v, int | float) and not isinstance(v, bool) for v in present):
        return "scale" if len(texts) > 2 else "yes_no"
    if any(isinstance(v, str) for v in present):
        return "text"
    return "other"


def survey_source(study: Study, source_id: str | None = None) -> DataSource | None:
    """The study's survey source: the one named, else the first with a question mapping, else
    the first survey source (``None`` when the study has none)."""
    if source_id is not None:
        source = _source(study, source_id)
        if source.kind is not DataSourceKind.survey:
            raise InputError(
                f"Источник «{source_id}» — не опрос (kind: {source.kind.value}).",
                hint="укажите источник с kind: survey.",
            )
        return source
    surveys = [d for d in study.data_sources if d.kind is DataSourceKind.survey]
    return next((d for d in surveys if d.questions), surveys[0] if surveys else None)


def _survey_version(
    study: Study,
    source: DataSource | None,
    *,
    version: int | None,
    id_column: str | None,
    home: str | Path | None,
) -> tuple[SurveyFile, Any]:
    """The answers of a stored survey version, as the mapping form and the analysis use them.

    The version went through the gate (:func:`import_dataset`): its personal data was dropped
    or pseudonymised as the user decided, so nothing here reads a raw file.
    """
    import pyarrow as pa
    import pyarrow.parquet as pq

    if source is None:
        raise InputError(
            "В исследовании нет источника опроса (kind: survey): ответы некуда загрузить.",
            hint="добавьте в data_sources источник с kind: survey и загрузите в него файл ответов.",
        )
    root = _home(home)
    manifest = datasets.get_version(root, study.id, source.id, version)
    table = pq.read_table(datasets.version_path(root, manifest))
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
    columns = []
    for column in table.schema:
        if column.name == wanted_id:
            continue
        values = [r.get(column.name) for r in sample]
        dtype = "BOOLEAN" if pa.types.is_boolean(column.type) else str(column.type)
        col_kind = _survey_kind(dtype, values)
        distinct = list(dict.fromkeys(str(v) for v in values if v is not None and str(v) != ""))
        columns.append(
            SurveyColumn(
                name=column.name,
                kind=col_kind,
                values=[] if col_kind == "text" else distinct[:6],
                answered=sum(1 for v in values if v is not None and str(v).strip() != ""),
            )
        )
    preview = []
    for row in sample[:8]:
        shown: dict[str, object] = {}
        for col, value in row.items():
            text = "" if value is None else str(value)
            shown[col] = text if len(text) <= 60 else text[:57] + "…"
        preview.append(shown)
    actions = {str(f.get("column")): str(f.get("action")) for f in manifest.pii}
    info = SurveyFile(
        name=manifest.file,
        format=manifest.file_format,
        rows=manifest.rows,
        columns=columns,
        preview=preview,
        dropped=[c for c, a in actions.items() if a == privacy.PiiAction.drop.value],
        pseudonymised=[c for c, a in actions.items() if a == privacy.PiiAction.pseudonymise.value],
        id_column=wanted_id,
        source_id=source.id,
        version=manifest.version,
        masked=dict(manifest.masked),
    )
    return info, table


def inspect_survey(
    study: Study,
    *,
    source_id: str | None = None,
    version: int | None = None,
    id_column: str | None = None,
    home: str | Path | None = None,
    key: StudyKey | None = None,
) -> SurveyFile:
    """A stored survey version for the mapping form: columns with their kind, a preview.

    The answers come in through the gate like every file (:func:`import_dataset` into the
    study's survey source); ``version`` defaults to the latest.
    """
    source = survey_source(study, source_id)
    info, _ = _survey_version(study, source, version=version, id_column=id_column, home=home)
    return info


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


@dataclass
class _Answers:
    table: Any
    rows: int

    def count(self) -> int:
        return self.rows


@dataclass(frozen=True)
class SurveyImport:
    """A survey checked against the hypotheses (M-9), and the study with its verdicts."""

    file: SurveyFile
    source: str
    questions: list[SurveyQuestion]
    analysis: SurveyAnalysis
    joined_by: str  # "id" | "features"
    orphaned: dict[str, list[str]]
    study: Study  # a copy with the verdicts and evidence applied (not stored by this function)


def import_survey(
    study: Study,
    data_dir: str | Path,
    location: str | Path | None = None,
    *,
    version: int | None = None,
    questions: list[SurveyQuestion] | None = None,
    source_id: str | None = None,
    id_column: str | None = None,
    by_features: bool = False,
    threshold: float | None = None,
    min_answers: int | None = None,
    alpha: float | None = None,
    profile: Profile | None = None,
    options: ReadOptions | None = None,
    name: str | None = None,
    author: str | None = None,
    home: str | Path | None = None,
    key: StudyKey | None = None,
) -> SurveyImport:
    """Check hypotheses against survey answers (M-9).

    The answers are a stored version of the study's survey source (``version``, default the
    latest). A file given as ``location`` goes through the gate first: it is imported with the
    source's saved decisions and the defaults (:func:`import_dataset`; the file itself is left
    as it is) as a new version, which is then read — no path reads a raw survey file.

    Answers are joined to the client records by the pseudonymised id (or, when there is no id
    or nothing matches, by the segment features present in the survey); each question mapped to
    a hypothesis gives per-segment shares with Wilson intervals, chi-square / Fisher tests with
    Benjamini–Hochberg adjustment and a verdict with its reason. Segments without respondents and
    hypotheses whose segments are gone are listed. The returned study is a copy with the verdicts
    and evidence applied; the caller decides whether to store it.

    Parameters
    ----------
    questions
        The mapping; default the survey source's ``questions`` in the study.
    source_id
        The study's survey source (mapping, id column, personal-data decisions).
    id_column
        The survey's id column (default the source's, else the records' id column if present).
    by_features
        Join by the feature columns of the survey even when it has an id.
    threshold, min_answers, alpha
        Verdict rules (defaults of :class:`~segprofile.analysis.research.VerdictRules`).
    profile
        The latest profile (segment labels, numeric cut points, coverage); built when absent.
    """
    import ibis

    from segprofile.analysis.by_feature import quantile_edges
    from segprofile.analysis.hypotheses import segments_without_feature
    from segprofile.analysis.research import (
        VerdictRules,
        analyse_survey,
        apply_survey_verdicts,
        link_survey,
        question_links,
    )

    source = survey_source(study, source_id)
    mapping = list(questions) if questions else list(source.questions if source else [])
    if not mapping:
        raise InputError(
            "Не задано, какие вопросы опроса проверяют какие гипотезы.",
            hint="передайте файл сопоставления (--mapping map.yaml: список question, "
            "hypothesis, support) или задайте questions у источника опроса в исследовании.",
        )
    known = {h.id for h in study.hypotheses}
    unknown = [q.hypothesis for q in mapping if q.hypothesis not in known]
    if unknown:
        raise InputError(
            "В сопоставлении вопросов есть гипотезы, которых нет в исследовании: "
            + ", ".join(f"«{u}»" for u in dict.fromkeys(unknown))
            + ".",
            hint="исправьте идентификаторы; гипотезы исследования: " + ", ".join(sorted(known)),
        )
    records_source = study.client_records()
    if records_source is None:
        raise InputError(
            "В исследовании нет источника данных о клиентах: ответы не с чем связать.",
            hint="добавьте в data_sources запись с kind: client_records.",
        )
    if source is None:
        raise InputError(
            "В исследовании нет источника опроса (kind: survey): ответы некуда загрузить.",
            hint="добавьте в data_sources источник с kind: survey.",
        )
    if location is not None:
        import getpass

        version = import_dataset(
            location,
            study,
            source.id,
            author=author or getpass.getuser(),
            options=options,
            home=home,
            key=key,
        ).manifest.version
    if profile is None:
        profile = profile_study(study, data_dir, home=home, key=key)
    info, answers = _survey_version(study, source, version=version, id_column=id_column, home=home)
    absent = [q.question for q in mapping if q.question not in answers.column_names]
    if absent:
        raise InputError(
            f"В ответах опроса {info.name} нет вопросов (столбцов): "
            + ", ".join(f"«{a}»" for a in dict.fromkeys(absent))
            + ".",
            hint="исправьте сопоставление вопросов и гипотез. Столбцы опроса: "
            + ", ".join(c.name for c in info.columns)
            + ".",
        )
    survey_name = name or info.name
    defaults = VerdictRules(confidence=study.research.confidence)
    rules = VerdictRules(
        threshold=threshold if threshold is not None else defaults.threshold,
        alpha=alpha if alpha is not None else defaults.alpha,
        min_answers=min_answers if min_answers is not None else defaults.min_answers,
        confidence=defaults.confidence,
    )
    eng = Engine.duckdb()
    try:
        records = open_data_source(eng, study, records_source, data_dir, home=home, key=key)
        table = ibis.memtable(answers)
        survey_id = None if by_features else info.id_column
        records_id = records_source.id_column
        if survey_id is not None and records_id is None:
            survey_id = None
        if survey_id is not None and records_id is not None:
            records.require_columns([(records_id, "псевдоним клиента (id_column)")])
            if records.legacy_pseudonyms:
                raise InputError(
                    f"Данные «{records_source.id}» загружены прежней версией segprofile: их "
                    "псевдонимы другого вида, и идентификаторы опроса с ними не совпадут.",
                    hint="загрузите файл клиентов заново (появится новая версия данных) и "
                    "повторите загрузку опроса — или свяжите ответы по признакам "
                    "(--by-features).",
                )
        edges = quantile_edges(study.segmented_features(), records.table)
        linked = link_survey(
            study,
            records,
            _Answers(table, info.rows),
            survey_id=survey_id,
            records_id=records_id if survey_id is not None else None,
            edges=edges,
            fallback_to_features=True,
        )
        analysis = analyse_survey(
            study,
            linked,
            question_links(mapping),
            rules=rules,
            universe=known_segments(profile),
            source=survey_name,
        )
    finally:
        eng.close()
    orphaned = segments_without_feature(study)
    for hid, keys in orphaned_hypotheses(study, profile).items():
        orphaned.setdefault(hid, [])
        orphaned[hid] += [k for k in keys if k not in orphaned[hid]]
    for hid, keys in orphaned.items():
        analysis.warnings.append(
            f"Гипотеза «{hid}» ссылается на сегменты, которых нет в профиле (признак удалён или "
            f"переименован): {', '.join(keys)}. Гипотеза сохранена и помечена как «осиротевшая»; "
            "исправьте её сегменты."
        )
    updated = apply_survey_verdicts(study, analysis, source=survey_name)
    # What the results page and CSV show: no share or test of fewer than min_cell answers.
    analysis.tests = protect_survey_tests(analysis.tests, study.segmentation.min_cell)
    if source is not None and questions:
        for data_source in updated.data_sources:
            if data_source.id == source.id:
                data_source.questions = list(mapping)
    return SurveyImport(
        file=info,
        source=survey_name,
        questions=mapping,
        analysis=analysis,
        joined_by=linked.joined_by,
        orphaned=orphaned,
        study=updated,
    )


def survey_results_csv(result: SurveyImport) -> bytes:
    """The survey's tests as CSV for Excel (UTF-8 BOM, «;»): one row per question × segment."""
    import csv
    import io

    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";")
    writer.writerow(
        [
            "Гипотеза",
            "Вопрос",
            "Сегмент",
            "Ответов",
            "В пользу гипотезы",
            "Доля",
            "Интервал от",
            "Интервал до",
            "Доля у остальных",
            "Тест",
            "p",
            "p с поправкой БХ",
            "Вердикт",
            "Причина",
        ]
    )

    def num(value: float | None) -> str:
        return "" if value is None else f"{value:.4f}".replace(".", ",")

    for x in protect_survey_tests(result.analysis.tests, result.study.segmentation.min_cell):
        writer.writerow(
            [
                x.hypothesis,
                x.question,
                x.label,
                x.n,
                x.yes,
                num(x.share),
                num(x.interval.low if x.interval else None),
                num(x.interval.high if x.interval else None),
                num(x.rest_share),
                {"chi2": "хи-квадрат", "fisher": "Фишер"}.get(x.test, ""),
                num(x.p_value),
                num(x.p_adjusted),
                x.status.value,
                x.reason,
            ]
        )
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


@dataclass(frozen=True)
class InterviewImport:
    """Interview notes imported (masked) and the quotes suggested for hypotheses."""

    notes: list[InterviewNote]
    suggestions: list[QuoteSuggestion]
    study: Study  # a copy with the suggested (unconfirmed) quotes added

    @property
    def masked(self) -> dict[str, int]:
        """What was masked in all the notes, by kind (masking.KINDS)."""
        return masking.add_counts(*(note.masked for note in self.notes))

    @property
    def masked_summary(self) -> str:
        """«замаскировано: 2 СНИЛС, 3 телефона» or «персональных данных не найдено»."""
        return masking.describe_masked(self.masked)


def describe_masked(counts: dict[str, int]) -> str:
    """«замаскировано: 2 СНИЛС, 3 телефона» or «персональных данных не найдено»."""
    return masking.describe_masked(counts)


def import_interviews(
    study: Study,
    files: Collection[tuple[str, bytes]],
    *,
    min_score: float = 0.15,
) -> InterviewImport:
    """Interview notes and transcripts (TXT, DOCX): masked on import, split into quotes, and
    quotes suggested as evidence for hypotheses by lemma overlap, unconfirmed (M-9).

    ``files`` are ``(file name, bytes)``; a file in an unknown encoding or format stops the
    import with an error naming it (nothing is added).
    """
    from segprofile.analysis.texts import import_note, suggest_quote_evidence

    if not files:
        raise InputError("Не выбрано ни одного файла интервью.", hint="загрузите TXT или DOCX.")
    if not study.hypotheses:
        raise InputError(
            "В исследовании нет гипотез: цитаты не к чему предложить.",
            hint="сначала добавьте гипотезы о потребностях и проблемах (M-7).",
        )
    notes = [import_note(name, data=data) for name, data in files]
    empty = [n.source for n in notes if not n.quotes]
    if empty:
        raise InputError(
            f"В файле {', '.join(empty)} нет текста.",
            hint="проверьте, что это заметки или расшифровка интервью, а не пустой файл.",
        )
    updated, added = suggest_quote_evidence(study, notes, min_score=min_score)
    return InterviewImport(notes=notes, suggestions=added, study=updated)


def confirm_quote(
    study: Study, hypothesis_id: str, index: int, quote: str, *, who: str, when: str
) -> Study:
    """A copy of ``study`` with a suggested quote confirmed as evidence (who and when noted)."""
    from segprofile.analysis.texts import confirm_quote as confirm

    return confirm(study, hypothesis_id, index, quote, who=who, when=when)


def reject_quote(study: Study, hypothesis_id: str, index: int, quote: str) -> Study:
    """A copy of ``study`` without a suggested quote."""
    from segprofile.analysis.texts import reject_quote as reject

    return reject(study, hypothesis_id, index, quote)


@dataclass(frozen=True)
class TextTopics:
    """Topics of complaints or open answers, from a study's data source."""

    source: str
    text_column: str
    feature: str | None  # feature label of the per-segment shares
    model: TopicModel
    text_columns: list[str]


def text_sources(study: Study) -> list[DataSource]:
    """Sources that may hold texts: complaints, surveys, interviews, other."""
    kinds = (
        DataSourceKind.complaints,
        DataSourceKind.survey,
        DataSourceKind.interviews,
        DataSourceKind.other,
    )
    return [d for d in study.data_sources if d.kind in kinds]


def text_topics(
    study: Study,
    data_dir: str | Path,
    *,
    source_id: str | None = None,
    text_column: str | None = None,
    feature_id: str | None = None,
    n_topics: int | None = None,
    limit: int = 20_000,
    home: str | Path | None = None,
    key: StudyKey | None = None,
) -> TextTopics:
    """Complaint or open-answer topics (lemmas → TF-IDF → NMF) with shares per segment.

    The texts' authors are joined to the client records by the records' id column when the
    text table has it; ``feature_id`` chooses the feature whose segments the shares are by.
    """
    from segprofile.analysis.texts import label_topics, mine_topics, texts_with_segments

    sources = text_sources(study)
    if source_id is None:
        if not sources:
            raise InputError(
                "В исследовании нет источника с текстами (жалобы, опрос, интервью).",
                hint="добавьте в data_sources источник kind: complaints с файлом жалоб.",
            )
        chosen = next((d for d in sources if d.kind is DataSourceKind.complaints), sources[0])
    else:
        chosen = _source(study, source_id)
    eng = Engine.duckdb()
    try:
        table = open_data_source(eng, study, chosen, data_dir, home=home, key=key)
        t = table.table
        strings = [c for c in t.columns if t[c].type().is_string()]
        if not strings:
            raise InputError(
                f"В файле {chosen.path} (источник «{chosen.id}») нет текстовых столбцов.",
                hint="выберите источник с жалобами или открытыми ответами.",
            )
        lengths = execute(
            t.limit(2000).aggregate(**{c: t[c].length().mean() for c in strings})
        ).to_dict("records")[0]
        ranked = sorted(strings, key=lambda c: -(float(lengths[c] or 0)))
        column = text_column or ranked[0]
        if column not in strings:
            raise InputError(
                f"В файле {chosen.path} нет текстового столбца «{column}».",
                hint="текстовые столбцы: " + ", ".join(ranked) + ".",
            )
        records_source = study.client_records()
        feature_label = None
        segments = None
        if feature_id is not None:
            feature = next((f for f in study.features if f.id == feature_id), None)
            if feature is None:
                raise InputError(
                    f"Признака «{feature_id}» нет в исследовании.",
                    hint="выберите признак из списка.",
                )
            rid = records_source.id_column if records_source is not None else None
            if records_source is None or rid is None or rid not in t.columns:
                raise InputError(
                    f"Тексты источника «{chosen.id}» нельзя связать с сегментами: в файле нет "
                    f"столбца идентификатора клиента{f' «{rid}»' if rid else ''}.",
                    hint="постройте темы без разбивки по сегментам или добавьте в файл "
                    "псевдоним клиента.",
                )
            records = open_data_source(eng, study, records_source, data_dir, home=home, key=key)
            texts, segments = texts_with_segments(
                study,
                records,
                t,
                text_column=column,
                id_column=rid,
                records_id=rid,
                feature_id=feature.id,
                limit=limit,
            )
            feature_label = feature.label
        else:
            frame = execute(t.select(text=t[column]).limit(limit))
            texts = [str(x) if x is not None else "" for x in frame["text"]]
    finally:
        eng.close()
    # Shares per segment of fewer than min_cell texts are not shown (disclosure control).
    model = protect_topics(
        label_topics(
            mine_topics(
                texts,
                segments=segments,
                n_topics=n_topics,
                random_state=study.segmentation.random_state,
                confidence=study.segmentation.confidence,
            ),
            [t for t in study.topic_labels if t.source == chosen.id],
            confidence=study.segmentation.confidence,
        ),
        study.segmentation.min_cell,
    )
    return TextTopics(
        source=chosen.id,
        text_column=column,
        feature=feature_label,
        model=model,
        text_columns=ranked,
    )


def _topic_source(study: Study, source_id: str) -> DataSource:
    source = _source(study, source_id)
    if source not in text_sources(study):
        raise InputError(
            f"Источник «{source_id}» не содержит текстов (жалоб, ответов опроса, интервью).",
            hint="выберите источник с текстами.",
        )
    return source


def _new_topic_label_id(study: Study) -> str:
    taken = {t.id for t in study.topic_labels}
    return next(f"topic{i}" for i in range(1, len(taken) + 2) if f"topic{i}" not in taken)


def _labels_of(study: Study, source_id: str, topics: list[list[str]]) -> list[TopicLabel]:
    """The saved names of ``source_id`` that any of ``topics`` (lemma lists) matches."""
    from segprofile.analysis.texts import TOPIC_MATCH

    def overlap(a: list[str], b: list[str]) -> float:
        return len(set(a) & set(b)) / len(set(a) | set(b)) if set(a) | set(b) else 0.0

    return [
        label
        for label in study.topic_labels
        if label.source == source_id
        and any(overlap(t, s) >= TOPIC_MATCH for t in topics for s in label.topics)
    ]


def set_topic_name(study: Study, source_id: str, topic: list[list[str]], name: str) -> Study:
    """A copy of ``study`` with a topic of ``source_id`` named by the team (caller saves it).

    ``topic`` is the topic as the page shows it: the main lemmas of each topic it is made of
    (``Topic.signatures``). A name already saved for it is replaced; an empty name removes the
    team's name (and so undoes a merge): the topic is named from its texts again.
    """
    _topic_source(study, source_id)
    topic = [list(words) for words in topic if words]
    if not topic:
        raise InputError("Не указана тема: нет её главных слов.", hint="обновите страницу.")
    updated = study.model_copy(deep=True)
    old = _labels_of(updated, source_id, topic)
    updated.topic_labels = [t for t in updated.topic_labels if t not in old]
    name = " ".join(name.split())
    if name:
        signatures = list(topic)
        for label in old:
            signatures += [s for s in label.topics if s not in signatures]
        updated.topic_labels.append(
            TopicLabel(
                id=old[0].id if old else _new_topic_label_id(updated),
                source=source_id,
                name=name,
                topics=signatures,
            )
        )
    return updated


def merge_topics(study: Study, source_id: str, topics: list[list[list[str]]], name: str) -> Study:
    """A copy of ``study`` where the team merged topics of ``source_id`` into one, named ``name``.

    ``topics``: each merged topic as its lemma lists (``Topic.signatures``), at least two. On
    every re-run the topics matching them are shown as one topic with this name.
    """
    if len(topics) < 2:
        raise InputError(
            "Для объединения отметьте хотя бы две темы.", hint="отметьте темы и повторите."
        )
    if not " ".join(name.split()):
        raise InputError(
            "Укажите название объединённой темы.", hint="впишите название и повторите."
        )
    return set_topic_name(study, source_id, [s for topic in topics for s in topic], name)


# --- M-4: portraits of clusters and segments ---------------------------------------------------


def segment_portrait(
    study: Study,
    data_dir: str | Path,
    segment_key: str,
    *,
    engine: Engine | None = None,
    home: str | Path | None = None,
    key: StudyKey | None = None,
) -> Portrait:
    """The portrait of a one-feature segment «признак=значение», with the team's edits applied."""
    source = study.client_records()
    if source is None:
        raise InputError(
            "В исследовании нет источника данных о клиентах.",
            hint="добавьте в data_sources запись с kind: client_records.",
        )
    eng = engine or connect()
    try:
        table = open_data_source(eng, study, source, data_dir, home=home, key=key)
        return build_segment_portrait(study, table, segment_key.strip())
    finally:
        if engine is None:
            eng.close()


def save_portrait_edit(
    study: Study,
    portrait: Portrait,
    *,
    name: str | None = None,
    persona: dict[str, str] | None = None,
    empathy_map: dict[str, str] | None = None,
) -> Study:
    """A copy of ``study`` with the team's edit of ``portrait`` stored (caller saves a revision).

    The edit is stored by the portrait's definition (its defining traits), so it survives a
    re-run that renumbers the clusters. An edit of the same definition is updated: the fields
    given replace the stored ones, the others are kept; empty texts clear a field.
    """
    edit = edit_from_portrait(portrait, name=name, persona=persona, empathy_map=empathy_map)
    updated = study.model_copy(deep=True)
    for stored in updated.segmentation.portraits:
        if stored.definition == edit.definition:
            stored.segment = edit.segment
            if name is not None:
                stored.name = name.strip() or None
            stored.persona = _merge_texts(stored.persona, persona)
            stored.empathy_map = _merge_texts(stored.empathy_map, empathy_map)
            return updated
    edit.name = (name.strip() or None) if name is not None else None
    edit.persona = _merge_texts({}, persona)
    edit.empathy_map = _merge_texts({}, empathy_map)
    updated.segmentation.portraits.append(edit)
    return updated


def _merge_texts(stored: dict[str, str], changes: dict[str, str] | None) -> dict[str, str]:
    merged = dict(stored)
    for key, text in (changes or {}).items():
        if text.strip():
            merged[key] = text.strip()
        else:
            merged.pop(key, None)
    return merged
