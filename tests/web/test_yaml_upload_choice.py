"""Issue 19, point 5: a YAML upload never silently replaces work.

Uploading a study document as a revision shows what would change, section by section, in
words; the person chooses per section to keep the current version or take the file's; only
then is a revision stored (merged with edits saved meanwhile, or a conflict page).
"""

from __future__ import annotations

import html as html_lib
import json
import re
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.core import signing
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from canary import canary_rows, needles, scan_text
from segprofile import pipeline
from segprofile.model.study import Study as StudyDocument
from segprofile.web.studies.models import AuditEvent, Membership, Study

HYPOTHESIS = {"id": "h1", "kind": "problem", "statement": "Сложно найти форму заявления"}


def text_of(response: Any) -> str:
    return html_lib.unescape(response.content.decode()).replace("\xa0", " ")


@pytest.fixture
def worked_study(stored_study: Study, user: User) -> Study:
    """The stored study after work in the browser: a hypothesis and an interview plan on it."""
    data = stored_study.current_revision().to_document().model_dump(mode="json")
    data["hypotheses"] = [HYPOTHESIS]
    data["research"]["activities"] = [
        {"id": "int1", "method": "interview", "title": "Интервью", "hypotheses": ["h1"]}
    ]
    stored_study.add_revision(
        StudyDocument.model_validate(data), author=user, comment="работа в браузере"
    )
    return stored_study


def the_file(study: Study, **changes: Any) -> bytes:
    """The study as a YAML file written outside: the first revision (no browser work) with
    ``changes`` to its sections."""
    data = study.revisions.order_by("number").first().to_document().model_dump(mode="json")
    for key, value in changes.items():
        if isinstance(value, dict) and isinstance(data.get(key), dict):
            data[key] = {**data[key], **value}
        else:
            data[key] = value
    return pipeline.dump_study(StudyDocument.model_validate(data)).encode()


def upload(client: Client, study: Study, content: bytes) -> Any:
    return client.post(
        reverse("studies:upload_revision", kwargs={"pk": study.pk}),
        {
            "document": SimpleUploadedFile("study.yaml", content),
            "comment": "из файла",
            "base_revision": study.current_revision().number,
        },
    )


def choose(client: Client, study: Study, shown: Any, **choices: str) -> Any:
    page = shown.content.decode()
    payload = re.search(r'name="payload" value="([^"]+)"', page)
    base = re.search(r'name="base_revision" value="(\d+)"', page)
    assert payload, text_of(shown)[:2000]
    assert base
    data = {"payload": payload.group(1), "base_revision": base.group(1)}
    data |= {f"section_{key}": value for key, value in choices.items()}
    return client.post(reverse("studies:upload_revision", kwargs={"pk": study.pk}), data)


@pytest.mark.django_db
def test_the_changes_are_shown_per_section_and_nothing_is_stored_yet(
    client_in: Client, worked_study: Study
) -> None:
    before = worked_study.revisions.count()
    content = the_file(worked_study, scope={"title": "Пособие на ребёнка"})
    shown = upload(client_in, worked_study, content)
    assert shown.status_code == 200
    page = text_of(shown)
    assert "Что изменит файл study.yaml" in page
    sections = re.findall(r'id="section-(\w+)"', page)
    assert sections == ["scope", "hypotheses", "research"]  # roles, features… are not asked
    assert "Изменено название: «Пособие» → «Пособие на ребёнка»" in page
    assert re.search(r"Удалена гипотеза № \d+ «Сложно найти форму заявления»", page)  # in words
    assert "оставить текущую версию" in page
    assert "взять версию из файла" in page
    assert worked_study.revisions.count() == before


