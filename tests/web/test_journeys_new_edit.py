"""Journeys from nothing (M-12, issue 19): a current or target journey created in the browser,
its title, kind and segments edited in place, deleted; an empty journey says so; every step
links back to its problems and recommendations and shows how research-backed it is.

Every refusal answers 400 with a Russian message beside its field and stores nothing; editing
different journeys at once merges, the same journey is a conflict (409) showing both versions.
"""

from __future__ import annotations

import html as html_lib
import re
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse

from segprofile import pipeline
from segprofile.model import check_study
from segprofile.model.study import JourneyKind
from segprofile.model.study import Study as StudyDocument
from segprofile.web.studies.models import Membership, ProfileRun, Study

HX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def example(user: User) -> Study:
    return Study.create_from_document(
        pipeline.example_study("child-benefit"), owner=user, comment="пример"
    )


@pytest.fixture
def viewer(other_user: User, other_client: Client, stored_study: Study) -> Client:
    Membership.objects.create(study=stored_study, user=other_user, role="viewer")
    return other_client


def _url(name: str, study: Study, **kwargs: Any) -> str:
    return reverse(f"studies:{name}", kwargs={"pk": study.pk, **kwargs})


def _text(response: Any) -> str:
    return html_lib.unescape(response.content.decode())


def _doc(study: Study) -> StudyDocument:
    return study.current_revision().to_document()


def _main(text: str) -> str:
    """The part of an HTMX answer swapped into the target (before the out-of-band parts)."""
    return text.split('<div id="comparison-slot"', 1)[0]


def _beside(text: str, field_id: str) -> str:
    """The errors shown in the block of the field whose input has ``field_id``."""
    start = text.index(f'id="{field_id}"')
    end = min(
        (
            i
            for i in (text.find('<div class="field', start), text.find("<fieldset", start))
            if i > 0
        ),
        default=len(text),
    )
    return " ".join(re.findall(r'class="field__error prewrap">([^<]*)<', text[start:end]))


def _new(client: Client, study: Study, **values: Any) -> Any:
    data = {"kind": "current", "title": "Текущий путь заявителя", "source": ""}
    data.update(values)
    return client.post(_url("journey_new", study), data, **HX)


# --- from nothing ----------------------------------------------------------------------------


def test_a_study_without_journeys_shows_how_to_start(
    stored_study: Study, client_in: Client, viewer: Client
) -> None:
    assert _doc(stored_study).journeys == []
    text = _text(client_in.get(_url("journeys", stored_study)))
    assert "В исследовании пока нет клиентских путей" in text
    assert "выберите вид «текущий»" in text
    # The form starts a current journey from nothing: the kind and the start are chosen already.
    assert '<option value="current" selected>' in text
    assert '<option value="" selected>пустого пути</option>' in text
    assert 'value="Текущий путь"' in text
    # No profile yet: the form says where the segments will come from.
    assert "Сегменты последнего профиля появятся здесь" in text
    # A viewer reads the same page without the forms.
    text = _text(viewer.get(_url("journeys", stored_study)))
    assert "Команда ещё не описала текущий и целевой пути." in text
    assert 'id="journey-new"' not in text


