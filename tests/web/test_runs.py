"""«Построить профиль»: the background job, its progress, the result and its failures."""

from __future__ import annotations

import html as html_lib
import json
from collections.abc import Callable

import pyarrow as pa
import pyarrow.compute as pc
import pytest
from django.test import Client
from django.urls import reverse

from segprofile import pipeline
from segprofile.errors import SegprofileError
from segprofile.web.studies import runs
from segprofile.web.studies.models import ProfileRun, Study, without_server_paths
from segprofile.web.studies.services import workspace_for
from segprofile.web.studies.tasks import build_profile

Rewrite = Callable[[Study, Callable[[pa.Table], pa.Table]], None]


def _start(client: Client, study: Study) -> ProfileRun:
    response = client.post(reverse("studies:run_start", kwargs={"pk": study.pk}))
    run = ProfileRun.objects.latest("pk")
    assert response.status_code == 302
    assert response["Location"] == reverse("studies:run", kwargs={"pk": study.pk, "run_pk": run.pk})
    return run


def _run_page(client: Client, run: ProfileRun) -> str:
    response = client.get(reverse("studies:run", kwargs={"pk": run.study_id, "run_pk": run.pk}))
    assert response.status_code == 200
    return html_lib.unescape(response.content.decode())


def _expected_error(study: Study) -> SegprofileError:
    """The error the pipeline itself raises for this study's current data."""
    with pytest.raises(SegprofileError) as caught:
        pipeline.profile_study(workspace_for(study), study.current_revision().to_document())
    return caught.value


@pytest.mark.django_db
def test_building_the_profile_shows_the_segment_table(
    client_in: Client, stored_study: Study
) -> None:
    run = _start(client_in, stored_study)
    assert run.status == ProfileRun.Status.DONE
    assert run.progress == 1.0
    assert run.task_id
    assert run.started_at is not None
    assert run.finished_at is not None

    html = _run_page(client_in, run)
    assert 'class="sp-profile' in html
    assert "<html" not in html.split('class="sp-profile', 1)[1]  # a fragment, not a document
    profile = pipeline.profile_from_json(run.result_json)
    assert profile.total_clients == 3000
    assert profile.provenance.study_revision == 1
    labels = [f.label for f in profile.by_feature]
    assert "Канал подачи" in labels
    assert "Возраст" in labels
    for label in labels:
        assert label in html
    biggest = max(profile.by_feature[0].segments, key=lambda s: s.capacity)
    # Capacities are printed the Russian way: 12 345, with a no-break space.
    assert f'<td class="num">{biggest.capacity:,}</td>'.replace(",", "\u00a0") in html
    assert "Отчёт (HTML)" in html
    assert "Скачать профиль (JSON)" in html


@pytest.mark.django_db
def test_a_profile_of_an_earlier_revision_says_the_study_has_changed_since(
    client_in: Client, stored_study: Study
) -> None:
    """Hypotheses written after the build are not in its reports: the page says so."""
    run = _start(client_in, stored_study)
    assert "run-older-revision" not in _run_page(client_in, run)
    document = stored_study.current_revision().to_document()
    stored_study.add_revision(document, author=run.created_by, comment="гипотеза")
    html = _run_page(client_in, run)
    assert "Профиль рассчитан по редакции 1, а исследование уже в редакции 2" in html
    assert "гипотез, рекомендаций, признаков и других изменений, сделанных позже" in html
    compare = reverse("studies:compare", kwargs={"pk": stored_study.pk})
    assert f'href="{compare}?a=1&b=2"' in html
    assert client_in.get(f"{compare}?a=1&b=2").status_code == 200
    alert = html.split('id="run-older-revision"', 1)[1].split("</div>", 1)[0]
    start = reverse("studies:run_start", kwargs={"pk": stored_study.pk})
    assert f'action="{start}"' in alert  # the editor may build it again from here


