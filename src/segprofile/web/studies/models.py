"""Storage of studies: the document's revisions and the profile runs built from them.

A :class:`Study` row is a handle (slug, title, owner); its content is the latest
:class:`StudyRevision` — every save adds a revision and nothing is ever overwritten (M-10).
A :class:`ProfileRun` is one background build of the profile from one revision; a
:class:`DataImport` one background import of an uploaded file as a dataset version.
A :class:`Membership` gives a user a role in a study (owner, editor, viewer); an
:class:`AuditEvent` records who signed in, imported, exported, changed permissions or deleted.
"""

from __future__ import annotations

import logging
import re
from pathlib import Path
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db import models, transaction
from django.db.models.signals import post_save
from django.dispatch import receiver
from django.utils import timezone
from django.utils.text import capfirst
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from pydantic import TypeAdapter

from segprofile import pipeline
from segprofile.errors import ConflictError, SegprofileError
from segprofile.model import diff, labels
from segprofile.model.study import Study as StudyDocument
from segprofile.web.studies.keys import retire_stale_key
from segprofile.web.studies.people import person

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser, AnonymousUser

logger = logging.getLogger(__name__)

OWNER, EDITOR, VIEWER, ADMIN = "owner", "editor", "viewer", "admin"
CAPABILITIES = ("view", "edit", "manage")
"""What a view may need: ``view`` (GET pages, downloads), ``edit`` (a POST that changes the
study or its data), ``manage`` (members, audit log, deletion)."""
CAPABILITIES_OF_ROLE: dict[str, frozenset[str]] = {
    OWNER: frozenset({"view", "edit", "manage"}),
    EDITOR: frozenset({"view", "edit"}),
    VIEWER: frozenset({"view"}),
}


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

    def role_for(self, user: AbstractBaseUser | AnonymousUser) -> str | None:
        """The user's role here: ``owner``, ``editor``, ``viewer``, ``admin`` (an administrator
        of the instance who is not a member) or ``None`` (no access)."""
        if not user.is_authenticated:
            return None
        roles: dict[int, str | None] = self.__dict__.setdefault("_roles", {})
        if user.pk not in roles:
            role = self.memberships.filter(user_id=user.pk).values_list("role", flat=True).first()
            if role is None and getattr(user, "is_superuser", False):
                role = ADMIN
            roles[user.pk] = role
        return roles[user.pk]

    def remember_role(self, user: AbstractBaseUser, role: str | None) -> None:
        """Give this instance the user's role, read with the study (see ``access.study_for``)."""
        self.__dict__.setdefault("_roles", {})[user.pk] = role

    def can(self, user: AbstractBaseUser | AnonymousUser, need: str) -> bool:
        """Whether ``user`` has the capability ``need`` (``view``, ``edit`` or ``manage``)."""
        if need not in CAPABILITIES:
            raise ValueError(f"unknown capability {need!r}")
        role = self.role_for(user)
        if role == ADMIN or getattr(user, "is_superuser", False):
            return True
        return role is not None and need in CAPABILITIES_OF_ROLE[role]

    def can_view(self, user: AbstractBaseUser | AnonymousUser) -> bool:
        """Any member (and an administrator) sees the study."""
        return self.can(user, "view")

    def can_edit(self, user: AbstractBaseUser | AnonymousUser) -> bool:
        """Owners and editors (and an administrator) change the study."""
        return self.can(user, "edit")

    def can_manage(self, user: AbstractBaseUser | AnonymousUser) -> bool:
        """Owners (and an administrator) manage members, see the audit log, delete."""
        return self.can(user, "manage")

    # --- content -----------------------------------------------------------------------------

    edit_base: int | None = None
    """The revision number an edit in this request started from (set by ``access.study_for``)."""
    masked_list = ""
    """What the first revision's typed texts had masked, on a study just made by
    :meth:`create_from_document` («1 имя, 1 телефон»); ``""`` otherwise."""

    def current_revision(self) -> StudyRevision:
        """The latest revision: the study's current content."""
        return self.revisions.order_by("-number").first()  # type: ignore[no-any-return]

    def data_dir(self) -> Path:
        """Where this study's data files live: ``SEGPROFILE_HOME/studies/<pk>/data``."""
        return Path(settings.SEGPROFILE_HOME) / "studies" / str(self.pk) / "data"

    @classmethod
    def create_from_document(cls, document: StudyDocument, *, owner: Any, comment: str) -> Study:
        """A new study row with the document as its first revision (its typed texts masked
        as every revision's: what was masked is on the study as ``masked_list``)."""
        with transaction.atomic():
            study = cls.objects.create(
                slug=cls._free_slug(owner, document.id), title=document.title, owner=owner
            )
            study.masked_list = study.add_revision(
                document, author=owner, comment=comment
            ).masked_list
        study._prepare_data_dir()
        retire_stale_key(study)
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
        self,
        document: StudyDocument,
        *,
        author: Any,
        comment: str = "",
        base: StudyRevision | int | None = None,
    ) -> StudyRevision:
        """Store ``document`` as the next revision; the study's title follows the document.

        ``base`` is the revision the edit started from (a form carries its number in
        ``base_revision``). When others saved since, their changes and this one are merged part
        by part (roles, features, hypotheses, journeys… each item on its own, see
        :mod:`segprofile.model.diff`): different parts both survive; the same part changed on
        both sides raises :class:`EditConflictError` and nothing is saved. ``base=None`` stores the
        document as it is (creation, scripts); views need not pass it: ``access.study_for`` puts the
        form's base on the study as ``edit_base`` and it is used when ``base`` is not given.

        Texts typed about clients are masked here, whichever view stores the edit (the one rule,
        :func:`segprofile.pipeline.mask_edit`, against the latest revision; the first revision —
        a document uploaded whole, a new study — all of it), and so is the comment that may
        quote them; what was masked is on the revision as ``masked_list`` for the view to tell
        («1 имя, 1 телефон», or ``""``). A view may mask first to report beside its form:
        masking a masked text changes nothing.
        """
        if base is None:
            base = self.edit_base
        current = self.revisions.order_by("-number").first()
        edit = pipeline.mask_edit(current.to_document() if current else None, document)
        document, masked_list = edit.study, edit.masked_list
        comment = pipeline.mask_comment(comment)
        mine = document.model_dump(mode="json")
        with transaction.atomic():
            # One writer at a time per study (PostgreSQL row lock; SQLite serialises writers).
            Study.objects.select_for_update().filter(pk=self.pk).first()
            latest = self.revisions.order_by("-number").first()
            last = latest.number if latest is not None else 0
            base_number = base.number if isinstance(base, StudyRevision) else base
            merged_note = ""
            if latest is not None and base_number is not None and base_number < last:
                base_rev = self.revisions.filter(number=base_number).first()
                if base_rev is None:
                    raise EditConflictError([], base=base_number, latest=last, study=self)
                result = diff.merge_documents(base_rev.document, mine, latest.document)
                if result.conflicts:
                    later = list(
                        self.revisions.filter(number__gt=base_number)
                        .order_by("number")
                        .values_list("number", "document")
                    )
                    first = diff.first_change(result.conflicts, [doc for _, doc in later])
                    raise EditConflictError(
                        result.conflicts,
                        base=base_number,
                        latest=last,
                        study=self,
                        changed_in=later[first][0] if first is not None else last,
                    )
                try:
                    document = pipeline.study_from_data(result.merged, source="слияние правок")
                except SegprofileError as exc:
                    raise EditConflictError(
                        [], base=base_number, latest=last, reason=exc.message, study=self
                    ) from exc
                mine = document.model_dump(mode="json")
                merged_note = gettext(" (merged with revisions %(from)s–%(to)s)") % {
                    "from": base_number + 1,
                    "to": last,
                }
            revision = StudyRevision.objects.create(
                study=self,
                number=last + 1,
                document=mine,
                author=author,
                comment=(comment + merged_note)[:500],
                base_number=base_number,
            )
            self.title = document.title
            self.save(update_fields=["title", "updated_at"])
            if current is not None and _min_cell(mine) > _min_cell(current.document):
                # The profiles built under the lower threshold are published again under this
                # one when next read (``runs.ensure``): none shows a group the study now hides.
                done = self.runs.filter(status=ProfileRun.Status.DONE)
                done.update(pages_version=REPUBLISH)
        revision.masked_list = masked_list
        return revision


