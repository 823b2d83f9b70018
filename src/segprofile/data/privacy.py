"""Personal data (152-ФЗ): find direct identifiers, pseudonymise them, keep the audit trail.

Identifiers are found by column name and by content (a sample of values): ФИО, СНИЛС (with its
checksum), ИНН (10 and 12 digits, with checksums), passport numbers, phones, e-mail, addresses and
birth dates. On import each is dropped, generalised (birth date → year) or replaced by a
pseudonym: HMAC-SHA256 under the study's own key, computed inside the engine by its own SHA-256
before anything is written (Python's :mod:`hmac` gives the same for single values). Within a
study the same person gets the same pseudonym in every file, because values are normalised first
(digits only for numbers, lower case for e-mail and names, ``+7`` phones); two studies have
unrelated keys. Keys live in a key store apart from the data (:class:`StudyKey`).

Nothing here logs or raises with a client value: only column names, kinds and counts.
"""

from __future__ import annotations

import base64
import contextlib
import fcntl
import hashlib
import hmac
import json
import logging
import os
import re
import secrets
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field, replace
from datetime import UTC, date, datetime
from enum import StrEnum
from pathlib import Path
from typing import Any

from segprofile import config
from segprofile.config import SETTINGS
from segprofile.errors import InputError
from segprofile.model.format import percent

log = logging.getLogger(__name__)

KEYS_ENV = SETTINGS["keys"].name  # the key store directory (default: beside the data directory)
# Earlier releases kept one key for everything here or in $SEGPROFILE_HOME/keys/pseudonym.key; it
# is only read to move a study's key into the key store (see adopt_legacy_key).
LEGACY_KEY_ENV = SETTINGS["legacy_pseudonym_key"].name
KEY_BYTES = 32
# A pseudonym is the first 16 bytes (128 bits: collisions are negligible for any client base) of
# the HMAC in base64url without padding (RFC 4648 §5): 22 characters. Hex would be 32, and the
# Parquet writer's compression spends as long on those as on everything else in the file.
PSEUDONYM_BYTES = 16
PSEUDONYM_CHARS = 22
# Recorded in each dataset version that has pseudonyms; versions without it (earlier releases)
# hold 32 hex characters, which do not match this format.
PSEUDONYM_FORMAT = "hmac-sha256-128-base64url"


class PiiKind(StrEnum):
    """A kind of direct identifier."""

    fio = "fio"
    snils = "snils"
    inn = "inn"
    passport = "passport"
    phone = "phone"
    email = "email"
    address = "address"
    birth_date = "birth_date"
    # The column that links the records to one client (an application number, a client's
    # number in the body's system): found by the inspection of the table, not by its values.
    client_id = "client_id"
    other = "other"  # a column the user marked as personal data

    @property
    def label(self) -> str:
        return _KIND_LABELS[self]


_KIND_LABELS = {
    PiiKind.fio: "ФИО",
    PiiKind.snils: "СНИЛС",
    PiiKind.inn: "ИНН",
    PiiKind.passport: "паспорт",
    PiiKind.phone: "телефон",
    PiiKind.email: "e-mail",
    PiiKind.address: "адрес",
    PiiKind.birth_date: "дата рождения",
    PiiKind.client_id: "идентификатор клиента",
    PiiKind.other: "персональные данные",
}


class PiiAction(StrEnum):
    """What an import does to a column with personal data."""

    drop = "drop"
    pseudonymise = "pseudonymise"
    generalise = "generalise"  # birth date → year of birth
    keep = "keep"

    @property
    def label(self) -> str:
        return {
            PiiAction.drop: "удалить",
            PiiAction.pseudonymise: "заменить псевдонимом",
            PiiAction.generalise: "оставить только год",
            PiiAction.keep: "оставить как есть",
        }[self]


def parse_action(value: str, column: str) -> PiiAction:
    """A user's ``pii`` decision (``drop | pseudonymise | generalise | keep``)."""
    aliases = {"pseudonymize": "pseudonymise", "generalize": "generalise", "year": "generalise"}
    try:
        return PiiAction(aliases.get(value.strip().lower(), value.strip().lower()))
    except ValueError:
        allowed = ", ".join(a.value for a in PiiAction)
        raise InputError(
            f"Неизвестное действие с персональными данными для столбца «{column}».",
            hint=f"укажите одно из: {allowed}.",
        ) from None


# --- Checksums ---------------------------------------------------------------------------------


def _digits(value: str) -> str:
    return "".join(ch for ch in value if ch.isdigit())


def snils_valid(value: str) -> bool:
    """СНИЛС: 11 digits whose last two are the checksum of the first nine."""
    d = _digits(value)
    if len(d) != 11 or not re.fullmatch(r"[\d\s-]+", value.strip()):
        return False
    number, check = d[:9], int(d[9:])
    if int(number) <= 1001998:  # numbers up to 001-001-998 carry no checksum
        return False
    total = sum(int(x) * (9 - i) for i, x in enumerate(number))
    if total > 101:
        total %= 101
    expected = 0 if total in (100, 101) else total
    return expected == check


_INN10 = (2, 4, 10, 3, 5, 9, 4, 6, 8)
_INN11 = (7, 2, 4, 10, 3, 5, 9, 4, 6, 8)
_INN12 = (3, 7, 2, 4, 10, 3, 5, 9, 4, 6, 8)


def _inn_check(digits: str, weights: tuple[int, ...]) -> int:
    return sum(int(d) * w for d, w in zip(digits, weights, strict=False)) % 11 % 10


