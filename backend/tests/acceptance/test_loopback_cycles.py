"""Whole cycles through the real Delta client against the simulator's server over loopback, with faults on."""

import logging
from decimal import Decimal
from pathlib import Path

import pytest

from delta_strangle.domain.config import ExecutionConfig, ExitConfig
from delta_strangle.domain.session import Arm, Disarm, StopMode
from delta_strangle.exchange.sim.faults import FaultKind, FaultPlan, FaultRule
from tests.acceptance.loopback import LoopbackHarness, build_loopback
from tests.engine.harness import profile


def _journal_sizes(h: LoopbackHarness) -> dict[str, int]:
    session = h.engine.session or h.engine.last_session
    assert session is not None
    return {symbol: size for symbol, size in session.sizes.items() if size != 0}


def _no_order_sent_twice(h: LoopbackHarness) -> None:
    names = h.client_order_ids()
    assert len(names) == len(set(names)), "an order was sent twice"


async def test_http_5xx_and_timeouts_after_execute_never_duplicate_an_order_and_the_journal_matches(
    tmp_path: Path,
) -> None:
    h = await build_loopback(tmp_path)
    try:
        h.set_faults(FaultPlan(rules=(
            FaultRule(kind=FaultKind.HTTP_5XX, probability=0.3, status=502),
            FaultRule(kind=FaultKind.TIMEOUT_AFTER_EXECUTE, probability=0.5, max_count=3),
        )))
        # Enough attempts that a chance run of faults on one leg cannot exhaust them: the test is about
        # duplicates and the journal, not about giving up.
        execution = ExecutionConfig(limit_attempts=8, attempt_seconds=10, legging_timeout_seconds=300,
                                    max_slippage_pct=Decimal(50), market_fallback=True)
        config = profile(exits=ExitConfig(max_loss_pct=Decimal(40)), execution=execution)
        await h.engine.arm(Arm(config=config, enter_now=True))
        await h.run_until(lambda: h.state() in {"live", "done", "halted"}, max_seconds=900)
        assert h.state() == "live", (h.engine.session or h.engine.last_session).exit_detail
        assert h.transport.server_errors >= 5, "the faults never fired: this test would prove nothing"
        _no_order_sent_twice(h)
        assert h.exchange_sizes() == _journal_sizes(h)
        assert sum(1 for size in _journal_sizes(h).values() if size == -2) == 2
        await h.until_awaited(h.engine.disarm(Disarm(mode=StopMode.FLATTEN)))
        await h.run_until(lambda: h.engine.last_session is not None, max_seconds=900)
        session = h.engine.last_session
        assert session.exit_reason == "operator_stop"
        _no_order_sent_twice(h)
        assert h.exchange_sizes() == {}
        assert all(size == 0 for size in session.sizes.values())
        outcomes = [i.status for i in await h.store.intents(session.id)]
        assert "unknown" not in outcomes
    finally:
        await h.close()


async def test_a_quote_stream_drop_during_stop_with_flatten_still_completes_the_exit_and_confirms_flat(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    h = await build_loopback(tmp_path)
    try:
        await h.engine.arm(Arm(config=profile(), enter_now=True))
        await h.run_until(lambda: h.state() == "live", max_seconds=900)
        await h.run_until(lambda: h.engine.quotes.updates > 4, max_seconds=120)
        # Every WebSocket frame from now on drops its connection, for two minutes of replayed time.
        h.set_faults(FaultPlan(rules=(FaultRule(kind=FaultKind.WS_DISCONNECT, duration_seconds=120),)))
        caplog.clear()
        caplog.set_level(logging.WARNING, logger="delta_strangle.exchange.delta")
        result = await h.until_awaited(h.engine.disarm(Disarm(mode=StopMode.FLATTEN)))
        assert result.status == "exiting"
        await h.run_until(lambda: h.engine.last_session is not None, max_seconds=900)
        session = h.engine.last_session
        drops = [r for r in caplog.records if getattr(r, "event", None) == "delta_ws_reconnect"]
        assert drops, "the fault never dropped a socket: this test would prove nothing"
        assert session.exit_reason == "operator_stop"
        assert session.state.value == "done"
        assert h.exchange_sizes() == {}
        _no_order_sent_twice(h)
    finally:
        await h.close()
