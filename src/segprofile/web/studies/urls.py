"""URLs of the studies app."""

from __future__ import annotations

from django.urls import path

from segprofile.web.studies import (
    views,
    views_data,
    views_journeys,
    views_reports,
    views_research,
)

app_name = "studies"

urlpatterns = [
    path("", views.study_list, name="list"),
    path("studies/new/", views.study_new, name="new"),
    path("studies/new/example/", views.study_create_from_example, name="create_example"),
    path("studies/new/upload/", views.study_create_from_upload, name="create_upload"),
    path("studies/<int:pk>/", views.study_detail, name="detail"),
    path("studies/<int:pk>/study.yaml", views.study_yaml, name="yaml"),
    path("studies/<int:pk>/revisions/", views.study_upload_revision, name="upload_revision"),
    path("studies/<int:pk>/rule-preview/", views.rule_preview, name="rule_preview"),
    path("studies/<int:pk>/roles/<str:role_id>/rule/", views.rule_save, name="rule_save"),
    path("studies/<int:pk>/runs/", views.run_start, name="run_start"),
    path("studies/<int:pk>/runs/<int:run_pk>/", views.run_detail, name="run"),
    path("studies/<int:pk>/runs/<int:run_pk>/progress/", views.run_progress, name="run_progress"),
    path("studies/<int:pk>/runs/<int:run_pk>/profile.html", views.run_html, name="run_html"),
    path(
        "studies/<int:pk>/runs/<int:run_pk>/priorities/",
        views.run_priorities,
        name="run_priorities",
    ),
    path("studies/<int:pk>/segment-notes/", views.segment_note_save, name="segment_note"),
    path("studies/<int:pk>/runs/<int:run_pk>/profile.json", views.run_json, name="run_json"),
]

# Hypotheses and research (M-7 … M-9), journeys and recommendations (M-11, M-12).
urlpatterns += [
    path("studies/<int:pk>/hypotheses/", views_research.hypotheses_page, name="hypotheses"),
    path(
        "studies/<int:pk>/hypotheses/suggestions/",
        views_research.hypothesis_suggestions,
        name="hypothesis_suggestions",
    ),
    path(
        "studies/<int:pk>/hypotheses/<str:hypothesis_id>/status/",
        views_research.hypothesis_status,
        name="hypothesis_status",
    ),
    path("studies/<int:pk>/research/", views_research.research_page, name="research"),
    path(
        "studies/<int:pk>/research/plan/",
        views_research.research_plan_start,
        name="research_plan_start",
    ),
    path(
        "studies/<int:pk>/research/plan/progress/",
        views_research.research_progress,
        name="research_progress",
    ),
    path(
        "studies/<int:pk>/research/respondents.csv",
        views_research.research_respondents_csv,
        name="research_respondents",
    ),
    path("studies/<int:pk>/research/survey/", views_research.survey_upload, name="survey"),
    path(
        "studies/<int:pk>/research/survey/<str:source_id>/v<int:version>/",
        views_research.survey_map,
        name="survey_map",
    ),
    path(
        "studies/<int:pk>/research/interviews/", views_research.interviews_page, name="interviews"
    ),
    path(
        "studies/<int:pk>/hypotheses/<str:hypothesis_id>/quotes/<int:index>/",
        views_research.quote_decision,
        name="quote_decision",
    ),
    path("studies/<int:pk>/research/topics/", views_research.topics_page, name="topics"),
    path(
        "studies/<int:pk>/research/topics/names/",
        views_research.topic_names,
        name="topic_names",
    ),
    path("studies/<int:pk>/journeys/", views_journeys.journeys_page, name="journeys"),
    path(
        "studies/<int:pk>/journeys/export.<str:fmt>",
        views_journeys.journeys_export,
        name="journeys_export",
    ),
    path(
        "studies/<int:pk>/journeys/import/", views_journeys.journeys_import, name="journeys_import"
    ),
    path(
        "studies/<int:pk>/journeys/recommendations/",
        views_journeys.recommendations_accept,
        name="recommendations_accept",
    ),
    # The journey editor: steps added, changed, moved, deleted; target journeys copied.
    path("studies/<int:pk>/journeys/new/", views_journeys.journey_new, name="journey_new"),
    path(
        "studies/<int:pk>/journeys/j/<str:journey_id>/",
        views_journeys.journey_fragment,
        name="journey_fragment",
    ),
    path(
        "studies/<int:pk>/journeys/j/<str:journey_id>/delete/",
        views_journeys.journey_delete,
        name="journey_delete",
    ),
    path(
        "studies/<int:pk>/journeys/j/<str:journey_id>/steps/",
        views_journeys.journey_step_add,
        name="journey_step_add",
    ),
    path(
        "studies/<int:pk>/journeys/j/<str:journey_id>/add-step/",
        views_journeys.journey_step_add_form,
        name="journey_step_add_form",
    ),
    path(
        "studies/<int:pk>/journeys/j/<str:journey_id>/order/",
        views_journeys.journey_steps_order,
        name="journey_steps_order",
    ),
    path(
        "studies/<int:pk>/journeys/j/<str:journey_id>/steps/<str:step_id>/",
        views_journeys.journey_step_save,
        name="journey_step_save",
    ),
    path(
        "studies/<int:pk>/journeys/j/<str:journey_id>/steps/<str:step_id>/edit/",
        views_journeys.journey_step_edit,
        name="journey_step_edit",
    ),
    path(
        "studies/<int:pk>/journeys/j/<str:journey_id>/steps/<str:step_id>/move/",
        views_journeys.journey_step_move,
        name="journey_step_move",
    ),
    path(
        "studies/<int:pk>/journeys/j/<str:journey_id>/steps/<str:step_id>/delete/",
        views_journeys.journey_step_delete,
        name="journey_step_delete",
    ),
]

