"""Research (M-8) and evidence (M-9): the research plan, survey answers checked against the
hypotheses, interview notes, topics of complaints and open answers.

Answers are read from stored dataset versions — they came in through the gate like every file
(:func:`~segprofile.pipeline.data_in.import_dataset`): personal data other than the join id was
dropped, and an id that is a real identifier (СНИЛС, phone…) replaced by its pseudonym.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from segprofile.data import masking, surveys
from segprofile.data.readers import ReadOptions
from segprofile.data.surveys import (
    SurveyFile,
)
from segprofile.errors import InputError
from segprofile.model import format as fmt
from segprofile.model import labels
from segprofile.model.results import (
    InterviewGuide,
    InterviewNote,
    Profile,
    QuoteSuggestion,
    Recruitment,
    SampleSize,
    SurveyAnalysis,
    TopicModel,
)
from segprofile.model.study import (
    DataSource,
    DataSourceKind,
    Hypothesis,
    ResearchActivity,
    ResearchStatus,
    Respondent,
    RespondentStatus,
    Study,
    SurveyQuestion,
)
from segprofile.pipeline.data_in import import_dataset, open_data_source
from segprofile.pipeline.documents import find_source
from segprofile.pipeline.profile import profile_study, segment_labels
from segprofile.pipeline.workspace import Progress, Workspace, _no_progress


@dataclass(frozen=True)
class ResearchPlanResult:
    """M-8: what the research needs: survey sizes, interview recruits, interview guides."""

    sample_sizes: list[SampleSize]
    recruitment: Recruitment
    guides: list[InterviewGuide]
    suggested_hypotheses: list[Hypothesis]


def research_plan(
    ws: Workspace,
    study: Study,
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
    from segprofile.analysis.hypotheses import (
        outcome_features,
        segment_outcomes,
        suggest_hypotheses,
    )
    from segprofile.analysis.research.guides import interview_guides
    from segprofile.analysis.research.recruitment import draw_candidates, recruit_respondents
    from segprofile.analysis.research.sample_sizes import survey_sample_sizes
    from segprofile.analysis.suppression import (
        protect_recruitment,
        protect_sample_sizes,
        shown_keys,
        suppress,
    )

    report = progress or _no_progress
    # One engine for the profile (when not given) and the draw: Spark starts once.
    with ws.session() as ws:
        if profile is None:
            profile = profile_study(
                ws, study, progress=lambda f, m: report(0.6 * f, m), personas=False
            )
        source = study.client_records()
        if source is None or source.id_column is None:
            raise InputError(
                "Для подбора респондентов нужен столбец с псевдонимом клиента.",
                hint=(
                    "выберите «Столбец идентификатора клиента» в настройках сегментации на "
                    "странице исследования (кнопка «Изменить», блок «Клиенты») или при загрузке "
                    "данных о клиентах; в YAML исследования это поле id_column источника."
                ),
            )
        report(0.65, "Объём выборки опроса")
        # What the plan shows passes disclosure control: segments the profile hides have no
        # sample size, no quota and no respondent listed with their membership; a respondent
        # is named by the quotas they fill, never by a combination fewer than min_cell share.
        shown = shown_keys(suppress(profile, study))
        min_cell = study.segmentation.min_cell
        sizes = protect_sample_sizes(survey_sample_sizes(study, profile), shown, min_cell)
        with ws.connect() as eng:
            records = open_data_source(ws, eng, study, source)
            records.require_columns([(source.id_column, "псевдоним клиента (id_column)")])
            report(0.75, "Подбор респондентов")
            # The team's record counts: who asked not to be invited again is never proposed,
            # an interview held counts towards the per-person limit.
            people = [r for a in study.research.activities for r in a.respondents]
            held: dict[str, int] = {}
            for r in people:
                if r.status is RespondentStatus.interviewed:
                    held[r.id] = held.get(r.id, 0) + 1
            pool = draw_candidates(
                study,
                records,
                id_column=source.id_column,
                contact_columns=_pseudonymised_contacts(ws, study, source, records),
                exclude_ids=[r.id for r in people if r.status is RespondentStatus.opted_out],
                previous=held,
                max_interviews_per_person=study.research.max_interviews_per_person,
                seed=study.segmentation.random_state,
            )
            quotas = {
                k: pool.labels.get(k, k) for k in (pool.in_data or pool.segments) if k in shown
            }
            recruitment = protect_recruitment(
                recruit_respondents(
                    pool,
                    per_segment=per_segment,
                    max_interviews_per_person=study.research.max_interviews_per_person,
                    required=quotas,
                    min_cell=min_cell,
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
        guides = interview_guides(study, known=segment_labels(profile))
        report(1.0, "Готово")
        return ResearchPlanResult(
            sample_sizes=sizes,
            recruitment=recruitment,
            guides=guides,
            suggested_hypotheses=suggested,
        )


def _pseudonymised_contacts(
    ws: Workspace, study: Study, source: DataSource, records: Any
) -> list[str]:
    """The columns of the stored client records that hold a pseudonymised contact (phone,
    e-mail…) other than the client's id: an id whose records differ in one of them may stand
    for two people. None for records read from their file (no stored version)."""
    from segprofile.data import datasets

    if records.version is None:
        return []
    manifest = datasets.get_version(ws.home, study.id, source.id, records.version)
    return [
        str(c["name"])
        for c in manifest.columns
        if c.get("pii_action") == "pseudonymise" and c.get("name") != source.id_column
    ]


def readable_plan(plan: ResearchPlanResult) -> ResearchPlanResult:
    """A stored research plan as its readers may see it: a plan computed before respondents
    were checked against ``min_cell`` names each by the first of its quotas only
    (:func:`~segprofile.analysis.research.recruitment.checked_recruitment`)."""
    from dataclasses import replace

    from segprofile.analysis.research.recruitment import checked_recruitment

    return replace(plan, recruitment=checked_recruitment(plan.recruitment))


def recruitment_csv(recruitment: Recruitment, shown: frozenset[str] | None = None) -> bytes:
    """The recruited respondents with the quotas each meets, as CSV for Excel (UTF-8 BOM, ;).

    ``shown``: the segment keys the profile shows (:func:`published_profile`); memberships
    in any other segment are dropped. A plan from :func:`research_plan` is already protected.
    """
    from segprofile.analysis.research.recruitment import recruitment_frame
    from segprofile.analysis.suppression import protect_recruitment
    from segprofile.report.format import csv_bytes

    if shown is not None:
        recruitment = protect_recruitment(recruitment, shown)
    frame = recruitment_frame(recruitment)
    return csv_bytes(list(frame.columns), frame.itertuples(index=False, name=None))


def survey_source(study: Study, source_id: str | None = None) -> DataSource | None:
    """The study's survey source: the one named, else the first with a question mapping, else
    the first survey source (``None`` when the study has none)."""
    if source_id is not None:
        source = find_source(study, source_id)
        if source.kind is not DataSourceKind.survey:
            raise InputError(
                f"Источник «{source.title or source_id}» — не опрос, а «{labels.ru(source.kind)}».",
                hint="выберите источник ответов опроса.",
            )
        return source
    found = [d for d in study.data_sources if d.kind is DataSourceKind.survey]
    return next((d for d in found if d.questions), found[0] if found else None)


def _survey_version(
    ws: Workspace,
    study: Study,
    source: DataSource | None,
    *,
    version: int | None,
    id_column: str | None,
) -> tuple[SurveyFile, Any]:
    """The answers of a stored survey version, as the mapping form and the analysis use them."""
    if source is None:
        raise InputError(
            "В исследовании нет источника ответов опроса: ответы некуда загрузить.",
            hint=(
                "загрузите файл ответов опроса на странице «Данные» (в YAML исследования — "
                "источник с kind: survey)."
            ),
        )
    return surveys.read_survey_version(ws.home, study, source, version=version, id_column=id_column)


def inspect_survey(
    ws: Workspace,
    study: Study,
    *,
    source_id: str | None = None,
    version: int | None = None,
    id_column: str | None = None,
) -> SurveyFile:
    """A stored survey version for the mapping form: columns with their kind, a preview.

    The answers come in through the gate like every file (:func:`import_dataset` into the
    study's survey source); ``version`` defaults to the latest.
    """
    source = survey_source(study, source_id)
    info, _ = _survey_version(ws, study, source, version=version, id_column=id_column)
    return info


def survey_scale_columns(
    ws: Workspace,
    study: Study,
    columns: Sequence[str],
    *,
    source_id: str | None = None,
    version: int | None = None,
) -> list[surveys.ScaleColumn]:
    """The ``columns`` of a stored survey version answered in words on no known scale, with
    the labels to give points 1–5 (:func:`~segprofile.data.surveys.scale_columns`; a label
    fewer than ``min_cell`` respondents gave is counted, never named)."""
    source = survey_source(study, source_id)
    _, table = _survey_version(ws, study, source, version=version, id_column=None)
    if source is None:  # _survey_version refuses a study without a survey first
        raise InputError(
            "В исследовании нет опроса.", hint="загрузите ответы опроса на странице «Опрос»."
        )
    return surveys.scale_columns(
        table, columns, source.answer_points, min_cell=study.segmentation.min_cell
    )


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
    ws: Workspace,
    study: Study,
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
    keep_reasons: dict[str, str] | None = None,
) -> SurveyImport:
    """Check hypotheses against survey answers (M-9).

    The answers are a stored version of the study's survey source (``version``, default the
    latest). A file given as ``location`` goes through the gate first: it is imported with the
    source's saved decisions and the defaults (:func:`import_dataset`, a column kept as it is
    with its reason in ``keep_reasons``; the file itself is left as it is) as a new version,
    which is then read — no path reads a raw survey file.

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
        Verdict rules (defaults of :class:`~segprofile.analysis.research.survey.VerdictRules`).
    profile
        The latest profile (segment labels, numeric cut points, coverage); built when absent.
    """
    import ibis

    from segprofile.analysis.by_feature import quantile_edges
    from segprofile.analysis.hypotheses import known_segments
    from segprofile.analysis.research.survey import (
        VerdictRules,
        analyse_survey,
        apply_survey_verdicts,
        link_survey,
        question_links,
    )
    from segprofile.analysis.suppression import protect_survey_tests
    from segprofile.pipeline.decisions import orphaned_hypotheses

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
            hint=(
                "загрузите данные о клиентах на странице «Данные» (в YAML исследования — "
                "источник с kind: client_records)."
            ),
        )
    if source is None:
        raise InputError(
            "В исследовании нет источника ответов опроса: ответы некуда загрузить.",
            hint=(
                "загрузите файл ответов опроса на странице «Данные» (в YAML исследования — "
                "источник с kind: survey)."
            ),
        )
    if location is not None:
        import getpass

        version = import_dataset(
            ws,
            location,
            study,
            source.id,
            author=author or getpass.getuser(),
            options=options,
            keep_reasons=keep_reasons,
        ).manifest.version
    # One engine for the profile (when not given) and the linking: Spark starts once.
    with ws.session() as ws:
        if profile is None:  # the segments only: the personas' evidence is not used here
            profile = profile_study(ws, study, personas=False)
        info, answers = _survey_version(ws, study, source, version=version, id_column=id_column)
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
        # The evidence names the survey as the study does, never its file: it goes into reports.
        evidence_source = source.title if source is not None and source.title else "данные опроса"
        defaults = VerdictRules(confidence=study.research.confidence)
        rules = VerdictRules(
            threshold=threshold if threshold is not None else defaults.threshold,
            alpha=alpha if alpha is not None else defaults.alpha,
            min_answers=min_answers if min_answers is not None else defaults.min_answers,
            confidence=defaults.confidence,
        )
        with ws.connect() as eng:
            records = open_data_source(ws, eng, study, records_source)
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
                        "повторите загрузку опроса — или свяжите ответы по признакам сегментов "
                        "в опросе.",
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
                # The client's id when the survey has it, else any pseudonym it has.
                id_columns=[info.id_column] if info.id_column else info.pseudonymised,
            )
            analysis = analyse_survey(
                study,
                linked,
                question_links(mapping),
                rules=rules,
                universe=known_segments(profile),
                source=evidence_source,
                answer_points=source.answer_points,
            )
        orphaned = orphaned_hypotheses(study, profile)
        for hid, keys in orphaned.items():
            analysis.warnings.append(
                f"Гипотеза «{labels.hypothesis_name(study, hid)}» ссылается на сегменты, "
                "которых нет в профиле (признак удалён "
                f"или переименован): {', '.join(keys)}. Гипотеза сохранена и помечена как "
                "«осиротевшая»; исправьте её сегменты."
            )
        updated = apply_survey_verdicts(study, analysis, source=evidence_source)
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


def verdict_rules_text() -> list[str]:
    """The rules that turn survey answers into verdicts (M-9), in Russian, with the defaults."""
    from segprofile.analysis.research.survey import verdict_rules_text as rules_text

    return rules_text()


def survey_results_csv(result: SurveyImport) -> bytes:
    """The survey's tests as CSV for Excel (UTF-8 BOM, «;»): one row per question × segment."""
    from segprofile.analysis.suppression import protect_survey_tests
    from segprofile.report.format import csv_bytes

    header = [
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

    def num(value: float | None) -> str:
        return "" if value is None else fmt.number(value, 4)

    tests = protect_survey_tests(result.analysis.tests, result.study.segmentation.min_cell)
    return csv_bytes(
        header,
        (
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
            for x in tests
        ),
    )


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


@dataclass(frozen=True)
class TextTopics:
    """Topics of complaints or open answers, from a study's data source."""

    source: str
    text_column: str
    feature: str | None  # feature label of the per-segment shares
    model: TopicModel
    text_columns: list[str]  # the source's columns of free text, longest texts first
    title: str = ""  # the source as the analyst named it (its title, else its file)


def text_sources(study: Study) -> list[DataSource]:
    """Sources that may hold texts: complaints, surveys, interviews, other; then the client
    records, whose comment column (free text) is the clients' own words too."""
    kinds = (
        DataSourceKind.complaints,
        DataSourceKind.survey,
        DataSourceKind.interviews,
        DataSourceKind.other,
        DataSourceKind.client_records,
    )
    return sorted(
        (d for d in study.data_sources if d.kind in kinds), key=lambda d: kinds.index(d.kind)
    )


_NOT_TEXT = frozenset({"pseudonymise", "drop", "generalise"})


def text_columns(ws: Workspace, study: Study, source: DataSource, table: Any) -> list[str]:
    """The columns of ``source`` whose texts may be mined for topics: those its import took for
    free text or the analyst gave the use «текст для анализа» — never an identifier, a pseudonym
    or a dropped column. A source read from its file (no imported version yet) is judged by its
    values: string columns of phrases (three words and more on average).

    ``table`` is the source opened by :func:`open_data_source`."""
    from segprofile.data import datasets
    from segprofile.data.engine import execute

    t = table.table
    strings = [c for c in t.columns if t[c].type().is_string()]
    overrides = source.columns
    if table.version is not None:
        manifest = datasets.get_version(ws.home, study.id, source.id, table.version)
        found = [
            c["name"]
            for c in manifest.columns
            if c.get("pii_action") not in _NOT_TEXT and ("text" in (c.get("use"), c.get("type")))
        ]
    elif strings:
        spaces = execute(
            t.limit(2000).aggregate(
                **{c: (t[c].length() - t[c].replace(" ", "").length()).mean() for c in strings}
            )
        ).to_dict("records")[0]
        found = [c for c in strings if float(spaces[c] or 0) >= 2 and c != source.id_column]
    else:
        found = []
    out = []
    for name in strings:
        ov = overrides.get(name)
        if ov is not None and ov.pii in _NOT_TEXT:
            continue
        if (ov.use == "text") if ov is not None and ov.use else name in found:
            out.append(name)
    return out


def topic_source(study: Study, source_id: str | None = None) -> DataSource:
    """The source whose texts are mined for topics: the one named, else the complaints, else
    the first source of texts (:func:`text_sources`)."""
    if source_id is not None:
        return find_source(study, source_id)
    sources = text_sources(study)
    if not sources:
        raise InputError(
            "В исследовании нет источника с текстами (жалобы, опрос, интервью, комментарии "
            "в выгрузке клиентов).",
            hint=(
                "загрузите файл жалоб на странице «Данные» (в YAML исследования — "
                "источник с kind: complaints)."
            ),
        )
    return next((d for d in sources if d.kind is DataSourceKind.complaints), sources[0])


def _ranked_text_columns(ws: Workspace, study: Study, source: DataSource, table: Any) -> list[str]:
    """The source's columns of free text (:func:`text_columns`), longest texts first; none is
    an :class:`InputError`."""
    from segprofile.data.engine import execute

    texts_of = text_columns(ws, study, source, table)
    if not texts_of:
        raise InputError(
            f"В источнике «{source.title or source.id}» нет столбцов со свободным текстом.",
            hint="выберите источник с жалобами или открытыми ответами; у столбца ответов "
            "на странице «Данные» должно быть назначение «текст для анализа».",
        )
    t = table.table
    lengths = execute(
        t.limit(2000).aggregate(**{c: t[c].length().mean() for c in texts_of})
    ).to_dict("records")[0]
    return sorted(texts_of, key=lambda c: -(float(lengths[c] or 0)))


def topic_columns(ws: Workspace, study: Study, source_id: str | None = None) -> list[str]:
    """The columns of free text offered for topics in the source :func:`topic_source` picks,
    longest texts first (the first is the default); a source without one is an
    :class:`InputError`, one without data :class:`~segprofile.errors.NotFound`."""
    chosen = topic_source(study, source_id)
    with ws.connect() as eng:
        return _ranked_text_columns(ws, study, chosen, open_data_source(ws, eng, study, chosen))


def text_topics(
    ws: Workspace,
    study: Study,
    *,
    source_id: str | None = None,
    text_column: str | None = None,
    feature_id: str | None = None,
    n_topics: int | None = None,
    limit: int = 20_000,
) -> TextTopics:
    """Complaint or open-answer topics (lemmas → TF-IDF → NMF) with shares per segment.

    The texts' authors are joined to the client records by the records' id column when the
    text table has it; ``feature_id`` chooses the feature whose segments the shares are by.
    """
    from segprofile.analysis.suppression import protect_topics
    from segprofile.analysis.texts import (
        label_topics,
        mine_topics,
        texts_of,
        texts_with_segments,
    )
    from segprofile.data.engine import execute

    chosen = topic_source(study, source_id)
    with ws.connect() as eng:
        table = open_data_source(ws, eng, study, chosen)
        t = table.table
        ranked = _ranked_text_columns(ws, study, chosen, table)
        column = text_column or ranked[0]
        if column not in t.columns:
            raise InputError(
                f"В источнике «{chosen.title or chosen.id}» нет столбца «{column}».",
                hint="выберите один из столбцов с текстом: " + ", ".join(ranked) + ".",
            )
        if column not in ranked:
            raise InputError(
                f"Столбец «{column}» источника «{chosen.title or chosen.id}» — не свободный "
                "текст: темы ищутся только в текстах жалоб и открытых ответов.",
                hint="выберите один из столбцов с текстом: " + ", ".join(ranked) + ".",
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
                    f"Тексты источника «{chosen.title or chosen.id}» нельзя связать с "
                    "сегментами: в файле нет "
                    f"столбца идентификатора клиента{f' «{rid}»' if rid else ''}.",
                    hint="постройте темы без разбивки по сегментам или добавьте в файл "
                    "псевдоним клиента.",
                )
            records = open_data_source(ws, eng, study, records_source)
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
            texts = texts_of(frame["text"])
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
        title=chosen.title or chosen.path,
    )


