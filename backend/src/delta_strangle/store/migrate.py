"""Run and inspect Alembic migrations programmatically (start-up, CLI, readiness)."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.ext.asyncio import AsyncEngine

MIGRATIONS_DIR = Path(__file__).resolve().parent.parent / "migrations"


def alembic_config(database_url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.set_main_option("sqlalchemy.url", database_url.replace("%", "%%"))
    return config


def upgrade_to_head(database_url: str) -> None:
    """Apply every pending migration (blocking; call from a thread inside an event loop).

    Each area of the product (profiles, engine journal, logs...) chains its own migrations on the
    foundation, so the script directory may have several heads; all of them are applied.
    """
    command.upgrade(alembic_config(database_url), "heads")


def head_revisions() -> frozenset[str]:
    """The revisions the code expects the database to be at."""
    return frozenset(ScriptDirectory.from_config(alembic_config("sqlite://")).get_heads())


async def current_revisions(engine: AsyncEngine) -> frozenset[str]:
    """The revisions the database is at (empty before the first migration)."""
    async with engine.connect() as connection:
        heads = await connection.run_sync(lambda sync: MigrationContext.configure(sync).get_current_heads())
    return frozenset(heads)


def describe(revisions: frozenset[str]) -> str:
    return ",".join(sorted(revisions)) or "none"
