"""Every label of every page of a study names one field: a page with a form per item (a
rename per data source, a role per member, a form per journey step) gives each field its own
id. A label whose id is repeated names another item's field — the analyst's click on it, a
screen reader and a browser test's ``get_by_label`` all land there."""

from __future__ import annotations

from collections import Counter
from html.parser import HTMLParser
from pathlib import Path

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from example_runs import store_example
from segprofile.web.studies.models import Membership, Study


class _Labels(HTMLParser):
    """The ids of a page's elements and the ids its labels name (``<label for>``)."""

    def __init__(self) -> None:
        super().__init__()
        self.ids: Counter[str] = Counter()
        self.named: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if values.get("id"):
            self.ids[str(values["id"])] += 1
        if tag == "label" and values.get("for"):
            self.named.append(str(values["for"]))


def _study_pages(study: Study) -> list[str]:
    """The URLs of the study's pages that need nothing but the study (its whole set of
    sections, data, hypotheses, research, recommendations, journeys, team…)."""
    studies = next(
        r
        for r in get_resolver().url_patterns
        if isinstance(r, URLResolver) and r.namespace == "studies"
    )
    names = [
        p.name
        for p in studies.url_patterns
        if isinstance(p, URLPattern) and p.name and set(p.pattern.converters) == {"pk"}
    ]
    return [reverse(f"studies:{name}", kwargs={"pk": study.pk}) for name in names]


@pytest.mark.django_db
def test_every_label_names_one_field(user: User, example_built: tuple[Path, str]) -> None:
    study = store_example(user, example_built)
    for name in ("boris", "vera"):
        member = User.objects.create_user(name, password="x")
        Membership.objects.create(study=study, user=member, role="editor")
    client = Client()
    client.force_login(user)
    wrong, seen = [], 0
    for url in _study_pages(study):
        response = client.get(url)
        if response.status_code != 200 or "text/html" not in response["Content-Type"]:
            continue
        parser = _Labels()
        parser.feed(response.content.decode())
        seen += len(parser.named)
        wrong += [
            f"{url}: label for={field!r} names {parser.ids[field]} elements"
            for field in parser.named
            if parser.ids[field] != 1
        ]
    assert seen > 20  # the pages with forms were read
    assert not wrong, "\n".join(wrong)
