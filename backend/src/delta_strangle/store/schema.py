"""The full metadata: every module that defines tables is imported here for Alembic."""

from __future__ import annotations

from delta_strangle.store import tables

metadata = tables.Base.metadata
