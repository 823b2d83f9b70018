"""Data in: any file with client data goes through the gate — inspected, then imported as a
pseudonymised, audited dataset version (``data.datasets``); versions, keys, re-identification.

The web upload page calls these in order: :func:`inspect_file` (preview, inferred types,
personal-data findings to confirm, quality) → the user's decisions saved in
``DataSource.columns`` → :func:`import_dataset`.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING

from segprofile.data import datasets, isolation, masking, privacy, staging
from segprofile.data.datasets import ImportResult, Inspection, Manifest
from segprofile.data.privacy import StudyKey
from segprofile.data.readers import ReadOptions
from segprofile.errors import InputError, NotFound
from segprofile.model.study import (
    ColumnOverride,
    DataSource,
    Segmentation,
    Study,
)
from segprofile.pipeline.documents import _example, find_source
from segprofile.pipeline.workspace import Workspace
from segprofile.report.format import restore

if TYPE_CHECKING:  # the engine module imports Ibis: not needed to import a file
    from segprofile.data.engine import Engine, SourceTable


def start_isolation() -> None:
    """Start the fork server of :func:`run_isolated`'s children now, with this module loaded
    (a server process does it at start; otherwise the first parse of an upload waits for it)."""
    # Interview notes are read with analysis.texts (scikit-learn): imported once in the
    # server, not in each child under its memory limit.
    isolation.start([__name__, "segprofile.analysis.texts"])


def generate_demo_data(
    name: str, out_dir: str | Path, *, rows: int = 20_000, seed: int = 42
) -> list[Path]:
    """Write the example's synthetic data (Parquet) into ``out_dir``; returns the files."""
    if rows < 100:
        raise InputError(f"Слишком мало строк: {rows}.", hint="задайте --rows не меньше 100.")
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    files: list[Path] = _example(name).generate(rows=rows, seed=seed, out_dir=out)
    return files


def import_demo_data(
    ws: Workspace,
    study: Study,
    name: str,
    *,
    author: str,
    rows: int = 20_000,
    seed: int = 42,
) -> list[ImportResult]:
    """The example's synthetic data imported as the first version of each of ``study``'s
    sources, through the gate like any file.

    The files are generated into a private work folder of the staging area (never the study's
    data directory) and deleted again whatever happens. A column the example keeps as it is
    (its client ids: pseudonyms already) is kept with :data:`DEMO_KEEP_REASON` — stated here,
    for the generated files only: a keep saved in the study never applies to a body's file
    without its own reason.
    """
    with staging.work_dir(ws.staging) as work:
        generated = {p.name: p for p in generate_demo_data(name, work, rows=rows, seed=seed)}
        return [
            import_dataset(
                ws,
                generated[Path(source.path).name],
                study,
                source.id,
                author=author,
                keep_reasons={
                    column: DEMO_KEEP_REASON
                    for column, decision in joining_source(study, source).columns.items()
                    if decision.pii == "keep"
                },
                delete_input=True,  # generated in a private work folder: nothing to keep
            )
            for source in study.data_sources
            if Path(source.path).name in generated
        ]


DEMO_KEEP_REASON = "демонстрационные данные примера: идентификаторы в них уже псевдонимы"


def study_client_ids(study: Study) -> list[str]:
    """The study's client id column (its client records' ``id_column``): in every file of the
    study that has it (survey answers, complaints…) it is pseudonymised like in the records,
    so the files still join by it."""
    records = study.client_records()
    return [records.id_column] if records is not None and records.id_column else []


def joining_source(study: Study, source: DataSource) -> DataSource:
    """``source`` with the records' decision on the study's client id column (``pii``: kept
    as is, dropped…) where the source itself has none: every side of a join by that column
    gets the same rule, so a survey keyed by the records' id still matches them."""
    records = study.client_records()
    if records is None or records.id == source.id or not records.id_column:
        return source
    decision = records.columns.get(records.id_column)
    own = source.columns.get(records.id_column)
    if decision is None or not decision.pii or (own is not None and own.pii):
        return source
    merged = (own or ColumnOverride()).model_copy(update={"pii": decision.pii})
    return source.model_copy(update={"columns": {**source.columns, records.id_column: merged}})


