"""The Study: the whole client segment profile document (M-1 … M-12) as pydantic models.

One representation for the three faces: the CLI reads and writes it as YAML, the web app stores
it as revisions (JSON), the pipeline computes from it. Identifiers (``id`` fields) are short
slugs that other parts of the document refer to; :func:`reference_problems` checks them.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from datetime import date
from enum import StrEnum
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

SCHEMA_VERSION = "1.0"

_ID_RE = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.-]{0,63}$")

Identifier = Annotated[
    str,
    Field(
        min_length=1,
        max_length=64,
        pattern=_ID_RE.pattern,
        description="Короткий идентификатор: латиница, цифры, «_», «-», «.»",
    ),
]


class _Model(BaseModel):
    """Strict base: unknown keys are errors (typos must not vanish silently)."""

    model_config = ConfigDict(extra="forbid", validate_assignment=True, use_enum_values=False)


# --- M-1 Scope --------------------------------------------------------------------------------


class ScopeKind(StrEnum):
    service = "service"
    function = "function"
    support_measure = "support_measure"
    life_situation = "life_situation"
    process_group = "process_group"


class ClientType(StrEnum):
    internal = "internal"
    citizen = "citizen"
    business = "business"


class LegalAct(_Model):
    """A legal act (НПА) that governs the service."""

    id: Identifier
    title: str = Field(min_length=1, description="Название НПА")
    reference: str = Field("", description="Номер, дата, ссылка")


class Scope(_Model):
    """M-1: what the profile is for."""

    kind: ScopeKind
    title: str = Field(min_length=1, description="Название услуги, функции, меры, ситуации")
    body: str = Field("", description="Орган власти или организация")
    client_types: list[ClientType] = Field(min_length=1)
    legal_acts: list[LegalAct] = Field(default_factory=list)
    description: str = ""

    @property
    def internal(self) -> bool:
        return ClientType.internal in self.client_types

    @property
    def internal_only(self) -> bool:
        """Every client is internal (M-14): the pages' examples speak of employees and units
        (сотрудник, подразделение, табельный номер, 1С), not of citizens applying for a benefit."""
        return only_internal(self.client_types)


def only_internal(client_types: Iterable[str]) -> bool:
    """Whether ``client_types`` (as a scope or a form holds them) are internal clients alone."""
    return {str(t) for t in client_types} == {ClientType.internal.value}


# --- M-2 Roles and audiences ------------------------------------------------------------------


class RoleKind(StrEnum):
    applicant = "applicant"
    internal_client = "internal_client"
    intermediary = "intermediary"
    is_operator = "is_operator"
    other = "other"


class LegalBasis(_Model):
    act: Identifier = Field(description="Идентификатор НПА из scope.legal_acts")
    article: str = Field("", description="Статья, пункт")


class Audience(_Model):
    """Who is entitled to take this role, and on which legal basis."""

    description: str = Field(min_length=1)
    legal_basis: list[LegalBasis] = Field(default_factory=list)
    eligibility_rule: str | None = Field(
        None,
        description=(
            "Правило отбора по столбцам данных, например «Возраст >= 18 и "
            "[Канал обращения] = 'МФЦ'»"
        ),
    )
    population_source: Identifier | None = Field(
        None, description="Источник данных о численности имеющих право (для слепой зоны)"
    )


class Role(_Model):
    id: Identifier
    kind: RoleKind
    title: str = Field(min_length=1)
    description: str = ""
    audience: Audience | None = None


# --- Data sources ------------------------------------------------------------------------------


class DataSourceKind(StrEnum):
    client_records = "client_records"
    population = "population"
    survey = "survey"
    interviews = "interviews"
    complaints = "complaints"
    other = "other"


class DataFormat(StrEnum):
    auto = "auto"
    parquet = "parquet"
    csv = "csv"
    xlsx = "xlsx"
    sql = "sql"
    text = "text"


class ColumnOverride(_Model):
    """A user's decision about one column, re-applied on every re-import."""

    type: str | None = None
    use: str | None = None
    pii: str | None = Field(None, description="drop | pseudonymise | keep")


class SurveySupport(StrEnum):
    """Which answer to a yes/no question supports a hypothesis."""

    yes = "yes"
    no = "no"


class SurveyQuestion(_Model):
    """M-9: a survey question (a column of the answers) mapped to the hypothesis it checks."""

    question: str = Field(min_length=1, description="Столбец ответов опроса")
    hypothesis: Identifier = Field(description="Проверяемая гипотеза")
    support: SurveySupport = Field(
        SurveySupport.yes, description="Какой ответ подтверждает гипотезу: yes или no"
    )
    segments: list[str] | None = Field(
        None, description="Проверяемые сегменты; пусто — сегменты гипотезы"
    )
    among: list[str] = Field(
        default_factory=list, description="База: только респонденты этих сегментов"
    )
    threshold: float | None = Field(
        None, gt=0, lt=1, description="Доля ответов, с которой проблема — проблема сегмента"
    )
    agree_from: float | None = Field(
        None, description="Для шкалы: с какого балла ответ считается согласием"
    )


