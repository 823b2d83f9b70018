"""The profile as one self-contained HTML file (offline: inline CSS, no scripts, no CDN)."""

from __future__ import annotations

import logging
from collections.abc import Callable
from functools import cache
from importlib.resources import files

import altair as alt
from jinja2 import Environment, PackageLoader, StrictUndefined, pass_context, select_autoescape
from markupsafe import Markup

from segprofile.analysis.suppression import (
    UNSUPPRESSED_BANNER,
    hidden_keys,
    hidden_text,
    suppress,
    unsuppressed,
)
from segprofile.model.checks import check_study
from segprofile.model.labels import PRIORITY_PARTS as PART_NAMES
from segprofile.model.labels import inline_label, ru
from segprofile.model.results import Profile
from segprofile.model.study import Study
from segprofile.report import charts
from segprofile.report.blueprint import blueprint_svg
from segprofile.report.build import ORIGIN_TEXT, masked_profile
from segprofile.report.format import number, percent, ru_datetime

log = logging.getLogger(__name__)


def csat_class(value: float | None) -> str:
    """Traffic-light class for a CSAT share: below 50 % bad, below 70 % middling."""
    if value is None:
        return ""
    if value < 0.5:
        return "csat-bad"
    if value < 0.7:
        return "csat-mid"
    return "csat-good"


def lower_first(text: str) -> str:
    """«Сельская местность» → «сельская местность»; ЕПГУ, МФЦ, HS-grad, United-States intact."""
    return inline_label(text)


@cache
def _environment() -> Environment:
    env = Environment(
        loader=PackageLoader("segprofile.report", "templates"),
        autoescape=select_autoescape(["html", "j2"], default_for_string=True),
        undefined=StrictUndefined,
        trim_blocks=False,
        lstrip_blocks=False,
    )
    env.filters["num"] = number
    env.filters["pct"] = percent
    env.filters["ru"] = ru
    env.filters["ru_datetime"] = ru_datetime
    env.filters["csat_class"] = csat_class
    env.filters["lower_first"] = lower_first
    env.filters["origin"] = lambda origin: ORIGIN_TEXT.get(origin, origin)
    env.filters["why"] = pass_context(lambda ctx, reason: hidden_text(reason, ctx["min_cell"]))
    return env


@cache
def profile_css() -> str:
    return files("segprofile.report").joinpath("templates/profile.css").read_text("utf-8")


def _chart_svg(make: Callable[[], alt.TopLevelMixin | None]) -> Markup | None:
    """A chart as inline SVG; a chart that cannot be drawn is left out, never fatal."""
    try:
        chart = make()
        return None if chart is None else Markup(charts.to_svg(chart))  # noqa: S704 — vl-convert escapes text
    except (ValueError, RuntimeError) as exc:
        log.warning("chart skipped: %s", type(exc).__name__)
        return None


def _blueprint(study: Study, journey_id: str) -> Markup | None:
    """The journey's service blueprint as inline SVG (our own renderer escapes every text)."""
    return Markup(blueprint_svg(study, journey_id))  # noqa: S704 — built with escaped text


def render_profile_html(
    profile: Profile, study: Study, *, standalone: bool = True, unsuppressed_output: bool = False
) -> str:
    """Render the profile; ``standalone=False`` gives a fragment (``div.sp-profile``) for a page.

    Small groups are hidden (``analysis.suppression``) unless ``unsuppressed_output``: an
    owner's explicit request for this one output, which the page then says at its top.
    """
    seg = study.segmentation
    template = _environment().get_template("profile.html.j2")
    profile = unsuppressed(profile, study) if unsuppressed_output else suppress(profile, study)
    segments_by_key = {seg.key: seg for fs in profile.by_feature for seg in fs.segments}
    feature_of = {seg.key: fs.label for fs in profile.by_feature for seg in fs.segments}
    hidden = hidden_keys(profile)
    shown = masked_profile(profile, hidden)
    quadrant = _chart_svg(lambda: charts.priority_quadrant(shown, min_cell=seg.min_cell))
    blueprints = {j.id: _blueprint(study, j.id) for j in study.journeys if j.steps}
    k_chart = None
    if profile.clusters is not None:
        choice = profile.clusters.choice
        k_chart = _chart_svg(lambda: charts.k_diagnostics(choice))
    return template.render(
        k_chart_svg=k_chart,
        profile=profile,
        quadrant_svg=quadrant,
        hidden=hidden,
        blueprints=blueprints,
        segments_by_key=segments_by_key,
        feature_of=feature_of,
        part_names=PART_NAMES,
        study=study,
        standalone=standalone,
        css=profile_css(),
        acts={a.id: a.title for a in study.scope.legal_acts},
        findings=check_study(study),
        confidence=percent(seg.confidence),
        min_cell=seg.min_cell,
        suppress=not unsuppressed_output,
        banner=UNSUPPRESSED_BANNER if unsuppressed_output else "",
    )
