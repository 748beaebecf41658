"""The full metadata: every module that defines tables is imported here for Alembic."""

from __future__ import annotations

from delta_strangle.store import config_tables, journal_tables, tables

metadata = tables.Base.metadata
__all__ = ["config_tables", "journal_tables", "metadata"]
