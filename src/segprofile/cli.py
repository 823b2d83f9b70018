"""The command line: ``segprofile check | profile | schema | demo-data | examples | inspect | import
| datasets | keys rotate | reidentify | research … | journeys … | report``.

Core errors and the parser's usage errors are translated here: a Russian message on stderr that
says what to do, and an exit code (2 — bad input or a mistyped command, 1 — the profile is
incomplete), never a traceback.
"""

from __future__ import annotations

import json
import logging
import re
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, ClassVar

import typer
from rich.console import Console

from segprofile import config
from segprofile.errors import InputError, NotFound, SegprofileError

if TYPE_CHECKING:
    from segprofile import pipeline
    from segprofile.model.results import Profile
    from segprofile.model.study import ColumnOverride, Study

# Only the standard library, Typer and Rich's console are imported above: ``--help`` and a
# mistyped option answer at once. Each command imports the pipeline when it runs, and the
# pipeline imports the engine, the analysis and the report writers where they are used.

app = typer.Typer(
    name="segprofile",
    help="Профиль клиентского сегмента: сегменты, удовлетворённость, гипотезы, рекомендации.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)


class _RussianHelp(typer.Context.formatter_class):  # type: ignore[name-defined,misc]
    """The help of every command in Russian: our commands and options are described in
    Russian, and the words Typer adds itself (headings, «required», the value's type, the
    help option) are said here, where all help is written."""

    HEADINGS: ClassVar[dict[str, str]] = {
        "Arguments": "Аргументы",
        "Options": "Параметры",
        "Commands": "Команды",
    }
    WORDS: ClassVar[tuple[tuple[str, str], ...]] = (
        ("Show this message and exit.", "Показать эту справку и выйти."),
        ("[required]", "[обязательно]"),
        ("[default: ", "[по умолчанию: "),
        ("[OPTIONS]", "[ПАРАМЕТРЫ]"),
        ("COMMAND [ARGS]...", "КОМАНДА [АРГУМЕНТЫ]…"),
        ("<list[str]>", "ТЕКСТ"),
        ("<list[path]>", "ПУТЬ"),
        ("<list[Path]>", "ПУТЬ"),
        ("<str>", "ТЕКСТ"),
        ("<path>", "ПУТЬ"),
        ("<int>", "ЧИСЛО"),
        ("<float>", "ЧИСЛО"),
    )

    @classmethod
    def russian(cls, text: str) -> str:
        for english, russian in cls.WORDS:
            text = text.replace(english, russian)
        return text

    def write_usage(self, prog: str, args: str = "", prefix: str | None = None) -> None:
        super().write_usage(prog, self.russian(args), prefix or "Использование: ")

    def write_heading(self, heading: str) -> None:
        super().write_heading(self.HEADINGS.get(heading, heading))

    def write_dl(self, rows: Any, *args: Any, **kwargs: Any) -> None:
        # An argument is named by what it is («ФАЙЛ»), and that says its type as well.
        rows = [
            (
                re.sub(r"^([А-ЯЁ]+) (ТЕКСТ|ПУТЬ|ЧИСЛО)$", r"\1", self.russian(term)),
                self.russian(text),
            )
            for term, text in rows
        ]
        super().write_dl(rows, *args, **kwargs)


class _Context(typer.Context):
    formatter_class = _RussianHelp


def _in_russian(command: Any) -> Any:
    """The command, its subcommands and theirs write their help with :class:`_RussianHelp`."""
    command.context_class = _Context
    for sub in getattr(command, "commands", {}).values():
        _in_russian(sub)
    return command


out = Console(soft_wrap=True)
err = Console(stderr=True, soft_wrap=True)
log = logging.getLogger("segprofile")

StudyArg = Annotated[
    Path, typer.Argument(metavar="ДОКУМЕНТ", help="Документ исследования (study.yaml)")
]


def _version(value: bool) -> None:
    if value:
        from segprofile import __version__

        out.print(f"segprofile {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: Annotated[
        bool,
        typer.Option("--version", callback=_version, is_eager=True, help="Показать версию"),
    ] = False,
) -> None:
    """Профиль клиентского сегмента по методическим рекомендациям."""


@app.command()
def schema() -> None:
    """Напечатать JSON Schema документа исследования."""
    from segprofile.model.spec_yaml import study_json_schema

    out.print_json(json.dumps(study_json_schema(), ensure_ascii=False))


@app.command()
def check(study_path: StudyArg) -> None:
    """Проверить, чего не хватает профилю (с кодами методики M-n).

    Код выхода: 0 — профиль полон, 1 — чего-то не хватает, 2 — документ с ошибками.
    """
    from segprofile import pipeline
    from segprofile.model.checks import Severity, is_complete

    study = pipeline.load_study(study_path)
    # With the data imported for it: what the document names that the data lack, too.
    findings = pipeline.check_with_data(_workspace(), study)
    for finding in findings:
        style = "red" if finding.severity is Severity.missing else "yellow"
        mark = "✗" if finding.severity is Severity.missing else "!"
        out.print(f"[{style}]{mark}[/] {finding}", highlight=False)
    if is_complete(findings):
        out.print(f"[green]✓[/] Профиль «{study.title}» заполнен по всем разделам методики.")
        return
    missing = sum(f.severity is Severity.missing for f in findings)
    out.print(f"Не хватает: {missing}. Исправьте пункты, отмеченные ✗.")
    raise typer.Exit(1)


DataOpt = Annotated[
    Path | None,
    typer.Option(
        "--data",
        "-d",
        help="Каталог с файлами данных; без него берутся последние загруженные версии "
        "источников (segprofile import)",
    ),
]
KeepReasonOpt = Annotated[
    str | None,
    typer.Option(
        "--keep-reason",
        help="Почему столбцы с персональными данными остаются без изменений (для журнала)",
    ),
]


OutDirOpt = Annotated[
    Path,
    typer.Option(
        "--out",
        "-o",
        help="Папка для результатов; файлы называются по исследованию и формату",
    ),
]


