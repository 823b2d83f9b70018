"""Figures on the pages are written as the reports write them (model.format.number)."""

from __future__ import annotations

from django.template import Context, Template

NBSP = "\u00a0"


def _render(text: str, **context: object) -> str:
    return Template("{% load studies_tags %}" + text).render(Context(context))


def test_num_spaces_thousands_uses_a_decimal_comma_and_a_dash_for_nothing() -> None:
    assert _render("{{ n|num }}", n=1500) == f"1{NBSP}500"
    assert _render("{{ n|num:2 }}", n=0.45) == "0,45"
    assert _render("{{ n|num:1 }}", n=12.0) == "12"  # no «12,0»
    assert _render("{{ n|num:1 }}", n=None) == "—"  # a time never entered is not «0»


def test_thresholds_read_with_decimal_commas() -> None:
    assert _render("{{ t|number_list }}", t=[18.0, 35.5, 1000]) == f"18; 35,5; 1{NBSP}000"
