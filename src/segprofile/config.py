"""Every setting of segprofile: its environment variable, default, type and one line of help.

The environment is read once (:func:`current`); what differs between machines is nowhere else
read from it. Tests build a :class:`Config` from a mapping (:func:`from_mapping`) or change the
current one (:func:`use`). ``docs/deploy.md`` documents each setting (a test checks it).
"""

from __future__ import annotations

import math
import os
import types
import typing
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

from segprofile.errors import ConfigError


def _setting(env: str, default: Any, help: str, *, secret: bool = False) -> Any:
    """A field of :class:`Config`; a secret one is never shown (repr, messages)."""
    return field(
        default=default, repr=not secret, metadata={"env": env, "help": help, "secret": secret}
    )


@dataclass(frozen=True)
class Config:
    """The settings in force. Paths are absolute; an empty variable counts as unset."""

    # --- where data lives -----------------------------------------------------------------------
    home: Path = _setting(
        "SEGPROFILE_HOME",
        Path("var"),
        "каталог данных: версии данных исследований, журналы загрузок, база SQLite",
    )
    keys: Path | None = _setting(
        "SEGPROFILE_KEYS",
        None,
        "хранилище ключей псевдонимизации, только вне каталога данных (по умолчанию "
        "<SEGPROFILE_HOME>-keys)",
    )
    staging: Path | None = _setting(
        "SEGPROFILE_STAGING",
        None,
        "закрытый каталог, где исходные файлы ждут проверки, вне каталога данных (по умолчанию "
        "<SEGPROFILE_HOME>-staging)",
    )
    staging_hours: float = _setting(
        "SEGPROFILE_STAGING_HOURS", 24.0, "через сколько часов удаляется незагруженный файл"
    )
    engine: str = _setting(
        "SEGPROFILE_ENGINE", "duckdb://", "движок расчётов: duckdb:// или pyspark://…"
    )
    legacy_pseudonym_key: str = _setting(
        "SEGPROFILE_PSEUDONYM_KEY",
        "",
        "ключ псевдонимизации прежних версий (hex), только для переноса в хранилище ключей",
        secret=True,
    )
    # --- limits of reading files ----------------------------------------------------------------
    max_file_mb: float = _setting(
        "SEGPROFILE_MAX_FILE_MB", 20480.0, "наибольший читаемый файл данных, МБ"
    )
    max_columns: int = _setting(
        "SEGPROFILE_MAX_COLUMNS", 2000, "наибольшее число столбцов файла CSV или листа книги"
    )
    max_cell_kb: float = _setting(
        "SEGPROFILE_MAX_CELL_KB", 128.0, "наибольшая длина одного значения CSV, КБ"
    )
    max_sheet_cells: int = _setting(
        "SEGPROFILE_MAX_SHEET_CELLS", 10_000_000, "наибольшая занятая область листа XLSX/XLS"
    )
    max_unzipped_mb: float = _setting(
        "SEGPROFILE_MAX_UNZIPPED_MB", 1024.0, "наибольший объём частей XLSX или DOCX, МБ"
    )
    max_zip_ratio: float = _setting(
        "SEGPROFILE_MAX_ZIP_RATIO", 100.0, "наибольшая степень сжатия крупной части XLSX/DOCX"
    )
    max_docx_xml_mb: float = _setting(
        "SEGPROFILE_MAX_DOCX_XML_MB", 10.0, "наибольший текст одной части DOCX, МБ"
    )
    yaml_max_depth: int = _setting(
        "SEGPROFILE_YAML_MAX_DEPTH", 50, "наибольшая вложенность документа исследования"
    )
    import_memory: str = _setting(
        "SEGPROFILE_IMPORT_MEMORY", "768MB", "память движка загрузки (DuckDB memory_limit)"
    )
    import_threads: int | None = _setting(
        "SEGPROFILE_IMPORT_THREADS", None, "потоков движка загрузки (по умолчанию — все ядра)"
    )
    parse_memory_mb: int = _setting(
        "SEGPROFILE_PARSE_MEMORY_MB", 6144, "адресное пространство процесса разбора файла, МБ"
    )
    parse_seconds: float = _setting(
        "SEGPROFILE_PARSE_SECONDS", 600.0, "время разбора одного файла, секунд"
    )
    # --- the web application and the command line -----------------------------------------------
    debug: bool = _setting(
        "SEGPROFILE_DEBUG", False, "1 — режим отладки: трассировки ошибок (не для сервера)"
    )
    log: str = _setting("SEGPROFILE_LOG", "WARNING", "уровень журнала командной строки")
    secret_key: str = _setting(
        "SEGPROFILE_SECRET_KEY",
        "",
        "секретный ключ веб-приложения (без него для разработки создаётся в каталоге данных)",
        secret=True,
    )
    allowed_hosts: tuple[str, ...] = _setting(
        "SEGPROFILE_ALLOWED_HOSTS", ("127.0.0.1", "localhost"), "имена сервера через запятую"
    )
    csrf_trusted_origins: tuple[str, ...] = _setting(
        "SEGPROFILE_CSRF_TRUSTED_ORIGINS", (), "адреса https://… за прокси через запятую"
    )
    trusted_proxies: tuple[str, ...] = _setting(
        "SEGPROFILE_TRUSTED_PROXIES", (), "адреса или сети обратных прокси через запятую"
    )
    database_url: str = _setting(
        "DATABASE_URL",
        "",
        "postgres://… — база приложения в PostgreSQL (иначе SQLite)",
        secret=True,  # holds the password
    )
    https: bool = _setting("SEGPROFILE_HTTPS", False, "1 — сайт работает по HTTPS за прокси")
    hsts_seconds: int = _setting("SEGPROFILE_HSTS_SECONDS", 31_536_000, "срок HSTS, секунд")
    hsts_preload: bool = _setting(
        "SEGPROFILE_HSTS_PRELOAD", True, "0 — не проситься в списки предзагрузки HSTS"
    )
    session_hours: float = _setting(
        "SEGPROFILE_SESSION_HOURS", 8.0, "сеанс заканчивается после стольких часов без запросов"
    )
    login_attempts: int = _setting(
        "SEGPROFILE_LOGIN_ATTEMPTS", 5, "неудачных входов подряд до блокировки"
    )
    lockout_minutes: int = _setting(
        "SEGPROFILE_LOCKOUT_MINUTES", 15, "на сколько минут блокируется вход"
    )
    time_zone: str = _setting("SEGPROFILE_TIME_ZONE", "Europe/Moscow", "часовой пояс страниц")
    max_upload_mb: int = _setting(
        "SEGPROFILE_MAX_UPLOAD_MB", 512, "наибольший файл данных, принимаемый через веб, МБ"
    )
    given: frozenset[str] = field(default=frozenset(), compare=False, repr=False)
    """The names of the settings set (not defaulted)."""

    @property
    def key_store(self) -> Path:
        """The pseudonym key store: ``keys``, else the data home's sibling ``<home>-keys``."""
        return self.keys or self.home.with_name(f"{self.home.name}-keys")

    @property
    def staging_root(self) -> Path:
        """The gate's private area: ``staging``, else ``<home>-staging``. One inside the data
        home (or holding it) is refused: raw and depersonalised data are never stored
        together."""
        root = self.staging or self.home.with_name(f"{self.home.name}-staging")
        check_apart(root, self.home)
        return root

    def require(self, name: str) -> None:
        """Refuse to go on without a setting given explicitly (production needs some)."""
        if name not in self.given:
            env = SETTINGS[name].name
            raise ConfigError(
                f"{env} не задан: в рабочей конфигурации он обязателен.",
                hint=f"задайте {env} в окружении (см. docs/deploy.md).",
            )


