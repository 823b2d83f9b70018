"""Texts saved before the masking learnt a kind are masked by ``mask_typed_texts``: a new
revision, the old ones untouched, nothing when there is nothing to mask."""

from __future__ import annotations

import io

from django.core.management import call_command

from segprofile.web.studies.models import Study, StudyRevision
from web_pages import current_document

RAW = "По жалобе сотрудника (тел. +79574-56-40, таб. № 10577): звонить ему при задержке выплаты."


def _run() -> str:
    out = io.StringIO()
    call_command("mask_typed_texts", stdout=out)
    return out.getvalue()


def test_a_text_saved_before_is_masked_in_a_new_revision(stored_study: Study) -> None:
    # A revision written as the masking of its day left it (stored as it is, not through
    # add_revision, which would mask it now).
    current = stored_study.current_revision()
    document = current.document | {
        "recommendations": [
            {"id": "r1", "kind": "optimisation", "title": "Звонить", "description": RAW}
        ]
    }
    old = StudyRevision.objects.create(
        study=stored_study, number=current.number + 1, document=document
    )
    out = _run()
    assert "1 телефон, 1 табельный номер" in out
    assert "10577" not in out
    assert "56-40" not in out
    assert stored_study.current_revision().number == old.number + 1
    assert current_document(stored_study).recommendations[0].description == (
        "По жалобе сотрудника (тел. [телефон], таб. № [табельный номер]): "
        "звонить ему при задержке выплаты."
    )
    old.refresh_from_db()
    assert old.document["recommendations"][0]["description"] == RAW  # history is not rewritten
    # Once masked, nothing more to do.
    assert _run().strip() == "Исследований с новой редакцией: 0."
    assert stored_study.current_revision().number == old.number + 1


def test_history_masks_the_older_revisions_in_place(stored_study: Study) -> None:
    """``--history``: an administrator removes the raw values kept in older revisions too —
    texts and comments masked where they are, the numbers, authors and dates kept."""
    current = stored_study.current_revision()
    document = current.document | {
        "recommendations": [
            {"id": "r1", "kind": "optimisation", "title": "Звонить", "description": RAW}
        ]
    }
    old = StudyRevision.objects.create(
        study=stored_study,
        number=current.number + 1,
        document=document,
        comment="Позвонить по +79574-56-40",
    )
    clean = StudyRevision.objects.create(
        study=stored_study, number=current.number + 2, document=current.document
    )
    created = old.created_at
    out = io.StringIO()
    call_command("mask_typed_texts", "--history", stdout=out)
    text = out.getvalue()
    assert "56-40" not in text
    assert "10577" not in text
    assert f"редакция {old.number} исправлена на месте" in text
    old.refresh_from_db()
    stored = str(old.document) + old.comment
    assert "10577" not in stored
    assert "56-40" not in stored
    assert "[табельный номер]" in old.document["recommendations"][0]["description"]
    assert old.created_at == created
    # The current revision has no such text: no new revision; nothing more on a second run.
    assert stored_study.current_revision().number == clean.number
    again = io.StringIO()
    call_command("mask_typed_texts", "--history", stdout=again)
    assert "исправлена" not in again.getvalue()
