"""The team's shared workspace (issue #9): members, revisions and their history, concurrent
edits, the audit log, deletion. Two or more clients act as different people."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.contrib.auth.models import User
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from segprofile.web.studies.models import AuditEvent, Membership, ProfileRun, Study
from segprofile.web.studies.services import staging_area

PASSWORD = "correct-horse-42"  # as in tests/web/conftest.py


def _as(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def editor(db: None) -> User:
    return User.objects.create_user("vera", password=PASSWORD)


@pytest.fixture
def shared(stored_study: Study, editor: User) -> Study:
    Membership.objects.create(study=stored_study, user=editor, role="editor")
    return stored_study


def _rule(study: Study, role_id: str = "applicant") -> str | None:
    document = study.current_revision().to_document()
    role = next(r for r in document.roles if r.id == role_id)
    assert role.audience is not None
    return role.audience.eligibility_rule


# --- members -------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_owner_adds_changes_and_removes_a_member(
    client_in: Client, stored_study: Study, other_user: User, other_client: Client
) -> None:
    pk = stored_study.pk
    detail = reverse("studies:detail", kwargs={"pk": pk})
    assert other_client.get(detail).status_code == 403

    response = client_in.post(
        reverse("studies:member_add", kwargs={"pk": pk}), {"username": "boris", "role": "viewer"}
    )
    assert response.status_code == 302
    assert other_client.get(detail).status_code == 200
    assert other_client.post(reverse("studies:run_start", kwargs={"pk": pk})).status_code == 403

    member = Membership.objects.get(study=stored_study, user=other_user)
    change = reverse("studies:member_change", kwargs={"pk": pk, "member_pk": member.pk})
    client_in.post(change, {"role": "editor"})
    assert other_client.post(reverse("studies:run_start", kwargs={"pk": pk})).status_code == 302

    client_in.post(change, {"action": "remove"})
    assert other_client.get(detail).status_code == 403

    actions = list(
        AuditEvent.objects.filter(study=stored_study)
        .order_by("pk")
        .values_list("action", "details")
    )
    assert [a for a, _ in actions if a.startswith("member")] == [
        "member_added",
        "member_changed",
        "member_removed",
    ]
    assert {"member": "boris", "role": "viewer"} in [d for _, d in actions]


@pytest.mark.django_db
def test_members_page_in_russian_and_unknown_user(client_in: Client, stored_study: Study) -> None:
    page = client_in.get(reverse("studies:members", kwargs={"pk": stored_study.pk}))
    html = page.content.decode()
    assert "Участники" in html
    assert "последний владелец" in html
    # An unknown name gets the same answer as a known one (tests/web/test_hardening.py).
    response = client_in.post(
        reverse("studies:member_add", kwargs={"pk": stored_study.pk}),
        {"username": "nobody", "role": "editor"},
        follow=True,
    )
    assert response.status_code == 200
    assert "Если есть активная учётная запись «nobody»" in response.content.decode()
    assert stored_study.memberships.count() == 1


@pytest.mark.django_db
def test_the_last_owner_cannot_be_removed_or_demoted(
    client_in: Client, stored_study: Study, other_user: User
) -> None:
    owner = Membership.objects.get(study=stored_study, role="owner")
    change = reverse("studies:member_change", kwargs={"pk": stored_study.pk, "member_pk": owner.pk})
    for data in ({"action": "remove"}, {"role": "viewer"}):
        response = client_in.post(change, data, follow=True)
        assert "хотя бы один владелец" in response.content.decode()
        owner.refresh_from_db()
        assert owner.role == "owner"
    # With a second owner the first may step down.
    Membership.objects.create(study=stored_study, user=other_user, role="owner")
    client_in.post(change, {"role": "editor"})
    owner.refresh_from_db()
    assert owner.role == "editor"


@pytest.mark.django_db
def test_an_editor_cannot_manage_members_or_delete(
    shared: Study, editor: User, other_user: User
) -> None:
    client = _as(editor)
    pk = shared.pk
    assert client.get(reverse("studies:members", kwargs={"pk": pk})).status_code == 403
    response = client.post(
        reverse("studies:member_add", kwargs={"pk": pk}), {"username": "boris", "role": "owner"}
    )
    assert response.status_code == 403
    assert not Membership.objects.filter(user=other_user).exists()
    assert (
        client.post(
            reverse("studies:delete", kwargs={"pk": pk}), {"confirm": shared.title}
        ).status_code
        == 403
    )
    assert Study.objects.filter(pk=pk).exists()


# --- revisions: history, compare, restore --------------------------------------------------------


@pytest.mark.django_db
def test_history_lists_revisions_with_changes_in_words_and_restore(
    client_in: Client, stored_study: Study
) -> None:
    pk = stored_study.pk
    client_in.post(
        reverse("studies:rule_save", kwargs={"pk": pk, "role_id": "applicant"}),
        {"rule": "age >= 18", "base_revision": "1"},
    )
    client_in.post(
        reverse("studies:rule_save", kwargs={"pk": pk, "role_id": "applicant"}),
        {"rule": "age >= 21", "base_revision": "2"},
    )
    html = client_in.get(reverse("studies:history", kwargs={"pk": pk})).content.decode()
    assert "История редакций" in html
    assert "Задано правило отбора роли «Заявитель»: «age &gt;= 18»" in html
    assert "Изменено правило отбора роли «Заявитель»: «age &gt;= 18» → «age &gt;= 21»" in html
    assert "<span>Анна</span>" in html  # the author by name (tests/web/conftest.py)
    assert "Раздел «Роли»" in html

    compare = client_in.get(reverse("studies:compare", kwargs={"pk": pk}) + "?a=1&b=3")
    text = compare.content.decode()
    assert compare.status_code == 200
    assert "Задано правило отбора роли «Заявитель»: «age &gt;= 21»" in text

    response = client_in.post(
        reverse("studies:restore", kwargs={"pk": pk, "number": 2}),
        {"comment": "вернули", "base_revision": "3"},
    )
    assert response.status_code == 302
    current = stored_study.current_revision()
    assert current.number == 4
    assert current.comment == "Восстановлена редакция 2: вернули"
    assert _rule(stored_study) == "age >= 18"
    assert AuditEvent.objects.filter(action="restored", study=stored_study).count() == 1
    assert client_in.get(reverse("studies:compare", kwargs={"pk": pk}) + "?a=x").status_code == 404


@pytest.mark.django_db
def test_a_revision_records_its_author_and_the_profile_its_revision(
    client_in: Client, stored_study: Study
) -> None:
    client_in.post(reverse("studies:run_start", kwargs={"pk": stored_study.pk}))
    run = ProfileRun.objects.get()
    assert run.status == "done"
    assert run.revision.number == 1
    assert run.revision.author is not None
    assert run.revision.author.username == "anna"
    assert '"study_revision":1' in run.result_json.replace(" ", "")


@pytest.mark.django_db
def test_two_profiles_compared_show_the_segments_that_moved(
    client_in: Client, stored_study: Study, rewrite_records: Any
) -> None:
    import pyarrow as pa
    import pyarrow.compute as pc

    pk = stored_study.pk
    client_in.post(reverse("studies:run_start", kwargs={"pk": pk}))

    def fewer_offices(table: pa.Table) -> pa.Table:
        keep = pc.invert(pc.fill_null(pc.equal(table["channel"], "office"), False))
        return table.filter(keep)

    rewrite_records(stored_study, fewer_offices)
    client_in.post(reverse("studies:run_start", kwargs={"pk": pk}))
    old, new = ProfileRun.objects.order_by("pk")
    page = client_in.get(
        reverse("studies:runs_compare", kwargs={"pk": pk}) + f"?a={old.pk}&b={new.pk}"
    )
    html = page.content.decode()
    assert page.status_code == 200
    assert "Сегменты, которые изменились" in html
    assert "Приёмная" in html  # the office segment is gone
    assert "исчез" in html


# --- concurrent edits ----------------------------------------------------------------------------


@pytest.mark.django_db
def test_two_people_editing_different_parts_both_succeed(
    client_in: Client, shared: Study, editor: User
) -> None:
    pk = shared.pk
    anna, vera = client_in, _as(editor)
    base = str(shared.current_revision().number)
    anna.post(
        reverse("studies:rule_save", kwargs={"pk": pk, "role_id": "applicant"}),
        {"rule": "age >= 18", "base_revision": base},
    )
    response = vera.post(
        reverse("studies:segment_note", kwargs={"pk": pk}),
        {
            "segment": "channel=epgu",
            "sponsor_focus": "on",
            "reason": "приоритет",
            "base_revision": base,
        },
    )
    assert response.status_code == 302
    current = shared.current_revision()
    assert current.number == 3
    document = current.to_document()
    assert _rule(shared) == "age >= 18"
    assert [n.segment for n in document.segment_notes] == ["channel=epgu"]
    assert current.comment.endswith("(слита с редакциями 2–2)")
    assert current.base_number == 1


@pytest.mark.django_db
def test_the_same_part_gives_the_later_one_a_conflict_with_both_versions(
    client_in: Client, shared: Study, editor: User
) -> None:
    pk = shared.pk
    anna, vera = client_in, _as(editor)
    url = reverse("studies:rule_save", kwargs={"pk": pk, "role_id": "applicant"})
    anna.post(url, {"rule": "age >= 18", "base_revision": "1"})
    response = vera.post(url, {"rule": "age >= 30", "base_revision": "1"})
    html = response.content.decode()
    assert response.status_code == 409
    assert "Кто-то другой изменил ту же часть" in html
    assert "роль «Заявитель»" in html
    assert "age &gt;= 18" in html  # the version saved meanwhile
    assert "age &gt;= 30" in html  # this person's version, not saved
    assert "Ваша версия (не сохранена)" in html
    assert shared.revisions.count() == 2
    assert _rule(shared) == "age >= 18"


@pytest.mark.django_db
def test_a_stale_whole_document_upload_conflicts_only_where_it_overlaps(
    client_in: Client, shared: Study, editor: User
) -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile

    from segprofile import pipeline

    pk = shared.pk
    anna, vera = client_in, _as(editor)
    anna.post(
        reverse("studies:rule_save", kwargs={"pk": pk, "role_id": "applicant"}),
        {"rule": "age >= 18", "base_revision": "1"},
    )
    document = shared.revisions.get(number=1).to_document()
    changed = document.model_copy(update={"title": "Новое название"})
    upload = SimpleUploadedFile("study.yaml", pipeline.dump_study(changed).encode())
    response = vera.post(
        reverse("studies:upload_revision", kwargs={"pk": pk}),
        {"document": upload, "comment": "", "base_revision": "1"},
    )
    # Issue 19: the upload shows what would change per section; nothing is stored yet.
    assert response.status_code == 200
    assert re.findall(r'id="section-(\w+)"', response.content.decode()) == ["title", "roles"]
    response = _choose(vera, pk, response, title="take", roles="keep")
    assert response.status_code == 302
    shared.refresh_from_db()
    assert shared.title == "Новое название"
    assert _rule(shared) == "age >= 18"  # anna's rule survived vera's older document

    role = changed.roles[0]
    assert role.audience is not None
    clash = changed.model_copy(
        update={
            "roles": [
                role.model_copy(
                    update={
                        "audience": role.audience.model_copy(
                            update={"eligibility_rule": "age > 60"}
                        )
                    }
                )
            ]
        }
    )
    upload = SimpleUploadedFile("study.yaml", pipeline.dump_study(clash).encode())
    shown = vera.post(
        reverse("studies:upload_revision", kwargs={"pk": pk}),
        {"document": upload, "comment": "", "base_revision": "3"},
    )
    assert shown.status_code == 200
    anna.post(  # meanwhile, the same role changed in the browser
        reverse("studies:rule_save", kwargs={"pk": pk, "role_id": "applicant"}),
        {"rule": "age >= 21", "base_revision": "3"},
    )
    response = _choose(vera, pk, shown, roles="take")
    assert response.status_code == 409
    assert shared.revisions.count() == 4
    assert _rule(shared) == "age >= 21"


def _choose(client: Client, pk: int, shown: Any, **choices: str) -> Any:
    """Answer the page of an uploaded revision's changes: keep or take, per section."""
    page = shown.content.decode()
    payload = re.search(r'name="payload" value="([^"]+)"', page)
    base = re.search(r'name="base_revision" value="(\d+)"', page)
    assert payload
    assert base
    data = {"payload": payload.group(1), "base_revision": base.group(1)}
    data |= {f"section_{key}": value for key, value in choices.items()}
    return client.post(reverse("studies:upload_revision", kwargs={"pk": pk}), data)


