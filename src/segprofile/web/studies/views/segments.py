"""Segments (M-5) and clusters with portraits (M-4) of a finished profile run.

- the segments page: per feature (and per cross of two features) a table of capacity, share,
  mean rating, CSAT with its Wilson interval, blind zone, priority rank and distinctive traits,
  and a chart of capacity and CSAT with the interval; a feature selector swaps the part (HTMX);
- the clusters page: the choice of k (chart, table, the Russian reason), a card per cluster
  with its portrait (persona card and empathy map, each field with where its text came from),
  the crosstab with one feature's segments, the vulnerable groups across the clusters;
- the team's edit of a portrait, saved as a new revision of the study
  (:func:`segprofile.pipeline.save_portrait_edit`) and taken by the next profile run.

Small cells follow the profile's suppression (:func:`segprofile.report.build.suppression`): a
hidden segment, cluster or cell shows no number here either. The published profile and the
charts are the run's own, stored by the worker (:mod:`segprofile.web.studies.runs`).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext
from django.views.decorators.http import require_GET, require_http_methods

from segprofile import pipeline
from segprofile.errors import SegprofileError
from segprofile.model import labels
from segprofile.model.format import interval_percent, number, percent, share_percent
from segprofile.model.results import (
    ClusterResult,
    ClusterStats,
    Interval,
    Portrait,
    PortraitField,
    Profile,
    SegmentStats,
)
from segprofile.model.study import Study as StudyDocument
from segprofile.web.studies import htmx, runs, sections
from segprofile.web.studies.access import run_for
from segprofile.web.studies.forms.segments import PORTRAIT_TEXT_MAX, PortraitEditForm
from segprofile.web.studies.models import ProfileRun, Study
from segprofile.web.studies.views.common import current_document

log = logging.getLogger(__name__)

# --- finished runs -------------------------------------------------------------------------------


@dataclass(frozen=True)
class RunData:
    """What the pages need of a finished run: its profile, its study revision, what is hidden."""

    run: ProfileRun
    profile: Profile
    document: StudyDocument
    hidden: frozenset[str]

    @property
    def min_cell(self) -> int:
        return self.document.segmentation.min_cell

    def is_hidden(self, *keys: str) -> bool:
        return any(key in self.hidden for key in keys)


def run_data(run: ProfileRun) -> RunData:
    """The published profile of a finished run (stored by the worker), with its revision."""
    profile = runs.published(run)
    return RunData(run, profile, runs.rule_document(run), pipeline.hidden_segments(profile))


def _done_run(
    request: HttpRequest, pk: int, run_pk: int, need: str = "view"
) -> tuple[Study, ProfileRun]:
    """The study (checked for ``need``) and its finished run, with what its pages read."""
    run = run_for(request, pk, run_pk, need, pages=True, done=True)
    return run.study, run


# --- formatting -----------------------------------------------------------------------------------


def _interval(interval: Interval | None) -> str:
    """``49–59 %`` (the Wilson interval of a share)."""
    if interval is None:
        return ""
    return interval_percent(interval.low, interval.high)


def _csat(sat: Any, min_cell: int = 5) -> dict[str, str]:
    if sat.hidden:  # a statistic of too few ratings: the reason, no number
        why = pipeline.hidden_reason_text(sat.hidden, min_cell)
        return {"csat": why, "interval": "", "n": why, "mean": "", "csat_hidden": "1"}
    return {
        "csat_hidden": "",
        "csat": percent(sat.csat) if sat.csat is not None else "",
        "interval": _interval(sat.csat_interval),
        "n": number(sat.n),
        "mean": number(sat.mean, 2) if sat.mean is not None else "",
    }


def _nps(stats: Any, min_cell: int = 5) -> dict[str, str]:
    """NPS of the client records on −100…100 (``""`` when the study has no NPS question)."""
    if stats is None:
        return {"nps": "", "nps_n": ""}
    if stats.hidden:
        return {"nps": pipeline.hidden_reason_text(stats.hidden, min_cell), "nps_n": ""}
    if stats.nps is None:
        return {"nps": "", "nps_n": ""}
    return {"nps": number(stats.nps * 100), "nps_n": number(stats.n)}


# --- the segments page (M-5) ------------------------------------------------------------------


def _segment_row(data: RunData, seg: SegmentStats) -> dict[str, Any]:
    if seg.hidden:
        return {
            "key": seg.key,
            "label": seg.label,
            "hidden": True,
            "reason": seg.hidden,  # the capacity cell says why it is hidden
            "capacity": pipeline.hidden_reason_text(seg.hidden, data.min_cell),
        }
    blind = seg.blind_zone
    return {
        "key": seg.key,
        "label": seg.label,
        "hidden": False,
        "missing": seg.missing_value,
        "capacity": number(seg.capacity),
        # Beside records only (several rows a client), as published (none for a pair's cells).
        "clients": number(seg.clients) if seg.clients is not None else None,
        "share": share_percent(seg.share, 1),  # 10 of 120 000: «менее 0,1 %», not «0,0 %»
        **_csat(seg.satisfaction, data.min_cell),
        **_nps(seg.nps, data.min_cell),
        "blind": percent(blind.share) if blind is not None and blind.share is not None else "",
        "blind_people": number(blind.blind) if blind is not None else "",
        "entitled": number(blind.entitled) if blind is not None else "",
        "rank": seg.priority.rank if seg.priority is not None else None,
        "traits": [
            {
                "feature": t.feature_label,
                "label": t.label,
                "inside": percent(t.share_in_segment),
                "overall": percent(t.share_overall),
            }
            for t in seg.distinctive[:3]
        ],
    }


def _segments_context(data: RunData, selected: str) -> dict[str, Any]:
    groups = runs.segment_groups(data.profile)
    group = next((g for g in groups if g.id == selected), groups[0] if groups else None)
    context: dict[str, Any] = {"groups": groups, "group": group}
    if group is not None:
        rows = [_segment_row(data, s) for s in group.segments]
        context |= {
            "rows": rows,
            # The clients as published: none for the cells of a pair (``analysis.suppression``).
            "clients_column": labels.profile_unit(data.profile).records
            and any(s.clients is not None for s in group.segments),
            "has_blind": any(r.get("blind") for r in rows),
            "has_nps": data.profile.nps is not None,
            "has_rank": any(r.get("rank") is not None for r in rows),
            "hidden_count": sum(1 for r in rows if r["hidden"]),
            "chart": runs.chart(data.run, runs.capacity_csat(group.id)),
        }
    return context


def _common(study: Study, run: ProfileRun, data: RunData) -> dict[str, Any]:
    seg = data.document.segmentation
    return {
        "study": study,
        "run": run,
        "profile": data.profile,
        "min_cell": seg.min_cell,
        "allow_small": False,  # only an owner's single download is ever unsuppressed
        "confidence": percent(seg.confidence),
        "overall": _csat(data.profile.satisfaction, seg.min_cell),
        "overall_nps": _nps(data.profile.nps, seg.min_cell),
        "total": number(data.profile.total_clients),
        # Several rows a client: the capacity counts records, the clients are shown beside it.
        "records": labels.profile_unit(data.profile).records,
        "clients_total": number(data.profile.distinct_clients),
    }


@require_GET
def run_segments(request: HttpRequest, pk: int, run_pk: int) -> HttpResponse:
    """M-5: the segments of one feature at a time, with the chart; other features by HTMX."""
    study, run = _done_run(request, pk, run_pk)
    data = run_data(run)
    context = _common(study, run, data) | _segments_context(data, request.GET.get("feature", ""))
    if htmx.is_htmx(request) and htmx.target(request) == "segments-feature":
        return htmx.vary(render(request, "studies/segments/_feature.html", context))
    return htmx.vary(render(request, "studies/segments/segments.html", context))


# --- a segment's card: its figures and what the team did about it (M-5 … M-12) -----------------


def _segment_of(data: RunData, key: str) -> tuple[runs.Group, SegmentStats] | None:
    for group in runs.segment_groups(data.profile):
        for seg in group.segments:
            if seg.key == key:
                return group, seg
    return None


def card_urls(
    study: Study, run: ProfileRun | None, profile: Profile | None, labels: dict[str, str]
) -> dict[str, str]:
    """Segment key → the URL of its card in ``run``, for every segment the card finds: a
    segment of a feature or a pair of ``profile`` (the run's, as computed or published) that the
    run's published ``labels`` name (a rare value combined away has no card); ``{}`` without
    a run. Read from what the page has already read: no query of its own."""
    if run is None or profile is None:
        return {}
    url = reverse("studies:run_segment", kwargs={"pk": study.pk, "run_pk": run.pk})
    return {
        seg.key: f"{url}?{urlencode({'key': seg.key})}"
        for group in runs.segment_groups(profile)
        for seg in group.segments
        if seg.key in labels
    }


def _about(items: list[Any], key: str) -> list[Any]:
    """The hypotheses, recommendations or journeys of the study that name segment ``key``."""
    return [item for item in items if key in item.segments]


@require_GET
def run_segment(request: HttpRequest, pk: int, run_pk: int) -> HttpResponse:
    """One segment: its figures in this run, and the current study's hypotheses, recommendations
    and journeys about it. A hidden segment says why and shows nothing of its clients."""
    study, run = _done_run(request, pk, run_pk)
    data = run_data(run)
    found = _segment_of(data, request.GET.get("key", ""))
    if found is None:
        raise Http404
    group, seg = found
    _revision, document = current_document(study)
    row = _segment_row(data, seg)
    context = _common(study, run, data) | {
        "group": group,
        "row": row,
        "document": document,
        "traits": []
        if seg.hidden
        else [
            {
                "feature": t.feature_label,
                "label": t.label,
                "inside": percent(t.share_in_segment),
                "overall": percent(t.share_overall),
            }
            for t in seg.distinctive
        ],
        "reasons": seg.priority.reasons if seg.priority is not None and not seg.hidden else [],
        "hypotheses": [
            {
                "number": labels.hypothesis_number(document, h.id),
                "h": h,
                "status": labels.ru(h.status),
            }
            for h in _about(document.hypotheses, seg.key)
        ],
        "recommendations": [
            {"r": r, "status": labels.ru(r.status), "kind": labels.ru(r.kind)}
            for r in _about(document.recommendations, seg.key)
        ],
        "journeys": [
            {"j": j, "kind": labels.ru(j.kind)} for j in _about(document.journeys, seg.key)
        ],
    }
    return render(request, "studies/segments/segment.html", context)


# --- the clusters page (M-4) --------------------------------------------------------------------


ORIGINS = ("data", "interviews", "team")


def _fields(fields: list[PortraitField]) -> list[dict[str, str]]:
    return [
        {
            "key": f.key,
            "title": f.title,
            "value": f.value,
            "origin": f.origin,
            "sources": "; ".join(f.sources) if f.origin == "data" else "",
        }
        for f in fields
    ]


def _names(data: RunData) -> dict[str, str]:
    """«Признак: значение» of every one-feature segment key (for definitions)."""
    return {s.key: f"{fs.label}: {s.label}" for fs in data.profile.by_feature for s in fs.segments}


def _card(
    data: RunData, cluster: ClusterStats, current: StudyDocument, names: dict[str, str]
) -> dict[str, Any]:
    """What a cluster's card shows; a hidden cluster shows only why."""
    card: dict[str, Any] = {
        "number": cluster.number,
        "key": cluster.key,
        "hidden": cluster.hidden is not None,
        "small": cluster.hidden == "small",
    }
    if card["hidden"]:
        return card
    portrait = pipeline.portrait_with_edit(cluster.portrait, current)
    pending = pipeline.portrait_edit(current, cluster.portrait) != pipeline.portrait_edit(
        data.document, cluster.portrait
    )
    card |= {
        "name": portrait.name,
        "name_origin": portrait.name_origin,
        "capacity": number(cluster.capacity),
        "clients": number(cluster.clients),  # shown beside records only
        "share": percent(cluster.share, 1),
        **_csat(cluster.satisfaction, data.min_cell),
        "definition": [names.get(key, key) for key in cluster.definition],
        "traits": [t.text for t in portrait.traits[:5] if t.text],
        "persona": _fields(portrait.persona),
        "empathy": _fields(portrait.empathy_map),
        "pending": pending,
        "portrait": portrait,
    }
    return card


def _crosstab_context(data: RunData, result: ClusterResult, selected: str) -> dict[str, Any]:
    tabs = result.crosstabs
    crosstab = next((c for c in tabs if c.feature_id == selected), tabs[0] if tabs else None)
    if crosstab is None:
        return {"crosstabs": tabs, "crosstab": None}
    cells = {(c.cluster, c.segment): c for c in crosstab.cells}
    rows = []
    for cl in result.clusters:
        values: list[dict[str, Any]] = []
        for seg in crosstab.segments:
            cell = cells.get((cl.key, seg))
            if cell is None:
                values.append({"empty": True})
            elif cell.count is None:
                values.append({"hidden": True})
            else:
                values.append(
                    {"count": number(cell.count), "share": percent(cell.share_of_cluster)}
                )
        rows.append({"number": cl.number, "hidden": data.is_hidden(cl.key), "cells": values})
    return {
        "crosstabs": tabs,
        "crosstab": crosstab,
        "crosstab_columns": list(zip(crosstab.segments, crosstab.segment_labels, strict=True)),
        "crosstab_rows": rows,
        "crosstab_hidden": any(v.get("hidden") for row in rows for v in row["cells"]),
    }


def _vulnerable_context(data: RunData, result: ClusterResult) -> list[dict[str, Any]]:
    tables: dict[str, dict[str, Any]] = {}
    for row in result.vulnerable:
        table = tables.setdefault(row.feature_id, {"label": row.feature_label, "rows": []})
        values: list[dict[str, Any]] = []
        for cell in row.cells:
            if cell.count is None:
                values.append({"hidden": True})
            else:
                values.append(
                    {
                        "count": number(cell.count),
                        "of_group": percent(cell.share_of_group),
                        "of_cluster": percent(cell.share_of_cluster),
                    }
                )
        table["rows"].append(
            {
                "label": row.label,
                "hidden": row.total is None,
                "total": number(row.total),
                "cells": values,
            }
        )
        # The note under the table says why its hidden cells are hidden.
        table["hidden"] = (
            table.get("hidden") or row.total is None or any(v.get("hidden") for v in values)
        )
    return list(tables.values())


def _clusters_context(
    request: HttpRequest, study: Study, run: ProfileRun, data: RunData
) -> dict[str, Any]:
    context = _common(study, run, data)
    result = data.profile.clusters
    settings = data.document.segmentation.clustering
    context |= {"result": result, "enabled": settings.enabled}
    if result is None:
        return context
    revision, current = current_document(study)
    names = _names(data)
    choice = result.choice
    context |= {
        "current_revision": revision.number,
        "can_edit": study.can(request.user, "edit"),
        "text_limit": PORTRAIT_TEXT_MAX,
        "k_chart": runs.chart(data.run, runs.K_DIAGNOSTICS),
        "diagnostics": [
            {
                "k": d.k,
                "chosen": d.k == choice.chosen_k,
                "recommended": d.k == choice.recommended_k,
                "cost": number(d.cost, 1),
                "cost_drop": percent(d.cost_drop, 1) if d.cost_drop is not None else "—",
                "silhouette": number(d.silhouette, 2) if d.silhouette is not None else "—",
                "stability": number(d.stability, 2) if d.stability is not None else "—",
                "stability_sd": number(d.stability_sd, 2) if d.stability_sd is not None else "",
                "smallest": percent(d.smallest_share, 1) if d.smallest_share is not None else "—",
            }
            for d in choice.diagnostics
        ],
        "cards": [_card(data, c, current, names) for c in result.clusters],
        "features": ", ".join(result.feature_labels or result.features),
        "sample_size": number(result.sample_size),
        "total_rows": number(result.total_rows),
        "gamma": number(result.gamma, 2),
        "vulnerable": _vulnerable_context(data, result),
        "match_threshold": number(result.match_threshold, 2),
        "unmatched": [
            {
                "name": u.name,
                "definition": [names.get(k, k) for k in u.definition],
                "best": u.best_segment,
                "similarity": number(u.best_similarity, 2) if u.best_similarity is not None else "",
            }
            for u in result.unmatched_edits
        ],
    }
    context |= _crosstab_context(data, result, request.GET.get("crosstab", ""))
    return context


@require_GET
def run_clusters(request: HttpRequest, pk: int, run_pk: int) -> HttpResponse:
    """M-4: how k was chosen, the cluster cards with portraits, the crosstab, vulnerable groups."""
    study, run = _done_run(request, pk, run_pk)
    data = run_data(run)
    if htmx.is_htmx(request) and htmx.target(request) == "crosstab" and data.profile.clusters:
        context = _common(study, run, data) | _crosstab_context(
            data, data.profile.clusters, request.GET.get("crosstab", "")
        )
        return htmx.vary(render(request, "studies/segments/_crosstab.html", context))
    context = _clusters_context(request, study, run, data)
    editing = request.GET.get("edit", "")
    if editing.isdigit():  # a portrait's form open on the page (without JavaScript)
        card = next((c for c in context.get("cards") or [] if c["number"] == int(editing)), None)
        if card is not None and not card["hidden"] and study.can(request.user, "edit"):
            _attach_form(card, _portrait_form(card["number"], card["portrait"]))
    return htmx.vary(render(request, "studies/segments/clusters.html", context))


# --- one cluster's card and the team's edit of its portrait ---------------------------------


def _cluster(data: RunData, number_: int) -> ClusterStats | None:
    result = data.profile.clusters
    if result is None:
        return None
    return next((c for c in result.clusters if c.number == number_), None)


def _clusters_url(study: Study, run: ProfileRun) -> str:
    return str(reverse("studies:run_clusters", kwargs={"pk": study.pk, "run_pk": run.pk}))


def _missing_cluster(
    request: HttpRequest, study: Study, run: ProfileRun, data: RunData, number_: int
) -> HttpResponse:
    """A cluster number this profile does not have (or hides): a clear refusal, status 404."""
    cluster = _cluster(data, number_)
    if cluster is not None:  # it exists but is hidden: its portrait is not shown or edited
        text = gettext(
            "The portrait of cluster %(number)s is hidden to protect a small group "
            "(fewer than %(min)s clients), so it cannot be edited."
        ) % {"number": number_, "min": data.min_cell}
    else:
        known = (
            [str(c.number) for c in data.profile.clusters.clusters] if data.profile.clusters else []
        )
        text = gettext(
            "There is no cluster %(number)s in this profile (clusters: %(known)s). The profile "
            "may have been built again with other clusters: open its clusters page and choose "
            "the cluster there."
        ) % {"number": number_, "known": ", ".join(known) or "—"}
    if htmx.is_htmx(request):
        context = {
            "study": study,
            "run": run,
            "number": number_,
            "error": text,
            "saving": request.method == "POST",
        }
        return render(request, "studies/segments/_card_missing.html", context, status=404)
    messages.error(request, text)
    return redirect(_clusters_url(study, run))


def _attach_form(card: dict[str, Any], form: PortraitEditForm) -> None:
    """Put the edit form on a card, each field with the origin of the text it starts from."""
    card["form"] = form
    card["form_persona"] = [
        {"field": form[f"persona_{f['key']}"], "origin": f["origin"]} for f in card["persona"]
    ]
    card["form_empathy"] = [
        {"field": form[f"empathy_{f['key']}"], "origin": f["origin"]} for f in card["empathy"]
    ]
    for item in card["form_persona"] + card["form_empathy"]:
        # A box as tall as its text (up to eight lines), so the drafted text is seen whole.
        text = str(item["field"].value() or "")
        lines = sum(1 + len(line) // 60 for line in text.splitlines()) if text else 1
        item["field"].field.widget.attrs["rows"] = max(2, min(8, lines))
    if not form.is_bound:
        form.fields["name"].widget.attrs["autofocus"] = True


def _portrait_form(number_: int, portrait: Portrait, data: Any = None) -> PortraitEditForm:
    """The edit form filled with the texts the card shows (ids unique per cluster)."""
    initial: dict[str, str] = {"name": portrait.name}
    initial |= {f"persona_{f.key}": f.value for f in portrait.persona}
    initial |= {f"empathy_{f.key}": f.value for f in portrait.empathy_map}
    return PortraitEditForm(data, initial=initial, auto_id=f"portrait-{number_}-%s")


def _card_response(
    request: HttpRequest,
    study: Study,
    run: ProfileRun,
    data: RunData,
    cluster: ClusterStats,
    *,
    form: PortraitEditForm | None = None,
    saved: str = "",
    status: int = 200,
) -> HttpResponse:
    revision, current = current_document(study)
    card = _card(data, cluster, current, _names(data))
    if form is not None:
        _attach_form(card, form)
    context = _common(study, run, data) | {
        "card": card,
        "saved": saved,
        "current_revision": revision.number,
        "can_edit": study.can(request.user, "edit"),
        "text_limit": PORTRAIT_TEXT_MAX,
    }
    return render(request, "studies/segments/_cluster_card.html", context, status=status)


@require_GET
def run_cluster(request: HttpRequest, pk: int, run_pk: int, number: int) -> HttpResponse:
    """One cluster's card as it is now (the edit form's «Cancel»)."""
    study, run = _done_run(request, pk, run_pk)
    data = run_data(run)
    cluster = _cluster(data, number)
    if cluster is None or data.is_hidden(cluster.key):
        return _missing_cluster(request, study, run, data, number)
    if not htmx.is_htmx(request):
        return redirect(_clusters_url(study, run) + f"#cluster-{number}")
    return _card_response(request, study, run, data, cluster)


@require_http_methods(["GET", "POST"])
def run_cluster_edit(request: HttpRequest, pk: int, run_pk: int, number: int) -> HttpResponse:
    """GET: the edit form in place of the card. POST: save the team's texts as a revision.

    Only the fields whose text differs from what the form showed are stored; they are matched
    to the cluster by its definition when the profile is built again.
    """
    study, run = _done_run(request, pk, run_pk, need="edit")
    data = run_data(run)
    cluster = _cluster(data, number)
    if cluster is None or data.is_hidden(cluster.key):
        return _missing_cluster(request, study, run, data, number)
    if request.method == "GET":
        if not htmx.is_htmx(request):
            return redirect(_clusters_url(study, run) + f"?edit={number}#cluster-{number}")
        _, current = current_document(study)
        form = _portrait_form(number, pipeline.portrait_with_edit(cluster.portrait, current))
        return _card_response(request, study, run, data, cluster, form=form)

    # The texts the form showed: those of the revision it was opened at, when known.
    base = (
        study.revisions.filter(number=study.edit_base).first()
        if study.edit_base is not None
        else None
    )
    latest = study.current_revision()
    shown = pipeline.portrait_with_edit(cluster.portrait, (base or latest).to_document())
    form = _portrait_form(number, shown, request.POST)
    changes: tuple[str | None, dict[str, str], dict[str, str]] = (None, {}, {})
    if form.is_valid():
        changes = form.changes(
            shown.name,
            {f.key: f.value for f in shown.persona},
            {f.key: f.value for f in shown.empathy_map},
        )
        if changes == (None, {}, {}):
            form.add_error(
                None,
                gettext("Nothing has changed: the texts are the same as on the card."),
            )
    if not form.is_valid():
        return _refuse(request, study, run, data, cluster, form)
    name, persona, empathy = changes
    try:
        document = pipeline.save_portrait_edit(
            latest.to_document(),
            cluster.portrait,
            name=name,
            persona=persona or None,
            empathy_map=empathy or None,
        )
    except (SegprofileError, ValueError) as exc:
        form.add_error(None, str(exc))
        return _refuse(request, study, run, data, cluster, form)
    comment = form.cleaned_data.get("comment") or gettext(
        "Portrait of cluster %(number)s «%(name)s»"
    ) % {"number": number, "name": name or shown.name}
    # A conflicting edit saved meanwhile raises EditConflictError: the 409 page (middleware).
    revision = study.add_revision(document, author=request.user, comment=comment)
    saved = sections.saved_message(revision)  # with what of the typed texts was masked
    if htmx.is_htmx(request):
        return _card_response(request, study, run, data, cluster, saved=saved)
    messages.success(request, saved)
    return redirect(_clusters_url(study, run) + f"#cluster-{number}")


def _refuse(
    request: HttpRequest,
    study: Study,
    run: ProfileRun,
    data: RunData,
    cluster: ClusterStats,
    form: PortraitEditForm,
) -> HttpResponse:
    """The form again with what is wrong (status 400); nothing was saved."""
    if htmx.is_htmx(request):
        return _card_response(request, study, run, data, cluster, form=form, status=400)
    context = _clusters_context(request, study, run, data)
    for card in context.get("cards", []):
        if card["number"] == cluster.number:
            _attach_form(card, form)
    return render(request, "studies/segments/clusters.html", context, status=400)