def inn_valid(value: str) -> bool:
    """ИНН: 10 digits (organisation) or 12 digits (person), with their check digits."""
    v = value.strip()
    if not v.isdigit():
        return False
    if len(v) == 10:
        return _inn_check(v, _INN10) == int(v[9])
    if len(v) == 12:
        return _inn_check(v, _INN11) == int(v[10]) and _inn_check(v, _INN12) == int(v[11])
    return False


# --- Detection ---------------------------------------------------------------------------------

_NAME_RULES: list[tuple[PiiKind, re.Pattern[str]]] = [
    (PiiKind.snils, re.compile(r"снилс|snils|страхов\w* номер")),
    (PiiKind.inn, re.compile(r"(^|[^a-zа-я])(инн|inn)([^a-zа-я]|$)")),
    (PiiKind.passport, re.compile(r"паспорт|passport|серия и номер")),
    (PiiKind.email, re.compile(r"e-?mail|эл\w*\.? ?почт|электронн\w* почт|(^|\s)почта|(^|_)mail")),
    (PiiKind.phone, re.compile(r"телефон|(^|[^a-zа-я])тел([^a-zа-я]|$)|phone|мобильн|(^|\s)моб")),
    (PiiKind.birth_date, re.compile(r"рожд|birth|(^|[^a-z])dob([^a-z]|$)|(^|\s)д\.?\s?р\.?$")),
    (
        PiiKind.fio,
        re.compile(
            r"(^|[^a-zа-я])фио([^a-zа-я]|$)|фамили|(^|[^a-zа-я])имя([^a-zа-я]|$)|отчеств"
            r"|(^|[^a-z])fio([^a-z]|$)|surname|last[ _]?name|first[ _]?name|middle[ _]?name"
            r"|full[ _]?name|patronymic"
        ),
    ),
    (PiiKind.address, re.compile(r"адрес|address|(^|\s)улица|место (жительства|проживания)")),
]


# A place or a country of birth is no birth date: «Страна рождения», «Место рождения», «Город».
_PLACE_NAME = re.compile(
    r"мест\w*|стран\w*|город\w*|населен\w*|регион\w*|област\w*|country|place|city|town"
)


def kind_by_name(column: str) -> PiiKind | None:
    """The identifier a column's name suggests, if any."""
    name = column.casefold().replace("ё", "е")
    for kind, pattern in _NAME_RULES:
        if pattern.search(name):
            if kind is PiiKind.birth_date and _PLACE_NAME.search(name):
                return None
            return kind
    return None


_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s.]{2,}$")
_PHONE_CHARS = re.compile(r"^\+?[\d\s().-]{10,20}$")
# A passport's series and number as people write them: the number apart from the series («45 06
# 123456», «4506 123456», «4506 № 123456»). Ten digits in a row are no passport by themselves: an
# organisation's ИНН (its check digit decides) or a number in the body's system (_TEN_DIGITS).
_PASSPORT = re.compile(r"^\d{2}\s?\d{2}(?:\s+|\s*№\s*)\d{6}$")
_TEN_DIGITS = re.compile(r"^\d{10}$")
_CYR_WORD = r"[А-ЯЁ][а-яё]+(?:-[А-ЯЁ][а-яё]+)?"
_FIO_FULL = re.compile(rf"^{_CYR_WORD}\s+{_CYR_WORD}(?:\s+{_CYR_WORD})?$")
_FIO_UPPER = re.compile(r"^[А-ЯЁ-]{2,}\s+[А-ЯЁ-]{2,}(?:\s+[А-ЯЁ-]{2,})?$")
_FIO_INITIALS = re.compile(rf"^{_CYR_WORD}\s+[А-ЯЁ]\.\s?[А-ЯЁ]\.?$")
_PATRONYMIC = re.compile(r"(вич|вна|ична|инична|оглы|кызы)$", re.IGNORECASE)
_SURNAME = re.compile(r"(ов|ова|ев|ева|ёв|ёва|ин|ина|ын|ына|ский|ская|цкий|цкая|ко|ук|юк)$", re.I)
_ADDRESS_MARK = re.compile(
    r"(?i)(^|[\s,])(ул\.|улица|пр-т|проспект|пер\.|переулок|ш\.|шоссе|б-р|бульвар|наб\.|пл\."
    r"|д\.\s*\d|дом\s*\d|кв\.\s*\d|корп\.|стр\.\s*\d|г\.\s*[А-ЯЁ]|обл\.|область|р-н|пос\.|с\.\s*[А-ЯЁ])"
)


def _phone_like(value: str) -> bool:
    if not _PHONE_CHARS.match(value):
        return False
    d = _digits(value)
    return (len(d) == 11 and d[0] in "78") or (len(d) == 10 and d[0] == "9")


def _fio_like(value: str) -> bool:
    if _FIO_INITIALS.match(value):
        return True
    if not (_FIO_FULL.match(value) or _FIO_UPPER.match(value)):
        return False
    words = value.split()
    if len(words) == 3 and _PATRONYMIC.search(words[2]):
        return True
    return bool(_SURNAME.search(words[0]) or _PATRONYMIC.search(words[-1]))