REPUBLISH = 32_000
"""``ProfileRun.pages_version`` of a finished run to publish again, its HTML report included:
the study's ``min_cell`` was raised after it was built (``runs.ensure``)."""


def _min_cell(document: dict[str, Any]) -> int:
    """A stored document's smallest group shown (``segmentation.min_cell``)."""
    return int((document.get("segmentation") or {}).get("min_cell") or 0)


class EditConflictError(ConflictError):
    """Someone else changed the same part of the study since this edit began; nothing saved.

    ``conflicts`` lists the parts (:class:`segprofile.model.diff.Conflict`) with the base,
    the other person's and this edit's versions.
    """

    def __init__(
        self,
        conflicts: list[diff.Conflict],
        *,
        base: int,
        latest: int,
        reason: str = "",
        study: Study | None = None,
        changed_in: int | None = None,
    ) -> None:
        self.conflicts = conflicts
        self.study = study
        self.base = base
        self.latest = latest
        # The first revision after the base that changed a conflicting part (else the latest).
        self.changed_in = latest if changed_in is None else changed_in
        self.reason = reason
        names = ", ".join(c.title for c in conflicts)
        if conflicts:
            message = gettext(
                "Since revision %(base)s someone else has changed the same part of the study "
                "(%(parts)s). Your change was not saved."
            ) % {"base": base, "parts": names}
        else:
            message = gettext(
                "Since revision %(base)s the study has changed so that your edit no longer "
                "fits (%(reason)s). Your change was not saved."
            ) % {"base": base, "reason": reason or gettext("the revision is gone")}
        super().__init__(
            message,
            hint=gettext(
                "compare the two versions below, open the study again (revision %(latest)s) "
                "and repeat your change if it is still needed."
            )
            % {"latest": latest},
        )


