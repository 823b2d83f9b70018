"""The one Python API behind every face: the CLI builds on it, the web serves it, tests call it.

Every function that reads or stores data takes a :class:`~segprofile.pipeline.workspace.Workspace`
first: where the study's data, keys and audit live and which engine runs it. The CLI builds it
from the settings, the web from the study, tests in a temporary folder::

    ws = pipeline.Workspace.in_folder(tmp_path)  # tmp_path/home, keys, staging, data
    pipeline.import_dataset(ws, "export/records.csv", study, "records", author="анна")
    profile = pipeline.profile_study(ws, study)

One module per stage of the methodology; this package re-exports them all:

- :mod:`~segprofile.pipeline.workspace` — the :class:`Workspace`;
- :mod:`~segprofile.pipeline.documents` — study documents and the worked examples;
- :mod:`~segprofile.pipeline.data_in` — any file with client data through the gate: inspect,
  import (pseudonymised, audited), versions, keys, re-identification;
- :mod:`~segprofile.pipeline.profile` — the profile (M-2…M-6), rule counts, portraits;
- :mod:`~segprofile.pipeline.research` — the research plan (M-8), surveys, interviews and
  topics as evidence (M-9);
- :mod:`~segprofile.pipeline.decisions` — the team's decisions, each a changed copy of the
  study that the caller stores as a revision (M-7, M-9, M-11);
- :mod:`~segprofile.pipeline.features` — features (M-3) against the data: columns, values,
  a live preview of segments, references;
- :mod:`~segprofile.pipeline.journeys` — journeys in and out as CSV or BPMN (M-12);
- :mod:`~segprofile.pipeline.edits` — what is typed in the browser masked as what is imported;
- :mod:`~segprofile.pipeline.outputs` — what every output shows: the published profile,
  reports (M-13), JSON.

Errors are :class:`~segprofile.errors.SegprofileError` subclasses with Russian messages; the
CLI and the web translate them (exit code, HTTP status).

Importing the package is light: the stages import the engine (Ibis), the analysis (SciPy,
scikit-learn) and the report writers (Altair) in the functions that use them, so a command
starts at once. A server process calls :func:`preload` at start instead.
"""

from __future__ import annotations

import importlib

