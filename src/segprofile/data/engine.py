"""The data engine: Ibis over DuckDB (embedded default) or Apache Spark, with Russian checks.

Client tables stay in the engine. What comes back to Python is counts, aggregates and samples.
Error messages name files, columns and row numbers — never client values.

:func:`connect` takes an engine URL:

* ``duckdb://`` or ``duckdb://:memory:`` — an in-memory DuckDB (the default);
* ``duckdb://NAME.duckdb`` — a DuckDB file under ``$SEGPROFILE_HOME/engine/``;
  ``duckdb:////abs/path.duckdb`` — anywhere;
* ``pyspark://local[N]`` — Spark in local mode with N threads; ``pyspark://spark://HOST:7077``,
  ``pyspark://yarn``, ``pyspark://k8s://https://…`` — a cluster (see ``docs/spark.md``).
  Spark settings go in the query string: ``pyspark://local[2]?spark.driver.memory=2g``.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from contextlib import AbstractContextManager, ExitStack
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl

from segprofile import config
from segprofile.errors import EngineError, InputError, NotFound
from segprofile.model.study import DataFormat, DataSource

if TYPE_CHECKING:  # Ibis is imported when an engine is connected: a missing file fails at once
    import ibis.expr.types as ir

_SUFFIX_FORMAT = {
    ".parquet": DataFormat.parquet,
    ".pq": DataFormat.parquet,
    ".csv": DataFormat.csv,
    ".tsv": DataFormat.csv,
    ".txt": DataFormat.csv,
    ".xlsx": DataFormat.xlsx,
    ".xls": DataFormat.xlsx,
}


@dataclass
class Engine:
    """A connection to the engine that holds client tables."""

    con: Any
    name: str
    # What lives as long as the connection: e.g. the private folder of a raw file read for
    # analysis (closed with the engine).
    _held: ExitStack = field(default_factory=ExitStack, repr=False)

    def hold(self, context: AbstractContextManager[Any]) -> Any:
        """Enter ``context`` for the life of this engine (left when it closes)."""
        return self._held.enter_context(context)

    @classmethod
    def duckdb(
        cls,
        database: str | Path = ":memory:",
        *,
        threads: int | None = None,
        spill_root: Path | None = None,
    ) -> Engine:
        """An embedded DuckDB engine (in memory unless a database file is given).

        What DuckDB spills to disk (large sorts, the temporary table of rows labelled by
        cluster) goes to a private folder in the staging area (``spill_root``, default
        ``$SEGPROFILE_STAGING``), deleted when the engine closes — never DuckDB's default
        ``.tmp`` under whatever folder the process was started in.
        """
        import ibis

        from segprofile.data import staging

        held = ExitStack()
        spill = held.enter_context(staging.work_dir(spill_root, kind="engine"))
        kwargs: dict[str, Any] = {"temp_directory": str(spill)}
        if threads is not None:
            kwargs["threads"] = threads
        try:
            con = ibis.duckdb.connect(str(database), **kwargs)
            # DuckDB draws a progress bar on stdout for long queries: it would mix with ours.
            con.raw_sql("SET enable_progress_bar = false")
        except BaseException:
            held.close()
            raise
        return cls(con=con, name="duckdb", _held=held)

    @classmethod
    def pyspark(cls, master: str = "local[2]", *, config: dict[str, str] | None = None) -> Engine:
        """Apache Spark through Ibis's pyspark backend (``pip install 'segprofile[spark]'``).

        An already running session is reused (``getOrCreate``), so tests and notebooks share one.
        """
        try:
            from pyspark.sql import SparkSession
        except ImportError:
            raise EngineError(
                "Движок Spark не установлен.",
                hint="установите дополнение: pip install 'segprofile[spark]' (нужна Java 17).",
            ) from None
        settings = {
            "spark.sql.shuffle.partitions": "2" if master.startswith("local") else "200",
            "spark.ui.enabled": "false",
            "spark.sql.session.timeZone": "UTC",
            **(config or {}),
        }
        builder = SparkSession.builder.master(master).appName("segprofile")
        for key, value in settings.items():
            builder = builder.config(key, value)
        try:
            session = builder.getOrCreate()
        except Exception as exc:
            raise EngineError(
                f"Не удалось запустить Spark ({master}): {type(exc).__name__}.",
                hint="проверьте, что установлена Java 17 (JAVA_HOME) и адрес кластера доступен.",
            ) from exc
        session.sparkContext.setLogLevel("ERROR")
        import ibis

        return cls(con=ibis.pyspark.connect(session), name="pyspark")

    def close(self) -> None:
        try:
            disconnect = getattr(self.con, "disconnect", None)
            if disconnect is not None:
                disconnect()
        finally:
            self._held.close()


def engine_home() -> Path:
    """Where DuckDB database files named by a relative URL live."""
    return config.current().home / "engine"


def connect(url: str | None = None, *, spill_root: Path | None = None) -> Engine:
    """Connect to the engine named by ``url`` (default: ``$SEGPROFILE_ENGINE``, else DuckDB);
    DuckDB spills into a private folder under ``spill_root`` (default: the staging root)."""
    text = url or config.current().engine
    scheme, sep, rest = text.partition("://")
    if not sep:
        raise InputError(
            f"Адрес движка «{text}» задан неверно.",
            hint="используйте duckdb://ФАЙЛ или pyspark://local[2].",
        )
    rest, _, query = rest.partition("?")
    options = dict(parse_qsl(query))
    if scheme == "duckdb":
        threads = int(options["threads"]) if "threads" in options else None
        if rest in ("", ":memory:"):
            return Engine.duckdb(threads=threads, spill_root=spill_root)
        path = Path(rest)
        if not path.is_absolute():
            path = engine_home() / path
        path.parent.mkdir(parents=True, exist_ok=True)
        return Engine.duckdb(path, threads=threads, spill_root=spill_root)
    if scheme in ("pyspark", "spark"):
        return Engine.pyspark(rest or "local[2]", config=options)
    raise InputError(
        f"Движок «{scheme}» не поддерживается.",
        hint="доступны duckdb:// (по умолчанию) и pyspark://.",
    )


def _type_ru(dtype: Any) -> str:
    """«текстовый», «логический (да/нет)», «дата» — how a column's type is named to people."""
    if dtype.is_string():
        return "текстовый"
    if dtype.is_boolean():
        return "логический (да/нет)"
    if dtype.is_temporal():
        return "с датами"
    return f"типа {dtype}"


