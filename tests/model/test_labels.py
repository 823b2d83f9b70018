"""Labels of category values and the number format: one casing, one way of writing numbers."""

from __future__ import annotations

import pytest

from segprofile.model.format import p_value, percent, percents, points, share_percent
from segprofile.model.labels import inline_label, sentence_case, value_label
from segprofile.model.study import Feature


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("в браке", "В браке"),
        ("HS-grad", "HS-grad"),
        ("hS-grad", "HS-grad"),
        ("United-States", "United-States"),
        ("МФЦ", "МФЦ"),
        ("25–39 лет", "25–39 лет"),
        ("  менее   25 ", "Менее 25"),
        ("г. Тверь", "г. Тверь"),  # a value of the data, never «Г. Тверь»
        ("с.  Берёзовка", "с. Берёзовка"),
        ("пгт Редкино", "пгт Редкино"),
        ("город Тверь", "Город Тверь"),
        ("гражданин", "Гражданин"),
        ("", ""),
    ],
)
def test_sentence_case(text: str, expected: str) -> None:
    assert sentence_case(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Сельская местность", "сельская местность"),
        ("МФЦ", "МФЦ"),
        ("ЕПГУ через портал", "ЕПГУ через портал"),
        ("HS-grad", "HS-grad"),
        ("United-States", "United-States"),
        ("Менее 25 лет", "менее 25 лет"),
        ("25–39 лет", "25–39 лет"),
    ],
)
def test_inline_label_keeps_codes_and_abbreviations(text: str, expected: str) -> None:
    assert inline_label(text) == expected


def test_value_label_uses_the_study_then_the_code() -> None:
    feature = Feature(
        id="marital",
        column="marital_status",
        label="Семейное положение",
        value_labels={"Married-civ-spouse": "в браке"},
    )
    assert value_label(feature, "Married-civ-spouse") == "В браке"
    assert value_label(feature, "never-married") == "Never-married"
    assert value_label(feature, "NA") == "Нет данных"
    flag = Feature(id="f", column="f", label="Флаг", type="boolean")
    assert [value_label(flag, c) for c in ("true", "false")] == ["Да", "Нет"]


def test_numbers_are_written_one_way() -> None:
    assert percent(0.341) == "34\u00a0%"
    assert percents(0.7996, 0.8) == ("79,96\u00a0%", "80,00\u00a0%")
    assert percents(0.61, 0.63) == ("61\u00a0%", "63\u00a0%")
    assert percents(0.5, 0.5) == ("50\u00a0%", "50\u00a0%")
    assert points(0.45) == "45\u00a0п.\u00a0п."
    assert share_percent(0.0004) == "менее 1\u00a0%"
    assert share_percent(0.0) == "0\u00a0%"
    assert share_percent(0.341) == "34\u00a0%"
    assert p_value(0.0004, "q") == "q < 0,001"
    assert p_value(0.0421) == "p = 0,042"


def test_values_given_one_name_merge_into_the_first_of_them() -> None:
    from segprofile.model.labels import merged_codes

    feature = Feature(
        id="channel",
        column="channel",
        label="Канал",
        value_labels={"epgu": "Портал", "mfc": "Лично", "office": "лично ", "post": "Почта"},
    )
    assert merged_codes(feature) == {"mfc": "mfc", "office": "mfc"}
    assert merged_codes(feature.model_copy(update={"value_labels": {"a": "A", "b": "B"}})) == {}
    numeric = Feature(
        id="age", column="age", label="Возраст", type="numeric", value_labels={"1": "x", "2": "x"}
    )
    assert merged_codes(numeric) == {}  # intervals are cut by binning, not merged by names
