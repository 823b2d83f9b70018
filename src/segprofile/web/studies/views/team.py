"""The team's shared workspace (issue #9): members and roles, history of revisions with
differences in words, restoring a revision, comparing two profiles, the audit log, deletion.

Access as everywhere: ``study_for(request, pk, need=…)``.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.core.paginator import Paginator
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.dateparse import parse_datetime
from django.utils.formats import date_format
from django.utils.timezone import localtime
from django.utils.translation import gettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from segprofile import pipeline
from segprofile.errors import SegprofileError
from segprofile.model.diff import describe_changes, describe_sections
from segprofile.model.results import Profile
from segprofile.web.studies import access, runs, services
from segprofile.web.studies.access import study_for
from segprofile.web.studies.audit import audit
from segprofile.web.studies.forms.team import MemberForm
from segprofile.web.studies.keys import study_key
from segprofile.web.studies.models import (
    OWNER,
    AuditEvent,
    Membership,
    ProfileRun,
    Study,
    StudyRevision,
)
from segprofile.web.studies.people import person

_AUDIT_PAGE = 100
_HISTORY_PAGE = 30


# --- members -----------------------------------------------------------------------------------


def _members_page(
    request: HttpRequest, study: Study, form: MemberForm | None = None, status: int = 200
) -> HttpResponse:
    memberships = study.memberships.select_related("user", "added_by").order_by(
        "role", "user__username"
    )
    context = {
        "study": study,
        "memberships": memberships,
        "form": form or MemberForm(),
        "roles": Membership.Role.choices,
        "owners": sum(1 for m in memberships if m.role == OWNER),
    }
    return render(request, "studies/team/members.html", context, status=status)


@require_GET
def members(request: HttpRequest, pk: int) -> HttpResponse:
    """Who works on the study and in which role; owners add, change and remove members."""
    return _members_page(request, study_for(request, pk, need="manage"))


@require_POST
def member_add(request: HttpRequest, pk: int) -> HttpResponse:
    """Add the account with exactly this name. The answer is the same whether such an account
    exists or not, so the form cannot be used to find out which names exist; the members list
    shows who was added."""
    study = study_for(request, pk, need="manage")
    form = MemberForm(request.POST)
    if not form.is_valid():
        return _members_page(request, study, form, status=400)
    name = form.cleaned_data["username"]
    role = form.cleaned_data["role"]
    user = get_user_model().objects.filter(username=name, is_active=True).first()
    if user is not None and study.memberships.filter(user=user).exists():
        # Members are listed on this very page: saying so tells nothing new.
        form.add_error(
            "username",
            gettext("«%(name)s» is already a member; change the role in the list.")
            % {"name": name},
        )
        return _members_page(request, study, form, status=400)
    if user is not None:
        Membership.objects.create(study=study, user=user, role=role, added_by=request.user)
        audit(request, AuditEvent.Action.MEMBER_ADDED, study, {"member": name, "role": role})
    messages.success(
        request,
        gettext(
            "If there is an active account «%(name)s», it now has the role «%(role)s» in this "
            "study and is in the list below. Check the name letter by letter; accounts are "
            "created by an administrator."
        )
        % {"name": name, "role": Membership.Role(role).label},
    )
    return redirect("studies:members", pk=study.pk)


@require_POST
def member_change(request: HttpRequest, pk: int, member_pk: int) -> HttpResponse:
    """Change a member's role (``role``) or remove them (``action=remove``)."""
    study = study_for(request, pk, need="manage")
    back = redirect("studies:members", pk=study.pk)
    with transaction.atomic():
        Study.objects.select_for_update().filter(pk=study.pk).first()
        member = get_object_or_404(
            Membership.objects.select_related("user"), pk=member_pk, study=study
        )
        name = member.user.get_username()
        remove = request.POST.get("action") == "remove"
        role = request.POST.get("role", "")
        if not remove and role not in Membership.Role.values:
            messages.error(request, gettext("Choose a role."))
            return back
        other_owners = study.memberships.filter(role=OWNER).exclude(pk=member.pk).count()
        if member.role == OWNER and (remove or role != OWNER) and other_owners == 0:
            messages.error(
                request,
                gettext(
                    "The study must keep at least one owner: make someone else an owner first."
                ),
            )
            return back
        if remove:
            member.delete()
            action, details = (
                AuditEvent.Action.MEMBER_REMOVED,
                {"member": name, "role": member.role},
            )
            text = gettext("%(name)s no longer has access to the study.") % {
                "name": person(member.user)
            }
        elif role == member.role:
            return back
        else:
            details = {"member": name, "from": member.role, "to": role}
            member.role = role
            member.save(update_fields=["role"])
            action = AuditEvent.Action.MEMBER_CHANGED
            text = gettext("%(name)s is now %(role)s.") % {
                "name": person(member.user),
                "role": Membership.Role(role).label,
            }
    audit(request, action, study, details)
    messages.success(request, text)
    if remove and member.user_id == request.user.pk and not study.can_view(request.user):
        return redirect("studies:list")
    return back


