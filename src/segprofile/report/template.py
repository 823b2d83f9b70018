"""A body's own DOCX template (M-13): Russian placeholders filled from the report model, the
sample template that reproduces the standard report, and errors that name the placeholder and
the paragraph where it stands.

The placeholders are Jinja expressions (docxtpl): ``{{ название }}``, ``{% for раздел in
разделы %}…{% endfor %}``, ``{%tr for строка in таблица.строки %}`` for table rows and ``{%tc
… %}`` for columns. ``PLACEHOLDERS`` is the documented list (``docs/report-template.md``).
"""

from __future__ import annotations

import io
import logging
import re
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from importlib import resources
from typing import Any

from docx.opc.exceptions import PackageNotFoundError
from lxml import etree  # type: ignore[import-untyped]

from segprofile.errors import InputError
from segprofile.model.study import Requisites
from segprofile.report.build import (
    Column,
    Heading,
    Paragraph,
    Report,
    Section,
    Table,
    TitlePage,
    format_cell,
)
from segprofile.report.docx import contents, section_heading

log = logging.getLogger(__name__)

FORMAT = "docx"  # the tables a DOCX shows (the wide XLSX-only table is left out)
SAMPLE = "report-template.docx"  # the sample template, in ``report/templates``
GUIDE = "docs/report-template.md"

# The sections of the report by their Russian names, in the report's order (``build.py``): a
# template names a section as ``р.сегменты``; a section the study has not got is empty there.
SECTION_NAMES: dict[str, str] = {
    "scope": "область",
    "roles": "роли",
    "features": "признаки",
    "clusters": "кластеры",
    "segments": "сегменты",
    "summary": "сводка",
    "survey": "опрос",
    "audience": "аудитория",
    "priority": "приоритет",
    "hypotheses": "гипотезы",
    "research": "исследование",
    "recommendations": "рекомендации",
    "journeys": "пути",
    "warnings": "предупреждения",
    "check": "проверка",
    "provenance": "происхождение",
}
_STYLES = {"": "", "item": "пункт", "note": "примечание", "warn": "предупреждение"}


@dataclass(frozen=True)
class Placeholder:
    """One documented placeholder: what it gives and an example of its text."""

    name: str  # ``название``, ``утверждает.должность``, ``раздел.номер``
    meaning: str
    example: str


# A placeholder starting with a loop variable is used inside its loop: ``раздел`` inside
# ``{% for раздел in разделы %}``, ``строка`` inside ``{%tr for строка in таблица.строки %}``…
LOOPS: dict[str, str] = {
    "сведение": "сведения",
    "пункт": "содержание",
    "раздел": "разделы",
    "блок": "раздел.блоки",
    "таблица": "раздел.таблицы",
    "столбец": "таблица.столбцы",
    "строка": "таблица.строки",
    "ячейка": "строка",
}

