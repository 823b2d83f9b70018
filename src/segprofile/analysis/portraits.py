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
from segprofile.analysis.suppression import small_share
from segprofile.model.format import number, percent
from segprofile.model.labels import inline_label
from segprofile.model.results import (
    Portrait,
    PortraitField,
    PortraitNote,
    PortraitTrait,
    SatisfactionStats,
    UnmatchedPortraitEdit,
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
                            f"{feature.label}: {value_label} — {percent(share_in)} "
                            f"(в целом {percent(share_all)}, в {number(lift, 1)} раза чаще)"
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
                            f"{feature.label}: в среднем {number(mean, 1)} "
                            f"(в целом {number(mean_all, 1)}; "
                            f"{'+' if diff > 0 else '−'}{number(abs(diff), 1)}\u00a0σ)"
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

#: A trait goes into a name as it is from this share of the group's members; from half of them
#: up to this share it reads «в основном …»; held by fewer than half, it is named only when no
#: trait reaches half, with how many hold it («каждый третий …»).
SHARED_PLAINLY = 0.75
SHARED = 0.5


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
_FEMALE = frozenset({"женский", "женщина", "ж", "female", "f", "woman"})
_MALE = frozenset({"мужской", "мужчина", "м", "male", "m", "man"})
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
    stem = original.lower()[: max(3, len(original) - 2)]
    if form is not None and not str(form.word).startswith(stem):
        # A lexeme with two stems («высший» / «высочайший» of «высокий»): keep the word's own.
        forms = [f for f in parse.lexeme if grammemes <= set(f.tag.grammemes)]
        form = max(forms, key=lambda f: _common_prefix(str(f.word), original.lower()), default=form)
    text = str(form.word) if form is not None else original.lower()
    return _keep_case(original, text)


def _common_prefix(a: str, b: str) -> int:
    n = 0
    while n < min(len(a), len(b)) and a[n] == b[n]:
        n += 1
    return n


def _keep_case(original: str, text: str) -> str:
    """Abbreviations and proper names keep their case; other words go lower case."""
    if len(original) > 1 and original.isupper():
        return original
    if original[:1].isupper() and original[1:2].isupper():
        return original
    if original[:1].isupper() and _is_proper(original):
        return text[:1].upper() + text[1:]
    return text


def _is_proper(word: str) -> bool:
    """A place or a person's name («Россия», «Москва»): written with a capital letter."""
    first = _parses(word)[0]
    return bool({"Geox", "Name", "Surn", "Patr", "Orgn", "Trad"} & set(first.tag.grammemes))


def _inline(text: str) -> str:
    """A value label inside a sentence: «Сельская местность» → «сельская местность»; codes,
    abbreviations and proper names keep their case («HS-grad», «МФЦ», «Россия»)."""
    first = text.split(" ", 1)[0] if text else ""
    if first and first[:1].isupper() and _is_proper(first):
        return text
    return inline_label(text)


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


# Kinds of a name's parts: what replaces the head noun («Женщины»), what stands before it
# («Самозанятые», «Неработающие»), prepositional groups after it («из сельской местности»),
# participial clauses after a comma («подающие через МФЦ»), and «признак: значение» in
# brackets when no rule fits.
HEAD, BEFORE, GROUP, CLAUSE, NOTE = "head", "before", "group", "clause", "note"


@dataclass
class _Part:
    """One trait as part of a name, and as said of a share of the group («каждый третий …»)."""

    kind: str
    text: str
    #: Predicate about one person («— самозанятый», «работает по найму», «— из города»).
    one: str = ""
    #: Predicate about a share («почти половина — самозанятые»); ``one`` when empty.
    many: str = ""
    feminine: bool = False
    share: float = 1.0


def _verb_predicate(verb: Any, rest: list[str], negated: bool) -> str:
    """«работает по найму», «не работает»: the verb in the 3rd person singular present."""
    form = verb.inflect({"sing", "3per", "pres"}) or verb
    return " ".join([*(["не"] if negated else []), str(form.word), *rest])


def _channel_verb(feature: Feature) -> tuple[str, str] | None:
    """The participle and the verb of a channel feature: («подающие», «подаёт»)."""
    lemmas = {p.normal_form for w in _TOKEN_RE.findall(feature.label.lower()) for p in _parses(w)}
    if "канал" in lemmas or ("способ" in lemmas and lemmas & {"подача", "обращение"}):
        return ("подающие", "подаёт") if "подача" in lemmas else ("обращающиеся", "обращается")
    return None


def _is_age(feature: Feature) -> bool:
    return "возраст" in feature.label.lower()


def _is_sex(feature: Feature) -> bool:
    own, _ = _clean(feature.label)
    words = _TOKEN_RE.findall(own.lower())
    return bool(words) and _parses(words[0])[0].normal_form == "пол"


def _part_for(feature: Feature, code: str, value_label: str) -> _Part:
    """Turn one trait into part of a name (see :func:`portrait_name`)."""
    text, remark = _clean(value_label)
    if feature.type is FeatureType.boolean and code in ("true", "false"):
        # «Один родитель» says less than the feature «Неполная семья (один родитель)»; its
        # «Нет» is «не из неполных семей». A feature about a person («Одинокий родитель»)
        # names the people: «Одинокие родители».
        own, _ = _clean(feature.label)
        people = _try_people(own.split())
        if people is not None and code == "true":
            return people
        found = _try_noun_groups(own.split())
        if found is not None and code == "true":
            return found
        if found is not None and found.text.split(" ", 1)[0] in ("из", "в", "во"):
            return _group(f"не {found.text}")
    if remark:
        found = _try_noun_groups(remark.split(), modifiers_only=True)
        if found is not None:
            return found
    words = text.split()
    if not words:
        return _note(feature, value_label)
    tries: list[Callable[[], _Part | None]] = [
        lambda: _try_sex(words, feature),
        lambda: _try_channel(words, text, feature),
        lambda: _try_age(words, text, feature),
        lambda: _try_verb(words),
        lambda: _try_have(words),
        lambda: _try_preposition(words, text),
        lambda: _try_adjectives(words, feature),
        lambda: _try_number_noun(words),
        lambda: _try_place_name(words),
        lambda: _try_noun_groups(words),
        lambda: _try_measure(words, feature),
    ]
    for attempt in tries:
        found = attempt()
        if found is not None:
            return found
    return _note(feature, text)


def _note(feature: Feature, text: str) -> _Part:
    own, _ = _clean(feature.label)
    return _Part(NOTE, f"{_inline(own)}: {_inline(text)}", one=f"{_inline(own)} — {_inline(text)}")


def _group(text: str) -> _Part:
    return _Part(GROUP, text, one=f"— {text}")


def _try_sex(words: list[str], feature: Feature) -> _Part | None:
    """«Пол: Женский» → «Женщины» (never «Женские заявители»)."""
    if not _is_sex(feature) or len(words) != 1:
        return None
    lemma = _parses(words[0].lower())[0].normal_form
    if words[0].lower() in _FEMALE or lemma in _FEMALE:
        return _Part(HEAD, "Женщины", one="— женщина", many="— женщины", feminine=True)
    if words[0].lower() in _MALE or lemma in _MALE:
        return _Part(HEAD, "Мужчины", one="— мужчина", many="— мужчины")
    return None


def _try_channel(words: list[str], text: str, feature: Feature) -> _Part | None:
    """«МФЦ» of «Канал подачи» → «подающие через МФЦ»; «Почта» → «подающие по почте»."""
    verbs = _channel_verb(feature)
    if verbs is None:
        return None
    participle, verb = verbs
    first = _parses(words[0])[0]
    if first.tag.POS == "ADVB":
        rest = _inline(text)
    elif first.normal_form in _VIA_DATIVE:
        rest = f"по {_noun_phrase(words, 'datv') or text}"
    else:
        rest = f"через {_noun_phrase(words, 'accs') or text}"
    return _Part(CLAUSE, f"{participle} {rest}", one=f"{verb} {rest}")


_YOUNGER = frozenset({"менее", "меньше", "младше", "моложе", "до"})
_OLDER = frozenset({"более", "больше", "старше", "свыше"})


def _try_age(words: list[str], text: str, feature: Feature) -> _Part | None:
    """«25–34 лет» → «в возрасте 25–34 лет»; «Менее 25 лет» → «моложе 25 лет»."""
    if not _is_age(feature):
        return None
    first = words[0].lower()
    if first[:1].isdigit() or first == "от":
        return _group(f"в возрасте {_inline(text)}")
    if len(words) > 1 and words[1][:1].isdigit() and first in _YOUNGER | _OLDER:
        rest = " ".join(words[1:])
        if len(words) == 2:
            rest += " лет"
        return _group(f"{'моложе' if first in _YOUNGER else 'старше'} {rest}")
    return None


def _try_verb(words: list[str]) -> _Part | None:
    """«Работает по найму» → «работающие по найму»; «Не работает» → «Неработающие»."""
    negated = words[0].lower() == "не" and len(words) > 1
    i = 1 if negated else 0
    verb = _parse_as(words[i], "VERB")
    if verb is None or "pres" not in verb.tag or _parses(words[i])[0].tag.POS != "VERB":
        return None
    form = verb.inflect({"PRTF", "actv", "pres", "plur", "nomn"})
    if form is None:
        return None
    rest = words[i + 1 :]
    one = _verb_predicate(verb, rest, negated)
    if not rest:
        # A participle without dependent words stands before the noun, «не» written with it.
        return _Part(BEFORE, ("не" if negated else "") + str(form.word), one=one)
    return _Part(CLAUSE, " ".join([*(["не"] if negated else []), str(form.word), *rest]), one=one)


def _try_have(words: list[str]) -> _Part | None:
    """«Есть инвалидность в семье» → «с инвалидностью в семье»; «Нет …» → «без …»."""
    first = words[0].lower()
    if first not in ("есть", "нет") or len(words) < 2:
        return None
    if first == "есть":
        phrase = _noun_phrase(words[1:], "ablt")
        return None if phrase is None else _group(_prep("с", phrase))
    return _group("без " + " ".join(w.lower() if not w.isupper() else w for w in words[1:]))


def _try_preposition(words: list[str], text: str) -> _Part | None:
    """A value that is already a prepositional group: «В браке», «На пенсии», «Не в браке»."""
    i = 1 if words[0].lower() == "не" and len(words) > 2 else 0
    if _parses(words[i].lower())[0].tag.POS != "PREP" or len(words) < i + 2:
        return None
    if words[i].lower() in _COMPARISON or words[i + 1][:1].isdigit():
        return None  # «От 50 до 100 % ПМ», «До 3 лет»: a measure of the feature
    return _group(_inline(text))


def _is_adjective(word: str) -> bool:
    return any(p.tag.POS == "ADJF" for p in _parses(word))


def _feature_noun(feature: Feature) -> tuple[str, Any] | None:
    """The head noun of a feature's label («Образование» → образование, neuter)."""
    own, _ = _clean(feature.label)
    for word in own.split():
        noun = _parse_as(word, "NOUN")
        if noun is not None and not _is_adjective(word):
            return word, noun
    return None


def _try_adjectives(words: list[str], feature: Feature) -> _Part | None:
    """Adjectives only. Agreeing with the feature's noun they describe it: «Среднее
    профессиональное» of «Образование» → «со средним профессиональным образованием»; a
    masculine one about a person goes before the head: «Самозанятый» → «Самозанятые»."""
    if any(_parses(w)[0].tag.POS != "ADJF" for w in words):
        return None
    first: Any = _parses(words[0])[0]
    gender = first.tag.gender
    noun = _feature_noun(feature)
    if noun is not None and gender is not None and noun[1].tag.gender == gender:
        if str(noun[1].normal_form) in _PLACE_NOUNS:  # «Центральный» of «Район»: a place
            place = _noun_phrase([*words, noun[0].lower()], "gent")
            if place is not None:
                return _group(_prep("из", place))
        phrase = _noun_phrase([*words, noun[0].lower()], "ablt")
        if phrase is not None:
            return _group(_prep("с", phrase))
    if len(words) != 1 or gender not in ("masc", None):
        return None
    form = first.inflect({"plur", "nomn"})
    single = first.inflect({"sing", "masc", "nomn"})
    plural = str(form.word) if form is not None else words[0].lower()
    one = str(single.word) if single is not None else words[0].lower()
    return _Part(BEFORE, plural, one=f"— {one}", many=f"— {plural}")


def _try_people(words: list[str]) -> _Part | None:
    """«Одинокий родитель» → «Одинокие родители» (an adjective and an animate noun)."""
    if len(words) != 2 or _parses(words[0])[0].tag.POS != "ADJF":
        return None
    noun = _parse_as(words[1], "NOUN")
    if noun is None or "anim" not in noun.tag or _parses(words[1])[0].tag.POS != "NOUN":
        return None
    many = _noun_phrase(words, "nomn", "plur")
    if many is None:
        return None
    one = " ".join(w.lower() for w in words)
    return _Part(HEAD, many[:1].upper() + many[1:], one=f"— {one}", many=f"— {many.lower()}")


def _try_number_noun(words: list[str]) -> _Part | None:
    """«1 ребёнок» → «с 1 ребёнком»; «2 детей» → «с 2 детьми»."""
    if len(words) != 2 or not words[0].isdigit():
        return None
    noun = _parse_as(words[1], "NOUN")
    if noun is None:
        return None
    number = "sing" if int(words[0]) % 10 == 1 and int(words[0]) % 100 != 11 else "plur"
    return _group(f"с {words[0]} {_inflect(noun, {'ablt', number}, words[1])}")  # «с 2»


def _try_place_name(words: list[str]) -> _Part | None:
    """A country or a place by its name: «Казахстан» → «из Казахстана»."""
    if len(words) != 1 or not words[0][:1].isupper():
        return None
    noun = _parse_as(words[0], "NOUN")
    if noun is None or "Geox" not in noun.tag:
        return None
    return _group(f"из {_inflect(noun, {'gent', 'sing'}, words[0])}")


def _try_noun_groups(words: list[str], *, modifiers_only: bool = False) -> _Part | None:
    """An «[прил.] сущ. …» phrase: a place, a family, a unit, or «с …» (instrumental)."""
    lead = 0
    while lead < len(words) - 1 and _is_adjective(words[lead]):
        lead += 1
    if lead >= len(words):
        return None
    head = _parse_as(words[lead], "NOUN")
    if head is None:
        return None
    lemma = str(head.normal_form)
    if lemma in _FAMILY_NOUNS:
        phrase = _noun_phrase(words, "gent", "plur")
        return None if phrase is None else _group(_prep("из", phrase))
    if modifiers_only:
        return None
    if lemma in _PLACE_NOUNS:
        phrase, origin = _noun_phrase(words, "loct"), _noun_phrase(words, "gent")
        if phrase is None:
            return None
        # «в сельской местности», but one of them is «из сельской местности».
        return _Part(GROUP, _prep("в", phrase), one=f"— из {origin or phrase}")
    if lemma in _UNIT_NOUNS:
        phrase = _noun_phrase(words, "gent")
        return None if phrase is None else _group(_prep("из", phrase))
    if lead == 0:
        return None
    phrase = _noun_phrase(words, "ablt")
    return None if phrase is None else _group(_prep("с", phrase))


_COMPARISON = frozenset({"менее", "более", "меньше", "больше", "от", "до", "выше", "ниже", "свыше"})


def _try_measure(words: list[str], feature: Feature) -> _Part | None:
    """A number or a comparison of the feature's quantity: «Менее 50 % ПМ» of «Доход …» →
    «с доходом менее 50 % ПМ»; «1–3 года» of «Стаж работы» → «со стажем 1–3 года»; a count
    («Часов работы в неделю: 51 и более») → «с числом часов работы в неделю 51 и более»."""
    first = words[0].lower()
    if not (first[:1].isdigit() or first in _COMPARISON):
        return None
    own, _ = _clean(feature.label)
    value = " ".join([words[0] if words[0].isupper() else words[0].lower(), *words[1:]])
    head: list[str] = []
    for word in own.split():
        head.append(word)
        noun = _parse_as(word, "NOUN")
        if noun is not None and not _is_adjective(word):
            break
    else:
        return None
    if not any(p.tag.POS == "NOUN" and "nomn" in p.tag for p in _parses(head[-1])):
        # «Часов работы», «Обращений за год»: a count in the genitive.
        return _group(f"с числом {_inline(own)} {value}")
    phrase = _noun_phrase(head, "ablt")
    if phrase is None:
        return None
    return _group(_prep("с", f"{phrase} {value}"))


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


_ORDINALS = {
    3: ("третий", "третья", "третьего"),
    4: ("четвёртый", "четвёртая", "четвёртого"),
    5: ("пятый", "пятая", "пятого"),
    6: ("шестой", "шестая", "шестого"),
    7: ("седьмой", "седьмая", "седьмого"),
    8: ("восьмой", "восьмая", "восьмого"),
    9: ("девятый", "девятая", "девятого"),
    10: ("десятый", "десятая", "десятого"),
}


def how_many(share: float) -> tuple[str, str, str, bool]:
    """How many of a group, in words: (masculine, feminine, genitive, a share of many).

    ``0.45`` → «почти половина»; ``0.34`` → «каждый третий» (the nearest 1/n, n ≤ 10).
    """
    if share >= SHARED:
        return "половина", "половина", "половины", True
    if share >= 0.4:
        return "почти половина", "почти половина", "почти половины", True
    n = min(10, max(3, round(1 / share))) if share > 0 else 10
    masc, fem, gen = _ORDINALS[n]
    return f"каждый {masc}", f"каждая {fem}", f"каждого {gen}", False


def _said_of_share(part: _Part) -> str:
    """«каждый третий — из сельской местности», «у почти половины образование — HS-grad»."""
    masc, fem, gen, many = how_many(part.share)
    if part.kind == NOTE:
        return f"у {gen} {part.one}"
    predicate = (part.many or part.one) if many else part.one
    who = fem if part.feminine and not many else masc
    return f"{who} {predicate}"


def _ordered_parts(traits: Sequence[PortraitTrait], features: dict[str, Feature]) -> list[_Part]:
    parts: list[_Part] = []
    seen: set[str] = set()
    for trait in traits:
        if trait.kind != "categorical" or trait.feature_id in seen:
            continue
        feature = features.get(trait.feature_id)
        if feature is None:
            continue
        seen.add(trait.feature_id)
        part = _part_for(feature, trait.value, trait.label)
        part.share = 1.0 if trait.share_in_segment is None else trait.share_in_segment
        parts.append(part)
    return parts


def portrait_name(
    study: Study,
    traits: Sequence[PortraitTrait],
    features: dict[str, Feature],
    *,
    missing: Sequence[tuple[str, float]] = (),
) -> str:
    """A Russian name from the traits the group's members share, with agreement (pymorphy3).

    Only traits held by at least half of the members name the group (at most
    :data:`DEFINITION_SIZE`, in the order given): from :data:`SHARED_PLAINLY` as they are,
    below it after «в основном». When no trait is held by half, the name says how many hold
    the first one: «Заявители, среди которых каждый третий — из сельской местности». The rest
    of what distinguishes the group is in its traits (with their shares), not in its name.

    Sex names the people («Женщины»); adjectives and participles without dependent words about
    a person go before the plural head noun («Самозанятые заявители», «Неработающие
    заявители»); places take «в» + prepositional, families «из» + genitive plural, a place
    name «из» + genitive, «Есть X» becomes «с X» (instrumental), adjectives of the feature's
    noun «с …» («со средним профессиональным образованием»), a present-tense verb with
    dependent words a participle in a clause after a comma («работающие по найму»), a channel
    «подающие через X» (accusative). A value no rule fits is named in brackets as
    «признак: значение», codes and proper names in their own case.

    ``missing``: (feature label, share) of features the members mostly have no value of; such
    a group is named by that first («Заявители без данных о признаке «Канал подачи»»), never
    by what the few others share.
    """
    gaps = [
        _Part(GROUP, f"без данных о признаке «{label}»", one=f"— без данных о признаке «{label}»")
        for label, _ in missing
    ]
    for part, (_, share) in zip(gaps, missing, strict=True):
        part.share = share
    parts = [*gaps, *_ordered_parts(traits, features)]
    shared = [p for p in parts if p.share >= SHARED][:DEFINITION_SIZE]
    head = head_noun(study)
    if not shared:
        if not parts:
            return f"{head} без выраженных отличий"
        return f"{head}, среди которых {_said_of_share(parts[0])}"
    plain = [p for p in shared if p.share >= SHARED_PLAINLY]
    mostly = [p for p in shared if p.share < SHARED_PLAINLY]
    people = next((p.text for p in plain if p.kind == HEAD), head)
    before = [p.text for p in plain if p.kind == BEFORE]
    if before:
        people = " ".join([before[0].capitalize(), *before[1:], people.lower()])
    name = " ".join([people, *(p.text for p in plain if p.kind == GROUP)])
    clauses = [p.text for p in plain if p.kind == CLAUSE]
    mostly_texts = [p.text.lower() if p.kind == HEAD else p.text for p in mostly if p.kind != NOTE]
    if mostly_texts:
        clauses.append("в основном " + " и ".join(mostly_texts))
    if clauses:
        name += ", " + ", ".join(clauses)
    notes = [p.text for p in plain if p.kind == NOTE]
    notes += [f"в основном {p.text}" for p in mostly if p.kind == NOTE]
    if notes:
        name += " (" + "; ".join(notes) + ")"
    return name


# --- persona card and empathy map --------------------------------------------------------------

PERSONA = "persona"
EMPATHY = "empathy"
RECORDS = "данные о клиентах"


@dataclass(frozen=True)
class Finding:
    """A statement for a portrait's persona card and empathy map, with where it came from.

    ``fields``: the fields it goes to, as (``persona`` | ``empathy``, field key).
    """

    fields: tuple[tuple[str, str], ...]
    note: PortraitNote


def _channel_feature(features: Sequence[Feature]) -> Feature | None:
    for feature in features:
        if feature.type is not FeatureType.numeric and _channel_verb(feature) is not None:
            return feature
    return None


def _top_values(
    feature: Feature, group: GroupCounts, label: Labeller, min_cell: int, limit: int = 2
) -> list[tuple[str, str, float]]:
    """The most frequent values (code, label, share) that tell no count under ``min_cell``."""
    counts = group.values.get(feature.id, {})
    total = group.capacity
    ranked = sorted(
        (
            (c, n)
            for c, n in counts.items()
            if c != MISSING_CODE and n >= min_cell and not small_share(n, total, min_cell)
        ),
        key=lambda cn: (-cn[1], cn[0]),
    )
    return [(c, label(feature, c), n / total) for c, n in ranked[:limit]]


def _from_records(
    group: GroupCounts,
    everyone: GroupCounts,
    traits: Sequence[PortraitTrait],
    features: Sequence[Feature],
    label: Labeller,
    min_cell: int,
) -> list[Finding]:
    """What the client records say: age, situation (the traits), channels."""
    out: list[Finding] = []
    age = next((f for f in features if _is_age(f) and f.type is FeatureType.numeric), None)
    unknown = group.values.get(age.id, {}).get(MISSING_CODE, 0) if age is not None else 0
    # A mean of the few whose age is known would pass for the group's: it waits instead.
    known_age = group.capacity > 0 and unknown < SHARED * group.capacity
    if age is not None and known_age and group.means.get(age.id) is not None:
        mean = group.means[age.id] or 0.0
        overall = everyone.means.get(age.id)
        text = f"в среднем {number(mean, 1)}" + (
            f" (в целом {number(overall, 1)})" if overall is not None else ""
        )
        out.append(Finding(((PERSONA, "age"),), PortraitNote(text=text, source=RECORDS)))
    for trait in [t for t in traits if t.kind == "categorical"][:4]:
        out.append(
            Finding(
                ((PERSONA, "situation"),),
                PortraitNote(
                    text=trait.text,
                    source=RECORDS,
                    basis=f"trait:{trait.feature_id}={trait.value}",
                ),
            )
        )
    channel = _channel_feature(features)
    top = _top_values(channel, group, label, min_cell) if channel is not None else []
    if channel is not None and top:
        text = "; ".join(f"{name} — {percent(share)}" for _, name, share in top)
        basis = "segments:" + "|".join(f"{channel.id}={code}" for code, _, _ in top)
        note = PortraitNote(text=text, source=RECORDS, basis=basis)
        says = PortraitNote(text=f"Обращается: {text}", source=RECORDS, basis=basis)
        out += [Finding(((PERSONA, "channels"),), note), Finding(((EMPATHY, "says_does"),), says)]
    return out


def _fields(titles: dict[str, str], part: str, findings: Sequence[Finding]) -> list[PortraitField]:
    out = []
    for key, title in titles.items():
        notes = [f.note for f in findings if (part, key) in f.fields]
        notes = list({n.text: n for n in notes}.values())  # the same statement once
        out.append(PortraitField(key=key, title=title, origin=INTERVIEWS).drafted(notes))
    return out


def persona_and_empathy(
    study: Study,
    group: GroupCounts,
    everyone: GroupCounts,
    traits: Sequence[PortraitTrait],
    features: Sequence[Feature],
    label: Labeller,
    *,
    min_cell: int | None = None,
    findings: Sequence[Finding] = (),
) -> tuple[list[PortraitField], list[PortraitField]]:
    """Draft a persona card and an empathy map from the records and the ``findings`` of the
    group's members' linked sources (:mod:`segprofile.analysis.personas`); a field with no
    material waits for interviews. Every statement keeps its source."""
    cell = study.segmentation.min_cell if min_cell is None else min_cell
    every = [*_from_records(group, everyone, traits, features, label, cell), *findings]
    return _fields(PERSONA_FIELDS, PERSONA, every), _fields(EMPATHY_FIELDS, EMPATHY, every)


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
    findings: Sequence[Finding] = (),
    missing: Sequence[tuple[str, float]] = (),
) -> Portrait:
    """The drafted portrait of a group (before the team's edits are applied).

    ``defining``: the features a definition and a name are made of (a cluster's clustering
    features). ``own``: for a one-feature segment, its own value — the definition is then the
    segment's key and the name starts from that value. ``findings``: what the members' linked
    survey answers, complaints and interviews say (:mod:`segprofile.analysis.personas`).
    ``missing``: features most members have no value of (see :func:`portrait_name`).
    """
    traits = find_traits(study, group, everyone, features, label, min_count=min_count)
    by_id = {f.id: f for f in features}
    if own_feature is not None:
        by_id[own_feature.id] = own_feature
    persona, empathy = persona_and_empathy(
        study, group, everyone, traits, features, label, min_cell=min_count, findings=findings
    )
    naming = defining_traits(traits, defining)
    if own is not None:
        naming = [own, *[t for t in naming if t.feature_id != own.feature_id]]
    return Portrait(
        segment=group.key,
        definition=[group.key] if own is not None else definition(naming, group.key),
        traits=traits,
        name=portrait_name(study, naming, by_id, missing=missing),
        persona=persona,
        empathy_map=empathy,
    )


def unique_names(portraits: Sequence[Portrait], numbers: Sequence[int]) -> None:
    """Two drafted portraits with the same name get their cluster number appended."""
    seen: dict[str, int] = {}
    for portrait in portraits:
        seen[portrait.name] = seen.get(portrait.name, 0) + 1
    for portrait, n in zip(portraits, numbers, strict=True):
        if seen[portrait.name] > 1 and portrait.name_origin == DATA:
            portrait.name = f"{portrait.name} (кластер {n})"


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
                item.notes = []
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
