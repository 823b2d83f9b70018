"""Report downloads on the run page: DOCX, XLSX and PDF, for the owner only."""

from __future__ import annotations

import io
import re
from urllib.parse import unquote

import pytest
from django.http import HttpResponse
from django.test import Client
from django.urls import reverse
from docx import Document
from openpyxl import load_workbook

from segprofile.web.studies.models import ProfileRun, Study


def _finished_run(client: Client, study: Study) -> ProfileRun:
    client.post(reverse("studies:run_start", kwargs={"pk": study.pk}))
    run = ProfileRun.objects.latest("pk")
    assert run.status == ProfileRun.Status.DONE
    return run


def _file_name(response: HttpResponse) -> str:
    """The name a browser saves a download under (RFC 6266: ``filename*`` before ``filename``)."""
    header = response["Content-Disposition"]
    encoded = re.search(r"filename\*=UTF-8''([^;]+)", header)
    if encoded:
        return unquote(encoded.group(1))
    plain = re.search(r'filename="([^"]*)"', header)
    assert plain is not None
    return plain.group(1)


def _url(run: ProfileRun, fmt: str) -> str:
    return reverse("studies:run_report", kwargs={"pk": run.study_id, "run_pk": run.pk, "fmt": fmt})


@pytest.mark.django_db
def test_run_page_offers_the_reports_and_they_open(client_in: Client, stored_study: Study) -> None:
    run = _finished_run(client_in, stored_study)
    page = client_in.get(reverse("studies:run", kwargs={"pk": stored_study.pk, "run_pk": run.pk}))
    text = page.content.decode()
    for fmt in ("docx", "xlsx", "pdf"):
        assert _url(run, fmt) in text
    assert "Отчёт (DOCX)" in text

    response = client_in.get(_url(run, "docx"))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    assert _file_name(response) == "Профиль — Малое исследование — ред. 1.docx"
    doc = Document(io.BytesIO(response.content))
    assert any(p.text == "Малое исследование" for p in doc.paragraphs)

    response = client_in.get(_url(run, "xlsx"))
    assert response.status_code == 200
    wb = load_workbook(io.BytesIO(response.content))
    assert "Профиль" in wb.sheetnames

    response = client_in.get(_url(run, "pdf"))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF-")


@pytest.mark.django_db
def test_other_users_and_unknown_formats_get_nothing(
    client_in: Client, other_client: Client, stored_study: Study
) -> None:
    run = _finished_run(client_in, stored_study)
    assert other_client.get(_url(run, "docx")).status_code == 403  # as every run view
    assert client_in.get(_url(run, "exe")).status_code == 404
    assert Client().get(_url(run, "docx")).status_code == 302  # to the login page


@pytest.mark.django_db
def test_a_report_is_named_by_the_study_in_russian_with_an_ascii_fallback(
    client_in: Client, stored_study: Study
) -> None:
    """RFC 6266: the Russian name as ``filename*=UTF-8''…``, the study's slug as ``filename``
    for a client that reads only that; characters Windows forbids are left out of the name."""
    stored_study.title = "Назначение ежемесячной выплаты: «пилот» / 2026? *черновик*"
    stored_study.save(update_fields=["title"])
    run = _finished_run(client_in, stored_study)
    slug, number = stored_study.slug, run.revision.number
    for fmt, extension in (("docx", "docx"), ("xlsx", "xlsx"), ("pdf", "pdf")):
        response = client_in.get(_url(run, fmt))
        name = f"Профиль — Назначение ежемесячной выплаты «пилот» 2026 черновик — ред. {number}"
        assert _file_name(response) == f"{name}.{extension}"
        header = response["Content-Disposition"]
        assert header.startswith(f'attachment; filename="{slug}-r{number}-profile.{extension}"; ')
        assert "filename*=UTF-8''%D0%9F%D1%80%D0%BE%D1%84" in header  # «Проф…», percent-encoded
        assert header.isascii()
    for view, extension in (("studies:run_html", "html"), ("studies:run_json", "json")):
        response = client_in.get(reverse(view, kwargs={"pk": stored_study.pk, "run_pk": run.pk}))
        assert _file_name(response) == f"{name}.{extension}"


@pytest.mark.django_db
def test_the_run_page_warns_of_the_title_pages_empty_requisites(
    client_in: Client, stored_study: Study
) -> None:
    run = _finished_run(client_in, stored_study)
    page = client_in.get(reverse("studies:run", kwargs={"pk": stored_study.pk, "run_pk": run.pk}))
    text = page.content.decode()
    # the scope names the body; the approving official and the place are not given
    assert (
        "На титульном листе отчётов пустые строки: утверждающее должностное лицо, "
        "место составления" in text
    )
    link = reverse("studies:detail", kwargs={"pk": stored_study.pk}) + "#requisites"
    assert f'href="{link}" id="run-requisites-link"' in text

    document = stored_study.current_revision().to_document()
    requisites = {
        "place": "Тверь",
        "approver": {"position": "Руководитель", "name": "И. И. Иванов"},
    }
    filled = document.model_copy(
        update={"requisites": document.requisites.model_validate(requisites)}
    )
    stored_study.add_revision(filled, author=None, comment="реквизиты")
    run = _finished_run(client_in, stored_study)
    page = client_in.get(reverse("studies:run", kwargs={"pk": stored_study.pk, "run_pk": run.pk}))
    assert 'id="run-empty-requisites"' not in page.content.decode()
