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
import time
from collections.abc import Callable, Collection, Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager, suppress
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

import duckdb

from segprofile import __version__, config
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
    stored_text,
    stored_text_sql,
)
from segprofile.data.schema import (
    ColumnType,
    ColumnUse,
    QualityReport,
    copy_parquet,
    id_columns,
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
    return config.current().home


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
    # The text columns the import masks (:func:`_text_columns`) → what the sample's values hold:
    # ``checked`` values, ``with_data`` of them with personal data inside, its ``kinds``
    # (masking.KINDS) and the ``placeholders`` that replace them. Counts only, never a value.
    texts: dict[str, dict[str, Any]] = field(default_factory=dict)
    # Column → the preview rows whose value occurs in fewer than ``min_cell`` rows of the whole
    # file (:func:`rare_cells`): shown as :data:`privacy.RARE`. Indexes only, never a value.
    rare: dict[str, list[int]] = field(default_factory=dict)
    min_cell: int = 1

    @property
    def rows(self) -> int:
        return self.quality.rows

    def masked_columns(self) -> set[str]:
        """Columns never shown raw (:func:`privacy.hidden_in_preview`), and the texts the import
        masks: a comment may hold a phone."""
        personal = {f.column for f in self.pii} | set(self.texts)
        return personal | {
            col.name
            for col in self.quality.columns
            if privacy.hidden_in_preview(col.type, col.use, personal=col.name in personal)
        }

    def to_dict(self, *, mask_pii: bool = True) -> dict[str, Any]:
        """JSON-ready; the cells, minimum and maximum of the :meth:`masked_columns` are hidden
        unless asked otherwise (the smallest birth date is one person's birth date)."""
        masked = self.masked_columns() if mask_pii else set()
        preview = privacy.mask_preview(self.preview, masked, self.rare if mask_pii else None)
        quality = self.quality.to_dict()
        for col in quality["columns"]:
            if col["name"] in masked:
                col["min"] = col["max"] = None
        return {
            "file": self.file,
            "format": self.format,
            "details": self.details,
            "rows": self.rows,
            "quality": quality,
            "pii": [f.to_dict() for f in self.pii],
            "texts": self.texts,
            "preview": preview,
        }


def _texts_found(columns: list[str], sample: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """What the sampled values of the text columns an import masks hold (counts, no value)."""
    out = {}
    for col in columns:
        # The values as the import masks them: without the spaces around them, blanks none.
        values = [str(v) for r in sample if (v := stored_text(r[col])) is not None]
        found = [masking.mask_personal_data(v).counts for v in values[:PII_SAMPLE]]
        kinds = [k for k in masking.KINDS if any(c.get(k) for c in found)]
        with_data = sum(1 for c in found if any(c.values()))
        out[col] = {
            "checked": len(found),
            "with_data": with_data,
            "kinds": kinds,
            "placeholders": [masking.PLACEHOLDERS[k] for k in kinds],
        }
    return out


def rare_cells(
    con: duckdb.DuckDBPyConnection,
    rows: list[dict[str, Any]],
    columns: Collection[str],
    min_cell: int,
    people: Collection[str] = (),
    *,
    run: Callable[[Callable[[], Any]], Any] | None = None,
) -> dict[str, list[int]]:
    """The cells of ``rows`` (a preview's, as read) whose value occurs in fewer than
    ``min_cell`` rows of the whole file (the view ``raw`` of ``con``), by column: beside the
    only press officer's department his trips are his, beside the only respondent of a village
    their answers are theirs. One scan counts each value the rows show of ``columns``,
    compared as the import stores it (text without the spaces around it, :func:`_select_sql`).
    With client or respondent id columns (``people``) a value is counted in different people,
    by the id giving the fewest: the press officer's 18 trips are one person. ``run`` runs the
    scan (a raw file's :meth:`RawTable.run`). Should the count fail, every such cell is rare.
    Indexes only, never a value: :func:`privacy.mask_preview` shows them as
    :data:`privacy.RARE`. The one rule of every preview of a file's rows."""

    wanted = list(
        dict.fromkeys(
            (col, stored_text(r.get(col)))
            for col in columns
            for r in rows
            if stored_text(r.get(col)) is not None
        )
    )
    if min_cell <= 1 or not wanted:
        return {}
    measures = ["*", *(f"DISTINCT {quote_ident(p)}" for p in sorted(people))]
    counts = ", ".join(
        f"least({', '.join(f'count({m}) FILTER (WHERE {cond})' for m in measures)})"
        for cond in (
            f"{stored_text_sql(f'CAST({quote_ident(col)} AS VARCHAR)')} = ${i + 1}"
            if isinstance(value, str)
            else f"{quote_ident(col)} = ${i + 1}"
            for i, (col, value) in enumerate(wanted)
        )
    )

    def count() -> tuple[Any, ...] | None:
        try:
            return con.execute(f"SELECT {counts} FROM raw", [v for _, v in wanted]).fetchone()  # noqa: S608 — identifiers quoted, values are parameters
        except (duckdb.Error, TypeError, ValueError) as exc:  # a value the engine cannot bind
            log.warning(
                "rare values not counted (%s): the preview hides them all", type(exc).__name__
            )
            return None

    found = count() if run is None else run(count)
    few = {w for i, w in enumerate(wanted) if found is None or found[i] < min_cell}
    out: dict[str, list[int]] = {}
    for col in columns:
        cells = [i for i, r in enumerate(rows) if (col, stored_text(r.get(col))) in few]
        if cells:
            out[col] = cells
    return out


def _contacts(findings: list[PiiFinding]) -> set[str]:
    """The columns of phones, e-mails, names… that are no client identifier: never the one the
    quality report checks for repeats, before the import (:func:`inspect`) and after it."""
    return {f.column for f in findings if f.kind in privacy.NOT_CLIENT_IDS and not f.client_id}


def _as_hashed(dtypes: Mapping[str, str], findings: list[PiiFinding]) -> dict[str, str]:
    """The columns the import replaces by pseudonyms → the SQL of the form it hashes
    (:func:`_select_sql`), for the quality report of the file before the import: «123-456-789
    01» and «12345678901» are one СНИЛС, one client, as after it. A column of numbers is its
    own form (its repeats are counted on the numbers, by bitmap)."""
    return {
        f.column: privacy.canonical_sql(f.kind, privacy.clean_sql(f.kind, quote_ident(f.column)))
        if dtypes.get(f.column, "").upper() == "VARCHAR"
        else quote_ident(f.column)
        for f in findings
        if f.action is PiiAction.pseudonymise
    }


def _personal_texts(found: Mapping[str, Mapping[str, Any]]) -> set[str]:
    """The text columns with personal data inside their sampled values (:func:`_texts_found`):
    free text for the quality report, whatever their phrasings (:func:`schema.quality_report`)."""
    return {col for col, what in found.items() if what.get("with_data")}


def _findings(
    columns: list[str],
    dtypes: dict[str, str],
    sample: list[dict[str, Any]],
    overrides: dict[str, ColumnOverride],
    id_columns: Collection[str] = (),
) -> list[PiiFinding]:
    """The personal data of a table and what the import does with it.

    The one rule for a client id column (``id_columns``: the source's ``id_column``, the
    study's client id where the file has it, and the columns the inspection takes for
    identifiers, see :func:`client_id_columns`): it is personal data — an application number
    links a record to one person — and is pseudonymised by default
    (:func:`privacy.client_id_finding`), on every side that joins by it. A decision of the
    analyst (``overrides[...].pii``) wins, as for any column.
    """
    out = []
    ids = set(id_columns)
    for col in columns:
        values = [r[col] for r in sample if r[col] is not None and r[col] != ""][:PII_SAMPLE]
        found = privacy.detect_column(col, values, is_date=is_date_dtype(dtypes.get(col, "")))
        if col in ids:
            found = privacy.client_id_finding(col, found)
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
                client_id=found.client_id if found else False,
            )
        if found is not None:
            if found.action is PiiAction.generalise and not is_date_dtype(dtypes.get(col, "")):
                raise InputError(
                    f"Столбец «{col}» нельзя обобщить до года: это не дата.",
                    hint="выберите для него drop или pseudonymise.",
                )
            out.append(found)
    return out


def client_id_columns(
    raw: RawTable,
    sample: list[dict[str, Any]],
    decisions: dict[str, ColumnOverride],
    named: Collection[str | None] = (),
    *,
    source: DataSource | None = None,
) -> set[str]:
    """The client id columns of a file being read: those ``named`` (the source's and the
    study's id column) that it has, and those the inspection's rule (:func:`schema.id_columns`,
    with the analyst's types and uses) takes for identifiers in its first rows — except in a
    population table (``source``), whose rows are groups of people and whose whole numbers are
    counts, however distinct, and except columns of phones, e-mails, names, addresses or birth
    dates (:func:`privacy.may_be_client_id`): they are personal data of their own kind."""
    found = {c for c in named if c in raw.columns}
    if source is not None and source.kind is DataSourceKind.population:
        return found
    first = f"(SELECT * FROM raw LIMIT {max(len(sample), 1):d})"  # noqa: S608 — a number
    detected = raw.run(lambda: id_columns(raw.con, first, decisions))
    chosen = {c for c, ov in decisions.items() if ov.use}  # the analyst's «id» stands
    return found | {
        c
        for c in detected
        if c in chosen
        or privacy.may_be_client_id(c, [r[c] for r in sample if r[c] is not None][:PII_SAMPLE])
    }


def inspect(
    location: str | Path,
    *,
    options: ReadOptions | None = None,
    overrides: dict[str, ColumnOverride] | None = None,
    id_column: str | None = None,
    staging_root: Path | None = None,
    client_ids: Collection[str | None] = (),
    min_cell: int = 1,
) -> Inspection:
    """Read a file (or database table) once and report what it holds; nothing is stored.

    ``id_column`` and ``client_ids`` (the study's client id column) name client id columns:
    pseudonymised by default, as the import does (:func:`_findings`). ``staging_root``: the
    staging area the raw file is read in (default: the settings'). The preview's values of
    fewer than ``min_cell`` rows (the study's smallest group shown) are marked rare
    (:attr:`Inspection.rare`)."""
    ov = overrides or {}
    # The raw file's converted copy and spill stay in the staging area, never the data home.
    with staging.work_dir(staging_root) as work, open_raw(location, work, options) as raw:
        dtypes = raw.dtypes()
        # The types the person chose, as the import applies them: a value that does not fit is
        # said here, on the check page, not first when the file is imported.
        _apply_type_overrides(raw, dtypes, ov)
        dtypes = raw.dtypes()
        sample = raw.sample()
        ids = client_id_columns(raw, sample, ov, [id_column, *client_ids])
        pii = _findings(raw.columns, dtypes, sample, ov, ids)
        # Nor is such a column the file's identifier the quality report checks for repeats.
        contacts = _contacts(pii)
        texts = _texts_found(_text_columns(raw, sample, ov, pii), sample)
        quality = raw.run(
            lambda: quality_report(
                raw.con,
                "raw",
                hashed=_as_hashed(dtypes, pii),
                overrides=ov,
                id_column=id_column,
                not_ids=contacts,
                mixed=raw.mixed,
                coerced=raw.coerced,
                summary_words=raw.details.get("summary_words", ()),
                personal_texts=_personal_texts(texts),
            )
        )
        # Nor is it shown as one: kept as is, its values are no use for linking records.
        for col in quality.columns:
            if col.name in contacts and col.use is ColumnUse.id and not col.overridden:
                col.use = ColumnUse.none
        # The values as the import stores them: «  Отдел кадров » is «Отдел кадров», «   » none.
        preview = [
            {k: json_value(stored_text(v)) for k, v in r.items()} for r in sample[:PREVIEW_ROWS]
        ]
        details = dict(raw.details)
        details.pop("original_names", None)
        log.info(
            "inspected %s: %d rows, %d columns, %d with personal data",
            raw.format,
            quality.rows,
            len(raw.columns),
            len(pii),
        )
        inspection = Inspection(
            file=raw.name,
            format=raw.format,
            details=details,
            quality=quality,
            pii=pii,
            preview=preview,
            mixed=sorted(raw.mixed),
            texts=texts,
            min_cell=min_cell,
        )
        # Numbers and dates stay: a value of a few rows among the categories names a group.
        masked = inspection.masked_columns()
        shown = [
            c.name
            for c in quality.columns
            if c.type not in (ColumnType.numeric, ColumnType.date) and c.name not in masked
        ]
        # People are counted by the client ids and by every column stored as a pseudonym (a
        # respondent's СНИЛС on each of their rows), as the survey's preview counts them.
        people = ids | {f.column for f in pii if f.action is PiiAction.pseudonymise}
        inspection.rare = rare_cells(
            raw.con, sample[:PREVIEW_ROWS], shown, min_cell, people, run=raw.run
        )
        return inspection


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


def _next_version(home: Path, directory: Path, study_id: str, source_id: str) -> int:
    """The number of a source's new version: the highest ever issued + 1, never a deleted
    version's — a profile citing «версия 1» names one file only. Issued numbers are those of
    the stored versions and those the audit trail names (every import and deletion records
    its version), so a number stays taken after its version is deleted. Called under the
    source's lock."""
    issued = [
        r.version
        for r in privacy.read_audit(home, study_id=study_id, source_id=source_id)
        if r.version is not None
    ]
    return max([*_versions(directory), *issued], default=0) + 1


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
        file=manifest.file,
    )


