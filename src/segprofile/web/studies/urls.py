"""URLs of the studies app."""

from __future__ import annotations

from django.urls import path

from segprofile.web.studies.views import (
    data,
    features,
    hypotheses,
    journeys,
    keys,
    recommendations,
    reports,
    requisites,
    research,
    scope,
    segments,
    study,
    team,
)

app_name = "studies"

urlpatterns = [
    path("", study.study_list, name="list"),
    path("studies/new/", study.study_new, name="new"),
    path("studies/new/example/", study.study_create_from_example, name="create_example"),
    path("studies/new/upload/", study.study_create_from_upload, name="create_upload"),
    path("studies/<int:pk>/", study.study_detail, name="detail"),
    path("studies/<int:pk>/study.yaml", study.study_yaml, name="yaml"),
    path("studies/<int:pk>/revisions/", study.study_upload_revision, name="upload_revision"),
    path("studies/<int:pk>/rule-preview/", study.rule_preview, name="rule_preview"),
    path("studies/<int:pk>/roles/<str:role_id>/rule/", study.rule_save, name="rule_save"),
    path("studies/<int:pk>/runs/", study.run_start, name="run_start"),
    path("studies/<int:pk>/runs/<int:run_pk>/", study.run_detail, name="run"),
    path("studies/<int:pk>/runs/<int:run_pk>/progress/", study.run_progress, name="run_progress"),
    path("studies/<int:pk>/runs/<int:run_pk>/delete/", study.run_delete, name="run_delete"),
    path("studies/<int:pk>/runs/<int:run_pk>/profile.html", study.run_html, name="run_html"),
    path(
        "studies/<int:pk>/runs/<int:run_pk>/priorities/",
        study.run_priorities,
        name="run_priorities",
    ),
    path("studies/<int:pk>/segment-notes/", study.segment_note_save, name="segment_note"),
    path("studies/<int:pk>/runs/<int:run_pk>/profile.json", study.run_json, name="run_json"),
]

# Hypotheses and research (M-7 … M-9), journeys and recommendations (M-11, M-12).
urlpatterns += [
    path("studies/<int:pk>/hypotheses/", research.hypotheses_page, name="hypotheses"),
    path(
        "studies/<int:pk>/hypotheses/suggestions/",
        research.hypothesis_suggestions,
        name="hypothesis_suggestions",
    ),
    path(
        "studies/<int:pk>/hypotheses/<str:hypothesis_id>/status/",
        research.hypothesis_status,
        name="hypothesis_status",
    ),
    path("studies/<int:pk>/research/", research.research_page, name="research"),
    path(
        "studies/<int:pk>/research/plan/",
        research.research_plan_start,
        name="research_plan_start",
    ),
    path(
        "studies/<int:pk>/research/plan/progress/",
        research.research_progress,
        name="research_progress",
    ),
    path(
        "studies/<int:pk>/research/respondents.csv",
        research.research_respondents_csv,
        name="research_respondents",
    ),
    path("studies/<int:pk>/research/survey/", research.survey_upload, name="survey"),
    path(
        "studies/<int:pk>/research/survey/<str:source_id>/v<int:version>/",
        research.survey_map,
        name="survey_map",
    ),
    path("studies/<int:pk>/research/interviews/", research.interviews_page, name="interviews"),
    path(
        "studies/<int:pk>/hypotheses/<str:hypothesis_id>/quotes/<int:index>/",
        research.quote_decision,
        name="quote_decision",
    ),
    path("studies/<int:pk>/research/topics/", research.topics_page, name="topics"),
    path(
        "studies/<int:pk>/research/topics/names/",
        research.topic_names,
        name="topic_names",
    ),
    path("studies/<int:pk>/journeys/", journeys.journeys_page, name="journeys"),
    path(
        "studies/<int:pk>/journeys/export.<str:fmt>",
        journeys.journeys_export,
        name="journeys_export",
    ),
    path("studies/<int:pk>/journeys/import/", journeys.journeys_import, name="journeys_import"),
    path(
        "studies/<int:pk>/journeys/recommendations/",
        journeys.recommendations_accept,
        name="recommendations_accept",
    ),
    # The journey editor: steps added, changed, moved, deleted; journeys created (empty or copied).
    path("studies/<int:pk>/journeys/new/", journeys.journey_new, name="journey_new"),
    path(
        "studies/<int:pk>/journeys/j/<str:journey_id>/",
        journeys.journey_fragment,
        name="journey_fragment",
    ),
    path(
        "studies/<int:pk>/journeys/j/<str:journey_id>/delete/",
        journeys.journey_delete,
        name="journey_delete",
    ),
    path(
        "studies/<int:pk>/journeys/j/<str:journey_id>/steps/",
        journeys.journey_step_add,
        name="journey_step_add",
    ),
    path(
        "studies/<int:pk>/journeys/j/<str:journey_id>/add-step/",
        journeys.journey_step_add_form,
        name="journey_step_add_form",
    ),
    path(
        "studies/<int:pk>/journeys/j/<str:journey_id>/order/",
        journeys.journey_steps_order,
        name="journey_steps_order",
    ),
    path(
        "studies/<int:pk>/journeys/j/<str:journey_id>/steps/<str:step_id>/",
        journeys.journey_step_save,
        name="journey_step_save",
    ),
    path(
        "studies/<int:pk>/journeys/j/<str:journey_id>/steps/<str:step_id>/edit/",
        journeys.journey_step_edit,
        name="journey_step_edit",
    ),
    path(
        "studies/<int:pk>/journeys/j/<str:journey_id>/steps/<str:step_id>/move/",
        journeys.journey_step_move,
        name="journey_step_move",
    ),
    path(
        "studies/<int:pk>/journeys/j/<str:journey_id>/steps/<str:step_id>/delete/",
        journeys.journey_step_delete,
        name="journey_step_delete",
    ),
]

