"""How pages name a person: one rule for every place a user is shown.

The full name when the account has one («Анна Петрова»), else the user name once («petrova»);
never the user name twice. :func:`person_note` is what a list of people adds in small print:
the user name beside a full name, or the e-mail beside a bare user name.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any


def _full_name(user: Any) -> str:
    get_full_name = getattr(user, "get_full_name", None)
    return " ".join(str(get_full_name() if get_full_name else "").split())


def _username(user: Any) -> str:
    get_username = getattr(user, "get_username", None)
    return str(get_username() if get_username else "").strip()


def person(user: Any, default: str = "—") -> str:
    """The name a page shows for ``user``: the full name, else the user name, else the e-mail;
    ``default`` for no user (an author deleted since)."""
    if user is None:
        return default
    email = str(getattr(user, "email", "") or "").strip()
    return _full_name(user) or _username(user) or email or default


def person_note(user: Any) -> str:
    """What a list of people adds to :func:`person` in small print, never repeating it: the
    user name beside a full name, else the e-mail; empty when there is nothing more."""
    if user is None:
        return ""
    shown = person(user, default="")
    email = str(getattr(user, "email", "") or "").strip()
    for extra in (_username(user), email):
        if extra and extra.casefold() != shown.casefold():
            return extra
    return ""


def people_by_username(usernames: Iterable[str]) -> dict[str, str]:
    """How pages name the people behind stored user names (a data version's author): user name
    → :func:`person` of its account; a name without an account (deleted since, or a command
    line's user) as stored. One query for the lot."""
    from django.contrib.auth import get_user_model

    wanted = {name for name in usernames if name}
    users = get_user_model().objects.filter(username__in=wanted)
    found = {_username(user): person(user) for user in users}
    return {name: found.get(name, name) for name in wanted}