def check_apart(staging: Path, home: Path) -> None:
    """Refuse a staging area inside the data home or holding it: raw and depersonalised data
    are never stored together."""
    staging, home = staging.resolve(), home.resolve()
    if staging.is_relative_to(home) or home.is_relative_to(staging):
        raise ConfigError(
            "Папка временных загрузок SEGPROFILE_STAGING лежит в папке данных "
            "SEGPROFILE_HOME (или содержит её), а исходные файлы нельзя хранить вместе с "
            "обезличенными данными.",
            hint="укажите для SEGPROFILE_STAGING отдельную папку, например рядом с папкой данных.",
        )


@dataclass(frozen=True)
class Setting:
    """One setting as the documentation lists it."""

    name: str  # the environment variable
    attr: str  # the attribute of Config
    default: Any
    help: str
    type: Any
    secret: bool


_TYPES = typing.get_type_hints(Config)
SETTINGS: dict[str, Setting] = {
    f.name: Setting(
        f.metadata["env"],
        f.name,
        f.default,
        f.metadata["help"],
        _TYPES[f.name],
        f.metadata["secret"],
    )
    for f in fields(Config)
    if "env" in f.metadata
}
"""Every setting by attribute name."""


def _parse(setting: Setting, text: str) -> Any:
    kind = setting.type
    if typing.get_origin(kind) in (typing.Union, types.UnionType):  # X | None
        kind = next(a for a in typing.get_args(kind) if a is not type(None))
    if kind is Path:
        return Path(text).expanduser().resolve()
    if kind is str:
        return text
    if kind is bool:
        value = text.strip().lower()
        if value in ("1", "true", "yes", "on"):
            return True
        if value in ("0", "false", "no", "off"):
            return False
        raise _bad(setting, "ожидалось 1 или 0")
    if typing.get_origin(kind) is tuple:
        return tuple(item.strip() for item in text.split(",") if item.strip())
    try:
        number = float(text)
    except ValueError:
        raise _bad(setting, "ожидалось число") from None
    if not math.isfinite(number) or number < 0:
        raise _bad(setting, "ожидалось неотрицательное число")
    if kind is int:
        if number != int(number):
            raise _bad(setting, "ожидалось целое число")
        return int(number)
    return number


def _bad(setting: Setting, why: str) -> ConfigError:
    return ConfigError(
        f"Переменная окружения {setting.name} задана неверно: {why}.",
        hint=f"{setting.help}; по умолчанию — {_shown_default(setting)} (docs/deploy.md).",
    )


def _shown_default(setting: Setting) -> str:
    value = setting.default
    if isinstance(value, tuple):
        return ",".join(value) or "пусто"
    if isinstance(value, bool):
        return "1" if value else "0"
    return "не задано" if value in (None, "") else str(value)


def from_mapping(environ: Mapping[str, str]) -> Config:
    """A configuration from environment-like text values (``{"SEGPROFILE_HOME": "/srv/d"}``);
    unknown names are ignored, empty values count as unset."""
    values: dict[str, Any] = {}
    for attr, setting in SETTINGS.items():
        text = environ.get(setting.name, "").strip()
        if text:
            values[attr] = _parse(setting, text)
    given = frozenset(values)
    values.setdefault("home", Path("var").resolve())
    return Config(**values, given=given)


def from_environ() -> Config:
    """The configuration the environment gives."""
    return from_mapping(os.environ)


_current: Config | None = None


def current() -> Config:
    """The settings in force: read from the environment on first use."""
    global _current
    if _current is None:
        _current = from_environ()
    return _current


def use(config: Config | None) -> None:
    """Put ``config`` in force (tests, a parse child taking its caller's); ``None``: read the
    environment again on next use."""
    global _current
    _current = config