@pytest.mark.django_db
def test_only_the_chosen_sections_are_taken(client_in: Client, worked_study: Study) -> None:
    content = the_file(worked_study, scope={"title": "Пособие на ребёнка"})
    shown = upload(client_in, worked_study, content)
    before = worked_study.current_revision().number
    response = choose(
        client_in, worked_study, shown, scope="take", hypotheses="keep", research="keep"
    )
    assert response.status_code == 302
    revision = worked_study.current_revision()
    assert revision.number == before + 1
    document = revision.to_document()
    assert document.scope.title == "Пособие на ребёнка"
    assert [h.id for h in document.hypotheses] == ["h1"]  # the browser work survives
    assert [a.id for a in document.research.activities] == ["int1"]
    assert "Объект профилирования" in revision.comment
    event = AuditEvent.objects.filter(study=worked_study, action=AuditEvent.Action.IMPORT).last()
    assert event is not None
    assert event.details["sections"] == ["scope"]
    assert "разделы: Объект профилирования" in event.details_shown()  # the log names them


@pytest.mark.django_db
def test_a_section_without_a_choice_is_refused_beside_it(
    client_in: Client, worked_study: Study
) -> None:
    shown = upload(client_in, worked_study, the_file(worked_study, scope={"title": "Другое"}))
    before = worked_study.revisions.count()
    response = choose(client_in, worked_study, shown, scope="take", research="keep")
    assert response.status_code == 400
    page = text_of(response)
    block = page[page.index('id="section-hypotheses"') : page.index('id="section-research"')]
    assert "Выберите: оставить текущую версию или взять версию из файла." in block
    assert worked_study.revisions.count() == before


@pytest.mark.django_db
def test_a_mix_whose_references_break_is_refused_and_stores_nothing(
    client_in: Client, worked_study: Study
) -> None:
    shown = upload(client_in, worked_study, the_file(worked_study))
    before = worked_study.revisions.count()
    # The file has no hypotheses; the kept interview plan names «h1».
    response = choose(client_in, worked_study, shown, hypotheses="take", research="keep")
    assert response.status_code == 400
    assert "гипотеза «h1» не найден" in text_of(response)
    assert worked_study.revisions.count() == before


@pytest.mark.django_db
def test_every_section_kept_or_the_same_file_stores_nothing(
    client_in: Client, worked_study: Study
) -> None:
    before = worked_study.revisions.count()
    shown = upload(client_in, worked_study, the_file(worked_study))
    response = choose(client_in, worked_study, shown, hypotheses="keep", research="keep")
    assert response.status_code == 302
    same = pipeline.dump_study(worked_study.current_revision().to_document()).encode()
    response = upload(client_in, worked_study, same)
    assert response.status_code == 302
    assert "не отличается" in text_of(client_in.get(response["Location"]))
    assert worked_study.revisions.count() == before


@pytest.mark.django_db
def test_a_damaged_choice_page_stores_nothing(client_in: Client, worked_study: Study) -> None:
    before = worked_study.revisions.count()
    response = client_in.post(
        reverse("studies:upload_revision", kwargs={"pk": worked_study.pk}),
        {"payload": "подделка", "section_scope": "take"},
    )
    assert response.status_code == 302
    assert "устарела или повреждена" in text_of(client_in.get(response["Location"]))
    assert worked_study.revisions.count() == before


@pytest.mark.django_db
def test_edits_saved_meanwhile_are_merged_or_a_conflict(
    client_in: Client, worked_study: Study, user: User
) -> None:
    content = the_file(worked_study, scope={"title": "Пособие на ребёнка"})
    shown = upload(client_in, worked_study, content)
    # Someone sets the body meanwhile (the same section): taking the file's scope conflicts.
    edited = worked_study.current_revision().to_document().model_copy(deep=True)
    edited.scope.body = "Министерство"
    worked_study.add_revision(edited, author=user, comment="в браузере")
    number = worked_study.current_revision().number
    response = choose(
        client_in, worked_study, shown, scope="take", hypotheses="keep", research="keep"
    )
    assert response.status_code == 409
    assert worked_study.current_revision().number == number
    # Another section the file changes is merged with that edit.
    response = choose(
        client_in, worked_study, shown, scope="keep", hypotheses="take", research="take"
    )
    assert response.status_code == 302
    document = worked_study.current_revision().to_document()
    assert document.scope.body == "Министерство"
    assert document.hypotheses == []


