import asyncio
from datetime import timedelta
from pathlib import Path

import httpx
from tests.exchange.sim.builders import START, make_core, small_config

from delta_strangle.clock import ReplayClock
from delta_strangle.domain.instruments import Underlying
from delta_strangle.exchange.sim.exchange import build_simulated_exchange
from delta_strangle.exchange.sim.faults import (
    FaultInjector,
    FaultKind,
    FaultPlan,
    FaultRule,
    load_fault_plan,
    parse_fault_flag,
)
from delta_strangle.exchange.sim.server.app import create_sim_app

HALF_5XX = FaultPlan(rules=(FaultRule(kind=FaultKind.HTTP_5XX, probability=0.5),))


def _draws(seed: int) -> list[bool]:
    injector = FaultInjector(seed, HALF_5XX, START)
    return [injector.fires(FaultKind.HTTP_5XX, START, path="/v2/orders") is not None for _ in range(64)]


def test_faults_are_reproducible_from_the_seed() -> None:
    assert _draws(7) == _draws(7)
    assert _draws(7) != _draws(8)
    assert 10 < sum(_draws(7)) < 54


def test_a_rule_fires_only_inside_its_window_and_at_most_max_count_times() -> None:
    rule = FaultRule(kind=FaultKind.ORDER_REJECT, start_after_seconds=60, duration_seconds=60, max_count=2)
    injector = FaultInjector(1, FaultPlan(rules=(rule,)), START)
    assert injector.fires(FaultKind.ORDER_REJECT, START) is None
    inside = START + timedelta(seconds=90)
    assert [injector.fires(FaultKind.ORDER_REJECT, inside) is not None for _ in range(3)] == [True, True, False]
    assert FaultInjector(1, FaultPlan(rules=(rule,)), START).fires(FaultKind.ORDER_REJECT,
                                                                    START + timedelta(seconds=121)) is None


def test_a_plan_loads_from_toml_and_json_files_and_from_cli_flags(tmp_path: Path) -> None:
    toml = tmp_path / "faults.toml"
    toml.write_text('[[rules]]\nkind = "latency"\nlatency_ms = 250\n\n[[rules]]\nkind = "http_5xx"\nstatus = 502\n')
    json_file = tmp_path / "faults.json"
    json_file.write_text('{"rules": [{"kind": "ws_stall", "duration_seconds": 30}]}')
    assert [r.kind for r in load_fault_plan(toml).rules] == [FaultKind.LATENCY, FaultKind.HTTP_5XX]
    assert load_fault_plan(json_file).rules[0].duration_seconds == 30
    flag = parse_fault_flag("http_5xx:probability=0.2,status=502")
    assert (flag.kind, flag.probability, flag.status) == (FaultKind.HTTP_5XX, 0.2, 502)


async def test_latency_delays_an_in_process_call_on_the_simulator_clock() -> None:
    clock = ReplayClock(START)
    exchange = await build_simulated_exchange(clock, seed=7, config=small_config())
    exchange.set_faults(FaultPlan(rules=(FaultRule(kind=FaultKind.LATENCY, latency_ms=3000, max_count=1),)))
    call = asyncio.ensure_future(exchange.get_spot(Underlying.BTC))
    await asyncio.sleep(0)
    assert not call.done()
    await clock.advance(3)
    assert await asyncio.wait_for(call, timeout=5) > 0


async def test_the_admin_endpoint_arms_and_clears_a_plan_and_http_faults_answer_5xx() -> None:
    core = make_core()
    app = create_sim_app(core, ReplayClock(START), drive=False)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://sim",
                                 headers={"User-Agent": "t"}) as http:
        armed = await http.post("/sim/faults", json={"rules": [{"kind": "http_5xx", "status": 502,
                                                                "path_prefix": "/v2/tickers"}]})
        assert armed.status_code == 200
        assert (await http.get("/v2/tickers")).status_code == 502
        assert (await http.get("/v2/products")).status_code == 200
        await http.delete("/sim/faults")
        assert (await http.get("/v2/tickers")).status_code == 200
        assert (await http.post("/sim/faults", json={"rules": [{"kind": "nonsense"}]})).status_code == 422
