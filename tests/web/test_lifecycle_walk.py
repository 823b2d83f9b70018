"""What the multi-user walk-through (issue h87) found: a file named after a person shows its
name masked to every member — in the staged uploads list, on the import's page, in the audit
records of an original kept and deleted."""

from __future__ import annotations

import html as html_lib
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from segprofile import pipeline
from segprofile.pipeline.workspace import Workspace
from segprofile.web.studies.keys import study_key
from segprofile.web.studies.models import AuditEvent, DataImport, Membership, ProfileRun, Study
from segprofile.web.studies.services import workspace_for
from upload_gate import default_decisions, token_of

# A small messy export named after the employee who made it (or the client it is about).
PERSON_FILE = "Иванов_И_И_обращения_2024.csv"
CSV = "Канал;Возраст\n" + "".join(
    f"{'ЕПГУ' if i % 3 else 'мфц '};{20 + i % 7 if i % 5 else ''}\n" for i in range(40)
)


def _text(response: Any) -> str:
    return html_lib.unescape(response.content.decode()).replace("\xa0", " ")


def _stage(client: Client, study: Study) -> Any:
    return client.post(
        reverse("studies:data_upload", kwargs={"pk": study.pk}),
        {"source": "records", "file": SimpleUploadedFile(PERSON_FILE, CSV.encode("cp1251"))},
    )


@pytest.fixture
def reader(stored_study: Study, other_user: User, other_client: Client) -> Client:
    Membership.objects.create(study=stored_study, user=other_user, role=Membership.Role.VIEWER)
    return other_client


@pytest.mark.django_db
def test_a_staged_file_named_after_a_person_is_listed_masked(
    client_in: Client, reader: Client, stored_study: Study
) -> None:
    token_of(_stage(client_in, stored_study))
    for client in (client_in, reader):
        page = _text(client.get(reverse("studies:data", kwargs={"pk": stored_study.pk})))
        assert "Иванов" not in page
        assert "обращения 2024.csv" in page  # the rest of the name still tells the file


@pytest.mark.django_db
def test_an_import_of_a_file_named_after_a_person_shows_it_masked(
    client_in: Client, reader: Client, stored_study: Study, jobs_not_run: None
) -> None:
    token = token_of(_stage(client_in, stored_study))
    data = default_decisions(stored_study, token, confirm_pii="on", action="import")
    url = reverse("studies:data_inspect", kwargs={"pk": stored_study.pk, "token": token})
    queued = client_in.post(url, data)
    assert queued.status_code == 302
    assert "/data/imports/" in queued["Location"]
    job = DataImport.objects.get(study=stored_study)
    assert "Иванов" not in job.file
    page = reader.get(queued["Location"])
    assert page.status_code == 200
    assert "Иванов" not in _text(page)
    assert "обращения 2024.csv" in _text(page)


@pytest.mark.django_db
def test_the_audit_trail_of_an_original_names_it_masked(home: Path) -> None:
    ws = Workspace(home=home, keys=home.with_name("k"), staging=home.with_name("s"))
    for kept in (True, False):
        pipeline.audit_original(
            ws, kept=kept, user="anna", study_id="s", source_id="records", file=PERSON_FILE
        )
    trail = "\n".join(p.read_text("utf-8") for p in home.rglob("*") if p.is_file())
    assert "обращения" in trail
    assert "Иванов" not in trail


@pytest.mark.django_db
def test_the_data_page_names_who_uploaded_and_imported_by_full_name(
    client_in: Client, reader: Client, stored_study: Study, user: User
) -> None:
    user.last_name = "Петрова"
    user.save()
    token_of(_stage(client_in, stored_study))  # waiting for its check: who uploaded it
    pipeline.audit_original(  # a line of the data audit trail: who did it
        workspace_for(stored_study),
        kept=True,
        user=user.username,
        study_id=stored_study.current_revision().to_document().id,
        source_id="records",
        file="a.csv",
    )
    page = _text(reader.get(reverse("studies:data", kwargs={"pk": stored_study.pk})))
    journal = page.split("Журнал действий", 1)[1]
    assert "Анна Петрова" in journal
    assert "<td>anna</td>" not in journal.replace(" ", "")
    staged = page.split("Файлы, ожидающие проверки", 1)[1].split("</div>", 1)[0]
    assert "Анна Петрова" in staged
    assert "anna" not in staged


@pytest.mark.django_db
def test_the_audit_page_names_every_detail_of_an_import_in_russian(
    client_in: Client, stored_study: Study, user: User
) -> None:
    AuditEvent.objects.create(
        user=user,
        username=user.username,
        action=AuditEvent.Action.IMPORT,
        study=stored_study,
        details={"what": "dataset", "source": "records", "version": 2, "rows": 26},
    )
    AuditEvent.objects.create(
        user=user,
        username=user.username,
        action=AuditEvent.Action.IMPORT,
        study=stored_study,
        details={"what": "part", "part": "features", "revision": 3, "via": "api"},
    )
    page = _text(client_in.get(reverse("studies:audit", kwargs={"pk": stored_study.pk})))
    assert "строк: 26" in page
    assert "через: API" in page
    assert "что: часть документа исследования" in page
    for english in ("rows:", "via:", "part:", "что: part"):
        assert english not in page


