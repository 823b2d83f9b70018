"""The child-benefit example with a finished profile run, for web tests that need real segments
and suggestions: built once per test process (``example_built`` in ``tests/web/conftest.py``),
stored as a fresh study per test, with the pages the worker stores with a run (drawn once per
test process too)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from django.contrib.auth.models import User

from segprofile import pipeline
from segprofile.model.study import Study as StudyDocument
from segprofile.web.studies import runs
from segprofile.web.studies.models import ProfileRun, Study

EXAMPLE = "child-benefit"

#: The pages of the example's built profile (published profile, labels, some 15 charts: seconds
#: to draw), by its JSON: drawn at the first store, as the worker draws them after a build.
_PAGES: dict[str, runs.RunPages] = {}


def build_example(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    """Demo records of the example (1,500 rows, seed 4) and its profile as JSON."""
    data = tmp_path_factory.mktemp("child-benefit-data")
    pipeline.generate_demo_data(EXAMPLE, data, rows=1500, seed=4)
    profile = pipeline.profile_study(
        pipeline.Workspace.in_folder(tmp_path_factory.mktemp("ws"), data_dir=data),
        pipeline.example_study(EXAMPLE),
    )
    return data, pipeline.profile_to_json(profile)


def store_example(
    user: User,
    built: tuple[Path, str],
    *,
    document: StudyDocument | None = None,
    with_run: bool = True,
) -> Study:
    """A fresh study of the example (or ``document``) for ``user`` with the built records and,
    if ``with_run``, the built profile stored as its finished run."""
    data, result_json = built
    study = Study.create_from_document(
        document or pipeline.example_study(EXAMPLE), owner=user, comment="пример"
    )
    for path in data.iterdir():
        shutil.copy(path, study.data_dir() / path.name)
    if with_run:
        run = ProfileRun.objects.create(
            study=study,
            revision=study.current_revision(),
            status=ProfileRun.Status.DONE,
            progress=1.0,
            result_json=result_json,
        )
        if document is None:  # another document's pages are prepared when first read
            if result_json not in _PAGES:
                _PAGES[result_json] = runs.prepare(
                    pipeline.profile_from_json(result_json), pipeline.example_study(EXAMPLE)
                )
            runs.store(run, _PAGES[result_json])
    return study