# --- M-8: the team's record of the research: targets per segment, respondents, coverage ------


def research_segments(published: Profile) -> dict[str, str]:
    """The segments an activity may aim at: the one-feature segments the published profile
    shows (none hidden as too small, none of missing values, never the combined line of rare
    values — its people are in groups of fewer than ``min_cell``), key → «признак: сегмент»."""
    return {
        seg.key: f"{fs.label}: {seg.label}"
        for fs in published.by_feature
        for seg in fs.segments
        if not seg.hidden and not seg.missing_value and not labels.is_combined(seg.key)
    }


def mask_note(text: str) -> str:
    """A note about a respondent as it may be stored: personal data (names, phones, SNILS…)
    masked, whitespace tidied."""
    cleaned = text.strip()
    return masking.mask_personal_data(cleaned).text if cleaned else ""


def plan_respondents(
    recruitment: Recruitment, chosen: Collection[str], targets: Collection[str] = ()
) -> list[Respondent]:
    """The people ``chosen`` from the research plan's list, as respondents of an activity.

    Only pseudonyms the plan lists are accepted (the team never types an identifier, so no
    client value can enter the study this way). Each stands for the first of their segments the
    activity aims at (``targets``), else for their first segment, and counts for every segment
    the plan lists them with.
    """
    listed = {r.respondent_id: r for r in recruitment.respondents}
    unknown = [c for c in chosen if c not in listed]
    if unknown:
        raise InputError(
            f"Респондентов {len(unknown)} нет в рассчитанном плане исследования.",
            hint="выберите респондентов из списка плана; если план пересчитан, обновите страницу.",
        )
    out = []
    for pid in dict.fromkeys(chosen):
        person = listed[pid]
        aimed = [s for s in person.segments if s in targets]
        segment = (aimed or person.segments or ["—"])[0]
        out.append(Respondent(id=pid, segment=segment, segments=list(person.segments)))
    return out


