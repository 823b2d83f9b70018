"""Admin pages: for administrators to look at stored studies and runs."""

from __future__ import annotations

from django.contrib import admin
from django.http import HttpRequest

from segprofile.web.studies.models import AuditEvent, Membership, ProfileRun, Study, StudyRevision


class RevisionInline(admin.TabularInline):
    model = StudyRevision
    fields = ("number", "author", "created_at", "comment")
    readonly_fields = fields
    extra = 0
    can_delete = False
    show_change_link = False


class MembershipInline(admin.TabularInline):
    model = Membership
    fk_name = "study"
    fields = ("user", "role", "added_by", "created_at")
    readonly_fields = ("added_by", "created_at")
    extra = 0


@admin.register(Study)
class StudyAdmin(admin.ModelAdmin):
    list_display = ("title", "slug", "owner", "updated_at")
    search_fields = ("title", "slug")
    inlines = (MembershipInline, RevisionInline)


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    """Read-only: the audit log is never edited, not even by an administrator."""

    list_display = ("created_at", "username", "action", "study_title", "ip_address")
    list_filter = ("action",)
    search_fields = ("username", "study_title")
    readonly_fields = (
        "created_at",
        "action",
        "user",
        "username",
        "study",
        "study_title",
        "details",
        "ip_address",
    )

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


@admin.register(ProfileRun)
class ProfileRunAdmin(admin.ModelAdmin):
    list_display = ("study", "revision", "status", "progress", "created_at", "finished_at")
    list_filter = ("status",)
    readonly_fields = ("result_json", "html", "fragment", "error", "task_id")
