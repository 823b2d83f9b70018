"""The canary: generated client records with known raw identifiers, and a scanner that looks
for those values anywhere — any file under given folders (Parquet decoded, DOCX/XLSX unzipped,
PDF as text, JSON escapes and XML/HTML markup undone), in UTF-8, Windows-1251 and UTF-16 — or
in a text (a database dump, a page, captured output).

Every identifier kind is there: ФИО, СНИЛС (as ``123-456-789 01``, ``12345678901`` and
``123 456 789 01`` in turn), ИНН (12 digits with valid check digits), passport (``45 06 123456``,
``4506 123456``, ``4506123456``), phone, e-mail, address (streets no other test uses), birth
date; each row also has a complaint text that repeats its own raw values in running prose.

Use it for every path by which client data enters::

    rows = canary_rows(20, seed=1)
    upload(canary_csv(rows))                       # cp1251, «;», like a body's export
    upload(canary_survey_csv(rows)); upload(canary_transcript(rows[:3]))
    assert scan([home, keys, staging, logs, outputs], needles(rows)) == []
    assert scan_text(database_dump, needles(rows)) == []

and a positive control (``scan`` finds the values in the inputs) so that a scanner that finds
nothing cannot pass for a clean result.
"""

from __future__ import annotations

import contextlib
import html
import io
import random
import re
import shutil
import subprocess
import zipfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from functools import cached_property
from pathlib import Path

from segprofile.data.privacy import inn_valid
from sp_factories import make_snils

# Surnames no example or test text uses: a hit can only be the canary (with their Latin forms
# for the e-mail addresses).
SURNAMES = {
    "Канареечкин": "kanareechkin",
    "Щеглоперов": "shchegloperov",
    "Свиристелев": "sviristelev",
    "Зябликов": "zyablikov",
    "Чижеедов": "chizheedov",
}
FIRST = {"m": ("Агафон", "Всеволод", "Евлампий"), "f": ("Агриппина", "Евпраксия", "Феврония")}
PATRONYMIC = {"m": ("Ферапонтович", "Евграфович"), "f": ("Ферапонтовна", "Евграфовна")}
# Streets and a town no example or test text uses (the address of each client is unique).
STREETS = ("Щеглова", "Клестова", "Овсянкина", "Зарянкина", "Пеночкина", "Чечёточная")
TOWNS = ("Канареевск", "Щеглогорск")
ENCODINGS = ("utf-8", "cp1251", "utf-16-le", "utf-16-be")


@dataclass(frozen=True)
class CanaryRow:
    """One client: raw identifiers (what must never be stored) and harmless attributes."""

    fio: str
    snils: str  # as in the file: «123-456-789 01», «12345678901» or «123 456 789 01»
    phone: str  # «+7 912 345-67-89»
    email: str
    channel: str
    age: int
    rating: int | None
    inn: str  # 12 digits, both check digits valid
    passport: str  # as in the file: «45 06 123456», «4506 123456» or «4506123456»
    address: str  # «г. Канареевск, ул. Щеглова, д. 17, кв. 4»
    birth_date: date
    complaint: str  # a free text (complaint, open answer) with this row's raw values in it

    @property
    def spellings(self) -> list[str]:
        """Every form in which a value might be stored: as typed, digits only, parts."""
        snils_digits = _digits(self.snils)
        phone_digits = _digits(self.phone)
        passport_digits = _digits(self.passport)
        surname = self.fio.split()[0]
        street = self.address.split("ул. ", 1)[1]  # «Щеглова, д. 17, кв. 4»
        return [
            self.fio,
            surname,
            surname.upper(),
            surname.lower(),  # a lemma of a topic, a search index
            self.snils,
            snils_digits,
            f"{snils_digits[:3]}-{snils_digits[3:6]}-{snils_digits[6:9]} {snils_digits[9:]}",
            f"{snils_digits[:3]} {snils_digits[3:6]} {snils_digits[6:9]} {snils_digits[9:]}",
            self.phone,
            phone_digits,
            phone_digits[1:],
            f"8 ({phone_digits[1:4]}) {phone_digits[4:7]}-{phone_digits[7:9]}-{phone_digits[9:]}",
            self.email,
            self.email.split("@")[0],
            self.inn,
            self.passport,
            passport_digits,
            f"{passport_digits[:2]} {passport_digits[2:4]} {passport_digits[4:]}",
            f"{passport_digits[:4]} {passport_digits[4:]}",
            self.address,
            street,
            street.split(",")[0],  # the street's name: no other text has it
            street.split(",")[0].lower()[:-1],  # and its lemma's stem («щеглов»)
            self.birth_date.strftime("%d.%m.%Y"),
            self.birth_date.isoformat(),
        ]


