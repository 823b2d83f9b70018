"""Masking of free texts: every kind in many spellings, ordinary numbers left, in the engine."""

from __future__ import annotations

import random
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from fake_clients import write_csv

from canary import COLUMNS, canary_csv, canary_rows, needles, scan_text
from pii_corpus import corpus, measure
from segprofile.data import masking, privacy
from segprofile.data.datasets import import_data
from segprofile.data.masking import describe_masked, mask_personal_data
from segprofile.model.study import ColumnOverride, DataSource, DataSourceKind


def _found(text: str) -> dict[str, int]:
    return {k: n for k, n in mask_personal_data(text).counts.items() if n}


@pytest.fixture(scope="module")
def scores() -> dict[str, object]:
    return measure(corpus(2024, 3000), mask_personal_data)


def test_recall_on_a_generated_corpus(scores: dict[str, object]) -> None:
    recall = scores["recall"]
    assert isinstance(recall, dict)
    assert set(recall) == set(masking.KINDS)
    for kind, share in recall.items():
        assert share >= 0.98, (kind, share, scores["misses"])


def test_each_kind_gets_its_own_placeholder(scores: dict[str, object]) -> None:
    placeholder = scores["placeholder"]
    assert isinstance(placeholder, dict)
    assert min(placeholder.values()) >= 0.97, placeholder


def test_few_false_positives_on_ordinary_numbers_and_words(scores: dict[str, object]) -> None:
    assert isinstance(scores["controls"], int)
    assert scores["controls"] > 1000
    assert isinstance(scores["false_positive_share"], float)
    assert scores["false_positive_share"] <= 0.01, scores["wrong"]


@pytest.mark.parametrize(
    ("text", "kind", "secret"),
    [
        ("СНИЛС 112-233-445 95.", "snils", "445"),
        ("снилс 11223344595", "snils", "11223344595"),
        ("СНИЛС: 112 233 445 95", "snils", "445 95"),
        ("Номер 112-233-445 95 из карточки.", "snils", "445"),
        ("СНИЛС 123-456-789 00 (с ошибкой)", "snils", "789"),
        ("страховой номер 12345678900", "snils", "12345678900"),
        ("ИНН 7707083893", "inn", "7707083893"),
        ("Указала 500100732259 в графе.", "inn", "500100732259"),
        ("инн: 123456789012", "inn", "123456789012"),
        ("паспорт серия 4506 № 123456", "passports", "123456"),
        ("Паспорт 45 06 123456 выдан ОВД", "passports", "123456"),
        ("Данные паспорта 4506 123456.", "passports", "123456"),
        ("паспорт 4506123456", "passports", "4506123456"),
        ("Пособие на карту 4276 1600 1234 5675.", "cards", "1234"),
        ("Карта 4276-1600-1234-5675", "cards", "5675"),
        ("перевели на 4276160012345675", "cards", "4276160012345675"),
        ("Мой телефон +7 (912) 345-67-89.", "phones", "345-67-89"),
        ("звоните 8 912 345 67 89", "phones", "345 67 89"),
        ("+79123456789", "phones", "79123456789"),
        ("тел. 345-67-89", "phones", "345-67-89"),
        ("Брат в Минске: +375 29 123-45-67.", "phones", "123-45-67"),
        ("Пишите на maria.ivanova@mail.ru.", "emails", "maria.ivanova"),
        ("Дата рождения: 12.03.1985.", "birth_dates", "12.03.1985"),
        ("Родилась 12 марта 1985 г. в Казани.", "birth_dates", "1985"),
        ("д.р. 12.03.85", "birth_dates", "12.03.85"),
        ("Отец 1950 г.р., пенсионер.", "birth_dates", "1950"),
        ("Родился в 1978 году.", "birth_dates", "1978"),
        ("Адрес: ул. Ленина, д. 5, кв. 12.", "addresses", "кв. 12"),
        ("г. Казань, пр-т Победы 10-45", "addresses", "10-45"),
        ("420111, г. Казань, ул. Баумана, д. 7", "addresses", "420111"),
        ("Живу: дом 5 квартира 12", "addresses", "квартира 12"),
        ("Меня зовут Мария Петровна Иванова.", "names", "Иванова"),
        ("Принимала Кузнецова А. В., вежливая.", "names", "Кузнецова"),
    ],
)
def test_each_kind_in_its_spellings(text: str, kind: str, secret: str) -> None:
    masked = mask_personal_data(text)
    assert secret not in masked.text
    assert masked.counts[kind] >= 1
    assert masking.PLACEHOLDERS[kind] in masked.text


