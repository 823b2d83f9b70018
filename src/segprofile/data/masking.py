"""Personal data in free texts, masked before anything is stored: one function for every path.

:func:`mask_personal_data` is what interview notes and transcripts, complaints and open answers
of surveys, journey step texts and text columns of imported datasets all go through. It finds
each kind of personal data as spans of the original text, keeps the strongest of overlapping
spans and replaces each with its placeholder:

- e-mail addresses → ``[e-mail]``;
- bank cards: 13–19 digits in any grouping with a valid Luhn check digit (or 16 digits next to
  «карта») → ``[карта]``;
- passport numbers: ``45 06 123456``, ``4506 123456``, «серия 4506 № 123456», ten digits next
  to «паспорт» → ``[паспорт]``;
- СНИЛС: 11 digits in any spelling with a valid checksum (:func:`privacy.snils_valid`), the
  canonical ``112-233-445 95`` shape, or any 11 digits next to «СНИЛС» → ``[СНИЛС]``;
- ИНН: 12 digits with both check digits, 10 digits with theirs unless another number's word
  stands before them («№», «заявление»…), or 10/12 digits next to «ИНН» → ``[ИНН]``;
- phones: ``+7``/``8`` and ten digits in the usual groupings, ``9XX XXX XX XX``, local
  ``123-45-67``, international ``+375 …``; a digit short or long or with a four-digit code
  («+79574-56-40», «8 (4822) 12-34-56»: ``+7``/``8`` and 8–11 digits between spaces, dashes,
  brackets) unless it is an amount or a count («8 500 000 000 ₽», «8 123 456 человек») or
  another word names it («номер заявления 8123456789»); toll-free ``8-800`` numbers of
  organisations are left → ``[телефон]``;
- birth dates: a date (``12.03.1985``, ``12 марта 1985 г.``, ``1985-03-12``) or a year with a
  birth word near it («родился», «дата рождения», «д.р.», «г.р.»), or a date right after a
  name; ordinary dates («подала заявление 12.03.2024») stay → ``[дата рождения]``;
- addresses: a street (ул., пр-т, пер., шоссе…) with a house number, with the city, region,
  postcode, building and flat around it; a house with a flat; a postcode with a city →
  ``[адрес]``;
- numbers a word names, whatever their length or check digit: a personnel number («таб. №
  10577», «табельный номер», «таб.ном.», «т/н») → ``[табельный номер]``; a personal account
  («л/с», «лицевой счёт») or a person's bank account (20 digits from 40817, 40820, 423) →
  ``[счёт]``; a case («личное дело №», «№ дела») → ``[номер дела]``; a policy («полис ОМС»)
  → ``[полис]``; and «СНИЛС», «ИНН», «паспорт» followed by six digits or more of any shape;
- names: capitalised words that pymorphy3 tags as a first name, surname or patronymic (inside
  a sentence when that reading is likely, at a sentence start only when nearly certain or next
  to another name), and initials next to them → ``[имя]``.

A text that is a table (an export saved as text and taken for notes: lines of cells between
«;» or tabs) has no sentences around its values to tell what they are; its columns are judged
as an import judges them (:func:`privacy.detect_column`: the header and the values), and every
cell of a column with personal data becomes that kind's placeholder; other cells are masked
as texts.

The counts are honest: one per masked span, by kind (:data:`KINDS`). Masking a masked text
changes nothing. :func:`register_mask_function` makes the same function available to DuckDB,
so that a dataset import masks text columns before its Parquet file is written.

Nothing here logs a text or a value.
"""

from __future__ import annotations

import csv
import io
import re
import threading
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from functools import cache, lru_cache
from typing import Any

from segprofile.data.privacy import PiiKind, detect_column, inn_valid, snils_valid
from segprofile.model.format import plural

__all__ = [
    "KINDS",
    "MASK_FUNCTION",
    "PLACEHOLDERS",
    "MaskTally",
    "MaskedText",
    "add_counts",
    "columns_to_mask",
    "describe_masked",
    "import_text_columns",
    "list_masked",
    "mask_file_name",
    "mask_personal_data",
    "mask_sql",
    "mask_texts",
    "morph",
    "register_mask_function",
    "words",
]

# Kinds in the order a summary lists them; the keys of every count.
KINDS = (
    "names",
    "phones",
    "emails",
    "snils",
    "inn",
    "passports",
    "cards",
    "birth_dates",
    "addresses",
    "personnel",
    "accounts",
    "cases",
    "policies",
)
PLACEHOLDERS = {
    "names": "[имя]",
    "phones": "[телефон]",
    "emails": "[e-mail]",
    "snils": "[СНИЛС]",
    "inn": "[ИНН]",
    "passports": "[паспорт]",
    "cards": "[карта]",
    "birth_dates": "[дата рождения]",
    "addresses": "[адрес]",
    "personnel": "[табельный номер]",
    "accounts": "[счёт]",
    "cases": "[номер дела]",
    "policies": "[полис]",
}
# One, few, many: «1 телефон», «2 телефона», «5 телефонов».
_FORMS = {
    "names": ("имя", "имени", "имён"),
    "phones": ("телефон", "телефона", "телефонов"),
    "emails": ("e-mail", "e-mail", "e-mail"),
    "snils": ("СНИЛС", "СНИЛС", "СНИЛС"),
    "inn": ("ИНН", "ИНН", "ИНН"),
    "passports": ("номер паспорта", "номера паспорта", "номеров паспорта"),
    "cards": ("номер карты", "номера карты", "номеров карт"),
    "birth_dates": ("дата рождения", "даты рождения", "дат рождения"),
    "addresses": ("адрес", "адреса", "адресов"),
    "personnel": ("табельный номер", "табельных номера", "табельных номеров"),
    "accounts": ("номер счёта", "номера счёта", "номеров счетов"),
    "cases": ("номер дела", "номера дела", "номеров дел"),
    "policies": ("номер полиса", "номера полиса", "номеров полисов"),
}
# Which of overlapping spans wins: the earlier kind here (then the longer span).
_PRIORITY = (
    "emails",
    "addresses",
    "personnel",
    "accounts",
    "cases",
    "policies",
    "cards",
    "passports",
    "snils",
    "inn",
    "phones",
    "birth_dates",
    "names",
)


