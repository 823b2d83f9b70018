"""``mask_typed_texts``: mask by today's rules the texts typed in every study's current revision.

Texts are masked when they are saved; a text saved before the masking learnt a kind (a personnel
number after «таб. №», a phone a digit short…) keeps it until someone edits that item. This
command stores, for each study whose current texts hold such data, a new revision with them
masked (by ``pipeline.mask_edit``, as a first revision is: every text), and says what was
replaced, never the values. Older revisions are never changed.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from segprofile import pipeline
from segprofile.web.studies.models import Study


class Command(BaseCommand):
    help = (
        "Mask by the current rules the texts typed in every study's current revision; a study "
        "with personal data found gets a new revision (older revisions stay as they are)."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        changed = 0
        for study in Study.objects.order_by("pk"):
            current = study.revisions.order_by("-number").first()
            if current is None:
                continue
            edit = pipeline.mask_edit(None, current.to_document())
            if not edit.masked_list:
                continue
            revision = study.add_revision(
                edit.study,
                author=None,
                comment=f"Тексты замаскированы по новым правилам: {edit.masked_list}",
                base=current.number,
            )
            changed += 1
            self.stdout.write(
                f"Исследование {study.pk}: редакция {revision.number}, заменено {edit.masked_list}."
            )
        self.stdout.write(f"Исследований с новой редакцией: {changed}.")