def masked_note(masked_list: str) -> str:
    """What a saved edit's message adds when typed texts were masked (``masked_list`` of
    :meth:`Study.add_revision`): « В тексте заменены персональные данные: 1 имя, 1 телефон.»,
    or ``""``."""
    if not masked_list:
        return ""
    return " " + gettext("Personal data in the text was replaced: %(masked)s.") % {
        "masked": masked_list
    }


class StudyRevision(models.Model):
    """One saved state of a study document; never changed after it is written."""

    masked_list = ""
    """What :meth:`Study.add_revision` masked in the typed texts of the edit just stored
    («1 имя, 1 телефон»); ``""`` for a revision read back."""

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
    base_number = models.PositiveIntegerField(
        _("based on revision"),
        null=True,
        blank=True,
        help_text=_("The revision the edit started from (another one when edits were merged)."),
    )

    class Meta:
        verbose_name = _("study revision")
        verbose_name_plural = _("study revisions")
        ordering = ("-number",)
        constraints = (
            models.UniqueConstraint(fields=["study", "number"], name="revision_unique_number"),
        )

    def __str__(self) -> str:
        # Listed under its study (the admin's study page): the study is not repeated.
        return gettext("Revision %(number)s") % {"number": self.number}

    @property
    def comment_shown(self) -> str:
        """The comment as pages show it: an example named by its title («Создано из примера
        «Ежемесячное пособие…»»), as the page offering it names it. Revisions stored before the
        comment took the title keep the example's internal name («child-benefit»); they read
        the same.

        The comment names the action only («Удалена рекомендация № 2»): the author is the
        revision's own column, by the full name. Revisions stored when the web began the comment
        with the author's login («ivanova удалил(а) рекомендацию № 2», «ivanova: изменено
        исследование …») are shown without it, capitalised («Удалил(а) рекомендацию № 2»); the
        stored comment is never changed."""
        comment = self.comment
        login = self.author.get_username() if self.author is not None else ""
        for prefix in (f"{login}: ", f"{login} "):
            if login and comment.startswith(prefix) and comment[len(prefix) :].strip():
                comment = capfirst(comment[len(prefix) :].lstrip())
                break
        for example in pipeline.list_examples():
            comment = comment.replace(f"«{example.name}»", f"«{example.title}»")
        return comment

    def to_document(self) -> StudyDocument:
        """The stored document as the pydantic model."""
        return pipeline.study_from_data(self.document, source=f"редакция {self.number}")