# The filled profile as documents a body can file (M-13).
urlpatterns += [
    path(
        "studies/<int:pk>/runs/<int:run_pk>/report.<str:fmt>",
        views_reports.run_report,
        name="run_report",
    ),
]

# Data in (issue #3): upload, inspect, confirm and import as dataset versions.
urlpatterns += [
    path("studies/<int:pk>/data/sources/", views_data.data_page, name="data"),
    path("studies/<int:pk>/data/sources/upload/", views_data.data_upload, name="data_upload"),
    path(
        "studies/<int:pk>/data/uploads/<str:token>/",
        views_data.data_inspect,
        name="data_inspect",
    ),
    path(
        "studies/<int:pk>/data/uploads/<str:token>/delete/",
        views_data.data_discard,
        name="data_discard",
    ),
    path(
        "studies/<int:pk>/data/imports/<int:import_pk>/",
        views_data.data_import,
        name="data_import",
    ),
    path(
        "studies/<int:pk>/data/imports/<int:import_pk>/progress/",
        views_data.data_import_progress,
        name="data_import_progress",
    ),
    path(
        "studies/<int:pk>/data/originals/<str:token>/delete/",
        views_data.data_original_delete,
        name="data_original_delete",
    ),
    path(
        "studies/<int:pk>/data/sources/<str:source_id>/v<int:version>/delete/",
        views_data.data_version_delete,
        name="data_version_delete",
    ),
]

# The team's shared workspace (issue #9): members, history, profiles compared, audit, deletion.
from segprofile.web.studies import views_team  # noqa: E402

urlpatterns += [
    path("studies/<int:pk>/members/", views_team.members, name="members"),
    path("studies/<int:pk>/members/add/", views_team.member_add, name="member_add"),
    path(
        "studies/<int:pk>/members/<int:member_pk>/",
        views_team.member_change,
        name="member_change",
    ),
    path("studies/<int:pk>/history/", views_team.history, name="history"),
    path("studies/<int:pk>/history/compare/", views_team.revision_compare, name="compare"),
    path(
        "studies/<int:pk>/history/<int:number>/restore/",
        views_team.revision_restore,
        name="restore",
    ),
    path("studies/<int:pk>/runs/compare/", views_team.runs_compare, name="runs_compare"),
    path("studies/<int:pk>/audit/", views_team.study_audit, name="audit"),
    path("studies/<int:pk>/delete/", views_team.study_delete, name="delete"),
    path("audit/", views_team.audit_all, name="audit_all"),
]

# Segments (M-5) and clusters with portraits (M-4) of a finished run; the team's portrait edits.
from segprofile.web.studies import views_segments  # noqa: E402

urlpatterns += [
    path(
        "studies/<int:pk>/runs/<int:run_pk>/segments/",
        views_segments.run_segments,
        name="run_segments",
    ),
    path(
        "studies/<int:pk>/runs/<int:run_pk>/clusters/",
        views_segments.run_clusters,
        name="run_clusters",
    ),
    path(
        "studies/<int:pk>/runs/<int:run_pk>/clusters/<int:number>/",
        views_segments.run_cluster,
        name="run_cluster",
    ),
    path(
        "studies/<int:pk>/runs/<int:run_pk>/clusters/<int:number>/edit/",
        views_segments.run_cluster_edit,
        name="run_cluster_edit",
    ),
]

# Re-identification by the key holder (M-8 recruitment): contacts of the chosen respondents.
from segprofile.web.studies import views_keys  # noqa: E402

urlpatterns += [
    path("studies/<int:pk>/research/contacts/", views_keys.reidentify, name="reidentify"),
]
