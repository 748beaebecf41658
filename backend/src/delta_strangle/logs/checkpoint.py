"""Where the tailer stopped: file identity and the byte offset after the last stored line.

The checkpoint is written in the same transaction as the rows it covers, so after a crash the
database and the checkpoint always agree: nothing is lost, nothing is stored twice.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass

from delta_strangle.logs.schema import CHECKPOINT_TABLE


@dataclass(frozen=True)
class Checkpoint:
    device: int
    inode: int
    fingerprint: str
    fingerprint_length: int
    byte_offset: int
    skipping: bool = False
    lines_ingested: int = 0


def load_checkpoint(connection: sqlite3.Connection, source: str) -> Checkpoint | None:
    """Return the stored checkpoint for a source (the log path), if any."""
    row = connection.execute(
        f"SELECT device, inode, fingerprint, fingerprint_length, byte_offset, skipping, lines_ingested "  # noqa: S608
        f"FROM {CHECKPOINT_TABLE} WHERE source = ?",
        (source,),
    ).fetchone()
    if row is None:
        return None
    return Checkpoint(row[0], row[1], row[2], row[3], row[4], bool(row[5]), row[6])


def save_checkpoint(connection: sqlite3.Connection, source: str, checkpoint: Checkpoint, now_us: int) -> None:
    """Upsert the checkpoint inside the caller's open transaction."""
    connection.execute(
        f"INSERT INTO {CHECKPOINT_TABLE} (source, device, inode, fingerprint, fingerprint_length, byte_offset, "  # noqa: S608
        "skipping, lines_ingested, updated_at_us) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) "
        "ON CONFLICT(source) DO UPDATE SET device = excluded.device, inode = excluded.inode, "
        "fingerprint = excluded.fingerprint, fingerprint_length = excluded.fingerprint_length, "
        "byte_offset = excluded.byte_offset, skipping = excluded.skipping, "
        "lines_ingested = excluded.lines_ingested, updated_at_us = excluded.updated_at_us",
        (
            source,
            checkpoint.device,
            checkpoint.inode,
            checkpoint.fingerprint,
            checkpoint.fingerprint_length,
            checkpoint.byte_offset,
            int(checkpoint.skipping),
            checkpoint.lines_ingested,
            now_us,
        ),
    )
