"""Numbers the Russian way, for every text the program writes: 12 345,6; 34 %; q < 0,001.

One place for the number format: the analysis writes its reasons with these, the reports and
the web show figures with the same ones (``segprofile.report.format`` re-exports them).
"""

from __future__ import annotations

import math
import re
from datetime import UTC, date, datetime
from decimal import Decimal

NBSP = "\u00a0"
NNBSP = "\u202f"

#: A number as people write it in Russian: digits grouped by thousands with a space, a no-break
#: or a narrow no-break space (as Excel copies them) or not grouped, a decimal comma or point.
NUMBER_ANY = re.compile(r"^[+-]?(?:\d{1,3}(?:[ \u00a0\u202f]\d{3})+|\d+)(?:[.,]\d+)?$")


def number(value: float | int | None, digits: int = 0) -> str:
    """``12345.6`` → ``12 345,6`` (a no-break space between thousands, a decimal comma)."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "—"
    text = f"{value:,.{digits}f}"
    return text.replace(",", NBSP).replace(".", ",")


def thresholds_shown(edges: list[float], *, integer: bool) -> tuple[list[float], int]:
    """The thresholds of a numeric split as labels write them, and their decimals: the one rule
    for every label of an interval (segments table, quotas, guides, reports).

    A column of whole values (``integer``: roubles, years) is cut at whole numbers: a quantile
    of 28 522,75 is written 28 523, which splits whole values exactly as 28 522,75 does (a whole
    value below one is below the other). Other columns keep the fewest decimals (at most 3) that
    write every threshold as it is: «от 7 551,58 до 13 413,70», not «7551,58» beside «13413,7».
    """
    if integer:
        return [float(math.ceil(e - 1e-9)) for e in edges], 0
    for digits in range(3):
        if all(math.isclose(round(e, digits), e, rel_tol=1e-12, abs_tol=1e-12) for e in edges):
            return list(edges), digits
    return list(edges), 3


def thresholds_text(edges: list[float], *, integer: bool) -> str:
    """Thresholds as a heading lists them: «28 523; 39 981; 56 193» (:func:`thresholds_shown`)."""
    shown, digits = thresholds_shown(edges, integer=integer)
    return "; ".join(number(e, digits) for e in shown)


def cell(value: object, *, is_date: bool = False) -> str:
    """A value of a data table as a preview or an export writes it: a fraction with a decimal
    comma («17,3», not «17.3»; «17» for ``17.0``), a whole number as stored (a year or a code is
    not grouped: «2025»), yes / no in words, a date as people write it («27.12.2025», «27.12.2025
    18:15»; also a date the preview carries as ISO text, ``is_date``), nothing as an empty
    cell."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    if is_date and isinstance(value, str):
        text = value
        try:
            value = date.fromisoformat(text) if len(text) == 10 else datetime.fromisoformat(text)
        except ValueError:
            return text
    if isinstance(value, datetime):
        return value.strftime("%d.%m.%Y %H:%M")
    if isinstance(value, date):
        return value.strftime("%d.%m.%Y")
    if isinstance(value, bool):
        return "да" if value else "нет"
    if isinstance(value, float):
        if value.is_integer() and abs(value) < 1e15:
            return str(int(value))
        return repr(value).replace(".", ",")
    if isinstance(value, Decimal):
        return format(value, "f").replace(".", ",")
    return str(value)


def parse_number(text: str) -> float | None:
    """A number typed by a person: «15 000», «15\u00a0000», «0,5», «−3», «2.5» → a float;
    ``None`` for anything else («abc», «1 5», «1,2,3»)."""
    text = text.strip().replace("\u2212", "-")
    if not NUMBER_ANY.match(text):
        return None
    return float(re.sub(r"[ \u00a0\u202f]", "", text).replace(",", "."))


def shorten(text: str, limit: int = 80) -> str:
    """A title or a statement as it is named inside a sentence: one line, at most ``limit``
    characters, cut with «…» after a whole word (hypotheses are long; «гипотеза «Заявители не
    знают…»»); a word longer than a third of the limit is cut inside."""
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    space = cut.rfind(" ")
    if space >= (limit * 2) // 3:
        cut = cut[:space]
    return cut.rstrip(" ,;:—-") + "…"


def size_text(n: int) -> str:
    """A size in bytes as people read it: «512 байт», «3,4 КБ», «1 МБ», «2,5 ГБ»."""
    for unit, shift in (("ГБ", 30), ("МБ", 20), ("КБ", 10)):
        if n >= 1 << shift:
            figure = f"{n / (1 << shift):.1f}".removesuffix(".0").replace(".", ",")
            return f"{figure} {unit}"
    return f"{number(n)} байт"


def plural(n: int, one: str, few: str, many: str) -> str:
    """Russian plural with the count: ``plural(3, "день", "дня", "дней")`` → «3 дня»
    (thousands spaced as :func:`number` spaces them)."""
    n_abs = abs(n)
    if n_abs % 10 == 1 and n_abs % 100 != 11:
        word = one
    elif 2 <= n_abs % 10 <= 4 and not 12 <= n_abs % 100 <= 14:
        word = few
    else:
        word = many
    return f"{number(n)} {word}"


