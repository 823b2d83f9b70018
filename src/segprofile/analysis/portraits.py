"""Portraits of clusters and segments (M-4): traits, a Russian name, persona and empathy drafts.

A portrait is drafted from counts that the engine already computed for a group of clients
(a cluster, or a one-feature segment) against everyone:

* **traits** — categorical values over-represented in the group (lift = share in the group /
  share overall, at least :data:`~segprofile.analysis.by_feature.TRAIT_MIN_LIFT`, covering at
  least :data:`~segprofile.analysis.by_feature.TRAIT_MIN_SHARE` of it), ranked by
  ``share × ln(lift)`` (the value's contribution to the divergence of the group from everyone),
  and numeric means shifted by at least :data:`NUMERIC_MIN_SD` standard deviations;
* **definition** — the top :data:`DEFINITION_SIZE` categorical traits (one per feature) as
  sorted «признак=значение» strings: what the team's edits are matched by on a re-run;
* **name** — a Russian noun phrase built from the definition traits' value labels with
  pymorphy3 (:func:`portrait_name`): the role's noun in the plural, adjectives and participles
  agreeing with it, prepositional groups in the right case, e.g. «Заявители из многодетных
  семей в сельской местности, подающие через МФЦ»;
* **persona card** and **empathy map** drafts: each field says whether its text came from the
  data (``data``), waits for interviews (``interviews``) or was written by the team (``team``).

Team edits (:class:`~segprofile.model.study.PortraitEdit`) are attached to the portrait whose
definition is most similar (Jaccard index at least :data:`MATCH_THRESHOLD`); an edit that
matches nothing is kept and reported, never dropped (:func:`apply_edits`).
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from segprofile.analysis.by_feature import MISSING_CODE, TRAIT_MIN_LIFT, TRAIT_MIN_SHARE
from segprofile.model.results import (
    Portrait,
    PortraitField,
    PortraitTrait,
    SatisfactionStats,
    UnmatchedPortraitEdit,
    known,
)
from segprofile.model.study import (
    EMPATHY_FIELDS,
    PERSONA_FIELDS,
    ClientType,
    Feature,
    FeatureType,
    PortraitEdit,
    RoleKind,
    Study,
)

#: A numeric mean is a trait from this many standard deviations away from everyone's mean.
NUMERIC_MIN_SD = 0.5
#: Categorical traits in a definition (and so in a name).
DEFINITION_SIZE = 3
#: Traits kept per portrait.
TRAITS_PER_PORTRAIT = 8
#: Jaccard index of two definitions from which a team edit is carried over to a portrait.
MATCH_THRESHOLD = 0.5

DATA = "data"
INTERVIEWS = "interviews"
TEAM = "team"


# --- the counts a portrait is drafted from ---------------------------------------------------


@dataclass
class GroupCounts:
    """What the engine counted for one group of clients (or for everyone)."""

    key: str
    capacity: int
    satisfaction: SatisfactionStats
    #: feature id → segment code → rows of the group with that code.
    values: dict[str, dict[str, int]] = field(default_factory=dict)
    #: feature id → mean of the numeric column in the group (None: no values).
    means: dict[str, float | None] = field(default_factory=dict)
    #: feature id → standard deviation (used for everyone).
    sds: dict[str, float | None] = field(default_factory=dict)


Labeller = Callable[[Feature, str], str]


def _ru(value: float, digits: int = 1) -> str:
    return f"{value:.{digits}f}".replace(".", ",")


def _int(value: int) -> str:
    return f"{value:,}".replace(",", "\u00a0")


def _pct(value: float) -> str:
    return f"{round(100 * value)}\u00a0%"


def find_traits(
    study: Study,
    group: GroupCounts,
    everyone: GroupCounts,
    features: Sequence[Feature],
    label: Labeller,
    *,
    min_count: int,
) -> list[PortraitTrait]:
    """Distinctive traits of ``group`` against ``everyone``: categorical lifts, numeric shifts.

    Codes with fewer than ``min_count`` rows in the group are not traits (small cells).
    """
    scored: list[tuple[float, PortraitTrait]] = []
    for feature in features:
        counts = group.values.get(feature.id, {})
        overall = everyone.values.get(feature.id, {})
        for code, n in counts.items():
            total = overall.get(code, 0)
            if code == MISSING_CODE or n < min_count or total <= 0 or group.capacity <= 0:
                continue
            share_in = n / group.capacity
            share_all = total / everyone.capacity
            lift = share_in / share_all
            if lift < TRAIT_MIN_LIFT or share_in < TRAIT_MIN_SHARE:
                continue
            value_label = label(feature, code)
            scored.append(
                (
                    share_in * math.log(lift),
                    PortraitTrait(
                        kind="categorical",
                        feature_id=feature.id,
                        feature_label=feature.label,
                        value=code,
                        label=value_label,
                        share_in_segment=share_in,
                        share_overall=share_all,
                        lift=lift,
                        text=(
                            f"{feature.label}: {value_label} — {_pct(share_in)} "
                            f"(в целом {_pct(share_all)}, в {_ru(lift)} раза чаще)"
                        ),
                    ),
                )
            )
        if feature.type is FeatureType.numeric:
            mean = group.means.get(feature.id)
            mean_all = everyone.means.get(feature.id)
            sd = everyone.sds.get(feature.id)
            if mean is None or mean_all is None or not sd:
                continue
            diff = (mean - mean_all) / sd
            if abs(diff) < NUMERIC_MIN_SD:
                continue
            direction = "выше" if diff > 0 else "ниже"
            scored.append(
                (
                    # Comparable with the categorical scores: a 1-SD shift ≈ a strong value.
                    0.25 * abs(diff),
                    PortraitTrait(
                        kind="numeric",
                        feature_id=feature.id,
                        feature_label=feature.label,
                        label=f"{feature.label}: {direction} среднего",
                        mean_in_segment=mean,
                        mean_overall=mean_all,
                        difference_sd=diff,
                        text=(
                            f"{feature.label}: в среднем {_ru(mean)} (в целом {_ru(mean_all)}; "
                            f"{'+' if diff > 0 else '−'}{_ru(abs(diff))}\u00a0σ)"
                        ),
                    ),
                )
            )
    scored.sort(key=lambda item: -item[0])
    return [trait for _, trait in scored[:TRAITS_PER_PORTRAIT]]


def defining_traits(
    traits: Sequence[PortraitTrait], defining: set[str] | None = None
) -> list[PortraitTrait]:
    """The categorical traits of the ``defining`` features (all when none of them has one)."""
    categorical = [t for t in traits if t.kind == "categorical"]
    if defining is None:
        return categorical
    chosen = [t for t in categorical if t.feature_id in defining]
    return chosen or categorical


def definition(traits: Sequence[PortraitTrait], fallback: str) -> list[str]:
    """The defining traits «признак=значение» (one value per feature), sorted; or the key."""
    chosen: list[str] = []
    seen: set[str] = set()
    for trait in traits:
        if trait.kind != "categorical" or trait.feature_id in seen:
            continue
        seen.add(trait.feature_id)
        chosen.append(f"{trait.feature_id}={trait.value}")
        if len(chosen) == DEFINITION_SIZE:
            break
    return sorted(chosen) or [fallback]


# --- the name ---------------------------------------------------------------------------------


@cache
def _morph() -> Any:
    import pymorphy3  # type: ignore[import-untyped]  # the dictionary loads once, ~0.2 s

    return pymorphy3.MorphAnalyzer()


_PLACE_NOUNS = frozenset(
    {
        *("местность", "город", "село", "деревня", "посёлок", "поселок", "район", "райцентр"),
        *("центр", "область", "край", "регион", "столица", "пригород", "округ"),
    }
)
_UNIT_NOUNS = frozenset({"департамент", "отдел", "управление", "подразделение", "служба", "филиал"})
_FAMILY_NOUNS = frozenset({"семья"})
_VIA_DATIVE = frozenset({"почта", "телефон"})
_TOKEN_RE = re.compile(
    r"[A-Za-zА-Яа-яЁё0-9%]+(?:[-–][A-Za-zА-Яа-яЁё0-9%]+)*|[^\sA-Za-zА-Яа-яЁё0-9]"
)


def _parses(word: str) -> list[Any]:
    return list(_morph().parse(word))


def _parse_as(word: str, pos: str) -> Any | None:
    for parse in _parses(word):
        if pos == parse.tag.POS:
            return parse
    return None


def _inflect(parse: Any, grammemes: set[str], original: str) -> str:
    form = parse.inflect(grammemes)
    text = str(form.word) if form is not None else original.lower()
    return _keep_case(original, text)


def _keep_case(original: str, text: str) -> str:
    """Abbreviations keep their case; other words go lower case (a name's middle)."""
    if len(original) > 1 and original.isupper():
        return original
    if original[:1].isupper() and original[1:2].isupper():
        return original
    return text


def _clean(label: str) -> tuple[str, str]:
    """The label without parenthesised remarks (and after a comma); the first remark."""
    remark = ""
    found = re.search(r"\(([^()]*)\)", label)
    if found:
        remark = found.group(1).strip()
    text = re.sub(r"\s*\([^()]*\)", "", label).strip()
    text = text.split(",")[0].strip()
    return text, remark


def _noun_phrase(words: list[str], case: str, number: str | None = None) -> str | None:
    """Inflect «[прил.] сущ. [зависимые слова]» to ``case`` (and ``number``); None if not one."""
    if not words:
        return None
    adjectives: list[Any] = []
    i = 0
    while i < len(words) - 1:
        adj = _parse_as(words[i], "ADJF")
        followed = _parse_as(words[i + 1], "NOUN") is not None or _is_adjective(words[i + 1])
        if adj is None or not followed:
            break
        adjectives.append(adj)
        i += 1
    noun = _parse_as(words[i], "NOUN")
    if noun is None:
        return None
    num = number or ("plur" if "plur" in noun.tag else "sing")
    gram = {case, num}
    head = _inflect(noun, gram, words[i])
    gender = noun.tag.gender
    mods = []
    for word, adj in zip(words[:i], adjectives, strict=True):
        wanted = set(gram)
        if num == "sing" and gender:
            wanted.add(gender)
        if case == "accs" and num == "sing" and gender == "masc":
            wanted.add("anim" if "anim" in noun.tag else "inan")
        mods.append(_inflect(adj, wanted, word))
    return " ".join([*mods, head, *words[i + 1 :]])


@dataclass
class _Phrase:
    before: list[str] = field(default_factory=list)  # adjectives before the head noun
    groups: list[str] = field(default_factory=list)  # prepositional groups after it
    clauses: list[str] = field(default_factory=list)  # participial clauses after a comma
    notes: list[str] = field(default_factory=list)  # «признак: значение» when nothing fits


def _channel_verb(feature: Feature) -> str | None:
    lemmas = {p.normal_form for w in _TOKEN_RE.findall(feature.label.lower()) for p in _parses(w)}
    if "канал" in lemmas or ("способ" in lemmas and lemmas & {"подача", "обращение"}):
        return "подающие" if "подача" in lemmas else "обращающиеся"
    return None


def _is_age(feature: Feature) -> bool:
    return "возраст" in feature.label.lower()


def _phrase_for(feature: Feature, code: str, value_label: str, out: _Phrase) -> None:
    """Turn one trait into part of a name (see :func:`portrait_name`)."""
    text, remark = _clean(value_label)
    if feature.type is FeatureType.boolean and code == "true":
        # «Один родитель» says less than the feature «Неполная семья (один родитель)».
        own, _ = _clean(feature.label)
        if _try_noun_groups(own.split(), out):
            return
    if remark and _try_noun_groups(remark.split(), out, modifiers_only=True):
        return
    words = text.split()
    if not words:
        return
    verb = _channel_verb(feature)
    if verb is not None:
        first = _parses(words[0])[0]
        if first.tag.POS == "ADVB":
            out.clauses.append(f"{verb} {text[:1].lower()}{text[1:]}")
            return
        lemma = first.normal_form
        if lemma in _VIA_DATIVE:
            phrase = _noun_phrase(words, "datv")
            out.clauses.append(f"{verb} по {phrase or text}")
        else:
            phrase = _noun_phrase(words, "accs")
            out.clauses.append(f"{verb} через {phrase or text}")
        return
    if _is_age(feature) and words[0][:1].isdigit():
        out.groups.append(f"в возрасте {text}")
        return
    if _try_verb(words, out) or _try_have(words, out):
        return
    if _try_lone_adjective(words, feature, out):
        return
    if _try_number_noun(words, out):
        return
    if _try_noun_groups(words, out):
        return
    if _try_measure(words, feature, out):
        return
    own, _ = _clean(feature.label)
    out.notes.append(f"{own[:1].lower()}{own[1:]}: {text[:1].lower()}{text[1:]}")


_COMPARISON = frozenset({"менее", "более", "меньше", "больше", "от", "до", "выше", "ниже", "свыше"})


def _try_measure(words: list[str], feature: Feature, out: _Phrase) -> bool:
    """A number or a comparison of the feature's quantity: «Менее 50 % ПМ» of «Доход …» →
    «с доходом менее 50 % ПМ»; «1–3 года» of «Стаж работы» → «со стажем 1–3 года»."""
    first = words[0].lower()
    if not (first[:1].isdigit() or first in _COMPARISON):
        return False
    own, _ = _clean(feature.label)
    head: list[str] = []
    for word in own.split():
        head.append(word)
        if _parse_as(word, "NOUN") is not None and not _is_adjective(word):
            break
    else:
        return False
    phrase = _noun_phrase(head, "ablt")
    if phrase is None:
        return False
    value = " ".join([words[0] if words[0].isupper() else words[0].lower(), *words[1:]])
    out.groups.append(_prep("с", f"{phrase} {value}"))
    return True


def _try_verb(words: list[str], out: _Phrase) -> bool:
    """«Работает по найму» → «работающие по найму»; «Не работает» → «не работающие»."""
    negated = words[0].lower() == "не" and len(words) > 1
    i = 1 if negated else 0
    verb = _parse_as(words[i], "VERB")
    if verb is None or "pres" not in verb.tag or _parses(words[i])[0].tag.POS != "VERB":
        return False
    form = verb.inflect({"PRTF", "actv", "pres", "plur", "nomn"})
    if form is None:
        return False
    rest = words[i + 1 :]
    out.clauses.append(" ".join([*(["не"] if negated else []), str(form.word), *rest]))
    return True


def _try_have(words: list[str], out: _Phrase) -> bool:
    """«Есть инвалидность в семье» → «с инвалидностью в семье»; «Нет …» → «без …»."""
    first = words[0].lower()
    if first not in ("есть", "нет") or len(words) < 2:
        return False
    if first == "есть":
        phrase = _noun_phrase(words[1:], "ablt")
        if phrase is None:
            return False
        out.groups.append(_prep("с", phrase))
    else:
        out.groups.append("без " + " ".join(w.lower() if not w.isupper() else w for w in words[1:]))
    return True


def _try_lone_adjective(words: list[str], feature: Feature, out: _Phrase) -> bool:
    """«Самозанятый» (about a person) → «Самозанятые …»; «Повторное» + «обращение» → a group."""
    if len(words) != 1:
        return False
    adj = _parse_as(words[0], "ADJF")
    if adj is None or _parses(words[0])[0].tag.POS != "ADJF":
        return False
    if adj.tag.gender == "masc" or adj.tag.gender is None:
        form = adj.inflect({"plur", "nomn"})
        out.before.append(str(form.word) if form is not None else words[0].lower())
        return True
    own, _ = _clean(feature.label)
    for word in own.split():
        noun = _parse_as(word, "NOUN")
        if noun is not None and noun.tag.gender == adj.tag.gender:
            return _try_noun_groups([words[0], word], out)
    return False


def _try_number_noun(words: list[str], out: _Phrase) -> bool:
    """«1 ребёнок» → «с 1 ребёнком»; «2 детей» → «с 2 детьми»."""
    if len(words) != 2 or not words[0].isdigit():
        return False
    noun = _parse_as(words[1], "NOUN")
    if noun is None:
        return False
    number = "sing" if int(words[0]) % 10 == 1 and int(words[0]) % 100 != 11 else "plur"
    out.groups.append(f"с {words[0]} {_inflect(noun, {'ablt', number}, words[1])}")  # «с 2»
    return True


def _is_adjective(word: str) -> bool:
    return any(p.tag.POS == "ADJF" for p in _parses(word))


def _try_noun_groups(words: list[str], out: _Phrase, *, modifiers_only: bool = False) -> bool:
    """An «[прил.] сущ. …» phrase: a place, a family, a unit, or «с …» (instrumental)."""
    lead = 0
    while lead < len(words) - 1 and _is_adjective(words[lead]):
        lead += 1
    if lead >= len(words):
        return False
    head = _parse_as(words[lead], "NOUN")
    if head is None:
        return False
    lemma = str(head.normal_form)
    if lemma in _FAMILY_NOUNS:
        phrase = _noun_phrase(words, "gent", "plur")
        if phrase is None:
            return False
        out.groups.append(_prep("из", phrase))
        return True
    if modifiers_only:
        return False
    if lemma in _PLACE_NOUNS:
        phrase = _noun_phrase(words, "loct")
        if phrase is None:
            return False
        out.groups.append(_prep("в", phrase))
        return True
    if lemma in _UNIT_NOUNS:
        phrase = _noun_phrase(words, "gent")
        if phrase is None:
            return False
        out.groups.append(_prep("из", phrase))
        return True
    if lead == 0:
        return False
    phrase = _noun_phrase(words, "ablt")
    if phrase is None:
        return False
    out.groups.append(_prep("с", phrase))
    return True


_VOWELS = set("аеёиоуыэюяaeiouy")


def _prep(preposition: str, phrase: str) -> str:
    """«с» → «со», «в» → «во» before a hard cluster («со стандартным», «во втором»)."""
    first = phrase[:2].lower()
    if len(first) == 2 and first[1] not in _VOWELS and first[1].isalpha():
        if preposition == "с" and first[0] in "сзшжщ":
            return f"со {phrase}"
        if preposition == "в" and first[0] in "вф":
            return f"во {phrase}"
    return f"{preposition} {phrase}"


def head_noun(study: Study) -> str:
    """The people a portrait names: the client role's first noun, in the plural."""
    roles = [r for r in study.roles if r.kind in (RoleKind.applicant, RoleKind.internal_client)]
    for role in roles:
        for word in _TOKEN_RE.findall(role.title):
            noun = _parse_as(word, "NOUN")
            if noun is not None and "anim" in noun.tag and _parses(word)[0].tag.POS == "NOUN":
                form = noun.inflect({"plur", "nomn"})
                if form is not None:
                    return str(form.word).capitalize()
    if ClientType.internal in study.scope.client_types:
        return "Сотрудники"
    if study.scope.client_types == [ClientType.business]:
        return "Организации"
    return "Клиенты"


def portrait_name(
    study: Study, traits: Sequence[PortraitTrait], features: dict[str, Feature]
) -> str:
    """A Russian name from the defining traits, with agreement (pymorphy3).

    Adjectives about a person go before the plural head noun («Самозанятые заявители»);
    places take «в» + prepositional, families «из» + genitive plural, «Есть X» becomes «с X»
    (instrumental), a present-tense verb becomes a participle in a clause after a comma
    («работающие по найму»), a channel «подающие через X» (accusative). A value no rule fits is
    named in brackets as «признак: значение».
    """
    out = _Phrase()
    seen: set[str] = set()
    for trait in traits:
        if trait.kind != "categorical" or trait.feature_id in seen:
            continue
        seen.add(trait.feature_id)
        feature = features.get(trait.feature_id)
        if feature is not None:
            _phrase_for(feature, trait.value, trait.label, out)
        if len(seen) == DEFINITION_SIZE:
            break
    head = head_noun(study)
    if out.before:
        first = out.before[0]
        head = " ".join([first.capitalize(), *out.before[1:], head.lower()])
    name = " ".join([head, *out.groups])
    if out.clauses:
        name += ", " + ", ".join(out.clauses)
    if out.notes:
        name += " (" + "; ".join(out.notes) + ")"
    return name


# --- persona card and empathy map --------------------------------------------------------------


def _channel_feature(features: Sequence[Feature]) -> Feature | None:
    for feature in features:
        if feature.type is not FeatureType.numeric and _channel_verb(feature) is not None:
            return feature
    return None


def _top_values(
    feature: Feature, group: GroupCounts, label: Labeller, limit: int = 2
) -> list[tuple[str, float]]:
    counts = group.values.get(feature.id, {})
    ranked = sorted(
        ((c, n) for c, n in counts.items() if c != MISSING_CODE), key=lambda cn: (-cn[1], cn[0])
    )
    total = group.capacity or 1
    return [(label(feature, c), n / total) for c, n in ranked[:limit]]


def _field(fields: dict[str, str], key: str, value: str, origin: str) -> PortraitField:
    return PortraitField(key=key, title=fields[key], value=value, origin=origin)


def persona_and_empathy(
    study: Study,
    group: GroupCounts,
    everyone: GroupCounts,
    traits: Sequence[PortraitTrait],
    features: Sequence[Feature],
    label: Labeller,
) -> tuple[list[PortraitField], list[PortraitField]]:
    """Draft a persona card and an empathy map: what the data say, the rest waits for interviews."""
    age = next((f for f in features if _is_age(f) and f.type is FeatureType.numeric), None)
    age_text = ""
    if age is not None and group.means.get(age.id) is not None:
        mean = group.means[age.id] or 0.0
        overall = everyone.means.get(age.id)
        age_text = f"в среднем {_ru(mean)}" + (
            f" (в целом {_ru(overall)})" if overall is not None else ""
        )
    situation = [t.text for t in traits if t.kind == "categorical"][:4]
    channel = _channel_feature(features)
    channel_text = ""
    if channel is not None:
        channel_text = "; ".join(
            f"{name} — {_pct(share)}" for name, share in _top_values(channel, group, label)
        )
    pains = ""
    sat, sat_all = group.satisfaction, everyone.satisfaction
    if (
        sat.csat is not None
        and sat_all.csat is not None
        and sat.csat_interval is not None
        and sat.csat_interval.high < sat_all.csat
    ):
        pains = (
            f"Удовлетворённость ниже средней: CSAT {_pct(sat.csat)} против {_pct(sat_all.csat)} "
            f"в целом (по {_int(known(sat.n))} оценкам); причины уточнить на интервью"
        )
    persona = [
        _field(PERSONA_FIELDS, "age", age_text, DATA if age_text else INTERVIEWS),
        _field(
            PERSONA_FIELDS, "situation", "; ".join(situation), DATA if situation else INTERVIEWS
        ),
        _field(PERSONA_FIELDS, "goals", "", INTERVIEWS),
        _field(PERSONA_FIELDS, "pains", pains, DATA if pains else INTERVIEWS),
        _field(PERSONA_FIELDS, "channels", channel_text, DATA if channel_text else INTERVIEWS),
        _field(PERSONA_FIELDS, "quote", "", INTERVIEWS),
    ]
    says = f"Обращается: {channel_text}" if channel_text else ""
    empathy = [
        _field(EMPATHY_FIELDS, "thinks_feels", "", INTERVIEWS),
        _field(EMPATHY_FIELDS, "sees", "", INTERVIEWS),
        _field(EMPATHY_FIELDS, "hears", "", INTERVIEWS),
        _field(EMPATHY_FIELDS, "says_does", says, DATA if says else INTERVIEWS),
        _field(EMPATHY_FIELDS, "pains", pains, DATA if pains else INTERVIEWS),
        _field(EMPATHY_FIELDS, "gains", "", INTERVIEWS),
    ]
    return persona, empathy


def build_portrait(
    study: Study,
    group: GroupCounts,
    everyone: GroupCounts,
    features: Sequence[Feature],
    label: Labeller,
    *,
    min_count: int,
    defining: set[str] | None = None,
    own: PortraitTrait | None = None,
    own_feature: Feature | None = None,
) -> Portrait:
    """The drafted portrait of a group (before the team's edits are applied).

    ``defining``: the features a definition and a name are made of (a cluster's clustering
    features). ``own``: for a one-feature segment, its own value — the definition is then the
    segment's key and the name starts from that value.
    """
    traits = find_traits(study, group, everyone, features, label, min_count=min_count)
    by_id = {f.id: f for f in features}
    if own_feature is not None:
        by_id[own_feature.id] = own_feature
    persona, empathy = persona_and_empathy(study, group, everyone, traits, features, label)
    naming = defining_traits(traits, defining)
    if own is not None:
        naming = [own, *[t for t in naming if t.feature_id != own.feature_id]]
    return Portrait(
        segment=group.key,
        definition=[group.key] if own is not None else definition(naming, group.key),
        traits=traits,
        name=portrait_name(study, naming, by_id),
        persona=persona,
        empathy_map=empathy,
    )


def unique_names(portraits: Sequence[Portrait], numbers: Sequence[int]) -> None:
    """Two drafted portraits with the same name get their cluster number appended."""
    seen: dict[str, int] = {}
    for portrait in portraits:
        seen[portrait.name] = seen.get(portrait.name, 0) + 1
    for portrait, number in zip(portraits, numbers, strict=True):
        if seen[portrait.name] > 1 and portrait.name_origin == DATA:
            portrait.name = f"{portrait.name} (кластер {number})"


# --- the team's edits -------------------------------------------------------------------------


def jaccard(a: Sequence[str], b: Sequence[str]) -> float:
    sa, sb = set(a), set(b)
    if not sa and not sb:
        return 1.0
    return len(sa & sb) / len(sa | sb)


def apply_edit(portrait: Portrait, edit: PortraitEdit, similarity: float) -> None:
    """Overwrite the drafted fields with the team's text (origin ``team``)."""
    if edit.name:
        portrait.name = edit.name
        portrait.name_origin = TEAM
    for fields, texts in (
        (portrait.persona, edit.persona),
        (portrait.empathy_map, edit.empathy_map),
    ):
        for item in fields:
            if item.key in texts:
                item.value = texts[item.key]
                item.origin = TEAM
    portrait.edit_similarity = similarity


def apply_edits(
    portraits: Sequence[Portrait],
    edits: Sequence[PortraitEdit],
    *,
    threshold: float = MATCH_THRESHOLD,
) -> list[UnmatchedPortraitEdit]:
    """Attach each edit to the portrait with the most similar definition; report the rest.

    Pairs are taken greedily by decreasing Jaccard index (ties: earlier edit, earlier
    portrait), each portrait and each edit at most once, and only at ``threshold`` or above.
    """
    pairs = sorted(
        (
            (jaccard(edit.definition, portrait.definition), i, j)
            for i, edit in enumerate(edits)
            for j, portrait in enumerate(portraits)
        ),
        key=lambda item: (-item[0], item[1], item[2]),
    )
    used_edits: set[int] = set()
    used_portraits: set[int] = set()
    for similarity, i, j in pairs:
        if similarity < threshold or i in used_edits or j in used_portraits:
            continue
        apply_edit(portraits[j], edits[i], similarity)
        used_edits.add(i)
        used_portraits.add(j)
    unmatched = []
    for i, edit in enumerate(edits):
        if i in used_edits:
            continue
        best = max(
            ((jaccard(edit.definition, p.definition), p.segment) for p in portraits),
            default=None,
        )
        unmatched.append(
            UnmatchedPortraitEdit(
                definition=list(edit.definition),
                name=edit.name,
                best_segment=best[1] if best else None,
                best_similarity=best[0] if best else None,
            )
        )
    return unmatched


def edit_from_portrait(
    portrait: Portrait,
    *,
    name: str | None = None,
    persona: dict[str, str] | None = None,
    empathy_map: dict[str, str] | None = None,
) -> PortraitEdit:
    """A team edit for ``portrait``: its definition, the changed texts."""
    return PortraitEdit(
        definition=list(portrait.definition),
        segment=portrait.segment,
        name=name,
        persona=persona or {},
        empathy_map=empathy_map or {},
    )
