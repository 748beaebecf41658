"""`delta-strangle engine-status`: what the journal says is open, for the deploy script's live-position guard."""

from __future__ import annotations

import asyncio
import json
from typing import Annotated

import typer

from delta_strangle.settings import get_settings
from delta_strangle.store import session_queries
from delta_strangle.store.db import create_engine, create_session_factory, transaction
from delta_strangle.store.migrate import upgrade_to_head


def engine_status(
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object")] = False,
) -> None:
    """Print open positions and live sessions from the engine journal (exit 0)."""
    settings = get_settings()
    upgrade_to_head(settings.database_url)  # a fresh database answers zeros instead of failing

    async def _counts() -> dict[str, int]:
        engine = create_engine(settings.database_url)
        try:
            async with transaction(create_session_factory(engine)) as db:
                return await session_queries.status_counts(db)
        finally:
            await engine.dispose()

    counts = asyncio.run(_counts())
    result = {"open_positions": counts["open_positions"], "live_sessions": counts["live_sessions"]}
    if as_json:
        typer.echo(json.dumps(result))
    else:
        typer.echo(f"open positions: {result['open_positions']}, live sessions: {result['live_sessions']}")
