import json
import logging
import re
from pathlib import Path

import pytest

from delta_strangle.logs.context import bound
from delta_strangle.logs.setup import EventSampler, JsonFormatter, configure_logging, parse_sampling
from tests.builders import build_settings


def record(message: str = "hello", level: int = logging.INFO, **extra: object) -> logging.LogRecord:
    item = logging.LogRecord("delta_strangle.test", level, __file__, 1, message, None, None)
    for key, value in extra.items():
        setattr(item, key, value)
    return item


def formatted(item: logging.LogRecord) -> dict[str, object]:
    return json.loads(JsonFormatter().format(item))  # type: ignore[no-any-return]


def test_line_carries_standard_fields_context_and_payload() -> None:
    with bound(correlation_id="c-9", user="ann@example.org"):
        line = formatted(record(event="order_placed", order_id="42", size=3, source="dashboard"))
    assert line["level"] == "INFO"
    assert line["event"] == "order_placed"
    assert (line["correlation_id"], line["user"], line["order_id"], line["source"]) == (
        "c-9", "ann@example.org", "42", "dashboard"
    )
    assert line["payload"] == {"size": 3}
    assert str(line["timestamp"]).endswith("+00:00")


def test_secrets_are_masked_before_writing() -> None:
    line = formatted(record("login with password=hunter2 and Bearer abcdefghijklmnop", api_key="k-123",
                            headers={"Authorization": "Bearer xyz123456789"}))
    text = json.dumps(line)
    assert "hunter2" not in text
    assert "abcdefghijklmnop" not in text
    assert "k-123" not in text
    assert "xyz123456789" not in text


def test_sampler_keeps_first_and_every_nth_debug_event_only() -> None:
    sampler = EventSampler({"quote_received": 3})
    kept = [sampler.filter(record(level=logging.DEBUG, event="quote_received")) for _ in range(7)]
    assert kept == [True, False, False, True, False, False, True]
    assert sampler.filter(record(level=logging.WARNING, event="quote_received"))


def test_sampling_spec_parses_from_an_environment_string() -> None:
    assert parse_sampling("quote_received=10, ws_message=100,") == {"quote_received": 10, "ws_message": 100}
    assert parse_sampling("  ") == {}


@pytest.mark.parametrize(
    ("spec", "complaint"),
    [
        ("quote_received", "'quote_received' is not event=N"),
        ("quote_received=abc", "'quote_received=abc' is not event=N"),
        ("quote_received=-5", "is not event=N"),
        ("quote_received=0", "at least 1"),
        ("Quote Received=10", "'Quote Received' is not an event name"),
        ("a=1,a=2", "'a' appears twice"),
    ],
)
def test_a_bad_sampling_spec_is_refused_naming_the_bad_part(spec: str, complaint: str) -> None:
    with pytest.raises(ValueError, match=re.escape(complaint)):
        parse_sampling(spec)


def test_the_app_samples_the_events_named_in_its_settings(tmp_path: Path) -> None:
    from delta_strangle.app import create_app

    settings = build_settings(tmp_path, log_sample_events="quote_received=3", log_level="DEBUG")
    create_app(settings)
    try:
        chatty = logging.getLogger("delta_strangle.market")
        for index in range(7):
            chatty.debug("quote %d", index, extra={"event": "quote_received"})
    finally:
        configure_logging("INFO", None, stdout=False)
    kept = [json.loads(line) for line in settings.backend_log_path.read_text().splitlines()]
    quotes = [line for line in kept if line["event"] == "quote_received"]
    assert [line["message"] for line in quotes] == ["quote 0", "quote 3", "quote 6"]
    assert quotes[1]["payload"] == {"sampled_skipped": 2, "sample_every": 3}


def test_configure_logging_writes_json_lines_to_the_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    log = tmp_path / "logs" / "backend.log"
    configure_logging("WARN", log)
    try:
        logging.getLogger("uvicorn.error").warning("from uvicorn", extra={"event": "uvicorn_warning"})
        logging.getLogger("delta_strangle.x").info("dropped at WARNING")
    finally:
        configure_logging("INFO", None, stdout=False)
    lines = [json.loads(line) for line in log.read_text().splitlines()]
    assert [(line["logger"], line["event"]) for line in lines] == [("uvicorn.error", "uvicorn_warning")]
    assert '"uvicorn_warning"' in capsys.readouterr().out