@pytest.mark.parametrize(
    "text",
    [
        "Подала заявление 12.03.2024, решение пришло 5 апреля 2024 г.",
        "Федеральный закон от 19.05.1995 № 81-ФЗ.",
        "Пособие 24 604,30 руб., доплата 1 200 000 рублей.",
        "Номер заявления 7707083893, статус «на рассмотрении».",
        "Обращение № 2024-000123 закрыто.",
        "В 2023 году обратились 1 234 567 человек, звонила 8 раз.",
        "Горячая линия 8-800-100-00-01 не отвечает.",
        "С 1998 года живём здесь, ребёнку 3 года.",
        "Очередь — 30 человек, приём с 9:00 до 18:00.",
        "МФЦ на ул. Ленина работает до восьми.",
        "Роза цветёт в саду. Госуслуги работают. Социальный фонд принял заявление.",
        "ИНН организации и СНИЛС сотрудника для заявления не нужны.",
        "Код подразделения 160-005 указан неверно.",
    ],
)
def test_ordinary_numbers_dates_and_words_stay(text: str) -> None:
    assert mask_personal_data(text).text == text


@pytest.mark.parametrize(
    ("text", "secrets"),
    [
        # A first name only guessed from an unknown word's ending is no name: a system stays…
        ("Путь заявителя (из Камунды)", ()),
        ("Выгрузка из Камунды за март", ()),
        ("Интервью в Камунде, справка о Камунде", ()),
        # …while a real name in the same place is masked, plural surnames included.
        ("Путь заявителя (от Марии)", ("Марии",)),
        ("Звонок Иванову И.И. по тел. 8-921-555-44-33", ("Иванову", "И.И.", "555-44-33")),
        ("Заявление пришло от семьи Ивановых", ("Ивановых",)),
        ("Приходили Наталья Сергеевна и Петров", ("Наталья", "Сергеевна", "Петров")),
    ],
)
def test_a_capitalised_word_after_a_preposition_is_a_name_only_when_it_reads_as_one(
    text: str, secrets: tuple[str, ...]
) -> None:
    masked = mask_personal_data(text).text
    assert [s for s in secrets if s in masked] == []
    if not secrets:
        assert masked == text


def test_a_date_after_a_name_is_a_birth_date_an_event_date_is_not() -> None:
    assert _found("Заявитель: Иванова Мария Петровна, 12.03.1985.") == {
        "names": 1,
        "birth_dates": 1,
    }
    assert _found("Заявление от 12.03.2024 приняла Иванова М. П.") == {"names": 1}
    # A birth word in the previous sentence does not reach the next one.
    assert _found("Сын 2019 г.р. Подала заявление 12.03.2024.") == {"birth_dates": 1}


def test_overlapping_kinds_count_once() -> None:
    masked = mask_personal_data("Контакты: Иванов И. И., тел. 8 912 345-67-89, ivanov@mail.ru")
    assert masked.counts == {
        **dict.fromkeys(masking.KINDS, 0),
        "names": 1,
        "phones": 1,
        "emails": 1,
    }
    assert masked.text == "Контакты: [имя], тел. [телефон], [e-mail]"


def test_masking_twice_changes_nothing() -> None:
    for sample in corpus(5, 400):
        once = mask_personal_data(sample.text)
        twice = mask_personal_data(once.text)
        assert twice.text == once.text
        assert twice.total == 0


@pytest.mark.parametrize("delimiter", [";", "\t"])
def test_a_table_taken_for_a_text_is_masked_column_by_column(delimiter: str) -> None:
    """An export saved as text and uploaded as interview notes: its bare birth dates and
    passport numbers have no words around them, but their columns say what they are."""
    rows = canary_rows(40, seed=9)
    text = canary_csv(rows, columns=tuple(COLUMNS), delimiter=delimiter).decode("cp1251")
    assert scan_text(text, needles(rows))  # positive control
    masked = mask_personal_data(text)
    assert scan_text(masked.text, needles(rows)) == []
    assert masked.counts["birth_dates"] >= len(rows)
    assert masked.counts["passports"] >= len(rows)
    lines = masked.text.splitlines()
    assert lines[0] == delimiter.join(COLUMNS)  # the header stays
    first = lines[1].split(delimiter)
    kinds = ("names", "snils", "inn", "passports", "phones", "emails", "addresses", "birth_dates")
    assert first[:8] == [masking.PLACEHOLDERS[k] for k in kinds]
    assert first[8:10] == [rows[0].channel, str(rows[0].age)]  # no personal data: as it was
    again = mask_personal_data(masked.text)
    assert again.text == masked.text
    assert again.total == 0


