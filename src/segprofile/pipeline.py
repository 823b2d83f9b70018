"""The one Python API behind every face: the CLI builds on it, the web serves it, tests call it.

Everything here takes a :class:`~segprofile.model.Study` plus data locations and returns plain
results. Errors are :class:`~segprofile.errors.SegprofileError` subclasses with Russian
messages; the CLI and the web translate them (exit code, HTTP status).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Collection
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from segprofile import __version__
from segprofile.analysis.audience import blind_zones
from segprofile.analysis.baseline import survey_baseline
from segprofile.analysis.by_feature import segment_by_feature, total_satisfaction
from segprofile.analysis.hypotheses import (
    known_segments,
    outcome_features,
    segment_outcomes,
    suggest_hypotheses,
)
from segprofile.analysis.journeys import compare_journeys, suggest_recommendations
from segprofile.analysis.priority import prioritise
from segprofile.analysis.research import (
    draw_candidates,
    interview_guides,
    recruit_respondents,
    recruitment_frame,
    survey_sample_sizes,
)
from segprofile.analysis.rules import compile_rule, parse_rule
from segprofile.data import datasets, privacy
from segprofile.data.datasets import ImportResult, Inspection, Manifest
from segprofile.data.engine import Engine, SourceTable, connect, execute, open_source
from segprofile.data.readers import ReadOptions
from segprofile.errors import InputError, NotFound
from segprofile.model import spec_yaml
from segprofile.model.checks import Finding, check_study
from segprofile.model.results import (
    DataFile,
    InterviewGuide,
    Profile,
    Provenance,
    Recruitment,
    SampleSize,
)
from segprofile.model.study import (
    ColumnOverride,
    DataSource,
    DataSourceKind,
    Hypothesis,
    HypothesisStatus,
    Recommendation,
    SegmentNote,
    Study,
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
    "Manifest",
    "Progress",
    "ReadOptions",
    "RuleCount",
    "accept_recommendations",
    "accept_suggested_hypotheses",
    "check",
    "count_rule_matches",
    "delete_dataset_version",
    "dump_study",
    "example_study",
    "export_journeys",
    "generate_demo_data",
    "import_dataset",
    "import_journeys",
    "inspect_file",
    "list_dataset_versions",
    "list_examples",
    "load_study",
    "open_data_source",
    "open_dataset",
    "parse_study",
    "priority_quadrant_svg",
    "profile_css",
    "profile_from_json",
    "profile_study",
    "profile_to_json",
    "read_audit",
    "recruitment_csv",
    "reject_suggested_hypotheses",
    "render_profile_html",
    "research_plan",
    "set_eligibility_rule",
    "set_hypothesis_status",
    "set_segment_note",
    "study_from_data",
    "study_hash",
    "suggested_recommendations",
]


def _no_progress(fraction: float, message: str) -> None:
    """Default progress callback: ignore."""


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


# --- Profiles ----------------------------------------------------------------------------------


def profile_study(
    study: Study,
    data_dir: str | Path,
    *,
    progress: Progress | None = None,
    revision: int | None = None,
    engine: Engine | None = None,
    home: str | Path | None = None,
) -> Profile:
    """Build the profile: every feature's segments (M-5) with capacity and satisfaction.

    Reads the client records through Ibis on the engine (DuckDB by default); only aggregates
    come back to Python. Each source is read from its latest imported dataset version under
    ``home`` (see :func:`import_dataset`) when there is one, otherwise from its file in
    ``data_dir``; the version is recorded in the provenance.
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
        table = open_data_source(eng, study, source, data_dir, home=home)
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
            population = open_data_source(eng, study, pop_source, data_dir, home=home)
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
            survey = open_data_source(eng, study, survey_source, data_dir, home=home)
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
        report(0.95, "Приоритеты")
        priority = prioritise(study, by_feature.features, overall)
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
            warnings=by_feature.warnings + (audience.warnings if audience else []),
        )
    finally:
        if own_engine:
            eng.close()
    report(1.0, "Готово")
    return profile


@dataclass(frozen=True)
class RuleCount:
    """How many client records an eligibility rule selects."""

    matched: int
    total: int

    @property
    def share(self) -> float:
        return self.matched / self.total if self.total else 0.0


