"""Segments (M-5) and clusters with portraits (M-4) in the web: pages, charts, portrait edits.

One real profile of the child-benefit example (1 000 rows) is built once; each test stores a
study made from the same example with a finished run holding that profile.
"""

from __future__ import annotations

import html as html_lib
import json
import re
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.core.cache import cache
from django.test import Client
from django.urls import reverse

from canary import canary_rows, needles, scan_text
from segprofile import pipeline
from segprofile.model.format import plural
from segprofile.model.results import Profile
from segprofile.web.studies import runs
from segprofile.web.studies.forms.segments import PORTRAIT_TEXT_MAX
from segprofile.web.studies.models import Membership, ProfileRun, RunChart, Study

EXAMPLE = "child-benefit"


def _store(owner: User, result_json: str, *, change: Any = None) -> tuple[Study, ProfileRun]:
    document = pipeline.example_study(EXAMPLE)
    if change is not None:
        change(document)
    study = Study.create_from_document(document, owner=owner, comment="тест")
    run = ProfileRun.objects.create(study=study, revision=study.current_revision())
    run.mark_done(result_json=result_json, html="<p>profile</p>", fragment="<p>profile</p>")
    return study, run


@pytest.fixture
def built(
    user: User, example_profile: str, example_pages: runs.RunPages
) -> tuple[Study, ProfileRun]:
    """The example's study with its finished run and the pages the worker stores with it."""
    cache.clear()
    study, run = _store(user, example_profile)
    runs.store(run, example_pages)
    return study, run


@pytest.fixture
def built_bare(user: User, example_profile: str) -> tuple[Study, ProfileRun]:
    """The same, stored as an earlier release did: without its pages' data."""
    cache.clear()
    return _store(user, example_profile)


def _url(name: str, study: Study, run: ProfileRun, **kwargs: Any) -> str:
    return reverse(f"studies:{name}", kwargs={"pk": study.pk, "run_pk": run.pk, **kwargs})


def _text(response: Any) -> str:
    return html_lib.unescape(response.content.decode())


def _row(text: str, key: str) -> str:
    """The cells of the table row of segment ``key``."""
    match = re.search(rf'data-segment="{re.escape(key)}"[^>]*>(.*?)</tr>', text, re.S)
    assert match is not None, key
    return match.group(1)


def _profile(run: ProfileRun) -> Profile:
    return pipeline.profile_from_json(ProfileRun.objects.get(pk=run.pk).result_json)


# --- the segments page ---------------------------------------------------------------------


@pytest.mark.django_db
def test_segments_page_shows_a_table_with_intervals_and_a_chart(
    client_in: Client, built: tuple[Study, ProfileRun]
) -> None:
    study, run = built
    profile = _profile(run)
    response = client_in.get(_url("run_segments", study, run))
    assert response.status_code == 200
    text = _text(response)
    assert "Сегменты по отдельным признакам" in text
    first = profile.by_feature[0]
    assert 'aria-current="page"' in text
    assert first.label in text
    # Every feature and every cross is offered in the selector.
    for fs in profile.by_feature:
        assert f"?feature={fs.feature_id}" in text
    for cs in profile.cross:
        assert "?feature=" + "%26".join(cs.feature_ids) in text
    # A shown segment: capacity, CSAT and its Wilson interval, formatted the Russian way.
    seg = max(first.segments, key=lambda s: s.capacity)
    interval = seg.satisfaction.csat_interval
    assert interval is not None
    low, high = round(interval.low * 100), round(interval.high * 100)
    row = _row(text, seg.key)
    assert f"{low}–{high}\u00a0%" in row
    assert f"{seg.capacity:,}".replace(",", "\u00a0") in row
    assert "ДИ 95\u00a0%" in text
    # The chart is inline SVG drawn on the server (no chart library in the page).
    assert "<svg" in text
    assert 'id="segments-chart"' in text
    assert "vega" not in re.sub(r"<svg.*?</svg>", "", text, flags=re.S).lower()