def _digits(value: str) -> str:
    return "".join(ch for ch in value if ch.isdigit())


def make_inn(rng: random.Random) -> str:
    """A random 12-digit ИНН of a person with both check digits right."""
    weights11 = (7, 2, 4, 10, 3, 5, 9, 4, 6, 8)
    weights12 = (3, 7, 2, 4, 10, 3, 5, 9, 4, 6, 8)
    number = str(rng.randint(1, 9)) + "".join(str(rng.randint(0, 9)) for _ in range(9))
    number += str(sum(int(d) * w for d, w in zip(number, weights11, strict=True)) % 11 % 10)
    number += str(sum(int(d) * w for d, w in zip(number, weights12, strict=True)) % 11 % 10)
    assert inn_valid(number)
    return number


def _snils_spelling(snils: str, i: int) -> str:
    """The row's СНИЛС in one of the three spellings of real exports, in turn."""
    d = _digits(snils)
    return (snils, d, f"{d[:3]} {d[3:6]} {d[6:9]} {d[9:]}")[i % 3]


def _passport(rng: random.Random, i: int) -> str:
    series = f"{rng.randint(1, 99):02d}{rng.randint(0, 99):02d}"
    number = f"{rng.randint(100000, 999999)}"
    return (f"{series[:2]} {series[2:]} {number}", f"{series} {number}", series + number)[i % 3]


# Complaints and open answers as people write them, with the writer's own raw values (the same
# as in the row's columns) in the usual spellings and with the usual words around them.
COMPLAINTS = (
    "Я, {fio}, СНИЛС {snils}, подала заявление на пособие в МФЦ и жду решения уже месяц. "
    "Справки о доходах пришлось собирать три раза. Прошу перезвонить по телефону {phone} или "
    "ответить на {email}.",
    "Отказали в пособии без объяснения причин. Заявитель {fio}, {birth} г.р., паспорт "
    "{passport}, ИНН {inn}, проживаю по адресу: {address}. Телефон для связи {phone}.",
    "В личном кабинете на Госуслугах форма не принимает мой СНИЛС {snils} и ИНН {inn}. "
    "Пишу на {email}, звоню на горячую линию — никто не отвечает. {fio}.",
    "Прошу разобраться: уведомление пришло не мне, а на адрес {address}, хотя я там не живу. "
    "Дата рождения {birth}, паспорт серия {passport}. Мой телефон {phone}.",
    "Очередь в клиентской службе три часа, документы принимают только на бумаге. Обращается "
    "{fio}, телефон {phone}, почта {email}, СНИЛС {snils}.",
)


def _complaint(i: int, **values: str) -> str:
    return COMPLAINTS[i % len(COMPLAINTS)].format(**values)


