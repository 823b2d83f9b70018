"""Storage of studies: the document's revisions and the profile runs built from them.

A :class:`Study` row is a handle (slug, title, owner); its content is the latest
:class:`StudyRevision` — every save adds a revision and nothing is ever overwritten (M-10).
A :class:`ProfileRun` is one background build of the profile from one revision.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db import models, transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from segprofile import pipeline
from segprofile.model.study import Study as StudyDocument

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser, AnonymousUser

logger = logging.getLogger(__name__)


class Study(models.Model):
    """A client segment profile study, owned by a user; its content lives in revisions."""

    slug = models.CharField(_("identifier"), max_length=80)
    title = models.CharField(_("title"), max_length=500)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="studies",
        verbose_name=_("owner"),
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("study")
        verbose_name_plural = _("studies")
        ordering = ("-updated_at", "-pk")
        constraints = (
            models.UniqueConstraint(fields=["owner", "slug"], name="study_unique_slug_per_owner"),
        )

    def __str__(self) -> str:
        return self.title

    # --- permissions -------------------------------------------------------------------------

    def can_view(self, user: AbstractBaseUser | AnonymousUser) -> bool:
        """The owner and superusers see a study (a fuller role model comes later)."""
        return bool(user.is_authenticated and (user.is_superuser or user.pk == self.owner_id))

    can_edit = can_view

    # --- content -----------------------------------------------------------------------------

    def current_revision(self) -> StudyRevision:
        """The latest revision: the study's current content."""
        return self.revisions.order_by("-number").first()  # type: ignore[no-any-return]

    def data_dir(self) -> Path:
        """Where this study's data files live: ``SEGPROFILE_HOME/studies/<pk>/data``."""
        return Path(settings.SEGPROFILE_HOME) / "studies" / str(self.pk) / "data"

    @classmethod
    def create_from_document(cls, document: StudyDocument, *, owner: Any, comment: str) -> Study:
        """A new study row with the document as its first revision."""
        with transaction.atomic():
            study = cls.objects.create(
                slug=cls._free_slug(owner, document.id), title=document.title, owner=owner
            )
            study.add_revision(document, author=owner, comment=comment)
        study._prepare_data_dir()
        return study

    def _prepare_data_dir(self) -> None:
        """Create the empty data directory of a new study.

        A directory left under the same number by an earlier database is moved aside first,
        so its files never mix with this study's.
        """
        root = self.data_dir().parent
        if root.exists():
            stale = root.with_name(f"{root.name}.stale-{timezone.now():%Y%m%d%H%M%S}")
            logger.warning("Moving a stale study directory aside: %s", stale.name)
            root.rename(stale)
        self.data_dir().mkdir(parents=True)

    @classmethod
    def _free_slug(cls, owner: Any, wanted: str) -> str:
        """``wanted``, or ``wanted-2``, ``wanted-3``… — the first one this owner has not used."""
        taken = set(
            cls.objects.filter(owner=owner, slug__startswith=wanted).values_list("slug", flat=True)
        )
        if wanted not in taken:
            return wanted
        n = 2
        while f"{wanted}-{n}" in taken:
            n += 1
        return f"{wanted}-{n}"

    def add_revision(
        self, document: StudyDocument, *, author: Any, comment: str = ""
    ) -> StudyRevision:
        """Store ``document`` as the next revision; the study's title follows the document."""
        with transaction.atomic():
            last = self.revisions.aggregate(n=Max("number"))["n"] or 0
            revision = StudyRevision.objects.create(
                study=self,
                number=last + 1,
                document=document.model_dump(mode="json"),
                author=author,
                comment=comment[:500],
            )
            self.title = document.title
            self.save(update_fields=["title", "updated_at"])
        return revision