@app.command()
def profile(
    study_path: StudyArg,
    data: DataOpt = None,
    out_dir: OutDirOpt = Path("out"),
    keep_reason: KeepReasonOpt = None,
) -> None:
    """Построить профиль: OUT/ИД-profile.html и OUT/ИД-profile.json (ИД — id исследования).

    Каждый источник читается из последней загруженной версии (segprofile import), а если
    у источника нет загруженных версий — из его файла в каталоге --data. Столбец, который
    в исследовании оставлен как есть, остаётся таким при чтении из --data только с причиной
    (--keep-reason, записывается в журнал).
    """
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn
    from rich.table import Table

    from segprofile import pipeline
    from segprofile.model.format import number
    from segprofile.model.labels import profile_unit

    study = pipeline.load_study(study_path)
    _require_data(study, study_path, data)
    if out_dir.suffix.lower() in (".html", ".json") and not out_dir.is_dir():
        raise InputError(
            f"--out {out_dir}: нужна папка, а не файл — profile записывает два файла, "
            f"{study.id}-profile.html и {study.id}-profile.json.",
            hint="укажите папку, например --out out.",
        )
    folder = _out_dir(out_dir)
    started = time.perf_counter()
    with Progress(
        TextColumn("{task.description:<36}"),
        BarColumn(),
        TextColumn("{task.percentage:>3.0f} %"),
        TimeElapsedColumn(),
        console=err,
        transient=not err.is_terminal,
        disable=not err.is_terminal,
    ) as bar:
        task = bar.add_task("Построение профиля", total=1.0)

        def progress(fraction: float, message: str) -> None:
            bar.update(task, completed=fraction, description=message[:36])

        computed = pipeline.profile_study(_workspace(data, keep_reason), study, progress=progress)
    # Every output shows the published profile: small groups hidden (disclosure control).
    result = pipeline.published_profile(computed, study)
    html_file = folder / f"{study.id}-profile.html"
    json_file = folder / f"{study.id}-profile.json"
    json_file.write_text(pipeline.profile_to_json(result), encoding="utf-8")
    html_file.write_text(pipeline.render_profile_html(result, study), encoding="utf-8")
    elapsed = time.perf_counter() - started
    summary = Table(show_header=True, header_style="bold")
    summary.add_column("Признак")
    summary.add_column("Сегментов", justify="right")
    for fs in result.by_feature:
        summary.add_row(fs.label, str(len(fs.segments)))
    out.print(summary)
    _print_clusters(result, study)
    size = (
        f"записей {number(result.total_clients)}, клиентов {number(result.distinct_clients)}"
        if profile_unit(result).records
        else f"клиентов {number(result.total_clients)}"
    )
    out.print(
        f"Профиль построен за {number(elapsed, 1)} с: {size}, признаков {len(result.by_feature)}."
    )
    _print_data_used(result, data)
    out.print(f"Записано: {html_file}, {json_file}", highlight=False)


def _require_data(study: Study, study_path: Path, data: Path | None) -> None:
    """Without --data the client records must have an imported version (a clear error if not)."""
    if data is not None:
        return
    from segprofile import pipeline

    source = study.client_records()
    if source is None:
        return  # the pipeline says what to add to the document
    if pipeline.list_dataset_versions(_workspace(), study.id, source.id):
        return
    raise InputError(
        f"Нет данных для профиля: источник «{source.id}» исследования «{study.id}» ещё не "
        "загружен, а каталог с файлами (--data) не указан.",
        hint=f"загрузите файл командой segprofile import ФАЙЛ --study {study_path} --source "
        f"{source.id} или укажите каталог с файлами: --data КАТАЛОГ.",
    )


def _print_data_used(result: Profile, data: Path | None) -> None:
    """Which data the profile was built from: an imported version or a file in --data."""
    used = [
        f"«{f.source_id}» — загруженная версия {f.version}"
        if f.version is not None
        else f"«{f.source_id}» — файл из каталога {data}"
        for f in result.provenance.data_files
    ]
    if used:
        out.print("Данные: " + "; ".join(used) + ".", highlight=False)


def _out_dir(path: Path) -> Path:
    """The --out folder, created when missing."""
    if path.exists() and not path.is_dir():
        raise InputError(
            f"--out {path}: это файл, а нужна папка.",
            hint="укажите папку (например, --out out): имена файлов программа даёт сама — "
            "по исследованию и формату.",
        )
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError:
        raise InputError(
            f"Не удалось создать папку {path}.", hint="проверьте путь и права на запись."
        ) from None
    return path


def _print_clusters(result: Profile, study: Study) -> None:
    """Clusters (M-4) of a published profile: k and why, one row per cluster; a hidden one
    says why, as in the report."""
    from rich.table import Table

    from segprofile import pipeline

    clusters = result.clusters
    if clusters is None:
        for warning in result.warnings:
            if "Кластеризац" in warning:
                err.print(warning, style="yellow", markup=False, highlight=False)
        return
    min_cell = study.segmentation.min_cell
    table = Table(show_header=True, header_style="bold")
    table.add_column("Кластер", justify="right")
    table.add_column("Портрет")
    table.add_column("Клиентов", justify="right")
    table.add_column("Доля", justify="right")
    table.add_column("CSAT", justify="right")
    for c in clusters.clusters:
        if c.hidden or c.capacity is None or c.share is None:
            why = pipeline.hidden_reason_text(c.hidden, min_cell) or "скрыто"
            table.add_row(str(c.number), "скрыт", why, "—", "—")
            continue
        csat = c.satisfaction.csat
        table.add_row(
            str(c.number),
            c.label,
            f"{c.capacity:,}".replace(",", " "),
            f"{100 * c.share:.1f} %".replace(".", ","),
            pipeline.hidden_reason_text(c.satisfaction.hidden, min_cell)
            if c.satisfaction.hidden
            else ("—" if csat is None else f"{round(100 * csat)} %"),
        )
    out.print(table)
    out.print(clusters.choice.reason)
    for warning in clusters.warnings:
        err.print(warning, style="yellow", markup=False, highlight=False)


@app.command("demo-data")
def demo_data(
    example: Annotated[
        str, typer.Argument(metavar="ПРИМЕР", help="Пример: child-benefit или internal-accounting")
    ],
    rows: Annotated[
        int, typer.Option("--rows", "-n", help="Число строк данных о клиентах")
    ] = 20_000,
    seed: Annotated[int, typer.Option("--seed", help="Зерно генератора")] = 42,
    out_dir: Annotated[Path, typer.Option("--out", "-o", help="Каталог для файлов Parquet")] = Path(
        "var/demo"
    ),
) -> None:
    """Сгенерировать синтетические данные примера (Parquet)."""
    from segprofile import pipeline

    started = time.perf_counter()
    files = pipeline.generate_demo_data(example, out_dir, rows=rows, seed=seed)
    elapsed = time.perf_counter() - started
    for path in files:
        out.print(f"  {path}")
    out.print(
        f"Сгенерировано файлов: {len(files)} за {elapsed:.1f} с (строк: {rows}, зерно {seed})."
    )


@app.command()
def examples() -> None:
    """Перечислить встроенные примеры."""
    from rich.table import Table

    from segprofile import pipeline

    table = Table(show_header=True, header_style="bold")
    table.add_column("Пример")
    table.add_column("Название")
    table.add_column("Документ")
    for info in pipeline.list_examples():
        table.add_row(info.name, info.title, str(info.study_path))
    out.print(table)


