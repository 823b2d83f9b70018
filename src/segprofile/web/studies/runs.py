"""What the pages need from a finished profile run: computed once by the worker, stored with it.

- the published profile: small groups hidden by the rules of the run's own study revision
  (``analysis.suppression``) — what every page, the JSON download and the API show;
- the segment labels (hypotheses, journeys, the registry name segments by them);
- the charts as SVG (vl-convert takes up to a second a chart): the priority quadrant, capacity
  and CSAT of each feature's segments (and of each pair of features), the choice of k.

:func:`prepare` computes them from the profile, :func:`store` writes them with the run
(``tasks.build_profile`` does both before marking the run done); pages read them with
:func:`published`, :func:`chart` and :func:`labels`. A finished run stored by an earlier release
(or with an older :data:`PAGES_VERSION`) has them computed and stored on its first read.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

from django.db import transaction

from segprofile import pipeline
from segprofile.model.labels import profile_unit
from segprofile.model.results import FeatureSegmentation, Profile, SegmentStats
from segprofile.model.study import Study as StudyDocument
from segprofile.web.studies.models import REPUBLISH, ProfileRun, RunChart

logger = logging.getLogger(__name__)

# 2: the priority chart numbers its points, rare values unnamed (issue 19); 3: charts are named
# for screen readers (role and aria-label); 4: hidden pair cells read alike whether empty or
# not, overlaps of the top segments hidden and sized as the cross segments are; 5: the audience
# line as a bound, rare values never named, blind zones hidden for the line not told by the
# priority (``analysis.suppression``); 6: the capacity axis names records where the data has
# several rows a client; 7: rare values together counted in different people (a client under
# two of them is one), a stored profile without that count protects their line as small; 8: the
# CSAT axis of a feature's chart with its labels centred on their ticks («80%100%» no more).
PAGES_VERSION = 8
"""Raise it when what :func:`prepare` stores changes: older runs are then prepared again."""

PRIORITY_QUADRANT = "priority-quadrant"
K_DIAGNOSTICS = "k-diagnostics"


def capacity_csat(group_id: str) -> str:
    """The name of the capacity and CSAT chart of one group of segments."""
    return f"capacity-csat:{group_id}"


@dataclass(frozen=True)
class Group:
    """One feature's segments, or the cross segments of two features."""

    id: str
    label: str
    binning: str
    cross: bool
    segments: list[SegmentStats]


def segment_groups(profile: Profile) -> list[Group]:
    """The profile's segments by feature, then by pair of features."""
    groups = [
        Group(fs.feature_id, fs.label, fs.binning, False, fs.segments) for fs in profile.by_feature
    ]
    groups += [
        Group("&".join(cs.feature_ids), cs.label, "", True, cs.segments) for cs in profile.cross
    ]
    return groups


@dataclass(frozen=True)
class RunPages:
    """What :func:`store` writes with a run."""

    published_json: str
    labels: dict[str, str]
    charts: dict[str, str] = field(default_factory=dict)


def prepare(profile: Profile, document: StudyDocument) -> RunPages:
    """The published profile, the labels and the charts of ``profile`` (built from ``document``,
    the run's own revision)."""
    published = pipeline.published_profile(profile, document)
    return RunPages(
        published_json=pipeline.profile_to_json(published),
        # From the published profile: a rare value is never named (``analysis.suppression``).
        labels=pipeline.segment_labels(published),
        charts=dict(_charts(published, document)),
    )


def _charts(published: Profile, document: StudyDocument) -> Iterator[tuple[str, str]]:
    yield (
        PRIORITY_QUADRANT,
        _svg(PRIORITY_QUADRANT, lambda: pipeline.priority_quadrant_svg(published, document)),
    )
    hidden = pipeline.hidden_segments(published)
    unit = profile_unit(published)
    for group in segment_groups(published):
        feature = FeatureSegmentation(
            feature_id=group.id,
            label=group.label,
            column="",
            type="cross" if group.cross else "feature",
            segments=[s for s in group.segments if s.key not in hidden],
        )
        yield (
            capacity_csat(group.id),
            _svg(
                capacity_csat(group.id),
                # Segment labels on the web page are long («Город (областной центр, крупный
                # город)»): more room than in the printed report, where the page is narrower.
                lambda feature=feature: pipeline.capacity_csat_svg(
                    feature, document, label_limit=300, unit=unit
                ),
            ),
        )
    clusters = published.clusters
    if clusters is not None:
        yield (
            K_DIAGNOSTICS,
            _svg(K_DIAGNOSTICS, lambda: pipeline.k_diagnostics_svg(clusters.choice)),
        )


def _svg(name: str, draw: Callable[[], str | None]) -> str:
    """The chart as SVG; "" when there is nothing to draw or it cannot be drawn (left out)."""
    try:
        return draw() or ""
    except (ValueError, RuntimeError) as exc:
        logger.warning("chart %s skipped: %s", name, type(exc).__name__)
        return ""