@pytest.mark.django_db
def test_a_viewer_cannot_upload(
    client_in: Client, other_client: Client, other_user: User, worked_study: Study
) -> None:
    Membership.objects.create(study=worked_study, user=other_user, role=Membership.Role.VIEWER)
    shown = upload(client_in, worked_study, the_file(worked_study, scope={"title": "Другое"}))
    response = choose(other_client, worked_study, shown, scope="take")
    assert response.status_code == 403
    response = upload(other_client, worked_study, the_file(worked_study))
    assert response.status_code == 403


@pytest.mark.django_db
def test_a_section_taken_from_the_file_is_masked_and_the_user_is_told(
    client_in: Client, worked_study: Study
) -> None:
    """The file's typed texts are masked as any edit's (Study.add_revision), and the page says
    what was replaced."""
    from django.contrib.messages import get_messages

    typed = "жалоба Сидоровой Марии Петровны, СНИЛС 112-233-445 95"
    content = the_file(worked_study, scope={"description": typed})
    shown = upload(client_in, worked_study, content)
    response = choose(
        client_in, worked_study, shown, scope="take", hypotheses="keep", research="keep"
    )
    assert response.status_code == 302
    revision = worked_study.current_revision()
    (said,) = [str(m) for m in get_messages(response.wsgi_request)]
    assert said == (
        f"Редакция {revision.number} сохранена. В тексте заменены персональные данные: 1 имя, "
        "1 СНИЛС."
    )
    assert revision.to_document().scope.description == "жалоба [имя], СНИЛС [СНИЛС]"
    for raw in ("Сидоров", "112-233-445"):
        assert raw not in str(revision.document)


# --- the choice page shows the file as it will be stored: masked (152-ФЗ) ----------------------

CLIENT = canary_rows(3, seed=72)[1]  # a client's raw values, as an analyst might paste them
RAW = needles([CLIENT])  # every spelling of them: none may come back on any page


def _no_raw(text: str, where: str) -> None:
    """No raw value of the client in ``text``; the failure names where and how many, never the
    value itself (test output is a log too)."""
    hits = scan_text(text, RAW, where)
    assert not hits, f"{len(hits)} raw value(s) of the client in {where}"


def _file_with_personal_data(study: Study) -> bytes:
    """The study's file as an analyst edited it outside: a complaint quoted in the scope's
    description (a name, a phone) and a hypothesis with an e-mail and a СНИЛС in it."""
    return the_file(
        study,
        scope={"description": f"Жалоба {CLIENT.fio}: перезвонить по телефону {CLIENT.phone}"},
        hypotheses=[
            {
                "id": "h1",
                "kind": "problem",
                "statement": f"Ответ не приходит на {CLIENT.email}, СНИЛС {CLIENT.snils}",
            }
        ],
    )


def _upload_named(client: Client, study: Study, content: bytes, name: str, comment: str) -> Any:
    return client.post(
        reverse("studies:upload_revision", kwargs={"pk": study.pk}),
        {
            "document": SimpleUploadedFile(name, content),
            "comment": comment,
            "base_revision": study.current_revision().number,
        },
    )


