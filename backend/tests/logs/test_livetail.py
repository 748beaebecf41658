from pathlib import Path

from delta_strangle.clock import ReplayClock
from delta_strangle.logs.livetail import follow_logs
from delta_strangle.logs.query import LogFilter
from delta_strangle.logs.viewer_db import LogViewerDatabase

from .builders import T0, fresh_database, ingester, json_line


async def test_live_tail_sends_only_new_matching_rows(tmp_path: Path) -> None:
    database, log = fresh_database(tmp_path / "db.sqlite"), tmp_path / "backend.log"
    log.write_text(json_line("old error", level="ERROR"))
    worker = ingester(database, log)
    worker.poll_once()
    viewer = LogViewerDatabase(database)
    await viewer.start()
    try:
        stream = follow_logs(viewer, LogFilter(levels=("ERROR",)), clock=ReplayClock(T0))
        assert (await anext(stream)).startswith("event: ready")
        with log.open("a") as handle:
            handle.write(json_line("new info") + json_line("new error", level="ERROR"))
        worker.poll_once()
        event = await anext(stream)
        assert event.startswith("id: 3\nevent: log\n")
        assert '"message":"new error"' in event
        assert '"logged_at":"2026-11-25T12:00:00Z"' in event, "the same JSON as the viewer's list"
        await stream.aclose()
    finally:
        await viewer.stop()