@dataclass(frozen=True)
class MaskedText:
    """A text with personal data replaced, and how many of each kind were masked."""

    text: str
    counts: dict[str, int]

    @property
    def total(self) -> int:
        return sum(self.counts.values())


def describe_masked(counts: dict[str, int]) -> str:
    """«замаскировано: 2 СНИЛС, 3 телефона» or «персональных данных не найдено»."""
    listed = list_masked(counts)
    return f"замаскировано: {listed}" if listed else "персональных данных не найдено"


def list_masked(counts: dict[str, int]) -> str:
    """«2 СНИЛС, 1 телефон», or ``""`` when nothing was masked."""
    return ", ".join(plural(counts[k], *_FORMS[k]) for k in KINDS if counts.get(k))


def add_counts(*counts: dict[str, int]) -> dict[str, int]:
    """The sum of several counts, every kind present."""
    total = dict.fromkeys(KINDS, 0)
    for one in counts:
        for kind, n in one.items():
            total[kind] = total.get(kind, 0) + n
    return total


# --- Context words -----------------------------------------------------------------------------

_WINDOW = 40  # characters before a number searched for the word that says what it is
_KEY_SNILS = re.compile(r"(?i)снилс|страхов\w*\s+(?:номер|свидетельств)|пенсионн\w+\s+свидетельств")
_KEY_INN = re.compile(r"(?i)(?<![а-яё])инн(?![а-яё])|(?<![a-z])inn(?![a-z])")
_KEY_PASSPORT = re.compile(r"(?i)паспорт|passport")
_KEY_CARD = re.compile(r"(?i)карт[аыуеойч]|card")
_KEY_PHONE = re.compile(
    r"(?i)тел\.|телефон|(?<![а-яё])тел(?![а-яё])|моб|сотов|звон|номер\s+для\s+связи"
    r"|(?<![а-яё])мо[йеёи]\w*\s+номер"
)
# Words before a number that make it some other number: an application, a case, an account…
_KEY_OTHER = re.compile(
    r"(?i)№|(?<![а-яё])н(?:о)?мер|заявлени|обращени|договор|сч[её]т|(?<![а-яё])дел[оау]"
    r"|квитанц|заказ|трек|(?<![а-яё])код|(?<![а-яё])рег\.|регистрац|исх\.|вх\.|приказ|сумм|руб"
)
_KEY_BIRTH = re.compile(
    r"(?i)родил(?:ся|ась|ись)|рожд|(?<![а-яё])род\.|(?<![а-яё])д\.\s?р\.?"
    r"|(?<![а-яё])г\.\s?р\.?|(?<![а-яё])др(?![а-яё])|date\s+of\s+birth|(?<![a-z])dob(?![a-z])"
    r"|(?<![a-z])born(?![a-z])"
)
_BIRTH_AFTER = re.compile(
    r"(?i)^[\s,]*\(?\s*(?:г\.?\s?р\.?|года?\s+рождения|г\.\s*рождения|д\.\s?р\.?|рожд)"
)
# A sentence ends at «!», «?», a line break, or a period before a capital letter, unless the
# period ends an abbreviation of a place or an initial («г. Казань», «ул. Ленина», «И. Петров»).
_SENTENCE_END = re.compile(
    r"[!?\n]|(?<![\s(][гдспк])(?<![\s(][А-ЯЁ])(?<!ул)(?<!им)(?<!пр)(?<!пос)\.\s+[А-ЯЁA-Z]"
)


def _before(text: str, start: int, pattern: re.Pattern[str], window: int = _WINDOW) -> bool:
    """Whether ``pattern`` occurs in the same sentence within ``window`` characters before."""
    lo = max(0, start - window)
    found = None
    for m in pattern.finditer(text, lo, start):
        found = m
    if found is None:
        return False
    # From the keyword's last character: «г.р. Подала…» ends a sentence at its own period.
    return _SENTENCE_END.search(text, found.end() - 1, start) is None


def _after(text: str, end: int, pattern: re.Pattern[str], window: int = 25) -> bool:
    """Whether ``pattern`` occurs in the same sentence within ``window`` characters after."""
    found = pattern.search(text, end, end + window)
    return found is not None and _SENTENCE_END.search(text, end, found.start()) is None


def _digits(value: str) -> str:
    return "".join(ch for ch in value if ch.isdigit())


def _luhn(digits: str) -> bool:
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = int(ch)
        if i % 2:
            d = d * 2 - 9 if d > 4 else d * 2
        total += d
    return total % 10 == 0


# --- Detectors: each returns (start, end) spans of the original text ----------------------------

Span = tuple[int, int]

_EMAIL_RE = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+", re.UNICODE)

_GAP = r"[ \u00a0\u202f\-–—]?"
_CARD_RE = re.compile(
    rf"(?<![\w.,])(?:\d{{4}}(?:{_GAP}\d{{4}}){{2,3}}(?:{_GAP}\d{{1,3}})?"
    rf"|\d{{4}}{_GAP}\d{{6}}{_GAP}\d{{4,5}}|\d{{13,19}})(?![\w])"
)