# issue 19: journeys — a journey's kind, title and segments edited in place.
urlpatterns += [
    path(
        "studies/<int:pk>/journeys/j/<str:journey_id>/edit/",
        journeys.journey_edit_form,
        name="journey_edit",
    ),
    path(
        "studies/<int:pk>/journeys/j/<str:journey_id>/save/",
        journeys.journey_save,
        name="journey_save",
    ),
]

# issue 19: research plan (M-8) — survey margin, activities with targets per segment, respondents.
urlpatterns += [
    path(
        "studies/<int:pk>/research/settings/",
        research.research_settings,
        name="research_settings",
    ),
    path(
        "studies/<int:pk>/research/activities/new/",
        research.research_activity,
        name="research_activity_new",
    ),
    path(
        "studies/<int:pk>/research/activities/<str:activity_id>/",
        research.research_activity,
        name="research_activity",
    ),
    path(
        "studies/<int:pk>/research/activities/<str:activity_id>/delete/",
        research.research_activity_delete,
        name="research_activity_delete",
    ),
    path(
        "studies/<int:pk>/research/activities/<str:activity_id>/respondents/",
        research.research_respondents_add,
        name="research_respondents_add",
    ),
    path(
        "studies/<int:pk>/research/activities/<str:activity_id>/respondents/<str:respondent_id>/",
        research.research_respondent,
        name="research_respondent",
    ),
    path(
        "studies/<int:pk>/research/activities/<str:activity_id>/respondents/<str:respondent_id>"
        "/delete/",
        research.research_respondent_delete,
        name="research_respondent_delete",
    ),
]

# The filled profile as documents a body can file (M-13).
urlpatterns += [
    path(
        "studies/<int:pk>/runs/<int:run_pk>/report.<str:fmt>",
        reports.run_report,
        name="run_report",
    ),
]

# issue 20: report template — the body's own DOCX template, uploaded by the owner, and the run's
# report filled in it.
urlpatterns += [
    path(
        "studies/<int:pk>/runs/<int:run_pk>/report-template.docx",
        reports.run_report_template,
        name="run_report_template",
    ),
    path("studies/<int:pk>/report-template/", requisites.report_template, name="report_template"),
    path(
        "studies/<int:pk>/report-template/delete/",
        requisites.report_template_delete,
        name="report_template_delete",
    ),
    path(
        "studies/<int:pk>/report-template/template.docx",
        requisites.report_template_file,
        name="report_template_file",
    ),
    path(
        "studies/<int:pk>/report-template/sample.docx",
        requisites.report_template_sample,
        name="report_template_sample",
    ),
    path(
        "studies/<int:pk>/report-template/placeholders.md",
        requisites.report_template_guide,
        name="report_template_guide",
    ),
]

