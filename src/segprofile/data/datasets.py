"""Inspect and import client data: typed, checked, pseudonymised, stored as versioned datasets.

The flow a web upload page follows (and ``segprofile inspect`` / ``segprofile import``):

1. :func:`inspect` — preview rows, inferred types, personal-data findings to confirm, quality.
2. The user confirms or changes types, uses and PII actions; they are kept in the study's
   ``DataSource.columns`` (:class:`~segprofile.model.study.ColumnOverride`).
3. :func:`import_data` — reads the file again, applies the decisions and writes
   ``HOME/datasets/<study>/<source>/v<N>.parquet`` with a manifest ``v<N>.json``. Identifiers
   are pseudonymised inside the engine *before* the Parquet file is written; the file is written
   under a temporary name and renamed when complete, so a failed import leaves the previous
   version as it was. An audit record is appended; the original upload is deleted unless the
   user keeps it.

Nothing logged or raised here contains a client value.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import logging
import os
import re
from collections.abc import Collection, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager, suppress
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import duckdb

from segprofile import __version__
from segprofile.data import masking, privacy, staging
from segprofile.data.privacy import PiiAction, PiiFinding, PiiKind
from segprofile.data.readers import (
    Conversion,
    RawTable,
    ReadOptions,
    display_url,
    is_url,
    open_raw,
    quote_ident,
    quote_literal,
)
from segprofile.data.schema import (
    ColumnType,
    QualityReport,
    is_date_dtype,
    json_value,
    parse_type,
    quality_report,
)
from segprofile.errors import InputError, NotFound
from segprofile.model.study import ColumnOverride, DataFormat, DataSource, DataSourceKind

if TYPE_CHECKING:  # the engine module imports Ibis: not needed to import a file
    from segprofile.data.engine import Engine, SourceTable

log = logging.getLogger(__name__)

PREVIEW_ROWS = 20
PII_SAMPLE = 1000  # non-empty values per column checked for identifiers
_SLUG = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.-]{0,63}$")


def default_home() -> Path:
    """``$SEGPROFILE_HOME`` (the data directory), ``./var`` when unset."""
    return Path(os.environ.get("SEGPROFILE_HOME", "var")).resolve()


# --- Inspection --------------------------------------------------------------------------------


@dataclass
class Inspection:
    """What a file holds, for the user to confirm before import."""

    file: str
    format: str
    details: dict[str, Any]
    quality: QualityReport
    pii: list[PiiFinding]
    preview: list[dict[str, Any]]
    mixed: list[str] = field(default_factory=list)

    @property
    def rows(self) -> int:
        return self.quality.rows

    def to_dict(self, *, mask_pii: bool = True) -> dict[str, Any]:
        """JSON-ready; cells of columns with personal data are masked unless asked otherwise."""
        masked = {f.column for f in self.pii} if mask_pii else set()
        preview = [
            {k: ("•••" if k in masked and v is not None else v) for k, v in row.items()}
            for row in self.preview
        ]
        return {
            "file": self.file,
            "format": self.format,
            "details": self.details,
            "rows": self.rows,
            "quality": self.quality.to_dict(),
            "pii": [f.to_dict() for f in self.pii],
            "preview": preview,
        }


def _findings(
    raw: RawTable,
    dtypes: dict[str, str],
    sample: list[dict[str, Any]],
    overrides: dict[str, ColumnOverride],
) -> list[PiiFinding]:
    out = []
    for col in raw.columns:
        values = [r[col] for r in sample if r[col] is not None and r[col] != ""][:PII_SAMPLE]
        found = privacy.detect_column(col, values, is_date=is_date_dtype(dtypes.get(col, "")))
        ov = overrides.get(col)
        if ov is not None and ov.pii:
            action = privacy.parse_action(ov.pii, col)
            if found is None and action is PiiAction.keep:
                continue
            found = PiiFinding(
                column=col,
                kind=found.kind if found else PiiKind.other,
                by_name=found.by_name if found else False,
                by_content=found.by_content if found else False,
                share=found.share if found else 0.0,
                action=action,
            )
        if found is not None:
            if found.action is PiiAction.generalise and not is_date_dtype(dtypes.get(col, "")):
                raise InputError(
                    f"Столбец «{col}» нельзя обобщить до года: это не дата.",
                    hint="выберите для него drop или pseudonymise.",
                )
            out.append(found)
    return out


def inspect(
    location: str | Path,
    *,
    home: Path | None = None,
    options: ReadOptions | None = None,
    overrides: dict[str, ColumnOverride] | None = None,
    id_column: str | None = None,
) -> Inspection:
    """Read a file (or database table) once and report what it holds; nothing is stored."""
    ov = overrides or {}
    # The raw file's converted copy and spill stay in the staging area, never the data home.
    with staging.work_dir() as work, open_raw(location, work, options) as raw:
        dtypes = raw.dtypes()
        sample = raw.sample()
        pii = _findings(raw, dtypes, sample, ov)
        quality = raw.run(
            lambda: quality_report(
                raw.con, "raw", overrides=ov, id_column=id_column, mixed=raw.mixed
            )
        )
        preview = [{k: json_value(v) for k, v in r.items()} for r in sample[:PREVIEW_ROWS]]
        details = dict(raw.details)
        details.pop("original_names", None)
        log.info(
            "inspected %s: %d rows, %d columns, %d with personal data",
            raw.format,
            quality.rows,
            len(raw.columns),
            len(pii),
        )
        return Inspection(
            file=raw.name,
            format=raw.format,
            details=details,
            quality=quality,
            pii=pii,
            preview=preview,
            mixed=sorted(raw.mixed),
        )


# --- Versions ----------------------------------------------------------------------------------


@dataclass
class Manifest:
    """One stored version of a data source: what was read, what was done, what was written."""

    study_id: str
    source_id: str
    version: int
    created_at: str
    author: str
    file: str
    file_format: str
    file_sha256: str | None
    file_bytes: int | None
    details: dict[str, Any]
    rows: int
    sha256: str
    parquet: str
    columns: list[dict[str, Any]]
    pii: list[dict[str, Any]]
    key_id: str | None
    quality: dict[str, Any]
    original_deleted: bool
    segprofile_version: str = __version__
    pseudonym_format: str | None = None  # privacy.PSEUDONYM_FORMAT when a column has pseudonyms
    masked: dict[str, int] = field(default_factory=dict)  # masking.KINDS → masked in texts

    @property
    def legacy_pseudonyms(self) -> bool:
        """Pseudonyms of an earlier format: they do not match what imports give now."""
        pseudonymised = any(
            c.get("pii_action") == PiiAction.pseudonymise.value for c in self.columns
        )
        return pseudonymised and self.pseudonym_format != privacy.PSEUDONYM_FORMAT

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Manifest:
        return cls(**data)


def _slug(value: str, what: str) -> str:
    if not _SLUG.match(value):
        raise InputError(
            f"Недопустимый идентификатор {what}: «{value}».",
            hint="латиница, цифры, «_», «-», «.», не длиннее 64 символов.",
        )
    return value


def dataset_dir(home: Path, study_id: str, source_id: str) -> Path:
    return (
        home / "datasets" / _slug(study_id, "исследования") / _slug(source_id, "источника данных")
    )


@contextmanager
def _locked(directory: Path) -> Iterator[None]:
    directory.mkdir(parents=True, exist_ok=True)
    with (directory / ".lock").open("w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _versions(directory: Path) -> list[int]:
    out = []
    for path in directory.glob("v*.json"):
        m = re.fullmatch(r"v(\d+)\.json", path.name)
        if m and (directory / f"v{m.group(1)}.parquet").is_file():
            out.append(int(m.group(1)))
    return sorted(out)


def list_versions(home: Path, study_id: str, source_id: str) -> list[Manifest]:
    """Every stored version of a source, oldest first."""
    directory = dataset_dir(home, study_id, source_id)
    if not directory.is_dir():
        return []
    return [_read_manifest(directory, v) for v in _versions(directory)]


def _read_manifest(directory: Path, version: int) -> Manifest:
    path = directory / f"v{version}.json"
    return Manifest.from_dict(json.loads(path.read_text(encoding="utf-8")))


def get_version(home: Path, study_id: str, source_id: str, version: int | None = None) -> Manifest:
    """A stored version (the latest when ``version`` is None)."""
    directory = dataset_dir(home, study_id, source_id)
    versions = _versions(directory) if directory.is_dir() else []
    if not versions:
        raise NotFound(
            f"Для источника «{source_id}» исследования «{study_id}» данные ещё не загружены.",
            hint="загрузите файл: segprofile import ФАЙЛ --study … --source " + source_id + ".",
        )
    chosen = versions[-1] if version is None else version
    if chosen not in versions:
        listed = ", ".join(str(v) for v in versions)
        raise NotFound(
            f"Версии {chosen} источника «{source_id}» нет.", hint=f"есть версии: {listed}."
        )
    return _read_manifest(directory, chosen)


def version_path(home: Path, manifest: Manifest) -> Path:
    return dataset_dir(home, manifest.study_id, manifest.source_id) / manifest.parquet


def delete_version(home: Path, study_id: str, source_id: str, version: int, *, user: str) -> None:
    """Delete one version on purpose (the others stay); recorded in the audit trail."""
    manifest = get_version(home, study_id, source_id, version)
    directory = dataset_dir(home, study_id, source_id)
    with _locked(directory):
        (directory / f"v{version}.json").unlink(missing_ok=True)
        (directory / f"v{version}.parquet").unlink(missing_ok=True)
    privacy.write_audit(
        home,
        privacy.AuditRecord(
            time=privacy.now_iso(),
            user=user,
            event="delete_version",
            study_id=study_id,
            source_id=source_id,
            file=manifest.file,
            file_sha256=manifest.file_sha256,
            version=version,
            rows=manifest.rows,
        ),
    )


def open_version(
    engine: Engine,
    home: Path,
    study_id: str,
    source: DataSource,
    version: int | None = None,
) -> SourceTable:
    """Open a stored version in the engine (DuckDB or Spark) for analysis."""
    from segprofile.data.engine import SourceTable

    manifest = get_version(home, study_id, source.id, version)
    path = version_path(home, manifest)
    table = engine.con.read_parquet(str(path))
    return SourceTable(
        engine=engine,
        source=source,
        path=path,
        table=table,
        _count=manifest.rows,
        _sha256=manifest.sha256,
        version=manifest.version,
        legacy_pseudonyms=manifest.legacy_pseudonyms,
    )


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


# --- Import ------------------------------------------------------------------------------------


@dataclass
class ImportResult:
    manifest: Manifest
    quality: QualityReport
    pii: list[PiiFinding]
    path: Path


def _apply_type_overrides(
    raw: RawTable, dtypes: dict[str, str], overrides: dict[str, ColumnOverride]
) -> None:
    for col, ov in overrides.items():
        if not ov.type or col not in raw.columns:
            continue
        wanted = parse_type(ov.type, col)
        dtype = dtypes.get(col, "").upper()
        if wanted in (ColumnType.categorical, ColumnType.identifier, ColumnType.text):
            if dtype != "VARCHAR":
                raw.conversions.pop(col, None)
                source = raw.source_columns[raw.columns.index(col)]
                raw.extra[col] = f"CAST({quote_ident(source)} AS VARCHAR)"
        elif dtype == "VARCHAR" or col in raw.conversions:
            kind = {ColumnType.numeric: "number", ColumnType.boolean: "bool"}.get(wanted, "date")
            raw.conversions[col] = Conversion(kind, strict=True)


def _select_sql(
    columns: list[str],
    findings: list[PiiFinding],
    *,
    compiled: privacy.Compiled | None = None,
    texts: Collection[str] = (),
) -> tuple[str, list[dict[str, Any]]]:
    """The query that writes the dataset: identifiers cleaned, made canonical, then hashed.

    With ``compiled`` (after :func:`privacy.register_pseudonym_functions`) one compiled
    function per identifier does all three steps; otherwise the three steps sit in nested
    selects of SQL so that the engine computes each once per row. Columns in ``texts`` are
    masked (:func:`masking.register_mask_function` must be registered).
    """
    by_col = {f.column: f for f in findings}
    exprs, meta, cleaned, canonical = [], [], [], []
    for i, col in enumerate(columns):
        c = quote_ident(col)
        found = by_col.get(col)
        if (found is None or found.action is PiiAction.keep) and col in texts:
            exprs.append(f"{masking.mask_sql(c)} AS {c}")
            meta.append({"name": col, "original_name": col, "masked": True})
            continue
        if found is None or found.action is PiiAction.keep:
            exprs.append(c)
            meta.append({"name": col, "original_name": col})
            continue
        info = {"original_name": col, "pii_kind": found.kind.value, "pii_action": found.action}
        if found.action is PiiAction.drop:
            continue
        if found.action is PiiAction.pseudonymise and compiled:
            exprs.append(f"{privacy.pseudonym_udf_sql(found.kind, c, compiled)} AS {c}")
            meta.append({"name": col, **info})
        elif found.action is PiiAction.pseudonymise:
            step1, step2 = quote_ident(f"__segprofile_c{i}"), quote_ident(f"__segprofile_n{i}")
            cleaned.append(f"{privacy.clean_sql(found.kind, c)} AS {step1}")
            canonical.append(f"{privacy.canonical_sql(found.kind, step1)} AS {step2}")
            exprs.append(f"{privacy.hmac_sql(found.kind, step2)} AS {c}")
            meta.append({"name": col, **info})
        else:  # generalise: year of birth
            name = f"{col} (год)"
            exprs.append(f"CAST(year(CAST({c} AS DATE)) AS INTEGER) AS {quote_ident(name)}")
            meta.append({"name": name, **info})
    if not exprs:
        raise InputError(
            "После удаления персональных данных в файле не осталось столбцов.",
            hint="оставьте хотя бы один столбец или замените идентификаторы псевдонимами.",
        )
    source = "raw"
    if cleaned:
        source = f"(SELECT *, {', '.join(cleaned)} FROM raw)"  # noqa: S608 — quoted identifiers
        source = f"(SELECT *, {', '.join(canonical)} FROM {source})"  # noqa: S608
    return f"SELECT {', '.join(exprs)} FROM {source}", meta  # noqa: S608 — quoted identifiers


def _text_columns(
    raw: RawTable,
    sample: list[dict[str, Any]],
    decisions: dict[str, ColumnOverride],
    findings: list[PiiFinding],
) -> list[str]:
    """Text columns to mask: all but those dropped, pseudonymised, generalised or kept raw."""
    skip = {f.column for f in findings if f.action is not PiiAction.keep}
    skip |= {c for c, ov in decisions.items() if ov.pii and ov.pii.strip().lower() == "keep"}
    first = f"(SELECT * FROM raw LIMIT {max(len(sample), 1):d})"  # noqa: S608 — a number
    return masking.import_text_columns(raw.con, first, sample, decisions, skip)


def import_data(
    location: str | Path,
    *,
    study_id: str,
    source: DataSource,
    author: str,
    home: Path | None = None,
    options: ReadOptions | None = None,
    overrides: dict[str, ColumnOverride] | None = None,
    keep_original: bool | None = None,
) -> ImportResult:
    """Read, pseudonymise and store one file (or database table) as a new dataset version.

    ``overrides`` (column → decision) are applied over ``source.columns``. The previous
    versions are never touched; on any failure nothing of this import remains.
    """
    root = home or default_home()
    decisions = {**source.columns, **(overrides or {})}
    directory = dataset_dir(root, study_id, source.id)
    directory.mkdir(parents=True, exist_ok=True)
    keep = source.keep_original if keep_original is None else keep_original
    url = is_url(location)
    file_name = display_url(str(location)) if url else Path(location).name
    tmp = directory / f".import-{os.getpid()}-{os.urandom(6).hex()}.parquet"
    original = None if url else Path(location)
    # The checksums are read in threads beside the engine (hashlib lets go of the GIL): the
    # file's while it is read and written, the version's while its quality is reported.
    hashing = ThreadPoolExecutor(max_workers=2, thread_name_prefix="segprofile-sha256")
    file_digest = hashing.submit(_sha256, original) if original is not None else None
    try:
        with staging.work_dir() as work, open_raw(location, work, options) as raw:
            dtypes = raw.dtypes()
            _apply_type_overrides(raw, dtypes, decisions)
            dtypes = raw.dtypes()
            sample = raw.sample()
            findings = _findings(raw, dtypes, sample, decisions)
            key_id = None
            compiled = None
            if any(f.action is PiiAction.pseudonymise for f in findings):
                key = privacy.load_key(root)
                key_id = privacy.key_id(key)
                privacy.set_key_variables(raw.con, key)
                compiled = privacy.register_pseudonym_functions(raw.con, key)
            texts = raw.run(lambda: _text_columns(raw, sample, decisions, findings))
            tally = masking.register_mask_function(raw.con) if texts else None
            select, meta = _select_sql(raw.columns, findings, compiled=compiled, texts=texts)
            target = quote_literal(str(tmp))
            # Row order is not kept in the stored version: it lets the engine stream a file of
            # any size into Parquet within its memory limit.
            raw.con.execute("SET preserve_insertion_order = false")
            raw.run(
                lambda: raw.con.execute(
                    f"COPY ({select}) TO {target} (FORMAT parquet, ROW_GROUP_SIZE 122880)"
                )
            )
            details = dict(raw.details)
            details.pop("original_names", None)
            file_format = raw.format
            kept = [f.column for f in findings if f.action is PiiAction.keep]
            version_digest = hashing.submit(_sha256, tmp)
            # The same private connection (memory limit, spill directory) reads what was written.
            quality = _quality_of_parquet(
                raw.con, tmp, decisions, source.id_column, set(raw.mixed), kept, meta
            )
        digest = version_digest.result()
        file_sha = file_digest.result() if file_digest is not None else None
        file_bytes = original.stat().st_size if original is not None else None
        profiles = {c.name: c.to_dict() for c in quality.columns}
        columns = [{**profiles.get(m["name"], {}), **m} for m in meta]
        for c in columns:
            if isinstance(c.get("pii_action"), PiiAction):
                c["pii_action"] = c["pii_action"].value
        with _locked(directory):
            version = max(_versions(directory), default=0) + 1
            final = directory / f"v{version}.parquet"
            os.replace(tmp, final)
            manifest = Manifest(
                study_id=study_id,
                source_id=source.id,
                version=version,
                created_at=privacy.now_iso(),
                author=author,
                file=file_name,
                file_format=file_format,
                file_sha256=file_sha,
                file_bytes=file_bytes,
                details=details,
                rows=quality.rows,
                sha256=digest,
                parquet=final.name,
                columns=columns,
                pii=[f.to_dict() for f in findings],
                key_id=key_id,
                quality=quality.to_dict(),
                original_deleted=False,
                pseudonym_format=privacy.PSEUDONYM_FORMAT if key_id is not None else None,
                masked=tally.counts if tally is not None else {},
            )
            _write_json(directory / f"v{version}.json", manifest.to_dict())
    except BaseException:
        hashing.shutdown(wait=True, cancel_futures=True)
        tmp.unlink(missing_ok=True)
        raise
    hashing.shutdown(wait=False)
    deleted = False
    if original is not None and not keep:
        with suppress(FileNotFoundError):
            original.unlink()
            deleted = True
        if deleted:
            manifest.original_deleted = True
            _write_json(directory / f"v{manifest.version}.json", manifest.to_dict())
    privacy.write_audit(
        root,
        privacy.AuditRecord(
            time=manifest.created_at,
            user=author,
            event="import",
            study_id=study_id,
            source_id=source.id,
            file=file_name,
            file_sha256=file_sha,
            version=manifest.version,
            rows=manifest.rows,
            columns=[
                {"column": f.column, "kind": f.kind.value, "action": f.action.value}
                for f in findings
            ]
            + [
                {"column": col, "kind": None, "action": f"type:{ov.type}"}
                for col, ov in decisions.items()
                if ov.type
            ]
            + [{"column": col, "kind": "text", "action": "mask"} for col in texts],
            original_deleted=deleted,
            key_id=key_id,
        ),
    )
    log.info(
        "imported %s as version %d: %d rows, %d columns with personal data",
        file_format,
        manifest.version,
        manifest.rows,
        len(findings),
    )
    return ImportResult(
        manifest=manifest, quality=quality, pii=findings, path=directory / manifest.parquet
    )


def _quality_of_parquet(
    con: duckdb.DuckDBPyConnection,
    path: Path,
    decisions: dict[str, ColumnOverride],
    id_column: str | None,
    mixed: set[str],
    kept: list[str],
    meta: list[dict[str, Any]],
) -> QualityReport:
    relation = f"read_parquet({quote_literal(str(path))})"
    pseudonymised = {m["name"] for m in meta if m.get("pii_action") is PiiAction.pseudonymise}
    ov = dict(decisions)
    for name in pseudonymised:
        ov.setdefault(name, ColumnOverride(type="identifier", use="id"))
    return quality_report(
        con, relation, overrides=ov, id_column=id_column, mixed=mixed, kept_pii=kept, parquet=path
    )


def _write_json(path: Path, data: dict[str, Any]) -> None:
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(json.dumps(data, ensure_ascii=False, indent=2, default=str), encoding="utf-8")
    os.replace(tmp, path)


def adhoc_source(source_id: str = "records") -> DataSource:
    """A data source description for a file imported without a study document."""
    return DataSource(
        id=source_id, kind=DataSourceKind.client_records, path="-", format=DataFormat.auto
    )