from segprofile.analysis.compare import compare_profiles, tell_few_together
from segprofile.analysis.journeys import compare_journeys, journey_metrics
from segprofile.data import staging
from segprofile.data.datasets import ImportResult, Inspection, Manifest
from segprofile.data.isolation import Limits as ParseLimits
from segprofile.data.isolation import run_isolated
from segprofile.data.privacy import MASK, RARE, AuditRecord, StudyKey, mask_preview
from segprofile.data.readers import DELIMITER_LABELS, ENCODING_LABELS, ReadOptions
from segprofile.data.surveys import (
    SURVEY_KIND_LABELS,
    SurveyColumn,
    SurveyFile,
    normal_answer,
    read_question_mapping,
)
from segprofile.pipeline.data_in import (
    DEMO_KEEP_REASON,
    RESPONDENT_COLUMN,
    audit_original,
    delete_dataset_version,
    destroy_study_key,
    generate_demo_data,
    import_dataset,
    import_demo_data,
    inspect_file,
    joining_source,
    keep_reasons,
    list_dataset_versions,
    open_data_source,
    open_dataset,
    read_audit,
    reidentify,
    retire_study_key,
    rotate_key,
    start_isolation,
)
from segprofile.pipeline.decisions import (
    accept_recommendations,
    accept_suggested_hypotheses,
    check_eligibility_rule,
    confirm_quote,
    delete_role,
    journey_steps_of_role,
    merge_topics,
    new_role_id,
    orphaned_hypotheses,
    portrait_edit,
    portrait_with_edit,
    reject_quote,
    reject_suggested_hypotheses,
    rename_data_source,
    save_portrait_edit,
    set_eligibility_rule,
    set_hypothesis_status,
    set_segment_note,
    set_topic_name,
    suggested_hypotheses,
    suggested_recommendations,
)
from segprofile.pipeline.documents import (
    ExampleInfo,
    check,
    check_with_data,
    dump_study,
    example_study,
    imported_columns,
    imported_numeric_columns,
    list_examples,
    load_study,
    parse_study,
    rule_columns_of,
    study_from_data,
    study_hash,
)
from segprofile.pipeline.edits import (
    MaskedEdit,
    mask_comment,
    mask_edit,
    mask_file_name,
    mask_text,
    masked_by_section,
    masked_list,
)
from segprofile.pipeline.features import (
    FeatureColumn,
    FeatureColumns,
    FeaturePreview,
    check_value_labels,
    column_values,
    feature_columns,
    feature_references,
    missing_columns,
    new_feature_id,
    preview_feature,
    remove_feature,
)
from segprofile.pipeline.journeys import (
    JOURNEY_FORMATS,
    JourneyImport,
    export_journeys,
    import_journeys,
    segment_key_label,
)
from segprofile.pipeline.outputs import (
    REPORT_FORMATS,
    capacity_csat_svg,
    check_report_template,
    hidden_reason_text,
    hidden_segments,
    k_diagnostics_svg,
    priority_quadrant_svg,
    profile_css,
    profile_from_json,
    profile_to_json,
    published_profile,
    published_profile_json,
    render_profile_html,
    render_profile_pages,
    render_report,
    report_template_guide,
    report_template_placeholders,
    report_template_sections,
    reprioritised,
    sample_report_template,
)
from segprofile.pipeline.profile import (
    RuleCount,
    count_rule_matches,
    profile_study,
    segment_labels,
    segment_portrait,
)
from segprofile.pipeline.research import (
    ActivityCoverage,
    HypothesisCoverage,
    InterviewImport,
    ResearchCoverage,
    ResearchPlanResult,
    SegmentCoverage,
    SurveyImport,
    TextTopics,
    describe_masked,
    import_interviews,
    import_survey,
    inspect_survey,
    mask_note,
    plan_inputs_changed,
    plan_respondents,
    readable_plan,
    recruitment_csv,
    research_coverage,
    research_plan,
    research_segments,
    survey_results_csv,
    survey_scale_columns,
    survey_sizes,
    survey_source,
    text_sources,
    text_topics,
    topic_columns,
    topic_source,
    verdict_rules_text,
)

# issue 19: a new study from nothing, its scope edited in place, the stages of the methodology
from segprofile.pipeline.scope import (
    add_legal_act,
    change_legal_act,
    new_study,
    remove_legal_act,
    roles_citing,
    set_scope,
    study_title,
)
from segprofile.pipeline.stages import Stage, StageState, StudyStages, study_stages
from segprofile.pipeline.uploads import (
    SectionChange,
    UploadSettings,
    guess_count_column,
    section_changes,
    section_name,
    take_sections,
    takes_count,
    takes_settings,
    with_upload_settings,
)
from segprofile.pipeline.workspace import Progress, Workspace
from segprofile.report.blueprint import blueprint_svg

# What the stages import in the functions that use them. The writers of report files (DOCX,
# XLSX, PDF) are left to the first report: a server seldom needs them.
_USED_BY_STAGES = (
    "segprofile.data.engine",
    "segprofile.analysis.audience",
    "segprofile.analysis.baseline",
    "segprofile.analysis.by_feature",
    "segprofile.analysis.clusters",
    "segprofile.analysis.complaints",
    "segprofile.analysis.hypotheses",
    "segprofile.analysis.nps",
    "segprofile.analysis.personas",
    "segprofile.analysis.portraits",
    "segprofile.analysis.priority",
    "segprofile.analysis.research",
    "segprofile.analysis.rules",
    "segprofile.analysis.suppression",
    "segprofile.analysis.texts",
    "segprofile.report.build",
    "segprofile.report.charts",
    "segprofile.report.pdf",  # the HTML writer; WeasyPrint is loaded by the first PDF
)


def preload() -> None:
    """Import now what the stages import where they use them (seconds: SciPy, scikit-learn,
    Altair…).

    A server process — the web at start, the background worker — calls this so that no request
    or job waits for the imports; a command of the CLI does not, and starts at once.
    """
    for name in _USED_BY_STAGES:
        importlib.import_module(name)