def _read_options(
    sheet: str | None,
    header_row: int | None,
    encoding: str | None,
    delimiter: str | None,
    table: str | None,
    query: str | None,
) -> pipeline.ReadOptions:
    from segprofile import pipeline

    return pipeline.ReadOptions(
        sheet=sheet,
        header_row=header_row,
        encoding=encoding,
        delimiter=delimiter,
        table=table,
        query=query,
    )


SheetOpt = Annotated[str | None, typer.Option("--sheet", help="Лист книги (имя или номер)")]
HeaderRowOpt = Annotated[
    int | None,
    typer.Option(
        "--header-row",
        help="Номер строки с названиями столбцов (лист книги или CSV); без него находится сама",
    ),
]
EncodingOpt = Annotated[
    str | None, typer.Option("--encoding", help="Кодировка CSV: utf-8, cp1251, koi8-r")
]
DelimiterOpt = Annotated[
    str | None, typer.Option("--delimiter", help="Разделитель CSV: ';' ',' '|' или tab")
]
TableOpt = Annotated[str | None, typer.Option("--table", help="Таблица базы данных (для URL)")]
QueryOpt = Annotated[str | None, typer.Option("--query", help="SQL-запрос (для URL базы данных)")]
FileArg = Annotated[
    str,
    typer.Argument(
        metavar="ФАЙЛ", help="Файл (CSV, XLSX, XLS, Parquet) или адрес базы postgresql://…"
    ),
]


def _pct(share: float) -> str:
    return f"{share * 100:.0f} %"


@app.command()
def inspect(
    location: FileArg,
    sheet: SheetOpt = None,
    header_row: HeaderRowOpt = None,
    encoding: EncodingOpt = None,
    delimiter: DelimiterOpt = None,
    table: TableOpt = None,
    query: QueryOpt = None,
    as_json: Annotated[bool, typer.Option("--json", help="Вывести отчёт в JSON")] = False,
) -> None:
    """Проверить файл перед загрузкой: типы столбцов, персональные данные, качество."""
    from rich.table import Table

    from segprofile import pipeline

    result = pipeline.inspect_file(
        _workspace(),
        location,
        options=_read_options(sheet, header_row, encoding, delimiter, table, query),
    )
    if as_json:
        out.print_json(json.dumps(result.to_dict(), ensure_ascii=False, default=str))
        return
    details = result.details
    facts = [f"формат {result.format.upper()}"]
    if "encoding" in details:
        from segprofile.data.readers import DELIMITER_LABELS, ENCODING_LABELS

        facts.append(f"кодировка {ENCODING_LABELS.get(details['encoding'], details['encoding'])}")
        facts.append(f"разделитель — {DELIMITER_LABELS.get(details['delimiter'], '?')}")
        if details.get("decimal") == ",":
            facts.append("десятичная запятая")
        if details.get("skipped_lines"):
            first = int(details["skipped_lines"]) + 1
            facts.append(
                f"таблица начинается со строки {first}, строки выше (название выгрузки) пропущены"
            )
    if "sheet" in details:
        if details.get("header_rows"):
            first, last = details["header_rows"]
            rows_text = f"строка {first}" if first == last else f"строки {first}–{last}"
        else:
            rows_text = "нет (первая строка — данные; столбцы названы по номерам)"
        facts.append(f"лист «{details['sheet']}», заголовок: {rows_text}")
    out.print(f"Файл {result.file}: " + ", ".join(facts) + ".", highlight=False)
    out.print(
        f"Строк: {result.rows:,}".replace(",", " ") + f", столбцов: {len(result.quality.columns)}."
    )
    pii = {f.column: f for f in result.pii}
    columns = Table(show_header=True, header_style="bold", title="Столбцы")
    for title in ("Столбец", "Тип", "Назначение", "Пропуски", "Значений", "Персональные данные"):
        columns.add_column(title, justify="right" if title in ("Пропуски", "Значений") else "left")
    for col in result.quality.columns:
        finding = pii.get(col.name)
        columns.add_row(
            col.name,
            col.type.label,
            col.use.label,
            _pct(col.missing_share),
            f"≈ {col.cardinality:,}".replace(",", " ")
            if col.cardinality >= 1000
            else str(col.cardinality),
            f"{finding.kind.label} → {finding.action.label}" if finding else "",
        )
    out.print(columns)
    if result.pii:
        out.print("[bold]Персональные данные[/] (152-ФЗ), что будет сделано при загрузке:")
        for f in result.pii:
            out.print(
                f"  • «{f.column}»: {f.kind.label} → {f.action.label}. Как найдено: {f.reason}.",
                highlight=False,
            )
    if result.quality.issues:
        out.print("[bold]Качество данных[/]:")
        for issue in result.quality.issues:
            out.print(f"  ! {issue.message}", highlight=False)
    else:
        out.print("[green]✓[/] Замечаний к качеству данных нет.")


@app.command("import")
def import_(
    location: FileArg,
    source: Annotated[str, typer.Option("--source", "-s", help="Источник данных исследования")],
    study_path: Annotated[Path, typer.Option("--study", help="Документ исследования (study.yaml)")],
    author: Annotated[str | None, typer.Option("--author", help="Кто загружает")] = None,
    keep_original: Annotated[
        bool,
        typer.Option("--keep-original", hidden=True, help="Не действует: файл не удаляется"),
    ] = False,
    drop: Annotated[
        list[str] | None, typer.Option("--drop", help="Удалить столбец (можно несколько раз)")
    ] = None,
    pseudonymise: Annotated[
        list[str] | None, typer.Option("--pseudonymise", help="Заменить столбец псевдонимом")
    ] = None,
    keep: Annotated[
        list[str] | None, typer.Option("--keep", help="Оставить столбец без изменений")
    ] = None,
    keep_reason: KeepReasonOpt = None,
    sheet: SheetOpt = None,
    header_row: HeaderRowOpt = None,
    encoding: EncodingOpt = None,
    delimiter: DelimiterOpt = None,
    table: TableOpt = None,
    query: QueryOpt = None,
) -> None:
    """Загрузить файл как новую версию источника данных (с псевдонимизацией).

    Исходный файл остаётся на месте: программа его не удаляет и не изменяет.
    """
    from segprofile import pipeline

    study = pipeline.load_study(study_path)
    decisions = _decisions(drop, pseudonymise, keep)
    result = pipeline.import_dataset(
        _workspace(),
        location,
        study,
        source,
        author=_author(author),
        options=_read_options(sheet, header_row, encoding, delimiter, table, query),
        overrides=decisions,
        keep_reasons=_keep_reasons(study, source, decisions, keep_reason),
    )
    _print_import(result)


