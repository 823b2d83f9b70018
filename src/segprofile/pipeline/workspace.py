"""What every stage shares: progress callbacks."""

from __future__ import annotations

from collections.abc import Callable

Progress = Callable[[float, str], None]


def _no_progress(fraction: float, message: str) -> None:
    """Default progress callback: ignore."""