def open_raw_source(
    engine: Engine,
    home: Path,
    study_id: str,
    source: DataSource,
    data_dir: Path,
    key: privacy.StudyKey | None = None,
    staging_root: Path | None = None,
    client_ids: Collection[str | None] = (),
    keep_reasons: Mapping[str, str] | None = None,
    notify: Callable[[str], None] | None = None,
    reader: str | None = None,
) -> SourceTable:
    """A source's file read for analysis without an import, through the gate's own steps.

    The file is read as an import reads it (encodings, delimiters, header rows, sheets, the
    limits of :mod:`~segprofile.data.readers`), its personal data dropped, generalised or
    pseudonymised (the study's key; a column kept as it is only with its reason in
    ``keep_reasons``, see :func:`_check_keep_reasons`; a saved keep without one is told to
    ``notify``) and its free texts masked by the import's SQL (:func:`_select_sql`) into a
    private work folder of the staging area — never stored as a version. The engine (DuckDB or
    Spark) reads that copy; the folder goes when it closes. With ``reader`` (who runs it) the
    columns kept as they are, with their reasons, are recorded in the audit trail
    (``keep_personal_data``), as an import records them.
    """
    from segprofile.data.engine import SourceTable, source_file

    path = source_file(source, data_dir)
    work = engine.hold(staging.work_dir(staging_root))
    target = work / "depersonalised.parquet"
    decisions = dict(source.columns)
    with open_raw(path, work / "read") as raw:
        dtypes = raw.dtypes()
        _apply_type_overrides(raw, dtypes, decisions)
        dtypes = raw.dtypes()
        sample = raw.sample()
        ids = client_id_columns(
            raw, sample, decisions, [source.id_column, *client_ids], source=source
        )
        findings = _findings(raw.columns, dtypes, sample, decisions, ids)
        findings = _check_keep_reasons(
            findings, keep_reasons or {}, dtypes, source=source, notify=notify
        )
        findings = _stable_kinds(home, study_id, findings)
        if any(f.action is PiiAction.pseudonymise for f in findings):
            secret, _ = study_key(home, study_id, key)
            privacy.set_key_variables(raw.con, secret)
        texts = raw.run(lambda: _text_columns(raw, sample, decisions, findings))
        if texts:
            masking.register_mask_function(raw.con)
        select, _ = _select_sql(
            raw.columns, findings, texts=texts, trimmed=_varchar_columns(dtypes)
        )
        raw.con.execute("SET preserve_insertion_order = false")
        raw.run(
            lambda: raw.con.execute(
                f"COPY ({select}) TO {quote_literal(str(target))} (FORMAT parquet)"
            )
        )
    kept = [
        {"column": f.column, "kind": f.kind.value, "action": f.action.value, "reason": reason}
        for f in findings
        if f.action is PiiAction.keep and (reason := (keep_reasons or {}).get(f.column, "").strip())
    ]
    if reader is not None and kept:
        privacy.write_audit(
            home,
            privacy.AuditRecord(
                time=privacy.now_iso(),
                user=reader,
                event="keep_personal_data",
                study_id=study_id,
                source_id=source.id,
                file=masking.mask_file_name(path.name),
                columns=kept,
            ),
        )
    log.info(
        "source %s read from its file: %d columns with personal data, %d texts masked",
        source.id,
        len(findings),
        len(texts),
    )
    return SourceTable(
        engine=engine, source=source, path=path, table=engine.con.read_parquet(str(target))
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
        else:
            kind = {ColumnType.numeric: "number", ColumnType.boolean: "bool"}.get(wanted, "date")
            guessed = raw.conversions.get(col)
            if kind == "number" and guessed is not None and guessed.kind == "integer":
                kind = "integer"  # whole numbers stay whole (a fraction later widens them)
            raw.chosen[col] = kind
            if dtype == "VARCHAR" or col in raw.conversions:
                raw.conversions[col] = Conversion(kind, strict=True)


def _select_sql(
    columns: list[str],
    findings: list[PiiFinding],
    *,
    relation: str = "raw",
    texts: Collection[str] = (),
    trimmed: Collection[str] = (),
) -> tuple[str, list[dict[str, Any]]]:
    """The query that depersonalises ``relation``: identifiers cleaned, made canonical, hashed.

    The one place where the decisions on columns become SQL — for imports, for raw files read
    for analysis and for re-identification. The three steps of a pseudonym sit in nested
    selects so that the engine computes each once per row (the key is in the connection's
    variables: :func:`privacy.set_key_variables`). Columns in ``texts``
    are masked (:func:`masking.register_mask_function` must be registered). Text columns in
    ``trimmed`` are stored without the spaces around their values (a blank one is missing):
    «Отдел кадров » and «Отдел кадров» are one segment, on every engine that reads the version.
    """
    by_col = {f.column: f for f in findings}
    exprs, meta, cleaned, canonical = [], [], [], []
    for i, col in enumerate(columns):
        c = quote_ident(col)
        found = by_col.get(col)
        value = stored_text_sql(c) if col in trimmed else c
        if (found is None or found.action is PiiAction.keep) and col in texts:
            exprs.append(f"{masking.mask_sql(value)} AS {c}")
            meta.append({"name": col, "original_name": col, "masked": True})
            continue
        if found is None or found.action is PiiAction.keep:
            exprs.append(c if value == c else f"{value} AS {c}")
            meta.append({"name": col, "original_name": col})
            continue
        info = {"original_name": col, "pii_kind": found.kind.value, "pii_action": found.action}
        if found.action is PiiAction.drop:
            continue
        if found.action is PiiAction.pseudonymise:
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
    source = relation
    if cleaned:
        source = f"(SELECT *, {', '.join(cleaned)} FROM {relation})"  # noqa: S608 — quoted identifiers
        source = f"(SELECT *, {', '.join(canonical)} FROM {source})"  # noqa: S608
    return f"SELECT {', '.join(exprs)} FROM {source}", meta  # noqa: S608 — quoted identifiers


def _varchar_columns(dtypes: Mapping[str, str]) -> list[str]:
    """The columns of text (VARCHAR) among ``dtypes``."""
    return [col for col, dtype in dtypes.items() if dtype.upper() == "VARCHAR"]


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


def recorded_key_id(home: Path, study_id: str) -> str | None:
    """The key id of the study's newest stored version that has pseudonyms (``None``: none)."""
    base = home / "datasets" / _slug(study_id, "исследования")
    newest: tuple[str, int, str] | None = None
    for path in base.glob("*/v*.json") if base.is_dir() else []:
        with suppress(OSError, ValueError, KeyError):
            data = json.loads(path.read_text(encoding="utf-8"))
            if data.get("key_id") and (path.with_suffix(".parquet")).is_file():
                # created_at has whole seconds; the manifest's write time orders within one.
                stamp = (str(data["created_at"]), path.stat().st_mtime_ns, str(data["key_id"]))
                newest = max(newest or stamp, stamp)
    return newest[2] if newest else None


def key_ref(home: Path, study_id: str, key: privacy.StudyKey | None = None) -> privacy.StudyKey:
    """``key``, or the study's key in the default key store; refused inside the data directory."""
    ref = key or privacy.StudyKey(privacy.default_key_store(home), study_id)
    ref.check_apart_from(home)
    ref.check_apart_from(default_home())
    return ref


def study_key(
    home: Path, study_id: str, key: privacy.StudyKey | None = None, *, user: str = "segprofile"
) -> tuple[bytes, privacy.StudyKey]:
    """The study's pseudonym key and where it lives (by default the key store beside ``home``,
    the key named by the study's id). Created only while no stored version records a key; a key
    an earlier release kept in the data directory is moved into the key store (audited)."""
    ref = key_ref(home, study_id, key)
    expected = recorded_key_id(home, study_id)
    if (
        expected is not None
        and not ref.path.exists()
        and privacy.adopt_legacy_key(ref, home, expected)
    ):
        privacy.write_audit(
            home,
            privacy.AuditRecord(
                time=privacy.now_iso(),
                user=user,
                event="key_adopted",
                study_id=study_id,
                source_id="",
                file="",
                key_id=expected,
                key_name=ref.name,
            ),
        )
    return privacy.load_key(ref, expected=expected), ref


def _check_keep_reasons(
    findings: list[PiiFinding],
    reasons: Mapping[str, str],
    dtypes: dict[str, str] | None = None,
    *,
    source: DataSource | None = None,
    notify: Callable[[str], None] | None = None,
) -> list[PiiFinding]:
    """The one rule for personal data kept as it is: only with a reason stated for this file
    (it goes into the audit trail). A ``keep`` saved in the study document carries no reason and
    never applies to a new file by itself — a body's real file may follow the examples'
    pseudonymised ids.

    An import (``dtypes`` ``None``) is refused. A file read for analysis without an import
    (:func:`open_raw_source`: the dtypes of the file) that was given no reason (``--keep-reason``
    of the command that reads it) gives such a column the gate's default instead — a client id
    or a number is pseudonymised, a name or an address dropped, a birth date cut to its year
    (:func:`privacy.default_action`) — as if nothing had been saved for it, and the person is
    told so (``notify``, else the log: which column of ``source``, why, what to do). The returned
    findings are those the read applies.

    Only an uncertain finding (``review``: the column's name says personal data, its values do
    not) is kept without one — dropping on a guess would lose data — and its doubt is recorded.
    """
    out = []
    for f in findings:
        if f.action is not PiiAction.keep or f.review or reasons.get(f.column, "").strip():
            out.append(f)
            continue
        if dtypes is None:
            raise InputError(
                f"Столбец «{f.column}» ({f.kind.label}) остаётся без изменений, а причина не "
                "указана.",
                hint="персональные данные хранятся как есть только с причиной, указанной при "
                "загрузке (--keep-reason «…»), в том числе когда «оставить как есть» записано "
                "в исследовании; или выберите для столбца pseudonymise либо drop.",
            )
        is_date = is_date_dtype(dtypes.get(f.column, ""))
        action = (
            PiiAction.pseudonymise
            if f.client_id or f.kind in (PiiKind.client_id, PiiKind.other)
            else privacy.default_action(f.kind, is_date=is_date)
        )
        (notify or log.warning)(_unkept_notice(f, action, source))
        out.append(replace(f, action=action))
    return out


def _unkept_notice(finding: PiiFinding, action: PiiAction, source: DataSource | None) -> str:
    """Why a column the study keeps as it is was not kept so by a read without an import, and
    what to do about it (Russian, for the person who ran it; no values)."""
    where = f" источника «{source.title or source.id}»" if source is not None else ""
    load = (
        f"segprofile import ФАЙЛ --study … --source {source.id}" if source else "segprofile import"
    )
    return (
        f"Столбец «{finding.column}» ({finding.kind.label}){where} не оставлен как есть, хотя так "
        "записано в исследовании: файл прочитан без загрузки, а причина оставить персональные "
        f"данные без изменений не указана, поэтому выбрано «{action.label}». Что сделать: "
        "укажите причину параметром --keep-reason «…» (она записывается в журнал) или "
        f"загрузите файл источника ({load} --keep-reason «…»; в веб-интерфейсе — на странице "
        "«Данные»)."
    )


def _stable_kinds(home: Path, study_id: str, findings: list[PiiFinding]) -> list[PiiFinding]:
    """The findings with each pseudonymised column's kind as the study last pseudonymised a
    column of that name (the audit trail, any source).

    A pseudonym is the HMAC of «kind:value», so it stays the same value's pseudonym only while
    the kind does. The detection of kinds improves (ten digits in a row once read «паспорт»,
    now «идентификатор клиента»); a column the study already pseudonymised keeps its kind, so
    that a new version and the other sources joined by that column keep matching.
    """
    recorded: dict[str, str] = {}
    for record in privacy.read_audit(home, study_id=study_id):
        if record.event in ("import", "rotate_key"):
            for entry in record.columns:
                if entry.get("action") == PiiAction.pseudonymise.value and entry.get("kind"):
                    recorded[str(entry["column"])] = str(entry["kind"])
    kinds = {k.value: k for k in PiiKind}
    return [
        replace(f, kind=kinds[recorded[f.column]])
        if f.action is PiiAction.pseudonymise and recorded.get(f.column) in kinds
        else f
        for f in findings
    ]


def _audit_columns(
    findings: list[PiiFinding],
    decisions: dict[str, ColumnOverride],
    key_id: str | None,
    reasons: dict[str, str],
) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for f in findings:
        entry: dict[str, Any] = {"column": f.column, "kind": f.kind.value, "action": f.action.value}
        if f.action is PiiAction.pseudonymise:
            entry["key_id"] = key_id
        elif f.action is PiiAction.keep:
            entry["reason"] = reasons.get(f.column, "").strip() or f.doubt
        out.append(entry)
    out += [
        {"column": col, "kind": None, "action": f"type:{ov.type}"}
        for col, ov in decisions.items()
        if ov.type
    ]
    return out


def import_data(
    location: str | Path,
    *,
    study_id: str,
    source: DataSource,
    author: str,
    home: Path | None = None,
    options: ReadOptions | None = None,
    overrides: dict[str, ColumnOverride] | None = None,
    key: privacy.StudyKey | None = None,
    keep_reasons: dict[str, str] | None = None,
    delete_input: bool = False,
    rotate_key: bool = False,
    staging_root: Path | None = None,
    client_ids: Collection[str | None] = (),
) -> ImportResult:
    """Read, pseudonymise and store one file (or database table) as a new dataset version.

    ``overrides`` (column → decision) are applied over ``source.columns``; an identifier kept as
    it is needs its reason in ``keep_reasons``. The source's ``id_column``, the columns named in
    ``client_ids`` (the study's client id column, so that every side of a join gets the same
    pseudonyms) and the columns taken for identifiers are pseudonymised unless decided otherwise
    (:func:`_findings`). Pseudonyms use the study's key (``key``, see
    :func:`study_key`); ``rotate_key`` makes a new key for this version instead, and the old one
    is retired. The input file is never deleted unless ``delete_input`` (a staged copy of the
    web's own). The previous versions are never touched; on any failure — an interruption
    included — nothing of this import remains and the study's key is as it was.
    """
    root = home or default_home()
    decisions = {**source.columns, **(overrides or {})}
    reasons = keep_reasons or {}
    directory = dataset_dir(root, study_id, source.id)
    directory.mkdir(parents=True, exist_ok=True)
    url = is_url(location)
    file_name = display_url(str(location)) if url else masking.mask_file_name(Path(location).name)
    tmp = directory / f".import-{os.getpid()}-{os.urandom(6).hex()}.parquet"
    original = None if url else Path(location)
    # The checksums are read in threads beside the engine (hashlib lets go of the GIL): the
    # file's while it is read and written, the version's while its quality is reported.
    hashing = ThreadPoolExecutor(max_workers=2, thread_name_prefix="segprofile-sha256")
    started = time.perf_counter()  # the phases' times are logged (where an import's time goes)
    file_digest = hashing.submit(_sha256, original) if original is not None else None
    ref: privacy.StudyKey | None = None
    previous_key: str | None = None
    aside: Path | None = None
    installed = False
    try:
        with staging.work_dir(staging_root) as work, open_raw(location, work, options) as raw:
            dtypes = raw.dtypes()
            _apply_type_overrides(raw, dtypes, decisions)
            dtypes = raw.dtypes()
            sample = raw.sample()
            ids = client_id_columns(
                raw, sample, decisions, [source.id_column, *client_ids], source=source
            )
            findings = _findings(raw.columns, dtypes, sample, decisions, ids)
            _check_keep_reasons(findings, reasons)
            findings = _stable_kinds(root, study_id, findings)
            key_id = None
            new_key: bytes | None = None
            if any(f.action is PiiAction.pseudonymise for f in findings):
                if rotate_key:
                    ref = key_ref(root, study_id, key)
                    pseudonym_key = new_key = privacy.new_key()
                else:
                    pseudonym_key, ref = study_key(root, study_id, key, user=author)
                key_id = privacy.key_id(pseudonym_key)
                privacy.set_key_variables(raw.con, pseudonym_key)
            elif rotate_key:
                raise InputError(
                    f"В файле {raw.name} нет столбцов, которые заменяются псевдонимами: менять "
                    "ключ для него незачем.",
                    hint="проверьте решения по столбцам с персональными данными (pseudonymise).",
                )
            texts = raw.run(lambda: _text_columns(raw, sample, decisions, findings))
            tally = masking.register_mask_function(raw.con) if texts else None
            select, meta = _select_sql(
                raw.columns, findings, texts=texts, trimmed=_varchar_columns(dtypes)
            )
            target = quote_literal(str(tmp))
            # Row order is not kept in the stored version: it lets the engine stream a file of
            # any size into Parquet within its memory limit.
            raw.con.execute("SET preserve_insertion_order = false")
            # The writer's own counts (rows, missing values, ranges) spare the quality report
            # a scan of the version for them.
            gate = time.perf_counter()
            written = raw.run(lambda: copy_parquet(raw.con, select, target))
            stored = time.perf_counter()
            details = dict(raw.details)
            details.pop("original_names", None)
            file_format = raw.format
            kept = [f.column for f in findings if f.action is PiiAction.keep]
            version_digest = hashing.submit(_sha256, tmp)
            # The same private connection (memory limit, spill directory) reads what was written.
            quality = _quality_of_parquet(
                raw.con,
                tmp,
                decisions,
                source.id_column,
                set(raw.mixed),
                kept,
                meta,
                raw.coerced,
                raw.details.get("summary_words", ()),
                _personal_texts(_texts_found(texts, sample)),
                written,
                _contacts(findings),
            )
        checked = time.perf_counter()
        digest = version_digest.result()
        file_sha = file_digest.result() if file_digest is not None else None
        file_bytes = original.stat().st_size if original is not None else None
        profiles = {c.name: c.to_dict() for c in quality.columns}
        columns = [{**profiles.get(m["name"], {}), **m} for m in meta]
        for c in columns:
            if isinstance(c.get("pii_action"), PiiAction):
                c["pii_action"] = c["pii_action"].value
        with _locked(directory):
            if new_key is not None and ref is not None:
                previous_key, aside = privacy.install_key(ref, new_key)
                installed = True
            version = _next_version(root, directory, study_id, source.id)
            final = directory / f"v{version}.parquet"
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
            # The manifest first, then the data under its final name: a version exists (see
            # _versions) only when both are there.
            _write_json(directory / f"v{version}.json", manifest.to_dict())
            try:
                os.replace(tmp, final)
            except BaseException:
                (directory / f"v{version}.json").unlink(missing_ok=True)
                raise
    except BaseException:
        hashing.shutdown(wait=True, cancel_futures=True)
        tmp.unlink(missing_ok=True)
        if installed and ref is not None:
            privacy.restore_key(ref, aside)
        raise
    hashing.shutdown(wait=False)
    deleted = False
    if original is not None and delete_input:
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
            event="rotate_key" if rotate_key else "import",
            study_id=study_id,
            source_id=source.id,
            file=file_name,
            file_sha256=file_sha,
            version=manifest.version,
            rows=manifest.rows,
            columns=_audit_columns(findings, decisions, key_id, reasons)
            + [{"column": col, "kind": "text", "action": "mask"} for col in texts],
            original_deleted=deleted,
            key_id=key_id,
            key_name=ref.name if ref is not None else None,
            details={"previous_key_id": previous_key} if rotate_key else {},
        ),
    )
    done = time.perf_counter()
    log.info(
        "imported %s as version %d: %d rows, %d columns with personal data; %.2f s: reading and "
        "deciding %.2f s, writing %.2f s, quality report %.2f s, the rest (checksums, manifest, "
        "audit) %.2f s",
        file_format,
        manifest.version,
        manifest.rows,
        len(findings),
        done - started,
        gate - started,
        stored - gate,
        checked - stored,
        done - checked,
    )
    return ImportResult(
        manifest=manifest, quality=quality, pii=findings, path=directory / manifest.parquet
    )