@pytest.mark.django_db
def test_segments_page_hides_suppressed_numbers(
    user: User, example_profile: str, client_in: Client
) -> None:
    # A stricter threshold than the example's, so that some segments are small.
    min_cell = 60

    def strict(document: Any) -> None:
        document.segmentation.min_cell = min_cell

    study, run = _store(user, example_profile, change=strict)
    computed = _profile(run)
    profile = pipeline.published_profile(computed, study.current_revision().to_document())
    hidden = pipeline.hidden_segments(profile)
    feature = next(fs for fs in profile.by_feature if any(s.key in hidden for s in fs.segments))
    sizes = {s.key: s.capacity for fs in computed.by_feature for s in fs.segments}
    response = client_in.get(_url("run_segments", study, run) + f"?feature={feature.feature_id}")
    text = _text(response)
    assert f"меньше {min_cell} клиентов скрыты" in text
    # The count of hidden segments in plain words (no «малая клетка»), with its reason per row.
    n_hidden = sum(1 for seg in feature.segments if seg.key in hidden)
    counted = plural(n_hidden, "сегмент скрыт", "сегмента скрыты", "сегментов скрыты")
    assert f"{counted}, чтобы не раскрыть сведений о" in text
    assert "клетк" not in text
    for seg in feature.segments:
        cells = _row(text, seg.key)
        if seg.key in hidden:
            assert "скрыто" in cells
            assert f'data-segment="{seg.key}" class="is-hidden"' in text
            why = f"скрыто: меньше {min_cell}" if seg.hidden == "small" else "соседние"
            assert why in cells
            assert (sizes[seg.key] or 0) < min_cell or seg.hidden == "complement"
            # No number of the hidden segment: neither its capacity nor its CSAT.
            numbers = re.sub(r"<[^>]+>", " ", cells).replace(f"меньше {min_cell}", "")
            assert not re.search(r"\d", numbers.replace(seg.label, "")), numbers
        elif seg.satisfaction.hidden:  # shown, its CSAT hidden (few ratings, or a small share)
            assert pipeline.hidden_reason_text(seg.satisfaction.hidden, min_cell) in cells
            assert f"{sizes[seg.key]:,}".replace(",", "\u00a0") in cells
            # The reason wraps in its cell: on one line it pushed «Чем отличается» off screen.
            assert '<td class="num strong sg-reason">' in cells
        else:
            assert "скрыто" not in cells
            assert "sg-reason" not in cells
    # The chart is drawn from the visible segments only.
    chart = re.search(r'<figure class="sg-chart.*?</figure>', text, re.S)
    if chart is not None:
        for seg in feature.segments:
            if seg.key in hidden:
                assert f">{seg.label}<" not in chart.group(0)


@pytest.mark.django_db
def test_the_feature_selector_swaps_only_the_feature_part(
    client_in: Client, built: tuple[Study, ProfileRun]
) -> None:
    study, run = built
    profile = _profile(run)
    second = profile.by_feature[1]
    url = _url("run_segments", study, run) + f"?feature={second.feature_id}"
    response = client_in.get(url, HTTP_HX_REQUEST="true", HTTP_HX_TARGET="segments-feature")
    assert response.status_code == 200
    text = _text(response)
    assert "<html" not in text
    assert '<nav class="sg-tabs"' in text
    assert second.label in text
    assert "<svg" in text
    assert "HX-Request" in response["Vary"]
    # Cross segments are a choice of their own.
    cross = profile.cross[0]
    response = client_in.get(
        _url("run_segments", study, run) + "?feature=" + "%26".join(cross.feature_ids),
        HTTP_HX_REQUEST="true",
        HTTP_HX_TARGET="segments-feature",
    )
    assert "Перекрёстные сегменты" in _text(response)
    # An unknown feature falls back to the first one, never an error.
    response = client_in.get(_url("run_segments", study, run) + "?feature=<script>")
    assert response.status_code == 200
    assert profile.by_feature[0].label in _text(response)


@pytest.mark.django_db
def test_charts_are_drawn_once_per_run_and_stored_with_it(
    client_in: Client, built_bare: tuple[Study, ProfileRun], monkeypatch: pytest.MonkeyPatch
) -> None:
    from segprofile.report import charts  # the pipeline's chart writer, imported where used

    study, run = built_bare  # stored as an earlier release did: without its pages' data
    calls: list[str] = []
    real = charts.to_svg

    def counting(chart: Any, label: str) -> str:
        calls.append("x")
        return str(real(chart, label))

    monkeypatch.setattr(charts, "to_svg", counting)
    url = _url("run_segments", study, run)
    first = _text(client_in.get(url))
    profile = _profile(run)
    groups = len(profile.by_feature) + len(profile.cross)
    drawn = len(calls)
    assert 1 < drawn <= groups + 2  # every group's chart, the quadrant and the choice of k
    assert RunChart.objects.filter(run=run).count() == groups + 1 + (profile.clusters is not None)
    second = _text(client_in.get(url))
    other = _text(client_in.get(url + "?feature=" + profile.by_feature[1].feature_id))
    client_in.get(_url("run_priorities", study, run))
    client_in.get(_url("run_clusters", study, run))
    assert len(calls) == drawn  # read from the run from then on
    svg = re.search(r"<svg.*?</svg>", first, re.S)
    assert svg is not None
    assert svg.group(0) in second
    assert svg.group(0) not in other


