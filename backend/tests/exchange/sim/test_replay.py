import json
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from tests.exchange.sim.builders import params

from delta_strangle.domain.orders import OrderState, Side
from delta_strangle.exchange.sim import trading
from delta_strangle.exchange.sim.config import SimConfig
from delta_strangle.exchange.sim.exchange import build_core
from delta_strangle.exchange.sim.replay import ReplayMarket
from delta_strangle.exchange.sim.server.wire import micros

T0 = datetime(2026, 11, 25, 11, 58, tzinfo=UTC)
CALL = "C-BTC-96000-251126"


def _line(at: datetime, spot: str, bid: str, ask: str) -> str:
    return json.dumps({"timestamp": micros(at), "spot": {"BTC": spot}, "tickers": [{
        "symbol": CALL, "mark_price": str((Decimal(bid) + Decimal(ask)) / 2),
        "quotes": {"best_bid": bid, "best_ask": ask, "bid_size": "10", "ask_size": "10", "mark_iv": "0.5"},
        "greeks": {"delta": "0.3", "gamma": "0.0001", "theta": "-50", "vega": "5", "rho": "0"}}]})


@pytest.fixture
def recording(tmp_path: Path) -> Path:
    path = tmp_path / "btc.jsonl"
    path.write_text("\n".join([
        _line(T0, "95500", "100.0", "110.0"),
        _line(T0 + timedelta(minutes=1), "96200", "240.0", "250.0"),
        _line(T0 + timedelta(minutes=1, seconds=30), "96400", "400.0", "420.0"),
        _line(T0 + timedelta(minutes=3), "97000", "900.0", "950.0"),
    ]) + "\n")
    return path


def test_a_replayed_file_drives_quotes_fills_and_settlement(recording: Path) -> None:
    config = SimConfig(seed=1)
    market = ReplayMarket.from_file(config, recording)
    core = build_core(config, market.now, market)
    account = next(iter(core.accounts.values()))
    product = core.product_by_ref(CALL)
    assert product is not None
    assert core.ticker(product).best_bid == Decimal("100.0")
    short = trading.place_order(core, account, params(product, Side.SELL, 5, Decimal("100.0")))
    resting = trading.place_order(core, account, params(product, Side.SELL, 2, Decimal("245.0")))
    assert short.state is OrderState.CLOSED
    assert resting.state is OrderState.OPEN
    core.sync(T0 + timedelta(minutes=1))
    assert resting.state is OrderState.OPEN  # recorded bid 240 does not reach 245
    core.sync(T0 + timedelta(minutes=1, seconds=30))
    assert resting.state is OrderState.CLOSED  # recorded bid 400 crossed it: filled at our 245
    assert account.fills[-1].price == Decimal("245.0")
    core.sync(T0 + timedelta(hours=1))
    assert product.state == "expired"
    assert product.settlement_price == Decimal("96400")  # the last index recorded before 12:00
    assert account.positions[product.id].size == 0
    assert account.fills[-1].price == Decimal("400")  # intrinsic 96400 - 96000
    assert core.market.next_step_time() is None


def test_a_malformed_line_names_its_file_and_line(tmp_path: Path) -> None:
    path = tmp_path / "bad.jsonl"
    path.write_text(_line(T0, "1", "1", "2") + "\n{\"spot\": {}}\n")
    with pytest.raises(ValueError, match=r"bad.jsonl:2"):
        ReplayMarket.from_file(SimConfig(), path)