@pytest.mark.django_db
def test_the_choice_page_shows_the_file_masked_and_says_what_was_replaced(
    client_in: Client, worked_study: Study
) -> None:
    content = _file_with_personal_data(worked_study)
    assert scan_text(content.decode(), RAW), "the positive control: the file has the values"
    shown = _upload_named(
        client_in,
        worked_study,
        content,
        f"Жалоба {CLIENT.fio} {CLIENT.phone}.yaml",
        f"по звонку {CLIENT.phone}",
    )
    assert shown.status_code == 200
    html = shown.content.decode()
    page = text_of(shown)
    _no_raw(page, "the choice page")
    # The signed payload rides in the page until the choice: it holds the masked file only.
    payload = re.search(r'name="payload" value="([^"]+)"', html)
    assert payload
    data = signing.loads(
        html_lib.unescape(payload.group(1)), salt=f"segprofile.study-upload:{worked_study.pk}"
    )
    _no_raw(json.dumps(data, ensure_ascii=False), "the payload")
    # Said as a saved edit's message says it: in all, and beside each section.
    note = re.search(r'id="masked-note"[^>]*>([^<]+)<', html)
    assert note
    assert html_lib.unescape(note.group(1)).startswith(
        "В тексте заменены персональные данные: 1 имя, 1 телефон, 1 e-mail, 1 СНИЛС."
    )
    sections = {
        key: page[page.index(f'id="section-{key}"') :][:600] for key in ("scope", "hypotheses")
    }
    assert "заменены персональные данные: 1 имя, 1 телефон." in sections["scope"]
    assert "заменены персональные данные: 1 e-mail, 1 СНИЛС." in sections["hypotheses"]
    # The change in words shows the masked text, and the file by its masked name.
    assert "Жалоба [имя]: перезвонить по телефону [телефон]" in page
    assert "Что изменит файл Жалоба [имя] [телефон].yaml" in page


@pytest.mark.django_db
def test_the_saved_message_names_what_the_sections_taken_replaced(
    client_in: Client, worked_study: Study
) -> None:
    from django.contrib.messages import get_messages

    content = _file_with_personal_data(worked_study)
    shown = _upload_named(client_in, worked_study, content, "study.yaml", "")
    response = choose(
        client_in, worked_study, shown, scope="take", hypotheses="keep", research="keep"
    )
    assert response.status_code == 302
    revision = worked_study.current_revision()
    (said,) = [str(m) for m in get_messages(response.wsgi_request)]
    # Only the scope was taken: its name and phone, not the kept hypothesis' e-mail and СНИЛС.
    assert said == (
        f"Редакция {revision.number} сохранена. В тексте заменены персональные данные: 1 имя, "
        "1 телефон."
    )
    _no_raw(json.dumps(revision.document, ensure_ascii=False), "the stored revision")
    _no_raw(revision.comment, "the revision's comment")
    event = AuditEvent.objects.filter(study=worked_study, action=AuditEvent.Action.IMPORT).last()
    assert event is not None
    _no_raw(json.dumps(event.details, ensure_ascii=False), "the audit log")


@pytest.mark.django_db
def test_a_refused_choice_shows_the_page_again_masked(
    client_in: Client, worked_study: Study
) -> None:
    """A choice left out: the page again (400), still masked and still saying so."""
    shown = _upload_named(
        client_in, worked_study, _file_with_personal_data(worked_study), "study.yaml", ""
    )
    response = choose(client_in, worked_study, shown, scope="take", research="keep")
    assert response.status_code == 400
    _no_raw(text_of(response), "the choice page shown again")
    assert "В тексте заменены персональные данные: 1 имя, 1 телефон, 1 e-mail, 1 СНИЛС." in (
        text_of(response)
    )


@pytest.mark.django_db
def test_a_refused_file_is_named_masked(client_in: Client, worked_study: Study) -> None:
    """A document that is not valid: the error names the file by its masked name."""
    response = _upload_named(
        client_in, worked_study, b"id: [", f"Жалоба {CLIENT.fio} {CLIENT.phone}.yaml", ""
    )
    assert response.status_code == 400
    page = text_of(response)
    assert "Жалоба [имя] [телефон].yaml" in page
    _no_raw(page, "the refused upload's page")


@pytest.mark.django_db
def test_a_document_refused_for_what_it_quotes_is_shown_masked(
    client_in: Client, worked_study: Study
) -> None:
    """The model's problems quote the file (an unknown key, a value): the table of problems
    shows them masked, as the file would be stored."""
    content = the_file(worked_study).decode() + f"{CLIENT.email}: {CLIENT.phone}\n"
    response = _upload_named(client_in, worked_study, content.encode(), "study.yaml", "")
    assert response.status_code == 400
    page = text_of(response)
    assert "[e-mail]" in page  # the key still named, masked
    _no_raw(page, "the refused upload's page")