class DataSource(_Model):
    id: Identifier
    kind: DataSourceKind
    title: str = ""
    path: str = Field(min_length=1, description="Путь к файлу относительно каталога данных")
    format: DataFormat = DataFormat.auto
    id_column: str | None = None
    date_column: str | None = Field(
        None, description="Столбец даты обращения (выбран при загрузке данных)"
    )
    count_column: str | None = Field(
        None, description="Для таблиц численности: столбец с числом лиц в строке"
    )
    columns: dict[str, ColumnOverride] = Field(default_factory=dict)
    keep_original: bool = False
    sample_fraction: float | None = Field(
        None,
        gt=0,
        le=1,
        description="Для выборочных микроданных численности: доля выборки (оценка с интервалом)",
    )
    description: str = ""
    questions: list[SurveyQuestion] = Field(
        default_factory=list,
        description="Для опроса: какие вопросы проверяют какие гипотезы (M-9)",
    )
    answer_points: dict[str, int | None] = Field(
        default_factory=dict,
        description="Для опроса: балл 1–5 ответа в словах, которого нет в обычных шкалах "
        "(«Отлично»: 5); null — ответ не оценка и не учитывается (M-9)",
    )

    @field_validator("answer_points")
    @classmethod
    def _points_on_the_scale(cls, value: dict[str, int | None]) -> dict[str, int | None]:
        wrong = [
            label for label, point in value.items() if point is not None and not 1 <= point <= 5
        ]
        if wrong:
            raise ValueError(
                "answer_points: балл ответа — от 1 до 5 (или null, если ответ не оценка): "
                + ", ".join(f"«{label}»" for label in wrong)
            )
        if any(not label.strip() for label in value):
            raise ValueError("answer_points: пустой ответ не сопоставляется с баллом")
        return value

    @field_validator("path")
    @classmethod
    def _relative_path(cls, value: str) -> str:
        parts = value.replace("\\", "/").split("/")
        if value.startswith(("/", "\\")) or ".." in parts:
            raise ValueError("путь должен быть относительным и не выходить за каталог данных")
        # A drive («C:\\…», «C:x») is absolute on Windows; control characters (NUL) are no
        # part of a file name.
        if re.match(r"[A-Za-z]:", value) or any(ord(ch) < 32 or ord(ch) == 127 for ch in value):
            raise ValueError(
                "путь должен быть относительным, без буквы диска и управляющих символов"
            )
        return value


# --- M-3 Features -----------------------------------------------------------------------------


class FeatureType(StrEnum):
    categorical = "categorical"
    numeric = "numeric"
    boolean = "boolean"


class FeatureSourceKind(StrEnum):
    legal_act = "legal_act"
    document_attribute = "document_attribute"
    vulnerable_group = "vulnerable_group"
    other = "other"


class FeatureSource(_Model):
    """M-3: why this feature matters — a legal act, a document attribute, a vulnerable group…"""

    kind: FeatureSourceKind
    reference: str = Field("", description="НПА и статья, документ, обоснование")


class BinningMethod(StrEnum):
    thresholds = "thresholds"
    quantiles = "quantiles"
    round = "round"


class Binning(_Model):
    """How a numeric feature is cut into segments: ``[t_i, t_{i+1})`` intervals."""

    method: BinningMethod = BinningMethod.thresholds
    thresholds: list[float] = Field(default_factory=list)
    n_bins: int = Field(4, ge=2, le=20)
    labels: list[str] | None = None
    unit: str = ""

    @model_validator(mode="after")
    def _consistent(self) -> Binning:
        if self.method is BinningMethod.thresholds:
            if not self.thresholds:
                raise ValueError("для method: thresholds нужен непустой список thresholds")
            if any(b <= a for a, b in zip(self.thresholds, self.thresholds[1:], strict=False)):
                raise ValueError("пороги thresholds должны строго возрастать")
            if self.labels is not None and len(self.labels) != len(self.thresholds) + 1:
                raise ValueError(
                    f"labels: нужно {len(self.thresholds) + 1} подписей "
                    f"(на одну больше, чем порогов), задано {len(self.labels)}"
                )
        return self


class Feature(_Model):
    id: Identifier
    column: str = Field(min_length=1, description="Столбец в данных о клиентах")
    label: str = Field(min_length=1, description="Название признака для отчёта")
    type: FeatureType = FeatureType.categorical
    source: FeatureSource | None = None
    binning: Binning | None = None
    value_labels: dict[str, str] = Field(
        default_factory=dict, description="Подписи значений: код → название"
    )
    data_source: Identifier | None = Field(
        None, description="Источник данных; по умолчанию — первые данные о клиентах"
    )

    @model_validator(mode="after")
    def _binning_only_numeric(self) -> Feature:
        if self.binning is not None and self.type is not FeatureType.numeric:
            raise ValueError("binning задаётся только для числовых признаков (type: numeric)")
        return self


