"""POST /api/trading/fees/quote runs the domain's fee rule."""

from __future__ import annotations

import httpx

from delta_strangle.store import users
from tests.conftest import MakeUser


async def test_the_quote_reproduces_the_help_centre_example(client: httpx.AsyncClient, make_user: MakeUser) -> None:
    viewer = await make_user(users.Role.VIEWER)
    response = await client.post(
        "/api/trading/fees/quote",
        json={
            "underlying": "BTC",
            "index_price": "26200",
            "option_price": "15",
            "contracts": 300,
            "at": "2024-06-01T00:00:00Z",
        },
        headers=viewer,
    )
    assert response.status_code == 200, response.text
    quote = response.json()
    assert quote["contract_value"] == "0.001"
    assert quote["schedule"]["rate_pct"] == "0.03"
    assert float(quote["fee_usd"]) == 0.45
    assert quote["cap_applied"] is True
    assert float(quote["total_usd"]) == 0.531


async def test_the_quote_uses_the_eth_contract_value(client: httpx.AsyncClient, make_user: MakeUser) -> None:
    viewer = await make_user(users.Role.VIEWER)
    response = await client.post(
        "/api/trading/fees/quote",
        json={"underlying": "ETH", "index_price": "3000", "option_price": "50", "contracts": 1, "apply_gst": False},
        headers=viewer,
    )
    assert response.json()["contract_value"] == "0.01"
    assert float(response.json()["notional_usd"]) == 30


async def test_the_quote_needs_a_login_and_a_positive_index(client: httpx.AsyncClient, make_user: MakeUser) -> None:
    payload = {"index_price": "0", "option_price": "15", "contracts": 1}
    assert (await client.post("/api/trading/fees/quote", json=payload)).status_code == 401
    viewer = await make_user(users.Role.VIEWER)
    refused = await client.post("/api/trading/fees/quote", json=payload, headers=viewer)
    assert refused.status_code == 422
    assert refused.json()["detail"][0]["loc"] == ["body", "index_price"]
