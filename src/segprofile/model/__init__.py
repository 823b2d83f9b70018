"""The pure model: the Study document, result types, YAML round-trip and methodology checks."""

from __future__ import annotations

from segprofile.model.checks import Finding, Severity, check_study, is_complete
from segprofile.model.results import Profile
from segprofile.model.spec_yaml import (
    dump_study,
    load_study,
    load_study_text,
    study_from_data,
    study_json_schema,
)
from segprofile.model.study import SCHEMA_VERSION, Study

__all__ = [
    "SCHEMA_VERSION",
    "Finding",
    "Profile",
    "Severity",
    "Study",
    "check_study",
    "dump_study",
    "is_complete",
    "load_study",
    "load_study_text",
    "study_from_data",
    "study_json_schema",
]
