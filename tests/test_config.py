"""The settings: declared once, read once, each one documented in docs/deploy.md."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from segprofile import config
from segprofile.config import SETTINGS, from_mapping
from segprofile.errors import ConfigError

ROOT = Path(__file__).resolve().parents[1]
# Variables docs/deploy.md names that other programs read (Django), not segprofile.
NOT_OURS = {"DJANGO_SETTINGS_MODULE"}


def test_every_setting_is_documented_in_deploy_md() -> None:
    text = (ROOT / "docs" / "deploy.md").read_text(encoding="utf-8")
    # A setting is documented by a row of one of the page's tables: «| `NAME` | what | default |».
    documented = set(re.findall(r"^\| `([A-Z][A-Z0-9_]+)` \|", text, flags=re.MULTILINE))
    declared = {s.name for s in SETTINGS.values()}
    assert declared - documented == set(), "settings missing from docs/deploy.md"
    assert documented - declared - NOT_OURS == set(), "docs/deploy.md names unknown settings"
    named = set(re.findall(r"\b(SEGPROFILE_[A-Z0-9_]+|DATABASE_URL)\b", text))
    assert named - declared == set(), "docs/deploy.md mentions settings that do not exist"


def test_every_setting_has_a_name_a_default_and_one_line_of_help() -> None:
    assert len(SETTINGS) >= 30
    names = [s.name for s in SETTINGS.values()]
    assert len(set(names)) == len(names)
    for setting in SETTINGS.values():
        assert re.fullmatch(r"SEGPROFILE_[A-Z0-9_]+|DATABASE_URL", setting.name)
        assert setting.help
        assert "\n" not in setting.help
        assert setting.type is not None


def test_the_defaults(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    settings = from_mapping({})
    assert settings.home == tmp_path / "var"
    assert settings.key_store == tmp_path / "var-keys"
    assert settings.staging_root == tmp_path / "var-staging"
    assert settings.engine == "duckdb://"
    assert (settings.max_columns, settings.parse_memory_mb, settings.parse_seconds) == (
        2000,
        6144,
        600,
    )
    assert settings.allowed_hosts == ("127.0.0.1", "localhost")
    assert settings.debug is False
    assert settings.hsts_preload is True
    assert settings.import_threads is None
    assert settings.given == frozenset()


def test_values_are_read_by_their_type(tmp_path: Path) -> None:
    settings = from_mapping(
        {
            "SEGPROFILE_HOME": str(tmp_path / "data"),
            "SEGPROFILE_KEYS": str(tmp_path / "keys"),
            "SEGPROFILE_MAX_COLUMNS": "7",
            "SEGPROFILE_PARSE_SECONDS": "2.5",
            "SEGPROFILE_ALLOWED_HOSTS": " a.gov.ru, b.gov.ru ,",
            "SEGPROFILE_DEBUG": "1",
            "SEGPROFILE_HSTS_PRELOAD": "0",
            "SEGPROFILE_IMPORT_THREADS": "2",
            "SEGPROFILE_STAGING_HOURS": "",  # empty: as if unset
            "SOMETHING_ELSE": "ignored",
        }
    )
    assert settings.home == tmp_path / "data"
    assert settings.key_store == tmp_path / "keys"
    assert settings.max_columns == 7
    assert settings.parse_seconds == 2.5
    assert settings.allowed_hosts == ("a.gov.ru", "b.gov.ru")
    assert settings.debug is True
    assert settings.hsts_preload is False
    assert settings.import_threads == 2
    assert settings.staging_hours == 24
    assert "max_columns" in settings.given
    assert "staging_hours" not in settings.given


@pytest.mark.parametrize(
    ("name", "value", "why"),
    [
        ("SEGPROFILE_MAX_COLUMNS", "garbage", "ожидалось число"),
        ("SEGPROFILE_MAX_COLUMNS", "2.5", "целое"),
        ("SEGPROFILE_PARSE_SECONDS", "-1", "неотрицательное"),
        ("SEGPROFILE_PARSE_MEMORY_MB", "nan", "неотрицательное"),
        ("SEGPROFILE_DEBUG", "да", "1 или 0"),
    ],
)
def test_a_bad_value_stops_with_the_variable_named(name: str, value: str, why: str) -> None:
    with pytest.raises(ConfigError, match=why) as raised:
        from_mapping({name: value})
    assert name in raised.value.message
    assert "по умолчанию" in (raised.value.hint or "")


def test_secrets_are_never_shown() -> None:
    settings = from_mapping(
        {
            "SEGPROFILE_SECRET_KEY": "very-secret-value",
            "DATABASE_URL": "postgres://u:hunter2@db/sp",
            "SEGPROFILE_PSEUDONYM_KEY": "ab" * 32,
        }
    )
    shown = repr(settings)
    assert "very-secret-value" not in shown
    assert "hunter2" not in shown
    assert "ab" * 32 not in shown
    assert settings.secret_key == "very-secret-value"


def test_the_staging_root_is_never_with_the_data_home() -> None:
    home = {"SEGPROFILE_HOME": "/srv/segprofile"}
    assert from_mapping(home).staging_root == Path("/srv/segprofile-staging")
    apart = from_mapping({**home, "SEGPROFILE_STAGING": "/srv/private/uploads"})
    assert apart.staging_root == Path("/srv/private/uploads")
    for inside in ("/srv/segprofile/staging", "/srv/segprofile", "/srv"):
        settings = from_mapping({**home, "SEGPROFILE_STAGING": inside})
        with pytest.raises(ConfigError, match="нельзя хранить вместе"):
            _ = settings.staging_root


def test_production_requires_what_it_requires() -> None:
    with pytest.raises(ConfigError, match="SEGPROFILE_SECRET_KEY не задан"):
        from_mapping({}).require("secret_key")
    from_mapping({"SEGPROFILE_SECRET_KEY": "x"}).require("secret_key")


def test_the_environment_is_read_once(monkeypatch: pytest.MonkeyPatch) -> None:
    first = config.current()
    monkeypatch.setenv("SEGPROFILE_MAX_COLUMNS", "11")
    assert config.current() is first
    config.use(None)
    assert config.current().max_columns == 11


def test_no_secret_is_kept_in_the_source_tree() -> None:
    """The web's development key is generated into the data home, never shipped."""
    package = ROOT / "src" / "segprofile"
    assert [p for p in package.rglob("secret_key") if p.is_file()] == []
    assert not (package / "web" / "var").exists()