@dataclass
class SourceTable:
    """One data source opened in the engine: the Ibis table and where it came from."""

    engine: Engine
    source: DataSource
    path: Path
    table: ir.Table
    _count: int | None = field(default=None, repr=False)
    _sha256: str | None = field(default=None, repr=False)
    version: int | None = None  # the dataset version (segprofile.data.datasets), if stored
    legacy_pseudonyms: bool = False  # its pseudonyms are of an earlier format (Manifest)
    file: str | None = None  # an imported version: the name of the file it was imported from

    @property
    def file_name(self) -> str:
        """The file the data came from as the analyst named it: the uploaded file's name for
        an imported version (as the import stored it: masked if it named a person), never
        the stored ``v3.parquet``; else the file read."""
        return self.file or self.path.name

    @property
    def columns(self) -> list[str]:
        return list(self.table.columns)

    @property
    def described(self) -> str:
        """The data as messages name it: an imported version by its source and number (never
        its internal file name), a file as it is called."""
        title = self.source.title or self.source.id
        if self.version is not None:
            return f"данных «{title}» (загруженная версия {self.version})"
        return f"файле {self.path.name} (источник «{title}»)"

    def count(self) -> int:
        if self._count is None:
            self._count = int(self.table.count().execute())
        return self._count

    def fingerprint(self) -> str:
        """SHA-256 of the file's bytes: the data version recorded in provenance."""
        if self._sha256 is None:
            digest = hashlib.sha256()
            with self.path.open("rb") as handle:
                for chunk in iter(lambda: handle.read(1 << 20), b""):
                    digest.update(chunk)
            self._sha256 = digest.hexdigest()
        return self._sha256

    def require_columns(self, needed: Iterable[tuple[str, str]]) -> None:
        """Raise :class:`InputError` listing every ``(column, what it is for)`` not in the data."""
        have = set(self.table.columns)
        absent = [(col, what) for col, what in needed if col not in have]
        if absent:
            listed = "; ".join(f"«{col}» ({what})" for col, what in absent)
            available = ", ".join(sorted(have))
            raise InputError(
                f"В {self.described} нет столбцов: {listed}.",
                hint=(
                    "выберите в исследовании столбцы, которые есть в данных, или загрузите файл "
                    f"с этими столбцами. Столбцы данных: {available}."
                ),
            )

    def require_range(self, column: str, low: float, high: float) -> None:
        """Every non-missing value of ``column`` is a number within ``[low, high]``."""
        col = self.table[column]
        if not col.type().is_numeric():
            raise InputError(
                f"Столбец «{column}» в {self.described} должен быть числовым "
                f"(оценки от {_num(low)} до {_num(high)}), а он {_type_ru(col.type())}.",
                hint="приведите столбец к числам или укажите в документе другой столбец оценки.",
            )
        bad = col.notnull() & ((col < low) | (col > high))
        n_bad = int(bad.sum().execute())
        if n_bad:
            row = self._first_row_out_of_range(column, low, high)
            where = f" (первая — строка {row})" if row is not None else ""
            raise InputError(
                f"Столбец «{column}» в {self.described}: {n_bad} значений вне шкалы "
                f"{_num(low)}–{_num(high)}{where}.",
                hint=(
                    "исправьте или удалите эти значения (пустое значение означает «нет оценки»), "
                    "либо задайте в настройках удовлетворённости шкалу оценок (scale_min, "
                    "scale_max)."
                ),
            )

    def _first_row_out_of_range(self, column: str, low: float, high: float) -> int | None:
        """1-based data row (header not counted) of the first value outside ``[low, high]``."""
        if self.engine.name != "duckdb" or self.path.suffix.lower() not in (".parquet", ".pq"):
            return None
        numbered = self.engine.con.read_parquet(str(self.path), file_row_number=True)
        col = numbered[column]
        bad = col.notnull() & ((col < low) | (col > high))
        value = numbered.filter(bad).file_row_number.min().execute()
        return None if value is None else int(value) + 1


