"""Admin pages: for administrators to look at stored studies and runs.

Everything here reads in the user's language: our models carry Russian ``verbose_name``s, the
site's header is ours, and the apps we install but do not write (the sign-in lockout, the
background tasks' table) get Russian names here too (:func:`_name_other_apps`).
"""

from __future__ import annotations

from typing import Any

from django.apps import apps
from django.contrib import admin
from django.http import HttpRequest
from django.utils.text import Truncator
from django.utils.translation import gettext_lazy as _

from segprofile.web.studies.models import AuditEvent, Membership, ProfileRun, Study, StudyRevision
from segprofile.web.studies.people import person

admin.site.site_header = _("Client segment profile: administration")
admin.site.site_title = _("Client segment profile")
admin.site.index_title = _("Site administration")


def _name_other_apps() -> None:
    """Russian names of the apps of installed packages that have none."""
    names: dict[str, Any] = {
        "axes": _("Sign-in protection"),
        "django_tasks_database": _("Background tasks"),
    }
    for label, name in names.items():
        try:
            apps.get_app_config(label).verbose_name = name
        except LookupError:  # not installed in this configuration
            continue


_name_other_apps()

_TASK_NAMES: dict[str, Any] = {
    "build_profile": _("building a profile"),
    "build_research_plan": _("computing the research plan"),
    "import_upload": _("importing a data file"),
}
_TASK_STATES: dict[str, Any] = {
    "READY": _("queued"),
    "RUNNING": _("running"),
    "FAILED": _("failed"),
    "SUCCESSFUL": _("done"),
}


class _TaskStateFilter(admin.SimpleListFilter):
    title = _("status")
    parameter_name = "status"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, Any]]:
        return list(_TASK_STATES.items())

    def queryset(self, request: HttpRequest, queryset: Any) -> Any:
        value = self.value()
        return queryset.filter(status=value) if value in _TASK_STATES else queryset


try:
    from django_tasks_db.admin import DBTaskResultAdmin
    from django_tasks_db.models import DBTaskResult
except ImportError:  # pragma: no cover — the database task backend is a dependency
    pass
else:

    class TaskResultAdmin(DBTaskResultAdmin):
        """The background tasks' table (read-only, as the package has it), in Russian."""

        list_display = ("task", "state", "enqueued_at", "started_at", "finished_at")
        list_filter = (_TaskStateFilter,)

        @admin.display(description=_("task"))
        def task(self, obj: Any) -> str:
            return str(_TASK_NAMES.get(obj.task_name, obj.task_name))

        @admin.display(description=_("status"), ordering="status")
        def state(self, obj: Any) -> str:
            return str(_TASK_STATES.get(obj.status, obj.status))

    DBTaskResult._meta.verbose_name = _("background task record")
    DBTaskResult._meta.verbose_name_plural = _("background tasks")
    for _field in DBTaskResult._meta.fields:
        if _field.name in ("enqueued_at", "started_at", "finished_at"):
            _field.verbose_name = {
                "enqueued_at": _("queued"),
                "started_at": _("started"),
                "finished_at": _("finished"),
            }[_field.name]
    if admin.site.is_registered(DBTaskResult):
        admin.site.unregister(DBTaskResult)
    admin.site.register(DBTaskResult, TaskResultAdmin)


class RevisionInline(admin.TabularInline):
    """A study's revisions, read-only: a revision is never changed or added by hand."""

    model = StudyRevision
    fields = ("number", "author_name", "created_at", "comment_text")
    readonly_fields = fields
    extra = 0
    can_delete = False
    show_change_link = False

    @admin.display(description=_("author"))
    def author_name(self, obj: StudyRevision) -> str:
        return person(obj.author) if obj.author is not None else "—"

    @admin.display(description=_("comment"))
    def comment_text(self, obj: StudyRevision) -> str:
        """The comment as the history shows it (an example by its title, not its name)."""
        return obj.comment_shown

    def has_add_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


class MembershipInline(admin.TabularInline):
    model = Membership
    fk_name = "study"
    fields = ("user", "role", "added_by", "created_at")
    readonly_fields = ("added_by", "created_at")
    extra = 0


@admin.register(Study)
class StudyAdmin(admin.ModelAdmin):
    list_display = ("title", "owner_name", "updated_at")
    search_fields = ("title", "slug")
    inlines = (MembershipInline, RevisionInline)

    @admin.display(description=_("owner"), ordering="owner__username")
    def owner_name(self, obj: Study) -> str:
        return person(obj.owner)


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    """Read-only: the audit log is never edited, not even by an administrator."""

    list_display = ("created_at", "who", "action", "study_title", "details_text", "ip_address")
    list_filter = ("action",)
    search_fields = ("username", "study_title")
    readonly_fields = (
        "created_at",
        "action",
        "who",
        "study_title",
        "details_text",
        "ip_address",
    )
    fields = readonly_fields

    @admin.display(description=_("user"), ordering="username")
    def who(self, obj: AuditEvent) -> str:
        return person(obj.user) if obj.user is not None else (obj.username or "—")

    @admin.display(description=_("details"))
    def details_text(self, obj: AuditEvent) -> str:
        """The details as the audit page writes them, never the stored keys."""
        return "; ".join(obj.details_shown()) or "—"

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


@admin.register(ProfileRun)
class ProfileRunAdmin(admin.ModelAdmin):
    """Profiles are built from the study's page (a background job), never added by hand."""

    list_display = ("study_name", "revision_number", "status", "percent", "created_at")
    list_filter = ("status",)
    list_select_related = ("study", "revision")
    readonly_fields = ("result_json", "html", "fragment", "error", "task_id")

    @admin.display(description=_("study"), ordering="study__title")
    def study_name(self, obj: ProfileRun) -> str:
        return Truncator(obj.study.title).chars(70)

    @admin.display(description=_("progress, %"))
    def percent(self, obj: ProfileRun) -> int:
        return obj.percent

    @admin.display(description=_("revision"), ordering="revision__number")
    def revision_number(self, obj: ProfileRun) -> int:
        return obj.revision.number

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False
