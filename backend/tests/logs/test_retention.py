import sqlite3
from datetime import timedelta
from pathlib import Path

from delta_strangle.clock import ReplayClock
from delta_strangle.logs.retention import BackendLogRetentionService, purge_older_than

from .builders import T0, fresh_database, ingester, json_line, stored_messages


def seeded(tmp_path: Path) -> Path:
    database, log = fresh_database(tmp_path / "db.sqlite"), tmp_path / "backend.log"
    log.write_text("".join(json_line(f"day {day}", seconds=day * 86400) for day in range(10)))
    ingester(database, log).poll_once()
    return database


def test_purge_deletes_only_rows_older_than_the_cutoff_in_small_batches(tmp_path: Path) -> None:
    database = seeded(tmp_path)
    connection = sqlite3.connect(database, isolation_level=None)
    deleted = purge_older_than(connection, T0 + timedelta(days=4), batch_rows=3)
    assert deleted == 4
    assert stored_messages(database) == [f"day {day}" for day in range(4, 10)]
    connection.execute("INSERT INTO backend_logs_fts(backend_logs_fts, rank) VALUES ('integrity-check', 1)")
    hits = connection.execute("SELECT rowid FROM backend_logs_fts WHERE backend_logs_fts MATCH '\"0\"'").fetchall()
    assert hits == []


async def test_service_reports_its_last_run(tmp_path: Path) -> None:
    database = seeded(tmp_path)
    service = BackendLogRetentionService(database, clock=ReplayClock(T0 + timedelta(days=9)), retention_days=7)
    run = await service.run_once()
    assert (run.deleted, run.error) == (2, None)
    assert service.health().detail["last_run"]["deleted"] == 2


async def test_a_failing_purge_is_reported_not_raised(tmp_path: Path) -> None:
    missing_dir = tmp_path / "file-not-dir"
    missing_dir.write_text("")
    service = BackendLogRetentionService(missing_dir / "db.sqlite", clock=ReplayClock(T0))
    run = await service.run_once()
    assert run.error is not None
