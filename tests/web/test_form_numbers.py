"""The one number input of the study editor (``forms.NumberField``): «0,45» shown and read in
Russian, a point read too, a wrong value refused in Russian with its bounds written alike; and
every number with a fraction on the editor's forms is that input."""

from __future__ import annotations

import importlib
import inspect
import pkgutil
from collections.abc import Iterator

import pytest
from django import forms
from django.utils import translation

from segprofile.web.studies import forms as study_forms
from segprofile.web.studies.forms import NumberField
from segprofile.web.studies.forms.study import PriorityForm


@pytest.fixture(autouse=True)
def russian() -> Iterator[None]:
    with translation.override("ru"):
        yield


@pytest.mark.parametrize(
    ("typed", "value"),
    [
        ("0,45", 0.45),
        ("0.45", 0.45),
        (" 2,5 ", 2.5),
        ("\u22120,3", -0.3),
        ("7", 7.0),
        ("", None),
        # Thousands grouped by a space, a no-break or a narrow no-break space (Excel's copy).
        ("1 000", 1000.0),
        ("1\u00a0000", 1000.0),
        ("12\u202f345,5", 12345.5),
        ("\u22121 250 000", -1250000.0),
    ],
)
def test_a_comma_and_a_point_are_read(typed: str, value: float | None) -> None:
    assert NumberField(required=False).clean(typed) == (
        pytest.approx(value) if value is not None else None
    )


@pytest.mark.parametrize(
    "typed", ["abc", "1,2,3", "0,4.5", "1e400", "nan", "0,45%", "1 5", "10 00", "1  000"]
)
def test_what_is_no_number_is_refused_in_russian(typed: str) -> None:
    with pytest.raises(forms.ValidationError) as refused:
        NumberField().clean(typed)
    assert refused.value.messages == ["Введите число, например 2,5."]


@pytest.mark.parametrize(
    ("bounds", "typed", "message"),
    [
        ({"min_value": 0.01, "max_value": 0.99}, "1", "Введите число от 0,01 до 0,99."),
        ({"min_value": 0.5, "max_value": 30}, "0,4", "Введите число от 0,5 до 30."),
        ({"min_value": 0}, "-0,5", "Введите число не меньше 0."),
        ({"max_value": 100}, "100,5", "Введите число не больше 100."),
    ],
)
def test_a_number_outside_the_bounds_names_them_with_a_comma(
    bounds: dict[str, float], typed: str, message: str
) -> None:
    field = NumberField(**bounds)
    with pytest.raises(forms.ValidationError) as refused:
        field.clean(typed)
    assert refused.value.messages == [message]
    low = bounds.get("min_value", 0)
    assert field.clean(str(low).replace(".", ",")) == pytest.approx(low)


def test_a_value_is_shown_with_a_comma_and_without_a_needless_fraction() -> None:
    field = NumberField()
    shown = field.widget.render("w", field.prepare_value(0.45))
    assert 'value="0,45"' in shown
    assert 'type="text"' in shown
    assert 'inputmode="decimal"' in shown
    assert 'value="3"' in field.widget.render("w", field.prepare_value(3.0))


def test_in_english_the_point_is_shown() -> None:
    with translation.override("en"):
        field = NumberField()
        assert 'value="0.45"' in field.widget.render("w", field.prepare_value(0.45))
        assert field.clean("0.45") == pytest.approx(0.45)


def test_every_number_with_a_fraction_of_the_editor_is_the_one_input() -> None:
    """A plain ``FloatField`` would show «0.45» (its number input) in the Russian UI."""
    floats = []
    for info in pkgutil.iter_modules(study_forms.__path__):
        module = importlib.import_module(f"{study_forms.__name__}.{info.name}")
        for _name, cls in inspect.getmembers(module, inspect.isclass):
            if issubclass(cls, forms.BaseForm) and cls.__module__ == module.__name__:
                floats += [
                    f"{cls.__name__}.{field_name}"
                    for field_name, field in cls.base_fields.items()
                    if isinstance(field, forms.FloatField) and not isinstance(field, NumberField)
                ]
    assert floats == []
    weights = PriorityForm()
    assert all(isinstance(f, NumberField) for f in weights.fields.values())
    assert len(weights.fields) > 5