@pytest.mark.django_db
def test_without_a_base_revision_a_change_applies_to_the_current_state(
    client_in: Client, stored_study: Study
) -> None:
    url = reverse("studies:rule_save", kwargs={"pk": stored_study.pk, "role_id": "applicant"})
    client_in.post(url, {"rule": "age >= 18"})
    client_in.post(url, {"rule": "age >= 19"})
    assert _rule(stored_study) == "age >= 19"


# --- audit log -----------------------------------------------------------------------------------


@pytest.mark.django_db
def test_sign_in_failure_and_sign_out_are_audited(user: User) -> None:
    client = Client()
    client.post(reverse("login"), {"username": "anna", "password": "wrong"})
    client.post(reverse("login"), {"username": "anna", "password": PASSWORD})
    client.post(reverse("logout"))
    events = list(AuditEvent.objects.order_by("pk").values_list("action", "username"))
    assert events == [("login_failed", "anna"), ("login", "anna"), ("logout", "anna")]
    assert all("wrong" not in str(e.details) for e in AuditEvent.objects.all())


@pytest.mark.django_db
def test_exports_and_imports_are_audited_without_client_values(
    client_in: Client, stored_study: Study
) -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile

    pk = stored_study.pk
    client_in.post(reverse("studies:run_start", kwargs={"pk": pk}))
    run = ProfileRun.objects.get()
    client_in.get(reverse("studies:yaml", kwargs={"pk": pk}))
    client_in.get(reverse("studies:run_json", kwargs={"pk": pk, "run_pk": run.pk}))
    client_in.get(reverse("studies:run_html", kwargs={"pk": pk, "run_pk": run.pk}))
    csv = "id,channel,age\n1,Иванов Иван,33\n"
    client_in.post(
        reverse("studies:data_upload", kwargs={"pk": pk}),
        {"source": "records", "file": SimpleUploadedFile("records.csv", csv.encode())},
    )
    events = AuditEvent.objects.filter(study=stored_study).exclude(action="login")
    formats = sorted(e.details.get("format", "") for e in events if e.action == "export")
    assert formats == ["html", "json", "yaml"]
    stored = " ".join(str(e.details) for e in AuditEvent.objects.all())
    assert "Иванов" not in stored
    page = client_in.get(reverse("studies:audit", kwargs={"pk": pk})).content.decode()
    assert "Журнал аудита" in page
    assert "экспорт" in page.lower()
    # The details in Russian, never the stored keys: «формат: JSON», «профиль № 1».
    assert "формат: JSON" in page
    assert f"профиль № {run.pk}" in page
    assert "format:" not in page
    assert "revision:" not in page


