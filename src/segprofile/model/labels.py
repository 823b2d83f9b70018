"""Russian names of the document's enumerations, shared by the web, the CLI and the reports."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum

from segprofile.model.format import fewer, plural, shorten
from segprofile.model.journey_links import Backing
from segprofile.model.results import FeatureSegmentation, Profile
from segprofile.model.study import (
    AidasStage,
    ClientType,
    DataSourceKind,
    EvidenceKind,
    Feature,
    FeatureSourceKind,
    FeatureType,
    Hypothesis,
    HypothesisKind,
    HypothesisStatus,
    JourneyKind,
    RecommendationKind,
    RecommendationStatus,
    ResearchMethod,
    ResearchStatus,
    RespondentStatus,
    RoleKind,
    ScopeKind,
    Study,
)

# Keyed by the member's class and value: members of different enumerations share values
# («confirmed», «planned», «other»…) and, being strings, would be one key of a plain dict.
_RU_NAMES: tuple[tuple[StrEnum, str], ...] = (
    (ScopeKind.service, "Государственная услуга"),
    (ScopeKind.function, "Государственная функция"),
    (ScopeKind.support_measure, "Мера поддержки"),
    (ScopeKind.life_situation, "Жизненная ситуация"),
    (ScopeKind.process_group, "Группа внутренних процессов"),
    (ClientType.internal, "внутренний клиент"),
    (ClientType.citizen, "гражданин"),
    (ClientType.business, "представитель бизнеса"),
    (RoleKind.applicant, "Заявитель / получатель"),
    (RoleKind.internal_client, "Внутренний клиент"),
    (RoleKind.intermediary, "Посредник"),
    (RoleKind.is_operator, "Оператор ИС"),
    (RoleKind.other, "Другая роль"),
    (DataSourceKind.client_records, "Данные о клиентах"),
    (DataSourceKind.population, "Численность имеющих право"),
    (DataSourceKind.survey, "Опрос"),
    (DataSourceKind.interviews, "Интервью"),
    (DataSourceKind.complaints, "Жалобы и обращения"),
    (DataSourceKind.other, "Другое"),
    (FeatureType.categorical, "категориальный"),
    (FeatureType.numeric, "числовой"),
    (FeatureType.boolean, "да / нет"),
    (FeatureSourceKind.legal_act, "НПА"),
    (FeatureSourceKind.document_attribute, "Атрибут документов и сведений"),
    (FeatureSourceKind.vulnerable_group, "Социально незащищённая группа"),
    (FeatureSourceKind.other, "Другое (дизайн-мышление, CustDev)"),
    (HypothesisKind.need, "Потребность"),
    (HypothesisKind.problem, "Проблема"),
    (HypothesisStatus.suggested, "Предложена"),
    (HypothesisStatus.open, "Открыта"),
    (HypothesisStatus.confirmed, "Подтверждена"),
    (HypothesisStatus.refuted, "Опровергнута"),
    (HypothesisStatus.not_enough_data, "Недостаточно данных"),
    (AidasStage.attention, "Внимание"),
    (AidasStage.interest, "Интерес"),
    (AidasStage.desire, "Желание"),
    (AidasStage.action, "Действие"),
    (AidasStage.satisfaction, "Удовлетворение"),
    (EvidenceKind.statistics, "Статистика"),
    (EvidenceKind.survey, "Опрос"),
    (EvidenceKind.interview, "Интервью"),
    (EvidenceKind.complaint, "Жалоба"),
    (EvidenceKind.open_source, "Открытые источники"),
    (EvidenceKind.other, "Другое"),
    (ResearchMethod.interview, "Глубинное интервью"),
    (ResearchMethod.survey, "Количественный опрос"),
    (ResearchMethod.focus_group, "Фокус-группа"),
    (ResearchMethod.desk, "Кабинетное исследование"),
    (ResearchStatus.planned, "Запланировано"),
    (ResearchStatus.in_progress, "Идёт"),
    (ResearchStatus.done, "Завершено"),
    (RespondentStatus.invited, "Приглашён"),
    (RespondentStatus.interviewed, "Интервью проведено"),
    (RespondentStatus.refused, "Отказался от интервью"),
    (RespondentStatus.opted_out, "Просит больше не приглашать"),
    (JourneyKind.current, "Текущий"),
    (JourneyKind.target, "Целевой"),
    (RecommendationKind.optimisation, "Оптимизация клиентского пути"),
    (RecommendationKind.personalisation, "Персонализация"),
    (RecommendationKind.informing, "Повышение информированности"),
    (RecommendationStatus.planned, "Запланирована"),
    (RecommendationStatus.in_progress, "Выполняется"),
    (RecommendationStatus.done, "Выполнена"),
    (RecommendationStatus.declined, "Отклонена"),
    (Backing.no_data, "нет данных"),
    (Backing.partial, "частично"),
    (Backing.confirmed, "подтверждено исследованием"),
)
RU: dict[tuple[type, str], str] = {(type(m), m.value): text for m, text in _RU_NAMES}


#: Who the clients are, as a sentence lists them (plural): «Клиенты: граждане».
CLIENTS: dict[ClientType, str] = {
    ClientType.internal: "внутренние клиенты",
    ClientType.citizen: "граждане",
    ClientType.business: "представители бизнеса",
}


def ru(value: StrEnum | None) -> str:
    """Russian name of an enumeration member (its value when none is known)."""
    if value is None:
        return "—"
    return RU.get((type(value), value.value), value.value)


@dataclass(frozen=True)
class CountUnit:
    """What a capacity counts, as every text names it: the rows of the client records (the
    count the methodology's formulas use). With one row a client (or no client id) a row is a
    client: «клиентов»; with several rows a client (trips of employees, applications) the rows
    are records: «записей», and the clients are the different ids beside them. The one wording
    of both in every text: a sentence («4 742 клиента») and a column («Клиентов») alike."""

    records: bool = False

    def count(self, n: int) -> str:
        """A capacity in a sentence: «4 742 клиента» or «4 742 записи»."""
        return plural(n, "запись", "записи", "записей") if self.records else self.clients(n)

    def fewer(self, n: int) -> str:
        """Fewer than a count, as a threshold reads: «меньше 5 клиентов», «меньше 21 клиента»
        or «меньше 21 записи»."""
        return fewer(n, "записи", "записей") if self.records else fewer(n, "клиента", "клиентов")

    @staticmethod
    def clients(n: int) -> str:
        """Clients in a sentence: «1 клиент», «36 клиентов» (beside records: different ids)."""
        return plural(n, "клиент", "клиента", "клиентов")

    #: The column of the clients beside the records of a segments table.
    clients_column = "Клиентов"

    @property
    def column(self) -> str:
        """The capacity column of a segments table."""
        return "Записей" if self.records else "Ёмкость"

    @property
    def axis(self) -> str:
        """The capacity axis of a chart."""
        return "Ёмкость, записей" if self.records else "Ёмкость, клиентов"

    @property
    def share_axis(self) -> str:
        """The axis of a capacity given as a share."""
        return "Ёмкость: доля записей" if self.records else "Ёмкость: доля клиентов"


def count_unit(
    features: Iterable[FeatureSegmentation], clients: int | None = None, rows: int | None = None
) -> CountUnit:
    """Records when the data has several rows a client: the different clients of the data
    (``clients``) are fewer than its ``rows``, or a segment has fewer clients than rows."""
    several = clients is not None and rows is not None and clients != rows
    several = several or any(
        s.clients is not None and s.capacity is not None and s.clients != s.capacity
        for fs in features
        for s in fs.segments
    )
    return CountUnit(records=several)


def profile_unit(profile: Profile) -> CountUnit:
    """The unit of a (computed or published) profile's capacities (:func:`count_unit`)."""
    return count_unit(profile.by_feature, profile.distinct_clients, profile.total_clients)


#: Parts of the priority score (M-6), in the order they are shown.
PRIORITY_PARTS: dict[str, str] = {
    "capacity": "ёмкость",
    "dissatisfaction": "неудовлетворённость",
    "blind_zone": "слепая зона",
    "uniqueness": "уникальность проблем",
    "sponsor": "позиция заказчика",
}


# --- Labels of category values: one casing everywhere ------------------------------------------

#: The label of the segment of clients whose value is missing.
MISSING_CODE = "NA"
MISSING_LABEL = "Нет данных"
#: The segment of texts (complaints, answers) whose author is not among the client records:
#: they could not be linked to a client, so nothing says which segment wrote them.
UNLINKED_LABEL = "Не связаны с клиентами"
BOOLEAN_LABELS = {"true": "Да", "false": "Нет"}
#: The code of the combined line of a feature's rare values (its key: «признак=__other__») and
#: its short name: the code is never shown.
OTHER_CODE = "__other__"
OTHER_NAME = "Прочие значения"


def is_combined(key: str) -> bool:
    """Whether a segment key is (or pairs with) a combined line of rare values: no segment to
    offer for a hypothesis, a journey, a recommendation or a research quota (it stands for no
    value in the data, and its people are in groups of fewer than ``min_cell``)."""
    return any(part.partition("=")[2] == OTHER_CODE for part in key.split("&"))


def sentence_case(text: str) -> str:
    """A label as it starts a line: the first letter upper case, the rest as written.

    «в браке» → «В браке»; «HS-grad», «United-States», «МФЦ» and «25–39 лет» stay as they are
    (codes and abbreviations keep their own casing: never «hS-grad»), and so does a settlement
    or an address that opens with its lower-case abbreviation: «г. Тверь», «с. Берёзовка»,
    «пгт Редкино» (a value of the data, never «Г. Тверь»).
    """
    text = " ".join(text.split())
    if _LOWER_ABBREVIATION.match(text):
        return text
    return text[:1].upper() + text[1:]


#: A lower-case abbreviation a place's name opens with: «г.», «с.», «д.», «пос.», «ул.», «пгт».
_LOWER_ABBREVIATION = re.compile(r"^(?:[а-яё]{1,4}\.|пгт|рп|снт)(?=\s|$)")


def _is_abbreviation(word: str) -> bool:
    letters = [c for c in word if c.isalpha()]
    return len(letters) > 1 and letters[0].isupper() and letters[1].isupper()


def inline_label(text: str) -> str:
    """A label inside a sentence: «Сельская местность» → «сельская местность».

    Only a Cyrillic first word that is not an abbreviation goes lower case: «МФЦ», «HS-grad»
    and «United-States» (codes and names from the data) keep their casing.
    """
    text = " ".join(text.split())
    first = text.split(" ", 1)[0] if text else ""
    if not first or _is_abbreviation(first):
        return text
    if not ("А" <= first[0] <= "Я" or first[0] == "Ё"):
        return text
    return text[:1].lower() + text[1:]


def value_label(feature: Feature, code: str) -> str:
    """The label of a category value of ``feature``, in sentence case.

    The study's ``value_labels`` first, then «Да» / «Нет» for booleans and «Нет данных» for a
    missing value; a value without a label is shown as the data have it (sentence case only).
    Numeric intervals are labelled where they are cut (``analysis.by_feature``).
    """
    if code == MISSING_CODE:
        return MISSING_LABEL
    label = feature.value_labels.get(code)
    if label is None and (feature.type is FeatureType.boolean or code in BOOLEAN_LABELS):
        label = BOOLEAN_LABELS.get(code)
    return sentence_case(label if label is not None else code)


def merged_codes(feature: Feature) -> dict[str, str]:
    """Category values the team merged by giving them one label: value → the value that stands
    for the group (the first with that label in ``value_labels``), for groups of two or more.

    Numeric features are cut by their binning, not merged by labels: ``{}``.
    """
    if feature.type is FeatureType.numeric:
        return {}
    first: dict[str, str] = {}
    groups: dict[str, list[str]] = {}
    for code, label in feature.value_labels.items():
        key = " ".join(label.split()).casefold()
        first.setdefault(key, code)
        groups.setdefault(key, []).append(code)
    return {code: first[key] for key, codes in groups.items() if len(codes) > 1 for code in codes}


def segment_name(
    features: Sequence[Feature], key: str, known: Mapping[str, str] | None = None
) -> str:
    """A segment key as the analyst reads it: «channel=office» → «Канал подачи: Офис»,
    «a=x&b=y» → «…: … и …: …», «cluster=3» → «кластер 3».

    The one labelling rule of segments for guides, quotas and reports: each value as the
    segments table shows it (its own capitalisation, sentence case). ``known`` gives the names
    a built profile has for one-feature keys («income=<28522,8» → «Доход, руб.: Менее 28 523»,
    ``analysis.hypotheses.known_segments``): a numeric interval is named by its code without it.
    Labels come from the study (feature labels, value labels); a value of a deleted feature is
    said to be one.
    """
    by_id = {f.id: f for f in features}
    parts = []
    for part in key.split("&"):
        fid, sep, code = part.partition("=")
        feature = by_id.get(fid)
        if known and part in known:
            parts.append(known[part])
        elif fid == "cluster" and sep:
            parts.append(f"кластер {code}")
        elif code == OTHER_CODE and sep:
            parts.append(f"{feature.label if feature is not None else fid}: {OTHER_NAME}")
        elif feature is not None and sep:
            parts.append(f"{feature.label}: {value_label(feature, code)}")
        elif sep:
            parts.append(gone_feature_value(code))
        else:
            parts.append(part)
    return " и ".join(parts)


def study_segment_keys(study: Study) -> list[str]:
    """Every segment key the study names: journeys', hypotheses', recommendations', research
    activities' and notes' (the values a segment's name can stand for beyond the value labels)."""
    keys: list[str] = []
    for journey in study.journeys:
        keys += journey.segments
    for hypothesis in study.hypotheses:
        keys += hypothesis.segments
    for recommendation in study.recommendations:
        keys += recommendation.segments
    for activity in study.research.activities:
        keys += activity.segments
    keys += [n.segment for n in study.segment_notes]
    return list(dict.fromkeys(keys))


def _same_text(a: str, b: str) -> bool:
    return " ".join(a.split()).casefold() == " ".join(b.split()).casefold()


def _part_keys(features: Sequence[Feature], codes: dict[str, list[str]], part: str) -> set[str]:
    """The keys «признак=значение» that :func:`segment_name` names ``part`` (one feature's
    value, or «кластер N»)."""
    text = " ".join(part.split())
    found: set[str] = set()
    head, _, number = text.partition(" ")
    if head.casefold() == "кластер" and number:
        found.add(f"cluster={number}")
    # A feature's label may itself hold «: », so every place of it is tried.
    for at in (i for i in range(len(text)) if text.startswith(": ", i)):
        label, value = text[:at], text[at + 2 :]
        for feature in (f for f in features if _same_text(f.label, label)):
            known = [
                code
                for code in codes.get(feature.id, [])
                if _same_text(value_label(feature, code), value)
            ]
            # A value no label and no segment of the study spells is read as the data have it
            # (a numeric interval, say), unless it would swallow the next part of an intersection.
            if not known and " и " not in value and value_label(feature, value) == value:
                known = [value]
            found.update(f"{feature.id}={code}" for code in known)
    return found


def segment_keys_named(
    features: Sequence[Feature], name: str, known_keys: Sequence[str] = ()
) -> set[str]:
    """The segment keys :func:`segment_name` names ``name`` (read back, case and spacing
    aside): one for a name that stands for one segment, several for an ambiguous name, none for
    a name the study cannot read. ``known_keys`` adds the values of segments the study names."""
    codes: dict[str, list[str]] = {}
    for feature in features:
        codes[feature.id] = list(feature.value_labels)
        if feature.type is FeatureType.boolean:
            codes[feature.id] += list(BOOLEAN_LABELS)
        codes[feature.id].append(MISSING_CODE)
    for key in known_keys:
        for part in key.split("&"):
            fid, _, code = part.partition("=")
            codes.setdefault(fid, []).append(code)
    words = " ".join(name.split()).split(" и ")
    if len(words) > 12:  # a text, not a segment's name: not worth every way of cutting it
        return set()
    found: set[str] = set()

    def walk(start: int, keys: tuple[str, ...]) -> None:
        if start == len(words):
            found.add("&".join(keys))
            return
        for end in range(start + 1, len(words) + 1):
            for key in _part_keys(features, codes, " и ".join(words[start:end])):
                walk(end, (*keys, key))

    walk(0, ())
    return found


def gone_feature_value(code: str) -> str:
    """A segment's value of a feature the study does not have (deleted, with its name)."""
    return f"значение «{code}» признака, которого нет в исследовании"


STEP_GONE = "(шаг удалён из пути)"


def journey_step_name(study: Study, key: str) -> str:
    """A «путь.шаг» reference as the analyst reads it: «Текущий путь: Подача заявления»."""
    journey_id, _, step_id = key.partition(".")
    for journey in study.journeys:
        if journey.id == journey_id:
            for step in journey.steps:
                if step.id == step_id:
                    return f"{journey.title}: {step.title}"
    return STEP_GONE


def source_titles(study: Study) -> dict[str, str]:
    """Each data source as the pages name it, by its id: its title, or its id when it has none
    (id → «Обращения в МФЦ»). A source no longer in the study is not here: show its id."""
    return {s.id: s.title.strip() or s.id for s in study.data_sources}


def hypothesis_number(study: Study, hypothesis_id: str) -> int | None:
    """The hypothesis' number in the report and on the pages (its place in the study), if any."""
    for n, h in enumerate(study.hypotheses, start=1):
        if h.id == hypothesis_id:
            return n
    return None


def hypothesis_name(study: Study, hypothesis_id: str, limit: int = 70) -> str:
    """A hypothesis as the report and the pages number it, its statement shortened: «№ 2.
    Сельские заявители не знают…»; one deleted since is said to be. Never its id."""
    return hypothesis_names(study.hypotheses, limit).get(hypothesis_id, DELETED_HYPOTHESIS)


# --- Hypotheses by their numbers ------------------------------------------------------------

#: A hypothesis named somewhere that the study no longer has.
DELETED_HYPOTHESIS = "(гипотеза удалена из исследования)"


def hypothesis_names(hypotheses: Sequence[Hypothesis], width: int | None = 70) -> dict[str, str]:
    """Each hypothesis as reports and pages name it, never by its id: its place in the study and
    its statement shortened to ``width`` characters — id → «№ 2. Сельские заявители не знают…»;
    whole with ``width=None`` (the filed report cuts no statement short)."""
    names = {}
    for n, h in enumerate(hypotheses, start=1):
        statement = " ".join(h.statement.split()) if width is None else shorten(h.statement, width)
        names[h.id] = f"№ {n}. {statement}"
    return names
