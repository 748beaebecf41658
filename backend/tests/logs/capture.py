"""Capture log lines as the real JSON formatter writes them, parsed back into dicts."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from delta_strangle.logs.setup import JsonFormatter


class _ParsingHandler(logging.Handler):
    """Formats each record when it is logged (in the task that logs it, as the app's handlers do)."""

    def __init__(self, lines: list[dict[str, Any]]) -> None:
        super().__init__(logging.DEBUG)
        self.lines = lines
        self.setFormatter(JsonFormatter())

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(json.loads(self.format(record)))


@contextmanager
def json_lines(level: int = logging.INFO) -> Iterator[list[dict[str, Any]]]:
    """Collect every line logged at `level` or above inside the block, as JSON objects."""
    lines: list[dict[str, Any]] = []
    handler = _ParsingHandler(lines)
    root = logging.getLogger()
    previous = root.level
    root.addHandler(handler)
    root.setLevel(min(previous, level) if previous else level)
    try:
        yield lines
    finally:
        root.removeHandler(handler)
        root.setLevel(previous)