@pytest.mark.django_db
def test_the_administrator_sees_every_event_others_do_not(
    client_in: Client, stored_study: Study
) -> None:
    admin = User.objects.create_superuser("root", password="x-long-password")
    client = _as(admin)
    html = client.get(reverse("studies:audit_all")).content.decode()
    assert "Журнал аудита" in html
    assert "anna" in html  # anna's sign-in (force_login) is there
    assert client_in.get(reverse("studies:audit_all")).status_code == 403


@pytest.mark.django_db
def test_deleting_a_study_needs_its_title_typed_and_is_audited(
    client_in: Client, stored_study: Study
) -> None:
    pk, title = stored_study.pk, stored_study.title
    client_in.post(reverse("studies:run_start", kwargs={"pk": pk}))
    root = stored_study.data_dir().parent
    # A file waiting for import in the staging area goes with the study.
    client_in.post(
        reverse("studies:data_upload", kwargs={"pk": pk}),
        {"source": "records", "file": SimpleUploadedFile("march.csv", b"id,channel\n1,mfc\n")},
    )
    staged = Path(settings.SEGPROFILE_STAGING) / "uploads" / staging_area(stored_study)
    assert any(p.is_file() for p in staged.rglob("*"))
    url = reverse("studies:delete", kwargs={"pk": pk})
    page = client_in.get(url).content.decode()
    assert f"«{stored_study.slug}»" not in page  # the title is typed, never an identifier
    assert "введите название исследования" in page
    for wrong in ("wrong", "", stored_study.slug):
        assert client_in.post(url, {"confirm": wrong}).status_code == 400
    assert Study.objects.filter(pk=pk).exists()
    # Spaces and capitals as typed by hand do not matter.
    typed = "  " + stored_study.title.upper().replace(" ", "   ") + " "
    response = client_in.post(url, {"confirm": typed})
    assert response.status_code == 302
    assert not Study.objects.filter(pk=pk).exists()
    assert not root.exists()
    assert not staged.exists()
    event = AuditEvent.objects.get(action="deleted")
    assert event.study is None
    assert event.study_title == title
    assert event.username == "anna"