@pytest.mark.django_db
def test_deleting_a_study_deletes_its_pseudonym_keys(
    client_in: Client, stored_study: Study, other_user: User
) -> None:
    """The right to erasure: with the study go its keys, the current one and the retired
    ones (the pseudonyms in reports downloaded before then lead to no one); another study's
    key stays."""
    other = Study.create_from_document(
        stored_study.current_revision().to_document(), owner=other_user, comment="другое"
    )
    mine, theirs = study_key(stored_study), study_key(other)
    for key in (mine, theirs):
        key.retired_path("a83fb31fd0cd").parent.mkdir(parents=True, exist_ok=True)
        for path in (key.path, key.retired_path("a83fb31fd0cd")):
            path.write_text("00" * 32)
    response = client_in.post(
        reverse("studies:delete", kwargs={"pk": stored_study.pk}),
        {"confirm": stored_study.title},
    )
    assert response.status_code == 302
    left = sorted(p.name for p in mine.store.rglob("*.key"))
    assert left == sorted([theirs.path.name, theirs.retired_path("a83fb31fd0cd").name])


def _capacities(text: str) -> list[int]:
    """Every segment's capacity a published profile (JSON) shows."""
    profile = pipeline.profile_from_json(text)
    return [
        seg.capacity
        for group in (*profile.by_feature, *profile.cross)
        for seg in group.segments
        if seg.capacity is not None
    ]


@pytest.mark.django_db
def test_a_raised_min_cell_hides_small_groups_in_the_profiles_built_before(
    client_in: Client, reader: Client, stored_study: Study, user: User
) -> None:
    """The owner raises the smallest group shown: a profile built before shows, to a reader,
    no group below the new value — page, JSON, HTML and reports alike."""
    client_in.post(reverse("studies:run_start", kwargs={"pk": stored_study.pk}))
    run = ProfileRun.objects.latest("pk")
    assert run.status == ProfileRun.Status.DONE, run.error
    kwargs = {"pk": stored_study.pk, "run_pk": run.pk}
    before = _capacities(reader.get(reverse("studies:run_json", kwargs=kwargs)).content.decode())
    small = sorted(c for c in before if c >= 5)[0]
    raised = small + 1  # the smallest group shown before is now too small
    document = stored_study.current_revision().to_document()
    document.segmentation.min_cell = raised
    stored_study.add_revision(document, author=user, comment="порог")
    after = _capacities(reader.get(reverse("studies:run_json", kwargs=kwargs)).content.decode())
    assert after
    assert min(after) >= raised
    assert len(after) < len(before)
    page = reader.get(reverse("studies:run", kwargs=kwargs))
    assert page.status_code == 200
    html = reader.get(reverse("studies:run_html", kwargs=kwargs)).content.decode()
    assert f"меньше {raised}" in html or f"менее {raised}" in html
    xlsx = reader.get(reverse("studies:run_report", kwargs={**kwargs, "fmt": "xlsx"}))
    assert xlsx.status_code == 200
    published = pipeline.profile_from_json(
        reader.get(reverse("studies:run_json", kwargs=kwargs)).content.decode()
    )
    assert published.disclosure is not None
    assert published.disclosure.min_cell == raised


@pytest.mark.django_db
def test_a_readers_history_tells_nothing_of_the_invited_people(
    client_in: Client, reader: Client, stored_study: Study, user: User
) -> None:
    """The people invited to an activity are the editors' working list (a reader's YAML has
    none): a reader's history and comparison of revisions name no respondent either."""
    from segprofile.model.study import ResearchActivity, ResearchMethod, Respondent

    document = stored_study.current_revision().to_document()
    document.research.activities.append(
        ResearchActivity(id="interviews", method=ResearchMethod.interview, title="Интервью")
    )
    stored_study.add_revision(document, author=user, comment="интервью")
    document.research.activities[-1].respondents = [
        Respondent(id="962f3b648ca78b7e", segment="channel=mfc", note="согласна на вторник")
    ]
    stored_study.add_revision(document, author=user, comment="приглашены респонденты (1)")
    pages = {
        "history": reverse("studies:history", kwargs={"pk": stored_study.pk}),
        "compare": reverse("studies:compare", kwargs={"pk": stored_study.pk}),
    }
    for url in pages.values():
        mine = _text(client_in.get(url))
        assert "респондент" in mine.casefold()  # the editors see whom they invited
        theirs = _text(reader.get(url))
        assert "962f3b648ca78b7e" not in theirs
        assert "вторник" not in theirs
        assert "Добавлен респондент" not in theirs