def kind_of_value(value: str) -> PiiKind | None:
    """The identifier one value looks like (checksums decide for СНИЛС and ИНН)."""
    v = value.strip()
    if not v:
        return None
    if _EMAIL.match(v):
        return PiiKind.email
    if snils_valid(v):
        return PiiKind.snils
    if inn_valid(v):
        return PiiKind.inn
    if _PASSPORT.match(v):
        return PiiKind.passport
    if _phone_like(v):
        return PiiKind.phone
    if _TEN_DIGITS.match(v):  # a passport without a space, or a number of a client: which, unknown
        return PiiKind.client_id
    if _fio_like(v):
        return PiiKind.fio
    if len(_ADDRESS_MARK.findall(v)) >= 2:
        return PiiKind.address
    return None


def _birth_dates(values: Sequence[date]) -> bool:
    """Dates that look like birth dates: adults' and children's, spread over decades."""
    if len(values) < 5:
        return False
    today = date.today()
    latest = date(today.year - 14, today.month, min(today.day, 28))
    plausible = sum(date(1900, 1, 1) <= v <= latest for v in values) / len(values)
    years = {v.year for v in values}
    return plausible >= 0.95 and len(years) >= 5 and len(set(values)) / len(values) > 0.5


UNREAD_DATES = (
    "значения не прочитаны как даты (записаны по-разному или с ошибками), поэтому год рождения "
    "из них не выделить и столбец удаляется; чтобы оставить год, исправьте даты в файле "
    "(ДД.ММ.ГГГГ или ГГГГ-ММ-ДД) и загрузите его снова"
)
TEN_DIGITS = (
    "десятизначные номера без пробелов: номер клиента в системе ведомства, ИНН организации или "
    "серия и номер паспорта слитно — по значениям не различить"
)
CONTENT_SHARE = 0.6  # share of sampled values that must look like one identifier kind


@dataclass(frozen=True)
class PiiFinding:
    """A column that holds personal data, and what the import will do with it."""

    column: str
    kind: PiiKind
    by_name: bool
    by_content: bool
    share: float = field(metadata={"doc": "доля значений выборки, похожих на этот вид"})
    action: PiiAction
    review: bool = False  # uncertain: kept as it is until a person looks at it
    # What the inspect page adds to the reason, in Russian: why the finding is uncertain, or
    # why its action is not the usual one (a birth date whose values are no dates is dropped).
    doubt: str = ""
    client_id: bool = False  # the table's client id column (see client_id_finding)

    @property
    def reason(self) -> str:
        parts = []
        if self.client_id:
            parts.append(client_id_reason(self.action))
        if self.by_name:
            parts.append("по имени столбца")
        if self.by_content:
            parts.append(f"по содержимому ({percent(self.share)} значений выборки)")
        text = " и ".join(parts)
        return f"{text}; {self.doubt}" if self.doubt else text

    def to_dict(self) -> dict[str, Any]:
        out = asdict(self)
        out["kind"] = self.kind.value
        out["action"] = self.action.value
        out["kind_label"] = self.kind.label
        out["action_label"] = self.action.label
        out["reason"] = self.reason
        return out


def client_id_reason(action: PiiAction) -> str:
    """Why a client id column is personal data, and what the chosen ``action`` does with it."""
    why = (
        "столбец идентификатора клиента: номер заявления или клиента связывает запись с одним "
        "человеком"
    )
    if action is PiiAction.pseudonymise:
        return (
            f"{why}, поэтому он заменяется псевдонимом — тем же, что в других файлах "
            "исследования, и связь между ними сохраняется"
        )
    if action is PiiAction.keep:
        return (
            f"{why}; выбрано оставить его как есть — это можно только с указанной причиной "
            "(например, в файле уже псевдонимы), иначе выберите замену псевдонимом"
        )
    return f"{why}; выбрано «{action.label}»: файлы исследования по нему не свяжутся"


def client_id_finding(column: str, found: PiiFinding | None) -> PiiFinding:
    """The finding of a client id column (the source's ``id_column`` or one the inspection of
    the table takes for an identifier): what its values look like when they are an identifier
    of a known kind (СНИЛС, phone…), else a :attr:`PiiKind.client_id` — pseudonymised by
    default either way, with the same rule on every side that joins by it."""
    if found is not None and not found.review:
        # Ten digits of an unknown kind (TEN_DIGITS) are what the client id reason says.
        doubt = "" if found.kind is PiiKind.client_id else found.doubt
        return replace(found, client_id=True, doubt=doubt)
    return PiiFinding(
        column=column,
        kind=PiiKind.client_id,
        by_name=False,
        by_content=False,
        share=0.0,
        action=PiiAction.pseudonymise,
        client_id=True,
    )


# Who a person is or how to reach them, never which record is whose: a column of these values
# is not taken for the table's client id unless the source names it so (its ``id_column``).
NOT_CLIENT_IDS = frozenset(
    {PiiKind.fio, PiiKind.phone, PiiKind.email, PiiKind.address, PiiKind.birth_date}
)


def may_be_client_id(column: str, values: Iterable[Any]) -> bool:
    """Whether a column the inspection of the table takes for an identifier (unique values)
    may be its client id: not when its values are names, phones, e-mails, addresses or birth
    dates (:data:`NOT_CLIENT_IDS`) — such a column is shown and pseudonymised as what it is."""
    found = detect_column(column, values)
    return found is None or found.review or found.kind not in NOT_CLIENT_IDS


def default_action(kind: PiiKind, *, is_date: bool) -> PiiAction:
    """Pseudonymise identifiers (they join tables), drop names (they join nothing: people
    share them and spell them differently) and addresses, keep only the year of birth."""
    if kind in (PiiKind.fio, PiiKind.address):
        return PiiAction.drop
    if kind is PiiKind.birth_date:
        return PiiAction.generalise if is_date else PiiAction.drop
    return PiiAction.pseudonymise