def _cards(text: str) -> list[Span]:
    out = []
    for m in _CARD_RE.finditer(text):
        d = _digits(m.group())
        if not 13 <= len(d) <= 19:
            continue
        keyword = _before(text, m.start(), _KEY_CARD)
        # Sixteen digits next to «карта» even with a wrong check digit (a slip of the tongue).
        if (keyword and len(d) == 16) or (
            _luhn(d) and (keyword or not _before(text, m.start(), _KEY_OTHER, 25))
        ):
            out.append(m.span())
    return out


_PASSPORT_KEYWORD_RE = re.compile(
    r"(?i)(?:сери[яиюей]|сер\.)\s*(\d{2}[ \u00a0]?\d{2})[\s,]*"
    r"(?:(?:№|N|номер|ном\.)\s*)?(\d{6})(?!\w)"
)
_PASSPORT_RE = re.compile(
    r"(?<![\w.,])(?:\d{2}[ \u00a0]\d{2}[ \u00a0]?(?:№\s*)?\d{6}"
    r"|\d{4}[ \u00a0]+(?:№\s*)?\d{6})(?![\w])"
)
_TEN_RE = re.compile(r"(?<![\w.,\-])\d{4}[ \u00a0\-]?\d{6}(?![\w\-])")


def _passports(text: str) -> list[Span]:
    out = [(m.start(1), m.end(2)) for m in _PASSPORT_KEYWORD_RE.finditer(text)]
    for m in _PASSPORT_RE.finditer(text):
        if not _before(text, m.start(), _KEY_OTHER, 20) or _before(text, m.start(), _KEY_PASSPORT):
            out.append(m.span())
    for m in _TEN_RE.finditer(text):
        if _before(text, m.start(), _KEY_PASSPORT) or _after(text, m.end(), _KEY_PASSPORT):
            out.append(m.span())
    return out


_SNILS_RE = re.compile(
    r"(?<![\w.,\-])\d{3}[ \u00a0\-]?\d{3}[ \u00a0\-]?\d{3}[ \u00a0\-]{0,2}\d{2}(?![\w])"
)
_SNILS_SHAPE = re.compile(r"\d{3}-\d{3}-\d{3}[ \u00a0-]\d{2}")


def _snils(text: str) -> list[Span]:
    out = []
    for m in _SNILS_RE.finditer(text):
        value = m.group()
        if _before(text, m.start(), _KEY_SNILS) or _SNILS_SHAPE.fullmatch(value):
            out.append(m.span())
            continue
        d = _digits(value)
        if not snils_valid(value.replace("\u00a0", " ")):
            continue
        # Eleven digits starting with 7 or 8 next to a phone word, or written as one run, are
        # more likely a phone number (the phone detector takes them).
        phone_like = d[0] in "78" and (value.isdigit() or _before(text, m.start(), _KEY_PHONE))
        if not phone_like:
            out.append(m.span())
    return out


_INN_RE = re.compile(r"(?<![\w.,\-])(?:\d{12}|\d{10})(?![\w])")


def _inn(text: str) -> list[Span]:
    out = []
    for m in _INN_RE.finditer(text):
        value = m.group()
        if (
            _before(text, m.start(), _KEY_INN)
            or (len(value) == 12 and inn_valid(value))
            or (
                len(value) == 10
                and inn_valid(value)
                and not value.startswith("00")
                and not _before(text, m.start(), _KEY_OTHER, 25)
                and not _before(text, m.start(), _KEY_PHONE)
                and not _before(text, m.start(), _KEY_PASSPORT)
            )
        ):
            out.append(m.span())
    return out


_SEP = r"[\s\-–—.]*"
_PHONE_RE = re.compile(
    r"(?<![\d+\w])(?:\+\s?7|8|7)"  # +7, 8 or 7, then ten digits in the usual groupings
    rf"{_SEP}\(?\d{{3}}\)?{_SEP}\d{{3}}{_SEP}\d{{2}}{_SEP}\d{{2}}(?![\w])"
    r"|(?<![\d+\w])\(?9\d{2}\)?[ \u00a0\-]\d{3}[ \u00a0\-]?\d{2}[ \u00a0\-]?\d{2}(?![\w])"
    r"|(?<![\w+\-–.,])\d{3}[\-–]\d{2}[\-–]\d{2}(?![\w\-–])"  # a local number: 123-45-67
)
_PHONE_INTL_RE = re.compile(r"(?<![\d\w])\+\s?[1-9][\d \u00a0\-()]{8,20}\d(?![\w])")
_PHONE_KEYWORD_RE = re.compile(
    r"(?<![\w.,\-])(?:9\d{9}|\d{2}[\-–]\d{2}[\-–]\d{2}|\d{5,7})(?![\w\-–])"
)


def _phones(text: str) -> list[Span]:
    out = []
    for m in _PHONE_RE.finditer(text):
        d = _digits(m.group())
        if len(d) == 11 and d[1:4] == "800":  # a toll-free number belongs to an organisation
            continue
        out.append(m.span())
    for m in _PHONE_INTL_RE.finditer(text):
        if 10 <= len(_digits(m.group())) <= 15:
            out.append(m.span())
    for m in _PHONE_KEYWORD_RE.finditer(text):
        if _before(text, m.start(), _KEY_PHONE, 25) and not _before(
            text, m.start(), _KEY_OTHER, 15
        ):
            out.append(m.span())
    out.extend(_loose_phones(text))
    return out