# --- M-4, M-5 Segmentation settings -----------------------------------------------------------


class ByFeatureSettings(_Model):
    """Approach 2 (M-5): one feature at a time."""

    enabled: bool = True
    features: list[Identifier] = Field(
        default_factory=list, description="Признаки; пусто — все признаки исследования"
    )
    pairs: list[tuple[Identifier, Identifier]] = Field(
        default_factory=list, description="Пары признаков для перекрёстных сегментов"
    )


class ClusterInit(StrEnum):
    huang = "huang"
    cao = "cao"
    kmeans_pp = "k-means++"


class ClusteringSettings(_Model):
    """Approach 1 (M-4): clusters of similar clients."""

    enabled: bool = True
    features: list[Identifier] = Field(default_factory=list)
    n_clusters: int | None = Field(None, ge=2, le=50, description="Пусто — подобрать по данным")
    k_range: tuple[int, int] = (2, 8)
    gamma: float | None = Field(None, gt=0)
    init: ClusterInit = ClusterInit.cao
    n_init: int = Field(10, ge=1, le=100)
    sample_size: int = Field(50_000, ge=100)

    @field_validator("k_range")
    @classmethod
    def _k_range(cls, value: tuple[int, int]) -> tuple[int, int]:
        if not 2 <= value[0] <= value[1] <= 50:
            raise ValueError("диапазон числа кластеров: нужно 2 ≤ от ≤ до ≤ 50")
        return value


class SatisfactionSettings(_Model):
    """Where the satisfaction rating is and how to read it (baseline, M-6)."""

    column: str | None = Field(None, description="Столбец оценки удовлетворённости")
    scale_min: int = 1
    scale_max: int = 5
    csat_threshold: int = Field(4, description="Оценки не ниже порога считаются «довольны»")
    nps_column: str | None = Field(
        None,
        description=(
            "Столбец вопроса NPS «Насколько вероятно, что вы порекомендуете…» (оценки от 0 до 10)"
        ),
    )

    @field_validator("nps_column")
    @classmethod
    def _nps_column(cls, value: str | None) -> str | None:
        if value is not None and not value.strip():
            raise ValueError(
                "nps_column: назовите столбец вопроса NPS (оценки от 0 до 10) или оставьте поле "
                "пустым"
            )
        return value

    @model_validator(mode="after")
    def _scale(self) -> SatisfactionSettings:
        if not self.scale_min < self.scale_max:
            raise ValueError("нижняя граница шкалы оценок должна быть меньше верхней")
        if not self.scale_min <= self.csat_threshold <= self.scale_max:
            raise ValueError("порог «довольны» должен лежать в пределах шкалы оценок")
        if self.nps_column is not None and self.nps_column == self.column:
            raise ValueError(
                "вопрос NPS (шкала от 0 до 10) — другой вопрос, чем оценка "
                "удовлетворённости; укажите для него отдельный столбец"
            )
        return self


PERSONA_FIELDS: dict[str, str] = {
    "age": "Возраст",
    "situation": "Жизненная ситуация",
    "goals": "Цели",
    "pains": "Боли",
    "channels": "Каналы",
    "quote": "Цитата",
}
EMPATHY_FIELDS: dict[str, str] = {
    "thinks_feels": "Думает и чувствует",
    "sees": "Видит",
    "hears": "Слышит",
    "says_does": "Говорит и делает",
    "pains": "Боли",
    "gains": "Выгоды",
}


class PortraitEdit(_Model):
    """The team's edit of a portrait (M-4), kept across re-runs.

    A cluster's number may change when the data change; the edit is matched by ``definition``
    — the traits that define the cluster, as sorted «признак=значение» strings.
    """

    definition: list[str] = Field(
        min_length=1, description="Определяющие черты «признак=значение» на момент правки"
    )
    segment: str = Field("", description="Ключ сегмента на момент правки (справочно)")
    name: str | None = Field(None, description="Название портрета, заданное командой")
    persona: dict[str, str] = Field(default_factory=dict, description="Поля карточки персоны")
    empathy_map: dict[str, str] = Field(default_factory=dict, description="Поля карты эмпатии")

    @field_validator("definition")
    @classmethod
    def _sorted_definition(cls, value: list[str]) -> list[str]:
        return sorted(set(value))

    @field_validator("persona")
    @classmethod
    def _persona_keys(cls, value: dict[str, str]) -> dict[str, str]:
        unknown = sorted(set(value) - set(PERSONA_FIELDS))
        if unknown:
            raise ValueError(
                f"неизвестные поля персоны: {', '.join(unknown)}; "
                f"известные: {', '.join(PERSONA_FIELDS)}"
            )
        return value

    @field_validator("empathy_map")
    @classmethod
    def _empathy_keys(cls, value: dict[str, str]) -> dict[str, str]:
        unknown = sorted(set(value) - set(EMPATHY_FIELDS))
        if unknown:
            raise ValueError(
                f"неизвестные поля карты эмпатии: {', '.join(unknown)}; "
                f"известные: {', '.join(EMPATHY_FIELDS)}"
            )
        return value