__all__ = [
    "DELIMITER_LABELS",
    "DEMO_KEEP_REASON",
    "ENCODING_LABELS",
    "JOURNEY_FORMATS",
    "MASK",
    "RARE",
    "REPORT_FORMATS",
    "RESPONDENT_COLUMN",
    "SURVEY_KIND_LABELS",
    "ActivityCoverage",
    "AuditRecord",
    "ExampleInfo",
    "FeatureColumn",
    "FeatureColumns",
    "FeaturePreview",
    "HypothesisCoverage",
    "ImportResult",
    "Inspection",
    "InterviewImport",
    "JourneyImport",
    "Manifest",
    "MaskedEdit",
    "ParseLimits",
    "Progress",
    "ReadOptions",
    "ResearchCoverage",
    "ResearchPlanResult",
    "RuleCount",
    "SectionChange",
    "SegmentCoverage",
    "Stage",
    "StageState",
    "StudyKey",
    "StudyStages",
    "SurveyColumn",
    "SurveyFile",
    "SurveyImport",
    "TextTopics",
    "UploadSettings",
    "Workspace",
    "accept_recommendations",
    "accept_suggested_hypotheses",
    "add_legal_act",
    "audit_original",
    "blueprint_svg",
    "capacity_csat_svg",
    "change_legal_act",
    "check",
    "check_eligibility_rule",
    "check_report_template",
    "check_value_labels",
    "check_with_data",
    "column_values",
    "compare_journeys",
    "compare_profiles",
    "confirm_quote",
    "count_rule_matches",
    "delete_dataset_version",
    "delete_role",
    "describe_masked",
    "destroy_study_key",
    "dump_study",
    "example_study",
    "export_journeys",
    "feature_columns",
    "feature_references",
    "generate_demo_data",
    "guess_count_column",
    "hidden_reason_text",
    "hidden_segments",
    "import_dataset",
    "import_demo_data",
    "import_interviews",
    "import_journeys",
    "import_survey",
    "imported_columns",
    "imported_numeric_columns",
    "inspect_file",
    "inspect_survey",
    "joining_source",
    "journey_metrics",
    "journey_steps_of_role",
    "k_diagnostics_svg",
    "keep_reasons",
    "list_dataset_versions",
    "list_examples",
    "load_study",
    "mask_comment",
    "mask_edit",
    "mask_file_name",
    "mask_note",
    "mask_preview",
    "mask_text",
    "masked_by_section",
    "masked_list",
    "merge_topics",
    "missing_columns",
    "new_feature_id",
    "new_role_id",
    "new_study",
    "normal_answer",
    "open_data_source",
    "open_dataset",
    "orphaned_hypotheses",
    "parse_study",
    "plan_inputs_changed",
    "plan_respondents",
    "portrait_edit",
    "portrait_with_edit",
    "preload",
    "preview_feature",
    "priority_quadrant_svg",
    "profile_css",
    "profile_from_json",
    "profile_study",
    "profile_to_json",
    "published_profile",
    "published_profile_json",
    "read_audit",
    "read_question_mapping",
    "readable_plan",
    "recruitment_csv",
    "reidentify",
    "reject_quote",
    "reject_suggested_hypotheses",
    "remove_feature",
    "remove_legal_act",
    "rename_data_source",
    "render_profile_html",
    "render_profile_pages",
    "render_report",
    "report_template_guide",
    "report_template_placeholders",
    "report_template_sections",
    "reprioritised",
    "research_coverage",
    "research_plan",
    "research_segments",
    "retire_study_key",
    "roles_citing",
    "rotate_key",
    "rule_columns_of",
    "run_isolated",
    "sample_report_template",
    "save_portrait_edit",
    "section_changes",
    "section_name",
    "segment_key_label",
    "segment_labels",
    "segment_portrait",
    "set_eligibility_rule",
    "set_hypothesis_status",
    "set_scope",
    "set_segment_note",
    "set_topic_name",
    "staging",
    "start_isolation",
    "study_from_data",
    "study_hash",
    "study_stages",
    "study_title",
    "suggested_hypotheses",
    "suggested_recommendations",
    "survey_results_csv",
    "survey_scale_columns",
    "survey_sizes",
    "survey_source",
    "take_sections",
    "takes_count",
    "takes_settings",
    "tell_few_together",
    "text_sources",
    "text_topics",
    "topic_columns",
    "topic_source",
    "verdict_rules_text",
    "with_upload_settings",
]