# A phone typed a digit short or long, or with a four-digit code: «+79574-56-40»,
# «8 (4822) 12-34-56» — «+7» or «8», then 8 to 11 digits in groups between spaces, dashes or
# brackets (no dots: «8.12.2025» is a date). The whole run of digits and separators is taken
# (atomic: no shorter part of a longer number).
_PHONE_LOOSE_RE = re.compile(
    r"(?<![\d\w+.,/\-–])(\+\s?7|8)(?>((?:[ \u00a0\-–—()]{1,3}\d|\d)+))(?![\w.,]\d|[\w])"
)
# Thousands in groups of three: «8 500 000 000» is an amount or a count…
_THOUSANDS = re.compile(r"\d{1,3}(?:[ \u00a0\u202f]\d{3})+")
# …and so is a number money follows («₽», «руб.», «млн», «%»), or, after «8», a unit («чел.»,
# «дней», «раз»: after «+7» these are words of the sentence, «звонила +79806-33-21 раз пять»).
# Whole words only: «копию», «днём», «годовой» after a number are words of the sentence.
_MONEY_AFTER = re.compile(
    r"(?i)\s*(?:₽|\$|€|%|(?:руб(?:л[а-яё]*)?|р|тыс(?:яч[а-яё]*)?|млн|млрд|коп(?:е[а-яё]*)?)"
    r"(?![а-яё]))"
)
_UNIT_AFTER = re.compile(
    r"(?i)\s*(?:(?:чел(?:овек[а-яё]*)?|шт|дн(?:ей|я|и)?|дел(?:а|о)?|лет|год(?:а|ов)?|раз(?:а)?"
    r"|мин(?:ут[а-яё]*)?|час(?:а|ов)?|км|кг)(?![а-яё])|м²|кв\.)"
)


def _loose_phones(text: str) -> list[Span]:
    out = []
    for m in _PHONE_LOOSE_RE.finditer(text):
        prefix, rest = m.group(1), m.group(2)
        digits = _digits(rest)
        if not 8 <= len(digits) <= 11 or digits.startswith("800"):  # 8-800: an organisation
            continue
        if _MONEY_AFTER.match(text, m.end()) or (
            prefix == "8" and _UNIT_AFTER.match(text, m.end())
        ):
            continue
        # After «8» without a phone word before it or a code in brackets («8 (4822) 12-34-56»,
        # a phone's own shape): an amount in thousands, or a number another word names (an
        # application's, a case's, a track's), is no phone.
        if (
            prefix == "8"
            and "(" not in rest
            and not _before(text, m.start(), _KEY_PHONE, 25)
            and (_THOUSANDS.fullmatch(m.group()) or _before(text, m.start(), _KEY_OTHER, 15))
        ):
            continue
        out.append(m.span())
    return out


# --- Identifiers a word introduces --------------------------------------------------------------
# «таб. № 10577», «л/с 1234567», «дело № 2-1234/2025», «полис ОМС 7755 …», «СНИЛС 123-456-789»:
# the word says what the number after it is, so the number is masked whatever its length or
# check digit (a mistyped СНИЛС is as personal as a right one). The word itself stays.
_ID_LEAD = r"[\s:#]*(?:(?:№|N|No\.?|номер|ном\.)[\s:#]*)?"
_ID_COMPACT = r"(?:[А-ЯЁA-Z]{1,3}-?)?\d+(?:[\-–/]\d+)*(?![\w])"  # 10577, 2-1234/2025, А40-12
_ID_SPACED = r"\d+(?:[ \u00a0\-–/]\d+)*(?![\w])"  # 123 456 789 00, 7755 1234 5678 9012
_INTRODUCED: tuple[tuple[str, re.Pattern[str], int], ...] = tuple(
    (kind, re.compile(rf"(?i)(?:{words}){_ID_LEAD}({value})"), least)
    for kind, words, value, least in (
        (
            "personnel",
            r"(?<![а-яё])(?:табельн\w*(?:\s+номер\w*)?|таб\.?\s*ном(?:ер\w*)?\.?|таб\.\s*н\."
            r"|таб\.?(?=\s*(?:№|\d{3}))|т/н|т\.\s?н\.)",
            _ID_COMPACT,
            1,
        ),
        (
            "accounts",
            r"(?<![а-яё])(?:л/сч?\.?|лиц\.\s*сч\w*\.?|лицев\w*\s+сч[её]т\w*)",
            _ID_SPACED,
            4,
        ),
        (
            "cases",
            r"(?<![а-яё])(?:(?:личн\w+\s+)?дел[оау](?=\s*(?:№|N))|№\s*(?:личного\s+)?дела"
            r"|номер\w*\s+(?:личного\s+)?дела)",
            _ID_COMPACT,
            1,
        ),
        (
            "policies",
            r"(?<![а-яё])(?:полис\w*(?:\s+(?:омс|дмс|осаго|каско))?|омс)",
            _ID_SPACED,
            6,
        ),
        ("snils", _KEY_SNILS.pattern.removeprefix("(?i)"), _ID_SPACED, 6),
        ("inn", _KEY_INN.pattern.removeprefix("(?i)"), _ID_SPACED, 6),
        ("passports", r"паспорт\w*(?:\s+(?:рф|гражданина(?:\s+рф)?))?", _ID_SPACED, 6),
    )
)
# A person's bank account (40817, 40820, 423xx: accounts of individuals), 20 digits, as one run
# or in its 5-3-1-4-7 parts.
_ACCOUNT_RE = re.compile(
    r"(?<![\w.,\-])(?:40817|40820|423\d\d)[ .\u00a0]?\d{3}[ .\u00a0]?\d[ .\u00a0]?\d{4}"
    r"[ .\u00a0]?\d{7}(?![\w])"
)


def _introduced(text: str) -> dict[str, list[Span]]:
    """The numbers a word names (see ``_INTRODUCED``) by kind, and persons' bank accounts."""
    out: dict[str, list[Span]] = {kind: [] for kind, _, _ in _INTRODUCED}
    for kind, pattern, least in _INTRODUCED:
        for m in pattern.finditer(text):
            # «расходы ОМС 1 500 000 руб.»: an amount after the word, not a number it names
            # (a unit is not: «л/с 1234567 2 года не платит» names the account).
            amount = _MONEY_AFTER.match(text, m.end(1))
            if len(_digits(m.group(1))) >= least and not amount:
                out[kind].append(m.span(1))
    out["accounts"].extend(m.span() for m in _ACCOUNT_RE.finditer(text))
    return out