# --- sign-in security ----------------------------------------------------------------------------


@pytest.mark.django_db
def test_repeated_failed_sign_ins_lock_the_name_with_a_russian_message(
    user: User, settings: Any
) -> None:
    settings.AXES_FAILURE_LIMIT = 3
    client = Client()
    for _ in range(3):
        client.post(reverse("login"), {"username": "anna", "password": "wrong"})
    locked = client.post(reverse("login"), {"username": "anna", "password": PASSWORD})
    html = locked.content.decode()
    assert locked.status_code == 429
    assert "Слишком много неудачных попыток входа" in html
    assert "_auth_user_id" not in client.session
    assert AuditEvent.objects.filter(action="locked_out", username="anna").exists()
    # Another name from the same address is not locked.
    User.objects.create_user("boris", password=PASSWORD)
    ok = Client().post(reverse("login"), {"username": "boris", "password": PASSWORD})
    assert ok.status_code == 302


@pytest.mark.django_db
def test_passwords_are_hashed_with_argon2() -> None:
    from django.conf import settings as django_settings
    from django.contrib.auth.hashers import make_password
    from django.test import override_settings

    import segprofile.web.settings as base

    assert base.PASSWORD_HASHERS[0].endswith("Argon2PasswordHasher")
    with override_settings(PASSWORD_HASHERS=base.PASSWORD_HASHERS):
        assert make_password("секрет-123").startswith("argon2$argon2id$")
    assert django_settings.SESSION_EXPIRE_AT_BROWSER_CLOSE is True


