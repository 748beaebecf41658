"""Query parameters and bodies for the log viewer and the dashboard's client logs."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from delta_strangle.logs.parse import normalise_level, to_epoch_us
from delta_strangle.logs.query import LogFilter

LEVEL_CHOICES = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL", "RAW")
_ID = r"^[A-Za-z0-9._:@/\-]{1,128}$"
_NAME = r"^[A-Za-z0-9._:\-]{1,128}$"
_SEARCH_WORD = re.compile(r"^[\w.:@/\-]{1,64}$")
MAX_SEARCH_WORDS = 8


class BackendLogQuery(BaseModel):
    """Filters shared by the list, export and live tail. All optional; combined with AND."""

    model_config = ConfigDict(extra="forbid")

    level: str | None = Field(
        default=None, max_length=64, description="one level or several, comma-separated (WARN means WARNING)"
    )
    event: str | None = Field(default=None, pattern=_NAME)
    logger: str | None = Field(default=None, pattern=_NAME, description="exact logger name")
    correlation_id: str | None = Field(default=None, pattern=_ID)
    request_id: str | None = Field(default=None, pattern=_ID)
    strategy_id: str | None = Field(default=None, pattern=_ID)
    session_id: str | None = Field(default=None, pattern=_ID)
    order_id: str | None = Field(default=None, pattern=_ID)
    client_order_id: str | None = Field(default=None, pattern=_ID)
    start: datetime | None = Field(default=None, description="inclusive; without a zone it is read as UTC")
    end: datetime | None = Field(default=None, description="inclusive; without a zone it is read as UTC")
    search: str | None = Field(
        default=None, max_length=200, description="words that must all appear in the message (whole tokens)"
    )

    @field_validator("level")
    @classmethod
    def _levels(cls, value: str | None) -> str | None:
        if value is None:
            return None
        levels = [normalise_level(part) for part in value.split(",") if part.strip()]
        unknown = [level for level in levels if level not in LEVEL_CHOICES]
        if unknown:
            raise ValueError(f"unknown level {unknown[0]!r}: use one of {', '.join(LEVEL_CHOICES)} (or WARN)")
        return ",".join(dict.fromkeys(levels)) or None

    @field_validator("search")
    @classmethod
    def _search(cls, value: str | None) -> str | None:
        if value is None or not value.strip():
            return None
        words = value.split()
        if len(words) > MAX_SEARCH_WORDS:
            raise ValueError(f"search takes at most {MAX_SEARCH_WORDS} words")
        for word in words:
            if not _SEARCH_WORD.match(word):
                raise ValueError("search words may hold letters, digits and . _ : @ / - only")
        return " ".join(words)

    @field_validator("start", "end")
    @classmethod
    def _utc(cls, value: datetime | None) -> datetime | None:
        if value is not None and value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value

    @model_validator(mode="after")
    def _range_in_order(self) -> BackendLogQuery:
        if self.start is not None and self.end is not None and self.end < self.start:
            raise ValueError("end must not be before start")
        return self

    def to_filter(self) -> LogFilter:
        """Return the log package's filter for these parameters."""
        equals = {
            column: value
            for column in ("event", "logger", "correlation_id", "request_id", "strategy_id", "session_id", "order_id",
                           "client_order_id")
            if (value := getattr(self, column)) is not None
        }
        return LogFilter(
            levels=tuple(self.level.split(",")) if self.level else (),
            equals=equals,
            start_us=to_epoch_us(self.start) if self.start else None,
            end_us=to_epoch_us(self.end) if self.end else None,
            text=self.search,
        )


class BackendLogPageQuery(BackendLogQuery):
    cursor: str | None = Field(default=None, max_length=64, pattern=r"^[A-Za-z0-9_\-]+$")
    limit: int = Field(default=100, ge=1, le=500)


class BackendLogExportQuery(BackendLogQuery):
    format: Literal["csv", "ndjson"] = "csv"


class BackendLogStreamQuery(BackendLogQuery):
    after_id: int | None = Field(default=None, ge=0, description="resume after this row id (default: from now)")


class BackendLogSummaryQuery(BaseModel):
    model_config = ConfigDict(extra="forbid")

    start: datetime | None = Field(default=None, description="default: one hour before end")
    end: datetime | None = Field(default=None, description="default: now")

    @field_validator("start", "end")
    @classmethod
    def _utc(cls, value: datetime | None) -> datetime | None:
        if value is not None and value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value


class BackendLogOut(BaseModel):
    id: int
    logged_at: datetime
    ingested_at: datetime
    level: str
    logger: str
    event: str
    message: str
    correlation_id: str | None
    request_id: str | None
    user: str | None
    strategy_id: str | None
    session_id: str | None
    order_id: str | None
    client_order_id: str | None
    mode: str | None
    source: str
    flags: list[str] = Field(description="not_json, capped, invalid_utf8, unterminated")
    payload: dict[str, Any] | list[Any] | str | int | float | bool | None = Field(
        description="the stored JSON line, parsed"
    )
    raw: str | None = Field(description="the line as written, when it was not JSON")


class TotalOut(BaseModel):
    value: int
    exact: bool
    relation: Literal["eq", "gte", "approx"] = Field(description="eq: exact; gte: at least; approx: estimate")


class BackendLogPage(BaseModel):
    items: list[BackendLogOut]
    next_cursor: str | None = Field(description="pass as `cursor` for the next (older) page; null on the last")
    total: TotalOut | None = Field(description="on the first page only")


class NamedCount(BaseModel):
    name: str
    count: int


class IngestionOut(BaseModel):
    lag_bytes: int | None
    newest_logged_at: datetime | None
    newest_ingested_at: datetime | None
    last_row_delay_seconds: float | None
    seconds_since_last_row: float | None
    lines_ingested: int
    checkpoint_updated_at: datetime | None
    service: dict[str, Any] | None = Field(default=None, description="the tail service's own health, when running")


class BackendLogSummary(BaseModel):
    since: datetime
    until: datetime
    counts_by_level: dict[str, int]
    top_events: list[NamedCount]
    top_loggers: list[NamedCount]
    latest_error: BackendLogOut | None
    latest_warning: BackendLogOut | None
    ingestion: IngestionOut


class ClientLogRecord(BaseModel):
    """One record from the dashboard's logger (camelCase accepted, as the browser sends it)."""

    model_config = ConfigDict(populate_by_name=True, extra="ignore")

    level: Literal["debug", "info", "warn", "warning", "error", "DEBUG", "INFO", "WARN", "WARNING", "ERROR"] = "info"
    message: str = Field(default="", max_length=2000)
    event: str | None = Field(default=None, max_length=128)
    timestamp: str | None = Field(default=None, max_length=64)
    session_id: str | None = Field(default=None, alias="sessionId", pattern=_ID)
    correlation_id: str | None = Field(default=None, alias="correlationId", pattern=_ID)
    request_id: str | None = Field(default=None, alias="requestId", pattern=_ID)
    app_version: str | None = Field(default=None, alias="appVersion", max_length=64)
    environment: str | None = Field(default=None, max_length=32)
    data: dict[str, Any] | None = None


class ClientLogBatch(BaseModel):
    logs: list[ClientLogRecord] = Field(max_length=100)


class ClientLogAccepted(BaseModel):
    accepted: int
