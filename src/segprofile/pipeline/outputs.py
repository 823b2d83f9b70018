"""What every output shows: the published profile (small groups hidden by
``analysis.suppression``), its JSON, the priority chart and the report (M-13) as DOCX, XLSX,
HTML or PDF."""

from __future__ import annotations

from dataclasses import dataclass

from segprofile.errors import InputError
from segprofile.model.labels import CountUnit
from segprofile.model.results import (
    FeatureSegmentation,
    Hidden,
    KChoice,
    Profile,
)
from segprofile.model.study import (
    Study,
)

# Disclosure control (SciPy) and the report writers (Altair, Jinja2…) are imported where they
# are used: importing the pipeline — every command of the CLI does — stays light.


#: The charts' names, as the report's figures are titled (for screen readers on the pages).
PRIORITY_CHART = "Ёмкость и удовлетворённость сегментов"
K_CHART = "Выбор числа кластеров"


def priority_quadrant_svg(profile: Profile, study: Study) -> str | None:
    """The importance × performance chart of a profile as inline SVG (None if nothing to draw)."""
    from segprofile.report.charts import priority_quadrant, to_svg

    chart = priority_quadrant(profile, min_cell=study.segmentation.min_cell)
    return None if chart is None else to_svg(chart, PRIORITY_CHART)


def capacity_csat_svg(
    feature: FeatureSegmentation,
    study: Study,
    *,
    label_limit: int | None = None,
    unit: CountUnit | None = None,
) -> str | None:
    """One feature's (or pair's) capacity and CSAT, segment by segment, as inline SVG (None if
    nothing to draw); ``label_limit``: room for the segment labels, in pixels; ``unit``: the
    profile's (:func:`~segprofile.model.labels.profile_unit`)."""
    from segprofile.report.charts import capacity_csat, to_svg

    chart = capacity_csat(feature, min_cell=study.segmentation.min_cell, unit=unit)
    if chart is None:
        return None
    if label_limit is not None:
        chart = chart.configure_axisY(labelLimit=label_limit)
    return to_svg(chart, f"{feature.label}: ёмкость и CSAT")


def k_diagnostics_svg(choice: KChoice) -> str | None:
    """Choosing k (cost, silhouette and stability against k) as inline SVG (None if nothing to
    draw)."""
    from segprofile.report.charts import k_diagnostics, to_svg

    chart = k_diagnostics(choice)
    return None if chart is None else to_svg(chart, K_CHART)


REPORT_FORMATS: dict[str, tuple[str, str]] = {
    "docx": ("application/vnd.openxmlformats-officedocument.wordprocessingml.document", "docx"),
    "xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "xlsx"),
    "html": ("text/html; charset=utf-8", "html"),
    "pdf": ("application/pdf", "pdf"),
}


def render_report(
    profile: Profile,
    study: Study,
    fmt: str,
    *,
    template: bytes | None = None,
    unsuppressed: bool = False,
) -> bytes:
    """The filled profile (M-13) as DOCX, XLSX, HTML or PDF, all from one report model.

    Small groups are hidden (``analysis.suppression``) unless ``unsuppressed``: an owner's
    explicit request for this one output, which then says so on every page. ``template``: a
    body's own ``.docx`` with docxtpl placeholders, filled instead of the standard layout
    (DOCX only).
    """
    from segprofile.report.build import build_report

    if fmt not in REPORT_FORMATS:
        raise InputError(
            f"Неизвестный формат отчёта «{fmt}».",
            hint="выберите один из: " + ", ".join(REPORT_FORMATS) + ".",
        )
    if template is not None and fmt != "docx":
        raise InputError(
            "Шаблон применяется только к отчёту DOCX.", hint="уберите шаблон или выберите docx."
        )
    if template is not None and unsuppressed:
        # A body's template may leave out the warning every page of such an output must carry.
        raise InputError(
            "Отчёт по шаблону органа строится только со скрытыми малыми группами.",
            hint="для выгрузки без скрытия возьмите стандартный отчёт.",
        )
    report = build_report(
        profile, study, figures=fmt != "xlsx" and template is None, unsuppressed=unsuppressed
    )
    if fmt == "docx":
        if template is not None:
            from segprofile.report.template import render_docx_template

            return render_docx_template(report, template)
        from segprofile.report.docx import render_docx

        return render_docx(report)
    if fmt == "xlsx":
        from segprofile.report.xlsx import render_xlsx

        return render_xlsx(report)
    from segprofile.report.pdf import render_html, render_pdf

    if fmt == "html":
        return render_html(report).encode("utf-8")
    return render_pdf(report)


def check_report_template(
    template: bytes, profile: Profile | None = None, study: Study | None = None
) -> None:
    """Fill a body's own ``.docx`` template once and throw the result away: with the report of
    ``profile`` when there is one, else with a small report of every kind of block.

    Raises
    ------
    InputError
        Not a DOCX, or a placeholder unknown or badly written: the message names the
        placeholder and the paragraph where it stands.
    """
    from segprofile.report.build import build_report
    from segprofile.report.template import check_template

    report = None
    if profile is not None and study is not None:
        report = build_report(profile, study, figures=False)
    check_template(template, report)


def sample_report_template() -> bytes:
    """The sample template of a body's own report: filled, it is the standard report."""
    from segprofile.report.template import sample_template

    return sample_template()


