"""Benchmark the log viewer's queries on a million rows: every filter, any page depth, free text.

    backend/.venv/bin/python bench/log_query/run.py [--database PATH] [--lines 1000000]

Without --database it generates the lines (bench/log_ingest/lines.py) and ingests them first.
Each case runs `search_logs` (the API's own call, through aiosqlite) 40 times and prints p50/p95;
deep pages start from cursors taken at 10%, 50% and 90% of the matches. The baseline in the
same run is a primary-key lookup through the same engine: the fixed cost of one round trip.
"""

from __future__ import annotations

import argparse
import asyncio
import sqlite3
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "log_ingest"))
sys.path.insert(0, str(HERE.parents[1] / "backend" / "src"))

from lines import RARE_WORD, generate  # noqa: E402
from sqlalchemy import text  # noqa: E402
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine  # noqa: E402

from delta_strangle.logs.ingest import LogIngester  # noqa: E402
from delta_strangle.logs.parse import to_epoch_us  # noqa: E402
from delta_strangle.logs.query import Cursor, LogFilter, build_page_sql, search_logs  # noqa: E402
from delta_strangle.logs.schema import create_statements  # noqa: E402

REPEATS = 40


def build_database(folder: Path, count: int) -> Path:
    database, log = folder / "query.db", folder / "backend.log"
    with log.open("w", encoding="utf-8") as handle:
        for line in generate(count):
            handle.write(line + "\n")
    connection = sqlite3.connect(database)
    for statement in create_statements():
        connection.execute(statement)
    connection.commit()
    connection.close()
    worker = LogIngester(database, log, now_us=lambda: to_epoch_us(datetime.now(UTC)), batch_size=5000)
    worker.poll_once()
    worker.close()
    return database


def sample_values(database: Path) -> dict[str, str]:
    connection = sqlite3.connect(database)
    middle = connection.execute("SELECT max(id) / 2 FROM backend_logs").fetchone()[0]
    row = connection.execute(
        "SELECT correlation_id, order_id, client_order_id, strategy_id, session_id, logged_at_us FROM backend_logs "
        "WHERE id >= ? AND order_id IS NOT NULL LIMIT 1",
        (middle,),
    ).fetchone()
    connection.close()
    keys = ("correlation_id", "order_id", "client_order_id", "strategy_id", "session_id", "logged_at_us")
    return dict(zip(keys, map(str, row), strict=True))


def cases(values: dict[str, str]) -> dict[str, LogFilter]:
    at = int(values["logged_at_us"])
    hour = 3_600_000_000
    return {
        "no filter": LogFilter(),
        "level=ERROR": LogFilter(levels=("ERROR",)),
        "level=INFO": LogFilter(levels=("INFO",)),
        "level=WARNING,ERROR,CRITICAL": LogFilter(levels=("WARNING", "ERROR", "CRITICAL")),
        "event": LogFilter(equals={"event": "order_placed"}),
        "logger": LogFilter(equals={"logger": "delta_strangle.engine.executor"}),
        "correlation_id": LogFilter(equals={"correlation_id": values["correlation_id"]}),
        "strategy_id": LogFilter(equals={"strategy_id": values["strategy_id"]}),
        "session_id": LogFilter(equals={"session_id": values["session_id"]}),
        "order_id": LogFilter(equals={"order_id": values["order_id"]}),
        "client_order_id": LogFilter(equals={"client_order_id": values["client_order_id"]}),
        "date range (1 h)": LogFilter(start_us=at - hour, end_us=at),
        "level + event + range": LogFilter(levels=("ERROR",), equals={"event": "order_failed"},
                                           start_us=at - 100 * hour, end_us=at),
        f"free text (rare: {RARE_WORD})": LogFilter(text=RARE_WORD),
        "free text rare + level": LogFilter(text=RARE_WORD, levels=("INFO", "DEBUG", "WARNING", "ERROR")),
    }


def deep_cursors(database: Path, log_filter: LogFilter) -> list[Cursor]:
    """Cursors at 10%, 50% and 90% of the matches (setup, not timed)."""
    connection = sqlite3.connect(database)
    sql, params = build_page_sql(log_filter, None, 1_000_000_000)
    matches = connection.execute(f"SELECT count(*) FROM ({sql})", params).fetchone()[0]  # noqa: S608
    cursors = []
    for share in (0.1, 0.5, 0.9):
        offset = int(matches * share)
        row = connection.execute(
            f"SELECT logged_at_us, id FROM ({sql}) LIMIT 1 OFFSET {offset}", params  # noqa: S608
        ).fetchone()
        if row is not None:
            cursors.append(Cursor(*row))
    connection.close()
    return cursors


async def timed(engine: AsyncEngine, log_filter: LogFilter, cursor: str | None) -> list[float]:
    samples = []
    for _ in range(REPEATS):
        started = time.perf_counter()
        await search_logs(engine, log_filter, cursor=cursor, limit=100)
        samples.append((time.perf_counter() - started) * 1000)
    return samples


def p95(samples: list[float]) -> float:
    return sorted(samples)[int(len(samples) * 0.95) - 1]


async def run(database: Path) -> None:
    engine = create_async_engine(f"sqlite+aiosqlite:///{database}")
    async with engine.connect() as connection:
        rows = (await connection.execute(text("SELECT count(*) FROM backend_logs"))).scalar_one()
    print(f"{rows:,} rows in {database}")
    baseline = []
    for index in range(REPEATS):
        started = time.perf_counter()
        async with engine.connect() as connection:
            await connection.execute(text("SELECT * FROM backend_logs WHERE id = :id"), {"id": index + 1})
        baseline.append((time.perf_counter() - started) * 1000)
    print(f"baseline (primary-key lookup, same engine): p50 {statistics.median(baseline):.2f} ms, "
          f"p95 {p95(baseline):.2f} ms")
    print(f"{'case':34} {'first page p50/p95 (ms)':>24} {'deep pages worst p95 (ms)':>26}")
    worst = 0.0
    for name, log_filter in cases(sample_values(database)).items():
        first = await timed(engine, log_filter, None)
        deep = [p95(await timed(engine, log_filter, cursor.encode())) for cursor in deep_cursors(database, log_filter)]
        deep_worst = max(deep, default=0.0)
        worst = max(worst, p95(first), deep_worst)
        print(f"{name:34} {statistics.median(first):11.2f} / {p95(first):6.2f} {deep_worst:26.2f}")
    print(f"worst p95: {worst:.2f} ms (target < 10 ms)")
    await engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--database", type=Path, default=None)
    parser.add_argument("--lines", type=int, default=1_000_000)
    args = parser.parse_args()
    database = args.database or build_database(Path(tempfile.mkdtemp(prefix="log_query_")), args.lines)
    asyncio.run(run(database))


if __name__ == "__main__":
    main()
