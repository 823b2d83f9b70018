"""The priorities page (M-6): sortable table with reasons, quadrant chart, sponsor focus inputs."""

from __future__ import annotations

import html as html_lib
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from segprofile.web.studies import runs, services
from segprofile.web.studies.models import ProfileRun, Study


@pytest.fixture
def built(client: Client, django_user_model: Any) -> tuple[Study, ProfileRun]:
    user = django_user_model.objects.create_user("boris", password="pw-boris-1")
    client.force_login(user)
    study = services.create_study_from_example(user, "child-benefit", rows=3000, seed=4)
    client.post(reverse("studies:run_start", kwargs={"pk": study.pk}))
    run = ProfileRun.objects.latest("pk")
    assert run.status == ProfileRun.Status.DONE
    return study, run


def _page(client: Client, study: Study, run: ProfileRun, sort: str = "") -> str:
    url = reverse("studies:run_priorities", kwargs={"pk": study.pk, "run_pk": run.pk})
    response = client.get(url + (f"?sort={sort}" if sort else ""))
    assert response.status_code == 200
    return html_lib.unescape(response.content.decode())


@pytest.mark.django_db
def test_priorities_page_lists_ranks_with_reasons_and_a_chart(
    client: Client, built: tuple[Study, ProfileRun]
) -> None:
    study, run = built
    text = _page(client, study, run)
    assert "Приоритеты сегментов" in text
    assert "<svg" in text
    assert "ёмкость" in text
    assert "CSAT" in text
    first_rank = text.index('<td class="num">1</td>')
    assert first_rank < text.index('<td class="num">2</td>')
    # Where the blind zone column comes from, and that the segments count every client while
    # the role's audience (the eligibility rule) is smaller: one line each, above the table.
    notes = text[text.index('id="blind-zone-source"') : text.index('id="priority-ranking"')]
    assert "Слепая зона сегмента — имеющие право по таблице численности" in notes
    assert "(по столбцу с численностью) минус обратившиеся клиенты сегмента" in notes
    assert "Сегменты и приоритеты посчитаны по всем 3\xa0000 клиентам" in notes


@pytest.mark.django_db
def test_priorities_can_be_sorted(client: Client, built: tuple[Study, ProfileRun]) -> None:
    study, run = built
    by_capacity = _page(client, study, run, "capacity")
    assert 'href="?sort=capacity" aria-current="true"' in by_capacity
    # An unknown sort key falls back to the rank, never an error.
    assert 'href="?sort=rank" aria-current="true"' in _page(client, study, run, "drop table")


@pytest.mark.django_db
def test_sponsor_focus_is_saved_as_a_revision(
    client: Client, built: tuple[Study, ProfileRun]
) -> None:
    study, _ = built
    before = study.revisions.count()
    response = client.post(
        reverse("studies:segment_note", kwargs={"pk": study.pk}),
        {"segment": "channel=mfc", "sponsor_focus": "on", "reason": "жалобы на очереди"},
    )
    assert response.status_code == 302
    assert study.revisions.count() == before + 1
    notes = {n.segment: n for n in study.current_revision().to_document().segment_notes}
    assert notes["channel=mfc"].sponsor_focus is True
    assert notes["channel=mfc"].reason == "жалобы на очереди"


@pytest.mark.django_db
def test_a_bad_segment_key_changes_nothing(client: Client, built: tuple[Study, ProfileRun]) -> None:
    study, _ = built
    before = study.revisions.count()
    response = client.post(
        reverse("studies:segment_note", kwargs={"pk": study.pk}),
        {"segment": "nonsense=1", "sponsor_focus": "on", "next": "//evil.example/"},
        follow=True,
    )
    assert study.revisions.count() == before
    assert "«nonsense» не найден" in html_lib.unescape(response.content.decode())
    assert response.redirect_chain[-1][0] == reverse("studies:detail", kwargs={"pk": study.pk})


@pytest.mark.django_db
def test_priorities_page_states_the_rule_and_the_overlaps(
    client: Client, built: tuple[Study, ProfileRun]
) -> None:
    study, run = built
    text = _page(client, study, run)
    profile = runs.published(ProfileRun.objects.get(pk=run.pk))
    assert profile.priority is not None
    assert "Как строится приоритет" in text
    assert profile.priority.rules[0] in text
    if profile.priority.overlaps:
        assert "Пересечение приоритетных сегментов" in text
        first = profile.priority.overlaps[0]
        assert (str(first.both) if first.both is not None else "скрыто") in text
    for proposal in profile.priority.proposals:
        assert proposal.reason in text


@pytest.mark.django_db
def test_a_sponsor_focus_reason_is_masked_and_the_user_told(
    client: Client, built: tuple[Study, ProfileRun]
) -> None:
    from django.contrib.messages import get_messages

    study, _ = built
    response = client.post(
        reverse("studies:segment_note", kwargs={"pk": study.pk}),
        {"segment": "channel=mfc", "sponsor_focus": "on", "reason": "жалоба Петровой А.А."},
    )
    assert response.status_code == 302
    notes = {n.segment: n for n in study.current_revision().to_document().segment_notes}
    assert notes["channel=mfc"].reason == "жалоба [имя]"
    (saved,) = [str(m) for m in get_messages(response.wsgi_request)]
    assert "В тексте заменены персональные данные: 1 имя." in saved