# What a value must look like to fit the kind a column's name suggests (looser than
# kind_of_value: a column named «Телефон» may hold phones written in any way).
FIT_SHARE = 0.8
_YES_NO = frozenset({"да", "нет", "д", "н", "есть", "yes", "no", "y", "n", "true", "false"})
# One to four words (or initials), each capitalised or in capitals: «Иванов», «ИВАНОВА А.С.».
_NAME_WORDS = re.compile(r"^[^\W\d_a-zа-яё][^\W\d_]*\.?(?:[\s-]+[^\W\d_a-zа-яё][^\W\d_]*\.?){0,3}$")
_PHONE_TEXT = re.compile(r"^[+\d\s().\-–доб]*$")
_NUMBER_TEXT = re.compile(r"^[\d\s\-–№]*$")
_DATE_TEXT = re.compile(
    r"^(?:\d{1,2}[./-]\d{1,2}[./-](?:\d{2}|\d{4})|\d{4}-\d{1,2}-\d{1,2})(?:[ T]\S*)?$"
)


def _is_year(value: Any) -> bool:
    text = str(value).strip()
    if isinstance(value, float) and value.is_integer():
        text = str(int(value))
    return bool(re.fullmatch(r"(19|20)\d{2}", text)) and int(text) <= date.today().year


def _fits(kind: PiiKind, value: Any, *, is_date: bool) -> bool:
    """Whether one value could be a ``kind`` (the column's name says so)."""
    if kind is PiiKind.birth_date:
        return is_date or isinstance(value, date) or bool(_DATE_TEXT.match(str(value).strip()))
    text = str(value).strip()
    digits = len(_digits(text))
    if kind is PiiKind.fio:
        return bool(_NAME_WORDS.match(text))
    if kind is PiiKind.snils:
        return digits == 11 and bool(_NUMBER_TEXT.match(text))
    if kind is PiiKind.inn:
        return digits in (10, 12) and bool(_NUMBER_TEXT.match(text))
    if kind is PiiKind.passport:  # series and number, or the number alone
        return digits in (6, 10) and bool(_NUMBER_TEXT.match(text))
    if kind is PiiKind.phone:
        if isinstance(value, int | float):  # a number in a table: only a whole phone number
            return digits in (10, 11)
        return 6 <= digits <= 15 and bool(_PHONE_TEXT.match(text.lower()))
    if kind is PiiKind.email:
        return "@" in text
    if kind is PiiKind.address:
        return any(c.isalpha() for c in text) and (digits > 0 or bool(_ADDRESS_MARK.search(text)))
    return True


def _plainly_not(value: Any) -> bool:
    """A value no identifier can be: yes/no, a flag, a count or code of up to four digits."""
    if isinstance(value, bool):
        return True
    text = str(value).strip().casefold()
    if text in _YES_NO:
        return True
    if isinstance(value, int | float) or re.fullmatch(r"-?\d{1,4}(?:[.,]\d+)?", text):
        return len(_digits(text.split(".")[0].split(",")[0])) <= 4
    return False


def _by_content(sample: list[Any], is_date: bool) -> tuple[PiiKind | None, float]:
    """The identifier most sampled values look like (with its share), if enough do."""
    if is_date:
        dates = [v.date() if isinstance(v, datetime) else v for v in sample]
        dates = [v for v in dates if isinstance(v, date)]
        return (PiiKind.birth_date, 1.0) if _birth_dates(dates) else (None, 0.0)
    counts: dict[PiiKind, int] = {}
    for v in sample:
        kind = kind_of_value(str(v))
        if kind is not None:
            counts[kind] = counts.get(kind, 0) + 1
    if not counts:
        return None, 0.0
    best = max(counts, key=lambda k: counts[k])
    share = counts[best] / len(sample)
    return (best, share) if share >= CONTENT_SHARE else (None, share)


def detect_column(
    column: str, values: Iterable[Any], *, is_date: bool = False
) -> PiiFinding | None:
    """Find personal data in one column from its name and a sample of its values.

    The values decide: a column is personal data when most sampled values look like one kind
    of identifier (:func:`kind_of_value`, checksums included), or when its name suggests a
    kind and the values fit it. A name alone is not enough: when the values plainly say
    otherwise (yes/no, counts, a year of birth that is already generalised) the column is no
    personal data; when they neither fit nor plainly disagree, the column is kept as it is and
    marked for review (``review=True`` with a Russian ``doubt``), never dropped on a guess.
    """
    by_name = kind_by_name(column)
    sample = [v for v in values if v is not None and str(v).strip() != ""]
    content, share = _by_content(sample, is_date) if sample else (None, 0.0)
    if content is PiiKind.client_id and by_name is not None:
        # Ten digits in a row are what the name says when they fit it («Паспорт»: series and
        # number written together).
        fit = sum(_fits(by_name, v, is_date=is_date) for v in sample) / len(sample)
        if fit >= FIT_SHARE:
            content = None
    if content is not None:
        return PiiFinding(
            column=column,
            kind=content,
            by_name=by_name is not None,
            by_content=True,
            share=round(share, 3),
            action=default_action(content, is_date=is_date),
            doubt=TEN_DIGITS if content is PiiKind.client_id else "",
        )
    if by_name is None:
        return None
    fit = sum(_fits(by_name, v, is_date=is_date) for v in sample) / len(sample) if sample else 0.0
    if sample and fit >= FIT_SHARE:
        if by_name is PiiKind.birth_date and not is_date and all(_is_year(v) for v in sample):
            return None  # a year of birth: already what generalising a birth date gives
        return PiiFinding(
            column=column,
            kind=by_name,
            by_name=True,
            by_content=False,
            share=round(fit, 3),
            action=default_action(by_name, is_date=is_date),
            doubt=UNREAD_DATES if by_name is PiiKind.birth_date and not is_date else "",
        )
    if sample and all(_plainly_not(v) for v in sample):
        return None
    if by_name is PiiKind.birth_date and sample and all(_is_year(v) for v in sample):
        return None
    doubt = (
        "в выборке нет значений, чтобы это проверить"
        if not sample
        else f"значения на «{by_name.label}» не похожи (подходят {percent(fit)} выборки)"
    )
    return PiiFinding(
        column=column,
        kind=by_name,
        by_name=True,
        by_content=False,
        share=round(fit, 3),
        action=PiiAction.keep,
        review=True,
        doubt=f"{doubt}: столбец оставлен как есть — проверьте его и выберите действие",
    )


