"""The `backend_logs` table, its free-text index and the tailer's checkpoint, as plain SQLite DDL.

Times are integers (microseconds since the Unix epoch, UTC): compact indexes and exact keyset
cursors. In the sqlite3 shell, `datetime(logged_at_us / 1000000, 'unixepoch')` reads them.
Every viewer index ends in `logged_at_us` (and, implicitly, the rowid `id`) so each filter walks
its index newest-first; sparse id columns get partial indexes that cost nothing for rows without them.
"""

from __future__ import annotations

TABLE = "backend_logs"
FTS_TABLE = "backend_logs_fts"
CHECKPOINT_TABLE = "backend_log_checkpoints"

# Column order matters: ingestion inserts tuples in exactly this order.
COLUMNS = (
    "id",
    "logged_at_us",
    "ingested_at_us",
    "level",
    "logger",
    "event",
    "message",
    "correlation_id",
    "request_id",
    "user",
    "strategy_id",
    "session_id",
    "order_id",
    "client_order_id",
    "mode",
    "source",
    "flags",
    "raw",
)

# Bits of `flags`: why a stored row differs from the line as written.
FLAG_NOT_JSON = 1
FLAG_CAPPED = 2
FLAG_INVALID_UTF8 = 4
FLAG_UNTERMINATED = 8

CREATE_TABLE = f"""
CREATE TABLE IF NOT EXISTS {TABLE} (
    id INTEGER PRIMARY KEY,
    logged_at_us INTEGER NOT NULL,
    ingested_at_us INTEGER NOT NULL,
    level TEXT NOT NULL,
    logger TEXT NOT NULL,
    event TEXT NOT NULL,
    message TEXT NOT NULL,
    correlation_id TEXT,
    request_id TEXT,
    user TEXT,
    strategy_id TEXT,
    session_id TEXT,
    order_id TEXT,
    client_order_id TEXT,
    mode TEXT,
    source TEXT NOT NULL,
    flags INTEGER NOT NULL DEFAULT 0,
    raw TEXT NOT NULL
)
"""

# (name, columns, partial-index condition or None)
INDEXES: tuple[tuple[str, str, str | None], ...] = (
    ("ix_backend_logs_logged_at", "logged_at_us", None),
    ("ix_backend_logs_level", "level, logged_at_us", None),
    ("ix_backend_logs_event", "event, logged_at_us", None),
    ("ix_backend_logs_logger", "logger, logged_at_us", None),
    # Level combined with an event or a logger (the viewer's commonest pairs) stays one index walk.
    ("ix_backend_logs_level_event", "level, event, logged_at_us", None),
    ("ix_backend_logs_level_logger", "level, logger, logged_at_us", None),
    ("ix_backend_logs_correlation_id", "correlation_id, logged_at_us", "correlation_id IS NOT NULL"),
    ("ix_backend_logs_strategy_id", "strategy_id, logged_at_us", "strategy_id IS NOT NULL"),
    ("ix_backend_logs_session_id", "session_id, logged_at_us", "session_id IS NOT NULL"),
    ("ix_backend_logs_order_id", "order_id, logged_at_us", "order_id IS NOT NULL"),
    ("ix_backend_logs_client_order_id", "client_order_id, logged_at_us", "client_order_id IS NOT NULL"),
)

# External-content FTS5: the text lives once, in backend_logs; ingestion and retention keep it in step.
CREATE_FTS = (
    f"CREATE VIRTUAL TABLE IF NOT EXISTS {FTS_TABLE} USING fts5("
    f"message, content='{TABLE}', content_rowid='id', tokenize='unicode61')"
)

CREATE_CHECKPOINT = f"""
CREATE TABLE IF NOT EXISTS {CHECKPOINT_TABLE} (
    source TEXT PRIMARY KEY,
    device INTEGER NOT NULL,
    inode INTEGER NOT NULL,
    fingerprint TEXT NOT NULL,
    fingerprint_length INTEGER NOT NULL,
    byte_offset INTEGER NOT NULL,
    skipping INTEGER NOT NULL DEFAULT 0,
    lines_ingested INTEGER NOT NULL DEFAULT 0,
    updated_at_us INTEGER NOT NULL
)
"""


def index_statements() -> list[str]:
    """Return the CREATE INDEX statements for the viewer's filters."""
    statements = []
    for name, columns, where in INDEXES:
        clause = f" WHERE {where}" if where else ""
        statements.append(f"CREATE INDEX IF NOT EXISTS {name} ON {TABLE} ({columns}){clause}")
    return statements


def create_statements() -> list[str]:
    """Return every statement that creates the log tables (idempotent)."""
    return [CREATE_TABLE, *index_statements(), CREATE_FTS, CREATE_CHECKPOINT]


def drop_statements() -> list[str]:
    """Return the statements that remove the log tables."""
    return [f"DROP TABLE IF EXISTS {name}" for name in (FTS_TABLE, CHECKPOINT_TABLE, TABLE)]
