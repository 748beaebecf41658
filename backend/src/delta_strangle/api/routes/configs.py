"""Strategy profiles at `/api/configs`: list, create, read, edit (new version), delete, activate, history."""

from __future__ import annotations

import logging
from collections.abc import Callable, Coroutine
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request, Response, status
from fastapi.responses import JSONResponse
from fastapi.routing import APIRoute
from sqlalchemy.ext.asyncio import AsyncSession

from delta_strangle.api.deps import ClockDep, SessionDep, TraderUser, ViewerUser
from delta_strangle.api.schemas.configs import ProfileList, ProfileOut, ProfileVersionOut
from delta_strangle.domain.config import StrategyConfig
from delta_strangle.domain.instruments import Underlying
from delta_strangle.store import configs
from delta_strangle.store.config_tables import ProfileRow, ProfileVersionRow
from delta_strangle.store.users import record_audit

logger = logging.getLogger(__name__)

_STATUS = {
    configs.ProfileNotFoundError: status.HTTP_404_NOT_FOUND,
    configs.ProfileConflictError: status.HTTP_409_CONFLICT,
    configs.ProfileInvalidError: status.HTTP_422_UNPROCESSABLE_CONTENT,
}


class ProfileRoute(APIRoute):
    """Answer this router's store errors with their HTTP status and message."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def guarded(request: Request) -> Response:
            try:
                return await handler(request)
            except configs.ProfileError as exc:
                code = _STATUS.get(type(exc), status.HTTP_400_BAD_REQUEST)
                return JSONResponse({"detail": str(exc)}, status_code=code)

        return guarded


router = APIRouter(prefix="/api/configs", tags=["configs"], route_class=ProfileRoute)


def get_profile_usage(request: Request) -> configs.ProfileUsage:
    """The engine's view of which profiles are armed or used; `app.state.profile_usage` when wired."""
    usage: configs.ProfileUsage = getattr(request.app.state, "profile_usage", None) or configs.NothingUsesProfiles()
    return usage


UsageDep = Annotated[configs.ProfileUsage, Depends(get_profile_usage)]


async def _out(session: AsyncSession, row: ProfileRow) -> ProfileOut:
    version = await configs.current_version(session, row)
    return ProfileOut(
        id=row.id,
        name=row.name,
        underlying=Underlying(row.underlying),
        is_active=row.is_active,
        version=row.current_version,
        config=configs.config_of(version),
        created_at=row.created_at,
        created_by=row.created_by,
        updated_at=row.updated_at,
        updated_by=row.updated_by,
    )


def _version_out(row: ProfileVersionRow) -> ProfileVersionOut:
    return ProfileVersionOut.model_validate(
        {
            "profile_id": row.profile_id,
            "version": row.version,
            "config": row.config,
            "created_at": row.created_at,
            "created_by": row.created_by,
            "changes": row.changes,
        }
    )


async def _audit(
    session: AsyncSession, clock: ClockDep, actor: str, action: str, row: ProfileRow, **details: Any
) -> None:
    await record_audit(
        session, now=clock.now(), actor=actor, action=action, target=f"profile:{row.id}", details=details
    )
    logger.info(action.replace("_", " "), extra={"event": action, "profile_id": row.id, "profile": row.name, **details})


@router.get("", response_model=ProfileList, summary="List strategy profiles")
async def list_profiles(_user: ViewerUser, session: SessionDep) -> ProfileList:
    rows = await configs.list_profiles(session)
    items = [await _out(session, row) for row in rows]
    return ProfileList(items=items, total=len(items))


@router.post("", response_model=ProfileOut, status_code=status.HTTP_201_CREATED, summary="Create a profile")
async def create_profile(body: StrategyConfig, user: TraderUser, session: SessionDep, clock: ClockDep) -> ProfileOut:
    row = await configs.create_profile(session, body, actor=user.email, now=clock.now())
    await _audit(session, clock, user.email, "profile_created", row, version=1)
    return await _out(session, row)


@router.get("/{profile_id}", response_model=ProfileOut, summary="Read a profile at its current version")
async def read_profile(profile_id: int, _user: ViewerUser, session: SessionDep) -> ProfileOut:
    return await _out(session, await configs.get_profile(session, profile_id))


@router.put("/{profile_id}", response_model=ProfileOut, summary="Edit a profile (saved as a new version)")
async def update_profile(
    profile_id: int, body: StrategyConfig, user: TraderUser, session: SessionDep, clock: ClockDep
) -> ProfileOut:
    before = (await configs.get_profile(session, profile_id)).current_version
    row = await configs.update_profile(session, profile_id, body, actor=user.email, now=clock.now())
    if row.current_version != before:
        await _audit(session, clock, user.email, "profile_updated", row, version=row.current_version)
    return await _out(session, row)


@router.delete("/{profile_id}", status_code=status.HTTP_204_NO_CONTENT, summary="Delete an unused profile")
async def delete_profile(
    profile_id: int, user: TraderUser, session: SessionDep, clock: ClockDep, usage: UsageDep
) -> None:
    row = await configs.delete_profile(session, profile_id, usage=usage)
    await _audit(session, clock, user.email, "profile_deleted", row)


@router.post("/{profile_id}/activate", response_model=ProfileOut, summary="Make this the active profile")
async def activate_profile(
    profile_id: int, user: TraderUser, session: SessionDep, clock: ClockDep, usage: UsageDep
) -> ProfileOut:
    row = await configs.set_active(session, profile_id, True, actor=user.email, now=clock.now(), usage=usage)
    await _audit(session, clock, user.email, "profile_activated", row)
    return await _out(session, row)


@router.post("/{profile_id}/deactivate", response_model=ProfileOut, summary="Deactivate a profile that is not armed")
async def deactivate_profile(
    profile_id: int, user: TraderUser, session: SessionDep, clock: ClockDep, usage: UsageDep
) -> ProfileOut:
    row = await configs.set_active(session, profile_id, False, actor=user.email, now=clock.now(), usage=usage)
    await _audit(session, clock, user.email, "profile_deactivated", row)
    return await _out(session, row)


@router.get("/{profile_id}/versions", response_model=list[ProfileVersionOut], summary="Version history, newest first")
async def list_versions(profile_id: int, _user: ViewerUser, session: SessionDep) -> list[ProfileVersionOut]:
    return [_version_out(row) for row in await configs.list_versions(session, profile_id)]


@router.get("/{profile_id}/versions/{version}", response_model=ProfileVersionOut, summary="Read one stored version")
async def read_version(profile_id: int, version: int, _user: ViewerUser, session: SessionDep) -> ProfileVersionOut:
    return _version_out(await configs.get_version(session, profile_id, version))
