"""Eligibility rules: our grammar, compiled to Ibis, checked against pandas; errors with places."""

from __future__ import annotations

from datetime import timedelta

import ibis
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from segprofile.analysis.rules import (
    MAX_NESTING,
    MAX_RULE_CHARS,
    RuleSyntaxError,
    check_rule,
    compile_rule,
    parse_rule,
    rule_columns,
    rule_in_words,
)
from segprofile.model.study import Feature

FRAME = pd.DataFrame(
    {
        "возраст": [17, 18, 35, 60, None, 44],
        "дети": [0, 1, 2, 0, 3, 4],
        "region": ["rural", "city", "town", "rural", None, "city"],
        "single": [True, False, True, None, False, True],
        "дата рождения": ["2000-01-01", None, "1990-05-05", None, None, "1985-02-02"],
    }
)


def matches(rule: str) -> list[int]:
    table = ibis.memtable(FRAME)
    expr = compile_rule(rule, table)
    result = table.mutate(i=ibis.row_number()).filter(expr).i.execute()
    return sorted(int(i) for i in result)


@pytest.mark.parametrize(
    ("rule", "expected"),
    [
        ("возраст >= 18 и дети > 0", [1, 2, 5]),
        ("возраст >= 18 and дети > 0", [1, 2, 5]),
        ("дети = 0 или region = 'rural'", [0, 3]),
        ("не single", [1, 4]),
        ("region в ('rural', 'town')", [0, 2, 3]),
        ("region не в ('rural', 'town')", [1, 5]),
        ("region not in ('rural')", [1, 2, 5]),
        ("возраст между 18 и 44", [1, 2, 5]),
        ("`дата рождения` есть пусто", [1, 3, 4]),
        ("[дата рождения] is not null", [0, 2, 5]),
        ("(дети > 1 или возраст < 18) и single = да", [0, 2, 5]),
        ('дети >= 1 && !(region == "city")', [2]),
        ("возраст <> 60 and возраст != 17", [1, 2, 5]),
        ("возраст > 17,5", [1, 2, 3, 5]),
    ],
)
def test_rules_select_the_right_rows(rule: str, expected: list[int]) -> None:
    assert matches(rule) == expected


def test_missing_values_never_match() -> None:
    # Row 4 has no age: neither "≥ 18" nor its negation selects it.
    assert 4 not in matches("возраст >= 18")
    assert 4 not in matches("не (возраст >= 18)")


def test_rule_columns() -> None:
    assert rule_columns(parse_rule("a > 1 и (b = 'x' или a < 5) и c есть пусто")) == ["a", "b", "c"]


@pytest.mark.parametrize(
    ("rule", "position", "expected"),
    [
        ("возраст >= ", 12, "ожидалось имя столбца, число"),
        ("возраст >= 18 и", 16, "ожидалось имя столбца"),
        ("возраст 18", 9, "ожидалось «и», «или» или конец правила"),
        ("(возраст > 1", 13, "ожидалось «)»"),
        ("region в 'rural'", 10, "ожидалось «(»"),
        ("возраст # 5", 9, "непонятный символ «#»"),
        ("", 1, "правило пустое"),
        ("возраст между 1 2", 17, "ожидалось «и»"),
    ],
)
def test_syntax_errors_point_at_the_position(rule: str, position: int, expected: str) -> None:
    with pytest.raises(RuleSyntaxError) as info:
        parse_rule(rule)
    assert info.value.position == position
    assert expected in str(info.value)


def test_unknown_column_is_named_with_the_known_ones() -> None:
    with pytest.raises(RuleSyntaxError) as info:
        compile_rule("возраст >= 18 и доход < 5", ibis.memtable(FRAME))
    assert info.value.position == 17
    assert "столбца «доход» нет" in str(info.value)
    assert "region" in str(info.value)


# --- Conditions without a column, names in other letters, numbers with spaces ----------------