@pytest.mark.django_db
def test_session_ends_with_the_browser_and_after_idle_hours(user: User) -> None:
    import segprofile.web.settings as base

    client = Client()
    response = client.post(reverse("login"), {"username": "anna", "password": PASSWORD})
    cookie = response.cookies["sessionid"]
    assert cookie["expires"] == ""  # a browser-session cookie
    assert cookie["httponly"]
    assert base.SESSION_COOKIE_AGE == 8 * 3600
    # The idle timeout: the expiry follows the requests (moved at most once a minute, see
    # tests/web/test_page_cost.py), not the sign-in.
    assert "segprofile.web.middleware_load.SessionIdleRefreshMiddleware" in base.MIDDLEWARE
    session = client.session
    assert 0 < session.get_expiry_age() <= 8 * 3600


def test_the_team_catalogue_part_is_compiled_and_read() -> None:
    from django.utils import translation
    from django.utils.translation import gettext

    with translation.override("ru"):
        assert gettext("Someone else changed the same part") == "Кто-то другой изменил ту же часть"
        assert re.fullmatch("[А-Яа-яё ]+", gettext("Members"))


@pytest.mark.django_db(transaction=True)
def test_simultaneous_saves_wait_for_each_other_and_merge(user: User, small_study: Any) -> None:
    """Two saves from the same base at the same moment: the row lock orders them, the second
    merges the first one's change (a server database; SQLite serialises writers anyway)."""
    import threading

    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("row locks are tested on PostgreSQL (tests/web/test_postgres.py)")
    study = Study.create_from_document(small_study, owner=user, comment="тест")
    barrier = threading.Barrier(2)
    errors: list[BaseException] = []

    def save(update: dict[str, Any]) -> None:
        try:
            mine = Study.objects.get(pk=study.pk)
            document = mine.revisions.get(number=1).to_document()
            if "min_cell" in update:
                segmentation = document.segmentation.model_copy(update=update)
                document = document.model_copy(update={"segmentation": segmentation})
            else:
                document = document.model_copy(update=update)
            barrier.wait(timeout=30)
            mine.add_revision(document, author=user, comment="поток", base=1)
        except BaseException as exc:  # noqa: BLE001 — handed to the main thread
            errors.append(exc)
        finally:
            connection.close()

    threads = [
        threading.Thread(target=save, args=({"title": "Название из потока"},)),
        threading.Thread(target=save, args=({"min_cell": 9},)),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == []
    assert list(study.revisions.order_by("number").values_list("number", flat=True)) == [1, 2, 3]
    document = study.current_revision().to_document()
    assert document.title == "Название из потока"
    assert document.segmentation.min_cell == 9


@pytest.mark.django_db
def test_authenticate_without_a_request_skips_the_throttle_only(user: User) -> None:
    from django.contrib.auth import authenticate

    assert authenticate(username="anna", password=PASSWORD) == user
    assert authenticate(username="anna", password="wrong") is None


# --- how people are named ------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_person_is_named_once_by_full_name_or_user_name(
    client_in: Client, stored_study: Study
) -> None:
    """«petrova petrova» no more: a bare account is its user name once (with its e-mail in
    small print); a named one its full name with the user name in small print."""
    from segprofile.web.studies.people import person, person_note

    petrova = User.objects.create_user("petrova", email="petrova@example.org", password=PASSWORD)
    ivanov = User.objects.create_user(
        "ivanov", password=PASSWORD, first_name=" Иван ", last_name="Иванов"
    )
    bare = User.objects.create_user("sidorov", password=PASSWORD)
    for member, role in ((petrova, "editor"), (ivanov, "viewer"), (bare, "viewer")):
        Membership.objects.create(study=stored_study, user=member, role=role)
    assert (person(petrova), person_note(petrova)) == ("petrova", "petrova@example.org")
    assert (person(ivanov), person_note(ivanov)) == ("Иван Иванов", "ivanov")
    assert (person(bare), person_note(bare)) == ("sidorov", "")
    assert person(None) == "—"

    html = client_in.get(reverse("studies:members", kwargs={"pk": stored_study.pk})).content
    rows = {
        re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", cell)).strip()
        for cell in re.findall(r'<td class="strong">(.*?)</td>', html.decode(), re.S)
    }
    assert rows == {
        "Анна anna",
        "petrova petrova@example.org",
        "Иван Иванов ivanov",
        "sidorov",
    }

    # The history names the author the same way.
    stored_study.add_revision(
        stored_study.current_revision().to_document(), author=petrova, comment="без изменений"
    )
    history = client_in.get(reverse("studies:history", kwargs={"pk": stored_study.pk}))
    text = history.content.decode()
    assert "<span>petrova</span>" in text
    assert "petrova petrova" not in text

    # A role change names the member by the same rule.
    member = Membership.objects.get(study=stored_study, user=ivanov)
    response = client_in.post(
        reverse("studies:member_change", kwargs={"pk": stored_study.pk, "member_pk": member.pk}),
        {"role": "editor"},
        follow=True,
    )
    assert "Иван Иванов теперь в роли «редактор»" in response.content.decode()