def canary_rows(n: int = 20, *, seed: int = 15) -> list[CanaryRow]:
    """``n`` clients with unique raw identifiers; skewed channels, missing ratings."""
    rng = random.Random(seed)
    rows = []
    for i in range(n):
        sex = "f" if i % 2 else "m"
        stem, latin = list(SURNAMES.items())[i % len(SURNAMES)]
        surname = stem + ("а" if sex == "f" else "")
        fio = f"{surname} {rng.choice(FIRST[sex])} {rng.choice(PATRONYMIC[sex])}"
        phone = f"+7 9{rng.randint(10, 99)} {rng.randint(100, 999)}-{rng.randint(10, 99)}-{i:02d}"
        snils = _snils_spelling(make_snils(rng), i)
        email = f"{latin}.{i}@example.ru"
        channel = rng.choices(["ЕПГУ", "МФЦ", "Клиентская служба"], [6, 3, 1])[0]
        age = rng.randint(18, 80)
        rating = rng.randint(1, 5) if i % 3 else None
        inn = make_inn(rng)
        passport = _passport(rng, i)
        # Unique per row: the street and the house number together (n up to 6 · 300).
        address = (
            f"г. {TOWNS[i % len(TOWNS)]}, ул. {STREETS[i % len(STREETS)]}, "
            f"д. {i // len(STREETS) + 1}, кв. {rng.randint(1, 120)}"
        )
        birth = date(2025 - age, 1, 1) + timedelta(days=rng.randint(0, 364))
        # The prose spells some values differently from the columns (as people write them).
        d = _digits(phone)
        spoken_phone = (phone, f"8 ({d[1:4]}) {d[4:7]}-{d[7:9]}-{d[9:]}", "8" + d[1:])[i % 3]
        complaint = _complaint(
            i,
            fio=fio,
            snils=snils,
            phone=spoken_phone,
            email=email,
            inn=inn,
            passport=passport,
            address=address,
            birth=birth.strftime("%d.%m.%Y"),
        )
        rows.append(
            CanaryRow(
                fio=fio,
                snils=snils,
                phone=phone,
                email=email,
                channel=channel,
                age=age,
                rating=rating,
                inn=inn,
                passport=passport,
                address=address,
                birth_date=birth,
                complaint=complaint,
            )
        )
    return rows


# The columns of a body's export: Russian header → the row's value as the export writes it.
COLUMNS = {
    "ФИО": lambda r: r.fio,
    "СНИЛС": lambda r: r.snils,
    "ИНН": lambda r: r.inn,
    "Паспорт": lambda r: r.passport,
    "Телефон": lambda r: r.phone,
    "Электронная почта": lambda r: r.email,
    "Адрес": lambda r: r.address,
    "Дата рождения": lambda r: r.birth_date.strftime("%d.%m.%Y"),
    "Канал": lambda r: r.channel,
    "Возраст": lambda r: str(r.age),
    "Оценка": lambda r: "" if r.rating is None else str(r.rating),
    "Текст обращения": lambda r: r.complaint,
}
# The columns of the first canary (ФИО, СНИЛС, phone, e-mail and harmless attributes).
BASIC_COLUMNS = ("ФИО", "СНИЛС", "Телефон", "Электронная почта", "Канал", "Возраст", "Оценка")


def _cell(value: str, delimiter: str) -> str:
    if delimiter in value or '"' in value or "\n" in value:
        return '"' + value.replace('"', '""') + '"'
    return value


def canary_csv(
    rows: list[CanaryRow],
    *,
    encoding: str = "cp1251",
    delimiter: str = ";",
    columns: Sequence[str] = BASIC_COLUMNS,
) -> bytes:
    """The rows as a body's export, by default «ФИО;СНИЛС;Телефон;Электронная почта;Канал;
    Возраст;Оценка»; ``columns`` chooses others of :data:`COLUMNS` (``tuple(COLUMNS)``: every
    identifier kind and the complaint text)."""
    lines = [delimiter.join(columns)]
    for r in rows:
        lines.append(delimiter.join(_cell(COLUMNS[c](r), delimiter) for c in columns))
    return ("\r\n".join(lines) + "\r\n").encode(encoding)


def canary_xlsx(rows: list[CanaryRow], *, columns: Sequence[str] = tuple(COLUMNS)) -> bytes:
    """The rows as an Excel export (a title row above the header, as bodies' reports have)."""
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.title = "Выгрузка"
    sheet.append(["Сведения о заявителях пособия за 2024 год"])
    sheet.append([])
    sheet.append(list(columns))
    for r in rows:
        sheet.append([_typed(c, r) for c in columns])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _typed(column: str, row: CanaryRow) -> object:
    if column == "Возраст":
        return row.age
    if column == "Оценка":
        return row.rating
    if column == "Дата рождения":
        return row.birth_date
    return COLUMNS[column](row)