# Data in (issue #3): upload, inspect, confirm and import as dataset versions.
urlpatterns += [
    path("studies/<int:pk>/data/sources/", data.data_page, name="data"),
    path("studies/<int:pk>/data/sources/upload/", data.data_upload, name="data_upload"),
    path(
        "studies/<int:pk>/data/sources/<str:source_id>/title/",
        data.data_source_title,
        name="data_source_title",
    ),
    path(
        "studies/<int:pk>/data/uploads/<str:token>/",
        data.data_inspect,
        name="data_inspect",
    ),
    path(
        "studies/<int:pk>/data/uploads/<str:token>/delete/",
        data.data_discard,
        name="data_discard",
    ),
    path(
        "studies/<int:pk>/data/imports/<int:import_pk>/",
        data.data_import,
        name="data_import",
    ),
    path(
        "studies/<int:pk>/data/imports/<int:import_pk>/progress/",
        data.data_import_progress,
        name="data_import_progress",
    ),
    path(
        "studies/<int:pk>/data/originals/<str:token>/delete/",
        data.data_original_delete,
        name="data_original_delete",
    ),
    path(
        "studies/<int:pk>/data/sources/<str:source_id>/v<int:version>/delete/",
        data.data_version_delete,
        name="data_version_delete",
    ),
]

# The team's shared workspace (issue #9): members, history, profiles compared, audit, deletion.
urlpatterns += [
    path("studies/<int:pk>/members/", team.members, name="members"),
    path("studies/<int:pk>/members/add/", team.member_add, name="member_add"),
    path(
        "studies/<int:pk>/members/<int:member_pk>/",
        team.member_change,
        name="member_change",
    ),
    path("studies/<int:pk>/history/", team.history, name="history"),
    path("studies/<int:pk>/history/compare/", team.revision_compare, name="compare"),
    path(
        "studies/<int:pk>/history/<int:number>/restore/",
        team.revision_restore,
        name="restore",
    ),
    path("studies/<int:pk>/runs/compare/", team.runs_compare, name="runs_compare"),
    path("studies/<int:pk>/audit/", team.study_audit, name="audit"),
    path("studies/<int:pk>/delete/", team.study_delete, name="delete"),
    path("audit/", team.audit_all, name="audit_all"),
]

# Segments (M-5) and clusters with portraits (M-4) of a finished run; the team's portrait edits.
urlpatterns += [
    path(
        "studies/<int:pk>/runs/<int:run_pk>/segments/",
        segments.run_segments,
        name="run_segments",
    ),
    path(
        "studies/<int:pk>/runs/<int:run_pk>/segments/card/",
        segments.run_segment,
        name="run_segment",
    ),
    path(
        "studies/<int:pk>/runs/<int:run_pk>/clusters/",
        segments.run_clusters,
        name="run_clusters",
    ),
    path(
        "studies/<int:pk>/runs/<int:run_pk>/clusters/<int:number>/",
        segments.run_cluster,
        name="run_cluster",
    ),
    path(
        "studies/<int:pk>/runs/<int:run_pk>/clusters/<int:number>/edit/",
        segments.run_cluster_edit,
        name="run_cluster_edit",
    ),
]

# Re-identification by the key holder (M-8 recruitment): contacts of the chosen respondents.
urlpatterns += [
    path("studies/<int:pk>/research/contacts/", keys.reidentify, name="reidentify"),
]