class Segmentation(_Model):
    by_feature: ByFeatureSettings = Field(default_factory=ByFeatureSettings)
    clustering: ClusteringSettings = Field(default_factory=ClusteringSettings)
    satisfaction: SatisfactionSettings = Field(default_factory=SatisfactionSettings)
    confidence: float = Field(0.95, gt=0.5, lt=1)
    min_cell: int = Field(5, ge=1, description="Сегменты меньше порога скрываются в отчётах")
    allow_small_cells: bool = Field(
        False,
        description="Устарело: защиту малых групп не отключает (выгрузку без защиты может "
        "запросить только владелец, для одного файла)",
    )
    random_state: int = 42
    portraits: list[PortraitEdit] = Field(
        default_factory=list, description="Правки портретов кластеров командой (M-4)"
    )


class SegmentNote(_Model):
    """Team inputs per segment: sponsor focus (M-6) and notes."""

    segment: str = Field(
        min_length=1, description="Ключ сегмента: «признак=значение» или «cluster=N»"
    )
    sponsor_focus: bool = False
    reason: str = ""
    notes: str = ""


class PriorityWeights(_Model):
    """Weights of the priority score's parts; they are normalised to sum to 1."""

    capacity: float = Field(0.45, ge=0, description="Ёмкость (доля сегмента)")
    dissatisfaction: float = Field(0.3, ge=0, description="Неудовлетворённость (1 − CSAT)")
    blind_zone: float = Field(0.1, ge=0, description="Слепая зона (доля не обратившихся)")
    uniqueness: float = Field(0.05, ge=0, description="Уникальность проблем")
    sponsor: float = Field(0.1, ge=0, description="Позиция заказчика")

    @model_validator(mode="after")
    def _not_all_zero(self) -> PriorityWeights:
        parts = (
            self.capacity,
            self.dissatisfaction,
            self.blind_zone,
            self.uniqueness,
            self.sponsor,
        )
        if sum(parts) <= 0:
            raise ValueError("хотя бы один вес должен быть больше нуля")
        return self


def _high_satisfaction_weights() -> PriorityWeights:
    return PriorityWeights(
        capacity=0.1, dissatisfaction=0.15, blind_zone=0.35, uniqueness=0.3, sponsor=0.1
    )


class PrioritySettings(_Model):
    """M-6: the methodology's switch and the weights, with documented defaults.

    Overall CSAT below ``low_satisfaction_csat`` means satisfaction is low: the most numerous
    (and least satisfied) segments lead (``when_low``). Otherwise blind zones and specific
    problems lead (``when_high``).
    """

    low_satisfaction_csat: float = Field(
        0.8, ge=0, le=1, description="CSAT ниже порога — удовлетворённость услугой низкая"
    )
    when_low: PriorityWeights = Field(default_factory=PriorityWeights)
    when_high: PriorityWeights = Field(default_factory=_high_satisfaction_weights)
    high_capacity_share: float = Field(
        0.2, gt=0, le=1, description="Доля сегмента, начиная с которой ёмкость «высокая»"
    )
    large_blind_zone_share: float = Field(
        0.3, gt=0, le=1, description="Доля не обратившихся, начиная с которой слепая зона «большая»"
    )
    top: int = Field(5, ge=1, le=50, description="Сколько сегментов показывать в приоритете")


# --- M-7 … M-9 Hypotheses and research --------------------------------------------------------

DEFAULT_HUNT_LADDER: list[str] = [
    "Не осознаёт потребность",
    "Осознаёт потребность, не знает решения",
    "Знает о решениях, не знает об услуге",
    "Знает об услуге, не решился",
    "Готов воспользоваться",
]


class HypothesisKind(StrEnum):
    need = "need"
    problem = "problem"


class AidasStage(StrEnum):
    attention = "attention"
    interest = "interest"
    desire = "desire"
    action = "action"
    satisfaction = "satisfaction"


class HypothesisStatus(StrEnum):
    suggested = "suggested"
    open = "open"
    confirmed = "confirmed"
    refuted = "refuted"
    not_enough_data = "not_enough_data"


class EvidenceKind(StrEnum):
    statistics = "statistics"
    survey = "survey"
    interview = "interview"
    complaint = "complaint"
    open_source = "open_source"
    other = "other"


class Evidence(_Model):
    kind: EvidenceKind
    summary: str = Field(min_length=1)
    source: str = ""
    quote: str = ""
    value: float | None = None
    suggested: bool = Field(
        False, description="Предложено программой (цитата), ждёт подтверждения исследователем"
    )