def canary_survey_csv(
    rows: list[CanaryRow], *, id_column: str = "СНИЛС", encoding: str = "cp1251"
) -> bytes:
    """Survey answers keyed by the client's identifier, with the respondent's name, phone and
    e-mail beside it and an open answer («Что мешало?») that repeats the raw values."""
    header = [id_column, "ФИО", "Телефон", "Электронная почта"]
    header += ["q_docs_difficult", "q_knew_about_epgu", "Что мешало?"]
    lines = [";".join(header)]
    for i, r in enumerate(rows):
        key = {"СНИЛС": r.snils, "ИНН": r.inn, "Телефон": r.phone}.get(id_column, r.snils)
        answer = r.complaint if i % 2 else "Ничего не мешало, всё сделали быстро."
        cells = [key, r.fio, r.phone, r.email]
        cells += ["да" if i % 2 else "нет", "нет" if i % 3 else "да", answer]
        lines.append(";".join(_cell(c, ";") for c in cells))
    return ("\r\n".join(lines) + "\r\n").encode(encoding)


def canary_transcript(rows: Sequence[CanaryRow], *, encoding: str = "utf-8") -> bytes:
    """An interview transcript in which respondents give every raw value aloud."""
    parts = ["Расшифровка интервью с заявителями единого пособия.", ""]
    for r in rows:
        d = _digits(r.snils)
        parts += [
            f"Интервьюер: Представьтесь, пожалуйста. Респондент: {r.fio}, "
            f"{r.birth_date.strftime('%d.%m.%Y')} года рождения.",
            f"Респондент: Мой СНИЛС {d[:3]}-{d[3:6]}-{d[6:9]} {d[9:]}, ИНН {r.inn}, "
            f"паспорт {r.passport}. Живу по адресу {r.address}.",
            f"Респондент: Звоните на {r.phone} или пишите на {r.email}.",
            "Респондент: Справки о доходах пришлось собирать три раза, хотя у государства "
            "они есть. Документы принимают только на бумаге.",
            f"Респондент: {r.complaint}",
            "",
        ]
    return "\r\n".join(parts).encode(encoding)


def canary_transcript_docx(rows: Sequence[CanaryRow]) -> bytes:
    """The transcript of :func:`canary_transcript` as a Word document (one paragraph a line)."""
    from docx import Document

    document = Document()
    for line in canary_transcript(rows).decode("utf-8").split("\r\n"):
        document.add_paragraph(line)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def canary_journeys_csv(rows: Sequence[CanaryRow], *, journey: str = "canary") -> bytes:
    """A journeys CSV (M-12 exchange, cp1251, «;») whose step texts carry the raw values of
    ``rows``: a client's name in a step title, phones and addresses in what staff do."""
    header = [
        "Путь",
        "Вид пути",
        "Название пути",
        "Шаг",
        "Название шага",
        "Канал",
        "Документы от клиента",
        "Физическое окружение",
        "Видимые действия сотрудников",
        "Невидимые действия сотрудников",
        "Поддерживающие процессы",
    ]
    lines = [";".join(header)]
    for i, r in enumerate(rows):
        cells = [
            journey,
            "текущий",
            f"Путь заявителя {rows[0].fio}",
            f"s{i + 1}",
            f"Звонок {r.fio} на горячую линию",
            "телефон",
            f"паспорт {r.passport}, СНИЛС {r.snils}",
            f"Приёмная по адресу {r.address}",
            f"Оператор перезванивает на {r.phone} и пишет на {r.email}",
            f"Проверка ИНН {r.inn} и даты рождения {r.birth_date.strftime('%d.%m.%Y')}",
            "Запрос в ЕГИССО",
        ]
        lines.append(";".join(_cell(c, ";") for c in cells))
    return ("\r\n".join(lines) + "\r\n").encode("cp1251")


def canary_journeys_bpmn(rows: Sequence[CanaryRow], *, journey: str = "canary_bpmn") -> bytes:
    """The journeys of :func:`canary_journeys_csv` as BPMN 2.0 (a modeller's file): the raw
    values in the names of tasks and in their documentation."""
    from segprofile.model.study import Study
    from segprofile.report.bpmn import journeys_to_bpmn
    from segprofile.report.journeys_csv import journeys_from_csv

    study = Study.model_validate(CANARY_STUDY)
    data = canary_journeys_csv(rows, journey=journey)
    journeys = journeys_from_csv(data, study=study, source="journeys.csv")  # not masked
    return journeys_to_bpmn(journeys, study).encode("utf-8")


