"""The Django admin in Russian: the index, each of our models' lists and pages, the apps of
installed packages; no English labels, no internal codes of roles or statuses, no raw JSON."""

from __future__ import annotations

import re

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse

from segprofile.web.studies.audit import audit
from segprofile.web.studies.models import AuditEvent, Membership, ProfileRun, Study

# English an administrator must not meet: Django's defaults and our models' old names.
_ENGLISH = re.compile(
    r"\b(Django administration|Site administration|Task Results|Tasks Database Backend|"
    r"Axes|Ready|Running|Successful|Study revisions?|Profile runs?|Audit (log|event)|"
    r"owner|editor|viewer|enqueued at|task name)\b"
)


def _text(html: bytes) -> str:
    body = html.decode()
    body = re.sub(r"<(script|style)\b.*?</\1>", " ", body, flags=re.S)
    body = re.sub(r"<[^>]+>", " ", body)
    return re.sub(r"\s+", " ", body)


@pytest.fixture
def admin_client(db: None) -> Client:
    root = User.objects.create_superuser("root", password="x-long-password-42")
    client = Client()
    client.force_login(root)
    return client


@pytest.mark.django_db
def test_every_admin_page_of_ours_reads_in_russian(
    admin_client: Client, client_in: Client, stored_study: Study, other_user: User
) -> None:
    Membership.objects.create(study=stored_study, user=other_user, role="editor")
    client_in.post(reverse("studies:run_start", kwargs={"pk": stored_study.pk}))
    audit(
        None,
        AuditEvent.Action.MEMBER_CHANGED,
        stored_study,
        {"member": "boris", "from": "viewer", "to": "editor"},
        username="anna",
    )
    event = AuditEvent.objects.get(action="member_changed")
    run = ProfileRun.objects.get()
    pages = {
        "index": reverse("admin:index"),
        "studies": reverse("admin:studies_study_changelist"),
        "study": reverse("admin:studies_study_change", args=[stored_study.pk]),
        "audit": reverse("admin:studies_auditevent_changelist"),
        "event": reverse("admin:studies_auditevent_change", args=[event.pk]),
        "runs": reverse("admin:studies_profilerun_changelist"),
        "tasks": reverse("admin:django_tasks_database_dbtaskresult_changelist"),
    }
    texts = {}
    for name, url in pages.items():
        response = admin_client.get(url)
        assert response.status_code == 200, name
        text = _text(response.content)
        assert not _ENGLISH.search(text), (name, _ENGLISH.search(text))
        texts[name] = text

    index = texts["index"]
    assert "Профиль клиентского сегмента: администрирование" in index
    for section in (
        "Исследования",
        "Записи журнала аудита",
        "Построения профиля",
        "Фоновые задачи",
    ):
        assert section in index
    assert "Защита входа" in index
    # A member and a revision are named in Russian under their study.
    assert "boris (редактор)" in texts["study"]
    assert "Редакция 1" in texts["study"]
    # The audit event's details as the audit page writes them, not as stored.
    assert "роль была: читатель" in texts["event"]
    assert "роль стала: редактор" in texts["event"]
    assert '"from"' not in texts["event"]
    assert "{" not in texts["event"].split("Подробности")[-1]
    # Profiles are built from the study's page, never added here; revisions neither.
    assert "Добавить построение профиля" not in texts["runs"]
    assert "Добавить еще один Редакция" not in texts["study"]
    assert f"Редакция {run.revision.number}" in texts["study"]
    assert "готовность, %" in texts["runs"].lower()


@pytest.mark.django_db
def test_the_audit_page_names_roles_and_hides_internal_identifiers(
    client_in: Client, stored_study: Study
) -> None:
    audit(None, AuditEvent.Action.MEMBER_ADDED, stored_study, {"member": "boris", "role": "viewer"})
    audit(
        None,
        AuditEvent.Action.DELETED,
        stored_study,
        {"slug": stored_study.slug, "revisions": 3, "runs": 2},  # as older releases stored it
    )
    page = client_in.get(reverse("studies:audit", kwargs={"pk": stored_study.pk}))
    text = _text(page.content)
    assert "роль: читатель" in text
    assert "редакций: 3" in text
    assert "построенных профилей: 2" in text
    assert f"slug: {stored_study.slug}" not in text
    assert "role: viewer" not in text


@pytest.mark.django_db
@pytest.mark.parametrize("count", [1, 3, 5, 21])
def test_the_audit_log_count_reads_naturally_for_any_number(
    admin_client: Client, stored_study: Study, count: int
) -> None:
    AuditEvent.objects.all().delete()  # the administrator's sign-in is logged too
    for n in range(count):
        audit(None, AuditEvent.Action.MEMBER_ADDED, stored_study, {"member": f"m{n}"})
    page = _text(admin_client.get(reverse("admin:studies_auditevent_changelist")).content)
    name = "Запись журнала аудита" if count == 1 else "Записи журнала аудита"
    assert f"{name}: {count}" in page
    assert "журнал аудита" not in page.replace("журнала аудита", "")  # never «3 журнал аудита»
    assert AuditEvent._meta.verbose_name == "запись журнала аудита"


@pytest.mark.django_db
def test_a_revision_from_an_example_is_named_by_the_example_title(
    admin_client: Client, stored_study: Study
) -> None:
    """A revision stored before the comment took the example's title keeps its internal name;
    the history, the comparison, the study page and the admin show the title."""
    from segprofile.examples import EXAMPLES

    revision = stored_study.current_revision()
    revision.comment = "Создано из примера «child-benefit»"
    revision.save(update_fields=["comment"])
    title = EXAMPLES["child-benefit"].title
    pages = [
        reverse("studies:history", kwargs={"pk": stored_study.pk}),
        reverse("studies:compare", kwargs={"pk": stored_study.pk}),
        reverse("studies:detail", kwargs={"pk": stored_study.pk}),
        reverse("admin:studies_study_change", args=[stored_study.pk]),
    ]
    owner = Client()
    owner.force_login(stored_study.owner)
    for url in pages:
        client = admin_client if url.startswith("/admin") else owner
        response = client.get(url)
        assert response.status_code == 200, url
        text = _text(response.content)
        assert f"Создано из примера «{title}»" in text, url
        assert "child-benefit" not in text, url
