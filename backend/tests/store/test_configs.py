"""The profile store: versions with field-level changes, one active profile, guarded deletion."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from delta_strangle.domain.config import StrategyConfig
from delta_strangle.store import configs
from delta_strangle.store.config_tables import ProfileVersionRow
from delta_strangle.store.db import create_engine, create_session_factory
from delta_strangle.store.migrate import upgrade_to_head

NOW = datetime(2026, 1, 5, 4, 0, tzinfo=UTC)


@pytest.fixture
def database_url(tmp_path: Path) -> str:
    url = f"sqlite+aiosqlite:///{tmp_path / 'db.sqlite'}"
    upgrade_to_head(url)
    return url


@pytest.fixture
async def session(database_url: str) -> AsyncIterator[AsyncSession]:
    engine = create_engine(database_url)
    async with create_session_factory(engine)() as db, db.begin():
        yield db
    await engine.dispose()


def config(**overrides: Any) -> StrategyConfig:
    return StrategyConfig.model_validate({"name": "p", **overrides})


def test_changed_fields_lists_dotted_paths_with_old_and_new_values() -> None:
    old = config()
    new = config(exits={"max_loss_pct": 30}, schedule={"exit_time": "15:00"})
    assert configs.changed_fields(old, new) == [
        {"field": "exits.max_loss_pct", "old": "40", "new": "30"},
        {"field": "schedule.exit_time", "old": "15:20:00", "new": "15:00:00"},
    ]


def test_switching_strike_mode_lists_the_fields_that_appeared_and_went() -> None:
    new = config(strikes={"mode": "distance", "call_distance_pct": 3, "put_distance_pct": 3})
    fields = {change["field"] for change in configs.changed_fields(config(), new)}
    assert {"strikes.mode", "strikes.delta_low", "strikes.call_distance_pct"} <= fields


async def test_a_stored_config_reads_back_equal(session: AsyncSession) -> None:
    original = config(exits={"trailing_steps": [{"trigger_profit_pct": "20", "lock_profit_pct": "0.5"}]})
    row = await configs.create_profile(session, original, actor="t@example.org", now=NOW)
    assert configs.config_of(await configs.current_version(session, row)) == original


async def test_renaming_to_an_existing_name_is_a_conflict(session: AsyncSession) -> None:
    await configs.create_profile(session, config(name="a"), actor=None, now=NOW)
    b = await configs.create_profile(session, config(name="b"), actor=None, now=NOW)
    with pytest.raises(configs.ProfileConflictError):
        await configs.update_profile(session, b.id, config(name="a"), actor=None, now=NOW)


async def test_deleting_a_profile_removes_its_versions(session: AsyncSession) -> None:
    row = await configs.create_profile(session, config(), actor=None, now=NOW)
    await configs.update_profile(session, row.id, config(contracts_per_leg=2), actor=None, now=NOW)
    await configs.delete_profile(session, row.id, usage=configs.NothingUsesProfiles())
    remaining = await session.scalar(select(func.count()).select_from(ProfileVersionRow))
    assert remaining == 0