PLACEHOLDERS: tuple[Placeholder, ...] = (
    Placeholder(
        "название",
        "заголовок документа (реквизит или название исследования)",
        "Профиль получателей пособия",
    ),
    Placeholder("вид_документа", "вид документа", "Профиль клиентского сегмента"),
    Placeholder(
        "организация",
        "организация (если не указана — орган власти)",
        "Министерство социальной защиты",
    ),
    Placeholder(
        "подразделение",
        "структурное подразделение (пусто, если не указано)",
        "Отдел клиентоцентричности",
    ),
    Placeholder("номер", "регистрационный номер документа", "15-П"),
    Placeholder("дата", "дата документа", "01.12.2026"),
    Placeholder("номер_и_дата", "дата и номер одной строкой", "01.12.2026 № 15-П"),
    Placeholder("место", "место составления (пусто, если не указано)", "Москва"),
    Placeholder("год", "год документа", "2026"),
    Placeholder("место_и_год", "место и год — нижняя строка титульного листа", "Москва 2026"),
    Placeholder("утверждает.должность", "должность утверждающего", "Заместитель министра"),
    Placeholder("утверждает.фио", "инициалы и фамилия утверждающего", "И. И. Иванов"),
    Placeholder("утверждает.дата", "строка даты утверждения", "«___» ____________ 2026 г."),
    Placeholder(
        "утверждает.строки",
        "гриф «УТВЕРЖДАЮ» целиком, по строкам",
        "УТВЕРЖДАЮ, должность, подпись, дата",
    ),
    Placeholder(
        "исполнитель.фио",
        "исполнитель: фамилия и инициалы (пусто, если не указан)",
        "Петрова А. С.",
    ),
    Placeholder("исполнитель.должность", "должность исполнителя", "Главный специалист"),
    Placeholder(
        "исполнитель.контакты", "телефон, электронная почта исполнителя", "+7 495 000-00-00"
    ),
    Placeholder(
        "исполнитель.строки",
        "отметка об исполнителе по строкам (пусто, если не указан)",
        "Исполнитель:, Петрова А. С., …",
    ),
    Placeholder(
        "сведения", "сведения под заголовком: объект, орган, клиенты, дата построения", "список"
    ),
    Placeholder("сведение.название", "название сведения", "Объект"),
    Placeholder("сведение.значение", "значение сведения", "Услуга: Назначение пособия"),
    Placeholder(
        "правило_защиты",
        "как скрыты малые группы (защита персональных данных)",
        "Защита персональных данных: сегменты меньше 5 клиентов скрыты…",
    ),
    Placeholder("содержание", "строки содержания: разделы и их подзаголовки", "список"),
    Placeholder("пункт.уровень", "уровень строки содержания: 1 — раздел, 2 — подзаголовок", "1"),
    Placeholder(
        "пункт.текст", "текст строки содержания", "5. Сегменты по отдельным признакам (M-5, M-6)"
    ),
    Placeholder("разделы", "разделы отчёта по порядку методики", "список"),
    Placeholder(
        "р.сегменты",
        "раздел по имени (имена — в таблице разделов ниже)",
        "раздел «Сегменты по отдельным признакам»",
    ),
    Placeholder("раздел.номер", "номер раздела в отчёте", "5"),
    Placeholder("раздел.имя", "имя раздела для р.имя", "сегменты"),
    Placeholder("раздел.заголовок", "заголовок раздела", "Сегменты по отдельным признакам"),
    Placeholder("раздел.коды_методики", "пункты методики раздела", "M-5, M-6"),
    Placeholder(
        "раздел.полный_заголовок",
        "номер, заголовок и пункты методики",
        "5. Сегменты по отдельным признакам (M-5, M-6)",
    ),
    Placeholder("раздел.есть", "есть ли раздел в этом отчёте (для р.имя)", "True"),
    Placeholder(
        "раздел.блоки", "содержимое раздела по порядку: подзаголовки, абзацы, таблицы", "список"
    ),
    Placeholder("раздел.абзацы", "только абзацы раздела, по порядку", "список"),
    Placeholder("раздел.таблицы", "только таблицы раздела, по порядку", "список"),
    Placeholder("блок.вид", "«подзаголовок», «абзац» или «таблица»", "абзац"),
    Placeholder(
        "блок.текст",
        "текст подзаголовка или абзаца, название таблицы",
        "Ёмкость — число клиентов в сегменте…",
    ),
    Placeholder(
        "блок.оформление",
        "оформление абзаца: пусто, «пункт», «примечание» или «предупреждение»",
        "примечание",
    ),
    Placeholder("блок.таблица", "таблица блока вида «таблица» (у других блоков пусто)", "таблица"),
    Placeholder("таблица.название", "название таблицы", "Канал подачи"),
    Placeholder("таблица.столбцы", "заголовки столбцов", "Сегмент, Ёмкость, Доля…"),
    Placeholder("таблица.строки", "строки таблицы: каждая — список ячеек", "список"),
    Placeholder(
        "столбец", "заголовок столбца (внутри {%tc for столбец in таблица.столбцы %})", "Ёмкость"
    ),
    Placeholder("строка", "строка таблицы: список ячеек; строка[0] — первая ячейка", "список"),
    Placeholder("ячейка", "текст ячейки: числа по-русски, «скрыто» для скрытых", "12 345"),
)


