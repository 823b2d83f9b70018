"""The command line: ``segprofile check | profile | schema | demo-data | examples``.

Core errors are translated here: a Russian message on stderr and the error's exit code
(2 — bad input, 1 — the profile is incomplete), never a traceback.
"""

from __future__ import annotations

import json
import logging
import os
import sys
import time
from pathlib import Path
from typing import Annotated

import click
import typer
from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from segprofile import __version__, pipeline
from segprofile.errors import SegprofileError
from segprofile.model.checks import Severity, is_complete
from segprofile.model.spec_yaml import study_json_schema

app = typer.Typer(
    name="segprofile",
    help="Профиль клиентского сегмента: сегменты, удовлетворённость, гипотезы, рекомендации.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)
out = Console(soft_wrap=True)
err = Console(stderr=True, soft_wrap=True)
log = logging.getLogger("segprofile")

StudyArg = Annotated[Path, typer.Argument(help="Документ исследования (study.yaml)")]


def _version(value: bool) -> None:
    if value:
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
    out.print_json(json.dumps(study_json_schema(), ensure_ascii=False))


@app.command()
def check(study_path: StudyArg) -> None:
    """Проверить, чего не хватает профилю (с кодами методики M-n).

    Код выхода: 0 — профиль полон, 1 — чего-то не хватает, 2 — документ с ошибками.
    """
    study = pipeline.load_study(study_path)
    findings = pipeline.check(study)
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


@app.command()
def profile(
    study_path: StudyArg,
    data: Annotated[
        Path, typer.Option("--data", "-d", help="Каталог с файлами данных исследования")
    ],
    out_dir: Annotated[Path, typer.Option("--out", "-o", help="Куда записать профиль")] = Path(
        "out"
    ),
) -> None:
    """Построить профиль: OUT/profile.html и OUT/profile.json."""
    study = pipeline.load_study(study_path)
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

        result = pipeline.profile_study(study, data, progress=progress)
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / "profile.json").write_text(pipeline.profile_to_json(result), encoding="utf-8")
    (out_dir / "profile.html").write_text(
        pipeline.render_profile_html(result, study), encoding="utf-8"
    )
    elapsed = time.perf_counter() - started
    summary = Table(show_header=True, header_style="bold")
    summary.add_column("Признак")
    summary.add_column("Сегментов", justify="right")
    for fs in result.by_feature:
        summary.add_row(fs.label, str(len(fs.segments)))
    out.print(summary)
    out.print(
        f"Профиль построен за {elapsed:.1f} с: клиентов {result.total_clients:,}".replace(",", " ")
        + f", признаков {len(result.by_feature)}."
    )
    out.print(f"Записано: {out_dir / 'profile.html'}, {out_dir / 'profile.json'}")


@app.command("demo-data")
def demo_data(
    example: Annotated[str, typer.Argument(help="Пример: child-benefit или internal-accounting")],
    rows: Annotated[
        int, typer.Option("--rows", "-n", help="Число строк данных о клиентах")
    ] = 20_000,
    seed: Annotated[int, typer.Option("--seed", help="Зерно генератора")] = 42,
    out_dir: Annotated[Path, typer.Option("--out", "-o", help="Каталог для файлов Parquet")] = Path(
        "var/demo"
    ),
) -> None:
    """Сгенерировать синтетические данные примера (Parquet)."""
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
    table = Table(show_header=True, header_style="bold")
    table.add_column("Пример")
    table.add_column("Название")
    table.add_column("Документ")
    for info in pipeline.list_examples():
        table.add_row(info.name, info.title, str(info.study_path))
    out.print(table)


def run(argv: list[str] | None = None) -> int:
    """Run the app on ``argv``; core errors become a message on stderr and an exit code."""
    try:
        code = app(args=argv, standalone_mode=False)
    except click.ClickException as exc:
        exc.show()
        return exc.exit_code
    except SegprofileError as exc:
        err.print(f"[bold red]Ошибка:[/] {exc}", highlight=False)
        return exc.exit_code
    except typer.Exit as exc:
        return exc.exit_code
    except (typer.Abort, KeyboardInterrupt):
        err.print("Прервано.")
        return 130
    except Exception as exc:
        if os.environ.get("SEGPROFILE_DEBUG"):
            raise
        log.debug("internal error", exc_info=True)
        err.print(
            f"[bold red]Внутренняя ошибка[/] ({type(exc).__name__}). "
            "Повторите с SEGPROFILE_DEBUG=1 и сообщите разработчикам."
        )
        return 70
    return code if isinstance(code, int) else 0


def main() -> None:
    """Console entry point."""
    logging.basicConfig(level=os.environ.get("SEGPROFILE_LOG", "WARNING"))
    sys.exit(run())


if __name__ == "__main__":
    main()
