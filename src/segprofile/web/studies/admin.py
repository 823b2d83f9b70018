"""Admin pages: for administrators to look at stored studies and runs."""

from __future__ import annotations

from django.contrib import admin

from segprofile.web.studies.models import ProfileRun, Study, StudyRevision


class RevisionInline(admin.TabularInline):
    model = StudyRevision
    fields = ("number", "author", "created_at", "comment")
    readonly_fields = fields
    extra = 0
    can_delete = False
    show_change_link = False


@admin.register(Study)
class StudyAdmin(admin.ModelAdmin):
    list_display = ("title", "slug", "owner", "updated_at")
    search_fields = ("title", "slug")
    inlines = (RevisionInline,)


@admin.register(ProfileRun)
class ProfileRunAdmin(admin.ModelAdmin):
    list_display = ("study", "revision", "status", "progress", "created_at", "finished_at")
    list_filter = ("status",)
    readonly_fields = ("result_json", "html", "fragment", "error", "task_id")