# --- The context ---------------------------------------------------------------------------------


def _table(table: Table) -> dict[str, Any]:
    columns = [c.title for c in table.columns]
    rows = [
        [format_cell(v, c.kind) for c, v in zip(table.columns, row, strict=True)]
        for row in table.rows
    ]
    return {
        # English keys of the first templates (``{{ s.summary.tables[0].rows[0][1] }}``)
        "name": table.name,
        "caption": table.caption,
        "columns": columns,
        "rows": rows,
        "название": table.caption,
        "столбцы": columns,
        "строки": rows,
    }


def _section(number: int, sec: Section) -> dict[str, Any]:
    blocks: list[dict[str, Any]] = []
    tables: list[dict[str, Any]] = []
    for block in sec.blocks:
        if isinstance(block, Heading):
            blocks.append({"вид": "подзаголовок", "текст": block.text, "оформление": ""})
        elif isinstance(block, Paragraph):
            style = _STYLES.get(block.style, "")
            blocks.append({"вид": "абзац", "текст": block.text, "оформление": style})
        elif isinstance(block, Table) and FORMAT in block.formats:
            table = _table(block)
            tables.append(table)
            blocks.append(
                {"вид": "таблица", "текст": block.caption, "оформление": "", "таблица": table}
            )
    for block_ in blocks:
        block_.setdefault("таблица", None)
    paragraphs = [b["текст"] for b in blocks if b["вид"] == "абзац"]
    codes = ", ".join(sec.mcodes)
    return {
        "number": number,
        "id": sec.id,
        "title": sec.title,
        "mcodes": codes,
        "paragraphs": paragraphs,
        "tables": tables,
        "номер": number,
        "имя": SECTION_NAMES.get(sec.id, sec.id),
        "заголовок": sec.title,
        "коды_методики": codes,
        "полный_заголовок": section_heading(number, sec),
        "есть": True,
        "блоки": blocks,
        "абзацы": paragraphs,
        "таблицы": tables,
    }


def _absent(name: str) -> dict[str, Any]:
    """A named section the report has not got: empty, so a body's template fits every study."""
    return {
        **_section(0, Section(name, "")),
        "номер": "",
        "имя": name,
        "полный_заголовок": "",
        "есть": False,
    }


def _signatory(name: str, position: str, contacts: str, lines: list[str]) -> dict[str, Any]:
    return {"фио": name, "должность": position, "контакты": contacts, "строки": lines}


def template_context(report: Report) -> dict[str, Any]:
    """What a body's own DOCX template can use (``PLACEHOLDERS``): every value is already
    formatted text (Russian numbers, «скрыто» for hidden cells); the English keys of the first
    templates (``{{ title }}``, ``{{ s.summary.tables[0] }}``) are kept."""
    sections = [_section(number, sec) for number, sec in enumerate(report.sections, start=1)]
    page = report.title_page or TitlePage(
        organisation=[""],
        approval=["УТВЕРЖДАЮ", "", "", ""],
        kind=report.kicker.upper(),
        title=report.title,
        date_number="",
        place="",
        executor=[],
    )
    req: Requisites = page.requisites
    named = {SECTION_NAMES.get(s["id"], s["id"]): s for s in sections}
    return {
        "title": report.title,
        "kicker": report.kicker,
        "meta": [{"label": k, "value": v} for k, v in report.meta],
        "suppression_rule": report.suppression_rule,
        "banner": report.banner,
        "sections": sections,
        "s": {sec["id"]: sec for sec in sections},
        "название": page.title,
        "вид_документа": report.kicker,
        "организация": page.organisation[0],
        "подразделение": req.unit,
        "номер": page.number,
        "дата": page.date,
        "номер_и_дата": page.date_number,
        "место": req.place,
        "год": page.year,
        "место_и_год": page.place,
        "утверждает": {
            **_signatory(page.approver_name, page.approver_position, "", page.approval),
            "дата": page.approval[-1],
        },
        "исполнитель": _signatory(
            req.executor.name, req.executor.position, req.executor.contacts, page.executor
        ),
        "сведения": [{"название": k, "значение": v} for k, v in report.meta],
        "правило_защиты": report.suppression_rule,
        "содержание": [{"уровень": lvl, "текст": text} for lvl, text in contents(report)],
        "разделы": sections,
        "р": {name: named.get(name) or _absent(name) for name in SECTION_NAMES.values()},
    }


