"""Order requests refuse what the exchange would refuse, before anything is sent."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from delta_strangle.domain.orders import OrderRequest, Side


def _request(client_order_id: str) -> OrderRequest:
    return OrderRequest(product_id=1, symbol="C-BTC-100000-310125", side=Side.SELL, size=1, limit_price=1,
                        client_order_id=client_order_id)


def test_a_client_order_id_over_32_characters_is_refused_before_it_reaches_the_exchange() -> None:
    assert _request("x" * 32).client_order_id == "x" * 32
    with pytest.raises(ValidationError, match="client_order_id"):
        _request("x" * 33)
    with pytest.raises(ValidationError, match="client_order_id"):
        _request("has space")
