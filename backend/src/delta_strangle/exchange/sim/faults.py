"""Faults on demand: a plan of rules, each drawn from its own seeded random stream so a run is repeatable.

A rule is active inside its window (seconds after the plan was armed, on the simulator's clock), fires
with its probability, at most `max_count` times. Who consults which kind:

    server (HTTP):  latency, http_5xx, rate_limit_storm, timeout_after_execute
    core:           order_reject, partial_fill_only, stale_quotes, price_gap
    server (WS):    ws_disconnect, ws_stall
    in-process:     latency, http_5xx (as TransientError), rate_limit_storm, timeout_after_execute
"""

from __future__ import annotations

import json
import random
import tomllib
from datetime import datetime, timedelta
from enum import StrEnum
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field


class FaultKind(StrEnum):
    LATENCY = "latency"
    HTTP_5XX = "http_5xx"
    TIMEOUT_AFTER_EXECUTE = "timeout_after_execute"
    RATE_LIMIT_STORM = "rate_limit_storm"
    ORDER_REJECT = "order_reject"
    PARTIAL_FILL_ONLY = "partial_fill_only"
    STALE_QUOTES = "stale_quotes"
    WS_DISCONNECT = "ws_disconnect"
    WS_STALL = "ws_stall"
    PRICE_GAP = "price_gap"


class FaultRule(BaseModel):
    """One fault: what, when (relative to arming), how often, and its parameters."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    kind: FaultKind
    probability: float = Field(default=1.0, ge=0, le=1)
    start_after_seconds: float = Field(default=0.0, ge=0)
    duration_seconds: float | None = Field(default=None, gt=0)
    max_count: int | None = Field(default=None, ge=1)
    path_prefix: str | None = Field(default=None, description="HTTP faults only hit paths starting with this")
    latency_ms: int = Field(default=0, ge=0, description="latency; for timeout_after_execute the delay first")
    status: int = Field(default=503, ge=500, le=599)
    code: str = Field(default="unavailable", description="error code of an order rejection")
    max_fill_contracts: int = Field(default=1, ge=1)
    gap_fraction: float = Field(default=-0.05, description="price gap as a fraction of the index, e.g. -0.05")
    underlying: str | None = Field(default=None, description="price_gap / stale_quotes: one underlying or all")


class FaultPlan(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    rules: tuple[FaultRule, ...] = ()


def load_fault_plan(path: Path) -> FaultPlan:
    """Read a fault plan from a JSON or TOML file (`rules = [...]`)."""
    text = path.read_text(encoding="utf-8")
    raw: Any = tomllib.loads(text) if path.suffix.lower() == ".toml" else json.loads(text)
    return FaultPlan.model_validate(raw)


def parse_fault_flag(flag: str) -> FaultRule:
    """Parse a CLI flag like `http_5xx:probability=0.2,status=502` into a rule."""
    kind, _, rest = flag.partition(":")
    fields: dict[str, str] = {"kind": kind.strip()}
    for item in filter(None, (part.strip() for part in rest.split(","))):
        key, _, value = item.partition("=")
        fields[key.strip()] = value.strip()
    return FaultRule.model_validate(fields)


class FaultInjector:
    """Decides, reproducibly, whether each fault fires now."""

    def __init__(self, seed: int, plan: FaultPlan | None = None, armed_at: datetime | None = None) -> None:
        self._seed = seed
        self._plan = FaultPlan()
        self._armed_at: datetime | None = None
        self._rngs: list[random.Random] = []
        self._counts: list[int] = []
        self._gaps_done: set[int] = set()
        if plan is not None:
            self.arm(plan, armed_at)

    @property
    def plan(self) -> FaultPlan:
        return self._plan

    def arm(self, plan: FaultPlan, now: datetime | None) -> None:
        """Replace the plan; windows count from `now` (or from the first consult when None)."""
        self._plan = plan
        self._armed_at = now
        # One stream per rule: adding a rule never shifts another rule's draws.
        self._rngs = [
            random.Random(f"{self._seed}:{i}:{rule.kind.value}")  # noqa: S311 - simulation, not security
            for i, rule in enumerate(plan.rules)
        ]
        self._counts = [0 for _ in plan.rules]
        self._gaps_done = set()

    def fires(self, kind: FaultKind, now: datetime, *, path: str | None = None, underlying: str | None = None
              ) -> FaultRule | None:
        """Return the rule of this kind that fires now, if any (drawing its random number)."""
        if self._armed_at is None and self._plan.rules:
            self._armed_at = now
        for index, rule in enumerate(self._plan.rules):
            if rule.kind is not kind or not self._in_window(index, rule, now):
                continue
            if rule.path_prefix is not None and (path is None or not path.startswith(rule.path_prefix)):
                continue
            if rule.underlying is not None and underlying is not None and rule.underlying != underlying:
                continue
            if self._rngs[index].random() < rule.probability:
                self._counts[index] += 1
                return rule
        return None

    def is_active(self, kind: FaultKind, now: datetime, *, underlying: str | None = None) -> FaultRule | None:
        """Return an in-window rule of this kind without drawing (for state-like faults: stale, stall)."""
        if self._armed_at is None and self._plan.rules:
            self._armed_at = now
        for index, rule in enumerate(self._plan.rules):
            fits = rule.underlying is None or underlying is None or rule.underlying == underlying
            if rule.kind is kind and fits and self._in_window(index, rule, now):
                return rule
        return None

    def due_gaps(self, now: datetime) -> list[FaultRule]:
        """Return price-gap rules whose start has come and that have not been applied yet (one-shot)."""
        if self._armed_at is None and self._plan.rules:
            self._armed_at = now
        due: list[FaultRule] = []
        for index, rule in enumerate(self._plan.rules):
            if rule.kind is FaultKind.PRICE_GAP and index not in self._gaps_done and self._in_window(index, rule, now):
                self._gaps_done.add(index)
                due.append(rule)
        return due

    def _in_window(self, index: int, rule: FaultRule, now: datetime) -> bool:
        assert self._armed_at is not None
        start = self._armed_at + timedelta(seconds=rule.start_after_seconds)
        if now < start:
            return False
        if rule.duration_seconds is not None and now >= start + timedelta(seconds=rule.duration_seconds):
            return False
        return rule.max_count is None or self._counts[index] < rule.max_count
