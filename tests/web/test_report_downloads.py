"""Report downloads on the run page: DOCX, XLSX and PDF, for the owner only."""

from __future__ import annotations

import io

import pytest
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
    assert response["Content-Disposition"].endswith('-profile.docx"')
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
