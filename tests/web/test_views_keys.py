"""The study's own pseudonym key in the web, and re-identification for its owner (M-8).

The owner uploads the body's original file and the plan's respondents; the contacts of those
found come back as a download; nothing raw stays on the server (files, database, logs).
"""

from __future__ import annotations

import base64
import csv
import html as html_lib
import io
import random
import tempfile
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from segprofile import pipeline
from segprofile.model.format import restore
from segprofile.model.study import ColumnOverride
from segprofile.web.studies.keys import key_store
from segprofile.web.studies.models import AuditEvent, Membership, Study
from segprofile.web.studies.services import staging_root, workspace_for
from sp_factories import make_records, make_snils

SURNAMES = ["Иванов", "Петрова", "Сидоров", "Кузнецова", "Смирнов"]


def original_csv(n: int, seed: int) -> tuple[bytes, list[dict[str, str]]]:
    """The small study's records as a body exports them, with ФИО, СНИЛС and a phone."""
    rng = random.Random(seed)
    rows = []
    for rec in make_records(n, seed).to_pylist():
        rows.append(
            {
                "ФИО": f"{rng.choice(SURNAMES)} Анна Петровна",
                "СНИЛС": make_snils(rng),
                "Телефон": f"+7 9{rng.randint(10, 99)} {rng.randint(100, 999)}-"
                f"{rng.randint(10, 99)}-{rng.randint(10, 99)}",
                **{k: "" if v is None else str(v).lower() for k, v in rec.items()},
            }
        )
    text = io.StringIO()
    writer = csv.DictWriter(text, fieldnames=list(rows[0]), delimiter=";")
    writer.writeheader()
    writer.writerows(rows)
    return text.getvalue().encode("cp1251"), rows


@pytest.fixture
def imported(stored_study: Study, tmp_path: Path) -> dict[str, Any]:
    """The study with its records imported under its key and a research plan's respondents."""
    document = stored_study.current_revision().to_document()
    document.data_sources[0].id_column = "СНИЛС"
    stored_study.add_revision(document, author=stored_study.owner, comment="id")
    content, rows = original_csv(500, seed=8)
    original = tmp_path / "выгрузка.csv"
    original.write_bytes(content)
    pipeline.import_dataset(
        workspace_for(stored_study), original, document, "records", author="anna"
    )
    plan = pipeline.research_plan(workspace_for(stored_study), document)
    respondents = pipeline.recruitment_csv(plan.recruitment)
    chosen = [r.respondent_id for r in plan.recruitment.respondents]
    assert chosen
    return {"content": content, "rows": rows, "respondents": respondents, "chosen": chosen}


def _post(client: Client, study: Study, original: bytes, respondents: bytes) -> Any:
    return client.post(
        reverse("studies:reidentify", kwargs={"pk": study.pk}),
        {
            "source": "records",
            "original": SimpleUploadedFile("выгрузка.csv", original),
            "respondents": SimpleUploadedFile("respondents.csv", respondents),
        },
    )


def _leftovers() -> list[Path]:
    return list(Path(tempfile.gettempdir()).glob("segprofile-reidentify-*"))


def test_each_web_study_has_its_own_key_in_the_store(
    stored_study: Study, imported: dict[str, Any]
) -> None:
    store = key_store()
    assert (store / f"web-study-{stored_study.pk}.key").is_file()
    assert not store.is_relative_to(stored_study.data_dir().parent.parent)
    assert not list(stored_study.data_dir().parent.rglob("*.key"))


