from __future__ import annotations

import asyncio
import json
import logging
import random
from collections.abc import Callable
from datetime import UTC, datetime

import httpx
import pytest

from delta_strangle.clock import ReplayClock
from delta_strangle.exchange.delta.rest import DeltaRestClient, NotSentError, build_query, serialise_body
from delta_strangle.exchange.delta.retry import Backoff
from delta_strangle.exchange.delta.signing import prehash, sign
from delta_strangle.exchange.errors import AuthError, RateLimitedError, TransientError

KEY, SECRET = "test-key", "test_secret"
Handler = Callable[[httpx.Request], httpx.Response]


def ok(result: object, **extra: object) -> httpx.Response:
    return httpx.Response(200, json={"success": True, "result": result, **extra})


class FakeDelta:
    """Records requests and checks each signature over the raw bytes that arrived."""

    def __init__(self, clock: ReplayClock, *responses: Handler | httpx.Response) -> None:
        self.clock = clock
        self.responses = list(responses)
        self.requests: list[httpx.Request] = []

    def signature_is_valid(self, request: httpx.Request) -> bool:
        path, _, query = request.url.raw_path.decode().partition("?")
        expected = sign(
            SECRET, prehash(request.method, request.headers["timestamp"], path, query, request.content.decode())
        )
        return request.headers.get("signature") == expected

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        reply = self.responses.pop(0) if len(self.responses) > 1 else self.responses[0]
        return reply(request) if callable(reply) else reply


def client(clock: ReplayClock, fake: FakeDelta, **kwargs: object) -> DeltaRestClient:
    return DeltaRestClient(
        base_url="https://api.india.delta.exchange",
        user_agent="delta-strangle/test",
        clock=clock,
        api_key=KEY,
        api_secret=SECRET,
        transport=httpx.MockTransport(fake),
        backoff=Backoff(base_seconds=0.5, attempts=3, rng=random.Random(3)),
        **kwargs,  # type: ignore[arg-type]
    )


async def _drive(clock: ReplayClock, coroutine: object) -> object:
    task = asyncio.ensure_future(coroutine)  # type: ignore[arg-type]
    while not task.done():
        await clock.advance(0.5)
    return await task


def test_query_is_encoded_once_in_order_with_commas_escaped() -> None:
    assert build_query([("product_ids", 27), ("states", "open,pending")]) == "product_ids=27&states=open%2Cpending"
    assert serialise_body({"id": 123, "product_id": 27}) == '{"id":123,"product_id":27}'


async def test_signed_get_sends_exactly_the_signed_query_user_agent_and_timestamp(clock: ReplayClock) -> None:
    fake = FakeDelta(clock, ok([]))
    await client(clock, fake).get("/v2/orders", [("product_ids", 27), ("states", "open,pending")], auth=True)
    [request] = fake.requests
    assert request.url.raw_path == b"/v2/orders?product_ids=27&states=open%2Cpending"
    assert fake.signature_is_valid(request)
    assert request.headers["user-agent"] == "delta-strangle/test"
    assert request.headers["api-key"] == KEY
    assert request.headers["timestamp"] == str(int(clock.now().timestamp()))


async def test_signed_post_sends_the_exact_body_it_signed(clock: ReplayClock) -> None:
    fake = FakeDelta(clock, ok({"id": 1}))
    body = {"product_id": 27, "size": 1, "limit_price": "150.5", "client_order_id": "strangle-1"}
    envelope = await client(clock, fake).send("POST", "/v2/orders", body)
    [request] = fake.requests
    assert request.content == b'{"product_id":27,"size":1,"limit_price":"150.5","client_order_id":"strangle-1"}'
    assert request.headers["content-type"] == "application/json"
    assert fake.signature_is_valid(request)
    assert envelope.result == {"id": 1}


async def test_public_get_is_not_signed(clock: ReplayClock) -> None:
    fake = FakeDelta(clock, ok([]))
    await client(clock, fake).get("/v2/tickers", [("contract_types", "call_options,put_options")])
    assert "signature" not in fake.requests[0].headers


async def test_meta_and_bare_top_level_objects_are_returned(clock: ReplayClock) -> None:
    fake = FakeDelta(
        clock,
        ok([1], meta={"after": "abc", "before": None}),
        httpx.Response(200, json={"current_quota": 42, "remaining_time_in_milliseconds": 1000}),
    )
    rest = client(clock, fake)
    envelope = await rest.get("/v2/fills", auth=True)
    assert (envelope.result, envelope.meta["after"]) == ([1], "abc")
    quota = await rest.get("/v2/rate_limits/quota", auth=True)
    assert quota.result["current_quota"] == 42


async def test_reads_retry_transient_gateway_errors(clock: ReplayClock) -> None:
    fake = FakeDelta(clock, httpx.Response(502, text="<html>Bad Gateway</html>"), ok(["t"]))
    envelope = await _drive(clock, client(clock, fake).get("/v2/tickers"))
    assert envelope.result == ["t"]  # type: ignore[attr-defined]
    assert len(fake.requests) == 2


async def test_writes_are_never_retried_on_a_gateway_error(clock: ReplayClock) -> None:
    fake = FakeDelta(clock, httpx.Response(503, text=""), ok({"id": 1}))
    with pytest.raises(TransientError):
        await client(clock, fake).send("POST", "/v2/orders", {"size": 1})
    assert len(fake.requests) == 1