@dataclass(frozen=True)
class SegmentCoverage:
    """One segment of an activity: the respondents it needs and where they stand."""

    key: str
    label: str
    target: int
    counts: dict[str, int]  # RespondentStatus value → respondents

    @property
    def interviewed(self) -> int:
        return self.counts.get(RespondentStatus.interviewed.value, 0)

    @property
    def short(self) -> int:
        """Interviews still missing to reach the target."""
        return max(0, self.target - self.interviewed)


@dataclass(frozen=True)
class ActivityCoverage:
    activity: ResearchActivity
    segments: list[SegmentCoverage]

    @property
    def target(self) -> int:
        return sum(s.target for s in self.segments) or self.activity.target_respondents

    @property
    def interviewed(self) -> int:
        return sum(1 for r in self.activity.respondents if r.status is RespondentStatus.interviewed)

    @property
    def segments_met(self) -> int:
        return sum(1 for s in self.segments if s.target and not s.short)


@dataclass(frozen=True)
class HypothesisCoverage:
    """Whether research checks a hypothesis: ``not_planned`` (no activity names it),
    ``planned`` (named, nobody from its segments interviewed yet), ``covered``."""

    hypothesis: Hypothesis
    activities: list[str]
    interviewed: int
    state: str


@dataclass(frozen=True)
class ResearchCoverage:
    activities: list[ActivityCoverage]
    hypotheses: list[HypothesisCoverage]

    @property
    def covered(self) -> int:
        return sum(1 for h in self.hypotheses if h.state == "covered")