# --- Previews: what a page or a command shows of a file before it is imported -------------------

MASK = "•••"
"""What a preview shows in place of a value it never shows raw."""
RARE = "редкое значение"
"""What a preview shows in place of a value of few rows of the file (a small group's)."""
_HIDDEN_TYPES = frozenset({"identifier", "text"})
_HIDDEN_USES = frozenset({"id", "text"})


def hidden_in_preview(column_type: str, column_use: str, *, personal: bool = False) -> bool:
    """Whether a preview hides a column's values (and its minimum and maximum: the smallest
    birth date is one person's birth date): personal data, identifiers, and free text, which
    may hold names. ``column_type`` and ``column_use`` are those the inspection inferred or
    the user chose (``schema.ColumnType``, ``schema.ColumnUse``)."""
    return personal or column_type in _HIDDEN_TYPES or column_use in _HIDDEN_USES


def mask_preview(
    rows: Iterable[Mapping[str, Any]],
    hidden: Collection[str],
    rare: Mapping[str, Collection[int]] | None = None,
) -> list[dict[str, Any]]:
    """``rows`` with every value of the ``hidden`` columns shown as :data:`MASK`, and the
    values ``rare`` names (column → indexes of ``rows``) as :data:`RARE`; an empty cell stays
    empty (it tells nothing about anyone)."""

    def shown(i: int, k: str, v: Any) -> Any:
        if v is None or v == "":
            return v
        if k in hidden:
            return MASK
        return RARE if rare and i in rare.get(k, ()) else v

    return [{k: shown(i, k, v) for k, v in row.items()} for i, row in enumerate(rows)]


# --- Pseudonyms --------------------------------------------------------------------------------


# Every character Python counts as white space (str.isspace): tabs, line and paragraph breaks,
# the no-break and typographic spaces. Numbers lose them anywhere, with the punctuation below, in
# Python (:func:`normalise`) and in the engine (:func:`clean_sql`) alike.
WHITESPACE = (
    "\t\n\x0b\x0c\r\x1c\x1d\x1e\x1f \x85\xa0\u1680"
    "\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a"
    "\u2028\u2029\u202f\u205f\u3000"
)
SEPARATORS = ("-", "(", ")", "+", ".", "/", *WHITESPACE)
_SEPARATOR_TABLE = str.maketrans("", "", "".join(SEPARATORS))
# The same as a character class of RE2 (DuckDB's regular expressions).
_SEPARATOR_CLASS = "[" + "".join(f"\\x{{{ord(c):x}}}" for c in SEPARATORS) + "]"
_DIGIT_KINDS = (PiiKind.snils, PiiKind.inn, PiiKind.passport, PiiKind.phone)
_COMMON_SEPARATORS = (" ", "-", "(", ")", "+", ".", "/")


def normalise(kind: PiiKind, value: str) -> str:
    """The canonical form hashed for a pseudonym (as :func:`clean_sql` + :func:`canonical_sql`).

    Numbers lose their separators (any white space, dashes, brackets, plus, dots, slashes), so
    ``112-233-445 95`` and ``11223344595`` are the same СНИЛС.
    """
    if kind in (PiiKind.snils, PiiKind.inn, PiiKind.passport):
        return value.translate(_SEPARATOR_TABLE)
    v = value.strip()
    if kind is PiiKind.phone:
        d = value.translate(_SEPARATOR_TABLE)
        if len(d) == 11 and d[0] == "8":
            d = "7" + d[1:]
        elif len(d) == 10:
            d = "7" + d
        return d
    if kind is PiiKind.email:
        return _lower(v)
    if kind in (PiiKind.fio, PiiKind.address):
        return " ".join(_lower(v).replace("ё", "е").split())
    return v


# The engine lowers letter by letter; Python's str.lower also knows a final sigma (Σ → ς at the
# end of a word) and turns İ into two characters. These two are all that differ.
_AS_THE_ENGINE_LOWERS = str.maketrans({"\u0130": "i", "\u03a3": "\u03c3"})


def _lower(value: str) -> str:
    """Lower case exactly as DuckDB's ``lower`` gives it."""
    return value.translate(_AS_THE_ENGINE_LOWERS).lower()