def keep_reasons(
    study: Study,
    source: DataSource | None,
    decisions: Mapping[str, ColumnOverride],
    reason: str | None,
) -> dict[str, str]:
    """The one reason a person gave (``--keep-reason``) for every column kept as it is: decided
    now (``decisions``) or in the study document (``source``'s own decisions and the records'
    on the client id it joins by). A keep written in the document is not applied to a file
    without it (an import is refused, a read without an import pseudonymises or drops)."""
    if not reason or not reason.strip():
        return {}
    kept = {**(joining_source(study, source).columns if source is not None else {}), **decisions}
    return {col: reason.strip() for col, ov in kept.items() if ov.pii == "keep"}


def inspect_file(
    ws: Workspace,
    location: str | Path,
    *,
    options: ReadOptions | None = None,
    study: Study | None = None,
    source_id: str | None = None,
    overrides: dict[str, ColumnOverride] | None = None,
    min_cell: int | None = None,
) -> Inspection:
    """Preview a file or database table before import: types, personal data, quality.

    With ``study`` and ``source_id`` the source's saved column decisions are applied. The
    preview hides the values of fewer rows than ``min_cell`` (default: the study's, else the
    default study setting).
    """
    decisions: dict[str, ColumnOverride] = {}
    id_column = None
    client_ids = study_client_ids(study) if study is not None else []
    if study is not None and source_id is not None:
        source = joining_source(study, find_source(study, source_id))
        decisions.update(source.columns)
        id_column = source.id_column
    decisions.update(overrides or {})
    return datasets.inspect(
        location,
        options=options,
        overrides=decisions,
        id_column=id_column,
        staging_root=ws.staging,
        client_ids=client_ids,
        min_cell=min_cell or (study.segmentation if study else Segmentation()).min_cell,
    )


def import_dataset(
    ws: Workspace,
    location: str | Path,
    study: Study,
    source_id: str,
    *,
    author: str,
    options: ReadOptions | None = None,
    overrides: dict[str, ColumnOverride] | None = None,
    keep_reasons: dict[str, str] | None = None,
    delete_input: bool = False,
    _rotate_key: bool = False,
) -> ImportResult:
    """Import a file as a new version of a study's data source (pseudonymised, audited).

    Pseudonyms use the study's key in the workspace's key store (:meth:`Workspace.key`). An
    identifier kept as it is needs its reason in ``keep_reasons``. The input file is left in
    place unless ``delete_input`` (a copy staged by the caller).
    """
    return datasets.import_data(
        location,
        study_id=study.id,
        source=joining_source(study, find_source(study, source_id)),
        author=author,
        home=ws.home,
        options=options,
        overrides=overrides,
        key=datasets.key_ref(ws.home, study.id, ws.key(study)),
        keep_reasons=keep_reasons,
        delete_input=delete_input,
        rotate_key=_rotate_key,
        staging_root=ws.staging,
        client_ids=study_client_ids(study),
    )


def rotate_key(
    ws: Workspace,
    location: str | Path,
    study: Study,
    source_id: str,
    *,
    author: str,
    options: ReadOptions | None = None,
    keep_reasons: dict[str, str] | None = None,
) -> ImportResult:
    """Give the study a new pseudonym key: the source's original file is imported again under
    it as a new version (audited as ``rotate_key``). The previous key is retired, not deleted:
    earlier versions stay readable and can still be re-identified."""
    return import_dataset(
        ws,
        location,
        study,
        source_id,
        author=author,
        options=options,
        keep_reasons=keep_reasons,
        _rotate_key=True,
    )