@pytest.mark.django_db
def test_pages_of_an_unfinished_run_are_not_found(
    client_in: Client, built: tuple[Study, ProfileRun]
) -> None:
    study, _ = built
    queued = ProfileRun.objects.create(study=study, revision=study.current_revision())
    assert client_in.get(_url("run_segments", study, queued)).status_code == 404
    assert client_in.get(_url("run_clusters", study, queued)).status_code == 404


# --- the clusters page ---------------------------------------------------------------------


@pytest.mark.django_db
def test_clusters_page_shows_k_choice_cards_crosstab_and_vulnerable_groups(
    client_in: Client, built: tuple[Study, ProfileRun]
) -> None:
    study, run = built
    result = _profile(run).clusters
    assert result is not None
    response = client_in.get(_url("run_clusters", study, run))
    assert response.status_code == 200
    text = _text(response)
    assert "Кластеры похожих клиентов и их портреты" in text
    assert result.choice.reason in text
    assert 'id="k-chart"' in text
    assert "<svg" in text
    for cluster in result.clusters:
        assert f'id="cluster-{cluster.number}"' in text
        if not cluster.small:
            assert cluster.portrait.name in text
    # Field origins, in Russian, and the sources a drafted field was made from.
    assert "из данных" in text
    assert "ждёт интервью" in text
    assert "данные о клиентах" in text
    assert "Карточка персоны (черновик)" in text
    assert "Карта эмпатии (черновик)" in text
    # The crosstab and the vulnerable groups (never hidden as a section).
    assert 'id="crosstab-table"' in text
    assert 'id="vulnerable"' in text
    for row in result.vulnerable:
        assert row.label in text
    # The owner may edit; the edit button opens the form in place.
    assert _url("run_cluster_edit", study, run, number=1) in text


@pytest.mark.django_db
def test_crosstab_feature_selector_swaps_the_table(
    client_in: Client, built: tuple[Study, ProfileRun]
) -> None:
    study, run = built
    result = _profile(run).clusters
    assert result is not None
    assert len(result.crosstabs) > 1
    other = result.crosstabs[1]
    response = client_in.get(
        _url("run_clusters", study, run) + f"?crosstab={other.feature_id}",
        HTTP_HX_REQUEST="true",
        HTTP_HX_TARGET="crosstab",
    )
    text = _text(response)
    assert "<html" not in text
    assert f"«{other.feature_label}»" in text
    for label in other.segment_labels:
        assert label in text


@pytest.mark.django_db
def test_a_profile_without_clusters_says_why(
    user: User, example_profile: str, client_in: Client
) -> None:
    profile = pipeline.profile_from_json(example_profile)
    warning = "Кластеризация включена, но признаки не выбраны: проверка."
    without = profile.model_copy(update={"clusters": None, "warnings": [warning]})
    study, run = _store(user, pipeline.profile_to_json(without))
    text = _text(client_in.get(_url("run_clusters", study, run)))
    assert "В этом профиле нет кластеров" in text
    assert warning in text

    def off(document: Any) -> None:
        document.segmentation.clustering.enabled = False

    study, run = _store(
        user, pipeline.profile_to_json(without.model_copy(update={"warnings": []})), change=off
    )
    text = _text(client_in.get(_url("run_clusters", study, run)))
    assert "Кластеризация выключена" in text


# --- editing a portrait ----------------------------------------------------------------------


def _edit_post(
    client: Client, study: Study, run: ProfileRun, number: int, data: dict[str, str], **headers: Any
) -> Any:
    base = str(study.current_revision().number)
    return client.post(
        _url("run_cluster_edit", study, run, number=number),
        {"base_revision": base, **data},
        **headers,
    )


def _shown_values(client: Client, study: Study, run: ProfileRun, number: int) -> dict[str, str]:
    """The edit form's fields as the page fills them (what a browser would send back)."""
    text = client.get(
        _url("run_cluster_edit", study, run, number=number),
        HTTP_HX_REQUEST="true",
        HTTP_HX_TARGET=f"cluster-{number}",
    ).content.decode()
    values = {
        m.group(1): html_lib.unescape(m.group(2))
        for m in re.finditer(r'<textarea name="([^"]+)"[^>]*>\n?(.*?)</textarea>', text, re.S)
    }
    name = re.search(r'<input type="text" name="name" value="([^"]*)"', text)
    assert name is not None
    values["name"] = html_lib.unescape(name.group(1))
    return values


