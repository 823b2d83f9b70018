"""The parts of a study document read and replaced one at a time: sections and list items.

The browser's section forms and the API edit the document the same way: a change of its plain
data (``Study.model_dump(mode="json")``, what a revision stores), then the whole document is
validated by the model (:func:`apply`). The functions here are such changes, so a form passes
one to ``web.studies.sections.save_part`` and the API to :func:`apply`::

    document = parts.apply(base, lambda data: parts.replace_item(data, "roles", "applicant", role))

- a **section** is a top-level field of the document (:data:`SECTIONS`: ``scope``, ``roles``,
  ``features``, ``segmentation``, ``priority``, ``research``…), replaced as a whole;
- a **list** is one of the document's lists of items with an ``id`` (:data:`LISTS`, taken from
  the parts that :mod:`segprofile.model.diff` merges one by one: legal acts, roles, features,
  hypotheses, research activities, journeys, recommendations…); its items are added, replaced
  and deleted one at a time, so two people editing different items never conflict.

Nothing here checks the values: the model does, once, in :func:`apply`, with Russian messages
that name the path in the document.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from segprofile.errors import DocumentError, NotFound
from segprofile.model.diff import KEYED
from segprofile.model.spec_yaml import format_path, study_from_data
from segprofile.model.study import Study

Change = Callable[[dict[str, Any]], None]
"""Changes a document's plain data in place."""

SECTIONS: tuple[str, ...] = tuple(
    name for name in Study.model_fields if name not in ("schema_version", "id")
)
"""The top-level fields of the document a person edits (its id and schema version are not)."""

LISTS: dict[str, tuple[str, ...]] = {
    path[-1]: path for path, kind in KEYED.items() if kind.key == "id"
}
"""The identified lists by name (``legal_acts`` is ``scope.legal_acts``, ``activities`` is
``research.activities``): those whose items carry an ``id``."""


def section(data: dict[str, Any], name: str) -> Any:
    """The section ``name`` of the document's data (one of :data:`SECTIONS`)."""
    _known(name, SECTIONS, "раздела")
    return data.get(name)


def set_section(data: dict[str, Any], name: str, value: Any) -> None:
    """Replace the section ``name`` with ``value`` (checked later by the model)."""
    _known(name, SECTIONS, "раздела")
    data[name] = value


def items(data: dict[str, Any], name: str) -> list[Any]:
    """The items of the list ``name`` (one of :data:`LISTS`), as stored."""
    _known(name, tuple(LISTS), "списка")
    node: Any = data
    for key in LISTS[name]:
        node = node.get(key) if isinstance(node, dict) else None
    return node if isinstance(node, list) else []


def _list_of(data: dict[str, Any], name: str) -> list[Any]:
    """The list ``name`` inside ``data``, created empty if the document has none yet."""
    _known(name, tuple(LISTS), "списка")
    *heads, last = LISTS[name]
    node = data
    for key in heads:
        node = node.setdefault(key, {})
    found = node.setdefault(last, [])
    if not isinstance(found, list):
        found = node[last] = []
    return found


def _index(data: dict[str, Any], name: str, item_id: str) -> int:
    for index, item in enumerate(items(data, name)):
        if isinstance(item, dict) and item.get("id") == item_id:
            return index
    known = ", ".join(str(i.get("id")) for i in items(data, name) if isinstance(i, dict))
    raise NotFound(
        f"В списке {KEYED[LISTS[name]].plural_genitive} («{name}») нет элемента «{item_id}».",
        hint=f"выберите один из идентификаторов списка: {known}."
        if known
        else "список пуст: сначала добавьте элемент.",
    )


def item(data: dict[str, Any], name: str, item_id: str) -> Any:
    """The item ``item_id`` of the list ``name``; :class:`NotFound` if there is none."""
    return items(data, name)[_index(data, name, item_id)]


def add_item(data: dict[str, Any], name: str, value: dict[str, Any]) -> None:
    """Append ``value`` to the list ``name`` (a repeated id is refused by the model)."""
    _list_of(data, name).append(value)


def replace_item(data: dict[str, Any], name: str, item_id: str, value: dict[str, Any]) -> None:
    """Replace the item ``item_id`` of the list ``name`` with ``value``, in its place.

    ``value`` without an ``id`` keeps ``item_id``; another ``id`` is refused (an identifier is
    what the rest of the document refers to: delete the item and add a new one instead).
    """
    index = _index(data, name, item_id)
    value = {"id": item_id, **value}
    if value["id"] != item_id:
        path = format_path((*LISTS[name], index, "id"))
        raise DocumentError(
            "запрос",
            [
                (
                    path,
                    None,
                    f"идентификатор не меняется: ожидался «{item_id}»; чтобы его сменить, удалите "
                    "элемент и добавьте новый",
                )
            ],
        )
    _list_of(data, name)[index] = value


def delete_item(data: dict[str, Any], name: str, item_id: str) -> None:
    """Remove the item ``item_id`` of the list ``name`` (what still refers to it is refused by
    the model)."""
    del _list_of(data, name)[_index(data, name, item_id)]


def apply(document: Study, change: Change, *, source: str = "правка") -> Study:
    """``document`` with ``change`` applied to its plain data, validated by the model.

    Raises :class:`DocumentError` with every problem (path in the document, Russian message),
    or what ``change`` raises (:class:`NotFound` for an item that is not there).
    """
    data = document.model_dump(mode="json")
    change(data)
    return study_from_data(data, source=source)


def _known(name: str, known: tuple[str, ...], what: str) -> None:
    if name not in known:
        raise NotFound(f"Нет {what} «{name}».", hint=f"есть: {', '.join(known)}.")