# --- history: revisions, differences, restore ---------------------------------------------------


@require_GET
def history(request: HttpRequest, pk: int) -> HttpResponse:
    """Every revision with its author, time, comment and what changed against the previous,
    section by section in words («Гипотезы: добавлена гипотеза № 3 «…»»)."""
    study = study_for(request, pk, need="view")
    revisions = study.revisions.select_related("author").order_by("-number")
    page = Paginator(revisions, _HISTORY_PAGE).get_page(request.GET.get("page"))
    shown = list(page.object_list)
    numbers = [r.number - 1 for r in shown]
    previous = {
        r.number: access.readable_data(request, study, r.document)
        for r in study.revisions.filter(number__in=numbers).only("number", "document")
    }
    rows = [
        {
            "revision": r,
            "sections": describe_sections(
                previous[r.number - 1], access.readable_data(request, study, r.document)
            )
            if r.number - 1 in previous
            else [],
            "first": r.number == 1,
        }
        for r in shown
    ]
    context = {
        "study": study,
        "rows": rows,
        "page": page,
        "current": study.current_revision(),
        "runs": _finished_runs(study),
    }
    return render(request, "studies/team/history.html", context)


def _revision(study: Study, value: str | None, default: StudyRevision | None) -> StudyRevision:
    if value is None or value == "":
        if default is None:
            raise Http404
        return default
    if not value.isdigit():
        raise Http404
    return get_object_or_404(study.revisions.select_related("author"), number=int(value))


@require_GET
def revision_compare(request: HttpRequest, pk: int) -> HttpResponse:
    """Two revisions compared in words: ``?a=3&b=5`` (default: the current one and the one
    before it)."""
    study = study_for(request, pk, need="view")
    current = study.current_revision()
    new = _revision(study, request.GET.get("b"), current)
    before = study.revisions.filter(number__lt=new.number).order_by("-number").first()
    old = _revision(study, request.GET.get("a"), before or new)
    context = {
        "study": study,
        "old": old,
        "new": new,
        "sections": describe_sections(
            access.readable_data(request, study, old.document),
            access.readable_data(request, study, new.document),
        ),
        "numbers": list(study.revisions.order_by("-number").values_list("number", flat=True)),
        "current": current,
    }
    return render(request, "studies/team/compare.html", context)


@require_POST
def revision_restore(request: HttpRequest, pk: int, number: int) -> HttpResponse:
    """Revision ``number`` becomes the content again — as a new revision; nothing is lost."""
    study = study_for(request, pk, need="edit")
    old = get_object_or_404(study.revisions, number=number)
    comment = gettext("Restored revision %(number)s") % {"number": number}
    reason = request.POST.get("comment", "").strip()
    if reason:
        comment += f": {reason}"
    revision = study.add_revision(old.to_document(), author=request.user, comment=comment)
    audit(
        request,
        AuditEvent.Action.RESTORED,
        study,
        {"restored": number, "revision": revision.number},
    )
    messages.success(
        request,
        gettext("Revision %(old)s was restored as revision %(number)s.")
        % {"old": number, "number": revision.number},
    )
    return redirect("studies:history", pk=study.pk)