def report_template_placeholders() -> list[tuple[str, str, str]]:
    """The placeholders of a body's own template: ``(placeholder, meaning, example)``, with the
    sections' names for ``р.имя`` last."""
    from segprofile.report.template import PLACEHOLDERS

    return [(f"{{{{ {p.name} }}}}", p.meaning, p.example) for p in PLACEHOLDERS]


def report_template_sections() -> list[str]:
    """The sections' names a template uses as ``р.имя``, in the report's order."""
    from segprofile.report.template import SECTION_NAMES

    return list(SECTION_NAMES.values())


def report_template_guide() -> str:
    """The placeholder list as text (Markdown), to download beside the sample."""
    from segprofile.report.template import placeholders_text

    return placeholders_text()


def render_profile_html(
    profile: Profile, study: Study, *, standalone: bool = True, unsuppressed_output: bool = False
) -> str:
    """The profile as the HTML report (the ``html`` of :func:`render_report`), or
    (``standalone=False``) as the fragment ``div.sp-profile`` of the web page: the same sections
    in the same order as the DOCX and PDF, without the title page.

    Small groups are hidden unless ``unsuppressed_output``: an owner's explicit request for
    this one output, which the page then says at its top.
    """
    from segprofile.report.build import build_report
    from segprofile.report.pdf import render_html

    report = build_report(profile, study, unsuppressed=unsuppressed_output)
    return render_html(report, standalone=standalone)


def render_profile_pages(
    profile: Profile, study: Study, *, unsuppressed_output: bool = False
) -> tuple[str, str]:
    """The HTML report and the web page's fragment of it, from one report model (a run stores
    both, computed once)."""
    from segprofile.report.build import build_report
    from segprofile.report.pdf import render_html

    report = build_report(profile, study, unsuppressed=unsuppressed_output)
    return render_html(report), render_html(report, standalone=False)


def profile_css() -> str:
    """The style sheet of the profile's HTML."""
    from segprofile.report.pdf import profile_css

    return profile_css()


def profile_to_json(profile: Profile) -> str:
    """The profile as JSON, as it is (publish it first: :func:`published_profile`)."""
    return profile.model_dump_json(indent=2)


def hidden_segments(profile: Profile) -> frozenset[str]:
    """Keys of the segments and clusters a published profile hides."""
    from segprofile.analysis.suppression import hidden_keys

    return hidden_keys(profile)


def hidden_reason_text(reason: Hidden | None, min_cell: int) -> str:
    """What a hidden number reads as («скрыто: меньше 5», «мало оценок»…)."""
    from segprofile.analysis.suppression import hidden_text

    return hidden_text(reason, min_cell)


def published_profile(profile: Profile, study: Study) -> Profile:
    """The profile every output shows: small groups hidden (``analysis.suppression``)."""
    from segprofile.analysis.suppression import suppress

    return suppress(profile, study)


@dataclass(frozen=True)
class _StoredUniqueness:
    """The complaint-based uniqueness a stored profile scored, read back from its parts."""

    parts: dict[str, float]
    notes: dict[str, str]
    rule: str

    def scores(self) -> dict[str, float]:
        return self.parts

    def reason(self, key: str) -> str | None:
        return self.notes.get(key)


def _stored_uniqueness(profile: Profile) -> _StoredUniqueness | None:
    """What the profile's priority took from complaint topics, or ``None`` when it did not."""
    from segprofile.analysis.complaints import RULE

    summary = profile.priority
    weight = summary.weights.get("uniqueness", 0.0) if summary is not None else 0.0
    if summary is None or RULE not in summary.explanation or weight <= 0:
        return None
    parts: dict[str, float] = {}
    notes: dict[str, str] = {}
    for fs in profile.by_feature:
        for seg in fs.segments:
            if seg.priority is None:
                continue
            parts[seg.key] = seg.priority.parts.get("uniqueness", 0.0) / weight
            for reason in seg.priority.reasons:
                if reason.startswith("уникальных проблем") and "(" in reason:
                    notes[seg.key] = reason[reason.index("(") + 1 : -1]
    return _StoredUniqueness(parts, notes, RULE)


def reprioritised(profile: Profile, study: Study) -> Profile:
    """``profile`` with its priority (M-6) worked out again under ``study``'s priority settings
    — the low-satisfaction threshold, the weights, the number of top segments — from the
    profile's own figures (nothing is read from the data; milliseconds). Uniqueness scored from
    complaint topics is kept as the profile scored it; the overlaps of the top segments need the
    data and are left out. Publish the result before showing it (:func:`published_profile`)."""
    from segprofile.analysis.priority import prioritise
    from segprofile.analysis.suppression import blind_zones_hidden_by_audience

    changed = profile.model_copy(deep=True)
    changed.priority = prioritise(
        study,
        changed.by_feature,
        changed.satisfaction,
        complaints=_stored_uniqueness(profile),
        hidden_blind_zones=blind_zones_hidden_by_audience(profile, study.segmentation.min_cell),
    )
    return changed


def published_profile_json(text: str, study: Study, *, raw: bool = False) -> str:
    """A stored profile's JSON for a download: published, or — ``raw``, an owner's explicit
    request for one output — unsuppressed and marked so in ``disclosure``."""
    from segprofile.analysis.suppression import suppress, unsuppressed

    profile = profile_from_json(text)
    return profile_to_json(unsuppressed(profile, study) if raw else suppress(profile, study))


def profile_from_json(text: str) -> Profile:
    return Profile.model_validate_json(text)
