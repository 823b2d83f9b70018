"""Journeys CSV: exact round trip, Excel-friendly encoding, errors that name row and column."""

from __future__ import annotations

import csv
import io

import pytest

from segprofile.errors import InputError
from segprofile.examples import EXAMPLES
from segprofile.model.spec_yaml import load_study
from segprofile.model.study import Journey, JourneyKind, JourneyStep, Study
from segprofile.report.journeys_csv import (
    COLUMNS,
    JourneyCsvError,
    journeys_from_csv,
    journeys_to_csv,
)


@pytest.fixture(scope="module")
def study() -> Study:
    return load_study(EXAMPLES["child-benefit"].study_path)


def _text(data: bytes) -> str:
    return data.decode("utf-8-sig")


def _rows(data: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(_text(data), newline=""), delimiter=";"))


def _errors(data: bytes | str, **kwargs: object) -> list[tuple[int | None, str | None, str]]:
    with pytest.raises(JourneyCsvError) as caught:
        journeys_from_csv(data, **kwargs)  # type: ignore[arg-type]
    return caught.value.problems


def test_round_trip_of_the_example_is_exact(study: Study) -> None:
    data = journeys_to_csv(study.journeys)
    assert journeys_from_csv(data, study=study) == study.journeys


def test_file_is_excel_friendly(study: Study) -> None:
    data = journeys_to_csv(study.journeys)
    assert data.startswith(b"\xef\xbb\xbf")  # UTF-8 BOM
    rows = _rows(data)
    assert rows[0] == [header for _, header in COLUMNS]
    assert len(rows) == 1 + sum(len(j.steps) for j in study.journeys)
    first = dict(zip(rows[0], rows[1], strict=True))
    assert first["Путь"] == "current"
    assert first["Вид пути"] == "текущий"
    assert first["Шаг"] == "learn"
    assert first["Проблемы"] == "p_no_proactive_info; p_unaware_epgu"
    assert b"\r\n" in data


def test_numbers_lists_and_special_characters_round_trip() -> None:
    journey = Journey(
        id="j",
        kind=JourneyKind.target,
        title="Путь; с «кавычками» и\nпереносом",
        segments=["a=1", "b=2"],
        steps=[
            JourneyStep(
                id="s1",
                title='Шаг с "кавычками"; и точкой с запятой',
                duration_days=0.5,
                client_minutes=12.25,
                service_level=2,
                documents=["Справка; форма 1", "Путь C:\\docs", "Паспорт"],
                pains=["p1"],
            ),
            JourneyStep(id="s2", title="Без чисел"),
        ],
    )
    data = journeys_to_csv([journey])
    row = dict(zip(*_rows(data)[:2], strict=True))
    assert row["Срок, дней"] == "0,5"
    assert row["Время клиента, минут"] == "12,25"
    assert row["Документы от клиента"] == "Справка\\; форма 1; Путь C:\\\\docs; Паспорт"
    assert journeys_from_csv(data) == [journey]


def test_import_accepts_field_names_commas_and_windows_1251() -> None:
    text = "journey,journey_kind,journey_title,id,title,service_level,duration_days\r\n"
    text += "j,target,Путь,s1,Шаг один,3,1.5\r\n"
    text += "j,,,s2,Шаг два,,\r\n"
    for data in (text, text.encode("cp1251"), text.encode("utf-8")):
        (journey,) = journeys_from_csv(data)
        assert journey.kind is JourneyKind.target
        assert [s.id for s in journey.steps] == ["s1", "s2"]
        assert journey.steps[0].duration_days == 1.5
        assert journey.steps[0].service_level == 3
        assert journey.steps[1].service_level is None


def test_rows_of_a_journey_may_be_apart_and_keep_their_order() -> None:
    text = "Путь;Вид пути;Название пути;Шаг;Название шага\n"
    text += "a;текущий;Путь А;s1;Первый\nb;целевой;Путь Б;s1;Другой\na;;;s2;Второй\n"
    a, b = journeys_from_csv(text)
    assert (a.id, [s.id for s in a.steps]) == ("a", ["s1", "s2"])
    assert (b.id, b.kind) == ("b", JourneyKind.target)