# --- Where a placeholder stands --------------------------------------------------------------


@dataclass(frozen=True)
class _Place:
    where: str  # «абзац 12», «таблица 2, строка 3, столбец 1», «верхний колонтитул»
    text: str

    def say(self) -> str:
        text = self.text if len(self.text) <= 120 else self.text[:117] + "…"
        return f"{self.where}: «{text}»"


def _text(p: Any) -> str:
    return "".join(p.xpath(".//w:t/text()"))


def _places(doc: Any) -> Iterator[_Place]:
    """Every paragraph with text, in the order of the document: the body's paragraphs by their
    number, table cells by table, row and column, then headers and footers."""
    from docx.oxml.ns import qn

    body = doc.element.body
    tables = body.xpath(".//w:tbl[not(ancestor::w:tbl)]")
    number = 0
    for p in body.iter(qn("w:p")):
        outer = p.xpath("ancestor::w:tbl")
        if not outer:
            number += 1
            where = f"абзац {number}"
        else:
            tbl = outer[0]
            tr = next(a for a in p.iterancestors(qn("w:tr")) if a.getparent() is tbl)
            tc = next(a for a in p.iterancestors(qn("w:tc")) if a.getparent() is tr)
            row = tbl.xpath("./w:tr").index(tr) + 1
            column = tr.xpath("./w:tc").index(tc) + 1
            where = f"таблица {tables.index(tbl) + 1}, строка {row}, столбец {column}"
        text = _text(p)
        if text:
            yield _Place(where, text)
    seen: set[int] = set()
    for section in doc.sections:
        for kind, parts in (
            (
                "верхний колонтитул",
                (section.header, section.first_page_header, section.even_page_header),
            ),
            (
                "нижний колонтитул",
                (section.footer, section.first_page_footer, section.even_page_footer),
            ),
        ):
            for part in parts:
                if part.is_linked_to_previous or id(part.part) in seen:
                    continue
                seen.add(id(part.part))
                for p in part._element.iter(qn("w:p")):
                    if text := _text(p):
                        yield _Place(kind, text)


# --- Checking the tags -------------------------------------------------------------------------

_TAG = re.compile(r"\{\{.*?\}\}|\{%.*?%\}|\{#.*?#\}", re.S)
_DOCXTPL = re.compile(r"^\{([{%#])(?:p|tr|tc|r)(?=\s)")  # {%p, {%tr, {%tc, {{r: docxtpl's
_BLOCKS = {"for", "if", "with", "filter", "macro", "call", "autoescape", "block"}
_MIDDLE = {"elif": {"if"}, "else": {"if", "for"}}
_DOCXTPL_TAGS = {"colspan", "cellbg", "vm", "hm"}  # docxtpl's own, gone before Jinja
_HINT = (
    "сверьте имена и скобки со списком подстановок (руководство «Шаблон отчёта органа», "
    f"{GUIDE}; тот же список — на странице шаблона в браузере) и исправьте шаблон."
)