@pytest.mark.parametrize(
    ("name", "shown"),
    [
        ("Интервью Кузнецова Анна Сергеевна.docx", "Интервью [имя].docx"),
        ("интервью_Петрова_Анна.txt", "интервью [имя].txt"),
        ("СНИЛС 112-233-445 95.csv", "СНИЛС [СНИЛС].csv"),
        ("выгрузка_2024_03.xlsx", "выгрузка_2024_03.xlsx"),  # nothing to mask: as it is
        ("records.v2.parquet", "records.v2.parquet"),
        ("Жалобы МФЦ.csv", "Жалобы МФЦ.csv"),
    ],
)
def test_a_file_name_is_masked_as_a_text(name: str, shown: str) -> None:
    assert masking.mask_file_name(name) == shown


def test_prose_with_semicolons_is_no_table() -> None:
    text = (
        "Пришла в МФЦ; ждала час; ушла ни с чем.\n"
        "Во второй раз всё приняли; решение пришло через месяц.\n"
        "Звонила Петрова Анна; ей ответили быстро.\n"
    )
    masked = mask_personal_data(text)
    assert masked.text == text.replace("Петрова Анна", "[имя]")


def test_describe_masked_agrees_in_number() -> None:
    assert describe_masked({}) == "персональных данных не найдено"
    assert describe_masked(dict.fromkeys(masking.KINDS, 0)) == "персональных данных не найдено"
    assert (
        describe_masked({"snils": 2, "phones": 3, "names": 1, "birth_dates": 5, "addresses": 21})
        == "замаскировано: 1 имя, 3 телефона, 2 СНИЛС, 5 дат рождения, 21 адрес"
    )
    assert describe_masked({"passports": 11, "cards": 2}) == (
        "замаскировано: 11 номеров паспорта, 2 номера карты"
    )


def test_mask_function_in_the_engine_masks_and_counts() -> None:
    con = duckdb.connect()
    tally = masking.register_mask_function(con)
    texts = pa.table(
        {
            "text": [
                "СНИЛС 112-233-445 95, звоните +7 912 345-67-89",
                None,
                "Всё хорошо, спасибо",
                "Пишет Иванова Мария: maria@mail.ru",
            ]
        }
    )
    con.register("texts", texts)
    rows = con.execute(f"SELECT {masking.mask_sql('text')} FROM texts").fetchall()  # noqa: S608 — a test over a registered table
    assert [r[0] for r in rows] == [
        "СНИЛС [СНИЛС], звоните [телефон]",
        None,
        "Всё хорошо, спасибо",
        "Пишет [имя]: [e-mail]",
    ]
    assert {k: n for k, n in tally.counts.items() if n} == {
        "snils": 1,
        "phones": 1,
        "names": 1,
        "emails": 1,
    }


def test_columns_to_mask_are_free_texts_and_columns_with_identifiers() -> None:
    samples: dict[str, list[object]] = {
        "Канал": ["МФЦ", "ЕПГУ", "МФЦ", "Приёмная"] * 10,
        "Город": ["Королёв", "Казань", "Королёв", "Уфа"] * 10,  # a surname-like town, repeated
        "Примечание": ["звонить 8 912 345-67-89", "нет", None, "нет"],
        "Жалоба": ["Долго ждал", "Нормально"],
        "Ответственный": ["Иванова Мария", "Петров Олег", "Сидорова Анна", "Кузнецов Иван"],
    }
    assert masking.columns_to_mask(samples, free_text=["Жалоба"]) == [
        "Примечание",
        "Жалоба",
        "Ответственный",
    ]


# --- Dataset imports mask text columns before the Parquet file is written --------------------


