"""Request and response bodies for strategy profiles: the profile itself is the domain's StrategyConfig."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel

from delta_strangle.domain.config import StrategyConfig
from delta_strangle.domain.instruments import Underlying


class ProfileOut(BaseModel):
    id: int
    name: str
    underlying: Underlying
    is_active: bool
    version: int
    config: StrategyConfig
    created_at: datetime
    created_by: str | None
    updated_at: datetime
    updated_by: str | None


class ProfileList(BaseModel):
    items: list[ProfileOut]
    total: int


class FieldChange(BaseModel):
    field: str
    old: Any = None
    new: Any = None


class ProfileVersionOut(BaseModel):
    profile_id: int
    version: int
    config: StrategyConfig
    created_at: datetime
    created_by: str | None
    changes: list[FieldChange]
