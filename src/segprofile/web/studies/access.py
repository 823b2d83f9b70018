"""The one access rule: which studies a user may open and what they may do in them.

Every study view and every API endpoint gets its study through :func:`study_for` (and a run
through :func:`run_for`); lists of studies come from :func:`studies_for`. A capability is
``view`` (pages and downloads: any member), ``edit`` (a change to the study, its data or its
runs: owners and editors) or ``manage`` (members, audit log, deletion, figures without
disclosure control: owners). An administrator of the instance may do everything. A study that
does not exist is 404; one the user may not open or change is 403 («Доступ запрещён»).
Anonymous visitors never get here: the login middleware sends them to the login page, and the
API authenticates by token before its endpoints run.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from django.core.exceptions import PermissionDenied
from django.db.models import OuterRef, QuerySet, Subquery
from django.http import Http404, HttpRequest
from django.shortcuts import get_object_or_404

from segprofile.web.studies.models import (
    ADMIN,
    CAPABILITIES_OF_ROLE,
    Membership,
    ProfileRun,
    Study,
)

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser, AnonymousUser

    from segprofile.model.study import Study as StudyDocument

SAFE_METHODS = ("GET", "HEAD", "OPTIONS")

RUN_TEXTS = ("result_json", "published_json", "html", "fragment")
"""A run's big columns (hundreds of kilobytes at a million rows)."""
BIG_RUN_COLUMNS = (*RUN_TEXTS, "revision__document")
"""What a run's lists and light reads leave out (read from the database when used)."""


def studies_for(user: AbstractBaseUser | AnonymousUser, need: str = "view") -> QuerySet[Study]:
    """The studies where ``user`` has the capability ``need`` (every one for an administrator)."""
    if not user.is_authenticated:
        return Study.objects.none()
    if getattr(user, "is_superuser", False):
        return Study.objects.all()
    roles = [role for role, caps in CAPABILITIES_OF_ROLE.items() if need in caps]
    return Study.objects.filter(
        memberships__user_id=user.pk, memberships__role__in=roles
    ).distinct()


def study_for(request: HttpRequest, pk: int, need: str | None = None) -> Study:
    """The study ``pk`` if the request's user has the capability ``need`` in it.

    Without ``need``, a GET needs ``view`` and any other method ``edit``. For an edit, the
    revision the form was based on (its ``base_revision`` field, see the
    ``{% base_revision_field study %}`` tag) is remembered on the study, so
    :meth:`Study.add_revision` merges with edits saved meanwhile or refuses a conflicting one.
    """
    if need is None:
        need = "view" if request.method in SAFE_METHODS else "edit"
    user = request.user
    studies = Study.objects.select_related("owner")
    if user.is_authenticated:
        # The user's role comes with the study (one query instead of two on every page).
        role = Membership.objects.filter(study=OuterRef("pk"), user_id=user.pk).values("role")
        studies = studies.annotate(user_role=Subquery(role[:1]))
    study = get_object_or_404(studies, pk=pk)
    if user.is_authenticated:
        role_of_user = study.user_role
        if role_of_user is None and getattr(user, "is_superuser", False):
            role_of_user = ADMIN
        study.remember_role(user, role_of_user)
    require(request, study, need)
    if need != "view":
        base = request.POST.get("base_revision", "")
        study.edit_base = int(base) if base.isdigit() else None
    return study


def run_for(
    request: HttpRequest,
    pk: int,
    run_pk: int,
    need: str = "view",
    *,
    light: bool = False,
    pages: bool = False,
    done: bool = False,
) -> ProfileRun:
    """The run ``run_pk`` of the study ``pk`` (checked for ``need``), with its study.

    ``light`` leaves out the big columns (read from the database when used), ``pages`` all but
    what the run's pages read (the published profile, the revision's document); ``done`` makes
    a run that has not finished well a 404.
    """
    study = study_for(request, pk, need)
    runs = ProfileRun.objects.select_related("revision", "created_by")
    if light:
        runs = runs.defer(*BIG_RUN_COLUMNS)
    elif pages:
        runs = runs.defer(*(c for c in RUN_TEXTS if c != "published_json"))
    run: ProfileRun = get_object_or_404(runs, pk=run_pk, study=study)
    if done and run.status != ProfileRun.Status.DONE:
        raise Http404
    run.study = study
    return run


def require(request: HttpRequest, study: Study, need: str) -> None:
    """403 unless the request's user has the capability ``need`` in ``study``."""
    if not study.can(request.user, need):
        raise PermissionDenied


def require_admin(request: HttpRequest) -> None:
    """403 unless the request's user is an administrator of the instance."""
    if not getattr(request.user, "is_superuser", False):
        raise PermissionDenied


def unsuppressed_requested(request: HttpRequest, study: Study, asked: Any = None) -> bool:
    """Whether this one output asks for figures without disclosure control.

    ``asked``: the API's parameter; on the site, the ``unsuppressed=1`` query parameter. Only an
    owner (or an administrator) may ask; anyone else gets 403.
    """
    if asked is None:
        asked = request.GET.get("unsuppressed") in ("1", "true", "on")
    if not asked:
        return False
    require(request, study, "manage")
    return True


def readable_document(request: HttpRequest, study: Study, document: StudyDocument) -> StudyDocument:
    """The study document as the request's user may take it away (YAML, JSON): the people of
    the research activities (pseudonyms) are the editors' working list, so a reader's copy
    keeps the activities and their targets, not who was invited."""
    if study.can(request.user, "edit"):
        return document
    copy = document.model_copy(deep=True)
    for activity in copy.research.activities:
        activity.respondents = []
    return copy


def readable_data(request: HttpRequest, study: Study, data: dict[str, Any]) -> dict[str, Any]:
    """A stored revision (its JSON) as the request's user may read it, by the rule of
    :func:`readable_document`: a reader's history compares no invited people."""
    if study.can(request.user, "edit"):
        return data
    copy = json.loads(json.dumps(data))
    for activity in (copy.get("research") or {}).get("activities") or []:
        activity["respondents"] = []
    return copy
