"""Model-based test: random writes, partial writes, rotations, copytruncates, truncations, deletions,
crashes and restarts against a real file, checked against a model of what must be stored.

The ingester is driven synchronously (`poll_once`) so every sequence is deterministic. A line
may be missing only where the model says it could not be read: copytruncate/truncate of lines
not yet stored, a file destroyed while the ingester did not hold it open, or a generation rotated
away while the ingester was positioned elsewhere (see logs/reader.py).
"""

from __future__ import annotations

import contextlib
import os
import random
import shutil
import sqlite3
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from delta_strangle.logs.checkpoint import load_checkpoint
from delta_strangle.logs.ingest import LogIngester, insert_rows
from delta_strangle.logs.parse import parse_line
from delta_strangle.logs.reader import FINGERPRINT_BYTES, Line, fingerprint_of

from .builders import fresh_database, ingester, json_line


class KilledError(Exception):
    """Stands for kill -9 in the middle of a batch."""


class CrashingIngester(LogIngester):
    """Dies after inserting (but before committing) its `crash_on`-th batch."""

    crash_on = 1

    def _store(self, batch: list[Line]) -> int:
        self.crash_on -= 1
        if self.crash_on > 0:
            return super()._store(batch)
        self.connection.execute("BEGIN IMMEDIATE")
        insert_rows(self.connection, [parse_line(line.raw, line.flags, 0) for line in batch])
        raise KilledError