def _workspace(data: Path | None = None, keep_reason: str | None = None) -> pipeline.Workspace:
    """Where the study's data, keys and audit live (the settings); its files in ``data``, read
    with the --keep-reason given (recorded in the audit trail under the user's name); what the
    user should know about a read is printed on stderr, once however often the file is read."""
    from dataclasses import replace

    from rich.markup import escape

    from segprofile import pipeline

    said: set[str] = set()

    def notify(text: str) -> None:
        if text not in said:
            said.add(text)
            err.print(f"[yellow]Внимание:[/] {escape(text)}", highlight=False)

    ws = pipeline.Workspace.from_config(data_dir=data)
    reason = keep_reason.strip() if keep_reason and keep_reason.strip() else None
    return replace(ws, keep_reason=reason, reader=_author(None) if reason else None, notify=notify)


def _author(author: str | None) -> str:
    import getpass

    return author or getpass.getuser()


def _decisions(
    drop: list[str] | None, pseudonymise: list[str] | None, keep: list[str] | None
) -> dict[str, ColumnOverride]:
    from segprofile.model.study import ColumnOverride

    decisions: dict[str, ColumnOverride] = {}
    for action, columns in (("drop", drop), ("pseudonymise", pseudonymise), ("keep", keep)):
        for col in columns or []:
            decisions[col] = ColumnOverride(pii=action)
    return decisions


def _keep_reasons(
    study: Study, source_id: str | None, decisions: dict[str, ColumnOverride], reason: str | None
) -> dict[str, str]:
    """The one --keep-reason for every column kept as it is (:func:`pipeline.keep_reasons`).
    ``source_id`` ``None``: the study's survey."""
    from segprofile import pipeline

    source = (
        pipeline.survey_source(study)
        if source_id is None
        else next((s for s in study.data_sources if s.id == source_id), None)
    )
    return pipeline.keep_reasons(study, source, decisions, reason)


def _print_import(result: pipeline.ImportResult) -> None:
    m = result.manifest
    out.print(
        f"Загружена версия {m.version} источника «{m.source_id}»: строк {m.rows:,}".replace(
            ",", " "
        )
        + f", столбцов {len(m.columns)}.",
        highlight=False,
    )
    for f in result.pii:
        out.print(f"  • «{f.column}» ({f.kind.label}): {f.action.label}", highlight=False)
    for issue in result.quality.issues:
        out.print(f"  ! {issue.message}", highlight=False)
    out.print(f"Записано: {result.path}")


@app.command()
def datasets(
    study_id: Annotated[
        str, typer.Argument(metavar="ИССЛЕДОВАНИЕ", help="Идентификатор исследования")
    ],
    source: Annotated[str, typer.Argument(metavar="ИСТОЧНИК", help="Источник данных")],
) -> None:
    """Перечислить загруженные версии источника данных."""
    from rich.table import Table

    from segprofile import pipeline

    versions = pipeline.list_dataset_versions(_workspace(), study_id, source)
    if not versions:
        out.print(f"У источника «{source}» исследования «{study_id}» нет загруженных версий.")
        return
    table = Table(show_header=True, header_style="bold")
    for title in ("Версия", "Загружена", "Кто", "Файл", "Строк", "SHA-256"):
        table.add_column(title)
    for m in versions:
        table.add_row(str(m.version), m.created_at, m.author, m.file, str(m.rows), m.sha256[:12])
    out.print(table)


keys_app = typer.Typer(
    help="Ключи псевдонимизации: у каждого исследования свой, в хранилище ключей.",
    no_args_is_help=True,
)
app.add_typer(keys_app, name="keys")


@keys_app.command("rotate")
def keys_rotate(
    location: FileArg,
    source: Annotated[str, typer.Option("--source", "-s", help="Источник данных исследования")],
    study_path: Annotated[Path, typer.Option("--study", help="Документ исследования (study.yaml)")],
    author: Annotated[str | None, typer.Option("--author", help="Кто меняет ключ")] = None,
    keep_reason: KeepReasonOpt = None,
    sheet: SheetOpt = None,
    header_row: HeaderRowOpt = None,
    encoding: EncodingOpt = None,
    delimiter: DelimiterOpt = None,
    table: TableOpt = None,
    query: QueryOpt = None,
) -> None:
    """Сменить ключ исследования: исходный файл загружается заново с новым ключом.

    Получается новая версия источника с новыми псевдонимами; прежние версии остаются и
    читаются, прежний ключ переносится в retired/ хранилища ключей. Действие записывается
    в журнал.
    """
    from segprofile import pipeline

    study = pipeline.load_study(study_path)
    result = pipeline.rotate_key(
        _workspace(),
        location,
        study,
        source,
        author=_author(author),
        options=_read_options(sheet, header_row, encoding, delimiter, table, query),
        keep_reasons=_keep_reasons(study, source, {}, keep_reason),
    )
    _print_import(result)
    out.print(
        f"Ключ исследования «{study.id}» заменён: новый отпечаток {result.manifest.key_id}. "
        "Другие источники исследования с псевдонимами загрузите заново, чтобы они связывались "
        "с этой версией.",
        highlight=False,
    )


@app.command()
def reidentify(
    location: Annotated[
        str, typer.Argument(metavar="ФАЙЛ", help="Исходный файл ведомства (тот, что загружали)")
    ],
    source: Annotated[str, typer.Option("--source", "-s", help="Источник данных исследования")],
    study_path: Annotated[Path, typer.Option("--study", help="Документ исследования (study.yaml)")],
    respondents: Annotated[
        Path, typer.Option("--respondents", help="Файл респондентов плана (respondents.csv)")
    ],
    out_file: Annotated[Path, typer.Option("--out", "-o", help="Куда записать контакты (CSV)")],
    user: Annotated[str | None, typer.Option("--author", help="Кто запрашивает")] = None,
    sheet: SheetOpt = None,
    header_row: HeaderRowOpt = None,
    encoding: EncodingOpt = None,
    delimiter: DelimiterOpt = None,
) -> None:
    """Контакты выбранных респондентов (M-8): псевдонимы вычисляются заново по исходному файлу.

    Нужен ключ исследования. В OUT попадают только строки выбранных респондентов и только
    столбцы с персональными данными; программа ничего из них не хранит. Действие записывается
    в журнал (количества, без значений).
    """
    from segprofile import pipeline

    study = pipeline.load_study(study_path)
    result = pipeline.reidentify(
        _workspace(),
        location,
        study,
        source,
        respondents=respondents,
        out=out_file,
        user=_author(user),
        options=_read_options(sheet, header_row, encoding, delimiter, None, None),
    )
    out.print(
        f"Найдено респондентов: {result.found} из {result.requested}; строк с контактами: "
        f"{result.rows}. Записано: {out_file}",
        highlight=False,
    )
    if result.found < result.requested:
        err.print(
            f"[yellow]Не найдено {result.requested - result.found}:[/] их псевдонимов нет в этом "
            "файле (другая выгрузка или другой ключ).",
            highlight=False,
        )
    if result.same_file is False:
        err.print(
            f"[yellow]Файл отличается от загруженного в версии {result.version}[/] (другая "
            "выгрузка): контакты найдены по совпавшим псевдонимам.",
            highlight=False,
        )


