"""Errors raised by the core and translated at the edges (CLI exit codes, HTTP statuses).

Messages are in Russian, for the user. They name files, columns, rows and document paths, and
say how to fix the problem; they never contain client values.
"""

from __future__ import annotations


class SegprofileError(Exception):
    """Base of every error the core raises on purpose."""

    http_status: int = 500
    exit_code: int = 1

    def __init__(self, message: str, *, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        if self.hint:
            return f"{self.message}\nЧто сделать: {self.hint}"
        return self.message


class InputError(SegprofileError, ValueError):
    """Bad user input: a document, a file, a column or a value that cannot be used."""

    http_status = 400
    exit_code = 2


class DocumentError(InputError):
    """A study document that is not valid YAML or violates the schema.

    ``problems`` lists ``(path, line, message)``; ``line`` is 1-based or ``None``.
    """

    def __init__(
        self,
        source: str,
        problems: list[tuple[str, int | None, str]],
    ) -> None:
        self.source = source
        self.problems = problems
        lines = []
        for path, line, text in problems:
            where = f"{source}"
            if line is not None:
                where += f", строка {line}"
            lines.append(f"{where}: {path}: {text}" if path else f"{where}: {text}")
        super().__init__(
            "Документ исследования содержит ошибки:\n" + "\n".join(f"  • {x}" for x in lines),
            hint="исправьте перечисленные поля и загрузите документ снова.",
        )


class NotFound(SegprofileError, LookupError):
    """A study, example, data source or file that does not exist."""

    http_status = 404
    exit_code = 2


class ConflictError(SegprofileError):
    """Someone else changed the same thing first."""

    http_status = 409
    exit_code = 3


class EngineError(SegprofileError):
    """The data engine failed for a reason that is not the user's input."""

    http_status = 500
    exit_code = 4


class ConfigError(SegprofileError):
    """A setting in the environment that cannot be used (see :mod:`segprofile.config`)."""

    http_status = 500
    exit_code = 78  # EX_CONFIG of sysexits.h