@pytest.mark.parametrize(
    ("rule", "position", "expected"),
    [
        # double quotes make a text, not a column: two texts compared
        ("\"Канал обращения\" = 'МФЦ'", 1, "«Канал обращения» в двойных кавычках — это текст"),
        ("'МФЦ' = 'МФЦ'", 1, "нет ни одного столбца данных"),
        ("5 > 3", 1, "нет ни одного столбца данных"),
        ("да", 1, "нет ни одного столбца данных"),
        ("не (1 = 1)", 5, "нет ни одного столбца данных"),
        ("'a' в ('a', 'b')", 1, "нет ни одного столбца данных"),
        ("2 между 1 и 3", 1, "нет ни одного столбца данных"),
        ("'x' есть пусто", 1, "нет ни одного столбца данных"),
        # one such condition among good ones is pointed at
        ("возраст > 1 и 5 > 3", 15, "нет ни одного столбца данных"),
    ],
)
def test_a_condition_without_a_column_is_refused_where_it_is(
    rule: str, position: int, expected: str
) -> None:
    with pytest.raises(RuleSyntaxError) as info:
        parse_rule(rule)
    assert info.value.position == position
    assert expected in str(info.value)
    with pytest.raises(RuleSyntaxError):  # and so never reaches the engine as a constant
        compile_rule(rule, ibis.memtable(FRAME))


def test_a_quoted_text_without_a_column_gets_the_brackets_hint() -> None:
    with pytest.raises(RuleSyntaxError) as info:
        parse_rule("\"Канал обращения\" = 'МФЦ'")
    assert "в квадратных скобках: [Канал обращения]" in str(info.value)
    with pytest.raises(RuleSyntaxError) as info:
        parse_rule("5 > 3")
    assert "назовите в условии столбец данных" in str(info.value)


_CHANNELS = pd.DataFrame(
    {
        "Возраст": [17, 30, 44, 61],
        "Канал обращения": ["МФЦ", "ЕПГУ", "МФЦ", "Почта"],
        "Доход": [12_000, 31_000, 29_999, 30_000],
        "Ребёнок": [0, 1, 2, 0],
    }
)


def _rows(rule: str, frame: pd.DataFrame = _CHANNELS) -> list[int]:
    table = ibis.memtable(frame)
    result = table.mutate(i=ibis.row_number()).filter(compile_rule(rule, table)).i.execute()
    return sorted(int(i) for i in result)


def test_a_column_name_in_double_quotes_is_refused_with_the_brackets_hint() -> None:
    rule = 'возраст >= 18 и [Канал обращения] = "канал обращения"'
    with pytest.raises(RuleSyntaxError) as info:
        compile_rule(rule, ibis.memtable(_CHANNELS))
    assert info.value.position == rule.index('"') + 1
    text = str(info.value)
    assert "в двойных кавычках — это текст, а не столбец" in text
    assert "название столбца пишите в квадратных скобках: [Канал обращения]" in text
    # A text in double quotes that names no column stays a text.
    assert _rows('[Канал обращения] = "МФЦ"') == [0, 2]


@pytest.mark.parametrize(
    ("rule", "expected"),
    [
        ("возраст >= 18", [1, 2, 3]),  # the form's own example, the column is «Возраст»
        ("ВОЗРАСТ >= 18 и [канал  обращения] = 'МФЦ'", [2]),
        ("`канал обращения` != 'МФЦ'", [1, 3]),
        ("ребенок > 0", [1, 2]),  # «е» for «ё»
        ("Доход < 30 000", [0, 2]),  # a space between the thousands
        ("Доход < 30\u00a0000 или Доход >= 31 000,5", [0, 2]),
        ("Доход между 29 999 и 30 000", [2, 3]),
        ("Доход в (12 000, 30 000)", [0, 3]),
        ("Доход < 30000", [0, 2]),
    ],
)
def test_names_ignore_case_and_numbers_may_have_thousands_spaces(
    rule: str, expected: list[int]
) -> None:
    assert _rows(rule) == expected