class Hypothesis(_Model):
    """M-7: a need of a segment, or a problem (a need the current journey does not meet)."""

    id: Identifier
    kind: HypothesisKind
    statement: str = Field(min_length=1)
    segments: list[str] = Field(default_factory=list, description="Ключи сегментов")
    need: Identifier | None = Field(None, description="Для проблемы: какая потребность не решена")
    hunt_stage: int | None = Field(None, ge=1, description="Ступень лестницы Ханта (с 1)")
    aidas_stage: AidasStage | None = None
    journey_step: str | None = Field(None, description="Шаг пути: «путь.шаг»")
    status: HypothesisStatus = HypothesisStatus.open
    source: str = ""
    evidence: list[Evidence] = Field(default_factory=list)
    verdict_reason: str = ""


class ResearchMethod(StrEnum):
    interview = "interview"
    survey = "survey"
    focus_group = "focus_group"
    desk = "desk"


class ResearchStatus(StrEnum):
    planned = "planned"
    in_progress = "in_progress"
    done = "done"


class RespondentStatus(StrEnum):
    invited = "invited"
    interviewed = "interviewed"
    refused = "refused"
    opted_out = "opted_out"


class SegmentTarget(_Model):
    """M-8: how many respondents an activity needs from one segment."""

    segment: str = Field(min_length=1, description="Ключ сегмента")
    respondents: int = Field(1, ge=1, le=10_000, description="Сколько респондентов нужно")


class Respondent(_Model):
    """M-8: one person of an activity, by the pseudonym the research plan lists (never a name
    or another value from the client's records), and where they stand."""

    id: str = Field(
        min_length=1,
        max_length=64,
        description="Псевдоним респондента из плана исследования (или «доброволец-N»)",
    )
    segment: str = Field(min_length=1, description="Ключ сегмента, за который он отвечает")
    segments: list[str] = Field(
        default_factory=list,
        description="Все сегменты, в которые он входит (квоты, с которыми его назвал план)",
    )
    status: RespondentStatus = Field(RespondentStatus.invited, description="Где он сейчас")
    note: str = Field("", max_length=2000, description="Заметка (персональные данные маскируются)")

    def belongs_to(self, key: str) -> bool:
        """Whether the respondent counts for the segment ``key``: every segment they are in
        (a respondent stored before these were kept: the one they stand for)."""
        return key == self.segment or key in self.segments


class ResearchActivity(_Model):
    id: Identifier
    method: ResearchMethod
    title: str = Field(min_length=1)
    segments: list[str] = Field(default_factory=list)
    hypotheses: list[Identifier] = Field(default_factory=list)
    target_respondents: int = Field(0, ge=0, description="Сколько респондентов всего")
    targets: list[SegmentTarget] = Field(
        default_factory=list, description="Сколько респондентов нужно из каждого сегмента"
    )
    respondents: list[Respondent] = Field(
        default_factory=list, description="Приглашённые респонденты и их статус"
    )
    status: ResearchStatus = ResearchStatus.planned
    notes: str = ""

    @model_validator(mode="after")
    def _unique_targets(self) -> ResearchActivity:
        segments = [t.segment for t in self.targets]
        repeated = sorted({s for s in segments if segments.count(s) > 1})
        if repeated:
            raise ValueError("цель по сегменту задана дважды: " + ", ".join(repeated))
        people = [r.id for r in self.respondents]
        twice = sorted({p for p in people if people.count(p) > 1})
        if twice:
            raise ValueError("респондент указан дважды: " + ", ".join(twice))
        return self


class ResearchPlan(_Model):
    """M-8: interviews and surveys, with the margin the survey samples aim for."""

    margin: float = Field(0.1, gt=0, lt=1)
    confidence: float = Field(0.95, gt=0.5, lt=1)
    max_interviews_per_person: int = Field(1, ge=1)
    activities: list[ResearchActivity] = Field(default_factory=list)


class TopicLabel(_Model):
    """The team's name for a topic of texts (M-9), kept across re-runs.

    Topics are found anew on every run; a saved name is matched to the new topics by their
    main lemmas. ``topics`` holds the main lemmas of each topic the name was given to: one
    list for a renamed topic, several for topics the team merged into one.
    """

    id: Identifier
    source: Identifier = Field(description="Источник текстов (жалобы, опрос, интервью)")
    name: str = Field(min_length=1, max_length=120, description="Название темы")
    topics: list[list[str]] = Field(
        min_length=1, description="Главные леммы каждой объединённой темы на момент правки"
    )

    @field_validator("name")
    @classmethod
    def _name(cls, value: str) -> str:
        value = " ".join(value.split())
        if not value:
            raise ValueError("название темы не может быть пустым")
        return value

    @field_validator("topics")
    @classmethod
    def _topics(cls, value: list[list[str]]) -> list[list[str]]:
        cleaned = [list(dict.fromkeys(w.strip() for w in words if w.strip())) for words in value]
        if any(not words for words in cleaned):
            raise ValueError("у каждой темы должна быть хотя бы одна лемма")
        return cleaned


