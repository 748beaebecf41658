from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from tests.exchange.sim.builders import START, small_config

from delta_strangle.exchange.sim.market import GbmMarket, expiry_dates


def _walk(seed: int, steps: int) -> list[Decimal]:
    market = GbmMarket(small_config(seed=seed), START)
    path = []
    for _ in range(steps):
        market.step()
        path.append(market.spot("BTC"))
    return path


def test_the_same_seed_gives_the_same_path_and_another_seed_does_not() -> None:
    assert _walk(7, 200) == _walk(7, 200)
    assert _walk(7, 200) != _walk(8, 200)


def test_expiries_are_the_next_dailies_friday_weeklies_and_last_friday_monthlies() -> None:
    wednesday_morning = datetime(2026, 11, 25, 6, tzinfo=UTC)
    dates = expiry_dates(wednesday_morning, (3, 2, 1))
    assert dates == [date(2026, 11, 25), date(2026, 11, 26), date(2026, 11, 27), date(2026, 12, 4)]
    after_settlement = datetime(2026, 11, 25, 12, 0, 1, tzinfo=UTC)
    assert expiry_dates(after_settlement, (1, 0, 0)) == [date(2026, 11, 26)]


def test_products_carry_delta_symbols_contract_values_and_noon_settlement() -> None:
    market = GbmMarket(small_config(), START)
    product = next(iter(market.products()))
    assert product.symbol.startswith(("C-BTC-", "P-BTC-"))
    assert product.symbol.endswith("-251126")
    assert product.contract_value == Decimal("0.001")
    assert product.settlement_time.hour == 12
    assert product.settlement_time.tzinfo is not None


def test_quotes_straddle_the_mark_on_the_tick_grid_and_cheap_options_have_wider_spreads() -> None:
    market = GbmMarket(small_config(), START)
    calls = sorted((p for p in market.products() if p.contract_type == "call_options"
                    and p.settlement_time == min(q.settlement_time for q in market.products())),
                   key=lambda p: p.strike)
    spread_pcts = []
    for product in calls:
        ticker = market.ticker(product)
        assert ticker.best_ask is not None
        assert ticker.best_ask >= ticker.mark_price
        assert (ticker.best_ask / product.tick_size) % 1 == 0
        if ticker.best_bid is not None:
            assert ticker.best_bid <= ticker.mark_price
            spread_pcts.append((ticker.best_ask - ticker.best_bid) / ticker.mark_price)
    assert spread_pcts[-1] > spread_pcts[0]


def test_expired_products_settle_at_the_index_twap_and_new_expiries_are_listed() -> None:
    market = GbmMarket(small_config(), START)
    first = min(p.settlement_time for p in market.products())
    expired = []
    listed = []
    while market.now < first + timedelta(minutes=1):
        result = market.step()
        expired += result.expired
        listed += result.listed
    assert expired
    assert all(p.state == "expired" and p.settlement_price is not None for p in expired)
    assert any(p.settlement_time > first + timedelta(days=1) for p in listed)


def test_the_market_state_round_trips_and_continues_the_same_path() -> None:
    original = GbmMarket(small_config(), START)
    for _ in range(30):
        original.step()
    restored = GbmMarket.from_state(small_config(), original.to_state())
    for _ in range(30):
        original.step()
        restored.step()
    assert restored.spot("BTC") == original.spot("BTC")
    assert [p.symbol for p in restored.products()] == [p.symbol for p in original.products()]
