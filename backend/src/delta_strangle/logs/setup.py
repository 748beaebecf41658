"""Structured logging for the whole backend: one JSON object per line, to stdout and a file.

Every record carries `timestamp` (UTC, ISO 8601), `level`, `logger`, `event` (a stable
snake_case name), `message`, the bound context (correlation id, user, session, order...) and
any extra fields as a structured `payload`. Secrets are masked before anything is written.
"""

from __future__ import annotations

import json
import logging
import re
import sys
import threading
from collections.abc import Mapping
from datetime import UTC, datetime
from decimal import Decimal
from enum import Enum
from pathlib import Path
from typing import Any

from delta_strangle.logs.context import CONTEXT_FIELDS, current_context
from delta_strangle.logs.masking import is_sensitive_key, mask_text, mask_value

_STANDARD_ATTRS = frozenset(vars(logging.LogRecord("x", 0, "x", 0, "x", None, None))) | {"message", "asctime"}
# Extra fields written at the top level rather than inside `payload` (the tailer indexes them).
TOP_LEVEL_EXTRAS = ("source",)
_NON_WORD = re.compile(r"[^a-z0-9]+")
_EVENT_NAME = re.compile(r"[a-z0-9_]{1,128}")
_WHOLE_NUMBER = re.compile(r"[0-9]{1,9}")
HANDLER_MARK = "_delta_strangle_handler"


def _default_event(record: logging.LogRecord) -> str:
    return _NON_WORD.sub("_", record.name.lower()).strip("_") + "_log"


def _json_default(value: Any) -> Any:
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, Path | set | frozenset):
        return str(value) if isinstance(value, Path) else sorted(value, key=str)
    return repr(value)


class JsonFormatter(logging.Formatter):
    """Format a record as one masked JSON line."""

    def format(self, record: logging.LogRecord) -> str:
        context = current_context()
        payload: dict[str, Any] = {}
        for key, value in vars(record).items():
            if key in _STANDARD_ATTRS or key.startswith("_") or key == "event":
                continue
            if key in CONTEXT_FIELDS or key in TOP_LEVEL_EXTRAS:
                context[key] = value
            else:
                payload[key] = value
        entry: dict[str, Any] = {
            "timestamp": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="microseconds"),
            "level": record.levelname,
            "logger": record.name,
            "event": getattr(record, "event", None) or _default_event(record),
            "message": mask_text(record.getMessage()),
        }
        for field in (*CONTEXT_FIELDS, *TOP_LEVEL_EXTRAS):
            if context.get(field) is not None:
                entry[field] = mask_value(context[field]) if isinstance(context[field], str) else context[field]
        if payload:
            entry["payload"] = {
                key: ("***" if is_sensitive_key(key) else mask_value(value)) for key, value in payload.items()
            }
        if record.exc_info:
            entry["exception"] = mask_text(self.formatException(record.exc_info))
        return json.dumps(entry, default=_json_default, ensure_ascii=False, separators=(",", ":"))


class EventSampler(logging.Filter):
    """Keep the first record of a chatty event and then one in every N, noting how many were skipped.

    `every` maps an event name to N; only records at or below `max_level` (DEBUG by default) are
    sampled, so warnings and errors are never dropped.
    """

    def __init__(self, every: Mapping[str, int], *, max_level: int = logging.DEBUG) -> None:
        super().__init__()
        self.every = {event: max(1, int(n)) for event, n in every.items()}
        self.max_level = max_level
        self._seen: dict[str, int] = {}
        self._lock = threading.Lock()

    def filter(self, record: logging.LogRecord) -> bool:
        # One sampler serves every handler: decide once per record.
        decided = getattr(record, "_sampled_keep", None)
        if decided is None:
            decided = self._decide(record)
            record._sampled_keep = decided
        return bool(decided)

    def _decide(self, record: logging.LogRecord) -> bool:
        event = getattr(record, "event", None)
        if record.levelno > self.max_level or event not in self.every:
            return True
        interval = self.every[event]
        with self._lock:
            seen = self._seen.get(event, 0)
            self._seen[event] = seen + 1
        if seen % interval:
            return False
        if seen:
            record.sampled_skipped = interval - 1
            record.sample_every = interval
        return True


def check_sampling(every: Mapping[str, int]) -> dict[str, int]:
    """Return the mapping if every name is a snake_case event and every N a whole number >= 1; else raise."""
    for name, interval in every.items():
        if not _EVENT_NAME.fullmatch(name):
            raise ValueError(f"{name!r} is not an event name (snake_case: a-z, 0-9 and _)")
        if isinstance(interval, bool) or not isinstance(interval, int) or interval < 1:
            raise ValueError(f"{name}={interval!r}: N must be a whole number of at least 1")
    return dict(every)


def parse_sampling(spec: str) -> dict[str, int]:
    """Parse "event=N,other_event=M" (as an environment variable holds it); raise ValueError naming a bad part.

    An empty string means no sampling. Each event appears once; N is how many records of that
    event make one kept record (1 keeps them all).
    """
    result: dict[str, int] = {}
    for part in spec.split(","):
        part = part.strip()
        if not part:
            continue
        name, equals, every = (piece.strip() for piece in part.partition("="))
        if not equals or not _WHOLE_NUMBER.fullmatch(every):
            raise ValueError(f"{part!r} is not event=N (for example quote_received=100)")
        if name in result:
            raise ValueError(f"{name!r} appears twice")
        result[name] = int(every)
    return check_sampling(result)


def configure_logging(
    level: str = "INFO",
    log_path: Path | None = None,
    *,
    stdout: bool = True,
    sample_every: Mapping[str, int] | None = None,
) -> None:
    """Route every logger (ours, uvicorn's, libraries') through the JSON formatter."""
    root = logging.getLogger()
    for handler in list(root.handlers):
        if getattr(handler, HANDLER_MARK, False):
            root.removeHandler(handler)
            handler.close()
    formatter = JsonFormatter()
    handlers: list[logging.Handler] = []
    if stdout:
        handlers.append(logging.StreamHandler(sys.stdout))
    if log_path is not None:
        log_path.parent.mkdir(parents=True, exist_ok=True)
        # WatchedFileHandler reopens the file after an external rotation (logrotate).
        from logging.handlers import WatchedFileHandler

        handlers.append(WatchedFileHandler(log_path, encoding="utf-8"))
    sampler = EventSampler(sample_every) if sample_every else None
    for handler in handlers:
        handler.setFormatter(formatter)
        if sampler is not None:
            handler.addFilter(sampler)
        setattr(handler, HANDLER_MARK, True)
        root.addHandler(handler)
    level_name = level.strip().upper()
    root.setLevel("WARNING" if level_name == "WARN" else level_name)
    for name in ("uvicorn", "uvicorn.error", "uvicorn.access", "sqlalchemy", "alembic", "httpx", "websockets"):
        library_logger = logging.getLogger(name)
        library_logger.handlers.clear()
        library_logger.propagate = True
        # A library's own set-up (uvicorn.Config, dictConfig) may have raised its level or disabled it;
        # from here on the root's level decides, apart from the deliberate choices below.
        library_logger.setLevel(logging.NOTSET)
        library_logger.disabled = False
    logging.getLogger("uvicorn.access").setLevel(logging.WARNING)
    logging.getLogger("httpx").setLevel(logging.WARNING)
    logging.getLogger("alembic").setLevel(logging.WARNING)
    # Our own SQL goes through SQLAlchemy; echoing it would feed the log table with itself.
    logging.getLogger("sqlalchemy.engine").setLevel(logging.WARNING)
    logging.captureWarnings(True)
