"""The methodology check: what the profile still lacks, each finding with its M-code."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from segprofile.model.format import plural, shorten
from segprofile.model.labels import segment_name
from segprofile.model.study import (
    DataSourceKind,
    FeatureType,
    HypothesisKind,
    HypothesisStatus,
    JourneyKind,
    Study,
    hypothesis_wording,
    recommendation_wording,
    repeated_wordings,
)


class Severity(StrEnum):
    missing = "missing"  # the profile is incomplete
    warning = "warning"  # complete, but worth a look


#: How the report names a finding's severity.
SEVERITY_LABELS: dict[Severity, str] = {
    Severity.missing: "Не хватает",
    Severity.warning: "Стоит проверить",
}


#: Where a finding of each M-code is fixed: a section of the study page (``scope``, ``roles``,
#: ``features``, ``settings``) or a page of the study (``data``, ``hypotheses``, ``research``,
#: ``survey``, ``recommendations``, ``journeys``). A finding may name another place.
FIX_PLACES: dict[str, str] = {
    "M-1": "scope",
    "M-2": "roles",
    "M-3": "features",
    "M-4": "settings",
    "M-5": "features",
    "M-6": "settings",
    "M-7": "hypotheses",
    "M-8": "research",
    "M-9": "survey",
    "M-11": "recommendations",
    "M-12": "journeys",
}


@dataclass(frozen=True)
class Finding:
    code: str
    message: str
    severity: Severity = Severity.missing
    place: str = ""
    """Where it is fixed, when not where its M-code is (:data:`FIX_PLACES`)."""

    def __str__(self) -> str:
        return f"{self.code}: {self.message}"

    @property
    def fixed_in(self) -> str:
        """The place (see :data:`FIX_PLACES`) where what the finding says is fixed."""
        return self.place or FIX_PLACES.get(self.code, "")


#: Sections of the study page as the analyst sees them (their headings): «раздел «…»».
_SCOPE = "«Предмет профилирования»"
_ROLES = "«Роли и целевые аудитории»"
_FEATURES = "«Признаки сегментации»"
_SETTINGS = "«Настройки сегментации»"


def _name(text: str) -> str:
    """An item named in a finding: its title or statement, shortened (never its identifier)."""
    return shorten(text, 60)


def check_study(study: Study) -> list[Finding]:
    """List, by M-code, what the document still lacks for a complete profile."""
    out: list[Finding] = []

    def add(
        code: str, message: str, severity: Severity = Severity.missing, place: str = ""
    ) -> None:
        out.append(Finding(code, message, severity, place))

    # M-1
    if not study.scope.body:
        add("M-1", f"не указан орган власти (раздел {_SCOPE})")
    if not study.scope.legal_acts:
        add("M-1", f"не указаны НПА, регулирующие услугу (раздел {_SCOPE})")
    # M-2
    if not study.roles:
        add("M-2", f"не перечислены роли участников (раздел {_ROLES})")
    for role in study.roles:
        if role.audience is None:
            add("M-2", f"у роли «{_name(role.title)}» не описана целевая аудитория")
        elif not role.audience.legal_basis:
            add("M-2", f"у аудитории роли «{_name(role.title)}» не указано правовое основание")
    if study.client_records() is None:
        add(
            "M-2",
            "нет данных о клиентах: загрузите выгрузку "
            + ("обращений сотрудников" if study.scope.internal_only else "заявлений")
            + " на странице «Данные»",
            place="data",
        )
    # M-3
    if not study.features:
        add("M-3", f"не выбраны признаки сегментации (раздел {_FEATURES})")
    for feature in study.features:
        if feature.source is None:
            add("M-3", f"у признака «{_name(feature.label)}» не указан источник")
        elif feature.source.kind.value != "other" and not feature.source.reference:
            add(
                "M-3",
                f"у признака «{_name(feature.label)}» не указана ссылка на источник",
                Severity.warning,
            )
        if feature.type is FeatureType.numeric and feature.binning is None:
            add(
                "M-5",
                f"у числового признака «{_name(feature.label)}» не заданы интервалы: он будет "
                "разбит на группы примерно равной численности",
                Severity.warning,
            )
    # M-4
    if study.segmentation.clustering.enabled and not study.segmentation.clustering.features:
        add("M-4", f"не выбраны признаки для кластеризации (раздел {_SETTINGS})")
    # M-6
    if study.segmentation.satisfaction.column is None and not any(
        s.kind is DataSourceKind.survey for s in study.data_sources
    ):
        add("M-6", "нет данных для нулевого замера удовлетворённости (столбец оценки или опрос)")
    audiences = [r.audience for r in study.roles if r.audience is not None]
    if audiences and not any(a.population_source for a in audiences):
        add("M-6", "нет данных о численности имеющих право: слепую зону не оценить", place="roles")
    confirmed_problems = any(
        h.kind is HypothesisKind.problem and h.status is HypothesisStatus.confirmed
        for h in study.hypotheses
    )
    open_problems = any(
        h.kind is HypothesisKind.problem and h.segments and h.status is not HypothesisStatus.refuted
        for h in study.hypotheses
    )
    if not confirmed_problems and not any(
        s.kind is DataSourceKind.complaints for s in study.data_sources
    ):
        add(
            "M-6",
            # The priorities do count open problem hypotheses (analysis.priority): say so.
            "нет ни подтверждённых проблем, ни жалоб: уникальность проблем сегментов оценена "
            "по гипотезам, ещё не проверенным исследованием"
            if open_problems
            else "нет ни подтверждённых проблем, ни жалоб: уникальность проблем сегментов "
            "не оценить",
            Severity.warning,
            place="hypotheses",
        )
    # M-7
    needs = [h for h in study.hypotheses if h.kind is HypothesisKind.need]
    problems = [h for h in study.hypotheses if h.kind is HypothesisKind.problem]
    if not needs:
        add("M-7", "нет гипотез о потребностях")
    if not problems:
        add("M-7", "нет гипотез о проблемах")
    for hyp in study.hypotheses:
        if hyp.hunt_stage is None:
            add(
                "M-7",
                f"у гипотезы «{_name(hyp.statement)}» не указана ступень лестницы Ханта",
                Severity.warning,
            )
        if hyp.aidas_stage is None:
            add(
                "M-7", f"у гипотезы «{_name(hyp.statement)}» не указан этап AIDAS", Severity.warning
            )
    for places in repeated_wordings([hypothesis_wording(h) for h in study.hypotheses]):
        add(
            "M-7",
            f"гипотезы № {_numbers(places)} сформулированы одинаково "
            f"(«{_name(study.hypotheses[places[0]].statement)}»): оставьте одну, остальные "
            "удалите или измените их формулировку",
            Severity.warning,
        )
    # M-8
    if not study.research.activities:
        add("M-8", "нет плана исследований (интервью, опросы)")
    # M-9
    for hyp in study.hypotheses:
        if (
            hyp.status in (HypothesisStatus.confirmed, HypothesisStatus.refuted)
            and not hyp.evidence
        ):
            add(
                "M-9",
                f"у гипотезы «{_name(hyp.statement)}» есть вывод, но нет доказательств",
                place="hypotheses",
            )
    if study.hypotheses and all(
        h.status in (HypothesisStatus.open, HypothesisStatus.suggested) for h in study.hypotheses
    ):
        add("M-9", "ни одна гипотеза ещё не проверена исследованием")
    # M-11
    if not study.recommendations:
        add("M-11", "нет рекомендаций")
    for message, severity in _unsolved_problems(study):
        add("M-11", message, severity)
    known = {h.id for h in study.hypotheses}
    for rec in study.recommendations:
        for pid in rec.problems:
            if pid not in known:
                add(
                    "M-11",
                    f"рекомендация «{_name(rec.title)}» решает проблему, которой больше нет в "
                    "исследовании: выберите другую проблему или уберите эту",
                    Severity.warning,
                )
    for places in repeated_wordings([recommendation_wording(r) for r in study.recommendations]):
        add(
            "M-11",
            f"рекомендация «{_name(study.recommendations[places[0]].title)}» записана "
            f"{plural(len(places), 'раз', 'раза', 'раз')}: оставьте одну, остальные удалите "
            "или измените их формулировку",
            Severity.warning,
        )
    # M-12
    kinds = {j.kind for j in study.journeys}
    if JourneyKind.current not in kinds:
        add("M-12", "нет текущего клиентского пути")
    if JourneyKind.target not in kinds:
        add("M-12", "нет целевого клиентского пути")
    for journey in study.journeys:
        if not journey.steps:
            add("M-12", f"у пути «{_name(journey.title)}» нет шагов")
        for step in journey.steps:
            if step.service_level is None:
                add(
                    "M-12",
                    f"у шага «{_name(step.title)}» пути «{_name(journey.title)}» не указан "
                    "уровень сервиса",
                    Severity.warning,
                )
            if step.role is None:
                # The service blueprint sorts the steps by who acts: without a role, a step
                # done by a staff member reads as the client's own action.
                add(
                    "M-12",
                    f"у шага «{_name(step.title)}» пути «{_name(journey.title)}» не указана "
                    "роль (кто выполняет шаг)",
                    Severity.warning,
                )
    return out


def priority_segments(study: Study) -> list[str]:
    """The segments the study records as priority: those marked as the sponsor's focus.

    The priority score itself (M-6) is computed from data when the profile is built and is not
    stored in the document; the team's recorded choice is the sponsor focus of segment notes.
    """
    return list(dict.fromkeys(n.segment for n in study.segment_notes if n.sponsor_focus))


def _unsolved_problems(study: Study) -> list[tuple[str, Severity]]:
    """M-11: confirmed problems that no recommendation lists, priority segments first.

    With priority segments recorded (sponsor focus), a problem of a priority segment — or of
    everyone (no segments) — without a recommendation is missing; a problem only of other
    segments is a warning. Without a recorded choice every segment with confirmed problems is
    treated as priority, and the finding says so.
    """
    solved = {p for r in study.recommendations for p in r.problems}
    unsolved = [
        h
        for h in study.hypotheses
        if h.kind is HypothesisKind.problem
        and h.status is HypothesisStatus.confirmed
        and h.id not in solved
    ]
    priority = priority_segments(study)
    out: list[tuple[str, Severity]] = []
    for hyp in unsolved:
        problem, whose = f"«{_name(hyp.statement)}»", _segments(study, hyp.segments)
        if not priority:
            where = f"сегментов {whose}" if hyp.segments else "всех клиентов"
            out.append(
                (
                    f"подтверждённая проблема {problem} ({where}) без рекомендации; приоритетные "
                    "сегменты в исследовании не отмечены (фокус заказчика), поэтому проверены "
                    "все сегменты с подтверждёнными проблемами",
                    Severity.missing,
                )
            )
        elif not hyp.segments:
            out.append(
                (
                    f"подтверждённая проблема {problem} всех клиентов, в том числе приоритетных "
                    "сегментов, без рекомендации",
                    Severity.missing,
                )
            )
        elif hit := [s for s in hyp.segments if s in priority]:
            out.append(
                (
                    f"подтверждённая проблема {problem} приоритетного сегмента "
                    f"{_segments(study, hit)} без рекомендации",
                    Severity.missing,
                )
            )
        else:
            out.append(
                (
                    f"подтверждённая проблема {problem} сегментов {whose} без рекомендации "
                    "(эти сегменты не отмечены как приоритетные)",
                    Severity.warning,
                )
            )
    return out


def _numbers(places: list[int]) -> str:
    """Places in a list as the pages number them: ``[0, 1, 5]`` → «1, 2 и 6»."""
    numbers = [str(i + 1) for i in places]
    return ", ".join(numbers[:-1]) + " и " + numbers[-1]


def _segments(study: Study, keys: list[str]) -> str:
    return ", ".join(f"«{segment_name(study.features, key)}»" for key in keys)


def check_data_columns(study: Study, columns: dict[str, set[str]]) -> list[Finding]:
    """What the study names in its data that the data do not have: ``columns`` are the column
    names of each source's imported data (sources not imported yet are not judged)."""
    out: list[Finding] = []
    records = study.client_records()

    def title(source_id: str) -> str:
        try:
            source = study.data_source(source_id)
        except KeyError:
            return source_id
        return source.title or source.id

    def absent(source_id: str | None, column: str | None) -> bool:
        return source_id in columns and column is not None and column not in columns[source_id]

    for feature in study.features:
        where = feature.data_source or (records.id if records else None)
        if absent(where, feature.column):
            out.append(
                Finding(
                    "M-3",
                    f"признак «{feature.label}»: столбца «{feature.column}» нет в загруженных "
                    f"данных «{title(str(where))}» — выберите другой столбец или загрузите "
                    "файл с ним",
                )
            )
    sat = study.segmentation.satisfaction.column
    if records is not None and absent(records.id, sat):
        out.append(
            Finding(
                "M-6",
                f"столбца оценки удовлетворённости «{sat}» нет в загруженных данных "
                f"«{title(records.id)}» — выберите столбец оценки",
            )
        )
    nps = study.segmentation.satisfaction.nps_column
    if records is not None and absent(records.id, nps):
        out.append(
            Finding(
                "M-6",
                f"столбца вопроса NPS «{nps}» нет в загруженных данных «{title(records.id)}» — "
                "выберите столбец с ответами от 0 до 10 или оставьте поле пустым",
            )
        )
    for source in study.data_sources:
        if absent(source.id, source.id_column):
            out.append(
                Finding(
                    "M-8",
                    f"столбца идентификатора клиента «{source.id_column}» нет в загруженных "
                    f"данных «{title(source.id)}»: по ним нельзя набрать респондентов и "
                    "связать их с другими источниками",
                    Severity.warning,
                    place="settings",
                )
            )
        if absent(source.id, source.count_column):
            out.append(
                Finding(
                    "M-2",
                    f"столбца численности «{source.count_column}» нет в загруженных данных "
                    f"«{title(source.id)}» — без него не оценить слепую зону",
                )
            )
    return out


def is_complete(findings: list[Finding]) -> bool:
    return not any(f.severity is Severity.missing for f in findings)