@pytest.mark.django_db
def test_the_history_tells_each_change_by_section_in_words_never_as_stored_data(
    client_in: Client, stored_study: Study
) -> None:
    """An analyst reads the history: who, when, which section, what changed — a hypothesis by
    its number, features by their labels, a group of fields field by field; no stored keys,
    identifiers or raw structures (JSON) of the document."""
    import json

    document = stored_study.current_revision().document
    new = json.loads(json.dumps(document))
    new["hypotheses"].append(
        {
            "id": "p_queue_rural",
            "statement": "В МФЦ сельских районов очередь на подачу больше часа",
            "kind": "problem",
        }
    )
    feature_ids = [f["id"] for f in new["features"]]
    new["segmentation"]["clustering"]["features"] = feature_ids[:2]
    new["segmentation"]["min_cell"] = 7
    binned = next(f for f in new["features"] if f.get("binning"))
    binned["binning"] = None  # a whole group of fields cleared at once
    labelled = next(f for f in new["features"] if f.get("value_labels"))
    code = next(iter(labelled["value_labels"]))
    labelled["value_labels"][code] = "Подписано заново"
    petrova = User.objects.create_user("petrova", email="petrova@example.org")
    from segprofile import pipeline

    stored_study.add_revision(
        pipeline.study_from_data(new, source="тест"), author=petrova, comment="уточнения"
    )
    html = client_in.get(reverse("studies:history", kwargs={"pk": stored_study.pk})).content
    text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html.decode()))
    number = len(new["hypotheses"])
    assert f"Добавлена гипотеза № {number} «В МФЦ сельских районов очередь" in text
    assert "Раздел «Гипотезы» — 1 изменение" in text
    assert "Раздел «Настройки сегментации»" in text
    old_min = document["segmentation"]["min_cell"]
    assert f"Изменён минимальный размер сегмента: {old_min} → 7" in text
    assert "Раздел «Признаки»" in text
    assert f"Очищено разбиение признака «{binned['label']}»" not in text  # field by field
    assert f"признака «{binned['label']}»" in text
    assert "→ «Подписано заново»" in text
    assert "Редакция 2 petrova" in text
    # Nothing of the stored document's inner form: no ids, keys or JSON.
    changes = text.split("История редакций", 1)[1]
    for internal in ("p_queue_rural", "value_labels", "binning", "min_cell", "{", "}", '":'):
        assert internal not in changes, internal
    for feature_id in feature_ids:
        assert f"«{feature_id}»" not in changes, feature_id

    # The compare page says the same, grouped the same way.
    compare = client_in.get(reverse("studies:compare", kwargs={"pk": stored_study.pk}))
    assert "Раздел «Гипотезы»" in compare.content.decode()


@pytest.mark.django_db
def test_revision_comments_name_roles_and_segments_as_pages_do(
    client_in: Client, stored_study: Study
) -> None:
    """The history's comments name a role by its title and a segment by its name, never by
    the identifiers the document stores («applicant», «channel=epgu»)."""
    pk = stored_study.pk
    document = stored_study.current_revision().to_document()
    role = next(r for r in document.roles if r.id == "applicant")
    client_in.post(
        reverse("studies:rule_save", kwargs={"pk": pk, "role_id": "applicant"}),
        {"rule": "age >= 18", "base_revision": "1"},
    )
    client_in.post(
        reverse("studies:segment_note", kwargs={"pk": pk}),
        {"segment": "channel=epgu", "sponsor_focus": "on", "reason": "приоритет"},
    )
    comments = list(stored_study.revisions.order_by("number").values_list("comment", flat=True))
    assert comments[1] == f"Правило отбора роли «{role.title}»"
    assert comments[2].startswith("Позиция заказчика по сегменту «")
    assert "channel=epgu" not in comments[2]
    assert "applicant" not in comments[1]
