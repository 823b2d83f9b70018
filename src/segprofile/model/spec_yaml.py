"""The Study as YAML (and JSON): load with Russian errors that point at the path and line; dump.

Loading is exact: ``load_study_text(dump_study(s)) == s`` for every valid study ``s``.
"""

from __future__ import annotations

import io
import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from pydantic import ValidationError
from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.composer import Composer, MaxDepthExceededError
from ruamel.yaml.error import MarkedYAMLError, YAMLError

from segprofile import config
from segprofile.config import SETTINGS
from segprofile.errors import DocumentError, NotFound
from segprofile.model.study import Study, reference_problems

PathT = Sequence[str | int]


def format_path(path: PathT) -> str:
    """``("roles", 2, "audience")`` → ``roles[2].audience``."""
    out = ""
    for part in path:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else str(part)
    return out


def _line_of(tree: Any, path: PathT) -> int | None:
    """1-based line of the deepest node of ``path`` that exists in the parsed YAML tree."""
    line: int | None = None
    node = tree
    for part in path:
        if isinstance(node, CommentedMap) and isinstance(part, str) and part in node:
            pos = node.lc.key(part)
            line = pos[0] + 1
            node = node[part]
        elif isinstance(node, CommentedSeq) and isinstance(part, int) and 0 <= part < len(node):
            pos = node.lc.item(part)
            line = pos[0] + 1
            node = node[part]
        else:
            break
    if line is None and isinstance(tree, CommentedMap | CommentedSeq):
        line = tree.lc.line + 1
    return line


_TYPE_NAMES = {
    "string_type": "ожидалась строка",
    "int_type": "ожидалось целое число",
    "int_parsing": "ожидалось целое число",
    "int_from_float": "ожидалось целое число, а не дробное",
    "float_type": "ожидалось число",
    "float_parsing": "ожидалось число",
    "bool_type": "ожидалось да/нет (true/false)",
    "bool_parsing": "ожидалось да/нет (true/false)",
    "list_type": "ожидался список",
    "dict_type": "ожидался словарь (набор полей «ключ: значение»)",
    "model_type": "ожидался словарь (набор полей «ключ: значение»)",
    "model_attributes_type": "ожидался словарь (набор полей «ключ: значение»)",
    "tuple_type": "ожидался список",
    "date_type": "ожидалась дата в виде ГГГГ-ММ-ДД, например 2027-03-31",
    "date_parsing": "ожидалась дата в виде ГГГГ-ММ-ДД, например 2027-03-31",
    "date_from_datetime_parsing": "ожидалась дата в виде ГГГГ-ММ-ДД, например 2027-03-31",
    "date_from_datetime_inexact": "ожидалась дата без времени, в виде ГГГГ-ММ-ДД",
}


def _russian(error: Any) -> str:
    """Translate one pydantic error into Russian; never quote the offending value in full."""
    kind = error["type"]
    ctx = error.get("ctx") or {}
    if kind == "missing":
        return "обязательное поле не заполнено"
    if kind == "extra_forbidden":
        return "неизвестное поле (опечатка в имени?) — уберите его или исправьте имя"
    if kind == "enum":
        return "недопустимое значение; допустимые: " + str(ctx.get("expected", "")).replace(
            " or ", " или "
        )
    if kind == "literal_error":
        return "недопустимое значение; допустимые: " + str(ctx.get("expected", "")).replace(
            " or ", " или "
        )
    if kind in _TYPE_NAMES:
        return _TYPE_NAMES[kind]
    if kind == "string_too_short":
        return "значение не может быть пустым"
    if kind == "string_too_long":
        return f"слишком длинное значение (не более {ctx.get('max_length')} символов)"
    if kind == "string_pattern_mismatch":
        return "идентификатор может содержать только латиницу, цифры, «_», «-» и «.»"
    if kind == "too_short":
        return f"нужно не меньше {ctx.get('min_length')} элемент(ов)"
    if kind == "too_long":
        return f"допускается не больше {ctx.get('max_length')} элемент(ов)"
    if kind in ("greater_than_equal", "greater_than"):
        sign = "≥" if kind == "greater_than_equal" else ">"
        bound = ctx.get("ge", ctx.get("gt"))
        return f"значение должно быть {sign} {bound}"
    if kind in ("less_than_equal", "less_than"):
        sign = "≤" if kind == "less_than_equal" else "<"
        bound = ctx.get("le", ctx.get("lt"))
        return f"значение должно быть {sign} {bound}"
    if kind == "value_error":
        return str(ctx.get("error", error["msg"]))
    return str(error["msg"])


