"""The profile (M-2…M-6): every feature's segments with capacity and satisfaction, the blind
zone, clusters and priorities; eligibility-rule counts and portraits."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import PurePath
from typing import TYPE_CHECKING

from segprofile import __version__
from segprofile.analysis.journeys import compare_journeys
from segprofile.errors import InputError, NotFound
from segprofile.model.results import (
    DataFile,
    NpsStats,
    Portrait,
    Profile,
    Provenance,
    SourceTopics,
)
from segprofile.model.study import (
    DataFormat,
    DataSource,
    DataSourceKind,
    Feature,
    Study,
)
from segprofile.pipeline.data_in import check_data_source, has_data, open_data_source
from segprofile.pipeline.documents import imported_columns, study_hash
from segprofile.pipeline.workspace import Progress, Workspace, _no_progress

if TYPE_CHECKING:
    from segprofile.analysis.by_feature import ByFeatureResult
    from segprofile.analysis.complaints import ComplaintUniqueness
    from segprofile.analysis.personas import LinkedSources
    from segprofile.data.engine import Engine, SourceTable

# The engine's functions (Ibis) and the analysis (SciPy, scikit-learn, numba) are imported
# where they are used: importing the pipeline — every command of the CLI does — stays light.


def profile_study(
    ws: Workspace,
    study: Study,
    *,
    progress: Progress | None = None,
    revision: int | None = None,
    personas: bool = True,
) -> Profile:
    """Build the profile: every feature's segments (M-5) with capacity and satisfaction.

    ``personas=False``: the clusters' personas leave out what the members' linked survey,
    complaints and interviews say (most of a small profile's time) — for callers that need the
    segments only, e.g. the survey import.

    Reads the client records through Ibis on the workspace's engine (DuckDB or Spark); only
    aggregates come back to Python. Each source is read from its latest imported dataset version
    when there is one, otherwise from its file in the workspace's ``data_dir``, depersonalised on
    the fly (:func:`~segprofile.pipeline.data_in.open_data_source`); the version is recorded in
    the provenance.
    """
    report = progress or _no_progress
    report(0.0, "Чтение данных")
    source = study.client_records()
    if source is None:
        raise InputError(
            "В исследовании нет источника данных о клиентах.",
            hint=(
                "загрузите данные о клиентах на странице «Данные» (в YAML исследования — "
                "источник с kind: client_records и путём к файлу)."
            ),
        )
    check_data_source(ws, study, source)  # before the engine starts: a wrong path fails at once
    with ws.connect() as eng:
        table = open_data_source(ws, eng, study, source)
        # The analysis is imported once the data is open.
        from segprofile.analysis.audience import blind_zones
        from segprofile.analysis.baseline import survey_baseline, survey_columns
        from segprofile.analysis.by_feature import (
            pair_counts,
            segment_by_feature,
            total_satisfaction,
        )
        from segprofile.analysis.clusters import cluster_profile
        from segprofile.analysis.nps import nps_profile
        from segprofile.analysis.priority import (
            PairCount,
            add_overlaps,
            has_confirmed_problems,
            overlap_pairs,
            prioritise,
        )
        from segprofile.analysis.suppression import blind_zones_hidden_by_audience

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
        if sat.nps_column is not None:
            table.require_columns([(sat.nps_column, "столбец вопроса NPS (оценки от 0 до 10)")])
        report(0.2, "Сегментация по признакам")

        def step(fraction: float, message: str) -> None:
            report(0.2 + 0.7 * fraction, message or "Сегментация по признакам")

        id_column = source.id_column if source.id_column in table.columns else None
        # One row a client (the usual export): distinct-client counts equal row counts, and the
        # costly distinct counts over the unpivoted codes are skipped.
        distinct = _distinct_ids(table, id_column) if id_column is not None else None
        rows = table.count()
        ids_unique = distinct is not None and distinct == rows
        by_feature = segment_by_feature(
            study, table, progress=step, id_column=None if ids_unique else id_column
        )
        if ids_unique:
            for fs in by_feature.features:
                for seg in fs.segments:
                    seg.clients = seg.capacity
        overall = total_satisfaction(study, table)
        nps = nps_profile(study, table, features, edges=by_feature.edges)
        if nps is not None:
            for fs in by_feature.features:
                for seg in fs.segments:
                    seg.nps = nps.by_segment.get(seg.key, NpsStats(n=0))
        files = [
            DataFile(
                source_id=source.id,
                path=table.file_name,
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
            population = open_data_source(ws, eng, study, pop_source)
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
                    path=population.file_name,
                    rows=population.count(),
                    sha256=population.fingerprint(),
                    version=population.version,
                )
            )
            break  # the first role with a population source: the applicants' audience
        survey_stats = None
        # The baseline's survey: the first whose rating or NPS question is marked, else the
        # first with answers to read — imported, or a file in the data folder not imported
        # (a survey of yes/no questions or a scale checks hypotheses, M-9: its answers per
        # segment are what the research plan has, M-8).
        surveys = [d for d in study.data_sources if d.kind is DataSourceKind.survey]
        survey_source = next((d for d in surveys if any(survey_columns(d))), None) or next(
            (d for d in surveys if has_data(ws, study, d)), None
        )
        if survey_source is not None:
            report(0.93, "Нулевой замер по опросу")
            survey = open_data_source(ws, eng, study, survey_source)
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
                    path=survey.file_name,
                    rows=survey.count(),
                    sha256=survey.fingerprint(),
                    version=survey.version,
                )
            )
        complaints, complaints_warning = None, None
        if not has_confirmed_problems(study):
            report(0.94, "Темы жалоб")
            complaints, complaints_warning = _complaint_topics(
                ws, study, eng, table, by_feature, id_column, features, files
            )
        report(0.945, "Кластеры")
        linked, linked_warnings = (
            _linked_sources(ws, study, eng, id_column, complaints, files)
            if personas
            else (None, [])
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
                    **({"nps_column": sat.nps_column} if sat.nps_column else {}),
                    "features": [f.id for f in features],
                },
                seed=study.segmentation.random_state,
                version=__version__,
                engine=eng.name,
                created_at=datetime.now(UTC),
            ),
            total_clients=rows,
            distinct_clients=distinct,
            satisfaction=overall,
            nps=nps.overall if nps is not None else None,
            by_feature=by_feature.features,
            cross=by_feature.cross,
            audience=audience,
            survey=survey_stats,
            journeys=journeys,
            survey_source=survey_source.id if survey_source is not None else None,
            warnings=by_feature.warnings
            + (nps.warnings if nps is not None else [])
            + (audience.warnings if audience else [])
            + [w for w in [complaints_warning] if w]
            + cluster_warnings,
            clusters=clusters,
        )
        report(0.95, "Приоритеты")
        priority = prioritise(
            study,
            profile.by_feature,
            overall,
            complaints=complaints,
            # Computed before the priority: what the published profile shows does not use it.
            hidden_blind_zones=blind_zones_hidden_by_audience(profile, study.segmentation.min_cell),
        )
        counts = pair_counts(study, table, overlap_pairs(priority), edges=by_feature.edges)
        add_overlaps(
            study, priority, profile.by_feature, {k: PairCount(**v) for k, v in counts.items()}
        )
        profile.priority = priority
        profile.warnings += priority.warnings
    report(0.99, "Темы свободных текстов")
    profile.topics, topic_warnings = _team_topics(ws, study)
    profile.warnings += topic_warnings
    report(1.0, "Готово")
    return profile


def _team_topics(ws: Workspace, study: Study) -> tuple[list[SourceTopics], list[str]]:
    """The topics of the free texts of every source whose topics the team named or merged,
    with the team's names (for the report's research section); a source whose topics cannot
    be found now is a warning, not a failed profile."""
    from segprofile.errors import SegprofileError
    from segprofile.pipeline.research import text_topics

    found: list[SourceTopics] = []
    warnings: list[str] = []
    for source_id in dict.fromkeys(label.source for label in study.topic_labels):
        try:
            result = text_topics(ws, study, source_id=source_id)
        except SegprofileError as exc:
            warnings.append(f"Темы текстов источника «{source_id}» не выделены: {exc}")
            continue
        found.append(
            SourceTopics(
                source=result.source,
                title=result.title,
                text_column=result.text_column,
                model=result.model,
            )
        )
    return found, warnings


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


def count_rule_matches(ws: Workspace, study: Study, rule: str) -> RuleCount:
    """Count the client records an eligibility rule selects (M-2: a live count while editing).

    Raises :class:`~segprofile.analysis.rules.RuleSyntaxError` (an ``InputError``) with the
    position and what was expected.
    """
    from segprofile.analysis.rules import check_rule, compile_rule
    from segprofile.analysis.suppression import live_count
    from segprofile.data.engine import execute

    source = study.client_records()
    if source is None:
        raise InputError(
            "В исследовании нет источника данных о клиентах.",
            hint=(
                "загрузите данные о клиентах на странице «Данные» (в YAML исследования — "
                "источник с kind: client_records)."
            ),
        )
    # Errors first, before any file is opened: against the imported columns when there are.
    check_rule(rule, imported_columns(ws, study).get(source.id))
    with ws.connect() as eng:
        table = open_data_source(ws, eng, study, source)
        expr = compile_rule(rule, table.table)
        row = execute(
            table.table.aggregate(matched=expr.cast("int64").sum(), total=table.table.count())
        )
        record = row.to_dict("records")[0]
    shown = live_count(
        int(record["matched"] or 0), int(record["total"]), study.segmentation.min_cell
    )
    return RuleCount(matched=shown.matched, total=shown.total, text=shown.text)


def _complaint_topics(
    ws: Workspace,
    study: Study,
    eng: Engine,
    records: SourceTable,
    by_feature: ByFeatureResult,
    id_column: str | None,
    features: list[Feature],
    files: list[DataFile],
) -> tuple[ComplaintUniqueness | None, str | None]:
    """Problem uniqueness from the complaints' topics, before research confirms problems.

    Needs a complaints source with a text column and the records' client id in it; when the
    complaints cannot be used, the profile says why in a warning and goes on without them.
    """
    source = next((d for d in study.data_sources if d.kind is DataSourceKind.complaints), None)
    if source is None:
        return None, None
    from segprofile.analysis.complaints import complaint_text_column, complaint_uniqueness

    lead = f"Уникальность проблем по жалобам («{source.id}») не оценена"
    records_source = study.client_records().id  # type: ignore[union-attr]
    if id_column is None:
        return None, f"{lead}: у данных о клиентах нет столбца идентификатора (id_column)."
    try:
        complaints = open_data_source(ws, eng, study, source)
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
            path=complaints.file_name,
            rows=complaints.count(),
            sha256=complaints.fingerprint(),
            version=complaints.version,
        )
    )
    return result, None


def _linked_sources(
    ws: Workspace,
    study: Study,
    eng: Engine,
    id_column: str | None,
    complaints: ComplaintUniqueness | None,
    files: list[DataFile],
) -> tuple[LinkedSources | None, list[str]]:
    """The survey (with questions mapped to hypotheses), the complaints and the interview
    notes kept as a table, opened for the clusters' personas; a source that cannot be opened
    is left out with a warning."""
    from segprofile.analysis.personas import LinkedSources

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
                and PurePath(d.path).suffix.lower() not in (".txt", ".docx", ".doc")
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
            table = open_data_source(ws, eng, study, source)
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
                    path=table.file_name,
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


def _distinct_ids(table: SourceTable, id_column: str) -> int:
    """How many different client ids the table has (one aggregate in the engine): as many as
    its rows when every row has its own client."""
    from segprofile.data.engine import execute

    t = table.table
    row = execute(t.aggregate(ids=t[id_column].nunique()))
    return int(row.to_dict("records")[0]["ids"])


def segment_labels(profile: Profile) -> dict[str, str]:
    """Every segment key of the profile (a feature's, a pair's, a cluster's) → its label."""
    from segprofile.analysis.hypotheses import known_segments

    return known_segments(profile)


def segment_portrait(ws: Workspace, study: Study, segment_key: str) -> Portrait:
    """The portrait of a one-feature segment «признак=значение», with the team's edits applied."""
    from segprofile.analysis.clusters import segment_portrait as build_segment_portrait

    source = study.client_records()
    if source is None:
        raise InputError(
            "В исследовании нет источника данных о клиентах.",
            hint=(
                "загрузите данные о клиентах на странице «Данные» (в YAML исследования — "
                "источник с kind: client_records)."
            ),
        )
    with ws.connect() as eng:
        table = open_data_source(ws, eng, study, source)
        return build_segment_portrait(study, table, segment_key.strip())
