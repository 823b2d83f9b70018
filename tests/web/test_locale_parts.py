"""The Russian texts come from the main locale and its parts (``locale_parts/*``, each a
helper's): one Plural-Forms for all, so that a count reads the same whichever part translates
it. Django keeps a catalog of another plural rule apart and reads it by its own rule: a part
with three forms and the main locale with four would each pick their own form."""

from __future__ import annotations

import gettext
from pathlib import Path

import pytest
from django.conf import settings
from django.template import Context, Template
from django.utils import translation

from segprofile.web import settings as web_settings

WEB = Path(web_settings.__file__).parent
MAIN = WEB / "locale"
PARTS = sorted(p for p in (WEB / "locale_parts").glob("*") if p.is_dir())
#: Counts of every Russian form: 1, 21 (one), 2, 22 (few), 5, 11, 12, 25, 111 (many).
COUNTS = (1, 2, 5, 11, 12, 21, 22, 25, 111)


def _catalog(folder: Path) -> gettext.GNUTranslations:
    with (folder / "ru" / "LC_MESSAGES" / "django.mo").open("rb") as mo:
        return gettext.GNUTranslations(mo)


def test_every_part_has_the_plural_forms_of_the_main_locale() -> None:
    assert [MAIN, *PARTS] == settings.LOCALE_PATHS
    main = _catalog(MAIN).info()["plural-forms"]
    assert main.startswith("nplurals=4;")
    differ = [p.name for p in PARTS if _catalog(p).info().get("plural-forms") != main]
    assert differ == []


def test_a_plural_of_each_part_renders_in_russian_by_the_main_rule() -> None:
    """Every plural entry of the main locale and of each part (the first to have it: that one
    is read), rendered by Django for counts of each form, is the form the main rule picks:
    «1 сегмент», «2 сегмента», «5 сегментов», «21 сегмент»."""
    rule = _catalog(MAIN).plural
    seen: set[str] = set()
    checked = {}
    for folder in (MAIN, *PARTS):
        entries = _catalog(folder)._catalog  # type: ignore[attr-defined]
        plurals = sorted({k[0] for k in entries if isinstance(k, tuple)} - seen)
        seen |= set(plurals)
        checked[folder.name] = len(plurals)
        for msgid in plurals:
            context, _, singular = msgid.rpartition("\x04")
            with translation.override("ru"):
                for n in COUNTS:
                    got = (
                        translation.npgettext(context, singular, singular, n)
                        if context
                        else translation.ngettext(singular, singular, n)
                    )
                    assert got == entries[(msgid, rule(n))], (folder.name, msgid, n)
    assert checked["locale"] >= 10
    assert {name for name, n in checked.items() if n} >= {"locale", "staging", "surveyscales"}


@pytest.mark.parametrize(
    ("n", "said"),
    [
        (1, "Ещё 1 ответ с редким вариантом (его дали слишком мало респондентов, он не "),
        (2, "Ещё 2 ответа с редкими вариантами (их дали слишком мало респондентов, они не "),
        (5, "Ещё 5 ответов с редкими вариантами"),
        (21, "Ещё 21 ответ с редким вариантом"),
    ],
)
def test_rare_survey_answers_are_counted_in_agreeing_words(n: int, said: str) -> None:
    """The survey's points page (a part of four forms) under the rare answers of a question."""
    page = Template(
        "{% load i18n %}{% blocktranslate count counter=n %}{{ counter }} more answer has a rarer "
        "wording, which is not shown: once the others have points, it is left out; to count it, "
        "correct it in the survey's file and upload it again.{% plural %}{{ counter }} more "
        "answers have rarer wordings, which are not shown: once the others have points, they are "
        "left out; to count them, correct them in the survey's file and upload it again."
        "{% endblocktranslate %}"
    )
    with translation.override("ru"):
        text = page.render(Context({"n": n}))
    assert text.startswith(said)
    assert ("он не будет учтён" in text) == (n % 10 == 1 and n % 100 != 11)


@pytest.mark.parametrize(("n", "form"), [(1, 0), (2, 1), (5, 2), (11, 2), (21, 0), (104, 1)])
def test_the_main_rule_picks_the_russian_form(n: int, form: int) -> None:
    assert _catalog(MAIN).plural(n) == form