def research_coverage(study: Study, labels: Mapping[str, str] | None = None) -> ResearchCoverage:
    """M-8: how far the research has got, from the study alone (no data is read).

    Per activity and segment: the target, and the respondents invited, interviewed, refused or
    opted out (the segments an older document lists without targets are shown with none). A
    hypothesis is covered when an activity naming it has interviewed someone from one of its
    segments (anyone, for a hypothesis about every client), or is marked done.
    """
    names = dict(labels or {})
    activities = []
    for act in study.research.activities:
        targets = {t.segment: t.respondents for t in act.targets}
        # A respondent counts for every segment they are in, of every feature: «51 и более» and
        # «низкий доход» both, when the plan listed them with both.
        keys = list(dict.fromkeys([*targets, *act.segments, *(r.segment for r in act.respondents)]))
        rows = []
        for key in keys:
            counts: dict[str, int] = {}
            for r in act.respondents:
                if r.belongs_to(key):
                    counts[r.status.value] = counts.get(r.status.value, 0) + 1
            rows.append(
                SegmentCoverage(
                    key=key, label=names.get(key, key), target=targets.get(key, 0), counts=counts
                )
            )
        activities.append(ActivityCoverage(activity=act, segments=rows))
    hypotheses = []
    for hyp in study.hypotheses:
        naming = [a for a in study.research.activities if hyp.id in a.hypotheses]
        heard = sum(
            1
            for a in naming
            for r in a.respondents
            if r.status is RespondentStatus.interviewed
            and (not hyp.segments or any(r.belongs_to(key) for key in hyp.segments))
        )
        done = any(a.status is ResearchStatus.done for a in naming)
        state = "covered" if heard or done else ("planned" if naming else "not_planned")
        hypotheses.append(
            HypothesisCoverage(
                hypothesis=hyp, activities=[a.id for a in naming], interviewed=heard, state=state
            )
        )
    return ResearchCoverage(activities=activities, hypotheses=hypotheses)