def test_a_current_journey_from_nothing_then_its_first_step(
    stored_study: Study, client_in: Client, user: User
) -> None:
    response = _new(client_in, stored_study, title="  Текущий путь заявителя ")
    assert response.status_code == 200
    revision = stored_study.current_revision()
    assert (revision.number, revision.author) == (2, user)
    journey = _doc(stored_study).journeys[0]
    assert (journey.id, journey.kind, journey.title, journey.segments, journey.steps) == (
        "current",
        JourneyKind.current,
        "Текущий путь заявителя",
        [],
        [],
    )
    text = _text(response)
    main = _main(text)
    assert main.lstrip().startswith('<section class="card journey" id="j-current"')
    # An empty journey says so, draws no blueprint, and opens the form of its first step.
    assert "В пути пока нет шагов." in main
    assert "<svg" not in main
    assert 'id="addform-current"' in main
    assert "Текущий путь «Текущий путь заявителя» создан. Редакция 2 сохранена." in text
    # The start guide goes; the new-journey form now offers a target copied from nothing yet.
    assert '<div id="journeys-start" hx-swap-oob="true"></div>' in text
    assert 'id="journey-new" hx-swap-oob="true"' in text
    assert '<option value="target" selected>' in text
    # The export and the methodology check say the journey has no steps; nothing breaks.
    assert "В пути «Текущий путь заявителя» пока нет шагов" in text
    export = client_in.get(_url("journeys_export", stored_study, fmt="csv"))
    assert export.status_code == 400
    page = _text(export)
    assert "Пути не выгружены." in page
    assert "у пути «Текущий путь заявителя» нет шагов" in page
    findings = [str(f) for f in check_study(_doc(stored_study))]
    assert "M-12: у пути «Текущий путь заявителя» нет шагов" in findings
    # The first step: the journey is no longer empty, and the export works.
    response = client_in.post(
        _url("journey_step_add", stored_study, journey_id="current"),
        {"title": "Узнать о пособии", "revision": "2"},
        **HX,
    )
    assert response.status_code == 200
    assert [s.title for s in _doc(stored_study).journeys[0].steps] == ["Узнать о пособии"]
    main = _main(_text(response))
    assert "В пути пока нет шагов." not in main
    assert "<svg" in main
    assert '<div id="journeys-export" hx-swap-oob="true">\n\n\n</div>' in _text(response)
    export = client_in.get(_url("journeys_export", stored_study, fmt="csv"))
    assert export.status_code == 200
    assert "Узнать о пособии" in export.content.decode("utf-8-sig")


def test_a_target_journey_for_a_segment_of_the_latest_profile(
    stored_study: Study, client_in: Client
) -> None:
    client_in.post(_url("run_start", stored_study))
    run = ProfileRun.objects.latest("pk")
    assert run.status == ProfileRun.Status.DONE
    key, label = next((k, v) for k, v in run.labels.items() if "&" not in k)
    _new(client_in, stored_study)
    client_in.post(
        _url("journey_step_add", stored_study, journey_id="current"),
        {"title": "Подать заявление", "revision": "2"},
        **HX,
    )
    # The segments are offered by their names in the latest profile.
    text = _text(client_in.get(_url("journeys", stored_study)))
    assert f'value="{key}"' in text
    assert f"{label}</label>" in text
    response = _new(
        client_in,
        stored_study,
        kind="target",
        title="Целевой путь сегмента",
        source="current",
        segments=[key],
    )
    assert response.status_code == 200
    journey = _doc(stored_study).journeys[-1]
    assert (journey.kind, journey.segments) == (JourneyKind.target, [key])
    assert [s.title for s in journey.steps] == ["Подать заявление"]
    assert label in _main(_text(response))  # the head names the segment, not its key


@pytest.mark.parametrize(
    ("values", "field", "message"),
    [
        ({"kind": "sideways"}, "kind", "Выберите корректный вариант"),
        ({"title": "   "}, "title", "Обязательное поле"),
        ({"other_segments": "просто текст"}, "other_segments", "нужен вид «признак=значение»"),
        ({"source": "nowhere"}, "source", "Путь «nowhere» не найден"),
    ],
)
def test_a_bad_new_journey_is_refused_beside_its_field(
    stored_study: Study, client_in: Client, values: dict[str, str], field: str, message: str
) -> None:
    response = _new(client_in, stored_study, **values)
    assert response.status_code == 400
    assert response["HX-Retarget"] == "#journey-new"
    text = _text(response)
    assert "Путь не создан: исправьте отмеченные поля." in text
    assert message in _beside(text, f"new-journey-{field}")
    assert stored_study.revisions.count() == 1