# --- profiles compared -------------------------------------------------------------------------


def _finished_runs(study: Study) -> list[ProfileRun]:
    return list(
        study.runs.filter(status=ProfileRun.Status.DONE)
        .select_related("revision")
        .defer(*access.RUN_TEXTS)
        .order_by("-created_at", "-pk")
    )


@require_GET
def runs_compare(request: HttpRequest, pk: int) -> HttpResponse:
    """Two finished profiles compared: the segments whose capacity or CSAT moved
    (``?a=<older run>&b=<newer run>``; default: the two latest)."""
    study = study_for(request, pk, need="view")
    finished = _finished_runs(study)
    by_pk = {run.pk: run for run in finished}

    def pick(name: str, default: ProfileRun | None) -> ProfileRun | None:
        value = request.GET.get(name, "")
        if not value:
            return default
        if not value.isdigit() or int(value) not in by_pk:
            raise Http404
        return by_pk[int(value)]

    new = pick("b", finished[0] if finished else None)
    old = pick("a", finished[1] if len(finished) > 1 else None)
    context: dict[str, Any] = {"study": study, "runs": finished, "old": old, "new": new}
    if old is not None and old == new:
        # A profile against itself would say «nothing moved» about nothing: refused, the form
        # stays to choose another.
        context["same_error"] = gettext(
            "Choose two different profiles: a profile compared with itself shows no changes."
        )
        return render(request, "studies/team/runs_compare.html", context, status=400)
    if old is not None and new is not None:
        # Each run as its pages show it: small groups hidden by its own revision's rules.
        before, after = runs.published(old), runs.published(new)
        context["comparison"] = pipeline.compare_profiles(before, after)
        data_old, data_new = _run_data(study, old, before), _run_data(study, new, after)
        # Each run with the data it read that the other did not; the data both read, once.
        same = {k: v for k, v in data_new.items() if _same_data(data_old.get(k), v)}
        context["data_old"] = {k: v for k, v in data_old.items() if k not in same}
        context["data_new"] = {k: v for k, v in data_new.items() if k not in same}
        context["data_same"] = same
        context["changes"] = _data_changes(data_old, data_new) + (
            describe_changes(
                access.readable_data(request, study, old.revision.document),
                access.readable_data(request, study, new.revision.document),
            )
            if old.revision_id != new.revision_id
            else []
        )
    return render(request, "studies/team/runs_compare.html", context)


def _run_data(study: Study, run: ProfileRun, profile: Profile) -> dict[str, dict[str, Any]]:
    """The data a run read, by source: its title, the imported version and when that version
    was imported (``None`` for a file read as it was), the file's checksum."""
    titles = {s.id: s.title or s.path for s in run.revision.to_document().data_sources}
    out: dict[str, dict[str, Any]] = {}
    for file in profile.provenance.data_files:
        imported = None
        if file.version is not None:
            try:
                found = pipeline.list_dataset_versions(
                    services.workspace_for(study), profile.study_id, file.source_id
                )
            except SegprofileError:
                found = []
            imported = next(
                (parse_datetime(m.created_at) for m in found if m.version == file.version), None
            )
        out[file.source_id] = {
            "title": titles.get(file.source_id, file.path),
            "version": file.version,
            "imported": imported,
            "sha256": file.sha256,
        }
    return out


def _same_data(a: dict[str, Any] | None, b: dict[str, Any]) -> bool:
    return a is not None and (a["version"], a["sha256"]) == (b["version"], b["sha256"])


