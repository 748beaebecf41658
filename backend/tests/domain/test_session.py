"""Order names and the limit-price policy of a session's child orders."""

from __future__ import annotations

from decimal import Decimal

import pytest

from delta_strangle.domain.instruments import OptionKind
from delta_strangle.domain.orders import CLIENT_ORDER_ID_MAX_LENGTH, Side
from delta_strangle.domain.session import OrderPurpose, client_order_id, limit_price, parse_client_order_id


@pytest.mark.parametrize("kind", list(OptionKind))
@pytest.mark.parametrize("purpose", list(OrderPurpose))
def test_an_order_name_keeps_its_session_and_leg_within_32_characters(kind: OptionKind, purpose: OrderPurpose) -> None:
    # The predecessor cut its strategy prefix to fit 32 characters, so exchange records lost the session.
    name = client_order_id(1_234_567_890, "k3x9", kind, purpose, 999)
    assert len(name) <= CLIENT_ORDER_ID_MAX_LENGTH
    parsed = parse_client_order_id(name)
    assert parsed is not None
    assert (parsed.session_id, parsed.token, parsed.kind, parsed.purpose, parsed.attempt) == (
        1_234_567_890, "k3x9", kind, purpose, 999
    )


def test_a_name_the_engine_did_not_make_is_not_taken_for_one_of_ours() -> None:
    for foreign in (None, "manual-1a2b3c4d5e6f", "delta-strangle-CE-1", "ds12abcd-CE", "ds12ABCD-CE1"):
        assert parse_client_order_id(foreign) is None


def test_a_malformed_token_or_attempt_is_refused() -> None:
    with pytest.raises(ValueError, match="token"):
        client_order_id(1, "ABCD", OptionKind.CALL, OrderPurpose.ENTRY, 0)
    with pytest.raises(ValueError, match="attempt"):
        client_order_id(1, "abcd", OptionKind.CALL, OrderPurpose.ENTRY, 1000)


def _price(side: Side, attempt: int, *, attempts: int = 3, slippage: str = "50", tick: str = "0.5",
           bid: str = "100", ask: str = "110", reference_mid: str = "105") -> Decimal | None:
    return limit_price(side, bid=Decimal(bid), ask=Decimal(ask), reference_mid=Decimal(reference_mid),
                       attempt=attempt, attempts=attempts, max_slippage_pct=Decimal(slippage), tick=Decimal(tick))


def test_children_step_from_the_mid_to_the_far_touch() -> None:
    assert [_price(Side.SELL, attempt) for attempt in range(3)] == [Decimal(105), Decimal("102.5"), Decimal(100)]
    assert [_price(Side.BUY, attempt) for attempt in range(3)] == [Decimal(105), Decimal("107.5"), Decimal(110)]
    assert _price(Side.SELL, 0, attempts=1) == Decimal(100)  # a single child goes straight to the touch


def test_the_slippage_cap_holds_a_child_at_the_cap_instead_of_crossing_the_spread() -> None:
    # 2 % from the 105 mid at which working started: a sell never goes below 102.9, a buy never above 107.1.
    assert _price(Side.SELL, 2, slippage="2", tick="0.1") == Decimal("102.9")
    assert _price(Side.BUY, 2, slippage="2", tick="0.1") == Decimal("107.1")
    # The book moved after working started: the cap stays where it was measured.
    assert _price(Side.SELL, 2, slippage="2", tick="0.1", bid="90", ask="100") == Decimal("102.9")


def test_rounding_to_the_tick_never_adds_slippage() -> None:
    assert _price(Side.SELL, 0, tick="1", ask="111") == Decimal(106)  # mid 105.5 rounds up for a sell
    assert _price(Side.BUY, 0, tick="1", ask="111") == Decimal(105)  # and down for a buy


def test_an_empty_or_crossed_book_gives_no_price() -> None:
    assert _price(Side.SELL, 0, bid="0") is None
    assert _price(Side.SELL, 0, bid="110", ask="100") is None