# A study whose sources are the canary files, as a body would describe its exports: records
# keyed by СНИЛС (pseudonymised on import), complaints and survey answers keyed by the same
# СНИЛС, hypotheses that the transcripts and the survey speak to.
CANARY_STUDY = {
    "id": "canary",
    "title": "Канарейка: пособие",
    "scope": {
        "kind": "service",
        "title": "Пособие",
        "body": "Ведомство",
        "client_types": ["citizen"],
        "legal_acts": [{"id": "law", "title": "Закон о пособии", "reference": "№ 1-ФЗ"}],
    },
    "roles": [
        {
            "id": "applicant",
            "kind": "applicant",
            "title": "Заявитель",
            "audience": {
                "description": "Родители детей до 17 лет",
                "legal_basis": [{"act": "law", "article": "ст. 2"}],
            },
        }
    ],
    "data_sources": [
        {
            "id": "records",
            "kind": "client_records",
            "path": "records.csv",
            "id_column": "СНИЛС",
        },
        {
            "id": "complaints",
            "kind": "complaints",
            "path": "complaints.csv",
            "id_column": "СНИЛС",
            "columns": {"Текст обращения": {"use": "text"}},
        },
        {
            "id": "survey",
            "kind": "survey",
            "path": "survey.csv",
            "id_column": "СНИЛС",
            "questions": [
                {"question": "q_docs_difficult", "hypothesis": "p_docs"},
                {"question": "q_knew_about_epgu", "hypothesis": "p_paper", "support": "no"},
            ],
        },
    ],
    "features": [
        {
            "id": "channel",
            "column": "Канал",
            "label": "Канал подачи",
            "source": {"kind": "document_attribute", "reference": "заявление"},
        },
        {
            "id": "age",
            "column": "Возраст",
            "label": "Возраст",
            "type": "numeric",
            "source": {"kind": "legal_act", "reference": "ст. 2"},
            "binning": {"thresholds": [35, 55]},
        },
    ],
    "segmentation": {"satisfaction": {"column": "Оценка"}},
    "hypotheses": [
        {
            "id": "p_docs",
            "kind": "problem",
            "statement": "Заявителям трудно собрать справки о доходах: их просят несколько раз.",
        },
        {
            "id": "p_paper",
            "kind": "problem",
            "statement": "Документы принимают только на бумаге, а не через Госуслуги.",
        },
    ],
}


def canary_files(folder: Path, rows: list[CanaryRow]) -> dict[str, Path]:
    """The canary inputs of :data:`CANARY_STUDY` written into ``folder``: the records (cp1251 CSV
    with every kind, and the same as XLSX), complaints, survey answers, interview transcripts
    (TXT in cp1251, DOCX), journeys (CSV, BPMN); and two files named after a client, as people
    name them (a transcript, the complaints again). Returns key → path; the key is the file's
    name except for those two («interview-named.txt», «complaints-named.csv»)."""
    folder.mkdir(parents=True, exist_ok=True)
    complaints = ("СНИЛС", "Канал", "Текст обращения")
    contents = {
        "records.csv": canary_csv(rows, columns=tuple(COLUMNS)),
        "records.xlsx": canary_xlsx(rows),
        "complaints.csv": canary_csv(rows, columns=complaints),
        "survey.csv": canary_survey_csv(rows),
        "interview-1.txt": canary_transcript(rows[:3], encoding="cp1251"),
        "interview-2.docx": canary_transcript_docx(rows[3:6]),
        "journeys.csv": canary_journeys_csv(rows[6:10]),
        "journeys.bpmn": canary_journeys_bpmn(rows[12:15]),
        "interview-named.txt": canary_transcript(rows[10:11]),
        "complaints-named.csv": canary_csv(rows, columns=complaints),
    }
    names = {
        "interview-named.txt": f"Интервью {rows[10].fio}.txt",
        "complaints-named.csv": f"Жалобы {rows[11].fio}.csv",
    }
    paths = {}
    for key, data in contents.items():
        paths[key] = folder / names.get(key, key)
        paths[key].write_bytes(data)
    return paths