@dataclass
class Model:
    folder: Path
    database: Path
    rng: random.Random
    next_id: int = 0
    written: list[str] = field(default_factory=list)
    may_lose: set[str] = field(default_factory=set)
    lines_in: dict[int, list[str]] = field(default_factory=dict)  # inode -> lines written to that file
    orphaned: set[str] = field(default_factory=set)  # lines of unlinked files the ingester still holds
    pending: str | None = None  # a line written without its newline yet
    worker: LogIngester | None = None
    chunk_size: int = 64
    batch_size: int = 3

    @property
    def log(self) -> Path:
        return self.folder / "backend.log"

    @property
    def rotated(self) -> Path:
        return self.folder / "backend.log.1"

    def stored(self) -> list[str]:
        connection = sqlite3.connect(self.database)
        try:
            return [row[0] for row in connection.execute("SELECT message FROM backend_logs ORDER BY id")]
        finally:
            connection.close()

    def new_line(self) -> tuple[str, str]:
        message = f"L{self.next_id:05d}"
        self.next_id += 1
        self.written.append(message)
        return message, json_line(message, padding="p" * self.rng.randint(0, 80))

    # -- what the ingester can still see ----------------------------------------------------

    def open_inode(self) -> int | None:
        if self.worker is None or self.worker.follower.file is None:
            return None
        return self.worker.follower.file.inode

    def positioned_on(self, path: Path) -> bool:
        inode = os.stat(path).st_ino
        if self.worker is not None:
            return self.open_inode() == inode
        connection = sqlite3.connect(self.database)
        try:
            checkpoint = load_checkpoint(connection, str(self.log))
        finally:
            connection.close()
        if checkpoint is None or checkpoint.inode != inode:
            return False
        prefix = path.read_bytes()[: checkpoint.fingerprint_length]
        return fingerprint_of(prefix) == checkpoint.fingerprint

    def at_risk(self, path: Path) -> None:
        """Unstored lines of this file may be lost."""
        if path.exists():
            stored = set(self.stored())
            self.may_lose.update(m for m in self.lines_in.get(os.stat(path).st_ino, []) if m not in stored)

    def destroy(self, path: Path) -> None:
        """Unlink a file: readable only through the ingester's open descriptor, if it holds one."""
        if path.exists():
            inode = os.stat(path).st_ino
            if inode == self.open_inode():
                self.orphaned.update(self.lines_in.get(inode, []))
            else:
                self.at_risk(path)
            self.lines_in.pop(inode, None)  # the inode number may be reused by the next file
            path.unlink()

    # -- operations -----------------------------------------------------------------------------

    def append(self, text: str, messages: list[str]) -> None:
        with self.log.open("a", encoding="utf-8") as handle:
            handle.write(text)
        self.lines_in.setdefault(os.stat(self.log).st_ino, []).extend(messages)

    def write(self) -> None:
        self.complete()
        batch = [self.new_line() for _ in range(self.rng.randint(1, 6))]
        self.append("".join(text for _, text in batch), [message for message, _ in batch])

    def partial(self) -> None:
        self.complete()
        message, text = self.new_line()
        cut = self.rng.randint(1, len(text) - 2)
        self.append(text[:cut], [message])
        self.pending = text[cut:]

    def complete(self) -> None:
        if self.pending is not None:
            with self.log.open("a", encoding="utf-8") as handle:
                handle.write(self.pending)
            self.pending = None

    def rotate(self) -> None:
        self.complete()
        if not self.log.exists():
            return
        if not self.positioned_on(self.log):
            self.at_risk(self.log)
        self.destroy(self.rotated)
        self.log.rename(self.rotated)

    def copytruncate(self) -> None:
        self.complete()
        if not self.log.exists():
            return
        self.at_risk(self.log)
        self.destroy(self.rotated)
        shutil.copyfile(self.log, self.rotated)
        os.truncate(self.log, 0)
        self.lines_in[os.stat(self.log).st_ino] = []

    def truncate(self) -> None:
        self.complete()
        if self.log.exists():
            self.at_risk(self.log)
            os.truncate(self.log, 0)
            self.lines_in[os.stat(self.log).st_ino] = []

    def delete(self) -> None:
        self.complete()
        self.destroy(self.log)

    def poll(self) -> None:
        if self.worker is not None:
            self.worker.poll_once()

    def kill(self) -> None:
        if self.worker is None:
            return
        if self.rng.random() < 0.5:
            crashing = CrashingIngester.__new__(CrashingIngester)
            crashing.__dict__.update(self.worker.__dict__)
            crashing.crash_on = self.rng.randint(1, 3)
            with contextlib.suppress(KilledError):
                crashing.poll_once()
        # Unlinked files it held open die with it.
        stored = set(self.stored())
        self.may_lose.update(m for m in self.orphaned if m not in stored)
        self.orphaned.clear()
        # Abandon it like a killed process: the connection closes with nothing committed.
        self.worker.follower.close()
        self.worker.connection.close()
        self.worker = None

    def restart(self) -> None:
        if self.worker is None:
            self.worker = ingester(
                self.database, self.log, batch_size=self.batch_size, chunk_size=self.chunk_size, max_line_bytes=4096
            )


OPERATIONS = (
    ("write", 30), ("partial", 8), ("complete", 4), ("poll", 25), ("rotate", 6), ("copytruncate", 3),
    ("truncate", 2), ("delete", 3), ("kill", 5), ("restart", 8),
)


@pytest.mark.parametrize("seed", range(60))
def test_random_file_histories_store_each_line_once_and_lose_only_what_was_unreadable(
    tmp_path: Path, seed: int
) -> None:
    rng = random.Random(seed)
    model = Model(tmp_path, fresh_database(tmp_path / "db.sqlite"), rng, batch_size=rng.randint(1, 5))
    model.restart()
    names = [name for name, weight in OPERATIONS for _ in range(weight)]
    history = []
    for _ in range(80):
        name = rng.choice(names)
        history.append(name)
        getattr(model, name)()
    model.complete()
    model.restart()
    model.poll()
    model.poll()
    stored = model.stored()
    assert len(stored) == len(set(stored)), f"duplicates after {history}"
    assert set(stored) <= set(model.written)
    missing = [m for m in model.written if m not in set(stored) and m not in model.may_lose]
    assert missing == [], f"lost {missing} after {history}"
    assert stored == sorted(stored), f"out of order after {history}"
    assert FINGERPRINT_BYTES > 0