def _data_changes(old: dict[str, dict[str, Any]], new: dict[str, dict[str, Any]]) -> list[str]:
    """What changed in the data between two runs, source by source, in words."""
    lines = []
    for source in [*old, *(s for s in new if s not in old)]:
        a, b = old.get(source), new.get(source)
        if a is None or b is None:
            text = (
                gettext("Data «%(title)s» was read only by the later profile.")
                if a is None
                else gettext("Data «%(title)s» was read only by the earlier profile.")
            )
            lines.append(text % {"title": (b or a or {})["title"]})
            continue
        if a["version"] != b["version"] and b["version"] is not None:
            when = (
                gettext(", imported %(when)s")
                % {"when": date_format(localtime(b["imported"]), "SHORT_DATETIME_FORMAT")}
                if b["imported"] is not None
                else ""
            )
            lines.append(
                gettext("Data «%(title)s»: version %(old)s → version %(new)s%(when)s.")
                % {
                    "title": b["title"],
                    "old": a["version"] or "—",
                    "new": b["version"],
                    "when": when,
                }
            )
        elif a["sha256"] != b["sha256"]:
            lines.append(gettext("Data «%(title)s»: the file changed.") % {"title": b["title"]})
    return lines


# --- audit log ---------------------------------------------------------------------------------


def _audit_page(
    request: HttpRequest, events: Any, study: Study | None, template: str
) -> HttpResponse:
    action = request.GET.get("action", "")
    if action in AuditEvent.Action.values:
        events = events.filter(action=action)
    page = Paginator(events.select_related("user", "study"), _AUDIT_PAGE).get_page(
        request.GET.get("page")
    )
    # Data sources by their titles, as the data page names them: each study's read once.
    titles: dict[int | None, dict[str, str]] = {}
    for event in page.object_list:
        if event.study_id not in titles:
            titles[event.study_id] = event.source_titles()
        event.shown = event.details_shown(titles[event.study_id])
    context = {
        "study": study,
        "page": page,
        "actions": AuditEvent.Action.choices,
        "action": action,
    }
    return render(request, template, context)


@require_GET
def study_audit(request: HttpRequest, pk: int) -> HttpResponse:
    """The study's audit log, for its owners."""
    study = study_for(request, pk, need="manage")
    return _audit_page(request, study.audit_events.all(), study, "studies/team/audit.html")


@require_GET
def audit_all(request: HttpRequest) -> HttpResponse:
    """Every audit event of the instance (sign-ins included), for administrators."""
    access.require_admin(request)
    return _audit_page(request, AuditEvent.objects.all(), None, "studies/team/audit.html")


# --- deletion ----------------------------------------------------------------------------------


def _same_title(typed: str, title: str) -> bool:
    def norm(text: str) -> str:
        return " ".join(text.split()).casefold()

    return bool(typed.strip()) and norm(typed) == norm(title)


@require_http_methods(["GET", "POST"])
def study_delete(request: HttpRequest, pk: int) -> HttpResponse:
    """Delete a study with its revisions, profiles and data files (owners, after a confirmation
    with the study's title typed: spaces and capitals do not matter)."""
    study = study_for(request, pk, need="manage")
    error = ""
    if request.method == "POST":
        if _same_title(request.POST.get("confirm", ""), study.title):
            details = {
                "revisions": study.revisions.count(),
                "runs": study.runs.count(),
            }
            audit(request, AuditEvent.Action.DELETED, study, details)
            root: Path = study.data_dir().parent
            area = services.staging_area(study)
            key = study_key(study)
            with transaction.atomic():
                study.runs.all().delete()
                study.delete()
            shutil.rmtree(root, ignore_errors=True)
            # Its uploads waiting for import and any original kept by an owner go too, and its
            # pseudonym keys: the pseudonyms in reports downloaded before lead to no one now.
            pipeline.staging.discard_area(services.staging_root(), area)
            pipeline.destroy_study_key(key)
            messages.success(
                request, gettext("The study «%(title)s» was deleted.") % {"title": study.title}
            )
            return redirect("studies:list")
        error = gettext("Type the study's title exactly to confirm.")
    context = {"study": study, "error": error}
    return render(request, "studies/team/delete.html", context, status=400 if error else 200)