def needles(rows: Iterable[CanaryRow]) -> list[str]:
    """Every raw value (and spelling) of ``rows`` to look for."""
    return sorted({s for r in rows for s in r.spellings})


@dataclass(frozen=True)
class Hit:
    """Where a raw value was found (the value itself is named for the test's message only)."""

    where: str
    value: str
    encoding: str


class _Needles:
    """The values to look for, compiled once per encoding into one pattern (a trie, so that
    a file is read once per encoding however many values there are)."""

    def __init__(self, values: Iterable[str]) -> None:
        self.values = sorted(set(values))
        if any(not v for v in self.values):
            raise ValueError("an empty value would be found everywhere")

    @cached_property
    def patterns(self) -> dict[str, re.Pattern[bytes]]:
        return {e: _trie([v.encode(e) for v in self.values]) for e in ENCODINGS}

    def found(self, data: bytes, encoding: str) -> set[str]:
        """The values in ``data`` (as ``encoding`` writes them), prefixes and parts included."""
        spans = {m.group() for m in self.patterns[encoding].finditer(data)}
        if not spans:
            return set()
        return {v for v in self.values for span in spans if v.encode(encoding) in span}


def _trie(words: list[bytes]) -> re.Pattern[bytes]:
    if not words:
        return re.compile(b"(?!)")
    root: dict[int, dict] = {}  # type: ignore[type-arg]
    for word in words:
        node = root
        for byte in word:
            node = node.setdefault(byte, {})
        node[-1] = {}

    def pattern(node: dict) -> bytes:  # type: ignore[type-arg]
        branches = [re.escape(bytes([b])) + pattern(child) for b, child in node.items() if b >= 0]
        if not branches:
            return b""
        body = branches[0] if len(branches) == 1 else b"(?:" + b"|".join(branches) + b")"
        if -1 in node:  # a word ends here: the longer words are optional
            return b"(?:" + body + b")?"
        return body

    return re.compile(pattern(root))


_COMPILED: dict[tuple[str, ...], _Needles] = {}


def _values(values: Iterable[str] | _Needles) -> _Needles:
    """The values compiled (once for the same values: tests scan many pages for one set)."""
    if isinstance(values, _Needles):
        return values
    key = tuple(sorted(set(values)))
    if key not in _COMPILED:
        _COMPILED.clear()
        _COMPILED[key] = _Needles(key)
    return _COMPILED[key]


def scan_bytes(data: bytes, values: Iterable[str], where: str) -> list[Hit]:
    """Look for ``values`` in raw bytes in each encoding; decode Parquet, zip members (DOCX,
    XLSX), PDF text, gzip, JSON escapes and XML/HTML markup, and look in those too."""
    wanted = _values(values)
    hits = []
    seen: set[str] = set()
    for encoding in ENCODINGS:
        for value in sorted(wanted.found(data, encoding) - seen):
            hits.append(Hit(where, value, encoding))
            seen.add(value)
    if data[:4] == b"PAR1":
        hits += scan_text(_parquet_text(data), wanted, f"{where} (Parquet)")
    if data[:2] == b"PK":
        try:
            with zipfile.ZipFile(io.BytesIO(data)) as archive:
                for member in archive.namelist():
                    hits += scan_bytes(archive.read(member), wanted, f"{where}:{member}")
        except zipfile.BadZipFile:
            pass
    if data[:2] == b"\x1f\x8b":
        import gzip

        with contextlib.suppress(OSError, EOFError):
            hits += scan_bytes(gzip.decompress(data), wanted, f"{where} (gzip)")
    if data[:5] == b"%PDF-":
        hits += scan_text(pdf_text(data), wanted, f"{where} (PDF text)")
    # A value found in the bytes as they are is named once, not again for each decoding.
    hits += [h for h in _scan_decoded(data, wanted, where) if h.value not in seen]
    return hits


