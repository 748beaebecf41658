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
from datetime import UTC, datetime
from decimal import Decimal
from enum import Enum
from pathlib import Path
from typing import Any

from delta_strangle.logs.context import CONTEXT_FIELDS, current_context
from delta_strangle.logs.masking import is_sensitive_key, mask_text, mask_value

_STANDARD_ATTRS = frozenset(vars(logging.LogRecord("x", 0, "x", 0, "x", None, None))) | {"message", "asctime"}
_NON_WORD = re.compile(r"[^a-z0-9]+")
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
            if key in CONTEXT_FIELDS:
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
        for field in CONTEXT_FIELDS:
            if context.get(field) is not None:
                entry[field] = context[field]
        if payload:
            entry["payload"] = {
                key: ("***" if is_sensitive_key(key) else mask_value(value)) for key, value in payload.items()
            }
        if record.exc_info:
            entry["exception"] = mask_text(self.formatException(record.exc_info))
        return json.dumps(entry, default=_json_default, ensure_ascii=False, separators=(",", ":"))


def configure_logging(level: str = "INFO", log_path: Path | None = None, *, stdout: bool = True) -> None:
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
    for handler in handlers:
        handler.setFormatter(formatter)
        setattr(handler, HANDLER_MARK, True)
        root.addHandler(handler)
    level_name = level.strip().upper()
    root.setLevel("WARNING" if level_name == "WARN" else level_name)
    for name in ("uvicorn", "uvicorn.error", "uvicorn.access", "sqlalchemy", "alembic", "httpx", "websockets"):
        library_logger = logging.getLogger(name)
        library_logger.handlers.clear()
        library_logger.propagate = True
    logging.getLogger("uvicorn.access").setLevel(logging.WARNING)
    logging.getLogger("httpx").setLevel(logging.WARNING)
    logging.getLogger("alembic").setLevel(logging.WARNING)
