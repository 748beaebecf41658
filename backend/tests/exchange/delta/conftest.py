"""Shared helpers for the Delta client tests: recorded fixtures and a clock."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from delta_strangle.clock import ReplayClock

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "delta"


def load_fixture(relative: str) -> Any:
    """Load a recorded Delta body, keeping decimals exact."""
    return json.loads((FIXTURES / relative).read_text(), parse_float=Decimal)


@pytest.fixture
def fixture() -> Callable[[str], Any]:
    return load_fixture


@pytest.fixture
def clock() -> ReplayClock:
    return ReplayClock(datetime(2026, 11, 25, 6, 0, tzinfo=UTC))