def pseudonym(key: bytes, kind: PiiKind, value: str) -> str | None:
    """The pseudonym of one value (``None`` for an empty one): used to join other tables."""
    norm = normalise(kind, value)
    if not norm:
        return None
    message = f"{kind.value}:{norm}".encode()
    return encode_pseudonym(hmac.new(key, message, hashlib.sha256).digest())


def encode_pseudonym(digest: bytes) -> str:
    """The text of a pseudonym: the digest's first 16 bytes in base64url, without padding."""
    return base64.urlsafe_b64encode(digest[:PSEUDONYM_BYTES]).decode("ascii").rstrip("=")


def quote_ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def clean_sql(kind: PiiKind, column_sql: str) -> str:
    """Step 1 of the canonical text in DuckDB: digits only, or lower-cased and trimmed text."""
    if kind in _DIGIT_KINDS:
        # The usual separators go by replace (a byte search), what is left by the regular
        # expression: a phone costs half as much as with the expression alone.
        text = f"CAST({column_sql} AS VARCHAR)"
        for ch in _COMMON_SEPARATORS:
            text = f"replace({text}, '{ch}', '')"
        return f"regexp_replace({text}, '{_SEPARATOR_CLASS}', '', 'g')"
    # White space as Python's str.strip() and str.split() see it (not only ASCII, as RE2's \s).
    v = f"trim(CAST({column_sql} AS VARCHAR), '{WHITESPACE}')"
    if kind is PiiKind.email:
        return f"lower({v})"
    if kind in (PiiKind.fio, PiiKind.address):
        spaces = "[" + "".join(f"\\x{{{ord(c):x}}}" for c in WHITESPACE) + "]+"
        return f"trim(regexp_replace(replace(lower({v}), 'ё', 'е'), '{spaces}', ' ', 'g'))"
    return v


def canonical_sql(kind: PiiKind, cleaned_sql: str) -> str:
    """Step 2: phones to ``7XXXXXXXXXX``; empty → ``NULL``. Takes step 1's column."""
    d = cleaned_sql
    if kind is PiiKind.phone:
        d = (
            f"CASE WHEN length({d}) = 11 AND starts_with({d}, '8') THEN '7' || substr({d}, 2) "
            f"WHEN length({d}) = 10 THEN '7' || {d} ELSE {d} END"
        )
    return f"nullif({d}, '')"


def hmac_sql(kind: PiiKind, canonical: str) -> str:
    """Step 3: HMAC-SHA256 of ``kind:canonical`` keyed by the connection's variables.

    HMAC(K, m) = H((K ⊕ opad) ‖ H((K ⊕ ipad) ‖ m)); the padded keys are set once per
    connection with :func:`set_key_variables`, so the key never appears in the SQL text.
    """
    message = f"encode('{kind.value}:' || {canonical})"
    inner = f"unhex(sha256(getvariable('segprofile_ipad') || {message}))"
    digest = (
        f"unhex(left(sha256(getvariable('segprofile_opad') || {inner}), {2 * PSEUDONYM_BYTES}))"
    )
    # 16 bytes are 22 base64 characters and «==»: cutting is cheaper than trimming, and two
    # replaces cheaper than translate (a fifth of the whole expression's time).
    text = f"left(to_base64({digest}), {PSEUDONYM_CHARS})"
    return f"replace(replace({text}, '+', '-'), '/', '_')"


def set_key_variables(con: Any, key: bytes) -> None:
    """Store the HMAC pads in the DuckDB connection's variables (parameters, not SQL text)."""
    block = hashlib.sha256(key).digest() if len(key) > 64 else key
    block = block.ljust(64, b"\0")
    ipad, opad = bytes(b ^ 0x36 for b in block), bytes(b ^ 0x5C for b in block)
    con.execute("SET VARIABLE segprofile_ipad = ?", [ipad])
    con.execute("SET VARIABLE segprofile_opad = ?", [opad])


# --- Keys --------------------------------------------------------------------------------------
# One key per study, in a key store apart from the data directory: a copy of the data without the
# store cannot be linked back to people (152-ФЗ: the additional information is kept apart).

_KEY_NAME = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.-]{0,63}$")
_STORE_HINT = (
    f"дайте программе права на запись в этот каталог или укажите другой в {KEYS_ENV} "
    "(вне каталога данных)."
)


def default_key_store(home: Path) -> Path:
    """``$SEGPROFILE_KEYS``, else the data directory's sibling ``<home>-keys``."""
    configured = config.current().keys
    return configured if configured is not None else home.with_name(f"{home.name}-keys")


def new_key() -> bytes:
    """A new random pseudonym key."""
    return secrets.token_bytes(KEY_BYTES)


def key_id(key: bytes) -> str:
    """A short public fingerprint of the key: tells whether two imports used the same key."""
    return hashlib.sha256(b"segprofile-key-id:" + key).hexdigest()[:12]


