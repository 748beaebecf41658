from pathlib import Path

import pytest
from pydantic import ValidationError

from delta_strangle.settings import Settings, SettingsError, TradingMode
from tests.builders import build_settings


def test_allowed_origins_accept_a_plain_comma_separated_value(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ALLOWED_ORIGINS", "https://a.example.org, https://b.example.org")
    assert Settings(_env_file=None).allowed_origins == ["https://a.example.org", "https://b.example.org"]  # type: ignore[call-arg]


def test_allowed_origins_still_accept_a_json_list(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ALLOWED_ORIGINS", '["https://a.example.org"]')
    assert Settings(_env_file=None).allowed_origins == ["https://a.example.org"]  # type: ignore[call-arg]


def test_defaults_are_the_seed_values() -> None:
    settings = Settings(_env_file=None)  # type: ignore[call-arg]
    assert settings.database_url == "sqlite+aiosqlite:///./data/delta_trader.db"
    assert settings.backend_log_retention_days == 7
    assert settings.trading_mode is TradingMode.SIM


def test_warn_is_accepted_as_warning(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LOG_LEVEL", "warn")
    assert Settings(_env_file=None).log_level == "WARNING"  # type: ignore[call-arg]


def test_an_unknown_log_level_is_refused_with_its_name(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LOG_LEVEL", "LOUD")
    with pytest.raises(ValidationError, match="LOG_LEVEL"):
        Settings(_env_file=None)  # type: ignore[call-arg]


def test_log_sample_events_reads_event_equals_n_pairs(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LOG_SAMPLE_EVENTS", "quote_received=100, ws_message=50")
    settings = Settings(_env_file=None)  # type: ignore[call-arg]
    assert settings.log_sample_events == {"quote_received": 100, "ws_message": 50}


def test_log_sample_events_defaults_to_no_sampling() -> None:
    assert Settings(_env_file=None).log_sample_events == {}  # type: ignore[call-arg]


def test_a_malformed_log_sample_events_is_refused_naming_the_variable_and_the_part(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("LOG_SAMPLE_EVENTS", "quote_received=100,ws_message=often")
    with pytest.raises(ValidationError, match="LOG_SAMPLE_EVENTS: 'ws_message=often' is not event=N"):
        Settings(_env_file=None)  # type: ignore[call-arg]


def test_production_refuses_every_unsafe_value_with_one_line_each(tmp_path: Path) -> None:
    settings = build_settings(
        tmp_path,
        app_env="production",
        jwt_secret_key="change-me",
        allowed_origins="*",
        trading_mode="live",
        initial_admin_password="short",
    )
    with pytest.raises(SettingsError) as caught:
        settings.validate_for_start()
    problems = caught.value.problems
    assert any(p.startswith("JWT_SECRET_KEY is a placeholder") for p in problems)
    assert any(p.startswith("ALLOWED_ORIGINS must not be '*'") for p in problems)
    assert "DELTA_API_KEY is missing" in problems
    assert "DELTA_API_SECRET is missing" in problems
    assert any(p.startswith("INITIAL_ADMIN_PASSWORD is too short") for p in problems)
    assert len(problems) == 5


def test_production_refuses_a_short_or_missing_jwt_secret(tmp_path: Path) -> None:
    short = build_settings(tmp_path, app_env="production", jwt_secret_key="abc", allowed_origins="https://x.org")
    missing = build_settings(tmp_path, app_env="production", jwt_secret_key="", allowed_origins="https://x.org")
    assert short.production_problems() == ["JWT_SECRET_KEY is too short (3 characters; at least 32 required)"]
    assert missing.production_problems() == ["JWT_SECRET_KEY is missing"]


def test_safe_production_settings_pass(tmp_path: Path) -> None:
    settings = build_settings(tmp_path, app_env="production", allowed_origins="https://trader.example.net")
    settings.validate_for_start()


def test_live_mode_needs_delta_keys_even_in_development(tmp_path: Path) -> None:
    with pytest.raises(SettingsError, match="DELTA_API_KEY is missing"):
        build_settings(tmp_path, trading_mode="live").validate_for_start()