def _complaints(seed: int, n: int = 300) -> tuple[list[dict[str, str]], list[str]]:
    """Complaints as a body exports them: a long text with planted personal data in some."""
    rng = random.Random(seed)
    samples = corpus(seed, n, controls=0.5)
    rows, secrets = [], []
    for i, sample in enumerate(samples):
        lead = rng.choice(["Прошу разобраться.", "Жалоба на сроки.", "Добрый день!"])
        rows.append(
            {
                "Номер": str(50000 + i),
                "Канал": rng.choice(["ЕПГУ", "МФЦ", "МФЦ", "Почта"]),
                "Текст жалобы": f"{lead} {sample.text} Прошу дать письменный ответ в срок.",
                "Оценка": str(rng.randint(1, 5)),
            }
        )
        secrets += [s for p in sample.planted for s in p.secrets if len(s) >= 6]
    return rows, secrets


def test_import_masks_text_columns_before_writing(home: Path, tmp_path: Path) -> None:
    rows, secrets = _complaints(3)
    path = write_csv(tmp_path / "жалобы.csv", rows, encoding="cp1251")
    source = DataSource(id="complaints", kind=DataSourceKind.complaints, path="x")
    result = import_data(path, study_id="s", source=source, author="тест", home=home)
    stored = pq.read_table(result.path)
    texts = stored.column("Текст жалобы").to_pylist()
    assert len(texts) == len(rows)
    assert secrets
    blob = "\n".join(t for t in texts if t)
    assert [s for s in secrets if s in blob] == []
    assert any("[СНИЛС]" in t for t in texts)
    assert sorted(stored.column("Канал").to_pylist()) == sorted(r["Канал"] for r in rows)
    # What was masked is counted and recorded: in the manifest and in the audit trail.
    manifest = result.manifest
    assert manifest.masked["snils"] >= 1
    assert sum(manifest.masked.values()) >= len(secrets) // 3
    column = next(c for c in manifest.columns if c["name"] == "Текст жалобы")
    assert column["masked"] is True
    [record] = privacy.read_audit(home, study_id="s")
    assert {"column": "Текст жалобы", "kind": "text", "action": "mask"} in record.columns
    assert {"column": "Канал", "kind": "text", "action": "mask"} not in record.columns
    raw = (home / "datasets").rglob("*")
    assert not any(s.encode() in p.read_bytes() for p in raw if p.is_file() for s in secrets)


def test_import_leaves_categories_and_columns_kept_on_purpose(home: Path, tmp_path: Path) -> None:
    rows = [
        {"Канал": c, "Примечание": n, "Телефон": p}
        for c, n, p in zip(
            ["ЕПГУ", "МФЦ"] * 20,
            ["Звонить +7 912 345-67-89 после шести", "нет"] * 20,
            ["+7 916 123-45-67", "8 916 765-43-21"] * 20,
            strict=True,
        )
    ]
    path = write_csv(tmp_path / "c.csv", rows)
    source = DataSource(
        id="records",
        kind=DataSourceKind.client_records,
        path="x",
        columns={"Телефон": ColumnOverride(pii="keep")},
    )
    result = import_data(
        path,
        study_id="s",
        source=source,
        author="a",
        home=home,
        keep_reasons={"Телефон": "контакты для обзвона по согласию"},
    )
    stored = pq.read_table(result.path)
    assert set(stored.column("Канал").to_pylist()) == {"ЕПГУ", "МФЦ"}
    assert set(stored.column("Примечание").to_pylist()) == {"Звонить [телефон] после шести", "нет"}
    # Kept raw by an explicit decision: the import does not second-guess it.
    assert "+7 916 123-45-67" in stored.column("Телефон").to_pylist()
    assert result.manifest.masked["phones"] == 20


def test_columns_of_codes_are_no_texts() -> None:
    rng = random.Random(4)
    numbers = [f"{rng.randint(10**9, 10**10 - 1)}" for _ in range(200)]  # some pass ИНН's checksum
    samples: dict[str, list[object]] = {
        "Номер заявления": numbers,
        "Псевдоним": [f"{rng.getrandbits(64):016x}" for _ in range(200)],
    }
    assert any(mask_personal_data(n).counts["inn"] for n in numbers)
    assert masking.columns_to_mask(samples) == []


