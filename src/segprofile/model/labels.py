"""Russian names of the document's enumerations, shared by the web, the CLI and the reports."""

from __future__ import annotations

from enum import StrEnum

from segprofile.model.study import (
    AidasStage,
    ClientType,
    DataSourceKind,
    EvidenceKind,
    FeatureSourceKind,
    FeatureType,
    HypothesisKind,
    HypothesisStatus,
    JourneyKind,
    RecommendationKind,
    ResearchMethod,
    ResearchStatus,
    RoleKind,
    ScopeKind,
)

RU: dict[StrEnum, str] = {
    ScopeKind.service: "Государственная услуга",
    ScopeKind.function: "Государственная функция",
    ScopeKind.support_measure: "Мера поддержки",
    ScopeKind.life_situation: "Жизненная ситуация",
    ScopeKind.process_group: "Группа внутренних процессов",
    ClientType.internal: "внутренний клиент",
    ClientType.citizen: "гражданин",
    ClientType.business: "представитель бизнеса",
    RoleKind.applicant: "Заявитель / получатель",
    RoleKind.internal_client: "Внутренний клиент",
    RoleKind.intermediary: "Посредник",
    RoleKind.is_operator: "Оператор ИС",
    RoleKind.other: "Другая роль",
    DataSourceKind.client_records: "Данные о клиентах",
    DataSourceKind.population: "Численность имеющих право",
    DataSourceKind.survey: "Опрос",
    DataSourceKind.interviews: "Интервью",
    DataSourceKind.complaints: "Жалобы и обращения",
    DataSourceKind.other: "Другое",
    FeatureType.categorical: "категориальный",
    FeatureType.numeric: "числовой",
    FeatureType.boolean: "да / нет",
    FeatureSourceKind.legal_act: "НПА",
    FeatureSourceKind.document_attribute: "Атрибут документов и сведений",
    FeatureSourceKind.vulnerable_group: "Социально незащищённая группа",
    FeatureSourceKind.other: "Другое (дизайн-мышление, CustDev)",
    HypothesisKind.need: "Потребность",
    HypothesisKind.problem: "Проблема",
    HypothesisStatus.suggested: "Предложена",
    HypothesisStatus.open: "Требует проверки",
    HypothesisStatus.confirmed: "Подтверждена",
    HypothesisStatus.refuted: "Опровергнута",
    HypothesisStatus.not_enough_data: "Недостаточно данных",
    AidasStage.attention: "Внимание",
    AidasStage.interest: "Интерес",
    AidasStage.desire: "Желание",
    AidasStage.action: "Действие",
    AidasStage.satisfaction: "Удовлетворение",
    EvidenceKind.statistics: "Статистика",
    EvidenceKind.survey: "Опрос",
    EvidenceKind.interview: "Интервью",
    EvidenceKind.complaint: "Жалоба",
    EvidenceKind.open_source: "Открытые источники",
    EvidenceKind.other: "Другое",
    ResearchMethod.interview: "Глубинное интервью",
    ResearchMethod.survey: "Количественный опрос",
    ResearchMethod.focus_group: "Фокус-группа",
    ResearchMethod.desk: "Кабинетное исследование",
    ResearchStatus.planned: "Запланировано",
    ResearchStatus.in_progress: "Идёт",
    ResearchStatus.done: "Завершено",
    JourneyKind.current: "Текущий",
    JourneyKind.target: "Целевой",
    RecommendationKind.optimisation: "Оптимизация клиентского пути",
    RecommendationKind.personalisation: "Персонализация",
    RecommendationKind.informing: "Повышение информированности",
}


def ru(value: StrEnum | None) -> str:
    """Russian name of an enumeration member (its value when none is known)."""
    if value is None:
        return "—"
    return RU.get(value, value.value)


#: Parts of the priority score (M-6), in the order they are shown.
PRIORITY_PARTS: dict[str, str] = {
    "capacity": "ёмкость",
    "dissatisfaction": "неудовлетворённость",
    "blind_zone": "слепая зона",
    "uniqueness": "уникальность проблем",
    "sponsor": "позиция заказчика",
}