def _clean_loc(loc: tuple[Any, ...]) -> tuple[str | int, ...]:
    # pydantic inserts union/tagged branch names ("function-after[...]", "str") into locations.
    return tuple(
        p for p in loc if isinstance(p, int) or (isinstance(p, str) and "[" not in p and p != "str")
    )


DEPTH_ENV = SETTINGS["yaml_max_depth"].name


def max_depth() -> int:
    """Deepest nesting of lists and dictionaries a study document may have (a real one has 7)."""
    return max(1, config.current().yaml_max_depth)


def _depth_problem(depth: int) -> str:
    return (
        f"вложенность списков и словарей глубже {depth} уровней; в документе исследования их не "
        f"больше десяти — проверьте скобки и отступы (предел задаёт администратор: {DEPTH_ENV})"
    )


def _too_deep(data: Any, limit: int) -> bool:
    """Whether ``data`` (dicts and lists) nests deeper than ``limit``; no recursion."""
    stack: list[tuple[Any, int]] = [(data, 1)]
    while stack:
        node, depth = stack.pop()
        if isinstance(node, dict | list):
            if depth > limit:
                return True
            children = node.values() if isinstance(node, dict) else node
            stack.extend((child, depth + 1) for child in children)
    return False


def study_from_data(data: Any, *, source: str, tree: Any = None) -> Study:
    """Validate a parsed document; raise :class:`DocumentError` with every problem found."""
    if not isinstance(data, dict):
        raise DocumentError(
            source, [("", None, "документ должен быть словарём полей исследования")]
        )
    if _too_deep(data, max_depth()):
        raise DocumentError(source, [("", None, _depth_problem(max_depth()))])
    try:
        study = Study.model_validate(data)
    except ValidationError as exc:
        problems = []
        for error in exc.errors():
            path = _clean_loc(error["loc"])
            problems.append((format_path(path), _line_of(tree, path), _russian(error)))
        raise DocumentError(source, problems) from None
    refs = reference_problems(study)
    if refs:
        raise DocumentError(
            source, [(format_path(path), _line_of(tree, path), text) for path, text in refs]
        )
    return study


class _AliasError(MarkedYAMLError):
    """An alias (``*name``) in a document: refused, it is how a 500-byte text becomes gigabytes."""


class _NoAliasComposer(Composer):
    def compose_node(self, parent: Any, index: Any) -> Any:
        from ruamel.yaml.events import AliasEvent

        if self.parser.check_event(AliasEvent):
            event = self.parser.peek_event()
            raise _AliasError(None, None, "alias", event.start_mark)
        return super().compose_node(parent, index)


_ALIAS_PROBLEM = (
    "ссылки YAML («&имя» и «*имя») не поддерживаются; запишите значение полностью там, где "
    "оно нужно"
)


def _yaml() -> YAML:
    """The loader of study documents: no aliases, nesting at most :func:`max_depth` deep."""
    yaml = YAML(typ="rt")
    yaml.allow_duplicate_keys = False
    yaml.Composer = _NoAliasComposer
    yaml.max_depth = max_depth()
    return yaml


def _line(exc: MarkedYAMLError) -> int | None:
    mark = exc.problem_mark or exc.context_mark
    return mark.line + 1 if mark is not None else None