# The column of the respondents CSV (recruitment_csv) that holds each respondent's pseudonym.
RESPONDENT_COLUMN = "Респондент"


def reidentify(
    ws: Workspace,
    location: str | Path,
    study: Study,
    source_id: str,
    *,
    respondents: str | Path,
    out: str | Path,
    user: str,
    options: ReadOptions | None = None,
) -> datasets.Reidentification:
    """M-8 recruitment: the contacts of the respondents chosen by pseudonym, for the key holder.

    ``respondents`` is the research plan's respondents CSV (:func:`recruitment_csv`); its
    pseudonyms are matched against pseudonyms computed again over the body's original file
    (``location``) with the study's key, and the contact rows (the columns with personal data)
    of those found are written to ``out`` — a new file of the caller's choice; nothing raw is
    stored by segprofile. Audited (counts only).
    """
    # The CSV was written by csv_bytes, which puts ``'`` before a pseudonym starting with ``-``.
    wanted = [
        restore(v)
        for v in datasets.read_column(
            respondents,
            RESPONDENT_COLUMN,
            staging_root=ws.staging,
            hint="выберите файл респондентов, скачанный из плана исследования (кнопка «Скачать "
            "respondents.csv» на странице плана): в нём столбец «Респондент»",
        )
    ]
    if not wanted:
        raise InputError(
            f"В файле {Path(respondents).name} нет ни одного респондента (столбец "
            f"«{RESPONDENT_COLUMN}» пуст).",
            hint="выгрузите файл респондентов из плана исследования заново.",
        )
    return datasets.reidentify(
        location,
        study_id=study.id,
        source=find_source(study, source_id),
        wanted=set(wanted),
        out=Path(out),
        user=user,
        home=ws.home,
        key=datasets.key_ref(ws.home, study.id, ws.key(study)),
        options=options,
        respondent_column=RESPONDENT_COLUMN,
        staging_root=ws.staging,
    )


def retire_study_key(key: StudyKey) -> str | None:
    """Move a study's key aside (a new study takes over its name); the old key's id, if any."""
    return privacy.retire_key(key)


def destroy_study_key(key: StudyKey) -> int:
    """Delete a deleted study's key with its retired ones; how many there were."""
    return privacy.destroy_keys(key)


def list_dataset_versions(ws: Workspace, study_id: str, source_id: str) -> list[Manifest]:
    """Stored versions of a data source, oldest first."""
    return datasets.list_versions(ws.home, study_id, source_id)


def delete_dataset_version(
    ws: Workspace, study_id: str, source_id: str, version: int, *, user: str
) -> None:
    """Delete one stored version on purpose (audited)."""
    datasets.delete_version(ws.home, study_id, source_id, version, user=user)


def open_data_source(
    ws: Workspace, engine: Engine, study: Study, source: DataSource
) -> SourceTable:
    """A source opened for analysis: its latest imported dataset version when there is one
    (``.version`` says which), otherwise the file at its ``path`` in the workspace's
    ``data_dir``, with its personal data depersonalised on the fly as an import would (under
    the study's key; a column the study keeps as it is stays so only with a reason: the
    workspace's ``keep_reason`` given for this run, or for the study's client id the one
    recorded when it was last imported kept as it is — else it gets the gate's default, and
    the workspace's ``notify`` is told why). Without a ``data_dir`` a source must have an
    imported version."""
    data_dir = _data_dir_for(ws, study, source)
    if data_dir is None:
        return datasets.open_version(engine, ws.home, study.id, source)
    return datasets.open_raw_source(
        engine,
        ws.home,
        study.id,
        joining_source(study, source),
        data_dir,
        ws.key(study),
        staging_root=ws.staging,
        client_ids=study_client_ids(study),
        keep_reasons={
            **_joined_reasons(ws, study),
            **keep_reasons(study, source, {}, ws.keep_reason),
        },
        notify=ws.notify,
        reader=ws.reader,
    )