# --- M-11, M-12 Journeys and recommendations --------------------------------------------------

DEFAULT_SERVICE_LEVELS: list[str] = [
    "Личное посещение",
    "Самостоятельное заполнение",
    "Проактивное, автоматическое предоставление",
]


class JourneyKind(StrEnum):
    current = "current"
    target = "target"


class JourneyStep(_Model):
    id: Identifier
    title: str = Field(min_length=1)
    role: Identifier | None = Field(None, description="Роль (исполнитель шага)")
    channel: str = Field("", description="ЕПГУ, МФЦ, приёмная, телефон, почта…")
    service_level: int | None = Field(None, ge=1, description="Уровень на лестнице сервиса (с 1)")
    duration_days: float | None = Field(None, ge=0)
    client_minutes: float | None = Field(None, ge=0, description="Время клиента, минут")
    documents: list[str] = Field(default_factory=list, description="Документы от клиента")
    data_obtained: list[str] = Field(
        default_factory=list, description="Сведения, которые ведомство получает само"
    )
    pains: list[Identifier] = Field(default_factory=list, description="Проблемы (гипотезы)")
    physical_evidence: str = ""
    front_stage: str = ""
    back_stage: str = ""
    support_processes: str = ""


class Journey(_Model):
    id: Identifier
    kind: JourneyKind
    title: str = Field(min_length=1)
    segments: list[str] = Field(default_factory=list, description="Пусто — общий путь")
    steps: list[JourneyStep] = Field(default_factory=list)


class RecommendationKind(StrEnum):
    optimisation = "optimisation"
    personalisation = "personalisation"
    informing = "informing"


class RecommendationStatus(StrEnum):
    planned = "planned"
    in_progress = "in_progress"
    done = "done"
    declined = "declined"


class Recommendation(_Model):
    """M-11: a change that brings the service to its target state, traced to the problems it
    solves. A problem deleted since is kept in ``problems`` (the page marks it) so nothing the
    team wrote is lost."""

    id: Identifier
    kind: RecommendationKind
    title: str = Field(min_length=1)
    description: str = ""
    segments: list[str] = Field(default_factory=list)
    problems: list[Identifier] = Field(default_factory=list, description="Решаемые проблемы")
    journey: Identifier | None = Field(None, description="Целевой путь, в который вносится")
    journey_change: str = ""
    suggested: bool = False
    owner: str = Field("", description="Ответственный: подразделение или сотрудник")
    status: RecommendationStatus = Field(
        RecommendationStatus.planned,
        description="Ход выполнения: planned, in_progress, done или declined",
    )
    due_date: date | None = Field(None, description="Срок выполнения (ГГГГ-ММ-ДД)")

    def overdue(self, today: date) -> bool:
        """Its due date has passed and it is still to be done (:func:`past_due`)."""
        return past_due(self.due_date, self.status, today)


def past_due(due_date: date | None, status: RecommendationStatus, today: date) -> bool:
    """A recommendation's due date passed before ``today`` (the day where the team works) while
    it is still to be done: planned or in progress. A done or declined one is not overdue."""
    return (
        due_date is not None
        and due_date < today
        and status in (RecommendationStatus.planned, RecommendationStatus.in_progress)
    )


# --- The same wording twice (M-7, M-11) --------------------------------------------------------

#: What may end a wording without changing it: «Не знают о выплате.» is «не знают о выплате».
_WORDING_END = " .,;:!?…-–—"


def wording_key(text: str) -> str:
    """A hypothesis's statement or a recommendation's title as compared for sameness: case,
    ё/е, spaces and the punctuation at its end aside."""
    return " ".join(text.casefold().replace("ё", "е").split()).rstrip(_WORDING_END)


def same_wording(texts: Sequence[str], text: str, *, skip: int | None = None) -> int | None:
    """Where the first of ``texts`` worded as ``text`` is (:func:`wording_key`), the one at
    ``skip`` (the item being changed) aside; ``None`` when none is."""
    key = wording_key(text)
    if not key:
        return None
    return next((i for i, t in enumerate(texts) if i != skip and wording_key(t) == key), None)


def hypothesis_wording(hypothesis: Hypothesis) -> str:
    """A hypothesis's statement as compared for sameness, with what makes two hypotheses of
    one statement different: its kind and segments (the same need of rural and of elderly
    applicants is two hypotheses, each checked in its segment)."""
    segments = ",".join(sorted(hypothesis.segments))
    return f"{hypothesis.kind}|{segments}|{wording_key(hypothesis.statement)}"


def recommendation_wording(recommendation: Recommendation) -> str:
    """A recommendation's title as compared for sameness, with its segments (one change for
    two segments may be two recommendations)."""
    return f"{','.join(sorted(recommendation.segments))}|{wording_key(recommendation.title)}"