@pytest.mark.django_db
def test_an_edit_is_saved_as_a_revision_and_shown_as_the_teams(
    client_in: Client, built: tuple[Study, ProfileRun]
) -> None:
    study, run = built
    cluster = _profile(run).clusters.clusters[0]  # type: ignore[union-attr]
    before = study.revisions.count()
    form = _shown_values(client_in, study, run, cluster.number)
    assert form["name"] == cluster.portrait.name
    form["persona_goals"] = "Получить пособие без визита в МФЦ"
    form["empathy_hears"] = "«Через портал быстрее»"
    form["comment"] = "после интервью"
    response = _edit_post(
        client_in,
        study,
        run,
        cluster.number,
        form,
        HTTP_HX_REQUEST="true",
        HTTP_HX_TARGET=f"cluster-{cluster.number}",
    )
    assert response.status_code == 200
    text = _text(response)
    assert study.revisions.count() == before + 1
    revision = study.current_revision()
    assert revision.comment == "после интервью"
    assert revision.author is not None
    assert revision.author.get_username() == "anna"
    edits = revision.to_document().segmentation.portraits
    assert len(edits) == 1
    # Only the changed fields are stored, by the cluster's definition.
    assert edits[0].definition == sorted(set(cluster.definition))
    assert edits[0].persona == {"goals": "Получить пособие без визита в МФЦ"}
    assert edits[0].empathy_map == {"hears": "«Через портал быстрее»"}
    assert edits[0].name is None
    # The card shows the team's text, marked, and says when it takes effect.
    assert "Получить пособие без визита в МФЦ" in text
    assert "правка команды" in text
    assert f"Редакция {revision.number} сохранена" in text
    assert "при следующем построении профиля" in text
    # The full page shows the same after a reload.
    page = _text(client_in.get(_url("run_clusters", study, run)))
    card = re.search(rf'id="cluster-{cluster.number}".*?</article>', page, re.S)
    assert card is not None
    assert "«Через портал быстрее»" in card.group(0)
    assert "правка команды" in card.group(0)


@pytest.mark.django_db
def test_an_edit_without_javascript_redirects_back_with_a_message(
    client_in: Client, built: tuple[Study, ProfileRun]
) -> None:
    study, run = built
    number = _profile(run).clusters.clusters[0].number  # type: ignore[union-attr]
    # The edit link without HTMX opens the page with the form.
    response = client_in.get(_url("run_cluster_edit", study, run, number=number))
    assert response.status_code == 302
    page = _text(client_in.get(response["Location"]))
    assert 'class="sg-portrait-form"' in page
    form = _shown_values(client_in, study, run, number)
    form["name"] = "Городские пользователи портала"
    response = _edit_post(client_in, study, run, number, form, follow=True)
    text = _text(response)
    assert response.redirect_chain[-1][0].endswith(f"#cluster-{number}")
    assert "Городские пользователи портала" in text
    edit = study.current_revision().to_document().segmentation.portraits[0]
    assert edit.name == "Городские пользователи портала"
    assert edit.persona == {}
    assert edit.empathy_map == {}


@pytest.mark.django_db
def test_a_portrait_edit_with_a_clients_contacts_is_masked_and_says_so(
    client_in: Client, built: tuple[Study, ProfileRun]
) -> None:
    """A quote pasted from an interview with the client's name, phone and e-mail: stored and
    shown masked, and the message says what was replaced (sections.saved_message, one rule)."""
    study, run = built
    client = canary_rows(2, seed=72)[0]
    cluster = _profile(run).clusters.clusters[0]  # type: ignore[union-attr]
    form = _shown_values(client_in, study, run, cluster.number)
    form["empathy_says_does"] = (
        f"«Я, {client.fio}, звонила три раза, пишите на {client.email} или {client.phone}»"
    )
    # In place (HTMX), then without JavaScript: the text shown again (masked) plus a phone.
    rounds = [
        ({"HTTP_HX_REQUEST": "true"}, "1 имя, 1 телефон, 1 e-mail"),
        ({"follow": True}, "1 телефон"),
    ]
    for headers, masked in rounds:
        response = _edit_post(client_in, study, run, cluster.number, form, **headers)
        assert response.status_code == 200
        text = _text(response)
        revision = study.current_revision()
        assert (
            f"Редакция {revision.number} сохранена. В тексте заменены персональные данные: "
            f"{masked}." in text
        )
        hits = scan_text(text, needles([client])) + scan_text(
            json.dumps(revision.document, ensure_ascii=False), needles([client])
        )
        assert not hits, f"{len(hits)} raw value(s) of the client shown or stored"
        form = _shown_values(client_in, study, run, cluster.number)
        form["empathy_says_does"] += f" Повторно: {client.phone}"


