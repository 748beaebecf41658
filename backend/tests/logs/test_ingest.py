"""The ingester stores each line exactly once, with its checkpoint, across restarts."""

import sqlite3
from pathlib import Path

import pytest

from delta_strangle.logs.checkpoint import load_checkpoint

from .builders import fresh_database, ingester, json_line, stored_messages


def test_restart_neither_loses_nor_duplicates(tmp_path: Path) -> None:
    database, log = fresh_database(tmp_path / "db.sqlite"), tmp_path / "backend.log"
    log.write_text("".join(json_line(f"m{i}") for i in range(5)))
    first = ingester(database, log, batch_size=2)
    assert first.poll_once() == 5
    first.close()
    with log.open("a") as handle:
        handle.write(json_line("m5"))
    second = ingester(database, log)
    assert second.poll_once() == 1
    assert stored_messages(database) == [f"m{i}" for i in range(6)]


def test_checkpoint_is_at_the_end_of_the_last_stored_line(tmp_path: Path) -> None:
    database, log = fresh_database(tmp_path / "db.sqlite"), tmp_path / "backend.log"
    log.write_text(json_line("done") + '{"partial')
    worker = ingester(database, log)
    worker.poll_once()
    checkpoint = load_checkpoint(worker.connection, str(log))
    assert checkpoint is not None
    assert checkpoint.byte_offset == len(json_line("done").encode())
    assert checkpoint.lines_ingested == 1


def test_file_rotated_while_down_is_drained_from_its_checkpoint(tmp_path: Path) -> None:
    database, log = fresh_database(tmp_path / "db.sqlite"), tmp_path / "backend.log"
    log.write_text(json_line("before"))
    worker = ingester(database, log)
    worker.poll_once()
    worker.close()
    with log.open("a") as handle:
        handle.write(json_line("unread in old file"))
    log.rename(tmp_path / "backend.log.1")
    log.write_text(json_line("new file"))
    ingester(database, log).poll_once()
    assert stored_messages(database) == ["before", "unread in old file", "new file"]


def test_failed_batch_is_read_again_after_the_error(tmp_path: Path) -> None:
    database, log = fresh_database(tmp_path / "db.sqlite"), tmp_path / "backend.log"
    log.write_text(json_line("a") + json_line("b"))
    worker = ingester(database, log)
    blocker = sqlite3.connect(database, timeout=0)
    blocker.execute("BEGIN IMMEDIATE")  # another writer holds the lock
    worker.connection.execute("PRAGMA busy_timeout=0")
    with pytest.raises(sqlite3.OperationalError):
        worker.poll_once()
    blocker.rollback()
    blocker.close()
    assert worker.poll_once() == 2
    assert stored_messages(database) == ["a", "b"]


def test_free_text_index_follows_the_rows(tmp_path: Path) -> None:
    database, log = fresh_database(tmp_path / "db.sqlite"), tmp_path / "backend.log"
    log.write_text(json_line("alpha beta") + json_line("gamma"))
    ingester(database, log).poll_once()
    connection = sqlite3.connect(database)
    hits = connection.execute("SELECT rowid FROM backend_logs_fts WHERE backend_logs_fts MATCH 'gamma'").fetchall()
    assert hits == [(2,)]


def test_counters_report_non_json_and_invalid_utf8(tmp_path: Path) -> None:
    database, log = fresh_database(tmp_path / "db.sqlite"), tmp_path / "backend.log"
    log.write_bytes(b"plain text\n" + b'{"message": "\xff"}\n')
    worker = ingester(database, log)
    worker.poll_once()
    assert (worker.stats.lines_not_json, worker.stats.lines_invalid_utf8) == (1, 1)


def test_a_stop_request_ends_the_poll_after_a_committed_batch_and_the_next_poll_resumes(tmp_path: Path) -> None:
    database, log = fresh_database(tmp_path / "db.sqlite"), tmp_path / "backend.log"
    log.write_text("".join(json_line(f"m{i}") for i in range(5)))
    worker = ingester(database, log, batch_size=2)
    batches: list[int] = []
    assert worker.poll_once(stop=lambda: True, after_batch=lambda: batches.append(len(batches))) == 2
    assert batches == [0]
    assert stored_messages(database) == ["m0", "m1"]
    assert worker.poll_once(after_batch=lambda: batches.append(len(batches))) == 3
    assert batches == [0, 1, 2]
    assert stored_messages(database) == [f"m{i}" for i in range(5)]
