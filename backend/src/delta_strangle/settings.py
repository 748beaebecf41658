"""One Settings class: every environment variable the product reads, validated at start-up.

In production (`APP_ENV=production`) unsafe values are refused with one clear line per problem:
missing, short or placeholder secrets, `ALLOWED_ORIGINS=*`, and live trading without Delta keys.
"""

from __future__ import annotations

from enum import StrEnum
from functools import lru_cache
from pathlib import Path
from typing import Annotated, Any

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from delta_strangle.logs.setup import check_sampling, parse_sampling

MIN_SECRET_LENGTH = 32
MIN_PASSWORD_LENGTH = 12
PLACEHOLDER_MARKERS = ("change-me", "changeme", "replace-me", "placeholder", "example", "your-", "<", "xxx")


class AppEnv(StrEnum):
    DEVELOPMENT = "development"
    PRODUCTION = "production"


class TradingMode(StrEnum):
    SIM = "sim"
    PAPER = "paper"
    LIVE = "live"


class DeltaEnvironment(StrEnum):
    INDIA_PRODUCTION = "india-production"
    INDIA_TESTNET = "india-testnet"


class SettingsError(ValueError):
    """Raised when the settings are unsafe to run with; one problem per line."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        super().__init__("\n".join(problems))


def _split_list(value: Any) -> Any:
    """Accept a plain comma-separated string, a JSON array string, or a list."""
    if isinstance(value, str):
        text = value.strip()
        if text.startswith("["):
            import json

            return [str(item).strip() for item in json.loads(text)]
        return [item.strip() for item in text.split(",") if item.strip()]
    return value


def looks_like_placeholder(value: str) -> bool:
    lowered = value.lower()
    return any(marker in lowered for marker in PLACEHOLDER_MARKERS)


class Settings(BaseSettings):
    """Every variable the backend reads. Names are the environment variable names."""

    model_config = SettingsConfigDict(
        env_file=(".env", ".env.local"),
        env_file_encoding="utf-8",
        extra="ignore",
        case_sensitive=False,
    )

    app_env: AppEnv = AppEnv.DEVELOPMENT
    trading_mode: TradingMode = TradingMode.SIM

    database_url: str = "sqlite+aiosqlite:///./data/delta_trader.db"
    sqlite_busy_timeout_ms: int = Field(default=5000, ge=0)

    allowed_origins: Annotated[list[str], NoDecode] = Field(
        default_factory=lambda: ["http://localhost:5173", "http://localhost:8001"]
    )

    jwt_secret_key: SecretStr = SecretStr("")
    jwt_expire_minutes: int = Field(default=720, ge=1, le=60 * 24 * 30)

    initial_admin_email: str | None = None
    initial_admin_password: SecretStr | None = None

    login_max_failures_per_account: int = Field(default=5, ge=1)
    login_max_failures_per_address: int = Field(default=20, ge=1)
    login_failure_window_seconds: int = Field(default=900, ge=1)

    delta_api_key: SecretStr | None = None
    delta_api_secret: SecretStr | None = None
    delta_environment: DeltaEnvironment = DeltaEnvironment.INDIA_PRODUCTION
    delta_debug_verbose: bool = False

    frontend_dist_dir: Path = Path("./frontend/dist")

    sim_seed: int = 7
    sim_state_persist: bool = True

    log_level: str = "INFO"
    # "event=N,...": keep one DEBUG record in N of each chatty event (see docs/logs.md).
    log_sample_events: Annotated[dict[str, int], NoDecode] = Field(default_factory=dict)
    log_ingest_api_key: SecretStr | None = None
    backend_log_ingest_enabled: bool = True
    backend_log_path: Path = Path("./logs/backend.log")
    backend_log_poll_interval: float = Field(default=0.25, gt=0, le=60)
    backend_log_batch_size: int = Field(default=2000, ge=1, le=50_000)
    backend_log_retention_days: int = Field(default=7, ge=1, le=3650)

    # Deploy-only: read by docker compose and scripts/deploy_prod.sh, never by the app itself.
    app_uid: int | None = None
    app_gid: int | None = None

    @field_validator("allowed_origins", mode="before")
    @classmethod
    def _parse_origins(cls, value: Any) -> Any:
        return _split_list(value)

    @field_validator("log_level", mode="before")
    @classmethod
    def _normalise_level(cls, value: Any) -> Any:
        if isinstance(value, str):
            level = value.strip().upper()
            level = "WARNING" if level == "WARN" else level
            if level not in {"DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"}:
                raise ValueError(f"LOG_LEVEL must be DEBUG, INFO, WARNING, ERROR or CRITICAL, not {value!r}")
            return level
        return value

    @field_validator("log_sample_events", mode="before")
    @classmethod
    def _parse_sampling(cls, value: Any) -> Any:
        try:
            if isinstance(value, str):
                return parse_sampling(value)
            if isinstance(value, dict):
                return check_sampling(value)
        except ValueError as exc:
            raise ValueError(f"LOG_SAMPLE_EVENTS: {exc}") from None
        return value

    @property
    def is_production(self) -> bool:
        return self.app_env is AppEnv.PRODUCTION

    @property
    def sqlite_path(self) -> Path | None:
        """The database file for SQLite URLs, else None."""
        prefix = "sqlite+aiosqlite:///"
        if self.database_url.startswith(prefix):
            rest = self.database_url[len(prefix):]
            return None if rest in ("", ":memory:") else Path(rest)
        return None

    def production_problems(self) -> list[str]:
        """List every reason this configuration is unsafe for production (empty when safe)."""
        problems: list[str] = []
        problems += _secret_problems("JWT_SECRET_KEY", self.jwt_secret_key, MIN_SECRET_LENGTH)
        if self.log_ingest_api_key is not None and self.log_ingest_api_key.get_secret_value():
            problems += _secret_problems("LOG_INGEST_API_KEY", self.log_ingest_api_key, 24)
        if self.initial_admin_password is not None:
            problems += _secret_problems("INITIAL_ADMIN_PASSWORD", self.initial_admin_password, MIN_PASSWORD_LENGTH)
        if not self.allowed_origins:
            problems.append("ALLOWED_ORIGINS is empty: set it to the dashboard's URL, e.g. https://trader.example.org")
        if "*" in self.allowed_origins:
            problems.append("ALLOWED_ORIGINS must not be '*' in production: list the dashboard's URL(s)")
        if self.trading_mode is TradingMode.LIVE:
            problems += _secret_problems("DELTA_API_KEY", self.delta_api_key, 8)
            problems += _secret_problems("DELTA_API_SECRET", self.delta_api_secret, 16)
        return problems

    def validate_for_start(self) -> None:
        """Raise SettingsError listing every problem when running in production."""
        problems = self.production_problems() if self.is_production else []
        if not self.is_production and self.trading_mode is TradingMode.LIVE:
            problems += _secret_problems("DELTA_API_KEY", self.delta_api_key, 8)
            problems += _secret_problems("DELTA_API_SECRET", self.delta_api_secret, 16)
        if problems:
            raise SettingsError(problems)


def _secret_problems(name: str, value: SecretStr | None, min_length: int) -> list[str]:
    text = value.get_secret_value() if value is not None else ""
    if not text:
        return [f"{name} is missing"]
    if looks_like_placeholder(text):
        return [f"{name} is a placeholder value: replace it with a real secret"]
    if len(text) < min_length:
        return [f"{name} is too short ({len(text)} characters; at least {min_length} required)"]
    return []


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """Read the settings once per process."""
    return Settings()