def store(run: ProfileRun, pages: RunPages, *, replace: bool = True) -> None:
    """Write ``pages`` with ``run``, replacing what an earlier version stored (unless
    ``replace`` is false and another process has just stored the current version)."""
    with transaction.atomic():
        # One writer at a time per run (PostgreSQL row lock; SQLite serialises writers).
        stored = (
            ProfileRun.objects.select_for_update()
            .filter(pk=run.pk)
            .values_list("pages_version", flat=True)
            .first()
        )
        if not replace and stored == PAGES_VERSION:
            run.refresh_from_db(fields=["published_json", "labels", "pages_version"])
            return
        RunChart.objects.filter(run_id=run.pk).delete()
        RunChart.objects.bulk_create(
            RunChart(run_id=run.pk, name=name, svg=svg) for name, svg in pages.charts.items()
        )
        ProfileRun.objects.filter(pk=run.pk).update(
            published_json=pages.published_json,
            labels=pages.labels,
            pages_version=PAGES_VERSION,
        )
    run.published_json, run.labels = pages.published_json, pages.labels
    run.pages_version = PAGES_VERSION


def republish_pending(run: ProfileRun) -> bool:
    """Whether the run is to be published again under the study's raised ``min_cell``."""
    return run.pages_version == REPUBLISH and run.status == ProfileRun.Status.DONE


def ensure(run: ProfileRun) -> None:
    """Prepare the pages of a finished run stored without them (an earlier release), or
    published under a smaller ``min_cell`` than the study's now (``Study.add_revision``):
    the published profile, the charts, the HTML report and the page's fragment of it."""
    if run.pages_version == PAGES_VERSION or run.status != ProfileRun.Status.DONE:
        return
    profile, document = _computed(run)
    if run.pages_version == REPUBLISH:  # the HTML report hides what the study now hides too
        html, fragment = pipeline.render_profile_pages(profile, document)
        ProfileRun.objects.filter(pk=run.pk).update(html=html, fragment=fragment)
        run.html, run.fragment = html, fragment
    store(run, prepare(profile, document), replace=False)
    try:
        find_small_differences(run)
    except Exception:  # the pages are prepared whatever happens to the comparison
        logger.exception("Profile run %s not compared with the study's other profiles", run.pk)
    logger.info("Profile run %s: page data prepared on first read", run.pk)


def _computed(run: ProfileRun) -> tuple[Profile, StudyDocument]:
    """The profile as the worker computed it, and the rules it is published by
    (:func:`rule_document`)."""
    text = ProfileRun.objects.filter(pk=run.pk).values_list("result_json", flat=True).get()
    return pipeline.profile_from_json(text), rule_document(run)


def rule_document(run: ProfileRun) -> StudyDocument:
    """The study revision the run was built from, with the study's ``min_cell`` now when that is
    larger: an owner who raised it hides the groups below it in the profiles built before too
    (pages, charts, every download)."""
    document = pipeline.study_from_data(
        run.revision.document, source=f"редакция {run.revision.number}"
    )
    current = run.study.current_revision()
    now = current.to_document().segmentation.min_cell if current is not None else 0
    if now <= document.segmentation.min_cell:
        return document
    segmentation = document.segmentation.model_copy(update={"min_cell": now})
    return document.model_copy(update={"segmentation": segmentation})


def find_small_differences(run: ProfileRun) -> None:
    """Record which other finished profiles of the study tell about a few clients together
    with ``run`` (:func:`pipeline.tell_few_together`: their data differ by a few records), for
    its page to warn those who can delete one. A run stored by an earlier release is published
    for the comparison alone (its pages are prepared when it is read)."""
    mine = published(run)
    others = (
        ProfileRun.objects.filter(study_id=run.study_id, status=ProfileRun.Status.DONE)
        .exclude(pk=run.pk)
        .select_related("revision")
        .only("pk", "published_json", "pages_version", "revision__number", "revision__document")
    )
    run.tells_few_with.set(
        [other for other in others if pipeline.tell_few_together(_published_now(other), mine)]
    )


def _published_now(run: ProfileRun) -> Profile:
    """The run's published profile, without preparing its pages when they are not yet."""
    if run.pages_version == PAGES_VERSION:
        return pipeline.profile_from_json(run.published_json)
    profile, document = _computed(run)
    return pipeline.published_profile(profile, document)


def tells_few_with(run: ProfileRun) -> list[ProfileRun]:
    """The finished profiles that tell about a few clients together with ``run``, newest first
    (:func:`find_small_differences`: when a run is built, and when the pages of a run stored by
    an earlier release are prepared)."""
    return list(
        run.tells_few_with.filter(status=ProfileRun.Status.DONE)
        .select_related("revision")
        .only("pk", "created_at", "finished_at", "revision__number")
        .order_by("-created_at", "-pk")
    )


def published(run: ProfileRun) -> Profile:
    """The run's published profile (what a page may show)."""
    return pipeline.profile_from_json(published_json(run))


def published_json(run: ProfileRun) -> str:
    """The run's published profile as JSON (for downloads and the API)."""
    ensure(run)
    return run.published_json  # read now if the run was fetched without it


def chart(run: ProfileRun, name: str) -> str:
    """The run's chart ``name`` as SVG ("" when there is nothing to draw)."""
    ensure(run)
    svg = RunChart.objects.filter(run_id=run.pk, name=name).values_list("svg", flat=True).first()
    return svg or ""


def labels(run: ProfileRun | None) -> dict[str, str]:
    """Every segment key of the run's profile with its label; ``{}`` without a run."""
    if run is None:
        return {}
    ensure(run)
    return dict(run.labels)
