"""Eligibility rules (M-2): a small expression language over columns, compiled to Ibis.

Written by analysts, in Russian or English::

    возраст >= 18 и дети > 0
    age >= 18 and (children > 0 or pregnant = true)
    region_type в ('rural', 'town') и не disability_in_family
    income_band != 'above_pm' и applicant_age между 16 и 60
    [дата рождения] есть пусто и доход < 30 000

Our own recursive-descent parser turns the text into a tree; :func:`compile_rule` turns the
tree into an Ibis boolean expression. Nothing is ever ``eval``-ed. A syntax error says where
(character position, 1-based) and what was expected. A rule is at most :data:`MAX_RULE_CHARS`
long and nests at most :data:`MAX_NESTING` brackets and «не» deep; integers fit in 64 bits.

A name with spaces is written in square brackets or backticks; '…' and "…" are text values.
Every condition must name a column (a comparison of two values is the same for every record).
Names are matched to the data's columns ignoring case and «ё»/«е» when that is unambiguous
(:func:`find_column`); a double-quoted text that is a column's name is refused with the hint
to write it in brackets (:func:`check_rule`).
"""

from __future__ import annotations

import difflib
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, NoReturn

import ibis
import ibis.expr.types as ir

from segprofile.errors import InputError
from segprofile.model.labels import value_label
from segprofile.model.study import Feature, FeatureType

# --- Tokens ------------------------------------------------------------------------------------

_KEYWORDS = {
    "и": "AND",
    "and": "AND",
    "или": "OR",
    "or": "OR",
    "не": "NOT",
    "not": "NOT",
    "в": "IN",
    "in": "IN",
    "между": "BETWEEN",
    "between": "BETWEEN",
    "есть": "IS",
    "is": "IS",
    "пусто": "NULL",
    "null": "NULL",
    "истина": "TRUE",
    "true": "TRUE",
    "да": "TRUE",
    "ложь": "FALSE",
    "false": "FALSE",
    "нет": "FALSE",
}

_TOKEN_RE = re.compile(
    r"""
    (?P<ws>\s+)
  | (?P<number>-?(?:\d{1,3}(?:[\ \u00a0\u202f]\d{3})+|\d+)(?:[.,]\d+)?(?![\w]))
  | (?P<string>'(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*")
  | (?P<quoted>`[^`]+`|\[[^\]]+\])
  | (?P<op><=|>=|!=|<>|==|=|<|>|&&|\|\||!)
  | (?P<punct>[(),])
  | (?P<word>[^\W\d][\w.]*)
    """,
    re.VERBOSE | re.UNICODE,
)

_OP_ALIASES = {"==": "=", "<>": "!=", "&&": "AND", "||": "OR", "!": "NOT"}

MAX_RULE_CHARS = 5000
"""Longest rule (a list of a few hundred codes fits; the engine need not compile more)."""

MAX_NESTING = 30
"""Deepest nesting of brackets and «не» (people write two or three)."""

_INT64 = 2**63


@dataclass(frozen=True)
class Token:
    kind: str  # NUMBER STRING NAME OP ( ) , AND OR NOT IN BETWEEN IS NULL TRUE FALSE END
    text: str
    value: Any
    pos: int  # 0-based offset in the rule text


class RuleSyntaxError(InputError):
    """A rule that cannot be parsed; ``position`` is 1-based, for the person editing it."""

    def __init__(self, rule: str, pos: int, message: str, hint: str | None = None) -> None:
        self.rule = rule
        self.position = pos + 1
        self.reason = message
        shown, at = _excerpt(rule, pos)
        pointer = " " * at + "^"
        super().__init__(
            f"Ошибка в правиле отбора, позиция {pos + 1}: {message}.\n    {shown}\n    {pointer}",
            hint=hint or f"исправьте правило; пример: {EXAMPLE_RULE}",
        )


EXAMPLE_RULE = "Возраст >= 18 и [Канал обращения] = 'МФЦ'"
"""The example every error and help text shows: a plain name, a name in brackets, a text."""