def fewer(n: int, one: str, many: str) -> str:
    """A count after «меньше», in the genitive: ``fewer(21, "клиента", "клиентов")`` →
    «меньше 21 клиента», ``fewer(5, …)`` → «меньше 5 клиентов» (and «меньше 2 клиентов»)."""
    return "меньше " + plural(n, one, many, many)


def percent(share: float | None, digits: int = 0) -> str:
    """``0.341`` → ``34 %``."""
    if share is None or math.isnan(share):
        return "—"
    return f"{number(share * 100, digits)}{NBSP}%"


def share_percent(share: float | None, digits: int = 0) -> str:
    """A share of clients in percents; a small share that is not zero never reads «0 %».

    ``0.0004`` → ``менее 1 %``; ``0.341`` → ``34 %``; with ``digits=1``: ``0.0004`` →
    ``менее 0,1 %`` (10 clients of 120 000), ``0.341`` → ``34,1 %``.
    """
    least = 10.0**-digits
    if share is not None and 0 < share * 100 < least / 2:
        return f"менее {number(least, digits)}{NBSP}%"
    return percent(share, digits)


def percents(a: float, b: float) -> tuple[str, str]:
    """Two shares written so that different values never read the same («80 %» and «80 %»).

    Whole percents when they differ; else one or two decimals, as few as tell them apart.
    """
    for digits in (0, 1, 2):
        left, right = percent(a, digits), percent(b, digits)
        if left != right or a == b:
            return left, right
    return left, right


def interval_percent(low: float | None, high: float | None) -> str:
    """A confidence interval of a share: ``49–59 %``; with decimals where whole percents would
    write its ends alike («64,6–65,4 %», never «65–65 %»)."""
    if low is None or high is None:
        return "—"
    left, right = percents(low, high)
    return f"{left.removesuffix(NBSP + '%')}–{right}"


def points(share: float, digits: int = 0) -> str:
    """A difference of shares in percentage points: ``0.1`` → ``10 п. п.``"""
    return f"{number(share * 100, digits)}{NBSP}п.{NBSP}п."


def p_value(value: float, name: str = "p") -> str:
    """``p = 0,042`` or ``p < 0,001`` (``name`` may be «q» for an adjusted p-value)."""
    if value < 0.001:
        return f"{name} < 0,001"
    return f"{name} = {number(value, 3)}"


def zone_label(name: str, moment: datetime | None = None) -> str:
    """How a time zone is named beside a time: «МСК» for Moscow, else its offset from UTC at
    ``moment`` (now when ``None``): «UTC+7», «UTC+5:30», «UTC»."""
    if name == "Europe/Moscow":
        return "МСК"
    from zoneinfo import ZoneInfo

    offset = (moment or datetime.now(UTC)).astimezone(ZoneInfo(name)).utcoffset()
    if not offset:
        return "UTC"
    hours, rest = divmod(int(offset.total_seconds()) // 60, 60)
    return f"UTC{hours:+d}" + (f":{rest:02d}" if rest else "")


# A cell a spreadsheet could take for a formula (OWASP, "CSV injection"): ``= + - @``, a tab or
# a carriage return first. Numbers are written as numbers, not as text, so they keep their sign.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def neutralise(text: str) -> str:
    """Text that cannot start a formula: a leading ``'`` before ``= + - @``, tab or CR."""
    return "'" + text if text.startswith(_FORMULA_START) else text


def restore(text: str) -> str:
    """The value :func:`neutralise` was given: a pseudonym starting with ``-`` reads back whole."""
    return text[1:] if text.startswith("'") and text[1:].startswith(_FORMULA_START) else text


#: What a file name may not hold on Windows (and «/» anywhere), nor any control character.
_NOT_IN_FILE_NAMES = re.compile(r'[<>:"/\\|?*\x00-\x1f\x7f]')
#: The longest study title a file name keeps (Windows paths of 260 characters, with the folder).
FILE_TITLE_LIMIT = 100
#: The end of the name of a report in the body's own template (``report_file_name``'s ``note``).
TEMPLATE_NOTE = "по шаблону органа"


def report_file_name(
    title: str, extension: str, *, revision: int | None = None, note: str = ""
) -> str:
    """The one name of a study's report and profile files, on the pages and in the CLI's folder:
    «Профиль — Назначение ежемесячной выплаты — ред. 21.docx» (``revision`` on the pages, whose
    profiles are of a revision; ``note`` for a variant: «по шаблону органа»). Safe on every
    system: no character Windows forbids, the title cut after a whole word at
    :data:`FILE_TITLE_LIMIT` characters, no leading dot."""
    limit = FILE_TITLE_LIMIT
    clean = shorten(" ".join(_NOT_IN_FILE_NAMES.sub(" ", title).split()).strip(" ."), limit)
    if clean.count("«") > clean.count("»"):  # a quotation cut short is closed: «…рождением и…»
        clean = shorten(clean, limit - 1) + "»"
    # A title «Профиль клиентских сегментов…» is not prefixed with «Профиль» again.
    parts = [clean] if clean.lower().startswith("профиль") else ["Профиль", clean or "исследование"]
    if revision is not None:
        parts.append(f"ред. {revision}")
    if note:
        parts.append(note)
    return " — ".join(parts) + "." + extension