class BackgroundJob:
    """What the background jobs (a profile run, a data import, a research plan) share: the
    status, the progress the worker reports, the end, and failing a job whose worker died. A
    plain mixin: each model keeps its own columns (``status``, ``progress``, ``message``,
    ``error``, ``task_id``, ``started_at``, ``finished_at``) and its own ``Status`` choices.

    Each state change writes only its own columns, so a progress update from the worker never
    overwrites a field another process wrote in between.
    """

    Status: Any
    objects: Any
    pk: Any
    study: Any
    status: str
    progress: float
    message: str
    task_id: str
    started_at: Any
    finished_at: Any

    if TYPE_CHECKING:  # models.Model's, which comes after this mixin

        def save(self, *args: Any, **kwargs: Any) -> None: ...
        def refresh_from_db(self, *args: Any, **kwargs: Any) -> None: ...

    @property
    def is_finished(self) -> bool:
        return self.status in (self.Status.DONE, self.Status.FAILED)

    @property
    def percent(self) -> int:
        return round(max(0.0, min(1.0, self.progress)) * 100)

    def mark_running(self) -> None:
        self.status = self.Status.RUNNING
        self.started_at = timezone.now()
        self.save(update_fields=["status", "started_at"])

    def report_progress(self, fraction: float, message: str) -> None:
        self.progress = max(0.0, min(1.0, float(fraction)))
        self.message = message[:300]
        type(self).objects.filter(pk=self.pk).update(progress=self.progress, message=self.message)

    def _end(self, status: str, **columns: Any) -> None:
        """Write the end: ``status``, the finishing time and the given columns."""
        self.status = status
        self.finished_at = timezone.now()
        for name, value in columns.items():
            setattr(self, name, value)
        self.save(update_fields=["status", "finished_at", *columns])

    def _done(self, **columns: Any) -> None:
        self._end(self.Status.DONE, progress=1.0, **columns)

    def _failed(self, **texts: str) -> None:
        """Failed, with its Russian texts (``error``, ``hint``) free of server paths."""
        folder = self.study.data_dir()
        self._end(
            self.Status.FAILED,
            **{name: without_server_paths(text, folder) for name, text in texts.items()},
        )

    def mark_failed(self, error: str) -> None:
        self._failed(error=error)

    def sync_with_task(self) -> None:
        """Fail a job whose background task ended without reporting (its worker died)."""
        if self.is_finished:
            return
        from segprofile.web.studies.tasks import fail_if_worker_died, task_failed

        # A killed worker: see tasks.py.
        if fail_if_worker_died(self) or not task_failed(self.task_id):  # type: ignore[arg-type]
            return
        self.refresh_from_db()
        if not self.is_finished:
            logger.warning("%s %s: its task failed without a report", type(self).__name__, self.pk)
            self.mark_failed(str(_("The background job stopped unexpectedly.")))


class ProfileRun(BackgroundJob, models.Model):
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
    # What pages need, computed once by the worker (segprofile.web.studies.runs).
    published_json = models.TextField(_("published profile (JSON)"), blank=True)
    labels = models.JSONField(_("segment labels"), default=dict, blank=True)
    pages_version = models.PositiveSmallIntegerField(
        _("version of the page data"),
        default=0,
        help_text=_("0: not prepared yet (a run stored by an earlier release)."),
    )
    # Finished profiles of the study whose figures differ from this one's by fewer than
    # min_cell clients somewhere: side by side they tell a small group (runs.store finds them).
    tells_few_with = models.ManyToManyField(
        "self",
        symmetrical=True,
        blank=True,
        verbose_name=_("profiles that tell a small group together with it"),
    )

    class Meta:
        verbose_name = _("profile run")
        verbose_name_plural = _("profile runs")
        ordering = ("-created_at", "-pk")

    def __str__(self) -> str:
        return gettext("%(study)s, revision %(number)s: %(status)s") % {
            "study": self.study,
            "number": self.revision.number,
            "status": self.get_status_display(),  # type: ignore[attr-defined]
        }

    def mark_done(self, *, result_json: str, html: str, fragment: str) -> None:
        self._done(result_json=result_json, html=html, fragment=fragment)