# Written by hand after the detector, as transcripts put things (not generated).
HANDWRITTEN = [
    (
        "Здравствуйте, я Смирнова Ольга Викторовна, мама троих детей.",
        ("Смирнова", "Ольга", "Викторовна"),
    ),
    ("Дозвониться до Петра Сергеевича так и не смогла.", ("Петра", "Сергеевича")),
    # First names that are words too (Максим, Роман) and a surname that is a plural noun: the
    # patronymic makes the three a name (the walk-through found «Комаров [имя]» stored).
    ("Комаров Максим Петрович просит пересмотреть решение.", ("Комаров", "Максим")),
    ("Заявитель Казаков Роман Ильич, отказ обжалует.", ("Казаков", "Роман")),
    ("Специалист Хабибуллина Р.Ф. отказала без объяснений.", ("Хабибуллина",)),
    ("Позвоните на сотовый 8-917-255-33-01 в любое время.", ("255-33-01",)),
    ("мой номер +7 917 255 33 01", ("255 33 01",)),
    ("Телефон дочери: 89172553301.", ("89172553301",)),
    ("Напишите мне на olga.smirnova1983@yandex.ru, я проверю.", ("olga.smirnova1983",)),
    ("СНИЛС 047-515-388 25 я указывала дважды.", ("047-515-388 25",)),
    ("В заявлении был снилс 04751538825, а в базе другой.", ("04751538825",)),
    ("страх. свидетельство № 047-515-388-25", ("047-515-388-25",)),
    ("ИНН 165710734410 мне выдали в налоговой.", ("165710734410",)),
    ("Налоговая прислала письмо на ИНН 1657107344 10", ("1657107344",)),
    ("паспорт 92 05 384756 выдан МВД по РТ 12.04.2005", ("384756",)),
    ("Паспорт: 9205 № 384756.", ("384756",)),
    ("Я назвала серию и номер паспорта — 9205384756.", ("9205384756",)),
    ("Деньги пришли на карту 2202 2006 4577 1234.", ("2202 2006 4577 1234",)),
    ("Карта Мир: 2200700145287713", ("2200700145287713",)),
    ("Я 1983 года рождения, работаю в школе.", ("1983",)),
    ("Дата рождения 03.07.1983, место рождения г. Казань.", ("03.07.1983",)),
    ("Сын, Артём, родился 14 февраля 2019 года.", ("14 февраля 2019", "Артём")),
    ("Младшая дочь 2021 г.р. ходит в ясли.", ("2021",)),
    ("Проживаю: РТ, г. Набережные Челны, пр. Мира, д. 52, кв. 118.", ("д. 52", "кв. 118")),
    ("Адрес: 420107, Казань, ул. Павлюхина, 99а-12", ("Павлюхина", "99а-12")),
    ("Живём в Дербышках, ул. Мира 37, кв. 8.", ("кв. 8",)),
    (
        "Регистрация по месту жительства — Советский р-н, ул. Гвардейская, дом 15, кв 44",
        ("Гвардейская", "кв 44"),
    ),
    ("Заявление подавал муж, Смирнов Алексей, через Госуслуги.", ("Смирнов", "Алексей")),
    ("Соседка, Гульшат Ринатовна, подсказала про МФЦ.", ("Гульшат", "Ринатовна")),
    ("В МФЦ меня принимала девушка Алсу, очень вежливая.", ("Алсу",)),
    ("Е-мейл: smirnova_o@mail.ru", ("smirnova_o",)),
    ("Номер мобильного 917-255-33-01.", ("917-255-33-01",)),
    ("Контакт мужа +79274561230", ("+79274561230",)),
    ("д.р. 3.7.1983", ("3.7.1983",)),
    ("Родилась в 1983-м в Казани.", ("1983",)),
    ("Живу на улице Чистопольской, дом 64, квартира 201.", ("Чистопольской", "квартира 201")),
    ("паспорт серия 92 05, номер 384756", ("384756",)),
]
HANDWRITTEN_CONTROLS = [
    "Заявление № 1234567 подано 15.03.2024, срок рассмотрения 10 рабочих дней.",
    "Пособие на ребёнка — 13 520 рублей, выплата 25-го числа.",
    "С 1 января 2024 года правила поменялись.",
    "Ждала ответа с 12.02.2024 по 28.02.2024.",
    "Номер обращения 0012345678, ответа нет.",
    "Звонила на 122, там сказали ждать.",
    "В 2022 году мы переехали, в 2023 подали заявление.",
    "Ребёнку 3 года, второму 7 лет.",
    "Сумма 1 250 000 рублей — это материнский капитал плюс ипотека.",
    "Постановление Правительства от 09.12.2022 № 2330.",
    "Горячая линия 8 800 100-00-01 не отвечает.",
    "Талон Б-215, окно 7.",
    "Мы живём в Зеленодольске, это рядом с Казанью.",
    "Код 1234 пришёл по смс через 5 минут.",
    "Оплатила госпошлину 350 руб., чек № 48213.",
    "В 9:30 пришла, в 11:45 ушла.",
    "Социальный фонд России перевёл деньги 5 апреля.",
    "Из 12 документов 3 пришлось переделать.",
    "Справка 2-НДФЛ за 2023 год.",
    "Дом 1985 года постройки, лифта нет.",
    "Номер очереди в детский сад 1657-2019-0034.",
]
# Masked although no client's data: street names read as surnames, a first name alone at
# the start of a sentence (Надя is a person after all), a public figure.
OVERMASKED = [
    "В МФЦ на Баумана было 40 человек в очереди.",
    "Надя из соседнего подъезда тоже получала пособие.",
    "Вера Ивановна Мухина — скульптор, её памятник у нас в парке.",
    "На Ленина 5 теперь новый МФЦ.",
]


