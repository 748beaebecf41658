import json
from pathlib import Path

import httpx
from tests.exchange.sim.server.conftest import SignedClient

from delta_strangle.exchange.sim.config import RateLimitModel
from delta_strangle.exchange.sim.signing import prehash, sign

VECTORS = Path(__file__).resolve().parents[3] / "fixtures" / "delta" / "signing-vectors.json"


def test_the_server_signature_matches_every_recorded_signing_vector() -> None:
    vectors = json.loads(VECTORS.read_text())["vectors"]
    assert vectors
    for v in vectors:
        message = prehash(v["method"], v["timestamp"], v["path"], v["query_string"], v["body"])
        assert message == v["prehash"]
        assert sign(v["secret"], message) == v["signature"]


async def test_a_signed_request_is_accepted(signed: SignedClient) -> None:
    response = await signed.request("GET", "/v2/wallet/balances")
    assert response.status_code == 200
    assert response.json()["success"] is True


async def test_a_request_without_user_agent_is_blocked_by_the_cdn(http: httpx.AsyncClient) -> None:
    response = await http.get("/v2/products", headers={"User-Agent": ""})
    assert response.status_code == 403
    assert response.json() == {"error": "Forbidden", "message": "Request blocked by CDN"}


async def test_a_private_request_without_auth_headers_is_unauthorized(http: httpx.AsyncClient) -> None:
    response = await http.get("/v2/wallet/balances")
    assert response.status_code == 401
    assert response.json() == {"success": False, "error": "unauthorized"}


async def test_an_unknown_key_is_an_invalid_api_key(signed: SignedClient) -> None:
    signed.key = "nobody"
    response = await signed.request("GET", "/v2/orders")
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "invalid_api_key"


async def test_a_wrong_secret_is_a_signature_mismatch(signed: SignedClient) -> None:
    response = await signed.request("GET", "/v2/orders", query="states=open", sign_with="not-the-secret")
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "Signature Mismatch"


async def test_a_signature_older_than_five_seconds_has_expired(signed: SignedClient) -> None:
    now = int(signed.clock.now().timestamp())
    ok = await signed.request("GET", "/v2/orders", timestamp=now - 5)
    assert ok.status_code == 200
    response = await signed.request("GET", "/v2/orders", timestamp=now - 6)
    assert response.status_code == 401
    assert response.json()["error"] == {"code": "expired_signature",
                                        "context": {"request_time": now - 6, "server_time": now}}


async def test_the_signed_body_must_be_the_body_sent(signed: SignedClient) -> None:
    ts = str(int(signed.clock.now().timestamp()))
    signature = sign(signed.secret, prehash("POST", ts, "/v2/orders", "", '{"size":1}'))
    response = await signed.client.post("/v2/orders", content='{"size":2}', headers={
        "api-key": signed.key, "timestamp": ts, "signature": signature, "User-Agent": "t"})
    assert response.status_code == 401


async def test_the_weighted_budget_runs_out_with_429_and_a_reset_header(signed: SignedClient) -> None:
    signed.client._transport.app.state.sim_server.limiter.model = RateLimitModel(quota=10)  # type: ignore[attr-defined]
    statuses = [(await signed.request("GET", "/v2/orders")).status_code for _ in range(4)]
    assert statuses == [200, 200, 200, 429]
    limited = await signed.request("GET", "/v2/orders")
    assert 0 < int(limited.headers["X-RATE-LIMIT-RESET"]) <= 300_000
    await signed.clock.advance(300)
    assert (await signed.request("GET", "/v2/orders")).status_code == 200


async def test_the_quota_endpoint_reports_units_used(signed: SignedClient) -> None:
    await signed.request("GET", "/v2/orders")  # weight 3, then the quota call itself costs 3
    response = await signed.request("GET", "/v2/rate_limits/quota")
    assert response.json()["current_quota"] == 6
    assert "remaining_time_in_milliseconds" in response.json()


async def test_a_timeout_fault_answers_504_after_executing_the_order(signed: SignedClient) -> None:
    from tests.exchange.sim.builders import nearest_product

    from delta_strangle.exchange.sim.faults import FaultKind, FaultPlan, FaultRule

    server = signed.client._transport.app.state.sim_server  # type: ignore[attr-defined]
    server.core.faults.arm(FaultPlan(rules=(FaultRule(kind=FaultKind.TIMEOUT_AFTER_EXECUTE, max_count=1),)),
                           server.core.now)
    product = nearest_product(server.core, "call_options", 2)
    lost = await signed.request("POST", "/v2/orders", body={
        "product_id": product.id, "size": 1, "side": "sell", "order_type": "limit_order",
        "limit_price": str(server.core.ticker(product).best_bid), "client_order_id": "lost-1"})
    assert lost.status_code == 504
    found = await signed.request("GET", "/v2/orders/client_order_id/lost-1")
    assert found.json()["result"]["state"] == "closed"