@dataclass(frozen=True)
class StudyKey:
    """Where one study's pseudonym key lives: the key store and the key's name in it.

    The store is a directory readable by its owner only (0700); a key is a file
    ``<name>.key`` (0600) holding 32 random bytes in hex. A replaced key is moved to
    ``retired/<name>.<key id>.key``, so versions pseudonymised with it can still be re-identified.
    """

    store: Path
    name: str

    def __post_init__(self) -> None:
        if not _KEY_NAME.match(self.name):
            raise InputError(
                f"Недопустимое имя ключа псевдонимизации: «{self.name}».",
                hint="латиница, цифры, «_», «-», «.», не длиннее 64 символов (имя ключа — "
                "идентификатор исследования).",
            )

    @property
    def path(self) -> Path:
        return self.store / f"{self.name}.key"

    def retired_path(self, kid: str) -> Path:
        return self.store / "retired" / f"{self.name}.{kid}.key"

    def check_apart_from(self, home: Path) -> None:
        """Refuse a key store inside the data directory (copies of the data would carry keys)."""
        store, data = self.store.resolve(), home.resolve()
        if store == data or store.is_relative_to(data):
            raise InputError(
                f"Хранилище ключей псевдонимизации {store} находится внутри каталога данных "
                f"{data}.",
                hint=f"ключи хранятся отдельно от данных: укажите в {KEYS_ENV} каталог вне "
                "каталога данных (по умолчанию — соседний каталог «…-keys»).",
            )


def _read_key_file(path: Path, name: str) -> bytes:
    """The key in ``path``; a clear error when it cannot be read or is not 32 bytes in hex."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise InputError(
            f"Файл ключа псевдонимизации исследования «{name}» {path} не читается "
            f"({type(exc).__name__}).",
            hint="проверьте права на файл (владелец — пользователь программы, режим 600) или "
            "восстановите файл из резервной копии хранилища ключей.",
        ) from None
    try:
        key = bytes.fromhex(data.decode("ascii"))
    except ValueError:  # UnicodeDecodeError too
        key = b""
    if len(key) != KEY_BYTES:
        raise InputError(
            f"Файл ключа псевдонимизации исследования «{name}» {path} повреждён: в нём должно "
            f"быть {KEY_BYTES} байта ({2 * KEY_BYTES} шестнадцатеричных знака).",
            hint="восстановите файл из резервной копии хранилища ключей или смените ключ "
            "(ротация: исходный файл загружается заново с новым ключом).",
        )
    return key


def _missing_key(ref: StudyKey, expected: str) -> InputError:
    return InputError(
        f"Нет ключа псевдонимизации исследования «{ref.name}»: файл {ref.path} не найден, а "
        f"загруженные данные исследования псевдонимизированы ключом с отпечатком {expected}. "
        "Новый ключ не создан: с ним псевдонимы не совпали бы с прежними.",
        hint=f"восстановите файл из резервной копии хранилища ключей ({KEYS_ENV}) или смените "
        "ключ (ротация: исходный файл загружается заново с новым ключом — segprofile keys "
        "rotate).",
    )


def _store_error(store: Path, exc: OSError) -> InputError:
    return InputError(
        f"Хранилище ключей псевдонимизации {store} недоступно для записи ({type(exc).__name__}).",
        hint=_STORE_HINT,
    )


def _prepare_store(store: Path) -> None:
    try:
        store.mkdir(mode=0o700, parents=True, exist_ok=True)
        os.chmod(store, 0o700)
    except OSError as exc:
        raise _store_error(store, exc) from None


def _write_key_file(path: Path, key: bytes, store: Path) -> None:
    """Write a new key file (0600) that does not exist yet; whole or not at all."""
    tmp = path.with_name(f".{path.name}.{secrets.token_hex(4)}.tmp")
    try:
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w", encoding="ascii") as handle:
            handle.write(key.hex() + "\n")
            handle.flush()
            os.fsync(handle.fileno())
        os.link(tmp, path)  # fails when the file appeared meanwhile: never overwrite a key
    except FileExistsError:
        raise
    except OSError as exc:
        raise _store_error(store, exc) from None
    finally:
        with contextlib.suppress(OSError):
            tmp.unlink()


def load_key(ref: StudyKey, *, expected: str | None) -> bytes:
    """The study's key for pseudonymising; created only while nothing of the study records one.

    ``expected`` is the key id recorded by the study's stored data (``None``: none yet). A key
    that is missing, unreadable, of the wrong length or another than ``expected`` is an
    :class:`InputError` saying what to do — a new key is never made silently in its place.
    """
    if not ref.path.exists() and not ref.path.is_symlink():
        if expected is not None:
            raise _missing_key(ref, expected)
        _prepare_store(ref.store)
        key = new_key()
        try:
            _write_key_file(ref.path, key, ref.store)
        except FileExistsError:  # another import created it at the same moment
            return load_key(ref, expected=expected)
        log.info("pseudonym key %s created (key id %s)", ref.name, key_id(key))
        return key
    key = _read_key_file(ref.path, ref.name)
    if expected is not None and key_id(key) != expected:
        raise InputError(
            f"Файл ключа псевдонимизации {ref.path} содержит другой ключ (отпечаток "
            f"{key_id(key)}), а загруженные данные исследования «{ref.name}» "
            f"псевдонимизированы ключом с отпечатком {expected}.",
            hint="верните прежний файл ключа из резервной копии хранилища ключей или смените "
            "ключ (ротация: исходный файл загружается заново с новым ключом).",
        )
    return key


def existing_key(ref: StudyKey) -> bytes:
    """The study's current key; an error when there is none (nothing is created)."""
    if not ref.path.exists():
        raise InputError(
            f"Нет ключа псевдонимизации исследования «{ref.name}»: файл {ref.path} не найден.",
            hint="псевдонимы этого исследования ещё не вычислялись, или хранилище ключей "
            f"({KEYS_ENV}) не то: восстановите файл ключа из резервной копии.",
        )
    return _read_key_file(ref.path, ref.name)