def count_rule_matches(study: Study, data_dir: str | Path, rule: str) -> RuleCount:
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
        table = open_source(eng, source, Path(data_dir))
        expr = compile_rule(rule, table.table)
        row = execute(
            table.table.aggregate(matched=expr.cast("int64").sum(), total=table.table.count())
        )
        record = row.to_dict("records")[0]
        return RuleCount(matched=int(record["matched"] or 0), total=int(record["total"]))
    finally:
        eng.close()


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
) -> ResearchPlanResult:
    """Plan the research (M-8) from the profile: survey sample sizes per segment (with FPC),
    interview respondents covering every segment (greedy set cover over pseudonymised client
    records, per-person limit respected), interview guides, and hypotheses suggested from the
    data (M-7) for the team to accept or reject.
    """
    report = progress or _no_progress
    if profile is None:
        profile = profile_study(study, data_dir, progress=lambda f, m: report(0.6 * f, m))
    source = study.client_records()
    if source is None or source.id_column is None:
        raise InputError(
            "Для подбора респондентов нужен столбец с псевдонимом клиента.",
            hint="укажите id_column у источника данных о клиентах (kind: client_records).",
        )
    report(0.65, "Объём выборки опроса")
    sizes = survey_sample_sizes(study, profile)
    eng = Engine.duckdb()
    try:
        records = open_source(eng, source, Path(data_dir))
        records.require_columns([(source.id_column, "псевдоним клиента (id_column)")])
        report(0.75, "Подбор респондентов")
        pool = draw_candidates(
            study,
            records,
            id_column=source.id_column,
            max_interviews_per_person=study.research.max_interviews_per_person,
            seed=study.segmentation.random_state,
        )
        recruitment = recruit_respondents(
            pool,
            per_segment=per_segment,
            max_interviews_per_person=study.research.max_interviews_per_person,
        )
        report(0.9, "Гипотезы из данных")
        refusal, duration = outcome_features(study)
        outcomes = segment_outcomes(
            study,
            records,
            refusal_column=refusal.column if refusal else None,
            duration_column=duration.column if duration else None,
        )
        suggested = suggest_hypotheses(study, profile, outcomes=outcomes)
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


def recruitment_csv(recruitment: Recruitment) -> bytes:
    """The recruited respondents with the quotas each meets, as CSV for Excel (UTF-8 BOM, ;)."""
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


def import_journeys(study: Study, data: bytes, fmt: str, *, source: str) -> Study:
    """A copy of ``study`` with journeys from CSV or BPMN: same ids replaced, new ones added."""
    if fmt == "csv":
        incoming = journeys_from_csv(data, study=study, source=source)
    elif fmt == "bpmn":
        incoming = journeys_from_bpmn(data, source=source)
    else:
        raise InputError(
            f"Неизвестный формат путей «{fmt}».",
            hint=f"выберите один из: {', '.join(JOURNEY_FORMATS)}.",
        )
    updated = study.model_copy(deep=True)
    by_id = {j.id: i for i, j in enumerate(updated.journeys)}
    for journey in incoming:
        if journey.id in by_id:
            updated.journeys[by_id[journey.id]] = journey
        else:
            updated.journeys.append(journey)
    return spec_yaml.study_from_data(spec_yaml.study_to_data(updated), source=source)


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
    profile: Profile, study: Study, fmt: str, *, template: bytes | None = None
) -> bytes:
    """The filled profile (M-13) as DOCX, XLSX, HTML or PDF, all from one report model.

    Small segments are suppressed (with complementary suppression) unless the study sets
    ``segmentation.allow_small_cells``. ``template``: a body's own ``.docx`` with docxtpl
    placeholders, filled instead of the standard layout (DOCX only).
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
    report = build_report(profile, study, figures=fmt != "xlsx" and template is None)
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


def _ids_unique(table: SourceTable, id_column: str) -> bool:
    """Whether every row of the table has its own client id (one aggregate in the engine)."""
    t = table.table
    row = execute(t.aggregate(rows=t.count(), ids=t[id_column].nunique()))
    record = row.to_dict("records")[0]
    return int(record["rows"]) == int(record["ids"])


def profile_to_json(profile: Profile) -> str:
    return profile.model_dump_json(indent=2)


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
    keep_original: bool | None = None,
    home: str | Path | None = None,
) -> ImportResult:
    """Import a file as a new version of a study's data source (pseudonymised, audited)."""
    return datasets.import_data(
        location,
        study_id=study.id,
        source=_source(study, source_id),
        author=author,
        home=Path(home) if home is not None else None,
        options=options,
        overrides=overrides,
        keep_original=keep_original,
    )


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
) -> SourceTable:
    """A source opened for analysis: its latest imported dataset version under ``home`` when
    there is one (``.version`` says which), otherwise the file at its ``path`` in ``data_dir``."""
    root = _home(home)
    if datasets.list_versions(root, study.id, source.id):
        return datasets.open_version(engine, root, study.id, source)
    return open_source(engine, source, Path(data_dir))


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
