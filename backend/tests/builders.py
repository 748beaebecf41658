"""Builders for test data: settings, users and tokens."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from delta_strangle.security import create_access_token
from delta_strangle.settings import Settings

ADMIN_EMAIL = "admin@example.org"
ADMIN_PASSWORD = "correct-horse-battery"
STRONG_SECRET = "k" * 48


def build_settings(tmp_path: Path, **overrides: Any) -> Settings:
    """Settings for an isolated backend: its own database and log file under tmp_path."""
    values: dict[str, Any] = {
        "database_url": f"sqlite+aiosqlite:///{tmp_path / 'data' / 'delta_trader.db'}",
        "backend_log_path": tmp_path / "logs" / "backend.log",
        "jwt_secret_key": STRONG_SECRET,
        "initial_admin_email": ADMIN_EMAIL,
        "initial_admin_password": ADMIN_PASSWORD,
        "backend_log_ingest_enabled": False,
    }
    values.update(overrides)
    return Settings(_env_file=None, **values)  # type: ignore[call-arg]


def forge_token(user_id: int, *, secret: str = STRONG_SECRET, token_version: int = 0, expired: bool = False) -> str:
    now = datetime.now(UTC)
    issued = now - timedelta(hours=2) if expired else now
    token, _ = create_access_token(
        user_id=user_id, token_version=token_version, secret=secret, now=issued, lifetime=timedelta(hours=1)
    )
    return token