def test_the_owner_gets_the_contacts_and_nothing_raw_stays(
    client_in: Client, stored_study: Study, imported: dict[str, Any]
) -> None:
    page = client_in.get(reverse("studies:reidentify", kwargs={"pk": stored_study.pk}))
    assert page.status_code == 200
    assert "Контакты респондентов" in page.content.decode()
    # The file asked for is named by what it is, not by a file name of the program's.
    form = html_lib.unescape(page.content.decode())
    assert "Список респондентов, скачанный со страницы плана исследований (CSV)" in form
    assert "respondents.csv" not in form
    before = _leftovers()
    response = _post(client_in, stored_study, imported["content"], imported["respondents"])
    assert response.status_code == 200, response.content.decode()[:2000]
    assert response["Content-Disposition"].startswith("attachment;")
    assert "no-store" in response["Cache-Control"] or "max-age=0" in response["Cache-Control"]
    text = response.content.decode("utf-8-sig")
    contacts = list(csv.DictReader(io.StringIO(text), delimiter=";"))
    # A pseudonym starting with «-» is written «'-…» so that a spreadsheet takes it for no formula.
    assert {restore(c["Респондент"]) for c in contacts} == set(imported["chosen"])
    by_snils = {r["СНИЛС"]: r for r in imported["rows"]}
    assert all(by_snils[c["СНИЛС"]]["ФИО"] == c["ФИО"] for c in contacts)
    assert _leftovers() == before  # the uploads were deleted
    # Nothing raw on the server: the data home, the app's audit log.
    home = stored_study.data_dir().parent.parent
    stored = b"".join(p.read_bytes() for p in home.rglob("*") if p.is_file())
    event = AuditEvent.objects.filter(study=stored_study, action=AuditEvent.Action.EXPORT).last()
    assert event is not None
    assert event.details["respondents"] == len(imported["chosen"])
    assert event.details["found"] == len(imported["chosen"])
    for c in contacts:
        assert c["СНИЛС"].encode() not in stored
        assert c["СНИЛС"] not in str(event.details)
    trail = pipeline.read_audit(workspace_for(stored_study))
    assert trail[-1].event == "reidentify"
    assert trail[-1].user == "anna"
    # The data page's journal names the step in Russian, never the code «reidentify».
    journal = client_in.get(reverse("studies:data", kwargs={"pk": stored_study.pk}))
    shown = journal.content.decode()
    assert "контакт выдан владельцу исследования" in shown
    assert "— reidentify" not in shown
    audit_page = client_in.get(reverse("studies:audit", kwargs={"pk": stored_study.pk}))
    assert f"найдено: {len(imported['chosen'])}" in audit_page.content.decode()


def test_only_the_owner_may(
    stored_study: Study, imported: dict[str, Any], other_user: User, other_client: Client
) -> None:
    Membership.objects.create(study=stored_study, user=other_user, role="editor")
    url = reverse("studies:reidentify", kwargs={"pk": stored_study.pk})
    assert other_client.get(url).status_code == 403
    response = _post(other_client, stored_study, imported["content"], imported["respondents"])
    assert response.status_code == 403
    assert not AuditEvent.objects.filter(action=AuditEvent.Action.EXPORT).exists()


def test_a_wrong_file_gets_a_russian_message_and_leaves_nothing(
    client_in: Client, stored_study: Study, imported: dict[str, Any]
) -> None:
    before = _leftovers()
    response = _post(client_in, stored_study, imported["content"], b"x;y\n1;2\n")
    assert response.status_code == 400
    page = response.content.decode()
    assert "нет столбца «Респондент»" in page
    assert "Traceback" not in page
    assert _leftovers() == before


