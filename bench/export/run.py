"""Benchmark the analytics CSV export on a journal with 1,000,000 timeline rows, against a plain baseline.

    backend/.venv/bin/python bench/export/run.py [--sessions 5000] [--keep DIR] [--rounds 3] [--breakdown]

With --keep, a journal left in DIR by an earlier run (same --sessions) is reused instead of rebuilt.

Each session holds 40 order intents, 40 fills, 119 engine events and its close: 200 timeline rows, so the
default 5,000 sessions make 1,000,000. Two phases, each in its own child process so its peak RSS is its own:
1. baseline: the same rows read with plain `sqlite3` (one UNION ALL query) and written with `csv.writer`
   to /dev/null: the floor for reading and writing these rows in Python;
2. export: `stream_analytics_csv` (the route's generator) written to /dev/null; "first chunk" is the time to
   the header, metadata and metrics.
The pair runs `--rounds` times, alternated, and the median of export rows/s over baseline rows/s is the
figure (the target is at least 0.5). Each phase also reports its CPU seconds (all threads), a steadier figure
than wall time on a shared machine. The export must stay under 150 MB of peak RSS; the script exits non-zero
when it does not.

--breakdown adds two phases per round, to show where the export's time goes: "read", the export's own way of
reading the timeline in order (`session_spans` and `ordered_timeline`) without rendering a line, and "sql",
the single ordered UNION ALL (`raw_timeline_query`) fetched with plain `sqlite3`. Rendering is then roughly
export minus read.
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import json
import resource
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parents[1] / "backend" / "src"))

from sqlalchemy import create_engine as create_sync_engine  # noqa: E402
from sqlalchemy import insert  # noqa: E402

from delta_strangle.store.journal_tables import (  # noqa: E402
    EngineEventRow,
    FillRow,
    OrderIntentRow,
    SessionLegRow,
    TradingSessionRow,
)
from delta_strangle.store.migrate import upgrade_to_head  # noqa: E402

PEAK_RSS_BUDGET_MB = 150
ORDERS, FILLS, EVENTS = 40, 40, 119
START = datetime(2025, 1, 1, tzinfo=UTC)


def build(db: Path, sessions: int) -> int:
    """Create and fill the journal; return the number of timeline rows."""
    url = f"sqlite:///{db}"
    upgrade_to_head(url.replace("sqlite://", "sqlite+aiosqlite://"))
    engine = create_sync_engine(url)
    cv, zero = Decimal("0.001"), Decimal(0)
    with engine.begin() as connection:
        for first in range(0, sessions, 500):
            batch = range(first, min(first + 500, sessions))
            rows, legs, intents, fills, events = [], [], [], [], []
            for n in batch:
                sid = n + 1
                opened = START + timedelta(hours=n)
                rows.append({
                    "id": sid, "token": f"{sid % 10000:04d}", "account": "bench", "mode": "sim", "profile_id": 1,
                    "profile_name": "bench", "config_version": 1, "config_snapshot": {"name": "bench"},
                    "state": "done", "rearm": True, "enter_now": False, "trading_date": opened.date().isoformat(),
                    "created_at": opened, "started_at": opened, "ended_at": opened + timedelta(minutes=50),
                    "updated_at": opened, "exit_reason": "time_exit", "risk_state": {}, "pnl": {}, "spot": {},
                })  # fmt: skip
                for k, kind in enumerate(("call", "put")):
                    legs.append({
                        "id": sid * 2 + k, "session_id": sid, "kind": kind, "symbol": f"{kind[0].upper()}-BTC-{sid}",
                        "product_id": sid * 2 + k, "strike": Decimal(100000), "expiry": "2025-01-02",
                        "settlement_at": opened, "contract_value": cv, "tick_size": Decimal("0.1"), "target_size": 1,
                        "size": 0, "avg_entry_price": zero, "entry_premium_usd": Decimal(5),
                        "realised_gross_usd": Decimal(2), "fees_usd": Decimal("0.5"),
                    })  # fmt: skip
                for i in range(ORDERS):
                    at = opened + timedelta(seconds=i * 10)
                    intents.append({
                        "session_id": sid, "leg_id": sid * 2 + i % 2, "client_order_id": f"b{sid}-{i}",
                        "purpose": "entry", "attempt": 1, "symbol": f"C-BTC-{sid}", "product_id": sid * 2,
                        "side": "sell", "size": 1, "order_type": "limit_order", "time_in_force": "gtc",
                        "limit_price": Decimal("512.5"),
                        "reference_mid": Decimal("513"), "reduce_only": False, "status": "terminal",
                        "exchange_order_id": f"x{sid}-{i}", "filled_size": 1, "average_fill_price": Decimal("512.5"),
                        "commission": Decimal("0.0123"), "created_at": at, "updated_at": at,
                    })  # fmt: skip
                    fills.append({
                        "fill_id": f"f{sid}-{i}", "session_id": sid, "leg_id": sid * 2 + i % 2,
                        "exchange_order_id": f"x{sid}-{i}", "client_order_id": f"b{sid}-{i}", "symbol": f"C-BTC-{sid}",
                        "product_id": sid * 2, "side": "sell", "size": 1, "price": Decimal("512.5"),
                        "commission": Decimal("0.0123"), "fee_source": "exchange", "fill_type": "normal",
                        "occurred_at": at + timedelta(seconds=1),
                    })  # fmt: skip
                for i in range(EVENTS):
                    events.append({
                        "session_id": sid, "occurred_at": opened + timedelta(seconds=i * 5), "kind": "quote_stale",
                        "level": "warning", "message": "no fresh quote for 10 s", "details": {"symbol": f"C-BTC-{sid}"},
                    })  # fmt: skip
            for table, values in ((TradingSessionRow, rows), (SessionLegRow, legs), (OrderIntentRow, intents),
                                  (FillRow, fills), (EngineEventRow, events)):  # fmt: skip
                connection.execute(insert(table), values)
    engine.dispose()
    return sessions * (ORDERS + FILLS + EVENTS + 1)


def _history() -> Any:
    from delta_strangle.analytics.history import HistoryFilter, ModeFilter

    return HistoryFilter(start=START, end=START + timedelta(days=3650), preset=None, strategy_id=None,
                         mode=ModeFilter.ALL)  # fmt: skip


async def _export(db: Path) -> dict[str, float]:
    from delta_strangle.analytics.export import stream_analytics_csv
    from delta_strangle.store.db import create_engine, create_session_factory

    engine = create_engine(f"sqlite+aiosqlite:///{db}")
    history = _history()
    started = time.perf_counter()
    first_chunk = None
    written = 0
    with open("/dev/null", "w") as sink:  # noqa: ASYNC230 - /dev/null never blocks
        async for chunk in stream_analytics_csv(create_session_factory(engine), history, datetime.now(UTC)):
            if first_chunk is None:
                first_chunk = time.perf_counter() - started  # header, metadata, metrics: no timeline rows
            else:
                written += chunk.count("\r\n")
            sink.write(chunk)
    elapsed = time.perf_counter() - started
    await engine.dispose()
    return {"rows": written, "seconds": elapsed, "first_chunk_seconds": first_chunk or 0.0}


async def _read(db: Path) -> dict[str, float]:
    from delta_strangle.analytics.export import FLUSH_ROWS
    from delta_strangle.analytics.timeline_windows import ordered_timeline, session_spans
    from delta_strangle.store.db import create_engine, create_session_factory

    engine = create_engine(f"sqlite+aiosqlite:///{db}")
    history = _history()
    started = time.perf_counter()
    rows = 0
    async with create_session_factory(engine)() as session:
        spans = await session_spans(session, history)
        first_chunk = time.perf_counter() - started
        async for batch in ordered_timeline(session, history, spans, FLUSH_ROWS):
            rows += len(batch)
    elapsed = time.perf_counter() - started
    await engine.dispose()
    return {"rows": rows, "seconds": elapsed, "first_chunk_seconds": first_chunk}


def _sql(db: Path) -> dict[str, float]:
    from sqlalchemy.dialects import sqlite as sqlite_dialect

    from delta_strangle.analytics.timeline_csv import raw_timeline_query

    query = raw_timeline_query(_history()).compile(dialect=sqlite_dialect.dialect(),
                                                   compile_kwargs={"literal_binds": True})  # fmt: skip
    started = time.perf_counter()
    connection = sqlite3.connect(db)
    cursor = connection.execute(str(query))
    rows = 0
    while batch := cursor.fetchmany(2000):
        rows += len(batch)
    connection.close()
    return {"rows": rows, "seconds": time.perf_counter() - started, "first_chunk_seconds": 0.0}


def _baseline(db: Path) -> dict[str, float]:
    started = time.perf_counter()
    connection = sqlite3.connect(db)
    query = """
        SELECT created_at, 0, id, session_id, 'order', exchange_order_id, symbol, side, size, limit_price,
               average_fill_price, commission FROM order_intents
        UNION ALL SELECT occurred_at, 1, id, session_id, 'fill', exchange_order_id, symbol, side, size, NULL, price,
               commission FROM session_fills
        UNION ALL SELECT occurred_at, 2, id, session_id, 'event', NULL, NULL, NULL, NULL, NULL, NULL, details
               FROM engine_events
        UNION ALL SELECT ended_at, 3, id, id, 'session', NULL, NULL, NULL, NULL, NULL, NULL, exit_reason
               FROM trading_sessions
        ORDER BY 1, 2, 3
    """
    rows = 0
    with open("/dev/null", "w", newline="") as sink:
        writer = csv.writer(sink)
        for row in connection.execute(query):
            writer.writerow(row)
            rows += 1
    connection.close()
    return {"rows": rows, "seconds": time.perf_counter() - started, "first_chunk_seconds": 0.0}


def peak_rss_mb() -> float:
    """This process's own RSS high-water mark (VmHWM is reset by exec, unlike ru_maxrss)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)  # every thread of this process: the driver's too
    return usage.ru_utime + usage.ru_stime