def _bad_file(study: Study) -> str:
    rows = _rows(journeys_to_csv(study.journeys[:1]))
    header = rows[0]
    col = {name: header.index(title) for name, title in COLUMNS}
    rows[1][col["service_level"]] = "два"  # row 2
    rows[2][col["role"]] = "nobody"  # row 3
    rows[3][col["pains"]] = "p_office_slow; p_missing"  # row 4
    rows[4][col["journey_kind"]] = "целевой"  # row 5: contradicts row 2
    rows[5][col["id"]] = "learn"  # row 6: repeats row 2
    rows[6][col["duration_days"]] = "-1"  # row 7
    rows[7][col["id"]] = "шаг 7"  # row 8: not an identifier
    rows[8][col["title"]] = ""  # row 9
    out = io.StringIO(newline="")
    csv.writer(out, delimiter=";").writerows(rows)
    return out.getvalue()


def test_errors_name_row_and_column(study: Study) -> None:
    problems = _errors(_bad_file(study), study=study)
    where = {(row, column) for row, column, _ in problems}
    assert where == {
        (2, "Уровень сервиса"),
        (3, "Роль"),
        (4, "Проблемы"),
        (5, "Вид пути"),
        (6, "Шаг"),
        (7, "Срок, дней"),
        (8, "Шаг"),
        (9, "Название шага"),
    }
    text = {(row, column): message for row, column, message in problems}
    assert "целое число" in text[(2, "Уровень сервиса")]
    assert "nobody" in text[(3, "Роль")]
    assert "applicant" in text[(3, "Роль")]
    assert "p_missing" in text[(4, "Проблемы")]
    assert "строка 2" in text[(5, "Вид пути")]
    assert "строке 2" in text[(6, "Шаг")]
    assert "отрицательным" in text[(7, "Срок, дней")]


def test_error_message_lists_every_problem_in_russian(study: Study) -> None:
    with pytest.raises(InputError) as caught:
        journeys_from_csv(_bad_file(study), study=study, source="пути.csv")
    message = str(caught.value)
    assert message.startswith("Файл пути.csv не удалось загрузить")
    assert "строка 2, столбец «Уровень сервиса»" in message
    assert "строка 9, столбец «Название шага»" in message
    assert "Что сделать" in message


def test_service_level_is_checked_against_the_study_ladder(study: Study) -> None:
    text = "Путь;Вид пути;Название пути;Шаг;Название шага;Уровень сервиса\n"
    text += "j;текущий;Путь;s1;Шаг;4\nj;текущий;Путь;s2;Шаг;1,5\nj;текущий;Путь;s3;Шаг;0\n"
    problems = _errors(text, study=study)
    assert [(row, column) for row, column, _ in problems] == [
        (2, "Уровень сервиса"),
        (3, "Уровень сервиса"),
        (4, "Уровень сервиса"),
    ]
    assert "из 3 уровней" in problems[0][2]
    assert "дробное" in problems[1][2]
    # Without a study there is no ladder to check the upper bound against.
    assert [r for r, _, _ in _errors(text)] == [3, 4]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", (None, None)),
        ("Путь;Вид пути;Название пути;Шаг\n", (1, "Название шага")),
        ("Путь;Вид пути;Название пути;Шаг;Название шага;Цвет\n", (1, "Цвет")),
        ("Путь;Вид пути;Название пути;Шаг;Название шага;Шаг\n", (1, "Шаг")),
        ("Путь;Вид пути;Название пути;Шаг;Название шага\n", (None, None)),
        ("Путь;Вид пути;Название пути;Шаг;Название шага\nj;прошлый;П;s;Ш\n", (2, "Вид пути")),
        ("Путь;Вид пути;Название пути;Шаг;Название шага\nj;текущий;;s;Ш\n", (2, "Название пути")),
        ("Путь;Вид пути;Название пути;Шаг;Название шага\n;текущий;П;s;Ш\n", (2, "Путь")),
        ("Путь;Вид пути;Название пути;Шаг;Название шага\nj;текущий;П;s;Ш;лишнее\n", (2, None)),
    ],
)
def test_bad_files_are_refused_with_the_place(
    text: str, expected: tuple[int | None, str | None]
) -> None:
    problems = _errors(text)
    assert (problems[0][0], problems[0][1]) == expected