def test_the_uploads_wait_in_the_staging_area_not_the_system_temp_dir(
    client_in: Client,
    stored_study: Study,
    imported: dict[str, Any],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The body's original file goes where every upload goes (``SEGPROFILE_STAGING``, swept
    for a killed worker's leftovers), never into the system's temporary directory."""
    seen: list[Path] = []
    real = pipeline.reidentify

    def spy(ws: Any, original: Path, *args: Any, **kwargs: Any) -> Any:
        seen.extend([Path(original), Path(kwargs["respondents"])])
        assert Path(original).read_bytes() == imported["content"]
        return real(ws, original, *args, **kwargs)

    monkeypatch.setattr(pipeline, "reidentify", spy)
    before = _leftovers()
    response = _post(client_in, stored_study, imported["content"], imported["respondents"])
    assert response.status_code == 200
    work = staging_root().resolve() / "work"
    assert len(seen) == 2
    assert all(p.resolve().is_relative_to(work) for p in seen)
    assert not any(p.exists() for p in seen)  # deleted when the request ended
    assert not [d for d in work.iterdir() if d.name.startswith("reidentify-")]
    assert _leftovers() == before


def test_the_errors_say_what_to_do_in_the_browser(
    client_in: Client, stored_study: Study, imported: dict[str, Any], tmp_path: Path
) -> None:
    """Walk-through: the hint of a respondents file without «Респондент» listed the columns of
    «respondents.csv» (the server's own name for the upload); an id column kept as it is sent
    the user to a YAML field."""
    response = client_in.post(
        reverse("studies:reidentify", kwargs={"pk": stored_study.pk}),
        {
            "source": "records",
            "original": SimpleUploadedFile("выгрузка.csv", imported["content"]),
            "respondents": SimpleUploadedFile("мой_список.csv", b"x;y\n1;2\n"),
        },
    )
    assert response.status_code == 400
    page = html_lib.unescape(response.content.decode())
    assert "В файле мой_список.csv нет столбца «Респондент»" in page
    assert "выберите файл респондентов, скачанный из плана исследования" in page
    assert "respondents.csv нет" not in page
    # The id column kept as it is (with a reason) in a newer version: no pseudonyms to match.
    document = stored_study.current_revision().to_document()
    original = tmp_path / "снова.csv"
    original.write_bytes(imported["content"])
    pipeline.import_dataset(
        workspace_for(stored_study),
        original,
        document,
        "records",
        author="anna",
        overrides={"СНИЛС": ColumnOverride(pii="keep")},
        keep_reasons={"СНИЛС": "сверка с отделом"},
    )
    response = _post(client_in, stored_study, imported["content"], imported["respondents"])
    assert response.status_code == 400
    page = html_lib.unescape(response.content.decode())
    assert "столбец «СНИЛС» не заменён псевдонимом" in page
    assert (
        "на странице «Данные» и выберите для столбца «СНИЛС» действие «заменить псевдонимом»"
        in page
    )
    assert "id_column" not in page


def test_a_new_study_under_a_reused_number_does_not_inherit_the_old_key(
    user: User, small_study: Any
) -> None:
    first = Study.create_from_document(small_study, owner=user, comment="тест")
    stale = key_store() / f"web-study-{first.pk + 1}.key"
    stale.parent.mkdir(parents=True, exist_ok=True)
    stale.write_text("ab" * 32 + "\n")
    second = Study.create_from_document(small_study, owner=user, comment="тест")
    assert second.pk == first.pk + 1
    assert not stale.exists()
    assert len(list((key_store() / "retired").glob(f"web-study-{second.pk}.*.key"))) == 1


def test_the_key_is_in_no_table_of_the_app_database(
    client_in: Client, stored_study: Study, imported: dict[str, Any]
) -> None:
    """Profile runs, task results, revisions, the audit log: the key is in none of them."""
    from django.apps import apps
    from django.core import serializers

    assert client_in.post(reverse("studies:run_start", kwargs={"pk": stored_study.pk})).status_code
    response = _post(client_in, stored_study, imported["content"], imported["respondents"])
    assert response.status_code == 200
    key = bytes.fromhex((key_store() / f"web-study-{stored_study.pk}.key").read_text())
    forms = [key.hex(), key.hex().upper(), base64.b64encode(key).decode()]
    forms.append(base64.urlsafe_b64encode(key).decode())
    dump = "".join(
        serializers.serialize("json", model.objects.all()) for model in apps.get_models()
    )
    assert '"found"' in dump  # the re-identification's audit event is in the dump ...
    assert "total_clients" in dump  # ... and the profile run's result
    for form in forms:
        assert form not in dump
        assert form not in response.content.decode("utf-8-sig")


def test_the_audit_log_names_the_original_file_masked(
    client_in: Client, stored_study: Study, imported: dict[str, Any]
) -> None:
    """The body's export is often named after the person who made it or the client it is
    about: the audit log keeps its name masked."""
    response = client_in.post(
        reverse("studies:reidentify", kwargs={"pk": stored_study.pk}),
        {
            "source": "records",
            "original": SimpleUploadedFile("Иванов_И_И_выгрузка.csv", imported["content"]),
            "respondents": SimpleUploadedFile("respondents.csv", imported["respondents"]),
        },
    )
    assert response.status_code == 200
    event = AuditEvent.objects.filter(study=stored_study, action=AuditEvent.Action.EXPORT).last()
    assert event is not None
    assert "выгрузка.csv" in event.details["file"]
    assert "Иванов" not in str(event.details)
    shown = " ".join(event.details_shown())
    assert "строк:" in shown
    assert "rows" not in shown