class RunChart(models.Model):
    """One chart of a finished run as SVG, drawn once by the worker (see ``runs``)."""

    run = models.ForeignKey(
        ProfileRun, on_delete=models.CASCADE, related_name="charts", verbose_name=_("profile run")
    )
    name = models.CharField(_("chart"), max_length=300)
    svg = models.TextField(_("SVG"), blank=True)

    class Meta:
        verbose_name = _("chart of a profile run")
        verbose_name_plural = _("charts of profile runs")
        constraints = (models.UniqueConstraint(fields=["run", "name"], name="run_chart_unique"),)

    def __str__(self) -> str:
        return f"{self.run_id}: {self.name}"


class DataImport(BackgroundJob, models.Model):
    """One import of a staged upload as a new dataset version, run by the background worker.

    The user's decisions on the columns (the inspect form) are stored here; the worker applies
    them to the study's latest revision, imports the file in an isolated child process
    (``pipeline.run_isolated``), saves the decisions as a new revision and deletes the upload.
    """

    class Status(models.TextChoices):
        QUEUED = "queued", _("queued")
        RUNNING = "running", _("running")
        DONE = "done", _("done")
        FAILED = "failed", _("failed")

    study = models.ForeignKey(
        Study, on_delete=models.CASCADE, related_name="imports", verbose_name=_("study")
    )
    token = models.CharField(_("upload"), max_length=32)
    source_id = models.CharField(_("data source"), max_length=100)
    file = models.CharField(_("file"), max_length=200)
    decisions = models.JSONField(_("decisions on columns"), default=dict)
    reasons = models.JSONField(_("reasons to keep personal data"), default=dict)
    keep_original = models.BooleanField(_("keep the original"), default=False)
    then = models.CharField(_("next page"), max_length=20, blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.QUEUED
    )
    progress = models.FloatField(_("progress"), default=0.0)
    message = models.CharField(_("stage"), max_length=300, blank=True)
    error = models.TextField(_("error"), blank=True)
    hint = models.TextField(_("what to do"), blank=True)
    warning = models.TextField(_("warning"), blank=True)
    version = models.PositiveIntegerField(_("version"), null=True, blank=True)
    rows = models.BigIntegerField(_("rows"), null=True, blank=True)
    task_id = models.CharField(_("task id"), max_length=64, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("started by"),
    )
    ip_address = models.GenericIPAddressField(_("IP address"), null=True, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    started_at = models.DateTimeField(_("started"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)

    class Meta:
        verbose_name = _("data import")
        verbose_name_plural = _("data imports")
        ordering = ("-created_at", "-pk")

    def __str__(self) -> str:
        return f"{self.study} {self.source_id} ({self.file}): {self.status}"

    def mark_done(self, *, version: int, rows: int, warning: str = "") -> None:
        self._done(version=version, rows=rows, warning=warning)

    def mark_failed(self, error: str, hint: str = "") -> None:
        self._failed(error=error, hint=hint)


class ResearchPlan(BackgroundJob, models.Model):
    """One computation of the research plan (M-8) by the background worker: on a finished
    profile run, a study revision and the data versions it read.

    The plan is stored as JSON (``pipeline.ResearchPlanResult``); it is stale once the study
    has a newer finished run, a newer revision or newer data (:meth:`stale_reasons`).
    """

    class Status(models.TextChoices):
        QUEUED = "queued", _("queued")
        RUNNING = "running", _("running")
        DONE = "done", _("done")
        FAILED = "failed", _("failed")

    study = models.ForeignKey(
        Study, on_delete=models.CASCADE, related_name="plans", verbose_name=_("study")
    )
    run = models.ForeignKey(
        ProfileRun, on_delete=models.CASCADE, related_name="plans", verbose_name=_("profile run")
    )
    revision = models.ForeignKey(
        StudyRevision, on_delete=models.PROTECT, related_name="+", verbose_name=_("revision")
    )
    data_versions = models.JSONField(_("data versions"), default=dict, blank=True)
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
    result_json = models.TextField(_("plan (JSON)"), blank=True)

    class Meta:
        verbose_name = _("research plan")
        verbose_name_plural = _("research plans")
        ordering = ("-created_at", "-pk")

    def __str__(self) -> str:
        return f"{self.study}: {self.status}"

    def plan(self) -> pipeline.ResearchPlanResult | None:
        """The computed plan as readers may see it, or ``None`` until it is done — or when the
        study's ``min_cell`` was raised since it was computed: its sizes and quotas may name
        groups the study now hides (the page offers to compute it again)."""
        if self.status != self.Status.DONE:
            return None
        current = self.study.current_revision()
        if current is not None and _min_cell(current.document) > _min_cell(self.revision.document):
            return None
        return pipeline.readable_plan(_PLAN.validate_json(self.result_json))

    def stale_reasons(
        self, run: ProfileRun | None, revision: StudyRevision, data_versions: dict[str, Any]
    ) -> list[str]:
        """Why the plan no longer matches the study (the latest finished ``run``, the current
        ``revision`` and ``data_versions``); empty when it does."""
        reasons = []
        if run is not None and run.pk != self.run_id:
            reasons.append(gettext("a newer profile has been built"))
        if revision.pk != self.revision_id:
            reasons.append(
                gettext("the study has changed (revision %(number)s)") % {"number": revision.number}
            )
        if data_versions != self.data_versions:
            reasons.append(gettext("new data has been imported"))
        return reasons

    def mark_done(self, plan: pipeline.ResearchPlanResult) -> None:
        self._done(result_json=_PLAN.dump_json(plan).decode())


_PLAN = TypeAdapter(pipeline.ResearchPlanResult)
"""The stored form of a research plan (its parts are the model's result types)."""


# An absolute path in a message: starts after a space, a quote or the start, has a folder.
_ABSOLUTE_PATH = re.compile(r"""(?<![\w/.:~-])(?:/[^\s/«»"'<>|:;,()]+){2,}/?""")


def without_server_paths(text: str, data_dir: Path) -> str:
    """A message with no path of the server in it: a file of the study's data is named by its
    path within the study's data («records.csv»), the data folder as «данных исследования»
    (after «в каталоге»), any other file as «служебный файл»."""

    def replace(match: re.Match[str]) -> str:
        path = match.group(0).rstrip(".!?")  # the sentence's full stop is not the path's
        end = match.group(0)[len(path) :]
        try:
            inside = Path(path.rstrip("/")).relative_to(data_dir)
        except ValueError:
            return "служебный файл" + end
        return (str(inside) if str(inside) != "." else "данных исследования") + end

    return _ABSOLUTE_PATH.sub(replace, text)


class Membership(models.Model):
    """A user's role in a study: owner, editor or viewer."""

    class Role(models.TextChoices):
        OWNER = OWNER, _("owner")
        EDITOR = EDITOR, _("editor")
        VIEWER = VIEWER, _("viewer")

    study = models.ForeignKey(
        Study, on_delete=models.CASCADE, related_name="memberships", verbose_name=_("study")
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="study_memberships",
        verbose_name=_("user"),
    )
    role = models.CharField(_("role"), max_length=10, choices=Role.choices)
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("added by"),
    )
    created_at = models.DateTimeField(_("added"), auto_now_add=True)

    class Meta:
        verbose_name = _("study member")
        verbose_name_plural = _("study members")
        ordering = ("study", "role", "user__username")
        constraints = (
            models.UniqueConstraint(fields=["study", "user"], name="membership_unique_user"),
        )

    def __str__(self) -> str:
        return f"{person(self.user)} ({self.get_role_display()})"  # type: ignore[attr-defined]


@receiver(post_save, sender=Study)
def _owner_is_a_member(sender: type[Study], instance: Study, created: bool, **kwargs: Any) -> None:
    """The user who creates a study is its first owner."""
    if created and not kwargs.get("raw"):
        Membership.objects.get_or_create(
            study=instance, user_id=instance.owner_id, defaults={"role": OWNER}
        )


class AuditEvent(models.Model):
    """Who did what and when: sign-ins, imports, exports, permission changes, deletions.

    ``details`` holds file names, formats, roles, revision numbers — never client values.
    Rows outlive their study and user (``study_title`` and ``username`` keep the names).
    """

    class Action(models.TextChoices):
        LOGIN = "login", _("signed in")
        LOGIN_FAILED = "login_failed", _("failed sign-in")
        LOGOUT = "logout", _("signed out")
        LOCKED_OUT = "locked_out", _("sign-in locked")
        IMPORT = "import", _("import")
        EXPORT = "export", _("export")
        MEMBER_ADDED = "member_added", _("member added")
        MEMBER_CHANGED = "member_changed", _("member's role changed")
        MEMBER_REMOVED = "member_removed", _("member removed")
        RESTORED = "restored", _("revision restored")
        DELETED = "deleted", _("deletion")

    created_at = models.DateTimeField(_("time"), default=timezone.now, db_index=True)
    action = models.CharField(_("action"), max_length=20, choices=Action.choices)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("user"),
    )
    username = models.CharField(_("user name"), max_length=150, blank=True)
    study = models.ForeignKey(
        Study,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="audit_events",
        verbose_name=_("study"),
    )
    study_title = models.CharField(_("study title"), max_length=500, blank=True)
    details = models.JSONField(_("details"), default=dict, blank=True)
    ip_address = models.GenericIPAddressField(_("IP address"), null=True, blank=True)

    class Meta:
        # Counted as the admin counts them: «1 запись журнала аудита», «3 записи журнала аудита».
        verbose_name = _("audit log entry")
        verbose_name_plural = _("audit log entries")
        ordering = ("-created_at", "-pk")
        indexes = (models.Index(fields=["study", "-created_at"], name="audit_study_time"),)

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.username} {self.action}"

    def source_titles(self) -> dict[str, str]:
        """The data sources of the event's study by their titles, as the pages name them
        (:func:`segprofile.model.labels.source_titles` of its current revision); ``{}`` without
        a study."""
        revision = self.study.current_revision() if self.study is not None else None
        return labels.source_titles(revision.to_document()) if revision is not None else {}

    def details_shown(self, sources: dict[str, str] | None = None) -> list[str]:
        """The details as the audit page writes them: «формат: PDF», «профиль № 2», «источник
        данных: Обращения в МФЦ» — the stored keys and codes named in the user's language
        (unknown ones as they are). ``sources``: :meth:`source_titles` (read when not given); a
        source no longer in the study is named by its id."""
        shown = []
        for key, value in (self.details or {}).items():
            name = _AUDIT_DETAIL_NAMES.get(key, key)
            if key == "slug":
                continue  # an internal identifier (older deletions): the title is in its column
            if key == "source" and isinstance(value, str):
                if sources is None:
                    sources = self.source_titles()
                value = sources.get(value, value)
            elif key == "sections" and isinstance(value, list):
                value = ", ".join(pipeline.section_name(str(k)) for k in value)  # as the page
            elif key == "what":
                value = _AUDIT_WHAT.get(str(value), value)
            elif key in ("role", "from", "to") and value in Membership.Role.values:
                value = Membership.Role(value).label
            elif key in ("format", "via"):  # «формат: PDF», «через: API»
                value = str(value).upper()
            elif isinstance(value, bool):
                value = gettext("yes") if value else gettext("no")
            elif isinstance(value, list):
                value = ", ".join(str(v) for v in value)
            shown.append(f"{name} {value}" if str(name).endswith("№") else f"{name}: {value}")
        return shown


_AUDIT_DETAIL_NAMES: dict[str, Any] = {
    "what": _("what"),
    "format": _("format"),
    "run": _("profile no."),
    "revision": _("revision"),
    "source": _("data source"),
    "version": _("version"),
    "rows": _("rows"),
    "file": _("file"),
    "sections": _("sections"),
    "role": _("role"),
    "from": _("role before"),
    "to": _("role now"),
    "revisions": _("revisions"),
    "runs": _("profiles built"),
    "member": _("member"),
    "name": _("member"),
    "restored": _("revision restored"),
    "report_template": _("the body's report template"),
    "respondents": _("respondents asked for"),
    "found": _("found"),
    "part": _("part of the study"),
    "created": _("created"),
    "via": _("through"),
}
_AUDIT_WHAT: dict[str, Any] = {
    "respondents' contacts (re-identification)": _(
        "respondents' contacts (found by their pseudonyms)"
    ),
    "original": _("the original file"),
    "dataset": _("data"),
    "dataset version": _("a data version"),
    "profile run": _("a built profile"),
    "journeys": _("journeys"),
    "respondents": _("respondents"),
    "study": _("the study document"),
    "part": _("a part of the study document"),
}
