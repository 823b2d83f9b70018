"""M-1 from a form: a new study from nothing, its scope and legal acts edited one at a time.

The editing functions change the document's data (plain JSON, as a section form of the web
edits it, see ``web.studies.sections.save_part``) and raise :class:`InputError` / :class:`NotFound`
in Russian; the model validates the result.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from segprofile.errors import InputError, NotFound
from segprofile.model import spec_yaml
from segprofile.model.ids import identifier_from
from segprofile.model.study import ScopeKind, Study

#: «Профиль клиентских сегментов …» of each kind of scope (a genitive).
_OF_KIND: dict[str, str] = {
    ScopeKind.service.value: "услуги",
    ScopeKind.function.value: "функции",
    ScopeKind.support_measure.value: "меры поддержки",
    ScopeKind.life_situation.value: "жизненной ситуации",
    ScopeKind.process_group.value: "группы процессов",
}


def study_title(kind: str, title: str) -> str:
    """The study's title made from its scope: «Профиль клиентских сегментов услуги «…»»."""
    of = _OF_KIND.get(kind, "")
    return f"Профиль клиентских сегментов {of} «{title.strip()}»".replace("  ", " ")


def new_study(
    *,
    kind: str,
    title: str,
    client_types: Sequence[str],
    body: str = "",
    description: str = "",
    legal_acts: Sequence[Mapping[str, Any]] = (),
) -> Study:
    """A valid study document from its scope alone (M-1) — the browser's guided start and the
    API's «create a study» both make it here: what is profiled, its title, the body, the clients
    and the legal acts (``title``, ``reference``, ``id`` optional); the rest is filled in later.
    The study's identifier and the acts' without one are made from the titles. Raises
    :class:`DocumentError` with the model's problems (paths ``scope.title``,
    ``scope.legal_acts[0].title``…)."""
    given = {str(a["id"]) for a in legal_acts if a.get("id")}
    acts: list[dict[str, Any]] = []
    for act in legal_acts:
        act_title = str(act.get("title") or "").strip()
        taken = given | {a["id"] for a in acts}
        acts.append(
            {
                **act,
                "id": act.get("id") or identifier_from(act_title, taken, fallback="npa", length=24),
                "title": act_title,
                "reference": str(act.get("reference") or "").strip(),
            }
        )
    data: dict[str, Any] = {
        "id": identifier_from(title, fallback="study"),
        "title": study_title(kind, title) if title.strip() else "",
        "scope": {
            "kind": kind,
            "title": title.strip(),
            "body": body.strip(),
            "client_types": list(client_types),
            "legal_acts": acts,
            "description": description.strip(),
        },
    }
    return spec_yaml.study_from_data(data, source="форма")


def set_scope(
    data: dict[str, Any],
    *,
    kind: str,
    title: str,
    client_types: Sequence[str],
    body: str = "",
    description: str = "",
) -> None:
    """Replace the scope's fields (not its legal acts) in the document's ``data``. The study's
    title follows the scope's when it was the one made from it (:func:`study_title`)."""
    scope = data["scope"]
    if data.get("title") == study_title(str(scope.get("kind", "")), str(scope.get("title", ""))):
        data["title"] = study_title(kind, title)
    scope.update(
        kind=kind,
        title=title.strip(),
        body=body.strip(),
        client_types=list(client_types),
        description=description.strip(),
    )


def _acts(data: dict[str, Any]) -> list[dict[str, Any]]:
    acts: list[dict[str, Any]] = data["scope"].setdefault("legal_acts", [])
    return acts


def _act(data: dict[str, Any], act_id: str) -> dict[str, Any]:
    for act in _acts(data):
        if act.get("id") == act_id:
            return act
    raise NotFound(f"НПА «{act_id}» нет в исследовании: возможно, его уже удалили.")


def add_legal_act(data: dict[str, Any], *, title: str, reference: str = "") -> str:
    """Append a legal act to the scope in ``data``; returns its new identifier."""
    acts = _acts(data)
    act_id = identifier_from(title, {str(a.get("id")) for a in acts}, fallback="npa", length=24)
    acts.append({"id": act_id, "title": title.strip(), "reference": reference.strip()})
    return act_id


def change_legal_act(data: dict[str, Any], act_id: str, *, title: str, reference: str = "") -> None:
    """Change a legal act's title and reference (its identifier, which roles cite, stays)."""
    _act(data, act_id).update(title=title.strip(), reference=reference.strip())


def roles_citing(data: dict[str, Any], act_id: str) -> list[str]:
    """The titles of the roles whose audience's legal basis cites the act ``act_id``."""
    out: list[str] = []
    for role in data.get("roles") or []:
        audience = role.get("audience") or {}
        if any(basis.get("act") == act_id for basis in audience.get("legal_basis") or []):
            out.append(str(role.get("title") or role.get("id")))
    return out


def remove_legal_act(data: dict[str, Any], act_id: str) -> None:
    """Remove a legal act from the scope in ``data``; refused while a role cites it."""
    act = _act(data, act_id)
    citing = roles_citing(data, act_id)
    if citing:
        names = ", ".join(f"«{name}»" for name in citing)
        one = len(citing) == 1
        raise InputError(
            f"НПА «{act.get('title')}» не удалён: на него как на правовое основание "
            f"{'ссылается роль' if one else 'ссылаются роли'} {names}. Сначала уберите его "
            f"из правового основания {'этой роли' if one else 'этих ролей'} (раздел «Роли»)."
        )
    data["scope"]["legal_acts"] = [a for a in _acts(data) if a.get("id") != act_id]