_MONTHS = (
    r"(?i:январ[яь]|феврал[яь]|марта?|апрел[яь]|ма[яй]|июн[яь]|июл[яь]|августа?|сентябр[яь]"
    r"|октябр[яь]|ноябр[яь]|декабр[яь])"
)
# «г.», «года» after a year, but not the «г.» of «г.р.» nor the «года» of «года рождения».
_YEAR_WORD = r"(?:\s*(?:г\.(?!\s?р)|года?(?!\s+рожд)|г(?![а-яё.])))?"
_DATE_RE = re.compile(
    r"(?<![\w.,/])(?:"
    r"(?:0?[1-9]|[12]\d|3[01])[./-](?:0?[1-9]|1[0-2])[./-](?:19|20)?\d{2}"
    rf"|(?:0?[1-9]|[12]\d|3[01])\s+{_MONTHS}\s+(?:19|20)\d{{2}}{_YEAR_WORD}"
    r"|(?:19|20)\d{2}-(?:0[1-9]|1[0-2])-(?:0[1-9]|[12]\d|3[01])"
    r")(?![\dA-Za-zА-ЯЁа-вд-яё_])"  # «12.03.1985г.» is a date, «12.03.1985abc» is not
)
_YEAR_RE = re.compile(r"(?<![\w.,/\-])(?:19|20)\d{2}(?![\d.,/]\d|\d)" + _YEAR_WORD)


def _birth_dates(text: str, names: Sequence[Span]) -> list[Span]:
    out = []
    ends = {b for _, b in names}
    this_year = date.today().year

    def birth_context(start: int, end: int) -> bool:
        if _before(text, start, _KEY_BIRTH):
            return True
        return bool(_BIRTH_AFTER.match(text[end : end + 25]))

    def after_name(start: int) -> bool:
        return any(0 <= start - e <= 4 and not text[e:start].strip(" ,(–—-") for e in ends)

    for m in _DATE_RE.finditer(text):
        if birth_context(m.start(), m.end()) or after_name(m.start()):
            out.append(m.span())
    for m in _YEAR_RE.finditer(text):
        year = int(m.group()[:4])
        if 1900 <= year <= this_year and birth_context(m.start(), m.start() + 4):
            out.append(m.span())
    return out


_STREET = (
    r"(?<![А-ЯЁа-яё])(?:ул\.|ул(?![а-яё])|улиц[аеыу]|пр-к?т\.?|просп\.|проспект[аеу]?|пер\."
    r"|переул(?:ок|ка|ке)|ш\.|шоссе|б-р|бул\.|бульвар[аеу]?|наб\.|набережн(?:ая|ой|ую)|пл\."
    r"|площад[ьи]|мкр-?н?\.?|микрорайон[аеу]?|проезд[аеу]?|туп\.|тупик[аеу]?|аллея|аллеи)"
)
_LOCALITY = (
    r"(?:(?:г\.|гор\.|город[аеу]?|пос\.|п\.|пгт\.?|пос[её]л(?:ок|ке|ка)|с\.|село|дер\.|д\.|деревня)"
    r"\s*[А-ЯЁ][а-яё]+(?:[\s-][А-ЯЁ][а-яё]+)?)"
)
_REGION = (
    r"(?:[А-ЯЁ][а-яё]+(?:ая|ий|ой)\s+(?:обл\.|область|кр\.|край|р-н|район)"
    r"|(?:респ\.|республика)\s+[А-ЯЁ][а-яё]+)"
)
_POSTCODE = r"(?<![\w.,])\d{6}(?![\w])"
_HOUSE = r"(?:(?:д\.?|дом)\s*\d+[а-яА-Я]?(?:/\d+)?|\d+[а-яА-Я]?(?:/\d+)?(?:-\d+)?)"
_BUILDING = r"(?:,?\s*(?:корп\.?|корпус|к\.|стр\.|строение|лит\.)\s*\d+[а-яА-Я]?)"
_FLAT = r"(?:,?\s*(?:кв\.?|квартира|оф\.|офис|ком\.|комната)\s*\d+[а-яА-Я]?)"
_STREET_NAME = r"(?:[А-ЯЁа-яё0-9][\w.-]*(?:\s+(?:[А-ЯЁ][\w.-]*|лет|им\.|\d+-?[а-я]{0,2})){0,3})"
_PREFIX = rf"(?:{_POSTCODE},?\s*)?(?:{_REGION},?\s*)?(?:{_LOCALITY},?\s*)?"
_ADDRESS_RE = re.compile(
    rf"{_PREFIX}{_STREET}\s*{_STREET_NAME},?\s*{_HOUSE}{_BUILDING}?{_FLAT}?(?![\d])"
    rf"|{_PREFIX}(?<![А-ЯЁа-яё])[А-ЯЁ][а-яё-]+\s+(?:улица|проспект|переулок|шоссе|бульвар|набережная)"
    rf",?\s*{_HOUSE}{_BUILDING}?{_FLAT}?(?![\d])"
    rf"|(?:{_LOCALITY}|(?<![А-ЯЁа-яё])[А-ЯЁ][а-яё]+(?:[\s-][А-ЯЁ][а-яё]+)?),\s*[А-ЯЁ][а-яё]+"
    r"\s+\d+[а-яА-Я]?-\d+(?![\d])"  # «Казань, Ленина 5-12»: a street with house and flat
    rf"|(?<![А-ЯЁа-яё])(?:д\.?|дом)\s*\d+[а-яА-Я]?(?:/\d+)?{_BUILDING}?{_FLAT}(?![\d])"
    rf"|{_POSTCODE},?\s*(?:{_REGION},?\s*)?(?:{_LOCALITY}|[А-ЯЁ][а-яё]+(?:[\s-][А-ЯЁ][а-яё]+)?)"
)