def load_yaml_data(text: str, *, source: str) -> Any:
    """YAML (or JSON) text as plain dicts and lists, with the limits of study documents (no
    aliases, bounded nesting) and Russian errors; for every YAML a user uploads."""
    return _plain(_load_tree(text, source=source))


def _load_tree(text: str, *, source: str) -> Any:
    try:
        return _yaml().load(text)
    except _AliasError as exc:
        raise DocumentError(source, [("", _line(exc), _ALIAS_PROBLEM)]) from None
    except MaxDepthExceededError as exc:
        raise DocumentError(source, [("", _line(exc), _depth_problem(max_depth()))]) from None
    except MarkedYAMLError as exc:
        problem = exc.problem or "ошибка синтаксиса"
        raise DocumentError(
            source,
            [
                (
                    "",
                    _line(exc),
                    f"это не корректный YAML ({problem}); проверьте отступы и двоеточия",
                )
            ],
        ) from None
    except YAMLError as exc:
        raise DocumentError(source, [("", None, f"это не корректный YAML ({exc})")]) from None
    except RecursionError:  # a parser's own recursion, beyond our depth check: said the same
        raise DocumentError(source, [("", None, _depth_problem(max_depth()))]) from None


def _plain(node: Any) -> Any:
    """ruamel's round-trip containers → plain dicts and lists (for pydantic)."""
    if isinstance(node, dict):
        return {str(k): _plain(v) for k, v in node.items()}
    if isinstance(node, list):
        return [_plain(v) for v in node]
    if hasattr(node, "isoformat"):
        return node.isoformat()
    return node


def load_study_text(text: str, *, source: str = "study.yaml") -> Study:
    """Parse YAML (or JSON, which is YAML) text into a :class:`Study`."""
    tree = _load_tree(text, source=source)
    if tree is None:
        raise DocumentError(source, [("", None, "документ пуст")])
    return study_from_data(_plain(tree), source=source, tree=tree)


def load_study(path: str | Path) -> Study:
    """Read a study document from a YAML or JSON file."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise NotFound(
            f"Файл исследования {path} не найден.", hint="проверьте путь к study.yaml."
        ) from None
    except UnicodeDecodeError:
        raise DocumentError(
            path.name, [("", None, "файл не в кодировке UTF-8; сохраните его в UTF-8")]
        ) from None
    return load_study_text(text, source=str(path))


def study_to_data(study: Study) -> dict[str, Any]:
    """The study as plain JSON-compatible data, without fields left at their defaults."""
    data: dict[str, Any] = study.model_dump(mode="json", exclude_defaults=True)
    data["schema_version"] = study.schema_version
    # Keep the document's head in a readable order.
    head: dict[str, Any] = {k: data.pop(k) for k in ("schema_version", "id", "title") if k in data}
    return {**head, **data}


_NEXT_LINE = "\x85"  # NEL: a line break to YAML, which ruamel's quoted styles but "…" mangle


def _represent_str(representer: Any, data: str) -> Any:
    """Strings as ruamel writes them, except those with NEL: double-quoted (``\\N``)."""
    if _NEXT_LINE in data:
        return representer.represent_scalar("tag:yaml.org,2002:str", data, style='"')
    return representer.represent_str(data)


def dump_study(study: Study) -> str:
    """The study as YAML text (Unicode, block style, stable key order)."""
    yaml = YAML(typ="safe", pure=True)
    yaml.default_flow_style = False
    yaml.allow_unicode = True
    yaml.sort_base_mapping_type_on_output = False  # type: ignore[assignment]
    yaml.width = 100
    yaml.representer.add_representer(str, _represent_str)
    # Never «&id001 … *id001»: the loader refuses aliases, so the dumper must not write them.
    yaml.representer.ignore_aliases = lambda data: True
    buffer = io.StringIO()
    yaml.dump(study_to_data(study), buffer)
    return buffer.getvalue()


def dump_study_json(study: Study) -> str:
    return json.dumps(study_to_data(study), ensure_ascii=False, indent=2)


def study_json_schema() -> dict[str, Any]:
    return Study.model_json_schema()