def test_a_second_common_journey_of_a_kind_is_refused(
    stored_study: Study, client_in: Client
) -> None:
    _new(client_in, stored_study)
    response = _new(client_in, stored_study, title="Ещё один")
    assert response.status_code == 400
    text = _text(response)
    assert "Общий текущий путь уже есть: «Текущий путь заявителя»" in _beside(
        text, "new-journey-segments"
    )
    assert stored_study.revisions.count() == 2
    # Without JavaScript: the page with the form as sent, its error beside the field.
    response = client_in.post(
        _url("journey_new", stored_study), {"kind": "current", "title": "", "source": ""}
    )
    assert response.status_code == 400
    assert "Обязательное поле" in _beside(_text(response), "new-journey-title")
    assert stored_study.revisions.count() == 2


# --- a journey's title, kind and segments -----------------------------------------------------


def test_editing_a_journeys_head_in_place(example: Study, client_in: Client) -> None:
    steps = [s.id for s in _doc(example).journeys[3].steps]
    form = _text(client_in.get(_url("journey_edit", example, journey_id="target_rural"), **HX))
    assert 'id="journeyform-target_rural"' in form
    assert 'value="Целевой путь для сельских семей' in form
    assert '<option value="target" selected>' in form
    assert re.search(r'value="region_type=rural" id="[^"]+" checked', form)
    response = client_in.post(
        _url("journey_save", example, journey_id="target_rural"),
        {
            "kind": "target",
            "title": "Сельские семьи: заявление на месте",
            "segments": ["region_type=rural"],
            "other_segments": "employment=student",
            "revision": "1",
        },
        **HX,
    )
    assert response.status_code == 200
    journey = _doc(example).journeys[3]
    assert journey.title == "Сельские семьи: заявление на месте"
    assert journey.segments == ["region_type=rural", "employment=student"]
    assert [s.id for s in journey.steps] == steps
    text = _text(response)
    assert "Путь «Сельские семьи: заявление на месте» сохранён. Редакция 2 сохранена." in text
    assert 'id="journeyform-target_rural"' not in _main(text)


@pytest.mark.parametrize(
    ("values", "field", "message"),
    [
        ({"title": ""}, "title", "Обязательное поле"),
        ({"kind": "both"}, "kind", "Выберите корректный вариант"),
        ({"other_segments": "просто текст"}, "other_segments", "нужен вид «признак=значение»"),
        ({"segments": ["channel=office"]}, "segments", "уже есть свой целевой путь"),
        (
            {"kind": "current", "other_segments": "employment=student"},
            "kind",
            "нельзя сделать текущим",
        ),
    ],
)
def test_a_bad_journey_edit_is_refused_beside_its_field(
    example: Study, client_in: Client, values: dict[str, Any], field: str, message: str
) -> None:
    journey_id = (
        "target_office" if field == "kind" and "current" in values.values() else "target_rural"
    )
    data: dict[str, Any] = {
        "kind": "target",
        "title": "Путь",
        "segments": ["region_type=rural"] if journey_id == "target_rural" else [],
        "other_segments": "",
        "revision": "1",
    }
    data.update(values)
    response = client_in.post(_url("journey_save", example, journey_id=journey_id), data, **HX)
    assert response.status_code == 400
    text = _text(response)
    assert "Путь не сохранён: исправьте отмеченные поля." in text
    assert message in _beside(text, f"journey-{journey_id}-{field}")
    assert example.revisions.count() == 1


def test_two_people_editing_different_journeys_both_succeed(
    example: Study, client_in: Client, other_user: User, other_client: Client
) -> None:
    Membership.objects.create(study=example, user=other_user, role="editor")
    first = other_client.post(
        _url("journey_save", example, journey_id="target_office"),
        {"kind": "target", "title": "Офис", "segments": ["channel=office"], "revision": "1"},
        **HX,
    )
    assert first.status_code == 200
    # Anna's form began at revision 1, before Boris's save: a different journey merges.
    second = client_in.post(
        _url("journey_save", example, journey_id="target_rural"),
        {"kind": "target", "title": "Село", "segments": ["region_type=rural"], "revision": "1"},
        **HX,
    )
    assert second.status_code == 200
    titles = {j.id: j.title for j in _doc(example).journeys}
    assert (titles["target_office"], titles["target_rural"]) == ("Офис", "Село")
    assert example.revisions.count() == 3


