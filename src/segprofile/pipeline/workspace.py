"""Where a study's data, keys and audit live, and which engine runs it: the :class:`Workspace`
every stage of the pipeline takes.

One object, built three ways, as datasette's CLI, server and tests all build one ``Datasette``:
the CLI from the settings (:meth:`Workspace.from_config`), the web from the study
(``web.studies.services.workspace_for``), tests in a temporary folder
(:meth:`Workspace.in_folder`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING

from segprofile import config
from segprofile.data.privacy import StudyKey
from segprofile.model.study import Study

if TYPE_CHECKING:  # the engine module imports Ibis: loaded when an engine is connected
    from segprofile.data.engine import Engine

Progress = Callable[[float, str], None]


def _no_progress(fraction: float, message: str) -> None:
    """Default progress callback: ignore."""


@dataclass(frozen=True)
class Workspace:
    """Where a study's data, keys and audit live, and which engine computes on it."""

    home: Path
    """The data home: dataset versions (``datasets/<study>/<source>/v<N>.parquet``) and the
    import audit trail."""
    keys: Path
    """The pseudonym key store; never inside the data home."""
    staging: Path
    """The gate's private area: raw files are read (converted, spilled) only here; apart from
    the data home."""
    data_dir: Path | None = None
    """Where the files the study's sources name are read from while a source has no imported
    version (depersonalised on the fly); ``None``: imported versions only."""
    engine: str | Engine = "duckdb://"
    """The engine's URL (``duckdb://``, ``pyspark://local[2]``…), or an engine already open
    (a Spark session shared by a notebook or the tests): used as it is and never closed here."""
    key_name: str | None = None
    """The study's key in the store; default the study's id (the web names keys by study
    number)."""
    keep_reason: str | None = None
    """Why the columns the study keeps as they are (client ids already pseudonyms…) stay so
    when a source's file is read from ``data_dir`` without an import (the command line's
    ``--keep-reason``); without it such a column gets the gate's default."""
    reader: str | None = None
    """Who reads (the command line's user): a column kept as it is by a read without an import
    is recorded in the audit trail under this name; ``None``: not recorded."""
    notify: Callable[[str], None] | None = None
    """Where what the person should know about a read goes (the command line: stderr), e.g.
    a column kept as it is in the study but read without a reason; ``None``: the log."""

    def __post_init__(self) -> None:
        config.check_apart(self.staging, self.home)

    @classmethod
    def from_config(
        cls, settings: config.Config | None = None, *, data_dir: str | Path | None = None
    ) -> Workspace:
        """The workspace the settings describe (``SEGPROFILE_HOME``, ``SEGPROFILE_KEYS``,
        ``SEGPROFILE_STAGING``, ``SEGPROFILE_ENGINE``); the study's files in ``data_dir``."""
        settings = settings or config.current()
        return cls(
            home=settings.home,
            keys=settings.key_store,
            staging=settings.staging_root,
            data_dir=Path(data_dir).resolve() if data_dir is not None else None,
            engine=settings.engine,
        )

    @classmethod
    def in_folder(
        cls,
        root: str | Path,
        *,
        data_dir: str | Path | None = None,
        engine: str | Engine = "duckdb://",
    ) -> Workspace:
        """Everything under one folder — ``home/``, ``keys/``, ``staging/`` — for tests and
        trials; the study's files are read from ``data_dir`` (default ``root/data``). Nothing
        is written into ``data_dir``."""
        base = Path(root).resolve()
        return cls(
            home=base / "home",
            keys=base / "keys",
            staging=base / "staging",
            data_dir=Path(data_dir).resolve() if data_dir is not None else base / "data",
            engine=engine,
        )

    def reading(self, data_dir: str | Path) -> Workspace:
        """The same workspace, reading the study's files from ``data_dir``."""
        return replace(self, data_dir=Path(data_dir).resolve())

    def key(self, study: Study) -> StudyKey:
        """The study's pseudonym key: where it lives (it is created on first need)."""
        return StudyKey(self.keys, self.key_name or study.id)

    @contextmanager
    def session(self) -> Iterator[Workspace]:
        """This workspace with one engine open for several calls (a Spark session is started
        once, not per call); closed after, unless it was given open."""
        with self.connect() as engine:
            yield replace(self, engine=engine)

    @contextmanager
    def connect(self) -> Iterator[Engine]:
        """The engine for one piece of work: connected from the URL and closed after, or the
        open engine given."""
        if not isinstance(self.engine, str):
            yield self.engine
            return
        from segprofile.data.engine import connect

        engine = connect(self.engine, spill_root=self.staging)
        try:
            yield engine
        finally:
            engine.close()
