"""M-8: survey respondents each segment needs for the chosen margin and confidence, with the
finite-population correction (:func:`~segprofile.analysis.stats.required_sample`)."""

from __future__ import annotations

from collections.abc import Mapping

from segprofile.analysis.stats import (
    required_sample,
)
from segprofile.model.results import (
    Profile,
    SampleSize,
    known,
)
from segprofile.model.study import (
    Study,
)


def survey_sample_sizes(
    study: Study,
    profile: Profile,
    *,
    margin: float | None = None,
    confidence: float | None = None,
    extra: Mapping[str, tuple[str, int]] | None = None,
) -> list[SampleSize]:
    """Survey respondents each segment needs to estimate a share within ``±margin`` (M-8).

    ``n0 = z² · 0.25 / margin²`` corrected for the segment's size ``N`` (finite population):
    ``n = n0 / (1 + (n0 − 1) / N)``.

    Parameters
    ----------
    study
        Margin and confidence default to ``study.research``.
    profile
        Segments by feature and pairs; the population of a segment is its distinct clients
        (or its records when clients are not known).
    margin, confidence
        Override the study's research plan.
    extra
        More segments, e.g. clusters: ``{key: (label, population)}``.

    Returns
    -------
    list of SampleSize
        One row per non-empty segment, with the answers already in the survey (``have``) and
        the shortfall (``short``) when the profile has a survey baseline.
    """
    margin = margin if margin is not None else study.research.margin
    confidence = confidence if confidence is not None else study.research.confidence
    rows: list[SampleSize] = []
    groups = [(fs.label, fs.segments) for fs in profile.by_feature]
    groups += [("", cross.segments) for cross in profile.cross]
    for feature_label, segments in groups:
        for seg in segments:
            population = seg.clients if seg.clients is not None else known(seg.capacity)
            if seg.missing_value or population <= 0:
                continue
            needed = required_sample(margin, confidence, population)
            have = seg.survey.n if seg.survey is not None else None
            rows.append(
                SampleSize(
                    key=seg.key,
                    label=f"{feature_label}: {seg.label}" if feature_label else seg.label,
                    population=population,
                    needed=needed,
                    have=have,
                    short=max(0, needed - have) if have is not None else None,
                )
            )
    for key, (label, population) in (extra or {}).items():
        if population > 0:
            rows.append(
                SampleSize(
                    key=key,
                    label=label,
                    population=population,
                    needed=required_sample(margin, confidence, population),
                )
            )
    return rows