class StudyRevision(models.Model):
    """One saved state of a study document; never changed after it is written."""

    study = models.ForeignKey(
        Study, on_delete=models.CASCADE, related_name="revisions", verbose_name=_("study")
    )
    number = models.PositiveIntegerField(_("revision"))
    document = models.JSONField(_("document"))
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("author"),
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    comment = models.CharField(_("comment"), max_length=500, blank=True)

    class Meta:
        verbose_name = _("study revision")
        verbose_name_plural = _("study revisions")
        ordering = ("-number",)
        constraints = (
            models.UniqueConstraint(fields=["study", "number"], name="revision_unique_number"),
        )

    def __str__(self) -> str:
        return f"{self.study} #{self.number}"

    def to_document(self) -> StudyDocument:
        """The stored document as the pydantic model."""
        return pipeline.study_from_data(self.document, source=f"редакция {self.number}")


class ProfileRun(models.Model):
    """One build of the profile of a study revision, executed by the background worker."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("queued")
        RUNNING = "running", _("running")
        DONE = "done", _("done")
        FAILED = "failed", _("failed")

    study = models.ForeignKey(
        Study, on_delete=models.CASCADE, related_name="runs", verbose_name=_("study")
    )
    revision = models.ForeignKey(
        StudyRevision, on_delete=models.PROTECT, related_name="runs", verbose_name=_("revision")
    )
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.QUEUED
    )
    progress = models.FloatField(_("progress"), default=0.0)
    message = models.CharField(_("stage"), max_length=300, blank=True)
    error = models.TextField(_("error"), blank=True)
    task_id = models.CharField(_("task id"), max_length=64, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("started by"),
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    started_at = models.DateTimeField(_("started"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)
    result_json = models.TextField(_("profile (JSON)"), blank=True)
    html = models.TextField(_("profile (HTML document)"), blank=True)
    fragment = models.TextField(_("profile (HTML fragment)"), blank=True)

    class Meta:
        verbose_name = _("profile run")
        verbose_name_plural = _("profile runs")
        ordering = ("-created_at", "-pk")

    def __str__(self) -> str:
        return f"{self.study} #{self.revision.number}: {self.status}"

    @property
    def is_finished(self) -> bool:
        return self.status in (self.Status.DONE, self.Status.FAILED)

    @property
    def percent(self) -> int:
        return round(max(0.0, min(1.0, self.progress)) * 100)

    # Each state change writes only its own columns, so a progress update from the worker never
    # overwrites a field another process wrote in between.

    def mark_running(self) -> None:
        self.status = self.Status.RUNNING
        self.started_at = timezone.now()
        self.save(update_fields=["status", "started_at"])

    def report_progress(self, fraction: float, message: str) -> None:
        self.progress = max(0.0, min(1.0, float(fraction)))
        self.message = message[:300]
        ProfileRun.objects.filter(pk=self.pk).update(progress=self.progress, message=self.message)

    def mark_done(self, *, result_json: str, html: str, fragment: str) -> None:
        self.status = self.Status.DONE
        self.progress = 1.0
        self.finished_at = timezone.now()
        self.result_json, self.html, self.fragment = result_json, html, fragment
        self.save(
            update_fields=["status", "progress", "finished_at", "result_json", "html", "fragment"]
        )

    def mark_failed(self, error: str) -> None:
        self.status = self.Status.FAILED
        self.error = error
        self.finished_at = timezone.now()
        self.save(update_fields=["status", "error", "finished_at"])

    def sync_with_task(self) -> None:
        """Fail a run whose background task ended without reporting (e.g. the worker died)."""
        if self.is_finished or not self.task_id:
            return
        from django_tasks import TaskResultStatus, default_task_backend
        from django_tasks.exceptions import TaskResultDoesNotExist

        try:
            result = default_task_backend.get_result(self.task_id)
        except (NotImplementedError, TaskResultDoesNotExist):
            return
        if result.status == TaskResultStatus.FAILED:
            self.refresh_from_db()
            if not self.is_finished:
                logger.warning("Profile run %s: its task failed without a report", self.pk)
                self.mark_failed(str(_("The background job stopped unexpectedly.")))
