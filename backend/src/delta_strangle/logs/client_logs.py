"""The dashboard's own logs: re-emitted through the backend logger so they are stored and retained alike.

Each record goes to the `dashboard` logger with `source="dashboard"`, lands in backend.log and
reaches `backend_logs` through the tailer. Limits keep a noisy or hostile client from filling the
disk: a bounded body and batch, capped fields, and a per-client token bucket.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

logger = logging.getLogger("dashboard")
MAX_BODY_BYTES = 64 * 1024
MAX_RECORDS = 100
_EVENT_CHARS = re.compile(r"[^a-z0-9_]+")
_LEVELS = {"debug": logging.DEBUG, "info": logging.INFO, "warn": logging.WARNING, "warning": logging.WARNING,
           "error": logging.ERROR}


def client_event_name(event: str | None) -> str:
    """Return a snake_case event name for a client record, prefixed so it never poses as a backend event."""
    cleaned = _EVENT_CHARS.sub("_", (event or "log").lower()).strip("_")[:100] or "log"
    return f"client_{cleaned}"


def emit_client_logs(records: Iterable[Mapping[str, Any]], *, principal: str, address: str | None) -> int:
    """Log each client record at its level through the `dashboard` logger; return how many."""
    count = 0
    for record in records:
        level = _LEVELS.get(str(record.get("level", "info")).lower(), logging.INFO)
        context = {key: record.get(key) for key in ("correlation_id", "request_id", "session_id")}
        logger.log(
            level,
            str(record.get("message", ""))[:2000],
            extra={
                "event": client_event_name(record.get("event")),
                "source": "dashboard",
                "client_timestamp": record.get("timestamp"),
                "app_version": record.get("app_version"),
                "environment": record.get("environment"),
                "data": record.get("data"),
                "ingest_principal": principal,
                "ingest_client": address,
                **{key: value for key, value in context.items() if value},
            },
        )
        count += 1
    return count


@dataclass
class RateLimiter:
    """A token bucket per client key: `capacity` batches, refilled at `per_second`."""

    capacity: float = 30.0
    per_second: float = 0.5
    _buckets: dict[str, tuple[float, float]] = field(default_factory=dict)

    def allow(self, key: str, now: float) -> bool:
        """Take one token for `key` at monotonic time `now`; False when the bucket is empty."""
        tokens, updated = self._buckets.get(key, (self.capacity, now))
        tokens = min(self.capacity, tokens + (now - updated) * self.per_second)
        if tokens < 1:
            self._buckets[key] = (tokens, now)
            return False
        self._buckets[key] = (tokens - 1, now)
        if len(self._buckets) > 10_000:  # forget idle clients so the table stays bounded
            self._buckets = {key: self._buckets[key]}
        return True
