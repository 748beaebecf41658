"""The viewer's reader threads: query-only connections, opened on use, closed when the app stops."""

from __future__ import annotations

import sqlite3
import threading
from pathlib import Path

import pytest

from delta_strangle.logs.viewer_db import LogViewerDatabase, ViewerUnavailableError

from .builders import fresh_database


async def test_queries_run_off_the_event_loop_on_query_only_connections(tmp_path: Path) -> None:
    viewer = LogViewerDatabase(fresh_database(tmp_path / "db.sqlite"), threads=2)
    await viewer.start()
    try:
        thread = await viewer.run(lambda _connection: threading.current_thread().name)
        assert thread.startswith("log-viewer")
        with pytest.raises(sqlite3.OperationalError, match="readonly"):
            await viewer.run(lambda connection: connection.execute("DELETE FROM backend_logs"))
        assert viewer.health().alive
    finally:
        await viewer.stop()


async def test_a_stopped_viewer_refuses_work_and_has_closed_its_connections(tmp_path: Path) -> None:
    viewer = LogViewerDatabase(fresh_database(tmp_path / "db.sqlite"))
    await viewer.start()
    connection = await viewer.run(lambda connection: connection)
    await viewer.stop()
    with pytest.raises(sqlite3.ProgrammingError):
        connection.execute("SELECT 1")
    with pytest.raises(ViewerUnavailableError):
        await viewer.run(lambda connection: connection)
    assert not viewer.health().alive