# --- Re-identification (M-8 recruitment) ------------------------------------------------------

_RESPONDENT = "__segprofile_respondent"


@dataclass(frozen=True)
class Reidentification:
    """What a re-identification found (counts only: the contacts are in the output file)."""

    requested: int
    found: int
    rows: int
    columns: list[str]
    version: int | None
    same_file: bool | None  # the original is byte for byte the file of that version


def _pseudonym_column(home: Path, study_id: str, source: DataSource) -> tuple[PiiKind, str, int]:
    """The kind, key id and version of the pseudonymised id column of the latest version."""
    manifest = get_version(home, study_id, source.id)
    entry = next((c for c in manifest.columns if c.get("name") == source.id_column), None)
    if entry is None or entry.get("pii_action") != PiiAction.pseudonymise.value:
        raise InputError(
            f"В версии {manifest.version} источника «{source.title or source.id}» столбец "
            f"«{source.id_column}» не заменён псевдонимом: по нему нельзя найти контакты.",
            hint="загрузите исходный файл источника заново на странице «Данные» и выберите для "
            f"столбца «{source.id_column}» действие «заменить псевдонимом» (в командной строке — "
            f"--pseudonymise «{source.id_column}»); затем постройте план исследования по новой "
            "версии и повторите.",
        )
    if manifest.legacy_pseudonyms or manifest.key_id is None:
        raise InputError(
            f"Версия {manifest.version} источника «{source.id}» загружена прежней версией "
            "segprofile: её псевдонимы другого вида.",
            hint="загрузите исходный файл заново (появится новая версия), постройте план "
            "исследования по ней и повторите.",
        )
    return PiiKind(entry["pii_kind"]), manifest.key_id, manifest.version