@pytest.mark.django_db
def test_profile_downloads(client_in: Client, stored_study: Study) -> None:
    run = _start(client_in, stored_study)
    kwargs = {"pk": stored_study.pk, "run_pk": run.pk}

    page = client_in.get(reverse("studies:run_html", kwargs=kwargs))
    assert page.status_code == 200
    assert page["Content-Type"].startswith("text/html")
    assert "attachment" in page["Content-Disposition"]
    assert page.content.decode().lstrip().lower().startswith("<!doctype html")

    data = client_in.get(reverse("studies:run_json", kwargs=kwargs))
    assert data.status_code == 200
    assert data["Content-Type"].startswith("application/json")
    profile = pipeline.profile_from_json(data.content.decode())
    assert profile.study_id == "small"
    assert json.loads(data.content)["total_clients"] == 3000


@pytest.mark.django_db
def test_the_result_is_the_same_profile_as_the_pipeline_builds(
    client_in: Client, stored_study: Study
) -> None:
    run = _start(client_in, stored_study)
    document = stored_study.current_revision().to_document()
    direct = pipeline.profile_study(workspace_for(stored_study), document, revision=1)
    stored = pipeline.profile_from_json(run.result_json)
    assert stored.by_feature == direct.by_feature
    assert stored.satisfaction == direct.satisfaction
    assert stored.provenance.data_fingerprint == direct.provenance.data_fingerprint