def _addresses(text: str) -> list[Span]:
    return [m.span() for m in _ADDRESS_RE.finditer(text)]


# --- Names --------------------------------------------------------------------------------------


@cache
def morph() -> Any:
    """The pymorphy3 analyser (its Russian dictionary loads once, ~0.2 s)."""
    import pymorphy3  # type: ignore[import-untyped]

    return pymorphy3.MorphAnalyzer()


_NAME_TAGS = frozenset({"Name", "Surn", "Patr"})
_SURNAME_END = re.compile(r"(?:ов|ев|ёв|ин|ын|ова|ева|ёва|ина|ына|ский|ская|цкий|цкая|енко)$")
# A capitalised word right after these is the name of a street or a place, not of a person.
#: The methodology's own eponyms: «лестница Ханта» (M-7) names a ladder, not a client.
_TERM_BEFORE = re.compile(r"(?<![А-ЯЁа-яё])лестниц[аеыу]\w*\s+$", re.IGNORECASE)
_HUNT = re.compile(r"Хант(?:а|у|ом|е)?")
_PLACE_BEFORE = re.compile(
    r"(?:(?<![А-ЯЁа-яё])(?:ул|пр|пер|пл|наб|просп|пр-т|б-р|г|пос|им)\.?|улиц[аеыу]|проспект[аеу]?"
    r"|площад[ьи]|переул(?:ок|ка|ке)|имени)\s*$",
    re.IGNORECASE,
)
_INITIALS_BEFORE = re.compile(r"(?<![А-ЯЁа-яё])[А-ЯЁ]\.\s?(?:[А-ЯЁ]\.)?\s?$")
_INITIALS_RE = re.compile(r"(?<![А-ЯЁа-яё])[А-ЯЁ]\.\s?(?:[А-ЯЁ]\.)?(?![А-ЯЁа-яё])")
_CAPITALISED_RE = re.compile(r"[А-ЯЁ][а-яё]+(?:-[А-ЯЁ][а-яё]+)?")
_CANDIDATE_RE = re.compile(r"[А-ЯЁ][а-яё]")


@lru_cache(maxsize=100_000)
def _name_score(word: str) -> float:
    """Probability mass of pymorphy3's parses that are a first name, surname or patronymic.

    First names and patronymics are a closed list the dictionary knows; a first-name reading
    pymorphy3 only guesses from an unknown word's ending («из Камунды», «в Камунде» → a name
    «Камунд») is the name of a system or a place, not of a person, and does not count. Guessed
    surnames do (a rare surname is unknown to any dictionary).
    """
    return float(
        sum(
            p.score
            for p in morph().parse(word)
            if _NAME_TAGS & (grammemes := set(p.tag.grammemes))
            and (p.is_known or "Surn" in grammemes)
        )
    )


_WORD_RE = re.compile(r"[А-ЯЁа-яёA-Za-z]+(?:-[А-ЯЁа-яёA-Za-z]+)*")
# What stands before the first word of a sentence: the text's start, a line break, «!», «?», «…»
# or a period that does not end an abbreviation («г.», «ул.», an initial), then quotes or dashes.
_SENTENCE_START = re.compile(
    r"(?:^|[!?…\n]|(?<![\s(][А-ЯЁа-яё])(?<![\s(]ул|[\s(]пр|[\s(]им|[\s(]гр)(?<!^[А-ЯЁа-яё])\.)"
    r"[\s«»\"'„“”(\-–—]*$"
)


def _at_sentence_start(text: str, start: int) -> bool:
    if start < 8 and not text[:start].strip(" \t«»\"'„“”(-–—"):
        return True
    return _SENTENCE_START.search(text, max(0, start - 8), start) is not None


def _names(text: str) -> list[Span]:
    if not _CANDIDATE_RE.search(text):
        return []
    # Words only: punctuation between two words (a comma, a dash) keeps them from being
    # neighbours, as a gap of white space does not.
    words = [(m.start(), m.end()) for m in _WORD_RE.finditer(text)]
    capitalised = [bool(_CAPITALISED_RE.fullmatch(text, a, b)) for a, b in words]
    pairs = list(zip(words, capitalised, strict=True))
    scores = [_name_score(text[a:b]) if c else 0.0 for (a, b), c in pairs]
    if not any(scores) and not any(c and _SURNAME_END.search(text, a, b) for (a, b), c in pairs):
        return []
    # Whether word i and word i + 1 stand next to each other with only white space between.
    joined = [
        i + 1 < len(words) and not text[words[i][1] : words[i + 1][0]].strip()
        for i in range(len(words))
    ]
    named: set[int] = set()
    for i, (a, b) in enumerate(words):
        score = scores[i]
        if (
            not capitalised[i]
            or _PLACE_BEFORE.search(text, max(0, a - 12), a)
            or (_HUNT.fullmatch(text, a, b) and _TERM_BEFORE.search(text, max(0, a - 12), a))
        ):
            continue
        before = scores[i - 1] if i and joined[i - 1] else 0.0
        after = scores[i + 1] if joined[i] else 0.0
        neighbour = max(before, after) >= 0.3
        initials = bool(_INITIALS_RE.match(text, b) or _INITIALS_RE.match(text, b + 1)) or bool(
            _INITIALS_BEFORE.search(text, max(0, a - 6), a)
        )
        # A surname the dictionary barely knows (Казаков, Комаров: also plural nouns) is a name
        # next to a sure name or to initials.
        surname = bool(_SURNAME_END.search(text, a, b)) and (max(before, after) >= 0.9 or initials)
        # A capitalised word inside a sentence is a name when the dictionary leans that way;
        # at the start of a sentence (capitalised anyway) only when it is surely a name or
        # stands next to another name or initials.
        threshold = 0.9 if _at_sentence_start(text, a) else 0.3
        if score >= threshold or (score >= 0.2 and (neighbour or initials)) or surname:
            named.add(i)
    # The rest of a full name beside a found part: «Комаров Максим Петрович» — «Максим» is also
    # a noun and «Комаров» a plural one, but a patronymic makes them a name. A capitalised
    # neighbour with a surname's ending or any name reading joins, up to three words.
    for _ in range(2):
        for i in sorted(named):
            for j in (i - 1, i + 1):
                if j < 0 or j >= len(words) or j in named or not joined[min(i, j)]:
                    continue
                a, b = words[j]
                if not capitalised[j] or _PLACE_BEFORE.search(text, max(0, a - 12), a):
                    continue
                if scores[j] >= 0.1 or _SURNAME_END.search(text, a, b):
                    named.add(j)
    spans: list[Span] = [words[i] for i in sorted(named)]
    for match in _INITIALS_RE.finditer(text):
        near = any(abs(match.start() - b) <= 2 or abs(match.end() - a) <= 2 for a, b in spans)
        if near:
            spans.append((match.start(), match.end()))
    if not spans:
        return []
    spans.sort()
    merged: list[list[int]] = []
    for a, b in spans:
        if merged and not text[merged[-1][1] : a].strip():
            merged[-1][1] = max(merged[-1][1], b)
        else:
            merged.append([a, b])
    return [(a, b) for a, b in merged]