def survey_sizes(study: Study, planned: Sequence[SampleSize]) -> list[SampleSize]:
    """The survey answers each segment of a computed plan needs at the study's current margin
    and confidence (M-8): arithmetic on the plan's segment sizes, so a page shows the change
    at once without reading the profile. The plan's rows are already published (no hidden
    segment, no answer count under ``min_cell``)."""
    from segprofile.analysis.stats import required_sample

    margin, confidence = study.research.margin, study.research.confidence
    out = []
    for row in planned:
        needed = required_sample(margin, confidence, row.population)
        short = max(0, needed - row.have) if row.have is not None else None
        out.append(row.model_copy(update={"needed": needed, "short": short}))
    return out


def plan_inputs_changed(planned: Study, current: Study) -> bool:
    """Whether ``current`` differs from the revision a research plan was computed on in what
    the plan reads: not in the team's record of the research (activities, targets,
    respondents), nor in the survey margin (the page computes the sizes anew), nor in a
    survey's question → hypothesis mapping nor its answers' points (kept when analysed, M-9;
    the plan reads neither)."""

    def inputs(study: Study) -> dict[str, Any]:
        data = study.model_dump(mode="json")
        research = data.pop("research")
        data["max_interviews_per_person"] = research["max_interviews_per_person"]
        for source in data["data_sources"]:
            source.pop("questions", None)
            source.pop("answer_points", None)
        return data

    return inputs(planned) != inputs(current)