PHASES = {
    "baseline": _baseline,
    "export": lambda db: asyncio.run(_export(db)),
    "read": lambda db: asyncio.run(_read(db)),
    "sql": _sql,
}


def measure(phase: str, db: Path) -> None:
    """Run one phase in this (child) process and print its figures as JSON."""
    before = cpu_seconds()
    figures = PHASES[phase](db)
    figures["cpu_seconds"] = cpu_seconds() - before
    figures["peak_rss_mb"] = peak_rss_mb()
    print(json.dumps(figures))


def child(phase: str, db: Path) -> dict[str, float]:
    output = subprocess.run(  # noqa: S603 - our own interpreter and script
        [sys.executable, __file__, "--measure", phase, "--db", str(db)], check=True, capture_output=True, text=True
    ).stdout
    result: dict[str, float] = json.loads(output.strip().splitlines()[-1])
    return result


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sessions", type=int, default=5000)
    parser.add_argument("--keep", type=Path, default=None)
    parser.add_argument("--rounds", type=int, default=3, help="baseline/export pairs, alternated")
    parser.add_argument("--breakdown", action="store_true", help="also time the read path and the ordered SQL")
    parser.add_argument("--measure", choices=sorted(PHASES))
    parser.add_argument("--db", type=Path)
    args = parser.parse_args()
    if args.measure:
        measure(args.measure, args.db)
        return 0
    with tempfile.TemporaryDirectory() as tmp:
        folder = args.keep or Path(tmp)
        folder.mkdir(parents=True, exist_ok=True)
        db = folder / "journal.db"
        if db.exists():  # only with --keep: the journal of an earlier run with the same --sessions
            expected = args.sessions * (ORDERS + FILLS + EVENTS + 1)
            print(f"reusing journal {db}: {args.sessions} sessions, {expected} timeline rows")
        else:
            started = time.perf_counter()
            expected = build(db, args.sessions)
            took = time.perf_counter() - started
            print(f"built journal: {args.sessions} sessions, {expected} timeline rows in {took:.1f} s")
        # Alternate the phases: on a shared machine the load moves, so each export is compared with the
        # baseline measured just before it, and the median ratio is the figure.
        phases = ["baseline", "export", *(["read", "sql"] if args.breakdown else [])]
        measured = [{phase: child(phase, db) for phase in phases} for _ in range(args.rounds)]
    names = {"baseline": "baseline (sqlite3 + csv.writer)", "export": "export (stream_analytics_csv)",
             "read": "read path (no rendering)", "sql": "one ordered query (sqlite3)"}  # fmt: skip
    ratios, cpu_ratios = [], []
    for number, figures_of in enumerate(measured, 1):
        for phase, figures in figures_of.items():
            rate = figures["rows"] / figures["seconds"]
            print(
                f"round {number} {names[phase]:32} rows {int(figures['rows']):>9}  {figures['seconds']:6.1f} s  "
                f"cpu {figures['cpu_seconds']:6.1f} s  {rate:>9,.0f} rows/s  "
                f"peak RSS {figures['peak_rss_mb']:6.1f} MB  first chunk {figures['first_chunk_seconds']:.2f} s"
            )
        baseline, export = figures_of["baseline"], figures_of["export"]
        ratios.append(baseline["seconds"] / export["seconds"])
        cpu_ratios.append(baseline["cpu_seconds"] / export["cpu_seconds"])
        print(f"round {number} export rows/s / baseline rows/s: {ratios[-1]:.2f} "
              f"(by CPU seconds: {cpu_ratios[-1]:.2f})")  # fmt: skip
    print(f"median export / baseline throughput over {len(ratios)} round(s): {statistics.median(ratios):.2f} "
          f"(target >= 0.50); by CPU seconds {statistics.median(cpu_ratios):.2f}")  # fmt: skip
    exports = [figures_of["export"] for figures_of in measured]
    complete = all(figures["rows"] == expected for figures_of in measured for figures in figures_of.values())
    peak = max(export["peak_rss_mb"] for export in exports)
    first = max(export["first_chunk_seconds"] for export in exports)
    ok = complete and peak < PEAK_RSS_BUDGET_MB
    print(f"rows complete: {complete}; worst first chunk {first:.2f} s; "
          f"worst peak RSS {peak:.1f} MB (under {PEAK_RSS_BUDGET_MB} MB: {peak < PEAK_RSS_BUDGET_MB})")  # fmt: skip
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
