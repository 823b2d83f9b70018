"""segprofile: client segment profiles of public services, by the official methodology."""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("segprofile")
except PackageNotFoundError:  # running from a source tree that was not installed
    __version__ = "0.0.0+local"