def _excerpt(rule: str, pos: int, width: int = 100) -> tuple[str, int]:
    """The part of a long rule around ``pos`` (with «…» where it is cut) and ``pos`` in it."""
    line = " ".join(rule.split("\n"))
    if len(line) <= width:
        return line, pos
    start = max(0, min(pos - width // 2, len(line) - width))
    end = start + width
    shown = ("…" if start else "") + line[start:end] + ("…" if end < len(line) else "")
    return shown, pos - start + (1 if start else 0)


def _number(rule: str, text: str, pos: int) -> int | float:
    """The value of a number token: an exact integer within 64 bits, or a finite float."""
    text = re.sub(r"[ \u00a0\u202f]", "", text)  # 30 000: a space between the thousands
    whole, _, fraction = text.replace(",", ".").partition(".")
    if not fraction.strip("0"):
        value = int(whole)
        if not -_INT64 <= value < _INT64:
            raise RuleSyntaxError(
                rule, pos, "число слишком большое (по модулю не больше 9 223 372 036 854 775 807)"
            )
        return value
    number = float(text.replace(",", "."))
    if not math.isfinite(number) or abs(number) >= _INT64:
        raise RuleSyntaxError(rule, pos, "число слишком большое")
    return number


def tokenize(rule: str) -> list[Token]:
    if len(rule) > MAX_RULE_CHARS:
        raise RuleSyntaxError(
            rule,
            MAX_RULE_CHARS,
            f"правило длиннее {MAX_RULE_CHARS} символов; разбейте его на части или "
            "сократите списки значений",
        )
    tokens: list[Token] = []
    pos = 0
    while pos < len(rule):
        match = _TOKEN_RE.match(rule, pos)
        if match is None:
            raise RuleSyntaxError(rule, pos, f"непонятный символ «{rule[pos]}»")
        kind = match.lastgroup or ""
        text = match.group()
        if kind == "number":
            tokens.append(Token("NUMBER", text, _number(rule, text, pos), pos))
        elif kind == "string":
            body = text[1:-1]
            tokens.append(Token("STRING", text, re.sub(r"\\(.)", r"\1", body), pos))
        elif kind == "quoted":
            tokens.append(Token("NAME", text, text[1:-1].strip(), pos))
        elif kind == "op":
            op = _OP_ALIASES.get(text, text)
            tokens.append(Token(op if op in ("AND", "OR", "NOT") else "OP", text, op, pos))
        elif kind == "punct":
            tokens.append(Token(text, text, text, pos))
        elif kind == "word":
            keyword = _KEYWORDS.get(text.lower())
            tokens.append(Token(keyword or "NAME", text, text, pos))
        pos = match.end()
    tokens.append(Token("END", "", None, len(rule)))
    return tokens


# --- Tree --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Column:
    name: str
    pos: int


@dataclass(frozen=True)
class Literal:
    value: Any
    pos: int
    double_quoted: bool = False  # "…": what SQL reads as a column name, here a text


@dataclass(frozen=True)
class Compare:
    op: str
    left: Node
    right: Node
    pos: int


@dataclass(frozen=True)
class InList:
    operand: Node
    values: tuple[Literal, ...]
    negated: bool
    pos: int


@dataclass(frozen=True)
class Between:
    operand: Node
    low: Node
    high: Node
    pos: int


@dataclass(frozen=True)
class IsNull:
    operand: Node
    negated: bool
    pos: int


@dataclass(frozen=True)
class BoolOp:
    op: str  # AND | OR
    items: tuple[Node, ...]
    pos: int


@dataclass(frozen=True)
class Not:
    operand: Node
    pos: int


Node = Column | Literal | Compare | InList | Between | IsNull | BoolOp | Not

_DESCRIBE = {
    "END": "конец правила",
    "NUMBER": "число",
    "STRING": "строка",
    "NAME": "имя столбца",
    "OP": "оператор сравнения",
    "AND": "«и»",
    "OR": "«или»",
    "NOT": "«не»",
    "IN": "«в»",
    "BETWEEN": "«между»",
    "IS": "«есть»",
    "NULL": "«пусто»",
    "TRUE": "«да»",
    "FALSE": "«нет»",
}


class _Parser:
    def __init__(self, rule: str) -> None:
        self.rule = rule
        self.tokens = tokenize(rule)
        self.i = 0
        self.depth = 0

    def deeper(self, token: Token) -> None:
        """One more bracket or «не» around what follows; refused past :data:`MAX_NESTING`."""
        self.depth += 1
        if self.depth > MAX_NESTING:
            raise RuleSyntaxError(
                self.rule,
                token.pos,
                f"скобки и «не» вложены глубже {MAX_NESTING} уровней; упростите правило",
            )

    @property
    def token(self) -> Token:
        return self.tokens[self.i]

    def take(self) -> Token:
        token = self.tokens[self.i]
        self.i += 1
        return token

    def expect(self, kind: str, what: str) -> Token:
        if self.token.kind != kind:
            self.fail(what)
        return self.take()

    def fail(self, expected: str) -> NoReturn:
        token = self.token
        found = _DESCRIBE["END"] if token.kind == "END" else f"«{token.text}»"
        raise RuleSyntaxError(self.rule, token.pos, f"ожидалось {expected}, а встретилось {found}")

    def parse(self) -> Node:
        if self.token.kind == "END":
            raise RuleSyntaxError(self.rule, 0, "правило пустое")
        node = self.or_expr()
        if self.token.kind != "END":
            self.fail("«и», «или» или конец правила")
        return node

    def or_expr(self) -> Node:
        pos = self.token.pos
        items = [self.and_expr()]
        while self.token.kind == "OR":
            self.take()
            items.append(self.and_expr())
        return items[0] if len(items) == 1 else BoolOp("OR", tuple(items), pos)

    def and_expr(self) -> Node:
        pos = self.token.pos
        items = [self.not_expr()]
        while self.token.kind == "AND":
            self.take()
            items.append(self.not_expr())
        return items[0] if len(items) == 1 else BoolOp("AND", tuple(items), pos)

    def not_expr(self) -> Node:
        if self.token.kind == "NOT":
            token = self.take()
            self.deeper(token)
            node = Not(self.not_expr(), token.pos)
            self.depth -= 1
            return node
        return self.comparison()

    def comparison(self) -> Node:
        left = self.operand()
        token = self.token
        if token.kind == "OP":
            self.take()
            right = self.operand()
            return Compare(str(token.value), left, right, token.pos)
        negated = False
        if token.kind == "NOT" and self.tokens[self.i + 1].kind == "IN":
            self.take()
            negated = True
            token = self.token
        if token.kind == "IN":
            self.take()
            self.expect("(", "«(» и список значений")
            values = [self.literal()]
            while self.token.kind == ",":
                self.take()
                values.append(self.literal())
            self.expect(")", "«,» или «)»")
            return InList(left, tuple(values), negated, token.pos)
        if token.kind == "BETWEEN":
            self.take()
            low = self.operand()
            self.expect("AND", "«и» между границами")
            high = self.operand()
            return Between(left, low, high, token.pos)
        if token.kind == "IS":
            self.take()
            is_not = False
            if self.token.kind == "NOT":
                self.take()
                is_not = True
            self.expect("NULL", "«пусто»")
            return IsNull(left, is_not, token.pos)
        return left

    def literal(self) -> Literal:
        token = self.token
        if token.kind in ("NUMBER", "STRING"):
            self.take()
            return Literal(token.value, token.pos, token.text.startswith('"'))
        if token.kind in ("TRUE", "FALSE"):
            self.take()
            return Literal(token.kind == "TRUE", token.pos)
        self.fail("число, строка в кавычках, «да» или «нет»")

    def operand(self) -> Node:
        token = self.token
        if token.kind == "(":
            self.take()
            self.deeper(token)
            node = self.or_expr()
            self.expect(")", "«)»")
            self.depth -= 1
            return node
        if token.kind == "NAME":
            self.take()
            return Column(str(token.value), token.pos)
        if token.kind in ("NUMBER", "STRING", "TRUE", "FALSE"):
            return self.literal()
        self.fail("имя столбца, число, строка в кавычках или «(»")


def parse_rule(rule: str) -> Node:
    """Parse rule text into a tree; raises :class:`RuleSyntaxError`, also for a condition
    that names no column (``'МФЦ' = 'МФЦ'``, ``5 > 3``: the same for every record)."""
    node = _Parser(rule).parse()
    _require_columns(rule, node)
    return node


def _start(node: Node) -> int:
    """Where a condition begins in the rule text (a comparison's token is its operator)."""
    if isinstance(node, Compare):
        return _start(node.left)
    if isinstance(node, InList | Between | IsNull):
        return _start(node.operand)
    return node.pos


def _require_columns(rule: str, node: Node) -> None:
    """Refuse a condition without a column: it compares values only, so it selects every
    record or none — almost always a column name written in quotes."""
    if isinstance(node, BoolOp):
        for item in node.items:
            _require_columns(rule, item)
        return
    if isinstance(node, Not):
        _require_columns(rule, node.operand)
        return
    if rule_columns(node):
        return
    message = (
        "в условии нет ни одного столбца данных, только значения — такое условие одинаково "
        "для всех записей"
    )
    hint = (
        "назовите в условии столбец данных, название с пробелами — в квадратных скобках; "
        f"пример: {EXAMPLE_RULE}"
    )
    texts = [n for n in _literals(node) if isinstance(n.value, str)]
    if texts:
        first = texts[0]
        if first.double_quoted:
            message = (
                f"«{first.value}» в двойных кавычках — это текст, а не столбец, и условие "
                "сравнивает только значения (оно одинаково для всех записей)"
            )
        hint = (
            f"если «{first.value}» — название столбца, пишите его в квадратных скобках: "
            f"[{first.value}]; в кавычках пишут только значения. Пример: {EXAMPLE_RULE}"
        )
    raise RuleSyntaxError(rule, _start(node), message, hint=hint)


def _literals(node: Node) -> list[Literal]:
    """The values a condition names, in order."""
    if isinstance(node, Literal):
        return [node]
    if isinstance(node, Compare):
        return _literals(node.left) + _literals(node.right)
    if isinstance(node, InList):
        return _literals(node.operand) + list(node.values)
    if isinstance(node, Between):
        return _literals(node.operand) + _literals(node.low) + _literals(node.high)
    if isinstance(node, IsNull | Not):
        return _literals(node.operand)
    if isinstance(node, BoolOp):
        return [v for item in node.items for v in _literals(item)]
    return []


def _column_nodes(node: Node) -> list[Column]:
    """Every column reference of a rule, in order."""
    if isinstance(node, Column):
        return [node]
    if isinstance(node, Compare):
        return _column_nodes(node.left) + _column_nodes(node.right)
    if isinstance(node, InList | IsNull | Not):
        return _column_nodes(node.operand)
    if isinstance(node, Between):
        return _column_nodes(node.operand) + _column_nodes(node.low) + _column_nodes(node.high)
    if isinstance(node, BoolOp):
        return [c for item in node.items for c in _column_nodes(item)]
    return []


def rule_columns(node: Node) -> list[str]:
    """Columns a rule refers to, in order of appearance."""
    return list(dict.fromkeys(c.name for c in _column_nodes(node)))


# --- Compilation to Ibis -----------------------------------------------------------------------


def _fold(name: str) -> str:
    """A column name as people mistype it: case, «ё» and repeated spaces do not count."""
    return " ".join(name.casefold().replace("ё", "е").split())


def match_column(name: str, columns: Sequence[str]) -> list[str]:
    """The columns ``name`` may mean: itself when present, else those equal to it ignoring
    case, «ё»/«е» and repeated spaces (none, one, or several — then it is ambiguous)."""
    if name in columns:
        return [name]
    folded = _fold(name)
    return [c for c in columns if _fold(c) == folded]


def find_column(rule: str, column: Column, columns: Sequence[str]) -> str:
    """The data's column a name in the rule means (:func:`match_column`); an unknown name is
    refused with the closest columns, an ambiguous one with its candidates."""
    found = match_column(column.name, columns)
    if len(found) == 1:
        return found[0]
    if found:
        listed = ", ".join(f"[{c}]" for c in found)
        raise RuleSyntaxError(
            rule,
            column.pos,
            f"«{column.name}» подходит к нескольким столбцам ({listed})",
            hint="напишите название столбца точно, с заглавными и строчными буквами как в данных",
        )
    by_fold = {_fold(c): c for c in columns}
    close = difflib.get_close_matches(_fold(column.name), list(by_fold), n=3, cutoff=0.6)
    if close:
        known = "похожие: " + ", ".join(f"[{by_fold[c]}]" for c in close)
    else:
        known = "есть: " + ", ".join(f"[{c}]" for c in list(columns)[:20])
        if len(columns) > 20:
            known += f" и ещё {len(columns) - 20}"
    raise RuleSyntaxError(
        rule,
        column.pos,
        f"столбца «{column.name}» нет в данных ({known})",
        hint=(
            "проверьте название; название с пробелами пишите в квадратных скобках: "
            "[Канал обращения]"
        ),
    )


def check_rule(rule: str, columns: Sequence[str] | None = None) -> Node:
    """Parse a rule and, when the data's ``columns`` are known, check it against them.

    Raises :class:`RuleSyntaxError` for a syntax error, a condition without a column
    (:func:`parse_rule`), an unknown or ambiguous column name (:func:`find_column`), and a
    text in double quotes that is a column's name (``"Канал обращения" = 'МФЦ'`` compares
    two texts: SQL would read a column there, so the rule says how to write one).
    """
    node = _Parser(rule).parse()
    if columns is None:
        _require_columns(rule, node)
        return node
    for literal in _literals(node):
        if literal.double_quoted and match_column(str(literal.value), columns):
            name = match_column(str(literal.value), columns)[0]
            raise RuleSyntaxError(
                rule,
                literal.pos,
                f"«{literal.value}» в двойных кавычках — это текст, а не столбец",
                hint=(
                    f"название столбца пишите в квадратных скобках: [{name}]; "
                    f"в кавычках пишут только значения. Пример: {EXAMPLE_RULE}"
                ),
            )
    _require_columns(rule, node)
    for column in _column_nodes(node):
        find_column(rule, column, columns)
    return node


def _value(node: Node, table: ir.Table, rule: str) -> ir.Value:
    if isinstance(node, Column):
        return table[find_column(rule, node, table.columns)]
    if isinstance(node, Literal):
        return ibis.literal(node.value)
    return _bool(node, table, rule)


def _check_types(left: ir.Value, right: ir.Value, rule: str, pos: int) -> None:
    lt, rt = left.type(), right.type()
    numeric = lt.is_numeric() and rt.is_numeric()
    same = lt.is_string() == rt.is_string() and lt.is_boolean() == rt.is_boolean()
    if not (numeric or same or lt.is_null() or rt.is_null()):
        raise RuleSyntaxError(rule, pos, f"нельзя сравнивать значения разных типов ({lt} и {rt})")


def _bool(node: Node, table: ir.Table, rule: str) -> ir.BooleanValue:
    if isinstance(node, BoolOp):
        parts = [_bool(item, table, rule) for item in node.items]
        # Joined pairwise, as a balanced tree: hundreds of conditions stay a shallow expression
        # (a chain as deep as the rule is long exhausts the engine's compiler).
        while len(parts) > 1:
            pairs = [
                (a & b) if node.op == "AND" else (a | b)
                for a, b in zip(parts[::2], parts[1::2], strict=False)
            ]
            parts = pairs + parts[len(pairs) * 2 :]
        return parts[0]
    if isinstance(node, Not):
        return ~_bool(node.operand, table, rule)
    if isinstance(node, Compare):
        left, right = _value(node.left, table, rule), _value(node.right, table, rule)
        _check_types(left, right, rule, node.pos)
        ops = {
            "=": left.__eq__,
            "!=": left.__ne__,
            "<": left.__lt__,
            "<=": left.__le__,
            ">": left.__gt__,
            ">=": left.__ge__,
        }
        result: ir.BooleanValue = ops[node.op](right)
        return result
    if isinstance(node, InList):
        operand = _value(node.operand, table, rule)
        for value in node.values:
            _check_types(operand, ibis.literal(value.value), rule, value.pos)
        member = operand.isin([v.value for v in node.values])
        return ~member if node.negated else member
    if isinstance(node, Between):
        operand = _value(node.operand, table, rule)
        low, high = _value(node.low, table, rule), _value(node.high, table, rule)
        _check_types(operand, low, rule, node.pos)
        _check_types(operand, high, rule, node.pos)
        return operand.between(low, high)
    if isinstance(node, IsNull):
        operand = _value(node.operand, table, rule)
        return operand.notnull() if node.negated else operand.isnull()
    value = _value(node, table, rule)
    if not value.type().is_boolean():
        pos = node.pos
        raise RuleSyntaxError(
            rule, pos, f"условие должно быть да/нет, а здесь значение типа {value.type()}"
        )
    return value


def compile_rule(rule: str, table: ir.Table) -> ir.BooleanValue:
    """The rule as an Ibis boolean expression over ``table``; missing values never match.
    Checked against the table's columns first (:func:`check_rule`)."""
    node = check_rule(rule, table.columns)
    return _bool(node, table, rule).fill_null(False)


# --- In words ----------------------------------------------------------------------------------

_IN_WORDS = {
    "=": "—",
    "!=": "— не",
    "<": "меньше",
    "<=": "не больше",
    ">": "больше",
    ">=": "не меньше",
}


def rule_in_words(rule: str, features: Sequence[Feature]) -> str:
    """The rule as a person reads it in a report: columns by their features' labels, category
    values by their labels, operators in Russian — «income_band != 'above_pm'» → «Среднедушевой
    доход…» — не «Выше ПМ (права на пособие нет)»». A rule that does not parse is shown as written
    and marked as not applied (the profile does not apply it either).
    """
    try:
        node = parse_rule(rule)
    except RuleSyntaxError:
        return f"{rule} (в правиле ошибка, оно не применяется)"
    by_column = {f.column: f for f in features}

    def feature_of(n: Node) -> Feature | None:
        if not isinstance(n, Column):
            return None
        found = match_column(n.name, list(by_column))
        return by_column[found[0]] if len(found) == 1 else None

    def value(n: Node, feature: Feature | None) -> str:
        if isinstance(n, Literal):
            v = n.value
            code = str(v).lower() if isinstance(v, bool) else str(v)
            if feature is not None and (isinstance(v, str | bool)):
                return f"«{value_label(feature, code)}»"
            if isinstance(v, bool):
                return "да" if v else "нет"
            if isinstance(v, int | float):
                return f"{v:,}".replace(",", "\u00a0").replace(".", ",")
            return f"«{v}»"
        return words(n, top=False)

    def name(n: Node) -> str:
        if isinstance(n, Column):
            feature = feature_of(n)
            return f"«{feature.label}»" if feature else f"«{n.name}»"
        return words(n, top=False)

    def flag(n: Node, truth: bool) -> str | None:
        """A yes/no feature standing alone: «Неполная семья…» — «Один родитель»."""
        feature = feature_of(n)
        if feature is None or feature.type is not FeatureType.boolean:
            return None
        return f"«{feature.label}» — «{value_label(feature, str(truth).lower())}»"

    def words(n: Node, top: bool = True) -> str:
        if isinstance(n, Column):
            return flag(n, True) or name(n)
        if isinstance(n, Literal):
            return value(n, None)
        if isinstance(n, Compare):
            feature = feature_of(n.left)
            return f"{name(n.left)} {_IN_WORDS[n.op]} {value(n.right, feature)}"
        if isinstance(n, InList):
            feature = feature_of(n.operand)
            listed = ", ".join(value(v, feature) for v in n.values)
            how = "ни одно из" if n.negated else "одно из"
            return f"{name(n.operand)} — {how}: {listed}"
        if isinstance(n, Between):
            feature = feature_of(n.operand)
            low, high = value(n.low, feature), value(n.high, feature)
            return f"{name(n.operand)} от {low} до {high}"
        if isinstance(n, IsNull):
            return f"{name(n.operand)} {'указан' if n.negated else 'не указан'}"
        if isinstance(n, Not):
            return flag(n.operand, False) or f"не ({words(n.operand)})"
        joined = (" и " if n.op == "AND" else " или ").join(words(i, top=False) for i in n.items)
        return joined if top else f"({joined})"

    return words(node)