def _num(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else str(value).replace(".", ",")


def _format_of(source: DataSource, path: Path) -> DataFormat:
    if source.format is not DataFormat.auto:
        return source.format
    fmt = _SUFFIX_FORMAT.get(path.suffix.lower())
    if fmt is None:
        raise InputError(
            f"Не удалось определить формат файла {path.name} (источник «{source.id}»).",
            hint="укажите format в data_sources (parquet или csv) или переименуйте файл.",
        )
    return fmt


def resolve_path(source: DataSource, data_dir: Path) -> Path:
    """The source's file inside ``data_dir``; refuses paths that leave it."""
    base = data_dir.resolve()
    path = (base / source.path).resolve()
    if not path.is_relative_to(base):
        raise InputError(
            f"Путь {source.path} источника «{source.id}» выходит за каталог данных.",
            hint="укажите путь относительно каталога данных, без «..».",
        )
    return path


def source_file(source: DataSource, data_dir: Path) -> Path:
    """The existing file of a data source in ``data_dir`` (a clear error when it is not there)."""
    if not data_dir.is_dir():
        raise NotFound(
            f"Каталог данных {data_dir} не найден.",
            hint="укажите существующий каталог (--data) или сгенерируйте демо-данные командой "
            "segprofile demo-data.",
        )
    path = resolve_path(source, data_dir)
    if not path.is_file():
        raise NotFound(
            f"Файл данных {source.path} (источник «{source.id}») не найден в каталоге {data_dir}.",
            hint="положите файл в каталог данных или исправьте path в data_sources.",
        )
    return path


def open_source(engine: Engine, source: DataSource, data_dir: Path) -> SourceTable:
    """Open a data source's file in the engine (lazily: nothing is read into Python)."""
    path = source_file(source, data_dir)
    fmt = _format_of(source, path)
    try:
        if fmt is DataFormat.parquet:
            table = engine.con.read_parquet(str(path))
        elif fmt is DataFormat.csv:
            table = engine.con.read_csv(str(path))
        else:
            raise InputError(
                f"Формат {fmt.value} файла {path.name} пока не поддерживается для анализа.",
                hint="сохраните данные в Parquet или CSV.",
            )
    except InputError:
        raise
    except Exception as exc:  # noqa: BLE001 — the engine's own errors become a clear message
        kind = type(exc).__name__
        raise InputError(
            f"Не удалось прочитать файл {path.name} (источник «{source.id}»): {kind}.",
            hint="проверьте, что файл не повреждён и соответствует формату "
            f"{fmt.value}; пересохраните его.",
        ) from None
    return SourceTable(engine=engine, source=source, path=path, table=table)


def execute(expr: ir.Expr) -> Any:
    """Run an aggregate expression; engine failures become :class:`EngineError`."""
    try:
        return expr.execute()
    except Exception as exc:
        raise EngineError(f"Ошибка движка данных: {type(exc).__name__}.") from exc
