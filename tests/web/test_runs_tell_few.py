"""Two profiles of data a few records apart tell about those few when read side by side (M-10,
152-ФЗ): each hides its own small groups, but 3 000 − 2 997 clients and a segment 1 010 → 1 007
describe the three removed (the client who asked to be deleted). The run page warns those who
edit the study and links the comparison and the deletion; a reader is not told which two."""

from __future__ import annotations

import html as html_lib
from collections.abc import Callable

import pyarrow as pa
import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse

from segprofile import pipeline
from segprofile.web.studies.models import Membership, ProfileRun, Study

Rewrite = Callable[[Study, Callable[[pa.Table], pa.Table]], None]


def _build(client: Client, study: Study) -> ProfileRun:
    client.post(reverse("studies:run_start", kwargs={"pk": study.pk}))
    run = ProfileRun.objects.latest("pk")
    assert run.status == ProfileRun.Status.DONE, run.error
    return run


def _page(client: Client, run: ProfileRun) -> str:
    response = client.get(reverse("studies:run", kwargs={"pk": run.study_id, "run_pk": run.pk}))
    assert response.status_code == 200
    return " ".join(html_lib.unescape(response.content.decode()).split())


def _warning(page: str) -> str:
    """The warning block of a run page ("" without one)."""
    if 'id="run-tells-few"' not in page:
        return ""
    return page.split('id="run-tells-few"', 1)[1].split("</div>", 1)[0]


def _without_rows(count: int, region: str | None = None) -> Callable[[pa.Table], pa.Table]:
    """The records without ``count`` clients (of ``region``, else the first ones)."""

    def change(table: pa.Table) -> pa.Table:
        regions = table["region"].to_pylist()
        drop, keep = count, []
        for value in regions:
            gone = drop > 0 and (region is None or value == region)
            drop -= gone
            keep.append(not gone)
        assert drop == 0
        return table.filter(pa.array(keep))

    return change


@pytest.mark.django_db
def test_profiles_of_data_three_clients_apart_are_flagged_for_those_who_edit(
    client_in: Client, stored_study: Study, rewrite_records: Rewrite, other_user: User
) -> None:
    first = _build(client_in, stored_study)
    rewrite_records(stored_study, _without_rows(3))
    second = _build(client_in, stored_study)
    assert pipeline.profile_from_json(second.result_json).total_clients == 2_997
    assert set(second.tells_few_with.all()) == {first}
    assert set(first.tells_few_with.all()) == {second}  # either page warns

    page = _page(client_in, second)
    warning = _warning(page)
    assert (
        "Вместе с другим профилем этого исследования этот профиль раскрывает сведения о группе "
        "менее чем из 5 клиентов" in warning
    )
    assert "вычтет одно из другого" in warning
    assert f"Профиль № {first.pk} (редакция 1)" in warning
    compare = reverse("studies:runs_compare", kwargs={"pk": stored_study.pk})
    assert f"{compare}?a={first.pk}&b={second.pk}" in warning
    delete = reverse("studies:run_delete", kwargs={"pk": stored_study.pk, "run_pk": first.pk})
    assert delete in warning  # the owner may delete the other one
    assert f"Профиль № {second.pk}" in _warning(_page(client_in, first))

    # A reader sees the profiles, but is not told which two to subtract.
    Membership.objects.create(study=stored_study, user=other_user, role="viewer")
    reader = Client()
    reader.force_login(other_user)
    assert _warning(_page(reader, second)) == ""
    assert "раскрывает сведения о группе" not in _page(reader, second)

    # Data 40 clients of one region apart describe no one by the difference; the same data
    # again differ in nothing.
    rewrite_records(stored_study, _without_rows(40, region="city"))
    third = _build(client_in, stored_study)
    assert not third.tells_few_with.exists()
    again = _build(client_in, stored_study)
    assert not again.tells_few_with.exists()
    assert _warning(_page(client_in, third)) == ""

    # Deleting one of the two leaves the other without the warning.
    client_in.post(
        reverse("studies:run_delete", kwargs={"pk": stored_study.pk, "run_pk": first.pk}),
        {"confirm": "on"},
    )
    assert not ProfileRun.objects.filter(pk=first.pk).exists()
    assert _warning(_page(client_in, second)) == ""


@pytest.mark.django_db
def test_a_run_stored_by_an_earlier_release_is_compared_when_it_is_read(
    client_in: Client, stored_study: Study, rewrite_records: Rewrite
) -> None:
    first = _build(client_in, stored_study)
    rewrite_records(stored_study, _without_rows(2))
    second = _build(client_in, stored_study)
    second.tells_few_with.clear()
    ProfileRun.objects.filter(pk__in=[first.pk, second.pk]).update(pages_version=0)
    assert _warning(_page(client_in, second)) == ""  # the run page reads no profile
    # A page of the profile prepares its pages, and compares it with the other (not prepared).
    priorities = reverse(
        "studies:run_priorities", kwargs={"pk": stored_study.pk, "run_pk": second.pk}
    )
    assert client_in.get(priorities).status_code == 200
    assert set(second.tells_few_with.all()) == {first}
    assert f"Профиль № {first.pk}" in _warning(_page(client_in, second))


@pytest.mark.django_db
def test_a_profile_close_to_several_others_is_not_told_to_read_both(
    client_in: Client, stored_study: Study, rewrite_records: Rewrite
) -> None:
    """3 000, 2 998 and 2 997 clients: the middle profile tells a few with each of the other
    two; its page says «с несколькими другими профилями» and names both, never «прочтёт оба»."""
    first = _build(client_in, stored_study)
    rewrite_records(stored_study, _without_rows(2))
    second = _build(client_in, stored_study)
    rewrite_records(stored_study, _without_rows(1))
    third = _build(client_in, stored_study)
    assert pipeline.profile_from_json(third.result_json).total_clients == 2_997
    assert set(second.tells_few_with.all()) == {first, third}

    warning = _warning(_page(client_in, second))
    assert (
        "Вместе с несколькими другими профилями этого исследования этот профиль раскрывает "
        "сведения о группе менее чем из 5 клиентов" in warning
    )
    assert "Числа этого профиля и каждого из перечисленных ниже различаются" in warning
    assert "прочтёт этот профиль и любой из перечисленных, вычтет одно из другого" in warning
    assert "прочтёт оба" not in warning
    assert f"Профиль № {first.pk} (редакция 1)" in warning
    assert f"Профиль № {third.pk} (редакция 1)" in warning
    # The first profile is 3 clients from the third and 2 from the second: several too; a
    # profile close to one other reads «оба».
    assert set(first.tells_few_with.all()) == {second, third}
    rewrite_records(stored_study, _without_rows(40, region="city"))
    far = _build(client_in, stored_study)
    rewrite_records(stored_study, _without_rows(1))
    near = _build(client_in, stored_study)
    assert set(near.tells_few_with.all()) == {far}
    one = _warning(_page(client_in, near))
    assert "Вместе с другим профилем этого исследования" in one
    assert "прочтёт оба" in one
