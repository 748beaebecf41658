"""The tailer's synchronous core: read new lines, store them in batches with their checkpoint.

`poll_once()` is one deterministic step (tests and benchmarks drive it directly); the ingestion
worker process (`logs/worker.py`) runs it in a loop. Each batch is one transaction holding the
rows, their free-text index entries and the checkpoint after the batch's last line.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from delta_strangle.logs.checkpoint import load_checkpoint, save_checkpoint
from delta_strangle.logs.db import connect
from delta_strangle.logs.parse import Row, parse_line
from delta_strangle.logs.reader import FileFollower, Line
from delta_strangle.logs.schema import COLUMNS, FLAG_INVALID_UTF8, FLAG_NOT_JSON, FTS_TABLE, TABLE

_INSERT_ROW = f"INSERT INTO {TABLE} ({', '.join(COLUMNS)}) VALUES ({', '.join('?' * len(COLUMNS))})"  # noqa: S608
_INSERT_FTS = f"INSERT INTO {FTS_TABLE} (rowid, message) VALUES (?, ?)"  # noqa: S608
_MESSAGE_INDEX = COLUMNS.index("message") - 1  # position in a parsed row, which has no id


@dataclass
class IngestStats:
    lines_ingested: int = 0
    lines_not_json: int = 0
    lines_invalid_utf8: int = 0
    batches: int = 0
    last_logged_at_us: int | None = None


def insert_rows(connection: sqlite3.Connection, rows: list[Row]) -> tuple[int, int]:
    """Insert parsed rows and their free-text entries inside the caller's transaction; return the id range."""
    first_id = connection.execute(f"SELECT coalesce(max(id), 0) + 1 FROM {TABLE}").fetchone()[0]  # noqa: S608
    connection.executemany(_INSERT_ROW, [(first_id + offset, *row) for offset, row in enumerate(rows)])
    connection.executemany(_INSERT_FTS, [(first_id + offset, row[_MESSAGE_INDEX]) for offset, row in enumerate(rows)])
    return first_id, first_id + len(rows) - 1


class LogIngester:
    """Tail one file into `backend_logs`, exactly once per line across restarts."""

    def __init__(
        self,
        database: Path,
        log_path: Path,
        *,
        now_us: Callable[[], int],
        batch_size: int = 2000,
        chunk_size: int = 1 << 20,
        max_line_bytes: int = 64 * 1024,
    ) -> None:
        self.log_path = log_path
        self.source = str(log_path)
        self.batch_size = batch_size
        self.now_us = now_us
        self.stats = IngestStats()
        self.connection = connect(database)
        checkpoint = load_checkpoint(self.connection, self.source)
        self.total_lines = checkpoint.lines_ingested if checkpoint else 0
        self.follower = FileFollower(log_path, checkpoint, chunk_size=chunk_size, max_line_bytes=max_line_bytes)

    def poll_once(
        self, *, stop: Callable[[], bool] | None = None, after_batch: Callable[[], None] | None = None
    ) -> int:
        """Store every complete line available now; return how many were stored.

        `after_batch` runs after each committed batch (progress reports during a long catch-up);
        `stop` is asked after each batch, and when it answers True the poll ends there.
        """
        stored = 0
        batch: list[Line] = []
        try:
            for line in self.follower.poll():
                batch.append(line)
                if len(batch) >= self.batch_size:
                    stored += self._store(batch)
                    batch = []
                    if after_batch is not None:
                        after_batch()
                    if stop is not None and stop():
                        # Lines read past the batch are not stored: the next poll starts at the checkpoint.
                        self._rewind()
                        return stored
            if batch:
                stored += self._store(batch)
                if after_batch is not None:
                    after_batch()
        except BaseException:
            # Lines read but not committed must be read again: go back to the stored checkpoint.
            self._rewind()
            raise
        return stored

    def _rewind(self) -> None:
        previous = self.follower
        previous.close()
        checkpoint = load_checkpoint(self.connection, self.source)
        self.total_lines = checkpoint.lines_ingested if checkpoint else 0
        self.follower = FileFollower(
            self.log_path, checkpoint, chunk_size=previous.chunk_size, max_line_bytes=previous.max_line_bytes
        )
        self.follower.stats = previous.stats  # the counters describe the service's life, not one follower's

    def _store(self, batch: list[Line]) -> int:
        now = self.now_us()
        rows = [parse_line(line.raw, line.flags, now) for line in batch]
        last = batch[-1]
        lines_total = self.total_lines + len(rows)
        checkpoint = last.file.checkpoint(last.end_offset, last.skipping_after, lines_total)
        connection = self.connection
        connection.execute("BEGIN IMMEDIATE")
        try:
            insert_rows(connection, rows)
            save_checkpoint(connection, self.source, checkpoint, now)
            connection.execute("COMMIT")
        except BaseException:
            connection.execute("ROLLBACK")
            raise
        self.total_lines = lines_total
        stats = self.stats
        stats.lines_ingested += len(rows)
        stats.batches += 1
        stats.last_logged_at_us = rows[-1][0]
        for row in rows:
            flags = row[-2]
            if flags:
                stats.lines_not_json += bool(flags & FLAG_NOT_JSON)
                stats.lines_invalid_utf8 += bool(flags & FLAG_INVALID_UTF8)
        return len(rows)

    def lag_bytes(self) -> int:
        """Bytes of the current file not yet stored."""
        return self.follower.size_behind()

    def close(self) -> None:
        """Close the file and the database connection."""
        self.follower.close()
        self.connection.close()