def repeated_wordings(texts: Sequence[str]) -> list[list[int]]:
    """The places of ``texts`` worded the same (:func:`wording_key`), two or more in a group,
    the groups in the order of their first."""
    groups: dict[str, list[int]] = {}
    for i, text in enumerate(texts):
        if key := wording_key(text):
            groups.setdefault(key, []).append(i)
    return [places for places in groups.values() if len(places) > 1]


# --- M-13 The filed document -------------------------------------------------------------------


class Signatory(_Model):
    """A person the filed document names: who approves it or who prepared it."""

    name: str = Field("", max_length=200, description="Инициалы и фамилия")
    position: str = Field("", max_length=500, description="Должность")
    contacts: str = Field("", max_length=500, description="Телефон, электронная почта")


class Requisites(_Model):
    """M-13: the details of the filed document (ГОСТ Р 7.0.97-2016): who issues it, its number
    and date, who approves it and who prepared it. An empty field is left blank on the title
    page, to be written by hand."""

    organisation: str = Field(
        "", max_length=1000, description="Наименование организации (если пусто — орган власти)"
    )
    unit: str = Field("", max_length=1000, description="Структурное подразделение")
    document_title: str = Field(
        "", max_length=1000, description="Заголовок (если пусто — название исследования)"
    )
    document_number: str = Field("", max_length=100, description="Регистрационный номер")
    document_date: date | None = Field(None, description="Дата документа (ГГГГ-ММ-ДД)")
    place: str = Field("", max_length=200, description="Место составления (город)")
    approver: Signatory = Field(default_factory=Signatory, description="Утверждает")
    executor: Signatory = Field(default_factory=Signatory, description="Исполнитель")


#: The title page's requisites a body fills (M-13), in the page's order; :func:`empty_requisites`.
TITLE_REQUISITES = ("organisation", "approver", "place")


def empty_requisites(study: Study) -> list[str]:
    """The title page's requisites left empty, of :data:`TITLE_REQUISITES`: the body (neither
    the organisation nor the scope's body), the approving official (position or name) and the
    place of compilation. The report leaves a blank line for each (only the year for the
    place); the run's page warns before it is downloaded."""
    req = study.requisites
    filled = {
        "organisation": bool(req.organisation or study.scope.body),
        "approver": bool(req.approver.position and req.approver.name),
        "place": bool(req.place),
    }
    return [name for name in TITLE_REQUISITES if not filled[name]]


# --- The document -----------------------------------------------------------------------------


class Study(_Model):
    """The client segment profile document."""

    schema_version: str = SCHEMA_VERSION
    id: Identifier
    title: str = Field(min_length=1)
    scope: Scope
    requisites: Requisites = Field(
        default_factory=Requisites, description="Реквизиты документа (M-13)"
    )
    roles: list[Role] = Field(default_factory=list)
    data_sources: list[DataSource] = Field(default_factory=list)
    features: list[Feature] = Field(default_factory=list)
    segmentation: Segmentation = Field(default_factory=Segmentation)
    priority: PrioritySettings = Field(default_factory=PrioritySettings)
    segment_notes: list[SegmentNote] = Field(default_factory=list)
    hunt_ladder: list[str] = Field(default_factory=lambda: list(DEFAULT_HUNT_LADDER), min_length=2)
    service_levels: list[str] = Field(
        default_factory=lambda: list(DEFAULT_SERVICE_LEVELS), min_length=2
    )
    hypotheses: list[Hypothesis] = Field(default_factory=list)
    research: ResearchPlan = Field(default_factory=ResearchPlan)
    topic_labels: list[TopicLabel] = Field(
        default_factory=list, description="Названия и объединения тем текстов, заданные командой"
    )
    journeys: list[Journey] = Field(default_factory=list)
    recommendations: list[Recommendation] = Field(default_factory=list)

    @field_validator("schema_version")
    @classmethod
    def _known_version(cls, value: str) -> str:
        major = value.split(".", 1)[0]
        if major != SCHEMA_VERSION.split(".", 1)[0]:
            raise ValueError(
                f"версия схемы {value} не поддерживается; поддерживается {SCHEMA_VERSION}"
            )
        return value

    # Lookups used by the pipeline and the checks.
    def feature(self, feature_id: str) -> Feature:
        for feature in self.features:
            if feature.id == feature_id:
                return feature
        raise KeyError(feature_id)

    def data_source(self, source_id: str) -> DataSource:
        for source in self.data_sources:
            if source.id == source_id:
                return source
        raise KeyError(source_id)

    def client_records(self) -> DataSource | None:
        """The first client-records source: the default table of every feature."""
        for source in self.data_sources:
            if source.kind is DataSourceKind.client_records:
                return source
        return None

    def segmented_features(self) -> list[Feature]:
        chosen = self.segmentation.by_feature.features
        if not chosen:
            return list(self.features)
        return [self.feature(fid) for fid in chosen]


