"""Each web study's pseudonym key: ``web-study-<pk>`` in the key store beside the data directory.

``services.workspace_for`` names it in every pipeline call about the study (imports, surveys,
raw files read for analysis, re-identification). The store is ``$SEGPROFILE_KEYS``, else
``<SEGPROFILE_HOME>-keys`` — never inside the data directory (docs/deploy.md).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from django.conf import settings

from segprofile import pipeline

if TYPE_CHECKING:
    from segprofile.web.studies.models import Study


def key_store() -> Path:
    """The directory of every study's key (owner only)."""
    return Path(settings.SEGPROFILE_KEYS)


def study_key(study: Study) -> pipeline.StudyKey:
    """The study's own key: named by its number, so two studies never share one."""
    return pipeline.StudyKey(store=key_store(), name=f"web-study-{study.pk}")


def retire_stale_key(study: Study) -> None:
    """A new study under a number whose key is still stored (the database was made anew): the
    old key is moved aside, as ``Study._prepare_data_dir`` does with the data directory."""
    pipeline.retire_study_key(study_key(study))