# --- The one function --------------------------------------------------------------------------

_ANY_DIGIT_OR_AT = re.compile(r"[\d@]")


def mask_personal_data(text: str) -> MaskedText:
    """Replace the personal data of a free text with placeholders (see the module's list).

    Returns
    -------
    MaskedText
        The masked text and the count of each kind in :data:`KINDS` (zeros included).
    """
    if not text:
        return MaskedText(text=text, counts=dict.fromkeys(KINDS, 0))
    table = _table(text)
    if table is not None:
        return _mask_table(*table)
    return _mask_prose(text)


# The kind of a column's personal data → the placeholder its cells get in a table.
_COLUMN_KINDS = {
    PiiKind.fio: "names",
    PiiKind.snils: "snils",
    PiiKind.inn: "inn",
    PiiKind.passport: "passports",
    PiiKind.phone: "phones",
    PiiKind.email: "emails",
    PiiKind.address: "addresses",
    PiiKind.birth_date: "birth_dates",
}
_PLACEHOLDER_SET = frozenset(PLACEHOLDERS.values())
_TABLE_MIN_LINES = 3  # a header and two rows at least
_TABLE_MIN_CELLS = 3


def _table(text: str) -> tuple[str, list[list[str]]] | None:
    """The delimiter and rows of a text that is a table («;» or tab between cells, the same
    number of cells on nine lines in ten), else ``None``."""
    if text.count("\n") < _TABLE_MIN_LINES - 1:
        return None
    lines = [line for line in text.splitlines() if line.strip()]
    if len(lines) < _TABLE_MIN_LINES:
        return None
    for delimiter in (";", "\t"):
        if lines[0].count(delimiter) < _TABLE_MIN_CELLS - 1:
            continue
        rows = list(csv.reader(lines, delimiter=delimiter))
        width = len(rows[0])
        if sum(len(row) == width for row in rows) >= 0.9 * len(rows):
            return delimiter, rows
    return None


def _mask_table(delimiter: str, rows: list[list[str]]) -> MaskedText:
    """A table's cells masked: the whole cell in a column with personal data, else as text.
    The first line is taken for the header (its names help to judge the columns)."""
    header, body = rows[0], rows[1:]
    counts = dict.fromkeys(KINDS, 0)
    kinds: list[str | None] = []
    for i, name in enumerate(header):
        values = [row[i] for row in body if i < len(row) and row[i].strip()]
        found = detect_column(name, values)
        kinds.append(_COLUMN_KINDS.get(found.kind) if found is not None else None)
    out = io.StringIO()
    writer = csv.writer(out, delimiter=delimiter, lineterminator="\n")
    writer.writerow(header)
    for row in body:
        cells = []
        for i, cell in enumerate(row):
            kind = kinds[i] if i < len(kinds) else None
            if kind is not None and cell.strip() and cell.strip() not in _PLACEHOLDER_SET:
                cells.append(PLACEHOLDERS[kind])
                counts[kind] += 1
                continue
            masked = _mask_prose(cell)
            cells.append(masked.text)
            counts = add_counts(counts, masked.counts)
        writer.writerow(cells)
    return MaskedText(text=out.getvalue(), counts=counts)


def _mask_prose(text: str) -> MaskedText:
    """:func:`mask_personal_data` of a text that is not a table."""
    counts = dict.fromkeys(KINDS, 0)
    if not text:
        return MaskedText(text=text, counts=counts)
    names = _names(text)
    found: dict[str, list[Span]] = {"names": names}
    if _ANY_DIGIT_OR_AT.search(text):
        introduced = _introduced(text)
        found |= {
            "emails": [m.span() for m in _EMAIL_RE.finditer(text)],
            "cards": _cards(text),
            "passports": _passports(text),
            "snils": _snils(text),
            "inn": _inn(text),
            "phones": _phones(text),
            "birth_dates": _birth_dates(text, names),
            "addresses": _addresses(text),
        }
        for kind, spans in introduced.items():
            found[kind] = found.get(kind, []) + spans
    taken: list[tuple[int, int, str]] = []
    for kind in _PRIORITY:
        for a, b in sorted(found.get(kind, ()), key=lambda s: (s[0] - s[1], s[0])):
            if a < b and all(b <= x or a >= y for x, y, _ in taken):
                taken.append((a, b, kind))
    if not taken:
        return MaskedText(text=text, counts=counts)
    taken.sort()
    out, last = [], 0
    for a, b, kind in taken:
        out.append(text[last:a])
        out.append(PLACEHOLDERS[kind])
        counts[kind] += 1
        last = b
    out.append(text[last:])
    return MaskedText(text="".join(out), counts=counts)


