"""Settings: OKNO_* variables, nested groups, secrets hidden, a bad value named by its variable."""

from __future__ import annotations

from pathlib import Path

import pytest

from okno.settings import SettingsError, load_settings


def test_defaults(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.chdir(tmp_path)  # no stray .env
    settings = load_settings()
    assert settings.company.timezone == "Europe/Moscow" and settings.company.default_region == "RU"
    assert settings.queue.backend == "inline"
    assert settings.effective_database_url.startswith("sqlite+aiosqlite:///")


def test_environment_and_nested_groups(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("OKNO_DATABASE_URL", "postgresql://okno@db/okno")
    monkeypatch.setenv("OKNO_COMPANY__TIMEZONE", "Asia/Yekaterinburg")
    monkeypatch.setenv("OKNO_QUEUE__BACKEND", "arq")
    monkeypatch.setenv("OKNO_SECRET_KEY", "super-secret-value")
    settings = load_settings()
    assert settings.database_url == "postgresql+asyncpg://okno@db/okno"
    assert settings.company.tz.key == "Asia/Yekaterinburg" and settings.queue.backend == "arq"
    assert "super-secret-value" not in repr(settings)  # SecretStr never prints


def test_dotenv_file_is_read(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / ".env").write_text("OKNO_HTTP__PORT=9123\n")
    assert load_settings().http.port == 9123


@pytest.mark.parametrize(
    ("variable", "value", "says"),
    [
        ("OKNO_COMPANY__TIMEZONE", "Mars/Olympus", "unknown time zone"),
        ("OKNO_COMPANY__DEFAULT_REGION", "XX", "unknown phone region"),
        ("OKNO_HTTP__PORT", "eighty", "valid integer"),
        ("OKNO_QUEUE__BACKEND", "kafka", "'inline' or 'arq'"),
        ("OKNO_DATABASE_URL", "mysql://x", "sqlite+aiosqlite"),
    ],
)
def test_a_bad_value_names_its_variable(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, variable: str, value: str, says: str
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv(variable, value)
    with pytest.raises(SettingsError) as caught:
        load_settings()
    assert f"{variable}: " in str(caught.value) and says in str(caught.value)