_JSON_ESCAPE = re.compile(r"\\u([0-9a-fA-F]{4})")
_TAG = re.compile(r"<[^<>]*>")
# A printed report keeps numbers whole with no-break forms (``report.build.print_text``): a
# non-breaking hyphen (U+2011, Word's ``<w:noBreakHyphen/>``) and no-break spaces. Read back as
# a person reads them, «123‑456‑789 01» is the СНИЛС «123-456-789 01».
_PRINTED = str.maketrans({"\u2011": "-", "\u00a0": " ", "\u202f": " "})
# A word the PDF hyphenated at a line's end (``hyphens: auto``) is whole again without the break.
_HYPHENATED = re.compile(r"[\u2010\u00ad-]\s*\n\s*")


def _scan_decoded(data: bytes, wanted: _Needles, where: str) -> list[Hit]:
    """A text file read as its reader would: JSON ``\\uXXXX`` escapes and entities undone, and
    markup removed (a value split over runs of a DOCX or spans of a page is whole again)."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return []
    hits = []
    if "\\u" in text:
        hits += scan_text(
            _JSON_ESCAPE.sub(lambda m: chr(int(m.group(1), 16)), text), wanted, f"{where} (JSON)"
        )
    if "<" in text or "&" in text:
        plain = html.unescape(_TAG.sub("", text.replace("<w:noBreakHyphen/>", "-")))
        hits += scan_text(plain, wanted, f"{where} (markup)")
        if plain.translate(_PRINTED) != plain:
            hits += scan_text(plain.translate(_PRINTED), wanted, f"{where} (printed forms)")
    elif text.translate(_PRINTED) != text:
        hits += scan_text(text.translate(_PRINTED), wanted, f"{where} (printed forms)")
    return hits


def pdf_text(data: bytes) -> str:
    """The text of a PDF (``pdftotext``, installed by ``scripts/system-deps.sh``), with every run
    of white space made one space (a value broken over two lines is whole again), no-break forms
    read as plain ones and hyphenated words joined."""
    tool = shutil.which("pdftotext")
    if tool is None:
        raise RuntimeError("pdftotext is missing: run scripts/system-deps.sh")
    done = subprocess.run(
        [tool, "-enc", "UTF-8", "-", "-"], input=data, capture_output=True, check=False
    )
    text = done.stdout.decode("utf-8", errors="replace").translate(_PRINTED)
    return "\n".join((text, " ".join(text.split()), " ".join(_HYPHENATED.sub("", text).split())))


def _parquet_text(data: bytes) -> str:
    import pyarrow.parquet as pq

    try:
        table = pq.read_table(io.BytesIO(data))
    except Exception:  # noqa: BLE001 — a damaged file: its bytes were scanned already
        return ""
    cells = [" ".join(table.column_names)]
    for column in table.columns:
        cells += ["" if v is None else str(v) for v in column.to_pylist()]
    return "\n".join(cells)


def scan_text(text: str, values: Iterable[str], where: str = "text") -> list[Hit]:
    """Look for ``values`` in a text (a page, a database dump, captured output)."""
    wanted = _values(values)
    return [Hit(where, v, "text") for v in sorted(wanted.found(text.encode("utf-8"), "utf-8"))]


def scan(
    folders: Iterable[Path], values: Iterable[str], *, exclude: Iterable[Path] = ()
) -> list[Hit]:
    """Every file under ``folders`` (recursively; a file may be given too), each scanned with
    :func:`scan_bytes`; ``exclude``: files left out on purpose (a user's own input)."""
    wanted = _values(values)
    skip = {p.resolve() for p in exclude}
    hits = []
    for folder in folders:
        if not folder.exists():
            continue
        files = [folder] if folder.is_file() else sorted(folder.rglob("*"))
        for path in files:
            if path.is_file() and not path.is_symlink() and path.resolve() not in skip:
                hits += scan_bytes(path.read_bytes(), wanted, str(path))
    return hits


def scanned_files(folders: Iterable[Path]) -> list[Path]:
    """The files :func:`scan` reads under ``folders`` (to show that a scan saw something)."""
    out = []
    for folder in folders:
        if folder.is_file():
            out.append(folder)
        elif folder.is_dir():
            out += [p for p in sorted(folder.rglob("*")) if p.is_file() and not p.is_symlink()]
    return out


def describe(hits: list[Hit], limit: int = 30) -> str:
    """A test's failure message: where each raw value was found, and how."""
    return "\n".join(f"{h.where} [{h.encoding}]: {h.value}" for h in hits[:limit])