async def test_connection_refused_is_reported_as_not_sent(clock: ReplayClock) -> None:
    def refuse(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("refused", request=request)

    with pytest.raises(NotSentError):
        await client(clock, FakeDelta(clock, refuse)).send("POST", "/v2/orders", {"size": 1})


async def test_read_timeout_on_a_write_is_transient_but_not_not_sent(clock: ReplayClock) -> None:
    def hang(request: httpx.Request) -> httpx.Response:
        raise httpx.ReadTimeout("slow", request=request)

    with pytest.raises(TransientError) as caught:
        await client(clock, FakeDelta(clock, hang)).send("POST", "/v2/orders", {"size": 1})
    assert not isinstance(caught.value, NotSentError)


async def test_429_empties_the_budget_and_says_when_to_come_back(clock: ReplayClock) -> None:
    fake = FakeDelta(clock, httpx.Response(429, headers={"X-RATE-LIMIT-RESET": "90000"}))
    rest = client(clock, fake)
    with pytest.raises(RateLimitedError) as caught:
        await rest.send("POST", "/v2/orders", {"size": 1})
    assert caught.value.retry_after_seconds == 90.0
    assert rest.budget.remaining == 0


async def test_stale_signature_is_re_signed_with_the_servers_clock_once(clock: ReplayClock) -> None:
    server_time = int(clock.now().timestamp()) + 61
    expired = httpx.Response(
        401,
        json={"success": False, "error": {"code": "expired_signature", "context": {"server_time": server_time}}},
    )
    fake = FakeDelta(clock, expired, ok({"id": 7}))
    envelope = await client(clock, fake).send("POST", "/v2/orders", {"size": 1})
    assert envelope.result == {"id": 7}
    first, second = fake.requests
    assert int(second.headers["timestamp"]) - int(first.headers["timestamp"]) == 61
    assert fake.signature_is_valid(second)


async def test_offset_is_learned_from_the_date_header(clock: ReplayClock) -> None:
    server_now = datetime(2026, 11, 25, 6, 0, 30, tzinfo=UTC)  # our clock is 30 s behind
    dated = httpx.Response(200, json={"success": True, "result": []}, headers={"Date": "Wed, 25 Nov 2026 06:00:30 GMT"})
    fake = FakeDelta(clock, dated, ok([]))
    rest = client(clock, fake)
    await rest.get("/v2/tickers")
    assert rest.server_clock.offset_seconds == pytest.approx(30.5)
    await rest.get("/v2/orders", auth=True)
    assert int(fake.requests[1].headers["timestamp"]) == int(server_now.timestamp())


async def test_missing_credentials_fail_before_anything_is_sent(clock: ReplayClock) -> None:
    fake = FakeDelta(clock, ok([]))
    rest = DeltaRestClient(base_url="https://x", user_agent="ua", clock=clock, transport=httpx.MockTransport(fake))
    with pytest.raises(AuthError):
        await rest.get("/v2/orders", auth=True)
    assert fake.requests == []


def test_an_empty_user_agent_is_refused(clock: ReplayClock) -> None:
    with pytest.raises(ValueError, match="user_agent"):
        DeltaRestClient(base_url="https://x", user_agent=" ", clock=clock)


async def test_each_call_is_logged_as_a_structured_event(clock: ReplayClock, caplog: pytest.LogCaptureFixture) -> None:
    fake = FakeDelta(clock, ok([]))
    rest = client(clock, fake, correlation_id=lambda: "corr-1")
    with caplog.at_level(logging.INFO, logger="delta_strangle.exchange.delta.rest"):
        await rest.get("/v2/tickers")
    [record] = [r for r in caplog.records if getattr(r, "event", None) == "delta_http_call"]
    assert record.http_method == "GET"  # type: ignore[attr-defined]
    assert record.path == "/v2/tickers"  # type: ignore[attr-defined]
    assert record.status == 200  # type: ignore[attr-defined]
    assert record.latency_ms >= 0  # type: ignore[attr-defined]
    assert record.rate_limit_remaining == 10_000 - 3  # type: ignore[attr-defined]
    assert record.correlation_id == "corr-1"  # type: ignore[attr-defined]
    assert len(record.call_id) == 12  # type: ignore[attr-defined]
    assert not hasattr(record, "request_body")


async def test_verbose_mode_logs_bodies_with_secrets_masked(
    clock: ReplayClock, caplog: pytest.LogCaptureFixture
) -> None:
    fake = FakeDelta(clock, ok({"api_key": "leak", "signature": "leak", "size": 1}))
    rest = client(clock, fake, debug_verbose=True)
    with caplog.at_level(logging.DEBUG, logger="delta_strangle.exchange.delta.rest"):
        await rest.send("POST", "/v2/orders", {"size": 1, "api-key": KEY})
    [record] = [r for r in caplog.records if getattr(r, "event", None) == "delta_http_body"]
    assert "leak" not in record.response_body  # type: ignore[attr-defined]
    assert KEY not in record.request_body  # type: ignore[attr-defined]
    assert json.loads(record.response_body)["result"]["size"] == 1  # type: ignore[attr-defined]