def _error(what: str, tag: str, place: _Place | None, why: str = "") -> InputError:
    where = f" ({place.say()})" if place else ""
    return InputError(f"В шаблоне {what} «{tag}»{where}{': ' + why if why else ''}.", hint=_HINT)


def _plain(tag: str) -> str:
    """A tag as Jinja reads it: docxtpl's ``{%p``/``{%tr``/``{%tc``/``{{r`` and the
    whitespace marks ``{%-``/``-%}`` made plain."""
    tag = _DOCXTPL.sub(r"{\1", tag)
    return tag.replace("{%-", "{%").replace("-%}", "%}").replace("{{-", "{{").replace("-}}", "}}")


def _explain(exc: Exception) -> str:
    """Jinja's reason, said in Russian."""
    text = str(exc)
    if m := re.search(r"expected token '[^']*', got '([^']*)'", text):
        if m[1] == "=":
            return "лишнее «=» (сравнение пишется двумя знаками: ==)"
        if m[1].isidentifier():
            return f"лишнее «{m[1]}» (между частями имени ставится точка, а не пробел)"
        return f"лишнее «{m[1]}»"
    if "expected name or number" in text:
        return "после точки нужно имя поля"
    if m := re.search(r"unexpected char (.+?) at", text):
        sign = m[1].strip('"')
        return f"недопустимый знак «{sign}»" + (" (кавычка не закрыта)" if sign in "'\"" else "")
    if m := re.search(r"No filter named '([^']*)'", text):
        return f"нет фильтра «{m[1]}»"
    if m := re.search(r"No test named '([^']*)'", text):
        return f"нет проверки «{m[1]}»"
    if "unexpected end of template" in text.lower():
        return "выражение не закончено"
    return "выражение записано с ошибкой"


def _end(tag: str, keyword: str) -> str:
    """The tag that closes ``tag``, in its own kind: ``{%p endfor %}`` for ``{%p for … %}``."""
    kind = re.match(r"\{%-?(p|tr|tc|r)?", tag)
    return f"{{%{kind[1] or '' if kind else ''} end{keyword} %}}"


def _check_tags(places: list[_Place]) -> None:
    """Each paragraph's tags closed and well formed, blocks opened and closed in order: the
    error names the tag and its paragraph (Jinja itself could only name a line of the XML)."""
    from jinja2 import Environment, TemplateSyntaxError

    env = Environment(autoescape=True)
    stack: list[tuple[str, str, _Place]] = []
    for place in places:
        rest = _TAG.sub("", place.text)
        for opening, closing in (("{{", "}}"), ("{%", "%}"), ("{#", "#}")):
            if opening in rest:
                start = place.text.index(opening)
                raise _error(
                    "не закрыта подстановка",
                    place.text[start : start + 40].strip(),
                    place,
                    f"нет «{closing}»",
                )
        for m in _TAG.finditer(place.text):
            tag, plain = m[0], _plain(m[0])
            if plain.startswith("{#"):
                continue
            if plain.startswith("{{"):
                try:
                    env.from_string(plain)
                except TemplateSyntaxError as exc:
                    raise _error("ошибка в подстановке", tag, place, _explain(exc)) from None
                continue
            words = plain[2:-2].split()
            keyword = words[0] if words else ""
            if keyword.startswith("end") and keyword[3:] in _BLOCKS | {"set"}:
                opened = keyword[3:]
                if not stack:
                    raise _error(
                        "лишняя команда", tag, place, f"перед ней нет «{{% {opened} … %}}»"
                    )
                top, top_tag, top_place = stack.pop()
                if top != opened:
                    raise _error(
                        "не закрыта команда",
                        top_tag,
                        top_place,
                        f"раньше её закрытия стоит «{tag}» ({place.say()}); "
                        f"закройте её командой «{_end(top_tag, top)}»",
                    )
                continue
            if keyword in _MIDDLE:
                if not stack or stack[-1][0] not in _MIDDLE[keyword]:
                    raise _error("лишняя команда", tag, place, "перед ней нет «{% if … %}»")
                source = "{% if x %}" + plain + "{% endif %}"
                if stack[-1][0] == "for":
                    source = "{% for x in y %}" + plain + "{% endfor %}"
            elif keyword in _BLOCKS or (keyword == "set" and "=" not in plain):
                stack.append((keyword, tag, place))
                source = plain + f"{{% end{keyword} %}}"
            elif keyword == "set":
                source = plain
            elif keyword in _DOCXTPL_TAGS:
                continue
            else:
                raise _error(
                    "неизвестная команда",
                    tag,
                    place,
                    "команды шаблона — for, if, elif, else, set и закрывающие endfor, endif",
                )
            try:
                env.from_string(source)
            except TemplateSyntaxError as exc:
                raise _error("ошибка в команде", tag, place, _explain(exc)) from None
    if stack:
        keyword, tag, place = stack[-1]
        raise _error("не закрыта команда", tag, place, f"нет «{_end(tag, keyword)}»")