def test_export_refuses_a_journey_without_steps() -> None:
    empty = Journey(id="e", kind=JourneyKind.target, title="Пустой")
    with pytest.raises(InputError, match="нет шагов"):
        journeys_to_csv([empty])


# --- Readable in Excel: roles and problems by their titles, read back by title or id ------------


def test_with_the_study_roles_and_problems_are_written_by_their_titles(study: Study) -> None:
    data = journeys_to_csv(study.journeys, study)
    first = dict(zip(*_rows(data)[:2], strict=True))
    roles = {r.id: r.title for r in study.roles}
    statements = {h.id: h.statement for h in study.hypotheses}
    assert first["Роль"] == roles["applicant"]
    assert first["Проблемы"] == "; ".join(
        statements[p].replace(";", "\\;") for p in ("p_no_proactive_info", "p_unaware_epgu")
    )
    assert "p_no_proactive_info" not in _text(data)
    assert ";applicant;" not in _text(data)
    # The round trip: what the export writes, the import reads back to the same ids.
    assert journeys_from_csv(data, study=study) == study.journeys


def test_a_title_typed_differently_or_an_id_both_read_back(study: Study) -> None:
    role = study.roles[0]
    hypothesis = next(h for h in study.hypotheses if h.kind.value == "problem")
    statement = hypothesis.statement.lower().replace(";", "\\;")  # «;» escaped, as in a list
    head = "Путь;Вид пути;Название пути;Шаг;Название шага;Роль;Проблемы\n"
    text = (
        head
        + f'j;текущий;П;a;А;{role.title.upper()};"  {statement}  "\n'
        + f"j;;;b;Б;{role.id};{hypothesis.id}\n"
    )
    (journey,) = journeys_from_csv(text, study=study)
    assert [(s.role, s.pains) for s in journey.steps] == [
        (role.id, [hypothesis.id]),
        (role.id, [hypothesis.id]),
    ]


def test_an_unknown_title_is_refused_by_name_and_a_shared_title_is_written_as_the_id(
    study: Study,
) -> None:
    head = "Путь;Вид пути;Название пути;Шаг;Название шага;Роль\n"
    problems = _errors(head + "j;текущий;П;a;А;Главный бухгалтер\n", study=study)
    assert problems[0][:2] == (2, "Роль")
    assert "роль «Главный бухгалтер» не найдена" in problems[0][2]
    # Two roles of one title: the file cannot tell them apart by it, so it keeps their ids.
    twin = study.model_copy(deep=True)
    twin.roles.append(twin.roles[0].model_copy(update={"id": "applicant_twin"}))
    data = journeys_to_csv(twin.journeys, twin)
    first = dict(zip(*_rows(data)[:2], strict=True))
    assert first["Роль"] == "applicant"
    assert journeys_from_csv(data, study=twin) == twin.journeys


# --- Segments by their titles: «Способ подачи заявления: МФЦ», never «channel=mfc» -------------


def _messy_segments(study: Study) -> Study:
    """The example with the segments a real study gathers: an intersection, a numeric interval,
    two codes merged under one label (a title two segments share) and a deleted feature's."""
    messy = study.model_copy(deep=True)
    region = next(f for f in messy.features if f.id == "region_type")
    region.value_labels["village"] = region.value_labels["rural"]  # merged: «Сельская местность»
    messy.journeys[2].segments = ["channel=office", "applicant_age=25-34&channel=mfc"]
    messy.journeys[3].segments = ["region_type=rural", "gone_feature=x"]
    return messy


