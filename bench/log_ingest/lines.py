"""Realistic backend.log lines for the log benchmarks (deterministic for a seed).

About 350 bytes each, shaped like `logs.setup.JsonFormatter` output: mixed levels, ~40 events,
~15 loggers, correlation ids shared by bursts of lines, order ids on order events, and a few
non-JSON lines (traceback fragments) as real log files have.
"""

from __future__ import annotations

import json
import random
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

LEVELS = (("DEBUG", 25), ("INFO", 60), ("WARNING", 10), ("ERROR", 4), ("CRITICAL", 1))
LOGGERS = [
    "delta_strangle.engine.loop", "delta_strangle.engine.executor", "delta_strangle.engine.recovery",
    "delta_strangle.exchange.delta.rest", "delta_strangle.exchange.delta.stream", "delta_strangle.api.correlation",
    "delta_strangle.api.routes.trading", "delta_strangle.store.journal", "delta_strangle.logs.tail",
    "delta_strangle.domain.exits", "uvicorn.error", "uvicorn.access", "sqlalchemy.engine", "httpx",
    "delta_strangle.analytics.metrics",
]
EVENTS = [f"{noun}_{verb}" for noun in ("order", "quote", "position", "http_request", "ws_message", "strike",
                                          "trailing_stop", "session") for verb in ("placed", "received", "updated",
                                                                                     "completed", "failed")]
WORDS = "spot premium strike expiry delta gamma theta vega fill ack reject cancel retry timeout book tick".split()  # noqa: SIM905
RARE_WORD = "quetzalcoatl"
START = datetime(2026, 11, 1, tzinfo=UTC)


def generate(count: int, *, seed: int = 7, rare_every: int = 250_000) -> Iterator[str]:
    """Yield `count` lines (without newline)."""
    rng = random.Random(seed)
    level_names = [name for name, weight in LEVELS for _ in range(weight)]
    correlation = "c0"
    moment = START
    for index in range(count):
        moment += timedelta(microseconds=rng.randint(200, 3000))
        if index % 997 == 500:
            yield f"Traceback (most recent call last): File \"engine.py\", line {index % 900}, in loop"
            continue
        if rng.random() < 0.1:
            correlation = f"{rng.getrandbits(64):016x}"
        event = rng.choice(EVENTS)
        words = " ".join(rng.choice(WORDS) for _ in range(rng.randint(3, 8)))
        if rare_every and index % rare_every == rare_every // 2:
            words += f" {RARE_WORD}"
        entry: dict[str, object] = {
            "timestamp": moment.isoformat(timespec="microseconds"),
            "level": rng.choice(level_names),
            "logger": rng.choice(LOGGERS),
            "event": event,
            "message": f"{event.replace('_', ' ')}: {words}",
            "correlation_id": correlation,
            "request_id": correlation,
            "mode": "sim",
        }
        if event.startswith(("order", "position")):
            entry["strategy_id"] = f"s{rng.randint(1, 5)}"
            entry["session_id"] = f"run-{index // 50_000}"
            entry["order_id"] = str(1_000_000 + index // 3)
            entry["client_order_id"] = f"ds-{index // 3:08d}"
        entry["payload"] = {
            "symbol": f"{rng.choice('CP')}-BTC-{rng.randrange(90_000, 110_000, 500)}-271126",
            "price": f"{rng.uniform(5, 900):.1f}",
            "size": rng.randint(1, 20),
            "latency_ms": round(rng.uniform(0.5, 250), 2),
        }
        yield json.dumps(entry, separators=(",", ":"))