research_app = typer.Typer(
    help="Исследования: план опроса и интервью (M-8), проверка гипотез (M-9).",
    no_args_is_help=True,
)
app.add_typer(research_app, name="research")


@research_app.command("plan")
def research_plan_cmd(
    study_path: StudyArg,
    data: Annotated[Path, typer.Option("--data", "-d", help="Каталог с данными исследования")],
    out_dir: Annotated[Path, typer.Option("--out", "-o", help="Куда записать план")] = Path(
        "out/research"
    ),
    per_segment: Annotated[
        int, typer.Option("--per-segment", help="Респондентов на каждый сегмент")
    ] = 1,
    keep_reason: KeepReasonOpt = None,
) -> None:
    """План исследования: объём опроса по сегментам, респонденты для интервью, гайды, гипотезы.

    Источник без загруженных версий читается из --data; столбец, который в исследовании
    оставлен как есть, остаётся таким только с причиной (--keep-reason, записывается в журнал).
    """
    from segprofile import pipeline

    study = pipeline.load_study(study_path)
    plan = pipeline.research_plan(_workspace(data, keep_reason), study, per_segment=per_segment)
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / "respondents.csv").write_bytes(pipeline.recruitment_csv(plan.recruitment))
    payload = {
        "sample_sizes": [s.model_dump(mode="json") for s in plan.sample_sizes],
        "recruitment": plan.recruitment.model_dump(mode="json"),
        "guides": [g.model_dump(mode="json") for g in plan.guides],
        "suggested_hypotheses": [h.model_dump(mode="json") for h in plan.suggested_hypotheses],
    }
    (out_dir / "research-plan.json").write_text(
        json.dumps(payload, ensure_ascii=False, indent=2), encoding="utf-8"
    )
    lines = ["# Гайды глубинных интервью", ""]
    for guide in plan.guides:
        lines += [f"## {guide.label}", ""]
        for section in guide.sections:
            lines += [f"### {section.title}", ""]
            lines += [f"- {q.text}" for q in section.questions]
            lines.append("")
    (out_dir / "guides.md").write_text("\n".join(lines), encoding="utf-8")
    rec = plan.recruitment
    factor = f"{rec.bound_factor:.2f}".replace(".", ",")
    bound = (
        f" Наименьшее возможное число респондентов — {rec.lower_bound}; список может быть "
        f"длиннее самого короткого, но не более чем в {factor} раза."
        if rec.bound_factor > 1
        else ""
    )
    out.print(
        f"Респондентов для интервью: {len(rec.respondents)}; сегментов по одному признаку "
        f"с респондентом: {rec.segments_covered} из {rec.segments_total}.{bound}",
        highlight=False,
    )
    for miss in rec.uncovered:
        err.print(f"[yellow]Без респондента:[/] {miss.label} — {miss.reason}", highlight=False)
    short = [s for s in plan.sample_sizes if s.short]
    out.print(
        f"Опрос: сегментов {len(plan.sample_sizes)}, из них с нехваткой ответов: {len(short)}."
    )
    out.print(f"Предложено гипотез из данных: {len(plan.suggested_hypotheses)}.")
    out.print(f"Записано: {out_dir / 'respondents.csv'}, research-plan.json, guides.md")


def _status(status: Any) -> str:
    """A hypothesis status as the reports name it (model.labels), in a sentence: «открыта»."""
    from segprofile.model.labels import ru

    return ru(status).lower()


def _write_study_choice(study_path: Path, out_file: Path | None, in_place: bool) -> Path | None:
    if out_file is not None and in_place:
        raise InputError(
            "Укажите что-то одно: --out (новый файл) или --in-place (на место).",
            hint="уберите один из ключей.",
        )
    return study_path if in_place else out_file


def _p_text(value: float | None) -> str:
    if value is None:
        return "—"
    return "< 0,001" if value < 0.001 else f"{value:.3f}".replace(".", ",")