@pytest.mark.django_db
def test_bad_edits_are_refused_and_nothing_is_saved(
    client_in: Client, built: tuple[Study, ProfileRun]
) -> None:
    study, run = built
    number = _profile(run).clusters.clusters[0].number  # type: ignore[union-attr]
    before = study.revisions.count()
    htmx = {"HTTP_HX_REQUEST": "true", "HTTP_HX_TARGET": f"cluster-{number}"}

    # An empty form.
    response = _edit_post(client_in, study, run, number, {}, **htmx)
    assert response.status_code == 400
    assert "Форма пуста" in _text(response)

    # The form as shown, unchanged.
    same = _shown_values(client_in, study, run, number)
    response = _edit_post(client_in, study, run, number, same, **htmx)
    assert response.status_code == 400
    assert "Ничего не изменилось" in _text(response)

    # Too long a text: refused with the limit, the typed text kept in the form.
    long = dict(same, persona_quote="я" * (PORTRAIT_TEXT_MAX + 1))
    response = _edit_post(client_in, study, run, number, long, **htmx)
    assert response.status_code == 400
    text = _text(response)
    assert f"не более {PORTRAIT_TEXT_MAX}" in text
    assert "я" * 50 in text

    # A cluster this profile does not have.
    response = _edit_post(client_in, study, run, 99, same, **htmx)
    assert response.status_code == 404
    text = _text(response)
    assert "В этом профиле нет кластера 99" in text
    response = _edit_post(client_in, study, run, 99, same, follow=True)
    assert "В этом профиле нет кластера 99" in _text(response)

    assert study.revisions.count() == before


@pytest.mark.django_db
def test_a_stale_edit_gets_the_conflict_page(
    client_in: Client, built: tuple[Study, ProfileRun], user: User
) -> None:
    study, run = built
    number = _profile(run).clusters.clusters[0].number  # type: ignore[union-attr]
    form = _shown_values(client_in, study, run, number)
    base = study.current_revision().number
    # Someone else saves another text of the same portrait meanwhile.
    other = dict(form, persona_goals="Цель от коллеги")
    assert _edit_post(client_in, study, run, number, other).status_code == 302
    mine = dict(form, persona_goals="Моя цель", base_revision=str(base))
    response = client_in.post(_url("run_cluster_edit", study, run, number=number), mine)
    assert response.status_code == 409
    text = _text(response)
    assert "Ваше изменение не сохранено" in text
    edit = study.current_revision().to_document().segmentation.portraits[0]
    assert edit.persona["goals"] == "Цель от коллеги"


@pytest.mark.django_db
def test_a_viewer_sees_no_edit_controls_and_cannot_edit(
    built: tuple[Study, ProfileRun],
) -> None:
    study, run = built
    viewer = User.objects.create_user("vera", password="x")
    Membership.objects.create(study=study, user=viewer, role="viewer")
    client = Client()
    client.force_login(viewer)
    page = _text(client.get(_url("run_clusters", study, run)))
    assert "Изменить портрет" not in page
    assert "/edit/" not in page
    number = _profile(run).clusters.clusters[0].number  # type: ignore[union-attr]
    before = study.revisions.count()
    response = client.post(
        _url("run_cluster_edit", study, run, number=number), {"persona_goals": "Чужая правка"}
    )
    assert response.status_code == 403
    assert study.revisions.count() == before
    # The page itself still opens for a viewer, with the ?edit= link doing nothing.
    page = _text(client.get(_url("run_clusters", study, run) + f"?edit={number}"))
    assert 'class="sg-portrait-form"' not in page


@pytest.mark.django_db
def test_the_run_and_study_pages_link_segments_and_clusters(
    client_in: Client, built: tuple[Study, ProfileRun]
) -> None:
    study, run = built
    run_page = _text(
        client_in.get(reverse("studies:run", kwargs={"pk": study.pk, "run_pk": run.pk}))
    )
    study_page = _text(client_in.get(reverse("studies:detail", kwargs={"pk": study.pk})))
    for page in (run_page, study_page):
        assert _url("run_segments", study, run) in page
        assert _url("run_clusters", study, run) in page