def test_a_name_matching_several_columns_is_refused_with_them() -> None:
    frame = pd.DataFrame({"Возраст": [1, 20], "ВОЗРАСТ": [30, 2]})
    assert _rows("ВОЗРАСТ > 10", frame) == [0]  # the exact name wins
    with pytest.raises(RuleSyntaxError) as info:
        compile_rule("возраст > 10", ibis.memtable(frame))
    assert "подходит к нескольким столбцам ([Возраст], [ВОЗРАСТ])" in str(info.value)


def test_an_unknown_column_lists_the_closest_names() -> None:
    with pytest.raises(RuleSyntaxError) as info:
        compile_rule("возрст > 18", ibis.memtable(_CHANNELS))
    assert "столбца «возрст» нет в данных (похожие: [Возраст])" in str(info.value)
    with pytest.raises(RuleSyntaxError) as info:
        compile_rule("[канал] = 'МФЦ'", ibis.memtable(_CHANNELS))
    assert "[Канал обращения]" in str(info.value)


def test_check_rule_without_columns_checks_the_syntax_only() -> None:
    assert rule_columns(check_rule("зарплата > 30 000")) == ["зарплата"]
    with pytest.raises(RuleSyntaxError, match="похожие"):
        check_rule("зарплата > 1", ["Зарплата, руб."])
    assert rule_columns(check_rule("зарплата > 1", ["Зарплата"])) == ["зарплата"]


def test_type_mismatch_is_an_error() -> None:
    with pytest.raises(RuleSyntaxError, match="разных типов"):
        compile_rule("region > 5", ibis.memtable(FRAME))
    with pytest.raises(RuleSyntaxError, match="должно быть да/нет"):
        compile_rule("возраст", ibis.memtable(FRAME))


def test_no_eval_of_python() -> None:
    with pytest.raises(RuleSyntaxError):
        parse_rule("__import__('os').system('true')")


def _error_of(func: object, text: str) -> RuleSyntaxError | None:
    """The RuleSyntaxError ``func(text)`` raises, or None; any other exception propagates."""
    try:
        func(text)  # type: ignore[operator]
    except RuleSyntaxError as exc:
        return exc
    return None


@settings(max_examples=300, deadline=timedelta(milliseconds=500))
@given(st.text(max_size=60) | st.text(alphabet="()не !1a=", min_size=100, max_size=6000))
def test_fuzz_any_text_parses_or_fails_with_a_position(text: str) -> None:
    error = _error_of(parse_rule, text)
    if error is not None:
        assert 1 <= error.position <= len(text) + 1
        assert "позиция" in str(error)


_atoms = st.sampled_from(
    [
        "возраст",
        "дети",
        "region",
        "18",
        "'rural'",
        "да",
        "(",
        ")",
        "и",
        "или",
        "не",
        ">=",
        "=",
        "<",
        "в",
        "между",
        ",",
        "есть",
        "пусто",
        "9223372036854775808",
        "-9223372036854775808",
        "1,5",
        "((((((((((",
        "не не не не не не не не не не",
        "`дата рождения`",
    ]
)


# The deadline guards against a hang (not a timing goal: CI machines are shared and noisy).
@settings(max_examples=300, deadline=timedelta(seconds=30))
@given(st.lists(_atoms, max_size=40))
def test_fuzz_token_soup_compiles_or_fails_cleanly(atoms: list[str]) -> None:
    rule = " ".join(atoms)
    error = _error_of(lambda r: compile_rule(r, ibis.memtable(FRAME)), rule)
    if error is not None:
        assert 1 <= error.position <= len(rule) + 1


# --- Limits: no rule makes the parser or the engine fail otherwise than with a position -------


def test_brackets_and_negations_deeper_than_the_limit_are_refused_where_they_go_too_deep() -> None:
    deep = "(" * (MAX_NESTING + 1) + "дети > 1" + ")" * (MAX_NESTING + 1)
    with pytest.raises(RuleSyntaxError, match="глубже 30 уровней") as info:
        parse_rule(deep)
    assert info.value.position == MAX_NESTING + 1
    with pytest.raises(RuleSyntaxError, match="глубже"):
        parse_rule("не " * 100 + "single")
    # At the limit the rule still works.
    ok = "(" * MAX_NESTING + "дети > 1" + ")" * MAX_NESTING
    assert matches(ok) == [2, 4, 5]
    assert matches("не " * 10 + "single") == [0, 2, 5]