def reference_problems(study: Study) -> list[tuple[tuple[str | int, ...], str]]:
    """Check that every identifier the document refers to exists, and ids are unique.

    Returns ``(path, message)`` pairs with ``path`` as a tuple of keys and list indexes.
    """
    problems: list[tuple[tuple[str | int, ...], str]] = []

    def unique(path: tuple[str | int, ...], items: list[Any]) -> set[str]:
        seen: set[str] = set()
        for i, item in enumerate(items):
            if item.id in seen:
                problems.append(((*path, i, "id"), f"идентификатор «{item.id}» повторяется"))
            seen.add(item.id)
        return seen

    acts = unique(("scope", "legal_acts"), study.scope.legal_acts)
    roles = unique(("roles",), study.roles)
    sources = unique(("data_sources",), study.data_sources)
    features = unique(("features",), study.features)
    hypotheses = unique(("hypotheses",), study.hypotheses)
    journeys = unique(("journeys",), study.journeys)
    unique(("recommendations",), study.recommendations)
    unique(("topic_labels",), study.topic_labels)
    unique(("research", "activities"), study.research.activities)

    feminine = {"гипотеза", "гипотеза-потребность", "роль"}

    def missing(
        path: tuple[str | int, ...], what: str, ref: str, known: set[str], whose: str = ""
    ) -> None:
        if ref not in known:
            listed = ", ".join(sorted(known)) or "нет ни одного"
            found = "не найдена" if what in feminine else "не найден"
            problems.append(
                (path, f"{what} «{ref}»{whose} {found} в исследовании; известные: {listed}")
            )

    for i, topic in enumerate(study.topic_labels):
        missing(("topic_labels", i, "source"), "источник данных", topic.source, sources)
    for i, role in enumerate(study.roles):
        if role.audience is None:
            continue
        for j, basis in enumerate(role.audience.legal_basis):
            missing(
                ("roles", i, "audience", "legal_basis", j, "act"),
                "НПА",
                basis.act,
                acts,
                f" (правовое основание роли «{role.title}»)",
            )
        if role.audience.population_source is not None:
            missing(
                ("roles", i, "audience", "population_source"),
                "источник данных",
                role.audience.population_source,
                sources,
            )
    for i, feature in enumerate(study.features):
        if feature.data_source is not None:
            missing(("features", i, "data_source"), "источник данных", feature.data_source, sources)
    for i, fid in enumerate(study.segmentation.by_feature.features):
        missing(("segmentation", "by_feature", "features", i), "признак", fid, features)
    for i, pair in enumerate(study.segmentation.by_feature.pairs):
        for j, fid in enumerate(pair):
            missing(("segmentation", "by_feature", "pairs", i, j), "признак", fid, features)
    for i, fid in enumerate(study.segmentation.clustering.features):
        missing(("segmentation", "clustering", "features", i), "признак", fid, features)
    steps = {f"{j.id}.{s.id}" for j in study.journeys for s in j.steps}
    for i, hyp in enumerate(study.hypotheses):
        if hyp.need is not None:
            missing(("hypotheses", i, "need"), "гипотеза-потребность", hyp.need, hypotheses)
        if hyp.hunt_stage is not None and hyp.hunt_stage > len(study.hunt_ladder):
            problems.append(
                (
                    ("hypotheses", i, "hunt_stage"),
                    f"ступень {hyp.hunt_stage} вне лестницы Ханта из {len(study.hunt_ladder)} "
                    "ступеней",
                )
            )
        if hyp.journey_step is not None:
            missing(("hypotheses", i, "journey_step"), "шаг пути", hyp.journey_step, steps)
    for i, act in enumerate(study.research.activities):
        for j, hid in enumerate(act.hypotheses):
            missing(("research", "activities", i, "hypotheses", j), "гипотеза", hid, hypotheses)
    for i, journey in enumerate(study.journeys):
        unique(("journeys", i, "steps"), journey.steps)
        for j, step in enumerate(journey.steps):
            if step.role is not None:
                missing(("journeys", i, "steps", j, "role"), "роль", step.role, roles)
            if step.service_level is not None and step.service_level > len(study.service_levels):
                problems.append(
                    (
                        ("journeys", i, "steps", j, "service_level"),
                        f"уровень {step.service_level} вне лестницы сервиса из "
                        f"{len(study.service_levels)} уровней",
                    )
                )
            for k, pain in enumerate(step.pains):
                missing(("journeys", i, "steps", j, "pains", k), "гипотеза", pain, hypotheses)
    # A recommendation's problems are not checked: a problem deleted since stays listed, marked
    # on the page (``pipeline.orphaned_recommendations``), so the team's link is not lost.
    for i, rec in enumerate(study.recommendations):
        if rec.journey is not None:
            missing(("recommendations", i, "journey"), "путь", rec.journey, journeys)
    return problems
