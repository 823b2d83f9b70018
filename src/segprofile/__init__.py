"""segprofile: client segment profiles of public services, by the official methodology."""

from __future__ import annotations

from typing import Any


def __getattr__(name: str) -> Any:
    # The version is read from the installed metadata on first use: importlib.metadata costs
    # a tenth of a second, which every command and ``--help`` would pay at start.
    if name != "__version__":
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    from importlib.metadata import PackageNotFoundError, version

    try:
        value = version("segprofile")
    except PackageNotFoundError:  # running from a source tree that was not installed
        value = "0.0.0+local"
    globals()["__version__"] = value
    return value
