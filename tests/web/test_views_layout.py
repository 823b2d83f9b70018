"""The studies app's views and forms are packages by area, as its templates are; views answer
HTMX through the one helper (``studies/htmx.py``), compose parts with ``{% include %}`` and keep
no cache of their own (the one cache is ``studies/drawings.py``)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from segprofile.web.studies import forms, urls, views

VIEWS = Path(views.__file__).parent
FORMS = Path(forms.__file__).parent
TEMPLATES = VIEWS.parent / "templates" / "studies"
SHARED = {"common"}  # what several areas' views share
NO_PAGES = {"reports"}  # downloads only: no templates

MODULES = sorted([*VIEWS.glob("*.py"), *FORMS.glob("*.py")])


def _areas(folder: Path) -> set[str]:
    return {p.stem for p in folder.glob("*.py") if p.stem != "__init__"}


def _imports(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            names |= {node.module} | {f"{node.module}.{alias.name}" for alias in node.names}
    return names


def test_views_and_forms_mirror_the_template_folders() -> None:
    folders = {p.name for p in TEMPLATES.iterdir() if p.is_dir()}
    assert _areas(VIEWS) - SHARED - NO_PAGES == folders
    assert _areas(FORMS) <= _areas(VIEWS) - SHARED


def test_every_url_of_the_app_is_a_view_of_the_views_package() -> None:
    modules = {pattern.callback.__module__ for pattern in urls.urlpatterns}
    assert modules == {f"{views.__name__}.{area}" for area in _areas(VIEWS) - SHARED}


@pytest.mark.parametrize("path", MODULES, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_views_and_forms_use_the_one_htmx_helper_and_no_cache(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    imported = _imports(path)
    # HTMX: only through segprofile.web.studies.htmx (is_htmx, target, vary, replace, job_progress).
    assert not any(name.startswith("django_htmx") for name in imported)
    for name in ("HX-", "request.htmx", "request.headers"):
        assert name not in text, f"{path.name} reads {name}"
    # Parts compose in templates: nothing rendered to a string or assembled as HTML here.
    for name in ("render_to_string", "get_template", "format_html", "mark_safe", "SafeString"):
        assert name not in text, f"{path.name} uses {name}"
    # No cache and no cache key made by a view or a form.
    for name in ("django.core.cache", "functools.lru_cache", "functools.cache", "hashlib"):
        assert name not in imported, f"{path.name} imports {name}"
    assert "cache_key" not in text