def key_with_id(ref: StudyKey, kid: str) -> bytes:
    """The study's key with id ``kid`` (current or retired) — to recompute stored pseudonyms."""
    for path in (ref.path, ref.retired_path(kid)):
        if path.exists():
            key = _read_key_file(path, ref.name)
            if key_id(key) == kid:
                return key
    raise _missing_key(ref, kid)


def _move_aside(ref: StudyKey) -> tuple[str | None, Path] | None:
    """Move the current key file to ``retired/`` (a damaged one too); its id and new place."""
    if not ref.path.exists():
        return None
    kid = None
    with contextlib.suppress(InputError):
        kid = key_id(_read_key_file(ref.path, ref.name))
    aside = ref.retired_path(kid or f"damaged-{secrets.token_hex(3)}")
    try:
        aside.parent.mkdir(mode=0o700, exist_ok=True)
        os.replace(ref.path, aside)
    except OSError as exc:
        raise _store_error(ref.store, exc) from None
    return kid, aside


def install_key(ref: StudyKey, key: bytes) -> tuple[str | None, Path | None]:
    """Make ``key`` the study's current key; the previous one is retired. Returns its id and
    where it went (for :func:`restore_key`)."""
    _prepare_store(ref.store)
    moved = _move_aside(ref)
    _write_key_file(ref.path, key, ref.store)
    return moved if moved is not None else (None, None)


def restore_key(ref: StudyKey, aside: Path | None) -> None:
    """Undo :func:`install_key` (a rotation that failed): the previous key is current again."""
    with contextlib.suppress(OSError):
        ref.path.unlink()
        if aside is not None:
            os.replace(aside, ref.path)


def retire_key(ref: StudyKey) -> str | None:
    """Move the study's current key aside (a new study reusing the name); its id, if any."""
    moved = _move_aside(ref)
    if moved is None:
        return None
    log.warning("pseudonym key %s moved aside to %s", ref.name, moved[1].name)
    return moved[0]


def destroy_keys(ref: StudyKey) -> int:
    """Delete the study's key and its retired ones (the study is deleted): the pseudonyms left
    in reports and lists downloaded before can no longer be traced back. How many were deleted."""
    keys = [ref.path, *ref.retired_path("*").parent.glob(f"{ref.name}.*.key")]
    deleted = 0
    for path in keys:
        try:
            path.unlink()
        except FileNotFoundError:
            continue
        except OSError as exc:
            raise _store_error(ref.store, exc) from None
        deleted += 1
    if deleted:
        log.warning("pseudonym keys of %s deleted with their study (%d)", ref.name, deleted)
    return deleted


def adopt_legacy_key(ref: StudyKey, home: Path, expected: str) -> bool:
    """Move the key an earlier release used (``HOME/keys/pseudonym.key`` or
    ``$SEGPROFILE_PSEUDONYM_KEY``) into the key store when it is the one ``expected``."""
    candidates: list[bytes] = []
    legacy = home / "keys" / "pseudonym.key"
    if legacy.is_file():
        with contextlib.suppress(InputError):
            candidates.append(_read_key_file(legacy, ref.name))
    env = config.current().legacy_pseudonym_key
    with contextlib.suppress(ValueError):
        candidates.append(bytes.fromhex(env))
    for key in candidates:
        if len(key) == KEY_BYTES and key_id(key) == expected:
            _prepare_store(ref.store)
            _write_key_file(ref.path, key, ref.store)
            log.warning("pseudonym key %s moved into the key store from its old place", ref.name)
            return True
    return False


# --- Audit -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class AuditRecord:
    """One line of the audit trail: who did what, when, to which file and columns, and how.

    ``columns`` holds one entry per column acted on: ``column``, ``kind`` (the identifier),
    ``action`` (``drop`` | ``pseudonymise`` | ``generalise`` | ``keep`` | ``type:<type>``), and
    ``key_id`` for a pseudonymised column or ``reason`` for an identifier kept as it is.
    ``details`` carries counts (never values), e.g. of a re-identification.
    """

    time: str
    user: str
    # import | rotate_key | reidentify | delete_version | keep_personal_data | key_adopted
    event: str
    study_id: str
    source_id: str
    file: str
    file_sha256: str | None = None
    version: int | None = None
    rows: int | None = None
    columns: list[dict[str, Any]] = field(default_factory=list)
    original_deleted: bool | None = None
    key_id: str | None = None
    key_name: str | None = None
    details: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def audit_path(home: Path) -> Path:
    return home / "audit" / "imports.jsonl"


def write_audit(home: Path, record: AuditRecord) -> None:
    """Append one JSON line to ``HOME/audit/imports.jsonl`` (locked, fsynced)."""
    path = audit_path(home)
    path.parent.mkdir(parents=True, exist_ok=True)
    line = json.dumps(record.to_dict(), ensure_ascii=False, sort_keys=True) + "\n"
    with path.open("a", encoding="utf-8") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            handle.write(line)
            handle.flush()
            os.fsync(handle.fileno())
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def read_audit(
    home: Path, *, study_id: str | None = None, source_id: str | None = None
) -> list[AuditRecord]:
    """The audit trail, oldest first, optionally for one study and source."""
    path = audit_path(home)
    if not path.is_file():
        return []
    out = []
    with path.open(encoding="utf-8") as handle:
        for line in handle:
            if not line.strip():
                continue
            with contextlib.suppress(ValueError, TypeError):
                record = AuditRecord(**json.loads(line))
                if study_id is not None and record.study_id != study_id:
                    continue
                if source_id is not None and record.source_id != source_id:
                    continue
                out.append(record)
    return out


def now_iso() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")
