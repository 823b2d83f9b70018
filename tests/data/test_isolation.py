"""Parsing in a child process with limits: results and errors come back, deaths become a clear
Russian message naming the file and the limits, and the caller lives on.

The functions the children run are defined here, at module level (a child imports them by name).
"""

from __future__ import annotations

import os
import resource
import signal
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from segprofile import config, pipeline
from segprofile.data import isolation, staging
from segprofile.data.isolation import Limits, run_isolated
from segprofile.errors import DocumentError, InputError

ROOMY = Limits(memory_mb=isolation.DEFAULT_MEMORY_MB, seconds=60)


def _limits_seen() -> tuple[int, int, int]:
    return (
        resource.getrlimit(resource.RLIMIT_AS)[0],
        resource.getrlimit(resource.RLIMIT_CPU)[0],
        resource.getrlimit(resource.RLIMIT_CORE)[0],
    )


def _environment(name: str) -> tuple[str | None, str, int]:
    return os.environ.get(name), os.getcwd(), os.getpid()


def _max_columns() -> int:
    return config.current().max_columns


def _allocate(megabytes: int) -> int:
    return len(bytearray(megabytes << 20))


def _spin() -> None:
    while True:
        pass


def _wait_for_ever() -> None:
    threading.Event().wait()


def _abort() -> None:
    os.abort()


def _fail_with_a_value() -> None:
    raise KeyError("Иванов Иван Иванович")


def _killed_while_reading() -> None:
    with staging.work_dir() as work:
        (work / "copy.csv").write_bytes("ФИО\nИванов Иван Иванович\n".encode())
        os.kill(os.getpid(), signal.SIGKILL)


@pytest.fixture(autouse=True)
def staging_root(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    root = tmp_path / "staging"
    monkeypatch.setenv("SEGPROFILE_STAGING", str(root))
    return root


def _csv(tmp_path: Path) -> Path:
    path = tmp_path / "заявления.csv"
    lines = [f"{i};{'МФЦ' if i % 7 else 'ЕПГУ'};{18 + i % 50}" for i in range(500)]
    path.write_text("Номер;Канал;Возраст\n" + "\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_the_result_comes_back_from_a_child_with_the_limits_set(tmp_path: Path) -> None:
    path = _csv(tmp_path)
    inspection = run_isolated(
        pipeline.inspect_file,
        pipeline.Workspace.in_folder(tmp_path),
        path,
        file=path.name,
        limits=ROOMY,
    )
    assert (inspection.file, inspection.rows) == ("заявления.csv", 500)
    assert [c.name for c in inspection.quality.columns] == ["Номер", "Канал", "Возраст"]
    memory, cpu, core = run_isolated(_limits_seen, file="—", limits=Limits(5000, 42))
    assert (memory, cpu, core) == (5000 << 20, 42, 0)  # no core dump: it would hold the file
    assert run_isolated(_environment, "X", file="—", limits=ROOMY)[2] != os.getpid()


def test_the_childs_error_comes_back_as_it_was_raised() -> None:
    text = "schema_version: '1.0'\nid: x\n"
    with pytest.raises(DocumentError) as raised:
        run_isolated(pipeline.parse_study, text, source="исследование.yaml", file="—")
    assert raised.value.source == "исследование.yaml"
    assert any(path == "title" for path, _, _ in raised.value.problems)
    assert "исследование.yaml" in str(raised.value)


def test_the_child_takes_the_callers_settings_at_each_call(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, configure: Callable[..., Any]
) -> None:
    assert run_isolated(_max_columns, file="—", limits=ROOMY) == 2000
    configure(max_columns=7)
    monkeypatch.setenv("SEGPROFILE_SOMETHING", "x")
    monkeypatch.chdir(tmp_path)
    assert run_isolated(_max_columns, file="—", limits=ROOMY) == 7
    value, cwd, _ = run_isolated(_environment, "SEGPROFILE_SOMETHING", file="—", limits=ROOMY)
    assert (value, cwd) == ("x", str(tmp_path))


def test_a_normal_file_over_a_tiny_memory_limit_is_a_russian_message(tmp_path: Path) -> None:
    path = _csv(tmp_path)
    with pytest.raises(InputError) as raised:
        run_isolated(
            pipeline.inspect_file,
            pipeline.Workspace.in_folder(tmp_path),
            path,
            file=path.name,
            limits=Limits(64, 60),
        )
    message = str(raised.value)
    assert message.startswith(
        "Файл заявления.csv не удалось разобрать в пределах 64 МБ памяти и 60 с: "
    )
    assert "не хватило памяти" in message
    assert "SEGPROFILE_PARSE_MEMORY_MB" in message
    # The caller lives on: the next parse with room is fine.
    assert (
        run_isolated(
            pipeline.inspect_file,
            pipeline.Workspace.in_folder(tmp_path),
            path,
            file=path.name,
            limits=ROOMY,
        ).rows
        == 500
    )


def test_a_memory_error_in_the_child_is_told_as_such() -> None:
    baseline = run_isolated(_allocate, 1, file="—", limits=ROOMY)
    assert baseline == 1 << 20
    # The child's program takes about 1 GB of address space before it reads anything.
    with pytest.raises(InputError, match="в пределах 2048 МБ памяти и 60 с: разбору не хватило"):
        run_isolated(_allocate, 4096, file="книга.xlsx", limits=Limits(2048, 60))


def test_a_parse_using_the_processor_too_long_is_stopped() -> None:
    with pytest.raises(InputError) as raised:
        run_isolated(_spin, file="книга.xlsx", limits=Limits(isolation.DEFAULT_MEMORY_MB, 1))
    assert "Файл книга.xlsx не удалось разобрать в пределах" in str(raised.value)
    assert "и 1 с: разбор не уложился во время" in str(raised.value)


def test_a_parse_that_waits_is_killed_by_the_clock() -> None:
    limits = Limits(isolation.DEFAULT_MEMORY_MB, 0.5)
    with pytest.raises(InputError, match="и 0,5 с: разбор не уложился во время"):
        run_isolated(_wait_for_ever, file="заметки.docx", limits=limits)


def test_a_native_abort_is_a_message_not_a_crash() -> None:
    with pytest.raises(InputError) as raised:
        run_isolated(_abort, file="книга.xlsx", limits=ROOMY)
    assert "разбор аварийно завершился (SIGABRT)" in str(raised.value)


def test_an_unexpected_error_is_named_by_its_type_only() -> None:
    with pytest.raises(InputError) as raised:
        run_isolated(_fail_with_a_value, file="выгрузка.csv", limits=ROOMY)
    assert "разбор прервался с ошибкой KeyError" in str(raised.value)
    assert "Иванов" not in str(raised.value)


def test_a_killed_childs_copy_of_the_raw_file_is_deleted(staging_root: Path) -> None:
    with pytest.raises(InputError, match="SIGKILL"):
        run_isolated(_killed_while_reading, file="выгрузка.csv", limits=ROOMY)
    assert list((staging_root / staging.WORK).iterdir()) == []


def test_limits_are_settings(configure: Callable[..., Any]) -> None:
    assert Limits.from_config() == Limits(6144, 600)
    configure(parse_memory_mb=2500, parse_seconds=90)
    assert Limits.from_config() == Limits(2500, 90)
