"""Deleting a built profile: owners only, after a confirmation, audited; never while it or a
research plan of it is still being computed."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse

from segprofile.web.studies.models import (
    AuditEvent,
    Membership,
    ProfileRun,
    ResearchPlan,
    RunChart,
    Study,
)


def _done_run(study: Study) -> ProfileRun:
    run = ProfileRun.objects.create(study=study, revision=study.current_revision())
    run.mark_done(result_json="{}", html="<p>профиль</p>", fragment="<p>профиль</p>")
    RunChart.objects.create(run=run, name="capacity", svg="<svg/>")
    return run


def _urls(run: ProfileRun) -> tuple[str, str]:
    kwargs = {"pk": run.study_id, "run_pk": run.pk}
    return reverse("studies:run", kwargs=kwargs), reverse("studies:run_delete", kwargs=kwargs)


@pytest.mark.django_db
def test_the_owner_deletes_a_profile_after_ticking_the_box(
    client_in: Client, stored_study: Study
) -> None:
    kept, run = _done_run(stored_study), _done_run(stored_study)
    ResearchPlan.objects.create(
        study=stored_study,
        run=run,
        revision=run.revision,
        status=ResearchPlan.Status.DONE,
    )
    page, delete = _urls(run)
    assert f'href="{delete}"' in client_in.get(page).content.decode()
    confirm = client_in.get(delete).content.decode()
    assert f"Удалить профиль № {run.pk} от" in confirm
    assert "Да, удалить этот профиль безвозвратно." in confirm

    unticked = client_in.post(delete, {})
    assert unticked.status_code == 400, unticked.content.decode()[-3000:]
    assert "Отметьте флажок, чтобы подтвердить удаление." in unticked.content.decode()
    assert ProfileRun.objects.filter(pk=run.pk).exists()

    done = client_in.post(delete, {"confirm": "on"}, follow=True)
    assert done.status_code == 200
    assert f"Профиль № {run.pk} удалён." in done.content.decode()
    assert not ProfileRun.objects.filter(pk=run.pk).exists()
    assert not RunChart.objects.filter(run_id=run.pk).exists()
    assert not ResearchPlan.objects.filter(run_id=run.pk).exists()
    assert ProfileRun.objects.filter(pk=kept.pk).exists()  # only that one
    event = AuditEvent.objects.filter(action=AuditEvent.Action.DELETED).get()
    assert event.details == {"what": "profile run", "run": run.pk, "revision": 1}
    assert client_in.get(page).status_code == 404


@pytest.mark.django_db
def test_an_editor_neither_sees_nor_uses_the_deletion(
    stored_study: Study, other_user: User
) -> None:
    Membership.objects.create(study=stored_study, user=other_user, role="editor")
    editor = Client()
    editor.force_login(other_user)
    run = _done_run(stored_study)
    page, delete = _urls(run)
    assert delete not in editor.get(page).content.decode()
    assert editor.post(delete, {"confirm": "on"}).status_code == 403
    assert ProfileRun.objects.filter(pk=run.pk).exists()


@pytest.mark.django_db
@pytest.mark.parametrize("what", ["run", "plan"])
def test_nothing_is_deleted_while_it_is_being_computed(
    client_in: Client, stored_study: Study, what: str
) -> None:
    if what == "run":
        run = ProfileRun.objects.create(
            study=stored_study,
            revision=stored_study.current_revision(),
            status=ProfileRun.Status.RUNNING,
        )
    else:
        run = _done_run(stored_study)
        ResearchPlan.objects.create(
            study=stored_study,
            run=run,
            revision=run.revision,
            status=ResearchPlan.Status.RUNNING,
        )
    page, delete = _urls(run)
    assert f'href="{delete}"' not in client_in.get(page).content.decode() or what == "plan"
    refused = client_in.post(delete, {"confirm": "on"})
    assert refused.status_code == 400
    assert "ещё считается" in refused.content.decode()
    assert 'id="delete-run"' not in refused.content.decode()
    assert ProfileRun.objects.filter(pk=run.pk).exists()
    assert not AuditEvent.objects.filter(action=AuditEvent.Action.DELETED).exists()