@pytest.mark.parametrize(("text", "secrets"), HANDWRITTEN)
def test_handwritten_transcript_lines(text: str, secrets: tuple[str, ...]) -> None:
    masked = mask_personal_data(text).text
    assert [s for s in secrets if s in masked] == []


@pytest.mark.parametrize("text", HANDWRITTEN_CONTROLS)
def test_handwritten_controls_stay(text: str) -> None:
    assert mask_personal_data(text).text == text


def test_known_overmasking_is_names_only() -> None:
    """What the masking takes for a name without being one: names only, never a number."""
    for text in OVERMASKED:
        masked = mask_personal_data(text)
        assert masked.text != text
        assert masked.counts["names"] == masked.total


# Phones as people type them, a digit short or long or with a town's code, and the numbers of
# the same texts that are no phone (amounts, dates, years, counts, money): one table.
@pytest.mark.parametrize(
    ("text", "masked"),
    [
        ("Свяжитесь со мной: +79574-56-40", "Свяжитесь со мной: [телефон]"),
        (
            "Потеряли авансовый отчёт, звонила +79806-33-21",
            "Потеряли авансовый отчёт, звонила [телефон]",
        ),
        (
            "Бухгалтер ответила с 8-910-123-45-6, больше не дозвониться.",
            "Бухгалтер ответила с [телефон], больше не дозвониться.",
        ),
        ("Отдел в Твери: +7 (4822) 123-45-67, доб. 12.", "Отдел в Твери: [телефон], доб. 12."),
        ("Приёмная 8 (4822) 12-34-56 не отвечает.", "Приёмная [телефон] не отвечает."),
        (
            "Мой номер 8966652344 — звоните после шести.",
            "Мой номер [телефон] — звоните после шести.",
        ),
        ("перезвоните +7 912 345 67 8 пожалуйста", "перезвоните [телефон] пожалуйста"),
        ("звонила на +79806-33-21 раз пять", "звонила на [телефон] раз пять"),
        ("Выделено 8 912 345 678 руб. на 8 912 345 человек", None),
        ("Суточные 15 000 ₽ за 8 дней, отчёт от 2025-01-01.", None),
        ("Командировка с 8.12.2025 по 18.12.2025, возместили 8 500 руб.", None),
        ("На программу выделено 8 500 000 000 ₽ в 2025 году.", None),
        ("В 2024 году обратились 8 123 456 человек, 8 раз звонили повторно.", None),
        ("Номер заявления 8123456789, статус «на рассмотрении».", None),
        ("Горячая линия 8-800-100-00-01 не отвечает, ждали 8 минут.", None),
        ("Рост на +7 % за 2025 год, было 80 000 000 руб.", None),
        ("Приказ № 812-к от 08.12.2025, 8 сотрудников.", None),
    ],
)
def test_phones_typed_loosely_are_masked_and_amounts_dates_counts_stay(
    text: str, masked: str | None
) -> None:
    result = mask_personal_data(text)
    assert result.text == (text if masked is None else masked)
    assert result.counts["phones"] == (0 if masked is None else 1)


