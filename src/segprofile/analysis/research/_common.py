"""What the research modules share: segment keys read as features and their labels."""

from __future__ import annotations

from collections.abc import Mapping

from segprofile.model.labels import segment_name
from segprofile.model.study import (
    Study,
)


def key_parts(key: str) -> list[tuple[str, str]]:
    """``"a=x&b=y"`` → ``[("a", "x"), ("b", "y")]``."""
    out = []
    for part in key.split("&"):
        fid, sep, code = part.partition("=")
        if sep:
            out.append((fid, code))
    return out


def key_label(study: Study, key: str, known: Mapping[str, str] | None = None) -> str:
    """A readable label of a segment key from the study's features (value labels) and the
    names a built profile gives its one-feature segments (``known``: numeric intervals)."""
    return segment_name(study.features, key, known) if key else key
