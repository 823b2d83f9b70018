"""Result types: the computed Profile, with provenance. Pure data, JSON round-trip."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

PROFILE_SCHEMA_VERSION = "1.0"


class _Result(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Interval(_Result):
    low: float
    high: float


class SatisfactionStats(_Result):
    """Baseline satisfaction of a group: ratings on the study's scale."""

    n: int = Field(description="Число клиентов с оценкой")
    mean: float | None = None
    csat: float | None = Field(None, description="Доля оценок не ниже порога (4–5)")
    csat_interval: Interval | None = Field(None, description="Интервал Уилсона")


class SurveyStats(_Result):
    """Baseline from survey answers (нулевой замер): satisfaction and NPS with intervals."""

    n: int
    mean: float | None = None
    csat: float | None = None
    csat_interval: Interval | None = None
    nps: float | None = Field(None, description="NPS на шкале −1…1")
    nps_interval: Interval | None = None
    needed: int | None = Field(None, description="Нужно ответов для заданной погрешности")
    too_small: bool = Field(False, description="Выборка меньше нужной")


class Trait(_Result):
    """A value over-represented in a segment compared with everyone (what distinguishes it)."""

    feature_id: str
    feature_label: str
    value: str
    label: str
    share_in_segment: float
    share_overall: float
    lift: float


class BlindZone(_Result):
    """Entitled people of a segment who do not apply (M-6)."""

    entitled: float = Field(description="Имеют право (по данным о численности)")
    entitled_interval: Interval | None = Field(None, description="Если численность — оценка")
    applicants: int = Field(description="Обратившиеся клиенты, имеющие право")
    blind: float = Field(description="Не обратились")
    share: float | None = Field(None, description="Доля не обратившихся среди имеющих право")


class Priority(_Result):
    """A segment's priority score with its parts and the reasons in Russian (M-6)."""

    score: float
    rank: int
    parts: dict[str, float] = Field(description="Вклад каждой части в оценку")
    reasons: list[str]


class SegmentStats(_Result):
    key: str = Field(description="«признак=значение»")
    value: str = Field(description="Значение или интервал (код)")
    label: str = Field(description="Подпись сегмента")
    capacity: int
    share: float
    satisfaction: SatisfactionStats
    missing_value: bool = Field(False, description="Сегмент «нет данных»")
    distinctive: list[Trait] = Field(
        default_factory=list, description="Чем сегмент отличается по другим признакам"
    )
    clients: int | None = Field(None, description="Разных клиентов (если известен их id)")
    blind_zone: BlindZone | None = None
    survey: SurveyStats | None = None
    priority: Priority | None = None


class FeatureSegmentation(_Result):
    feature_id: str
    label: str
    column: str
    type: str
    binning: str = Field("", description="Как разбит числовой признак")
    source_kind: str | None = None
    source_reference: str = ""
    segments: list[SegmentStats]


class CrossSegmentation(_Result):
    """Cross segments of a pair of features (``a=x&b=y``)."""

    feature_ids: tuple[str, str]
    label: str
    segments: list[SegmentStats]


class NeverApplyingGroup(_Result):
    """An entitled group present in the population but absent among applicants."""

    values: dict[str, str] = Field(description="признак → код значения")
    label: str
    entitled: float


class AudienceSummary(_Result):
    role_id: str
    population_source: str
    eligibility_rule: str | None = None
    entitled: float
    applicants: int
    coverage: float | None = Field(None, description="Доля обратившихся среди имеющих право")
    never_applying: list[NeverApplyingGroup] = Field(default_factory=list)


class SensitivityRow(_Result):
    """How the top segments change when one weight moves by ±20 %."""

    weight: str
    change: float
    top: list[str]
    entered: list[str]
    left: list[str]


class PrioritySummary(_Result):
    mode: str = Field(description="low | high: какая ветка правила методики применена")
    overall_csat: float | None
    weights: dict[str, float]
    explanation: str
    top: list[str] = Field(description="Ключи сегментов по убыванию приоритета")
    sensitivity: list[SensitivityRow] = Field(default_factory=list)


class DataFile(_Result):
    source_id: str
    path: str
    rows: int
    sha256: str


class Provenance(_Result):
    study_id: str
    study_hash: str
    study_revision: int | None = None
    data_fingerprint: str
    data_files: list[DataFile]
    parameters: dict[str, object]
    seed: int
    version: str
    engine: str
    created_at: datetime


class Profile(_Result):
    schema_version: str = PROFILE_SCHEMA_VERSION
    study_id: str
    study_title: str
    provenance: Provenance
    total_clients: int
    satisfaction: SatisfactionStats
    by_feature: list[FeatureSegmentation]
    cross: list[CrossSegmentation] = Field(default_factory=list)
    audience: AudienceSummary | None = None
    survey: SurveyStats | None = None
    survey_source: str | None = None
    priority: PrioritySummary | None = None
    warnings: list[str] = Field(default_factory=list)
