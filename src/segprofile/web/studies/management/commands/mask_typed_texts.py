"""``mask_typed_texts``: mask by today's rules the texts typed in every study's current revision.

Texts are masked when they are saved; a text saved before the masking learnt a kind (a personnel
number after «таб. №», a phone a digit short…) keeps it until someone edits that item. This
command stores, for each study whose current texts hold such data, a new revision with them
masked (by ``pipeline.mask_edit``, as a first revision is: every text), and says what was
replaced, never the values. Older revisions are not changed — unless ``--history`` is given:
then every older revision's texts and comment are masked where they are (the one exception to
«a revision is never changed after it is written», for removing personal data kept against
152-ФЗ), its number, author and date kept.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from segprofile import pipeline
from segprofile.web.studies.models import Study, StudyRevision


class Command(BaseCommand):
    help = (
        "Mask by the current rules the texts typed in every study's current revision; a study "
        "with personal data found gets a new revision (older revisions stay as they are)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--history",
            action="store_true",
            help="Also mask the texts and comments of every older revision where they are.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        changed = 0
        for study in Study.objects.order_by("pk"):
            current = study.revisions.order_by("-number").first()
            if current is None:
                continue
            if options["history"]:
                self._mask_history(study, current)
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

    def _mask_history(self, study: Study, current: StudyRevision) -> None:
        """Each older revision with personal data in its texts or comment, masked in place."""
        for old in study.revisions.exclude(pk=current.pk).order_by("number"):
            edit = pipeline.mask_edit(None, old.to_document())
            comment = pipeline.mask_comment(old.comment)
            if not edit.masked_list and comment == old.comment:
                continue
            old.document = edit.study.model_dump(mode="json")
            old.comment = comment
            old.save(update_fields=["document", "comment"])
            replaced = edit.masked_list or "комментарий"
            self.stdout.write(
                f"Исследование {study.pk}: редакция {old.number} исправлена на месте, "
                f"заменено {replaced}."
            )