# Numbers a word names: personnel numbers, accounts, cases, policies, and СНИЛС, ИНН, passport
# numbers of any shape after their word; the word stays, the number goes.
@pytest.mark.parametrize(
    ("text", "kind", "secret"),
    [
        (
            "По жалобе сотрудника (тел. 8-910-123-45-67, таб. № 10577): звонить ему.",
            "personnel",
            "10577",
        ),
        ("Табельный номер 004512, отдел кадров.", "personnel", "004512"),
        ("табельный номер: 733 — командировка не оплачена", "personnel", "733"),
        ("Сотрудник т/н 10577 ждёт возмещения.", "personnel", "10577"),
        ("Заявление от работника таб.ном.4567, бухгалтерия.", "personnel", "4567"),
        ("Т/Н 2201; суточные посчитали неверно.", "personnel", "2201"),
        ("таб № 98 просил звонить", "personnel", "98"),
        ("Оплата по л/с 1234567 не прошла.", "accounts", "1234567"),
        ("Лицевой счёт № 00123456, долг погашен.", "accounts", "00123456"),
        ("Перечислите на счёт 40817810099910004312.", "accounts", "40817810099910004312"),
        ("Личное дело № 345 передано в архив.", "cases", "345"),
        ("№ дела 2-1234/2025 в районном суде.", "cases", "2-1234/2025"),
        ("Полис ОМС 7755 1234 5678 9012 не нашли.", "policies", "5678 9012"),
        ("СНИЛС 123-456-789 (без контрольного числа).", "snils", "123-456-789"),
        ("ИНН 77070838, проверьте.", "inn", "77070838"),
        ("паспорт № 123456 выдан в 2015 году", "passports", "123456"),
    ],
)
def test_a_number_its_word_names_is_masked(text: str, kind: str, secret: str) -> None:
    masked = mask_personal_data(text)
    assert secret not in masked.text
    assert masked.counts[kind] == 1
    assert masking.PLACEHOLDERS[kind] in masked.text


@pytest.mark.parametrize(
    "text",
    [
        "Таблица 5 показывает сроки; в таб. 2 — суммы, в таб.12 — итоги.",
        "Дело не в сроках: 12 отчётов из 40 вернули.",
        "Счёт на оплату № 15 от 01.12.2025 оплачен.",
        "Полис не нужен, 8 дней хватило.",
        "т.н. «электронная очередь» не работает",
        "Расходы ОМС 1 500 000 руб. в 2025 году, по полису 2 000 000 ₽.",
    ],
)
def test_words_without_an_identifier_stay(text: str) -> None:
    assert mask_personal_data(text).text == text


def test_masked_summary_names_the_new_kinds() -> None:
    counts = mask_personal_data(
        "Морозов Алексей Сергеевич, таб. № 10577, л/с 1234567, т/н 2201"
    ).counts
    assert describe_masked(counts) == ("замаскировано: 1 имя, 2 табельных номера, 1 номер счёта")


@pytest.mark.parametrize(
    ("text", "masked"),
    [
        # A word after the number that merely starts like a unit or money is no unit.
        ("тел. 8 912 345 678 днём", "тел. [телефон] днём"),
        ("тел. +7980-633-21 копию паспорта прислала", "тел. [телефон] копию паспорта прислала"),
        ("таб. № 10577 копию приказа не сдал", "таб. № [табельный номер] копию приказа не сдал"),
        ("л/с 1234567 2 года не платит", "л/с [счёт] года не платит"),
        # Amounts and counts stay.
        ("расходы ОМС 1 500 000 руб.", "расходы ОМС 1 500 000 руб."),
        ("выплатили 8 912 345 рублей", "выплатили 8 912 345 рублей"),
        ("8 123 456 человек", "8 123 456 человек"),
        ("ждал 8 часов", "ждал 8 часов"),
    ],
)
def test_words_after_a_number_that_only_start_like_units(text: str, masked: str) -> None:
    assert mask_personal_data(text).text == masked


@pytest.mark.parametrize(
    ("text", "masked"),
    [
        ("Клиенты на 2-й ступени лестницы Ханта не знают об услуге.", None),
        ("Лестница Ханта: ступень 3 из 5.", None),
        ("По лестнице Ханта — ступень 2", None),
        # A person of that name, or another name after «лестница», is still a name.
        ("Звонил Хант Олег Петрович", "Звонил [имя]"),
        ("лестницу Иванов чинил", "лестницу [имя] чинил"),
    ],
)
def test_the_hunt_ladder_is_a_term_not_a_client(text: str, masked: str | None) -> None:
    """A suggested recommendation «…ступени лестницы Ханта…» was stored as «лестницы [имя]»."""
    assert mask_personal_data(text).text == (masked or text)
