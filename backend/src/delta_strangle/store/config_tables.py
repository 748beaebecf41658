"""Tables for strategy profiles and their versions.

A profile row holds identity and state (name, active flag, current version); every edit adds a version row
holding the whole StrategyConfig as JSON, who saved it and which fields changed. Old versions stay readable.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from delta_strangle.store.tables import Base


class ProfileRow(Base):
    __tablename__ = "strategy_profiles"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(64), unique=True, index=True)
    underlying: Mapped[str] = mapped_column(String(8))
    is_active: Mapped[bool] = mapped_column(Boolean, default=False)
    current_version: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime]
    created_by: Mapped[str | None] = mapped_column(String(254))
    updated_at: Mapped[datetime]
    updated_by: Mapped[str | None] = mapped_column(String(254))


class ProfileVersionRow(Base):
    __tablename__ = "strategy_profile_versions"
    __table_args__ = (UniqueConstraint("profile_id", "version", name="uq_strategy_profile_versions_profile_version"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    profile_id: Mapped[int] = mapped_column(ForeignKey("strategy_profiles.id", ondelete="CASCADE"), index=True)
    version: Mapped[int] = mapped_column(Integer)
    config: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_at: Mapped[datetime]
    created_by: Mapped[str | None] = mapped_column(String(254))
    changes: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