def mask_file_name(name: str) -> str:
    """A file's name as it may be shown and recorded: personal data in it masked.

    Transcripts and exports are often named after a person («Интервью Иванова_А_С.docx»);
    the name goes into messages, manifests, the audit log and the sources of quotes. Underscores
    are read as spaces; a name with nothing to mask is returned as it is.
    """
    stem, dot, suffix = name.rpartition(".")
    if not dot or not stem or not suffix.isalnum() or len(suffix) > 5:
        stem, dot, suffix = name, "", ""
    masked = mask_personal_data(stem.replace("_", " "))
    return name if masked.total == 0 else masked.text + dot + suffix


def mask_texts(texts: Iterable[str | None]) -> tuple[list[str | None], dict[str, int]]:
    """Many texts masked (``None`` stays ``None``) and the counts over all of them."""
    out: list[str | None] = []
    total = dict.fromkeys(KINDS, 0)
    for text in texts:
        if text is None:
            out.append(None)
            continue
        masked = mask_personal_data(text)
        out.append(masked.text)
        for kind, n in masked.counts.items():
            total[kind] += n
    return out, total


# --- In the engine ------------------------------------------------------------------------------

MASK_FUNCTION = "segprofile_mask_text"


class MaskTally:
    """What a registered mask function has masked so far (its calls may come from threads)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._counts = dict.fromkeys(KINDS, 0)

    def add(self, counts: dict[str, int]) -> None:
        with self._lock:
            for kind, n in counts.items():
                self._counts[kind] += n

    @property
    def counts(self) -> dict[str, int]:
        with self._lock:
            return dict(self._counts)


def register_mask_function(con: Any) -> MaskTally:
    """Register ``segprofile_mask_text(VARCHAR) → VARCHAR`` on a DuckDB connection.

    A vectorised (Arrow) function: the engine hands it batches of texts, it masks each with
    :func:`mask_personal_data`. The returned tally counts what it masked, by kind.
    """
    import duckdb
    import pyarrow as pa
    from duckdb import func

    tally = MaskTally()

    def function(values: Any) -> Any:
        masked, counts = mask_texts(values.to_pylist())
        tally.add(counts)
        return pa.array(masked, type=pa.string())

    varchar = duckdb.sqltype("VARCHAR")
    con.create_function(
        MASK_FUNCTION,
        function,
        [varchar],
        varchar,
        type=func.ARROW,
        null_handling=func.SPECIAL,
        exception_handling=duckdb.PythonExceptionHandling.DEFAULT,
        side_effects=False,
    )
    return tally


def mask_sql(column_sql: str) -> str:
    """DuckDB SQL masking a text column with the function of :func:`register_mask_function`."""
    return f"{MASK_FUNCTION}(CAST({column_sql} AS VARCHAR))"


def import_text_columns(
    con: Any,
    relation: str,
    sample: Sequence[dict[str, Any]],
    overrides: dict[str, Any],
    skip: Iterable[str],
) -> list[str]:
    """The text columns of an import's ``relation`` to mask (see :func:`columns_to_mask`).

    Free text is what the schema's own inference calls text on the sample (type or use
    «text», the user's overrides applied); ``skip`` are the columns already dropped,
    pseudonymised or generalised, or explicitly kept raw.
    """
    from segprofile.data.schema import ColumnType, ColumnUse, profile_columns

    _, profiles, _ = profile_columns(con, relation, overrides=overrides)
    skipped = set(skip)
    texts = [p for p in profiles if p.dtype.upper() == "VARCHAR" and p.name not in skipped]
    free = [p.name for p in texts if p.type is ColumnType.text or p.use is ColumnUse.text]
    return columns_to_mask(
        {p.name: [row.get(p.name) for row in sample] for p in texts}, free_text=free
    )


def words(values: Iterable[Any]) -> bool:
    """Whether sample values are words (a tenth at least hold a space), not single tokens."""
    present = [v.strip() for v in values if isinstance(v, str) and v.strip()]
    return bool(present) and sum(any(c.isspace() for c in v) for v in present) >= 0.1 * len(present)


def columns_to_mask(
    samples: dict[str, Sequence[Any]],
    *,
    free_text: Iterable[str] = (),
) -> list[str]:
    """The text columns an import masks: the free-text ones, and any other of words whose
    sample has personal data in it.

    A column of single tokens (codes, numbers of applications, hashed ids) is no text: its
    values are not masked, so that an application number that happens to pass the ИНН
    checksum stays a key; identifiers in such a column are the PII detection's job. A name
    alone counts only where most values differ (a few repeated categories such as towns are
    not a text).

    ``samples`` maps each candidate (text) column to sample values; ``free_text`` names the
    columns already known as free text (by type or use).
    """
    chosen = set(free_text)
    for column, values in samples.items():
        if column in chosen:
            continue
        if not words(values):
            continue
        present = [v.strip() for v in values if isinstance(v, str) and v.strip()]
        texts = set(present)
        varied = len(texts) > 0.5 * len(present)
        for text in texts:
            masked = mask_personal_data(text)
            others = masked.total - masked.counts["names"]
            if others or (masked.counts["names"] and varied):
                chosen.add(column)
                break
    return [c for c in samples if c in chosen] + sorted(chosen - set(samples))