def test_the_same_journey_edited_twice_is_a_conflict_showing_both_versions(
    example: Study, client_in: Client, other_user: User, other_client: Client
) -> None:
    Membership.objects.create(study=example, user=other_user, role="editor")
    other_client.post(
        _url("journey_save", example, journey_id="target_rural"),
        {"kind": "target", "title": "Версия с выездом", "segments": ["region_type=rural"]}
        | {"revision": "1"},
        **HX,
    )
    response = client_in.post(
        _url("journey_save", example, journey_id="target_rural"),
        {"kind": "target", "title": "Версия с записью", "segments": ["region_type=rural"]}
        | {"revision": "1"},
        **HX,
    )
    assert response.status_code == 409
    text = _main(_text(response))
    assert "Путь в том виде, в каком он сохранён сейчас, после другой правки:" in text
    assert "Версия с выездом" in text  # saved now
    assert 'value="Версия с записью"' in text  # typed, kept in the form
    assert "изменён в редакции 2 (boris)" in text
    assert example.revisions.count() == 2
    assert _doc(example).journeys[3].title == "Версия с выездом"


def test_viewers_cannot_create_edit_or_delete(
    stored_study: Study, client_in: Client, viewer: Client
) -> None:
    _new(client_in, stored_study)
    count = stored_study.revisions.count()
    assert viewer.post(_url("journey_new", stored_study), {"kind": "target"}).status_code == 403
    assert viewer.get(_url("journey_edit", stored_study, journey_id="current")).status_code == 403
    for name in ("journey_save", "journey_delete"):
        response = viewer.post(_url(name, stored_study, journey_id="current"), {"title": "x"})
        assert response.status_code == 403
    assert stored_study.revisions.count() == count


def test_deleting_the_only_journey_asks_first_and_brings_the_start_back(
    stored_study: Study, client_in: Client
) -> None:
    _new(client_in, stored_study)
    page = _text(client_in.get(_url("journeys", stored_study)))
    assert 'hx-confirm="Удалить путь «Текущий путь заявителя»?' in page
    response = client_in.post(
        _url("journey_delete", stored_study, journey_id="current"), {"revision": "2"}, **HX
    )
    assert response.status_code == 200
    assert _doc(stored_study).journeys == []
    text = _text(response)
    assert _main(text).strip() == ""
    assert "В исследовании пока нет клиентских путей" in text
    assert '<option value="current" selected>' in text


# --- a step's problems, recommendations and research backing -----------------------------------


def test_steps_link_to_their_problems_and_recommendations_with_their_backing(
    example: Study, client_in: Client
) -> None:
    text = _text(client_in.get(_url("journeys", example)))
    hypotheses = _url("hypotheses", example)

    def step(journey_id: str, step_id: str) -> str:
        start = text.index(f'id="step-{journey_id}-{step_id}"')
        return text[start : text.index("</li>", start)]

    transfer = step("current", "transfer")
    assert '<span class="backing backing--confirmed"' in transfer
    assert "подтверждено исследованием" in transfer
    assert f'href="{hypotheses}#h-p_rural_mfc_wait"' in transfer
    assert "— подтверждена" in transfer
    assert '/recommendations/#rec-r_mfc_electronic"' in transfer  # on their own page
    notify = step("current", "notify")
    assert "частично" in notify  # a problem with not enough data, a need still open
    assert '/recommendations/#rec-r_clear_refusal"' in notify
    payment = step("current", "payment")
    assert "нет данных" in payment
    assert "#h-" not in payment
    # The anchors exist: each recommendation in the study's list has its id.
    for rec in _doc(example).recommendations:
        assert f'id="rec-{rec.id}"' in text
    # A target journey lists the recommendations that change it.
    start = text.index('id="j-target_office"')
    assert (
        'Рекомендации, которые меняют этот путь: <a href="'
        + reverse("studies:recommendations", kwargs={"pk": example.pk})
        + '#rec-r_office_digitise">'
        in text[start : text.index("</section>", start)]
    )