def test_a_rule_longer_than_the_limit_is_refused_with_an_excerpt() -> None:
    rule = "дети > 0" + " или дети = 2" * 1000
    assert len(rule) > MAX_RULE_CHARS
    with pytest.raises(RuleSyntaxError, match=f"длиннее {MAX_RULE_CHARS} символов") as info:
        parse_rule(rule)
    shown = str(info.value).splitlines()[1]
    assert len(shown) < 120
    assert shown.strip().startswith("…")


def test_hundreds_of_conditions_compile_to_a_shallow_expression_and_run() -> None:
    rule = "(" + " или ".join(f"дети = {i}" for i in range(300)) + ") и возраст > 0"
    assert len(rule) < MAX_RULE_CHARS
    assert matches(rule) == [0, 1, 2, 3, 5]
    assert matches(" и ".join(["возраст > 0"] * 300)) == [0, 1, 2, 3, 5]


@pytest.mark.parametrize(
    "number", ["9223372036854775808", "-9223372036854775809", "99999999999999999999999", "1" * 400]
)
def test_integers_beyond_64_bits_are_refused_at_the_number(number: str) -> None:
    with pytest.raises(RuleSyntaxError, match="число слишком большое") as info:
        parse_rule(f"дети > {number}")
    assert info.value.position == 8


def test_the_largest_64_bit_integers_are_exact() -> None:
    assert matches("дети < 9223372036854775807") == [0, 1, 2, 3, 4, 5]
    assert matches("дети > -9223372036854775808 и дети < 2") == [0, 1, 3]


# --- In words (what a report shows) -----------------------------------------------------------

_FEATURES = [
    Feature.model_validate(f)
    for f in (
        {
            "id": "income",
            "column": "income_band",
            "label": "Доход семьи",
            "type": "categorical",
            "value_labels": {"above_pm": "Выше ПМ", "below_pm": "Ниже ПМ"},
        },
        {"id": "age", "column": "applicant_age", "label": "Возраст заявителя", "type": "numeric"},
        {
            "id": "single",
            "column": "single_parent",
            "label": "Неполная семья",
            "type": "boolean",
            "value_labels": {"true": "Один родитель", "false": "Оба родителя"},
        },
    )
]


@pytest.mark.parametrize(
    ("rule", "words"),
    [
        ("income_band != 'above_pm'", "«Доход семьи» — не «Выше ПМ»"),
        (
            "income_band = 'rare_code'",
            "«Доход семьи» — «Rare_code»",
        ),  # no label: as the data has it
        (
            "applicant_age >= 18 and (single_parent or income_band in ('below_pm', 'above_pm'))",
            "«Возраст заявителя» не меньше 18 и («Неполная семья» — «Один родитель» или "
            "«Доход семьи» — одно из: «Ниже ПМ», «Выше ПМ»)",
        ),
        ("не single_parent", "«Неполная семья» — «Оба родителя»"),
        ("single_parent = нет", "«Неполная семья» — «Оба родителя»"),
        ("applicant_age между 16 и 60,5", "«Возраст заявителя» от 16 до 60,5"),
        ("`дата рождения` есть пусто", "«дата рождения» не указан"),
        ("income_band not in ('above_pm')", "«Доход семьи» — ни одно из: «Выше ПМ»"),
        # a rule that does not parse: as written, said not to apply (the profile skips it)
        ("age >", "age > (в правиле ошибка, оно не применяется)"),
        ("'МФЦ' = 'МФЦ'", "'МФЦ' = 'МФЦ' (в правиле ошибка, оно не применяется)"),
        # a column named in other letters: still the feature's label
        ("Applicant_Age >= 30 000", "«Возраст заявителя» не меньше 30\u00a0000"),
    ],
)
def test_a_rule_in_words_names_features_and_values_by_their_labels(rule: str, words: str) -> None:
    assert rule_in_words(rule, _FEATURES) == words
