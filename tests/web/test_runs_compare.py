"""Two built profiles compared: never a profile with itself, and a segment hidden by disclosure
control says so rather than reading as clients who vanished."""

from __future__ import annotations

import html
import re
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
import pytest
from django.test import Client
from django.urls import reverse

from segprofile import pipeline
from segprofile.web.studies import runs
from segprofile.web.studies.models import ProfileRun, Study


def _page(client: Client, study: Study, a: int, b: int) -> tuple[int, str]:
    response = client.get(
        reverse("studies:runs_compare", kwargs={"pk": study.pk}) + f"?a={a}&b={b}"
    )
    return response.status_code, html.unescape(response.content.decode())


@pytest.fixture
def two_runs(
    client_in: Client, stored_study: Study, rewrite_records: Any
) -> tuple[ProfileRun, ProfileRun]:
    """The second profile has only three clients who came to the office (fewer than 5)."""
    client_in.post(reverse("studies:run_start", kwargs={"pk": stored_study.pk}))

    def three_at_the_office(table: pa.Table) -> pa.Table:
        office = pc.fill_null(pc.equal(table["channel"], "office"), False)
        seen = 0
        keep = []
        for is_office in office.to_pylist():
            seen += is_office
            keep.append(not is_office or seen <= 3)
        return table.filter(pa.array(keep))

    rewrite_records(stored_study, three_at_the_office)
    client_in.post(reverse("studies:run_start", kwargs={"pk": stored_study.pk}))
    old, new = ProfileRun.objects.filter(study=stored_study).order_by("pk")
    assert old.status == new.status == "done"
    return old, new


@pytest.mark.django_db
def test_a_profile_is_not_compared_with_itself(
    client_in: Client, stored_study: Study, two_runs: tuple[ProfileRun, ProfileRun]
) -> None:
    old, new = two_runs
    status, text = _page(client_in, stored_study, new.pk, new.pk)
    assert status == 400
    assert "Выберите два разных профиля" in text
    assert "Ни один сегмент не изменился" not in text
    assert "Сегменты, которые изменились" not in text
    assert _page(client_in, stored_study, old.pk, new.pk)[0] == 200


@pytest.mark.django_db
def test_a_value_too_rare_to_be_named_says_why(
    client_in: Client, stored_study: Study, two_runs: tuple[ProfileRun, ProfileRun]
) -> None:
    """Three clients at the office: the value joins «Прочие значения» — not «gone»."""
    old, new = two_runs
    status, text = _page(client_in, stored_study, old.pk, new.pk)
    assert status == 200
    row = next(r for r in re.findall(r"<tr>.*?</tr>", text, re.S) if "Приёмная" in r)
    cells = [re.sub(r"<[^>]+>", "", c).strip() for c in re.findall(r"<td.*?</td>", row, re.S)]
    assert cells[0] == "Приёмная скрыт"
    assert re.fullmatch(
        r"\d[\d\u00a0 ]* → меньше 5 клиентов: не называется отдельно \(см\. «Прочие значения»\)",
        cells[2],
    ), cells[2]
    assert "Клиенты из него не исчезли" in text


@pytest.mark.django_db
def test_a_segment_hidden_as_a_neighbour_of_a_small_one_says_why(
    two_runs: tuple[ProfileRun, ProfileRun],
) -> None:
    """«438 → —» reads as clients who vanished: a hidden side says why it is empty."""
    old, new = two_runs
    before, after = runs.published(old), runs.published(new)
    fs = after.by_feature[0]
    seg = fs.segments[0]
    hidden = seg.model_copy(update={"capacity": None, "share": None, "hidden": "complement"})
    after.by_feature[0] = fs.model_copy(update={"segments": [hidden, *fs.segments[1:]]})
    comparison = pipeline.compare_profiles(before, after)
    move = next(m for m in comparison.moves if m.key == seg.key)
    assert (move.status, move.capacity_new) == ("moved", None)
    assert move.hidden_new == "скрыто, чтобы нельзя было вычислить соседние"
    assert move.hidden_old == ""
    assert comparison.hidden
