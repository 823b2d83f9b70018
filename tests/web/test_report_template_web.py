"""A body's own report template in the browser (M-13, issue 20): the owner uploads it, a broken
one is refused with the placeholder and paragraph beside the field and nothing stored, members
download the report filled in it, only the owner uploads or deletes."""

from __future__ import annotations

import io

import pytest
from django.contrib.auth.models import User
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from docx import Document

from segprofile import pipeline
from segprofile.web.studies import services
from segprofile.web.studies.models import AuditEvent, Membership, ProfileRun, Study

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def _docx(*lines: str) -> bytes:
    doc = Document()
    for line in lines:
        doc.add_paragraph(line)
    buffer = io.BytesIO()
    doc.save(buffer)
    return buffer.getvalue()


def _upload(client: Client, study: Study, content: bytes, name: str = "бланк.docx") -> object:
    return client.post(
        reverse("studies:report_template", kwargs={"pk": study.pk}),
        {"template": SimpleUploadedFile(name, content, content_type=DOCX)},
    )


def _member(study: Study, role: str) -> Client:
    person = User.objects.create_user(role, password="x")
    Membership.objects.create(study=study, user=person, role=role)
    client = Client()
    client.force_login(person)
    return client


def _texts(content: bytes) -> list[str]:
    return [p.text for p in Document(io.BytesIO(content)).paragraphs if p.text.strip()]


@pytest.mark.django_db
def test_the_owner_uploads_a_template_and_members_download_the_report_in_it(
    client_in: Client, stored_study: Study
) -> None:
    page = reverse("studies:report_template", kwargs={"pk": stored_study.pk})
    text = client_in.get(page).content.decode()
    assert "Шаблон не загружен" in text
    assert "{{ утверждает.должность }}" in text  # the placeholder list, on the page
    assert reverse("studies:report_template_sample", kwargs={"pk": stored_study.pk}) in text

    client_in.post(reverse("studies:run_start", kwargs={"pk": stored_study.pk}))
    run = ProfileRun.objects.latest("pk")
    assert run.status == ProfileRun.Status.DONE
    template = _docx(
        "{{ организация }}",
        "Отчёт: {{ название }} № {{ номер }}",
        "{%p for раздел in разделы %}",
        "{{ раздел.полный_заголовок }}",
        "{%p endfor %}",
    )
    response = _upload(client_in, stored_study, template)
    assert response.status_code == 302  # checked with the profile, stored
    assert services.report_template_path(stored_study).read_bytes() == template
    assert AuditEvent.objects.filter(
        action="import", details__report_template="бланк.docx"
    ).exists()

    run_page = reverse("studies:run", kwargs={"pk": stored_study.pk, "run_pk": run.pk})
    fill = reverse("studies:run_report_template", kwargs={"pk": stored_study.pk, "run_pk": run.pk})
    assert "Скачать DOCX по шаблону органа" in client_in.get(run_page).content.decode()
    for client in (client_in, _member(stored_study, "viewer"), _member(stored_study, "editor")):
        response = client.get(fill)
        assert response.status_code == 200
        assert response["Content-Type"] == DOCX
        texts = _texts(response.content)
        assert texts[1].startswith("Отчёт: Малое исследование № ")
        assert texts[2] == "1. Область, нормативные акты и источники данных (M-1)"
        assert any(t.endswith("Происхождение результата") for t in texts)
    assert AuditEvent.objects.filter(action="export", details__format="docx-template").count() == 3


@pytest.mark.django_db
def test_a_broken_template_is_refused_beside_the_field_and_nothing_is_stored(
    client_in: Client, stored_study: Study
) -> None:
    good = _docx("{{ название }}")
    assert _upload(client_in, stored_study, good).status_code == 302
    for content, message in (
        (
            _docx("Титул", "Отчёт: {{ назване }}"),
            "В шаблоне неизвестная подстановка «{{ назване }}» (абзац 2: «Отчёт: {{ назване }}»)",
        ),
        (
            _docx("{%p for раздел in разделы %}", "{{ раздел.номер }}"),
            "не закрыта команда «{%p for раздел in разделы %}» (абзац 1",
        ),
        (b"%PDF-1.7 not a Word file", "Файл шаблона — не документ Word (.docx)."),
    ):
        response = _upload(client_in, stored_study, content)
        assert response.status_code == 400
        html = response.content.decode()
        field = html[html.index('id="report-template-form"') :]
        error = field[field.index('class="field__error') :]
        assert message in error
        assert "Traceback" not in html
        # the earlier template is kept as it was
        assert services.report_template_path(stored_study).read_bytes() == good


@pytest.mark.django_db
def test_only_the_owner_uploads_or_deletes(client_in: Client, stored_study: Study) -> None:
    viewer = _member(stored_study, "viewer")
    editor = _member(stored_study, "editor")
    template = _docx("{{ название }}")
    assert _upload(viewer, stored_study, template).status_code == 403
    assert _upload(editor, stored_study, template).status_code == 403
    assert not services.report_template_path(stored_study).exists()
    page = reverse("studies:report_template", kwargs={"pk": stored_study.pk})
    assert 'id="report-template-form"' not in viewer.get(page).content.decode()

    assert _upload(client_in, stored_study, template).status_code == 302
    delete = reverse("studies:report_template_delete", kwargs={"pk": stored_study.pk})
    assert editor.post(delete).status_code == 403
    assert services.report_template_path(stored_study).exists()
    stored = reverse("studies:report_template_file", kwargs={"pk": stored_study.pk})
    assert viewer.get(stored).content == template

    assert client_in.post(delete).status_code == 302
    assert not services.report_template_path(stored_study).exists()
    assert viewer.get(stored).status_code == 404


@pytest.mark.django_db
def test_the_sample_and_the_placeholder_list_download(
    client_in: Client, stored_study: Study
) -> None:
    viewer = _member(stored_study, "viewer")
    sample = viewer.get(reverse("studies:report_template_sample", kwargs={"pk": stored_study.pk}))
    assert sample.status_code == 200
    assert sample.content == pipeline.sample_report_template()
    assert "{{ раздел.полный_заголовок }}" in "\n".join(_texts(sample.content))
    guide = viewer.get(reverse("studies:report_template_guide", kwargs={"pk": stored_study.pk}))
    assert guide["Content-Type"].startswith("text/markdown")
    assert "| {{ утверждает.фио }} |" in guide.content.decode()
    # Without a profile the sample is checked with a small report of every kind of block.
    assert _upload(client_in, stored_study, sample.content).status_code == 302
