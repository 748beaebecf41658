import json
import logging

import pytest

from delta_strangle.logs.client_logs import RateLimiter, client_event_name, emit_client_logs
from delta_strangle.logs.setup import JsonFormatter


def test_client_events_are_prefixed_and_snake_cased() -> None:
    assert client_event_name("Page View!") == "client_page_view"
    assert client_event_name(None) == "client_log"


def test_rate_limiter_empties_then_refills() -> None:
    limiter = RateLimiter(capacity=2, per_second=1)
    assert [limiter.allow("a", 0.0) for _ in range(3)] == [True, True, False]
    assert limiter.allow("b", 0.0)
    assert limiter.allow("a", 1.0)


def test_client_records_are_logged_as_dashboard_source(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.DEBUG, logger="dashboard"):
        emit_client_logs([{"level": "warn", "message": "slow chart", "event": "render", "session_id": "s-1"}],
                         principal="ann@example.org", address="203.0.113.7")
    line = json.loads(JsonFormatter().format(caplog.records[0]))
    assert (line["level"], line["event"], line["source"], line["session_id"]) == (
        "WARNING", "client_render", "dashboard", "s-1"
    )