@research_app.command("import-survey")
def research_import_survey(
    study_path: StudyArg,
    file: Annotated[
        Path, typer.Argument(metavar="ФАЙЛ", help="Ответы опроса: CSV, XLSX или Parquet")
    ],
    data: Annotated[Path, typer.Option("--data", "-d", help="Каталог с данными исследования")],
    mapping: Annotated[
        Path | None,
        typer.Option(
            "--mapping",
            "-m",
            help="Сопоставление вопросов и гипотез (YAML или CSV: question, hypothesis, "
            "support…); по умолчанию — questions источника опроса в исследовании",
        ),
    ] = None,
    source: Annotated[
        str | None, typer.Option("--source", "-s", help="Источник опроса в исследовании")
    ] = None,
    id_column: Annotated[
        str | None, typer.Option("--id-column", help="Столбец псевдонима клиента в опросе")
    ] = None,
    by_features: Annotated[
        bool,
        typer.Option("--by-features", help="Связать ответы с сегментами по столбцам признаков"),
    ] = False,
    threshold: Annotated[
        float | None, typer.Option("--threshold", help="Порог доли ответов (по умолчанию 0,5)")
    ] = None,
    min_answers: Annotated[
        int | None, typer.Option("--min-answers", help="Минимум ответов в сегменте (10)")
    ] = None,
    alpha: Annotated[
        float | None, typer.Option("--alpha", help="Уровень значимости после поправки (0,05)")
    ] = None,
    results: Annotated[
        Path | None,
        typer.Option("--results", "-r", help="Записать результаты проверок (.csv или .json)"),
    ] = None,
    out_file: Annotated[
        Path | None,
        typer.Option("--out", "-o", help="Записать документ с вердиктами в новый файл"),
    ] = None,
    in_place: Annotated[
        bool, typer.Option("--in-place", help="Записать вердикты в сам документ исследования")
    ] = False,
    sheet: SheetOpt = None,
    header_row: HeaderRowOpt = None,
    encoding: EncodingOpt = None,
    delimiter: DelimiterOpt = None,
    keep_reason: KeepReasonOpt = None,
) -> None:
    """Проверить гипотезы по ответам опроса (M-9): доли, интервалы, тесты, вердикты."""
    from segprofile import pipeline

    target = _write_study_choice(study_path, out_file, in_place)
    study = pipeline.load_study(study_path)
    questions = None
    if mapping is not None:
        try:
            raw_mapping = mapping.read_bytes()
        except FileNotFoundError:
            raise NotFound(
                f"Файл сопоставления {mapping} не найден.", hint="проверьте путь (--mapping)."
            ) from None
        questions = pipeline.read_question_mapping(raw_mapping, name=mapping.name)
    result = pipeline.import_survey(
        _workspace(data, keep_reason),
        study,
        file,
        questions=questions,
        source_id=source,
        id_column=id_column,
        by_features=by_features,
        threshold=threshold,
        min_answers=min_answers,
        alpha=alpha,
        options=_read_options(sheet, header_row, encoding, delimiter, None, None),
        keep_reasons=_keep_reasons(study, source, {}, keep_reason),
    )
    analysis = result.analysis
    info = result.file
    if result.joined_by == "id":
        how = f"по идентификатору «{info.id_column}»"
    else:
        how = "по столбцам признаков в опросе"
    out.print(
        f"Опрос {info.name}: ответов {analysis.respondents}, связано с сегментами "
        f"{analysis.matched} ({how}).",
        highlight=False,
    )
    if info.dropped:
        out.print(
            "Удалены как персональные данные: " + ", ".join(info.dropped) + ".", highlight=False
        )
    if info.pseudonymised:
        out.print("Заменены псевдонимом: " + ", ".join(info.pseudonymised) + ".", highlight=False)
    if any(info.masked.values()):
        out.print(f"В открытых ответах {info.masked_summary}.", highlight=False)
    out.print("[bold]Проверки[/] (вопрос × сегмент):")
    min_cell = study.segmentation.min_cell
    for x in analysis.tests:
        answers = f"меньше {min_cell}" if x.n is None else str(x.n)
        parts = [f"{x.label}: ответов {answers}"]
        if x.share is not None and x.interval is not None:
            parts.append(
                f"в пользу гипотезы {_pct(x.share)} "
                f"[{_pct(x.interval.low)}–{_pct(x.interval.high)}]"
            )
        if x.rest_share is not None:
            parts.append(f"у остальных {_pct(x.rest_share)}")
        if x.p_value is not None:
            test = "хи-квадрат" if x.test == "chi2" else "тест Фишера"
            parts.append(f"{test}: p {_p_text(x.p_value)}, p (БХ) {_p_text(x.p_adjusted)}")
        out.print(
            f"  • {x.hypothesis} · {x.question} · " + "; ".join(parts) + f" → {_status(x.status)}",
            highlight=False,
        )
    out.print("[bold]Вердикты[/]:")
    for v in analysis.verdicts:
        out.print(
            f"  • {v.hypothesis}: {_status(v.status)}. {v.reason}",
            highlight=False,
        )
    out.print("[bold]Правила вердиктов[/]:")
    for line in analysis.rules:
        out.print(f"  – {line}", highlight=False)
    if analysis.missing_segments:
        err.print(
            f"[bold yellow]Сегменты без единого респондента ({len(analysis.missing_segments)}):[/]"
        )
        for seg in analysis.missing_segments:
            err.print(f"  ! {seg.label} ({seg.key}) — {seg.reason}", highlight=False)
    else:
        out.print("[green]✓[/] В каждом сегменте профиля есть респонденты.")
    for warning in analysis.warnings:
        if warning.startswith("Нет ни одного респондента"):
            continue
        err.print(f"[yellow]Внимание:[/] {warning}", highlight=False)
    if results is not None:
        results.parent.mkdir(parents=True, exist_ok=True)
        if results.suffix.lower() == ".json":
            results.write_text(analysis.model_dump_json(indent=2), encoding="utf-8")
        else:
            results.write_bytes(pipeline.survey_results_csv(result))
        out.print(f"Результаты записаны: {results}")
    if target is None:
        out.print(
            "Документ исследования не изменён: чтобы записать вердикты и доказательства в "
            "гипотезы, укажите --in-place или --out ФАЙЛ."
        )
        return
    target.write_text(pipeline.dump_study(result.study), encoding="utf-8")
    out.print(f"Вердикты записаны в гипотезы ({len(analysis.verdicts)}): {target}", highlight=False)


@research_app.command("import-interviews")
def research_import_interviews(
    study_path: StudyArg,
    files: Annotated[
        list[Path],
        typer.Argument(metavar="ФАЙЛЫ", help="Заметки и расшифровки интервью: TXT, DOCX"),
    ],
    min_score: Annotated[
        float, typer.Option("--min-score", help="Минимальная оценка совпадения слов (0–1)")
    ] = 0.15,
    out_file: Annotated[
        Path | None,
        typer.Option("--out", "-o", help="Записать документ с цитатами в новый файл"),
    ] = None,
    in_place: Annotated[
        bool, typer.Option("--in-place", help="Записать цитаты в сам документ исследования")
    ] = False,
) -> None:
    """Загрузить интервью (M-9): маскирование персональных данных, цитаты для гипотез.

    Цитаты записываются как предложенные (неподтверждённые): подтвердить или отклонить их
    нужно на странице гипотез.
    """
    from segprofile import pipeline

    target = _write_study_choice(study_path, out_file, in_place)
    study = pipeline.load_study(study_path)
    loaded = []
    for path in files:
        try:
            loaded.append((path.name, path.read_bytes()))
        except FileNotFoundError:
            raise NotFound(f"Файл {path} не найден.", hint="проверьте путь к файлу.") from None
    result = pipeline.import_interviews(study, loaded, min_score=min_score)
    for note in result.notes:
        out.print(
            f"{note.source}: предложений {len(note.quotes)}; "
            f"{pipeline.describe_masked(note.masked)}.",
            highlight=False,
        )
    by_hypothesis: dict[str, list[str]] = {}
    for s in result.suggestions:
        by_hypothesis.setdefault(s.hypothesis, []).append(
            f"«{s.quote}» (общие слова: {', '.join(s.lemmas)})"
        )
    if not by_hypothesis:
        err.print(
            "[yellow]Ни одна цитата не совпала с гипотезами по словам.[/] Уменьшите --min-score "
            "или проверьте формулировки гипотез.",
            highlight=False,
        )
    for hid, quotes in by_hypothesis.items():
        out.print(f"[bold]{hid}[/]: предложено цитат {len(quotes)}", highlight=False)
        for quote in quotes:
            out.print(f"  – {quote}", highlight=False)
    if target is None:
        out.print(
            "Документ исследования не изменён: чтобы записать цитаты как предложенные, "
            "укажите --in-place или --out ФАЙЛ."
        )
        return
    target.write_text(pipeline.dump_study(result.study), encoding="utf-8")
    out.print(
        f"Предложенные цитаты ({len(result.suggestions)}) записаны: {target}. Подтвердите или "
        "отклоните их на странице гипотез.",
        highlight=False,
    )