def _unknown(exc: Exception, places: list[_Place]) -> InputError:
    """An unknown placeholder, named with the first tag where it stands."""
    text = str(exc)
    if m := re.match(r"'([^']+)' is undefined", text):
        pattern = re.compile(rf"(?<![\w.]){re.escape(m[1])}(?!\w)")
    elif m := re.search(r"has no attribute '([^']+)'", text):
        pattern = re.compile(rf"\.\s*{re.escape(m[1])}(?!\w)|\[\s*['\"]{re.escape(m[1])}['\"]\s*\]")
    elif m := re.search(r"has no element (\S+)", text):
        pattern = re.compile(rf"\[\s*{re.escape(m[1])}\s*\]")
    else:
        return InputError("В шаблоне неизвестная подстановка.", hint=_HINT)
    why = ""
    if "element" in text:
        why = "такого элемента списка нет"
    elif text.startswith("'None'"):  # ``блок.таблица.…`` of a block that is not a table
        why = (
            "у части значений этого поля нет: таблица есть только у блока вида «таблица» — "
            'поставьте подстановку внутрь {% if блок.вид == "таблица" %}'
        )
    for place in places:
        for tag in _TAG.finditer(place.text):
            if pattern.search(tag[0]):
                return _error("неизвестная подстановка", tag[0], place, why)
    return _error("неизвестная подстановка", m[1], None, why)


# --- Filling ---------------------------------------------------------------------------------


_BROKEN = (PackageNotFoundError, zipfile.BadZipFile, ValueError, KeyError, etree.LxmlError)
_UNCOMPUTABLE = (TypeError, IndexError, AttributeError, ArithmeticError)


def _open(template: bytes) -> Any:
    from docxtpl import DocxTemplate  # type: ignore[import-untyped]

    doc = DocxTemplate(io.BytesIO(template))
    try:
        doc.init_docx()
    except _BROKEN:  # not a ZIP, not a Word package, a broken part: all the same to the user
        raise InputError(
            "Файл шаблона — не документ Word (.docx).",
            hint="откройте шаблон в Word или LibreOffice и сохраните его как «Документ Word "
            "(.docx)».",
        ) from None
    return doc


