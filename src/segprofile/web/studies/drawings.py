"""The one cache of the web app, on Django's cache framework (``CACHES`` in the settings).

What a page draws from the study's *current* document cannot be stored with a finished run
(``runs``), and drawing it on every visit is the page's dearest part. Such drawings are kept in
the cache under a digest of everything they are drawn from, so a changed input never meets an
old drawing and nothing has to be invalidated. Every key is made here, nowhere else.

- a journey's service blueprint (SVG): the journey, the study's roles, service levels and
  problem statements, the labels of the journey's segments.
"""

from __future__ import annotations

import hashlib
import json

from django.core.cache import cache

import segprofile
from segprofile import pipeline
from segprofile.model.study import Study as StudyDocument

_VERSION = segprofile.__version__
"""Part of every key: another version of the code draws anew."""


def _key(kind: str, *parts: object) -> str:
    text = json.dumps([_VERSION, kind, *parts], ensure_ascii=False, sort_keys=True, default=str)
    return f"segprofile:{kind}:{hashlib.sha256(text.encode()).hexdigest()}"


def blueprint(document: StudyDocument, journey_id: str, labels: dict[str, str]) -> str:
    """The service blueprint of the journey ``journey_id`` of ``document`` as SVG."""
    journey = next((j for j in document.journeys if j.id == journey_id), None)
    if journey is None:  # blueprint_svg says which journeys there are
        return pipeline.blueprint_svg(document, journey_id, segment_labels=labels)
    key = _key(
        "blueprint",
        journey.model_dump(mode="json"),
        [r.model_dump(mode="json") for r in document.roles],
        list(document.service_levels),
        [(h.id, h.statement, h.status.value) for h in document.hypotheses],
        {k: labels.get(k) for k in journey.segments},
    )
    svg: str = cache.get_or_set(
        key,
        lambda: pipeline.blueprint_svg(document, journey_id, segment_labels=labels),
        timeout=None,
    )
    return svg