# issue 19: roles and audiences (M-2), segmentation settings (M-4…M-6), priority (M-6)
urlpatterns += [
    path("studies/<int:pk>/roles/", study.roles_section, name="roles_section"),
    path("studies/<int:pk>/roles/new/", study.role_edit, name="role_new"),
    path("studies/<int:pk>/roles/<str:role_id>/", study.role_edit, name="role_edit"),
    path("studies/<int:pk>/roles/<str:role_id>/delete/", study.role_delete, name="role_delete"),
    path("studies/<int:pk>/settings/", study.settings_section, name="settings_section"),
    path("studies/<int:pk>/settings/edit/", study.settings_edit, name="settings_edit"),
    path(
        "studies/<int:pk>/runs/<int:run_pk>/priorities/preview/",
        study.priority_preview,
        name="priority_preview",
    ),
    path(
        "studies/<int:pk>/runs/<int:run_pk>/priorities/settings/",
        study.priority_save,
        name="priority_save",
    ),
]

# issue 19: a new study from nothing, the scope and its legal acts edited in place (M-1)
urlpatterns += [
    path("studies/new/blank/", study.study_create_blank, name="create_blank"),
    path("studies/<int:pk>/scope/", scope.scope_section, name="scope"),
    path("studies/<int:pk>/scope/edit/", scope.scope_edit, name="scope_edit"),
    path("studies/<int:pk>/scope/acts/new/", scope.legal_act_add, name="legal_act_add"),
    path("studies/<int:pk>/scope/acts/<str:act_id>/", scope.legal_act_edit, name="legal_act_edit"),
    path(
        "studies/<int:pk>/scope/acts/<str:act_id>/delete/",
        scope.legal_act_delete,
        name="legal_act_delete",
    ),
]

# issue 19: features (M-3), edited in place on the study page.
urlpatterns += [
    path("studies/<int:pk>/features/", features.features_section, name="features"),
    path("studies/<int:pk>/features/add/", features.feature_form, name="feature_add"),
    path("studies/<int:pk>/features/preview/", features.feature_preview, name="feature_preview"),
    path("studies/<int:pk>/features/pairs/", features.feature_pair_add, name="feature_pair_add"),
    path(
        "studies/<int:pk>/features/pairs/<str:first>/<str:second>/delete/",
        features.feature_pair_delete,
        name="feature_pair_delete",
    ),
    path(
        "studies/<int:pk>/features/<str:feature_id>/edit/",
        features.feature_form,
        name="feature_edit",
    ),
    path(
        "studies/<int:pk>/features/<str:feature_id>/preview/",
        features.feature_preview,
        name="feature_preview_edit",
    ),
    path(
        "studies/<int:pk>/features/<str:feature_id>/delete/",
        features.feature_delete,
        name="feature_delete",
    ),
]

# issue 19: hypotheses (M-7) and recommendations (M-11) written, changed and deleted in the browser.
urlpatterns += [
    path("studies/<int:pk>/hypotheses/new/", hypotheses.hypothesis_new, name="hypothesis_new"),
    path(
        "studies/<int:pk>/hypotheses/<str:hypothesis_id>/edit/",
        hypotheses.hypothesis_edit,
        name="hypothesis_edit",
    ),
    path(
        "studies/<int:pk>/hypotheses/<str:hypothesis_id>/delete/",
        hypotheses.hypothesis_delete,
        name="hypothesis_delete",
    ),
    path(
        "studies/<int:pk>/recommendations/",
        recommendations.recommendations_page,
        name="recommendations",
    ),
    path(
        "studies/<int:pk>/recommendations/new/",
        recommendations.recommendation_new,
        name="recommendation_new",
    ),
    path(
        "studies/<int:pk>/recommendations/suggestions/",
        recommendations.recommendation_suggestions,
        name="recommendation_suggestions",
    ),
    path(
        "studies/<int:pk>/recommendations/<str:recommendation_id>/edit/",
        recommendations.recommendation_edit,
        name="recommendation_edit",
    ),
    path(
        "studies/<int:pk>/recommendations/<str:recommendation_id>/delete/",
        recommendations.recommendation_delete,
        name="recommendation_delete",
    ),
]

# issue 20: the filed document's details (M-13), edited in place on the study page
urlpatterns += [
    path("studies/<int:pk>/requisites/", requisites.requisites_section, name="requisites"),
    path("studies/<int:pk>/requisites/edit/", requisites.requisites_edit, name="requisites_edit"),
]