def render_docx_template(report: Report, template: bytes) -> bytes:
    """Fill a body's own ``.docx`` template with the report (``PLACEHOLDERS``).

    Raises
    ------
    InputError
        The file is not a DOCX, or a placeholder is unknown or badly written: the message names
        the placeholder and the paragraph where it stands.
    """
    from jinja2 import Environment, StrictUndefined, TemplateError, UndefinedError

    doc = _open(template)
    places = list(_places(doc.docx))
    _check_tags(places)
    env = Environment(undefined=StrictUndefined, autoescape=True)
    try:
        doc.render(template_context(report), jinja_env=env)
        buffer = io.BytesIO()
        doc.save(buffer)
    except UndefinedError as exc:
        raise _unknown(exc, places) from None
    except TemplateError as exc:
        raise InputError(f"Шаблон не удалось заполнить: {_explain(exc)}.", hint=_HINT) from None
    except _UNCOMPUTABLE as exc:
        log.warning("report template failed: %s", type(exc).__name__)
        raise InputError(
            "Шаблон не удалось заполнить: одно из выражений в подстановках нельзя вычислить "
            "(например, к списку прибавлено число).",
            hint="проверьте подстановки со знаками + - * / и фильтрами; " + _HINT,
        ) from None
    except _BROKEN as exc:  # a user's file: never a traceback
        log.warning("report template failed: %s", type(exc).__name__)
        raise InputError(
            "Шаблон не удалось заполнить: после заполнения документ Word получается "
            "испорченным (например, команда {% if %} начинается в одной ячейке таблицы, а "
            "кончается в другой).",
            hint="ставьте начало и конец команды в одном абзаце, в одной ячейке или в "
            "отдельных абзацах {%p …%} и строках {%tr …%}, как в образце шаблона.",
        ) from None
    return buffer.getvalue()


def shape_report() -> Report:
    """A small report of every kind of block and every named section: a template is checked
    with it when there is no profile yet."""
    cols = [Column("Сегмент"), Column("Ёмкость", "int")]
    sections = [
        Section(sid, name.capitalize(), ("M-1",)).add(
            Heading("Подзаголовок"),
            Paragraph("Абзац."),
            Paragraph("Примечание.", "note"),
            Table("t", "Таблица", cols, [["Все клиенты", 12345]]),
        )
        for sid, name in SECTION_NAMES.items()
    ]
    return Report(
        title="Образец",
        kicker="Профиль клиентского сегмента",
        meta=[("Объект", "Услуга: образец")],
        sections=sections,
        suppression_rule="Защита персональных данных: малые группы скрыты.",
        suppressed=frozenset(),
        title_page=TitlePage(
            organisation=["Организация", "Подразделение"],
            approval=["УТВЕРЖДАЮ", "Должность", "____ И. И. Иванов", "«___» ____ 2026 г."],
            kind="ПРОФИЛЬ КЛИЕНТСКОГО СЕГМЕНТА",
            title="Образец",
            date_number="01.12.2026 № 1",
            place="Москва 2026",
            executor=["Исполнитель:", "А. С. Петрова"],
            number="1",
            date="01.12.2026",
            year="2026",
            approver_position="Должность",
            approver_name="И. И. Иванов",
        ),
    )


def check_template(template: bytes, report: Report | None = None) -> None:
    """Fill ``template`` once and throw the result away: with ``report`` (the current profile's)
    when there is one, else with a small report of every kind of block.

    Raises
    ------
    InputError
        As :func:`render_docx_template`.
    """
    render_docx_template(report or shape_report(), template)


def sample_template() -> bytes:
    """The sample template shipped with the package: filled, it is the standard report's content
    (made by ``scripts/make_report_template.py``)."""
    return (resources.files("segprofile.report") / "templates" / SAMPLE).read_bytes()


def placeholders_text() -> str:
    """The placeholder list as plain text (Markdown), for a download beside the sample."""
    lines = [
        "# Подстановки шаблона отчёта",
        "",
        "Подстановка пишется в двойных фигурных скобках: {{ название }}. Подстановка,",
        "начинающаяся с имени из цикла, ставится внутри цикла: раздел — внутри",
        "{% for раздел in разделы %} … {% endfor %}.",
        "",
        "| Подстановка | Что это | Пример |",
        "|---|---|---|",
    ]
    for p in PLACEHOLDERS:
        lines.append(f"| {{{{ {p.name} }}}} | {p.meaning} | {p.example} |")
    lines += ["", "Разделы по имени (р.имя):", ""]
    lines += [f"- р.{name}" for name in SECTION_NAMES.values()]
    return "\n".join(lines) + "\n"