journeys_app = typer.Typer(
    help="Клиентские пути: обмен в CSV и BPMN 2.0 (M-12).", no_args_is_help=True
)
app.add_typer(journeys_app, name="journeys")


@journeys_app.command("export")
def journeys_export(
    study_path: StudyArg,
    fmt: Annotated[str, typer.Option("--format", "-f", help="csv или bpmn")] = "csv",
    out_file: Annotated[Path | None, typer.Option("--out", "-o", help="Файл для записи")] = None,
) -> None:
    """Выгрузить пути исследования в CSV (шаг — строка) или BPMN 2.0 (bpmn.io, Camunda)."""
    from segprofile import pipeline

    study = pipeline.load_study(study_path)
    data = pipeline.export_journeys(study, fmt)
    target = out_file or Path(f"{study.id}-journeys.{fmt}")
    target.write_bytes(data)
    out.print(f"Путей: {len(study.journeys)}; записано: {target}")


@journeys_app.command("import")
def journeys_import(
    study_path: StudyArg,
    file: Annotated[Path, typer.Argument(metavar="ФАЙЛ", help="Файл CSV или BPMN с путями")],
    out_file: Annotated[
        Path | None, typer.Option("--out", "-o", help="Куда записать документ (иначе — на место)")
    ] = None,
) -> None:
    """Загрузить пути из CSV или BPMN в документ исследования (пути с тем же id заменяются)."""
    from segprofile import pipeline

    study = pipeline.load_study(study_path)
    fmt = "bpmn" if file.suffix.lower() in (".bpmn", ".xml") else "csv"
    try:
        data = file.read_bytes()
    except FileNotFoundError:
        raise NotFound(f"Файл {file} не найден.", hint="проверьте путь к файлу путей.") from None
    result = pipeline.import_journeys(study, data, fmt, source=file.name)
    updated = result.study
    target = out_file or study_path
    target.write_text(pipeline.dump_study(updated), encoding="utf-8")
    out.print(
        f"Путей в документе: {len(updated.journeys)}; в тексте шагов {result.masked_summary}; "
        f"записано: {target}",
        highlight=False,
    )


@app.command()
def report(
    study_path: StudyArg,
    data: DataOpt = None,
    fmt: Annotated[
        str | None,
        typer.Option("--format", "-f", help="docx, xlsx, html или pdf (по умолчанию docx)"),
    ] = None,
    out_dir: OutDirOpt = Path("out"),
    template: Annotated[
        Path | None,
        typer.Option(
            "--template",
            "-t",
            help="Шаблон органа .docx с подстановками (образец: segprofile report-template)",
        ),
    ] = None,
    keep_reason: KeepReasonOpt = None,
) -> None:
    """Построить профиль и записать отчёт (M-13): «OUT/Профиль — Название исследования.docx»
    (.xlsx, .html или .pdf), имя — как у отчёта, скачанного со страницы профиля, без редакции.

    --out — папка, как у profile: отчёты разных форматов не затирают друг друга. Можно указать
    и файл с расширением отчёта (--out отчёт.pdf): отчёт запишется в него, а формат возьмётся
    из расширения. Данные читаются так же, как в profile (и --keep-reason — как там).
    """
    from segprofile import pipeline
    from segprofile.model.format import TEMPLATE_NOTE, number, report_file_name

    file, fmt = _report_target(out_dir, fmt, pipeline.REPORT_FORMATS)
    study = pipeline.load_study(study_path)
    _require_data(study, study_path, data)
    try:
        template_bytes = template.read_bytes() if template else None
    except FileNotFoundError:
        raise NotFound(f"Шаблон {template} не найден.", hint="проверьте путь к шаблону.") from None
    if template_bytes is not None:  # a mistake in the template is said before a long profile
        pipeline.check_report_template(template_bytes)
    started = time.perf_counter()
    result = pipeline.profile_study(_workspace(data, keep_reason), study)
    content = pipeline.render_report(result, study, fmt, template=template_bytes)
    extension = pipeline.REPORT_FORMATS[fmt][1]
    note = TEMPLATE_NOTE if template_bytes is not None else ""
    target = file or _out_dir(out_dir) / report_file_name(study.title, extension, note=note)
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(content)
    elapsed = time.perf_counter() - started
    out.print(
        f"Отчёт записан за {number(elapsed, 1)} с: {target} ({number(len(content) // 1024)} КБ).",
        highlight=False,
    )
    _print_data_used(result, data)


@app.command("report-template")
def report_template(
    out_file: Annotated[
        Path, typer.Argument(metavar="ФАЙЛ", help="Куда записать образец шаблона (.docx)")
    ] = Path("report-template.docx"),
    check_file: Annotated[
        Path | None,
        typer.Option("--check", "-c", help="Проверить свой шаблон .docx, ничего не записывая"),
    ] = None,
) -> None:
    """Образец шаблона отчёта органа и список его подстановок (M-13), или проверка своего шаблона.

    Образец, заполненный командой report --template, даёт стандартный отчёт; рядом с ним
    записывается список подстановок (.md). С --check шаблон заполняется пробно, и ошибка
    называет подстановку и абзац, где она стоит.
    """
    from segprofile import pipeline

    if check_file is not None:
        try:
            data = check_file.read_bytes()
        except FileNotFoundError:
            raise NotFound(
                f"Шаблон {check_file} не найден.", hint="проверьте путь к шаблону."
            ) from None
        pipeline.check_report_template(data)
        out.print(f"Шаблон {check_file} заполняется без ошибок.", highlight=False)
        return
    if out_file.suffix.lower() != ".docx":
        raise InputError(
            f"Образец шаблона — файл .docx, а указан «{out_file.name}».",
            hint="укажите имя с расширением .docx, например report-template.docx.",
        )
    guide = out_file.with_suffix(".md")
    out_file.parent.mkdir(parents=True, exist_ok=True)
    out_file.write_bytes(pipeline.sample_report_template())
    guide.write_text(pipeline.report_template_guide(), encoding="utf-8")
    out.print(f"Образец шаблона: {out_file}; список подстановок: {guide}", highlight=False)


