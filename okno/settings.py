"""All configuration, from OKNO_* environment variables and .env (pydantic-settings)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import phonenumbers
from pydantic import BaseModel, Field, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from assistant.config import LlmSettings
from workers.staffbot_config import StaffBotSettings

ENV_PREFIX = "OKNO_"
NESTED = "__"


class CompanySettings(BaseModel):
    name: str = "okno"
    timezone: str = "Europe/Moscow"
    default_region: str = "RU"  # for phone numbers written without a country code
    language: Literal["ru", "en"] = "ru"

    @field_validator("timezone")
    @classmethod
    def _known_timezone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown time zone {value!r}") from exc
        return value

    @field_validator("default_region")
    @classmethod
    def _known_region(cls, value: str) -> str:
        value = value.upper()
        if value not in phonenumbers.SUPPORTED_REGIONS:
            raise ValueError(f"unknown phone region {value!r} (ISO 3166 code such as RU)")
        return value

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)


class HttpSettings(BaseModel):
    host: str = "127.0.0.1"
    port: int = Field(default=8080, ge=0, le=65535)
    public_url: str | None = None  # where platforms reach okno (webhooks)
    max_body_bytes: int = Field(default=1_048_576, ge=1024)  # API channel bodies; larger ones get 413


class WebSettings(BaseModel):
    # The email account (`okno channel add email NAME`) that sends staff their invitation and password-reset
    # links; None: the first active email account with SMTP.
    mail_account: str | None = None


class QueueSettings(BaseModel):
    backend: Literal["inline", "arq"] = "inline"
    redis_url: str = "redis://127.0.0.1:6379/0"
    prefix: str = "okno"  # arq queue names are "<prefix>:<queue>"
    sweep_interval_s: float = Field(default=30.0, gt=0)
    sweep_min_age_s: float = Field(default=10.0, ge=0)  # leave fresh RawEvents to their own ingest job
    max_tries: int = Field(default=8, ge=1)
    # A send that started longer ago than this died with its process: it is taken again (and counted).
    outbox_stuck_after_s: float = Field(default=120.0, gt=0)


class IntakeSettings(BaseModel):
    # A client message joins their open request when it was active within this window.
    request_window_hours: float = Field(default=72.0, gt=0)
    sla_first_response_minutes: int = Field(default=60, gt=0)


def _model_cache() -> Path:
    """Where scripts/models-*.sh assemble the offline models (OKNO_MODEL_CACHE overrides)."""
    return Path(os.environ.get("OKNO_MODEL_CACHE", Path.home() / ".cache" / "okno" / "models"))


class TelephonySettings(BaseModel):
    # Whisper: a CTranslate2 model directory, else a size name; the offline default is assembled by setup.
    whisper_model: str = Field(default_factory=lambda: str(_model_cache() / "whisper-base"))
    whisper_compute_type: str = "int8"
    whisper_beam_size: int = Field(default=1, ge=1)
    whisper_language: str | None = "ru"  # None: detect per recording
    whisper_vad: bool = True
    whisper_batch_size: int = Field(default=8, ge=0)  # 0: no batched inference
    whisper_threads: int = Field(default=0, ge=0)  # 0: one per CPU core
    operator_channel: Literal["left", "right"] = "left"
    recordings_folder: Path | None = None  # watched by `okno listen` when set
    filename_pattern: str = (
        r"(?P<date>\d{8})-(?P<time>\d{6})_from-(?P<from_number>\+?\d+)_to-(?P<to_number>\+?\d+)"
    )


class RetentionSettings(BaseModel):
    """How long personal data that has done its job is kept (152-FZ); None keeps it. Enforced hourly by the
    `enforce_retention` job (workers/retention.py)."""

    recordings_days: float | None = Field(default=None, gt=0)  # call recordings (the audio files)
    raw_payloads_days: float | None = Field(default=None, gt=0)  # the raw bytes of processed deliveries
    interval_s: float = Field(default=3600.0, gt=0)


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix=ENV_PREFIX,
        env_nested_delimiter=NESTED,
        env_file=".env",
        env_file_encoding="utf-8",
        extra="ignore",
    )

    data_dir: Path = Path(".okno")
    database_url: str | None = None  # default: SQLite file okno.db in data_dir
    secret_key: SecretStr | None = None  # Fernet key for channel secrets; default: a key file in data_dir
    log_level: str = "INFO"
    # One line per arq job start and finish (job id and result), for audits and the multi-process crash test.
    log_jobs: bool = False
    company: CompanySettings = CompanySettings()
    http: HttpSettings = HttpSettings()
    web: WebSettings = WebSettings()  # the staff web UI (OKNO_WEB__MAIL_ACCOUNT)
    queue: QueueSettings = QueueSettings()
    intake: IntakeSettings = IntakeSettings()
    llm: LlmSettings = LlmSettings()
    telephony: TelephonySettings = TelephonySettings()
    # The staff bot (OKNO_STAFFBOT__*): account name, forum and supervisor chats, escalation, SLA calendar.
    staffbot: StaffBotSettings = StaffBotSettings()
    # Retention of call recordings and raw payloads (OKNO_RETENTION__RECORDINGS_DAYS=90, …).
    retention: RetentionSettings = RetentionSettings()

    @field_validator("database_url")
    @classmethod
    def _async_driver(cls, value: str | None) -> str | None:
        if value is None:
            return None
        if value.startswith("postgresql://") or value.startswith("postgres://"):
            return "postgresql+asyncpg://" + value.split("://", 1)[1]
        if not (value.startswith("sqlite+aiosqlite://") or value.startswith("postgresql+asyncpg://")):
            raise ValueError("use sqlite+aiosqlite:///PATH or postgresql+asyncpg://USER@HOST/DB")
        return value

    @property
    def effective_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite+aiosqlite:///{(self.data_dir / 'okno.db').resolve()}"


class SettingsError(Exception):
    """Raised at start with the name of every environment variable that holds a bad value."""


def env_name(loc: tuple[int | str, ...]) -> str:
    return ENV_PREFIX + NESTED.join(str(part) for part in loc).upper()


def load_settings(**overrides: object) -> Settings:
    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as exc:
        problems = [f"{env_name(err['loc'])}: {err['msg']}" for err in exc.errors()]
        raise SettingsError("bad configuration:\n  " + "\n  ".join(problems)) from None
