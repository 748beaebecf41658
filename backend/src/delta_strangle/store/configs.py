"""Strategy profiles: create, read, edit as new versions, activate, delete when nothing uses them.

Reads never write. An edit stores a new version and leaves the active flag as it was. At most one profile
is active at a time (activating one deactivates the others), as the dashboard expects.

Whether a profile is armed or used by a session is the engine's knowledge; it reaches this module through
the `ProfileUsage` protocol, and `NothingUsesProfiles` stands in until the engine provides one.

Errors (each message says why):

    ProfileError
     ├── ProfileNotFoundError       no such profile or version
     ├── ProfileConflictError       duplicate name; delete/deactivate while armed or used
     └── ProfileInvalidError        a config that cannot be saved now (an expiry that has settled)
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Protocol

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from delta_strangle.domain.config import StrategyConfig
from delta_strangle.domain.expiry import expiry_problem
from delta_strangle.store.config_tables import ProfileRow, ProfileVersionRow


class ProfileError(Exception):
    """A profile operation that cannot be done."""


class ProfileNotFoundError(ProfileError):
    pass


class ProfileConflictError(ProfileError):
    pass


class ProfileInvalidError(ProfileError):
    pass


class ProfileUsage(Protocol):
    """What the engine knows about a profile: armed now, or referenced by a recorded session."""

    def is_armed(self, profile_id: int) -> bool: ...

    async def is_used_by_session(self, session: AsyncSession, profile_id: int) -> bool: ...


class NothingUsesProfiles:
    """The default before the engine exists: nothing armed, no sessions."""

    def is_armed(self, profile_id: int) -> bool:
        return False

    async def is_used_by_session(self, session: AsyncSession, profile_id: int) -> bool:
        return False


def config_of(version: ProfileVersionRow) -> StrategyConfig:
    """Rebuild the StrategyConfig a version stored."""
    return StrategyConfig.model_validate(version.config)


def changed_fields(old: StrategyConfig, new: StrategyConfig) -> list[dict[str, Any]]:
    """List the dotted fields whose values differ, with old and new values as JSON."""
    before = _flatten(old.model_dump(mode="json"))
    after = _flatten(new.model_dump(mode="json"))
    return [
        {"field": key, "old": before.get(key), "new": after.get(key)}
        for key in sorted(before.keys() | after.keys())
        if before.get(key) != after.get(key)
    ]


def _flatten(value: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    flat: dict[str, Any] = {}
    for key, item in value.items():
        path = f"{prefix}{key}"
        if isinstance(item, dict):
            flat.update(_flatten(item, f"{path}."))
        else:
            flat[path] = item
    return flat


async def list_profiles(session: AsyncSession) -> list[ProfileRow]:
    return list(await session.scalars(select(ProfileRow).order_by(ProfileRow.name)))


async def get_profile(session: AsyncSession, profile_id: int) -> ProfileRow:
    """Return a profile or raise ProfileNotFoundError."""
    row = await session.get(ProfileRow, profile_id)
    if row is None:
        raise ProfileNotFoundError(f"profile {profile_id} does not exist")
    return row


async def get_version(session: AsyncSession, profile_id: int, version: int) -> ProfileVersionRow:
    """Return one stored version of a profile or raise ProfileNotFoundError."""
    query = select(ProfileVersionRow).where(
        ProfileVersionRow.profile_id == profile_id, ProfileVersionRow.version == version
    )
    row = await session.scalar(query)
    if row is None:
        raise ProfileNotFoundError(f"profile {profile_id} has no version {version}")
    return row


async def current_version(session: AsyncSession, profile: ProfileRow) -> ProfileVersionRow:
    return await get_version(session, profile.id, profile.current_version)


async def list_versions(session: AsyncSession, profile_id: int) -> list[ProfileVersionRow]:
    """Return every version of a profile, newest first."""
    await get_profile(session, profile_id)
    query = (
        select(ProfileVersionRow)
        .where(ProfileVersionRow.profile_id == profile_id)
        .order_by(ProfileVersionRow.version.desc())
    )
    return list(await session.scalars(query))


async def _check_savable(session: AsyncSession, config: StrategyConfig, now: datetime, exclude_id: int | None) -> None:
    problem = expiry_problem(config.expiry, now)
    if problem is not None:
        raise ProfileInvalidError(problem)
    query = select(func.count()).select_from(ProfileRow).where(ProfileRow.name == config.name)
    if exclude_id is not None:
        query = query.where(ProfileRow.id != exclude_id)
    if await session.scalar(query):
        raise ProfileConflictError(f"a profile named {config.name!r} already exists")


async def create_profile(
    session: AsyncSession, config: StrategyConfig, *, actor: str | None, now: datetime
) -> ProfileRow:
    """Save a new profile as version 1, inactive."""
    await _check_savable(session, config, now, exclude_id=None)
    row = ProfileRow(
        name=config.name,
        underlying=config.underlying.value,
        is_active=False,
        current_version=1,
        created_at=now,
        created_by=actor,
        updated_at=now,
        updated_by=actor,
    )
    session.add(row)
    await session.flush()
    session.add(
        ProfileVersionRow(
            profile_id=row.id,
            version=1,
            config=config.model_dump(mode="json"),
            created_at=now,
            created_by=actor,
            changes=[],
        )
    )
    await session.flush()
    return row


async def update_profile(
    session: AsyncSession, profile_id: int, config: StrategyConfig, *, actor: str | None, now: datetime
) -> ProfileRow:
    """Store an edit as a new version; an unchanged config adds nothing. The active flag is left alone."""
    row = await get_profile(session, profile_id)
    await _check_savable(session, config, now, exclude_id=row.id)
    previous = config_of(await current_version(session, row))
    changes = changed_fields(previous, config)
    if not changes:
        return row
    row.current_version += 1
    row.name = config.name
    row.underlying = config.underlying.value
    row.updated_at = now
    row.updated_by = actor
    session.add(
        ProfileVersionRow(
            profile_id=row.id,
            version=row.current_version,
            config=config.model_dump(mode="json"),
            created_at=now,
            created_by=actor,
            changes=changes,
        )
    )
    await session.flush()
    return row


async def set_active(
    session: AsyncSession, profile_id: int, active: bool, *, actor: str | None, now: datetime, usage: ProfileUsage
) -> ProfileRow:
    """Activate a profile (deactivating every other) or deactivate it; an armed profile stays active."""
    row = await get_profile(session, profile_id)
    if row.is_active == active:
        return row
    if active:
        await session.execute(
            update(ProfileRow).where(ProfileRow.id != row.id, ProfileRow.is_active).values(is_active=False)
        )
    elif usage.is_armed(row.id):
        raise ProfileConflictError(f"profile {row.name!r} is armed: stop it before deactivating")
    row.is_active = active
    row.updated_at = now
    row.updated_by = actor
    await session.flush()
    return row


async def delete_profile(session: AsyncSession, profile_id: int, *, usage: ProfileUsage) -> ProfileRow:
    """Delete a profile and its versions, unless it is armed or a recorded session ran with it."""
    row = await get_profile(session, profile_id)
    if usage.is_armed(row.id):
        raise ProfileConflictError(f"profile {row.name!r} is armed: stop it before deleting")
    if await usage.is_used_by_session(session, row.id):
        raise ProfileConflictError(
            f"profile {row.name!r} is used by an open session (running or halted): stop, panic or resolve it first"
        )
    await session.delete(row)
    await session.flush()
    return row