def _joined_reasons(ws: Workspace, study: Study) -> dict[str, str]:
    """The reason recorded (audit trail) when the study's client id column was last imported
    kept as it is — a survey keyed by the records' ids: a file read for the other side of that
    join keeps the same ids with the same reason, or the two would never match."""
    reasons: dict[str, str] = {}
    ids = set(study_client_ids(study))
    for record in privacy.read_audit(ws.home, study_id=study.id) if ids else []:
        if record.event in ("import", "rotate_key"):
            for entry in record.columns:
                column = str(entry.get("column"))
                reason = str(entry.get("reason") or "").strip()
                if column in ids and entry.get("action") == "keep" and reason:
                    reasons[column] = reason
                elif column in ids:  # imported otherwise since: the join needs that now
                    reasons.pop(column, None)
    return reasons


def check_data_source(ws: Workspace, study: Study, source: DataSource) -> None:
    """Raise what :func:`open_data_source` would for a missing version, data folder or file —
    before an engine is started (a wrong ``--data`` fails at once)."""
    from segprofile.data.engine import source_file

    data_dir = _data_dir_for(ws, study, source)
    if data_dir is not None:
        source_file(source, data_dir)


def has_data(ws: Workspace, study: Study, source: DataSource) -> bool:
    """Whether :func:`open_data_source` finds data for ``source``: an imported version, or its
    file in the workspace's data folder."""
    try:
        _data_dir_for(ws, study, source)
    except NotFound:
        return False
    return True


def _data_dir_for(ws: Workspace, study: Study, source: DataSource) -> Path | None:
    """Where a source is read from: ``None`` for its latest imported version, else the folder
    of its file (while it has no version). A source with neither (its every version deleted,
    or never loaded) raises :func:`no_data`."""
    from segprofile.data.engine import resolve_path

    versions = datasets.list_versions(ws.home, study.id, source.id)
    if versions:
        return None
    if ws.data_dir is None or (
        ws.data_dir.is_dir() and not resolve_path(source, ws.data_dir).is_file()
    ):
        raise no_data(source)
    return ws.data_dir


def no_data(source: DataSource) -> NotFound:
    """A source with no loaded version and no file to read, named by its title; what to do
    in the web first (the «Данные» page), then on the command line."""
    return NotFound(
        f"У источника «{source.title or source.id}» нет загруженной версии данных.",
        hint="загрузите его файл на странице «Данные» исследования (в командной строке — "
        f"segprofile import ФАЙЛ --study … --source {source.id}).",
    )


def open_dataset(
    ws: Workspace, engine: Engine, study: Study, source_id: str, *, version: int | None = None
) -> SourceTable:
    """A stored version (latest by default) opened in the engine; ``.version`` and
    ``.fingerprint()`` identify it for provenance."""
    return datasets.open_version(engine, ws.home, study.id, find_source(study, source_id), version)


def read_audit(
    ws: Workspace, *, study_id: str | None = None, source_id: str | None = None
) -> list[privacy.AuditRecord]:
    """The import audit trail (who, which file, what was done to which column)."""
    return privacy.read_audit(ws.home, study_id=study_id, source_id=source_id)


def audit_original(
    ws: Workspace,
    *,
    kept: bool,
    user: str,
    study_id: str,
    source_id: str,
    file: str,
    version: int | None = None,
    file_sha256: str | None = None,
) -> None:
    """Record in the audit trail that an upload's original file was kept apart from the data
    (``kept``) or, later, deleted: who, which study, source, file and version (no values)."""
    privacy.write_audit(
        ws.home,
        privacy.AuditRecord(
            time=privacy.now_iso(),
            user=user,
            event="keep_original" if kept else "delete_original",
            study_id=study_id,
            source_id=source_id,
            file=masking.mask_file_name(file),  # often a person's name
            file_sha256=file_sha256,
            version=version,
            original_deleted=not kept,
        ),
    )