def _check_output(out: Path, home: Path, store: Path) -> None:
    target = out.resolve()
    if out.exists() or out.is_symlink():
        raise InputError(
            f"Файл {out} уже существует: программа не перезаписывает файлы.",
            hint="укажите имя нового файла для контактов.",
        )
    for inside in (home.resolve(), store.resolve()):
        if target.is_relative_to(inside):
            raise InputError(
                f"Файл контактов {out} нельзя записать в {inside}: там хранятся "
                "псевдонимизированные данные или ключи, исходные данные — отдельно от них.",
                hint="укажите файл в другом каталоге.",
            )
    if not target.parent.is_dir():
        raise InputError(f"Каталога {target.parent} для файла контактов нет.", hint="создайте его.")


def _write_contacts(out: Path, header: list[str], rows: list[tuple[Any, ...]]) -> None:
    """CSV for Excel (UTF-8 with BOM, «;»), readable by its owner only, never over a file; no
    cell can be a formula (a phone «+7 …», a pseudonym «-ymx…»), as in every CSV we write."""
    import csv
    import io

    from segprofile.model.format import neutralise

    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    writer.writerow([neutralise(str(h)) for h in header])
    writer.writerows(
        ["" if v is None else neutralise(v) if isinstance(v, str) else v for v in row]
        for row in rows
    )
    fd = os.open(out, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8-sig", newline="") as handle:
        handle.write(buffer.getvalue())


def reidentify(
    location: str | Path,
    *,
    study_id: str,
    source: DataSource,
    wanted: set[str],
    out: Path,
    user: str,
    home: Path | None = None,
    key: privacy.StudyKey | None = None,
    options: ReadOptions | None = None,
    respondent_column: str = "Респондент",
    staging_root: Path | None = None,
) -> Reidentification:
    """Write the contact rows of the respondents chosen by pseudonym (``wanted``) to ``out``.

    The pseudonyms are computed again over the body's original file — the same reader, the same
    decisions on columns and the same SQL as the import, under the key recorded by the source's
    latest version. Nothing raw is kept by us: the rows go to ``out`` only (a new file, outside
    the data directory and the key store). Audited with counts, never values.
    """
    root = home or default_home()
    ref = key_ref(root, study_id, key)
    if source.id_column is None:
        raise InputError(
            f"У источника «{source.id}» не указан столбец с идентификатором клиента (id_column).",
            hint="укажите id_column: по нему подобраны респонденты плана исследования.",
        )
    _check_output(out, root, ref.store)
    if list_versions(root, study_id, source.id):
        kind, kid, version = _pseudonym_column(root, study_id, source)
        secret = privacy.key_with_id(ref, kid)
        stored_sha = get_version(root, study_id, source.id, version).file_sha256
    else:  # respondents drawn from the raw file itself (open_data_source's fallback)
        secret, kid, version, stored_sha = privacy.existing_key(ref), None, None, None
        kind = None
    decisions = dict(source.columns)
    with staging.work_dir(staging_root) as work, open_raw(location, work, options) as raw:
        dtypes = raw.dtypes()
        _apply_type_overrides(raw, dtypes, decisions)
        dtypes = raw.dtypes()
        sample = raw.sample()
        ids = client_id_columns(raw, sample, decisions, [source.id_column])
        findings = _stable_kinds(
            root, study_id, _findings(raw.columns, dtypes, sample, decisions, ids)
        )
        id_finding = next((f for f in findings if f.column == source.id_column), None)
        if source.id_column not in raw.columns or id_finding is None:
            raise InputError(
                f"В файле {raw.name} нет столбца «{source.id_column}» с идентификатором клиента "
                "или он не содержит персональных данных.",
                hint="укажите исходный файл, из которого загружен источник "
                f"«{source.id}». Столбцы файла: " + ", ".join(raw.columns) + ".",
            )
        kind = kind or id_finding.kind
        contact = [f.column for f in findings]
        privacy.set_key_variables(raw.con, secret)
        relation = (
            f"(SELECT *, {quote_ident(source.id_column)} AS {quote_ident(_RESPONDENT)} FROM raw)"  # noqa: S608 — quoted identifiers
        )
        respondent = PiiFinding(
            column=_RESPONDENT,
            kind=kind,
            by_name=False,
            by_content=False,
            share=0.0,
            action=PiiAction.pseudonymise,
        )
        select, _ = _select_sql([_RESPONDENT, *contact], [respondent], relation=relation)
        query = (
            f"SELECT DISTINCT * FROM ({select}) "  # noqa: S608 — quoted identifiers
            f"WHERE {quote_ident(_RESPONDENT)} IN (SELECT unnest(?::VARCHAR[])) ORDER BY ALL"
        )
        rows = raw.run(lambda: raw.con.execute(query, [sorted(wanted)]).fetchall())
        name = raw.name
    same_file = None
    if stored_sha is not None and not is_url(location):
        same_file = _sha256(Path(location)) == stored_sha
    _write_contacts(out, [respondent_column, *contact], rows)
    found = len({r[0] for r in rows})
    privacy.write_audit(
        root,
        privacy.AuditRecord(
            time=privacy.now_iso(),
            user=user,
            event="reidentify",
            study_id=study_id,
            source_id=source.id,
            file=name,
            version=version,
            rows=len(rows),
            columns=[{"column": c, "kind": None, "action": "reidentify"} for c in contact],
            key_id=kid or privacy.key_id(secret),
            key_name=ref.name,
            details={"respondents": len(wanted), "found": found, "out": out.name},
        ),
    )
    log.info("re-identified %d of %d respondents (%d rows)", found, len(wanted), len(rows))
    return Reidentification(
        requested=len(wanted),
        found=found,
        rows=len(rows),
        columns=contact,
        version=version,
        same_file=same_file,
    )


def read_column(
    location: str | Path,
    column: str,
    *,
    staging_root: Path | None = None,
    hint: str = "выберите файл, в котором он есть",
) -> list[str]:
    """The non-empty values of one column of a small file (e.g. respondents' pseudonyms);
    without it, ``hint`` says what to do (the file's own columns are named after it)."""
    with staging.work_dir(staging_root) as work, open_raw(location, work) as raw:
        if column not in raw.columns:
            raise InputError(
                f"В файле {raw.name} нет столбца «{column}».",
                hint=f"{hint} (в этом файле столбцы: " + ", ".join(raw.columns) + ").",
            )
        query = f"SELECT DISTINCT CAST({quote_ident(column)} AS VARCHAR) FROM raw"  # noqa: S608
        values = raw.run(lambda: raw.con.execute(query).fetchall())
    return sorted(str(v[0]).strip() for v in values if v[0] is not None and str(v[0]).strip())


def _quality_of_parquet(
    con: duckdb.DuckDBPyConnection,
    path: Path,
    decisions: dict[str, ColumnOverride],
    id_column: str | None,
    mixed: set[str],
    kept: list[str],
    meta: list[dict[str, Any]],
    coerced: dict[str, tuple[int, str]],
    summary_words: Collection[str] = (),
    personal_texts: Collection[str] = (),
    written: Mapping[str, Any] | None = None,
    not_ids: Collection[str] = (),
) -> QualityReport:
    relation = f"read_parquet({quote_literal(str(path))})"
    pseudonymised = {m["name"] for m in meta if m.get("pii_action") is PiiAction.pseudonymise}
    ov = dict(decisions)
    for name in pseudonymised:
        ov.setdefault(name, ColumnOverride(type="identifier", use="id"))
    return quality_report(
        con,
        relation,
        overrides=ov,
        id_column=id_column,
        mixed=mixed,
        coerced=coerced,
        kept_pii=kept,
        summary_words=list(summary_words),
        parquet=path,
        written=written,
        personal_texts=personal_texts,
        not_ids=not_ids,
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