@pytest.mark.django_db
def test_the_plan_is_queued_with_the_end_of_the_profile(
    stored_study: Study, jobs_not_run: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A page that finds the profile done finds its research plan on the way: the run's end
    and the plan's queuing are one transaction, before the slower comparison with the study's
    other profiles (else the plan page offered «Рассчитать план» meanwhile)."""
    run = ProfileRun.objects.create(study=stored_study, revision=stored_study.current_revision())
    seen: list[tuple[str, list[str]]] = []

    def compare(done: ProfileRun) -> None:
        stored = ProfileRun.objects.get(pk=done.pk)
        seen.append((stored.status, [p.status for p in stored_study.plans.filter(run=done)]))

    monkeypatch.setattr(runs, "find_small_differences", compare)
    assert build_profile.call(run.pk) == "done"
    assert seen == [("done", ["queued"])]
    assert stored_study.plans.filter(run=run).count() == 1


@pytest.mark.django_db
def test_progress_is_written_by_the_task(
    stored_study: Study, monkeypatch: pytest.MonkeyPatch
) -> None:
    run = ProfileRun.objects.create(study=stored_study, revision=stored_study.current_revision())
    seen: list[tuple[float, str]] = []
    original = ProfileRun.report_progress

    def spy(self: ProfileRun, fraction: float, message: str) -> None:
        original(self, fraction, message)
        stored = ProfileRun.objects.get(pk=self.pk)
        seen.append((stored.progress, stored.message))

    monkeypatch.setattr(ProfileRun, "report_progress", spy)
    assert build_profile.call(run.pk) == "done"
    fractions = [f for f, _ in seen]
    assert fractions == sorted(fractions)
    assert fractions[0] == 0.0
    # The profile, then the charts of its pages; done at 100 %.
    assert seen[-1] == (0.95, "Графики для страниц профиля")
    assert ProfileRun.objects.get(pk=run.pk).progress == 1.0
    assert all(message for _, message in seen)


@pytest.mark.django_db
def test_progress_fragment_polls_while_running_and_reloads_when_done(
    client_in: Client, stored_study: Study
) -> None:
    run = ProfileRun.objects.create(study=stored_study, revision=stored_study.current_revision())
    run.mark_running()
    run.report_progress(0.42, "Признак «Возраст»")
    url = reverse("studies:run_progress", kwargs={"pk": stored_study.pk, "run_pk": run.pk})

    fragment = client_in.get(url, HTTP_HX_REQUEST="true")
    html = html_lib.unescape(fragment.content.decode())
    assert fragment.status_code == 200
    assert 'hx-trigger="every 1s"' in html
    assert "42%" in html
    assert "Признак «Возраст»" in html
    assert "<html" not in html
    # The status badge in the page's head follows the job (it said «в очереди» until the end).
    assert f'id="job-status-{run.pk}" hx-swap-oob="true"' in html
    assert "badge--running" in html

    page = _run_page(client_in, run)
    assert 'hx-trigger="every 1s"' in page

    run.mark_failed("Сломалось.")
    done = client_in.get(url, HTTP_HX_REQUEST="true")
    assert done.status_code == 200
    assert done["HX-Refresh"] == "true"
    plain = client_in.get(url)
    assert plain.status_code == 302


@pytest.mark.django_db
def test_downloads_of_an_unfinished_run_are_404(client_in: Client, stored_study: Study) -> None:
    run = ProfileRun.objects.create(study=stored_study, revision=stored_study.current_revision())
    kwargs = {"pk": stored_study.pk, "run_pk": run.pk}
    assert client_in.get(reverse("studies:run_html", kwargs=kwargs)).status_code == 404
    assert client_in.get(reverse("studies:run_json", kwargs=kwargs)).status_code == 404


def _assert_failed_with(client: Client, study: Study, expected: SegprofileError) -> None:
    revisions_before = list(study.revisions.values_list("number", "document"))
    run = _start(client, study)
    assert run.status == ProfileRun.Status.FAILED
    # The pipeline's message, with no path of the server in it (the data folder in words).
    shown = without_server_paths(str(expected), study.data_dir())
    assert run.error == shown
    assert str(study.data_dir()) not in run.error
    assert run.result_json == ""
    assert run.fragment == ""
    html = _run_page(client, run)
    assert "Профиль построить не удалось" in html
    assert without_server_paths(expected.message, study.data_dir()) in html
    assert "Traceback" not in html
    assert list(study.revisions.values_list("number", "document")) == revisions_before


@pytest.mark.django_db
def test_a_missing_data_file_fails_the_run_with_the_russian_message(
    client_in: Client, stored_study: Study
) -> None:
    (stored_study.data_dir() / "records.parquet").unlink()
    expected = _expected_error(stored_study)
    assert "нет загруженной версии данных" in expected.message
    _assert_failed_with(client_in, stored_study, expected)


@pytest.mark.django_db
def test_a_missing_feature_column_fails_the_run(
    client_in: Client, stored_study: Study, rewrite_records: Rewrite
) -> None:
    rewrite_records(stored_study, lambda t: t.drop_columns(["region"]))
    expected = _expected_error(stored_study)
    assert "«region»" in expected.message
    _assert_failed_with(client_in, stored_study, expected)


@pytest.mark.django_db
def test_satisfaction_outside_the_scale_fails_the_run(
    client_in: Client, stored_study: Study, rewrite_records: Rewrite
) -> None:
    def out_of_scale(table: pa.Table) -> pa.Table:
        i = table.schema.get_field_index("satisfaction")
        shifted = pc.add(table["satisfaction"], 5)  # 1–5 becomes 6–10
        return table.set_column(i, "satisfaction", shifted)

    rewrite_records(stored_study, out_of_scale)
    expected = _expected_error(stored_study)
    assert "«satisfaction»" in expected.message
    _assert_failed_with(client_in, stored_study, expected)


@pytest.mark.django_db
def test_a_failed_run_leaves_earlier_results_and_data_alone(
    client_in: Client, stored_study: Study
) -> None:
    good = _start(client_in, stored_study)
    data = stored_study.data_dir() / "records.parquet"
    moved = data.with_name("kept.parquet")
    data.rename(moved)
    bad = _start(client_in, stored_study)
    assert bad.status == ProfileRun.Status.FAILED
    good.refresh_from_db()
    assert good.status == ProfileRun.Status.DONE
    assert pipeline.profile_from_json(good.result_json).total_clients == 3000
    assert moved.is_file()
    detail = html_lib.unescape(
        client_in.get(reverse("studies:detail", kwargs={"pk": stored_study.pk})).content.decode()
    )
    assert detail.count("badge--done") == 1
    assert detail.count("badge--failed") == 1


@pytest.mark.django_db
def test_an_unexpected_error_fails_the_run_without_internals(
    client_in: Client, stored_study: Study, monkeypatch: pytest.MonkeyPatch
) -> None:
    from segprofile.web.studies import tasks

    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("internal detail")

    monkeypatch.setattr(tasks.pipeline, "profile_study", broken)
    run = _start(client_in, stored_study)
    assert run.status == ProfileRun.Status.FAILED
    html = _run_page(client_in, run)
    assert "Внутренняя ошибка при построении профиля" in html
    assert "internal detail" not in html