def test_segments_are_written_by_title_and_read_back_exactly(study: Study) -> None:
    messy = _messy_segments(study)
    data = journeys_to_csv(messy.journeys, messy)
    cells = {row[0]: row[3] for row in _rows(data)[1:]}
    assert cells["target_office"] == (
        "Способ подачи заявления: Клиентская служба СФР (лично); "
        "Возраст заявителя: 25-34 и Способ подачи заявления: МФЦ"
    )
    assert cells["target_disability"] == (
        "Инвалидность в семье (ребёнок или родитель): Есть инвалидность в семье"
    )
    # «Сельская местность» names two codes now, and a deleted feature has no title: keys stay.
    assert cells["target_rural"] == "region_type=rural; gone_feature=x"
    assert "channel=" not in _text(data)
    assert "disability_in_family=" not in _text(data)
    assert journeys_from_csv(data, study=messy) == messy.journeys
    # The plain example, too: every segment by its title, the round trip exact.
    data = journeys_to_csv(study.journeys, study)
    assert "=" not in "".join(row[3] for row in _rows(data)[1:])
    assert journeys_from_csv(data, study=study) == study.journeys


def test_a_segment_by_key_or_by_a_title_typed_differently_reads_back(study: Study) -> None:
    head = "Путь;Вид пути;Название пути;Сегменты пути;Шаг;Название шага\n"
    text = (
        head
        + "a;текущий;А;channel=mfc;s;Ш\n"
        + 'b;целевой;Б;"  способ подачи заявления:   мфц ; решение об отказе: ОТКАЗ";s;Ш\n'
        + 'b;целевой;Б;"channel=mfc; refused=true";t;Т\n'  # the same segments, by key
        + 'c;целевой;В;"channel=mfc; Способ подачи заявления: МФЦ";s;Ш\n'  # one segment twice
    )
    a, b, c = journeys_from_csv(text, study=study)
    assert a.segments == c.segments == ["channel=mfc"]
    assert b.segments == ["channel=mfc", "refused=true"]
    assert len(b.steps) == 2


def test_an_unknown_segment_is_refused_naming_file_row_and_value(study: Study) -> None:
    head = "Путь;Вид пути;Название пути;Сегменты пути;Шаг;Название шага\n"
    text = (
        head
        + "a;текущий;А;Способ подачи заявления: МФЦ;s;Ш\n"
        + "b;целевой;Б;Способ подачи: почта;s;Ш\n"
        + "c;целевой;В;chanel=mfc;s;Ш\n"
    )
    with pytest.raises(JourneyCsvError) as caught:
        journeys_from_csv(text, study=study, source="пути от МФЦ.csv")
    assert [p[:2] for p in caught.value.problems] == [
        (3, "Сегменты пути"),
        (4, "Сегменты пути"),
    ]
    message = str(caught.value)
    assert "Файл пути от МФЦ.csv не удалось загрузить" in message
    assert "строка 3, столбец «Сегменты пути»: сегмент «Способ подачи: почта» не найден" in message
    assert (
        "строка 4, столбец «Сегменты пути»: сегмент «chanel=mfc» не найден: признака «chanel»"
        in (message)
    )


def test_a_title_two_segments_share_is_refused_as_ambiguous(study: Study) -> None:
    messy = _messy_segments(study)
    head = "Путь;Вид пути;Название пути;Сегменты пути;Шаг;Название шага\n"
    problems = _errors(
        head + "a;целевой;А;Тип населённого пункта: сельская местность;s;Ш\n", study=messy
    )
    assert problems[0][:2] == (2, "Сегменты пути")
    assert (
        "подходит к нескольким сегментам («region_type=rural», «region_type=village»)"
        in (problems[0][2])
    )