def _report_target(
    out_dir: Path, fmt: str | None, formats: dict[str, Any]
) -> tuple[Path | None, str]:
    """The report's format, and its file when --out names one (``отчёт.pdf``) instead of a
    folder; a format and an extension that disagree are an error."""
    if fmt is not None:
        fmt = fmt.lower()
        if fmt not in formats:
            raise InputError(
                f"Неизвестный формат отчёта «{fmt}».", hint="выберите docx, xlsx, html или pdf."
            )
    suffix = out_dir.suffix.lower().lstrip(".")
    if suffix not in formats or out_dir.is_dir():
        return None, fmt or "docx"
    if fmt is not None and fmt != suffix:
        raise InputError(
            f"--out {out_dir} — файл .{suffix}, а формат отчёта — {fmt}.",
            hint=f"укажите папку (например, --out out) — файл будет назван по исследованию и "
            f"формату — или имя файла с расширением .{fmt}.",
        )
    return out_dir, suffix


def run(argv: list[str] | None = None) -> int:
    """Run the app on ``argv``; core errors become a message on stderr and an exit code."""
    try:
        command = _in_russian(typer.main.get_command(app))
        code = command.main(args=argv, prog_name="segprofile", standalone_mode=False)
    except typer.Exit as exc:
        return exc.exit_code
    except (typer.Abort, KeyboardInterrupt):
        err.print("Прервано.")
        return 130
    except SegprofileError as exc:
        _print_error(exc)
        return exc.exit_code
    except typer.TyperException as exc:  # a usage error found by the parser (Click's family)
        if type(exc).__name__ == "NoArgsIsHelpError":  # a bare group: its help, as asked
            err.print(exc.format_message(), markup=False, highlight=False)
            return 2
        _print_error(_usage_error(exc, argv if argv is not None else sys.argv[1:]))
        return 2
    except Exception as exc:
        if config.current().debug:
            raise
        log.debug("internal error", exc_info=True)
        err.print(
            f"[bold red]Внутренняя ошибка[/] ({type(exc).__name__}). "
            "Повторите с SEGPROFILE_DEBUG=1 и сообщите разработчикам."
        )
        return 70
    return code if isinstance(code, int) else 0


def _print_error(exc: SegprofileError) -> None:
    err.print(f"[bold red]Ошибка:[/] {exc}", markup=True, highlight=False)


# What a parameter of each type takes, for «недопустимое значение» (by the annotation's name).
_EXPECTED = {"int": "целое число", "float": "число (например, 0.05)", "bool": "да или нет"}


def _usage_error(exc: Exception, argv: list[str]) -> InputError:
    """A usage error of the parser (missing or unknown option, bad value, extra argument) said
    in Russian, with what to do; the exit code is 2, as for any bad input."""
    ctx = getattr(exc, "ctx", None)
    command = ctx.command_path if ctx is not None else _command_path(argv)
    see = f" (справка — {command} --help)."
    param = getattr(exc, "param", None)
    kind = type(exc).__name__
    if kind == "MissingParameter" and param is not None:
        if param.param_type_name == "argument":
            return InputError(
                f"Не указан аргумент {_param_text(param)}.", hint="добавьте его в команду" + see
            )
        return InputError(
            f"Не указан обязательный параметр {_param_text(param)}.",
            hint=f"добавьте {param.opts[0]} и значение" + see,
        )
    if kind == "NoSuchOption":
        close = sorted(getattr(exc, "possibilities", None) or [])
        guess = f" — возможно, имелся в виду {' или '.join(close)}" if close else ""
        return InputError(
            f"У команды {command} нет параметра {getattr(exc, 'option_name', '')}.",
            hint=f"проверьте написание{guess}" + see,
        )
    if kind == "BadParameter" and param is not None:
        expected = _EXPECTED.get(_annotation_name(param), "")
        return InputError(
            f"Недопустимое значение параметра {_param_text(param)}"
            + (f": нужно {expected}." if expected else "."),
            hint="исправьте значение" + see,
        )
    if kind == "BadOptionUsage":
        name = getattr(exc, "option_name", "")
        if "does not take a value" in str(exc):
            return InputError(
                f"Параметр {name} не принимает значения.", hint=f"уберите «=…» после {name}" + see
            )
        return InputError(
            f"После параметра {name} нет значения.", hint=f"укажите значение после {name}" + see
        )
    message = str(exc)
    if match := re.match(r"No such command (.+)\.$", message):
        name = match.group(1).strip("'\"")
        commands = ", ".join(ctx.command.list_commands(ctx)) if ctx is not None else ""
        return InputError(
            f"Нет команды «{name}».",
            hint=(f"выберите одну из команд: {commands}" if commands else "проверьте команду")
            + see,
        )
    if match := re.match(r"Got unexpected extra argument(?:\(s\)|s)? \((.*)\)$", message):
        return InputError(
            f"Лишние аргументы: {match.group(1)}.",
            hint="уберите лишнее; путь с пробелами заключите в кавычки" + see,
        )
    if message == "Missing command.":
        return InputError("Не указана команда.", hint="укажите команду" + see)
    return InputError(f"Команда записана неверно ({message}).", hint="проверьте команду" + see)


def _command_path(argv: list[str]) -> str:
    """``segprofile research plan`` from the command line, for errors the parser raises
    without saying in which command."""
    group = typer.main.get_command(app)
    path = ["segprofile"]
    for token in argv:
        sub = getattr(group, "commands", {}).get(token)
        if sub is None:
            if not token.startswith("-"):
                break
            continue
        path.append(token)
        group = sub
    return " ".join(path)


def _param_text(param: Any) -> str:
    """``--data (-d) — каталог с файлами данных…`` or ``ДОКУМЕНТ — документ исследования``."""
    if param.param_type_name == "argument":
        name = str(param.metavar or param.name).upper()
    else:
        name = " (".join(param.opts[:2]) + (")" if len(param.opts) > 1 else "")
    described = str(getattr(param, "help", None) or "").strip()
    if not described:
        return name
    return f"{name} — {described[0].lower()}{described[1:]}"


def _annotation_name(param: Any) -> str:
    """The Python type a parameter takes (``int``, ``float``…), when Typer tells it."""
    annotation = getattr(getattr(param, "type_descriptor", None), "annotation", None)
    for candidate in (annotation, *getattr(annotation, "__args__", ())):
        if isinstance(candidate, type) and candidate is not type(None):
            return candidate.__name__
    return ""


def main() -> None:
    """Console entry point."""
    try:
        level = config.current().log
    except SegprofileError as exc:  # a setting that cannot be used: said like any other error
        err.print(f"[bold red]Ошибка:[/] {exc}", highlight=False)
        sys.exit(exc.exit_code)
    logging.basicConfig(level=level)
    sys.exit(run())


if __name__ == "__main__":
    main()
