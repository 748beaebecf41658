"""Measure the Delta client's own overhead per call against a bare httpx call to the same local server.

Both sides talk to the same in-process server (`httpx.MockTransport` answering a recorded option-chain
tickers body), so network noise is out and the difference is the client's own work: query building,
signing, the rate budget, the call-log record, JSON parsing and conversion to domain `Quote`s.
No log handler is configured here, so INFO call logs are filtered out before formatting.

Run: cd backend && .venv/bin/python ../bench/delta_client/run.py [--calls N]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import time
from pathlib import Path

import httpx

from delta_strangle.clock import WallClock
from delta_strangle.exchange.delta.rest import DeltaRestClient
from delta_strangle.exchange.delta.wire import parse_ticker

FIXTURES = Path(__file__).resolve().parents[2] / "backend/tests/fixtures/delta/rest"
FIXTURE = FIXTURES / "get_tickers__global_ccxt_2023_option_call.json"
BENCH_SECRET = "bench-only-secret"  # noqa: S105 - not a credential, signs requests to an in-process fake


def handler_for(body: bytes):  # type: ignore[no-untyped-def]
    def handle(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, content=body, headers={"content-type": "application/json"})

    return handle


async def bare(calls: int, body: bytes) -> list[float]:
    timings = []
    async with httpx.AsyncClient(base_url="https://bench", transport=httpx.MockTransport(handler_for(body))) as http:
        for _ in range(calls):
            start = time.perf_counter()
            response = await http.get("/v2/orders", params={"product_ids": "27", "states": "open,pending"})
            response.json()
            timings.append(time.perf_counter() - start)
    return timings


async def client(calls: int, body: bytes) -> list[float]:
    rest = DeltaRestClient(
        base_url="https://bench", user_agent="bench", clock=WallClock(), api_key="bench", api_secret=BENCH_SECRET,
        transport=httpx.MockTransport(handler_for(body)),
    )
    rest.budget.quota = 10**12  # measure overhead, not the quota
    timings = []
    for _ in range(calls):
        start = time.perf_counter()
        envelope = await rest.get("/v2/orders", [("product_ids", 27), ("states", "open,pending")], auth=True)
        [parse_ticker(row) for row in envelope.result]
        timings.append(time.perf_counter() - start)
    await rest.aclose()
    return timings


def describe(name: str, timings: list[float]) -> float:
    median = statistics.median(timings) * 1e6
    p95 = sorted(timings)[int(len(timings) * 0.95)] * 1e6
    print(f"{name:<28} median {median:8.1f} µs   p95 {p95:8.1f} µs   ({len(timings)} calls)")
    return median


async def main(calls: int) -> None:
    body = FIXTURE.read_bytes()
    json.loads(body)
    await bare(50, body)
    await client(50, body)  # warm up both paths
    base = describe("bare httpx + json", await bare(calls, body))
    ours = describe("DeltaRestClient + parse", await client(calls, body))
    print(f"client overhead per call     {ours - base:8.1f} µs   ratio {ours / base:.2f}x")


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--calls", type=int, default=2000)
    asyncio.run(main(parser.parse_args().calls))
