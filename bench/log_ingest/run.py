"""Benchmark the log ingester against the raw SQLite limit, and check the pipeline's targets.

    backend/.venv/bin/python bench/log_ingest/run.py [--lines 1000000] [--keep DIR]

Phases (all in one run, on the same generated file):
1. raw limit: parse every line with the same parser and insert with plain `executemany` in
   5,000-row transactions into the same schema (same indexes and FTS5 table);
2. ingester: `LogIngester.poll_once()` on a fresh database, in a child process (its peak RSS);
3. restart: a new ingester on the already-ingested file;
4. service: `BackendLogTailService` ingests the file again, as the app runs it (a child worker
   process at lower priority), while this process plays the API: a ticker task measures
   event-loop stalls and viewer queries (the list route's own read path: `LogViewerDatabase`,
   `search_logs`, `page_json`) measure how long they wait; a separate control process runs the
   same ticker and nothing else over the same window (the machine's own noise); then idle
   visibility of new lines.

Every run prints the date and the machine's load average at its start and end: on a shared
machine the figures only mean something next to that (and next to the idle baselines).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import resource
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parents[1] / "backend" / "src"))

from lines import generate  # noqa: E402

from delta_strangle.logs.db import connect  # noqa: E402
from delta_strangle.logs.ingest import LogIngester, insert_rows  # noqa: E402
from delta_strangle.logs.parse import parse_line, to_epoch_us  # noqa: E402
from delta_strangle.logs.schema import create_statements  # noqa: E402


def now_us() -> int:
    return to_epoch_us(datetime.now(UTC))


def fresh_database(path: Path) -> Path:
    path.unlink(missing_ok=True)
    connection = sqlite3.connect(path)
    for statement in create_statements():
        connection.execute(statement)
    connection.commit()
    connection.close()
    return path


def write_file(path: Path, count: int) -> None:
    with path.open("w", encoding="utf-8") as handle:
        for line in generate(count):
            handle.write(line + "\n")


def raw_limit(database: Path, log: Path) -> float:
    connection = connect(fresh_database(database))
    started = time.perf_counter()
    batch: list[tuple[object, ...]] = []
    with log.open("rb") as handle:
        for raw in handle:
            batch.append(parse_line(raw.rstrip(b"\n"), 0, now_us()))
            if len(batch) == 5000:
                connection.execute("BEGIN")
                insert_rows(connection, batch)
                connection.execute("COMMIT")
                batch = []
    if batch:
        connection.execute("BEGIN")
        insert_rows(connection, batch)
        connection.execute("COMMIT")
    elapsed = time.perf_counter() - started
    connection.close()
    return elapsed


def child_ingest(database: Path, log: Path, batch_size: int) -> None:
    """Run in a child process: ingest the whole file, print seconds and peak RSS as JSON."""
    started = time.perf_counter()
    ingester = LogIngester(database, log, now_us=now_us, batch_size=batch_size)
    stored = ingester.poll_once()
    elapsed = time.perf_counter() - started
    ingester.close()
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"seconds": elapsed, "stored": stored, "peak_mb": peak_mb}))


def restart_seconds(database: Path, log: Path) -> tuple[float, int]:
    started = time.perf_counter()
    ingester = LogIngester(database, log, now_us=now_us)
    stored = ingester.poll_once()
    elapsed = time.perf_counter() - started
    ingester.close()
    return elapsed, stored


async def service_phase(database: Path, log: Path, total: int, batch_size: int) -> dict[str, float]:
    from delta_strangle.clock import WallClock
    from delta_strangle.logs.query import LogFilter, search_logs
    from delta_strangle.logs.rendering import page_json
    from delta_strangle.logs.tail import BackendLogTailService
    from delta_strangle.logs.viewer_db import LogViewerDatabase

    fresh_database(database)
    viewer = LogViewerDatabase(database)  # the API's own read path for the log viewer
    await viewer.start()
    service = BackendLogTailService(database, log, clock=WallClock(), poll_interval=0.25, batch_size=batch_size)
    stalls: list[float] = []
    query_waits: list[float] = []
    done = asyncio.Event()
    errors = LogFilter(levels=("ERROR",))

    async def ticker() -> None:
        while not done.is_set():
            before = time.perf_counter()
            await asyncio.sleep(0.005)
            stalls.append(time.perf_counter() - before - 0.005)

    async def viewer_queries() -> None:
        while not done.is_set():
            before = time.perf_counter()
            await viewer.run(lambda connection: page_json(search_logs(connection, errors, limit=100)))
            query_waits.append(time.perf_counter() - before)
            await asyncio.sleep(0.05)

    def stored(connection: sqlite3.Connection) -> int:
        row = connection.execute("SELECT coalesce(max(lines_ingested), 0) FROM backend_log_checkpoints").fetchone()
        return int(row[0])

    # Baseline: the same ticker and viewer with no ingestion, to show this machine's own noise.
    baseline_task = [asyncio.create_task(ticker()), asyncio.create_task(viewer_queries())]
    await asyncio.sleep(3)
    done.set()
    await asyncio.gather(*baseline_task)
    baseline_stall, baseline_query = max(stalls), max(query_waits)
    stalls.clear()
    query_waits.clear()
    done.clear()

    started = time.perf_counter()
    control = await control_ticker()
    await service.start()
    tasks = [asyncio.create_task(ticker()), asyncio.create_task(viewer_queries())]
    while await viewer.run(stored) < total:  # noqa: ASYNC110 - polling the database is the measurement
        await asyncio.sleep(0.2)
    ingest_seconds = time.perf_counter() - started
    done.set()
    await asyncio.gather(*tasks)
    noise = await control_result(control)

    visibility: list[float] = []
    for index in range(40):
        marker = f"idle-probe-{index}"
        before = time.perf_counter()
        with log.open("a", encoding="utf-8") as handle:
            handle.write(json.dumps({"level": "INFO", "event": "probe", "message": marker}) + "\n")
        while True:
            found = await viewer.run(
                lambda connection, marker=marker: connection.execute(  # type: ignore[misc]
                    "SELECT 1 FROM backend_logs WHERE id > ? AND message = ?", (total, marker)
                ).fetchone()
            )
            if found:
                break
            await asyncio.sleep(0.005)
        visibility.append(time.perf_counter() - before)
        await asyncio.sleep(0.13 * (index % 4))  # land at different points of the poll cycle
    await service.stop()
    await viewer.stop()
    visibility.sort()
    return {
        "service_lines_per_s": total / ingest_seconds,
        "max_loop_stall_ms": max(stalls) * 1000,
        "p99_loop_stall_ms": sorted(stalls)[int(len(stalls) * 0.99)] * 1000,
        "baseline_max_loop_stall_ms": baseline_stall * 1000,
        "over_50_ms": sum(stall > 0.05 for stall in stalls),
        "control_max_stall_ms": noise["max_ms"],
        "control_p99_stall_ms": noise["p99_ms"],
        "control_over_50_ms": noise["over_50_ms"],
        "baseline_max_query_ms": baseline_query * 1000,
        "max_query_wait_ms": max(query_waits) * 1000,
        "p99_query_wait_ms": sorted(query_waits)[int(len(query_waits) * 0.99)] * 1000,
        "median_query_wait_ms": statistics.median(query_waits) * 1000,
        "idle_visibility_p95_ms": visibility[int(len(visibility) * 0.95) - 1] * 1000,
    }


CONTROL_TICKER = """
import asyncio, json, sys, time

async def main():
    stalls = []
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    loop.add_reader(sys.stdin.fileno(), stop.set)  # end of file: the measured window is over
    while not stop.is_set():
        before = time.perf_counter()
        await asyncio.sleep(0.005)
        stalls.append(time.perf_counter() - before - 0.005)
    stalls.sort()
    print(json.dumps({"max_ms": stalls[-1] * 1000, "p99_ms": stalls[int(len(stalls) * 0.99)] * 1000,
                      "over_50_ms": sum(s > 0.05 for s in stalls)}))

asyncio.run(main())
"""


async def control_ticker() -> asyncio.subprocess.Process:
    """A separate process running the same ticker, doing nothing else: this machine's own noise, same window."""
    return await asyncio.create_subprocess_exec(
        sys.executable, "-c", CONTROL_TICKER, stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE
    )


async def control_result(process: asyncio.subprocess.Process) -> dict[str, float]:
    out, _ = await process.communicate(b"")
    return dict(json.loads(out))


def machine_load() -> str:
    one, five, fifteen = os.getloadavg()
    return f"load average {one:.2f} {five:.2f} {fifteen:.2f} on {os.cpu_count()} cores"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--lines", type=int, default=1_000_000)
    parser.add_argument("--batch-size", type=int, default=2000, help="BACKEND_LOG_BATCH_SIZE (default as shipped)")
    parser.add_argument("--keep", type=Path, default=None, help="folder to keep the file and databases in")
    parser.add_argument("--child", nargs=3, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child_ingest(Path(args.child[0]), Path(args.child[1]), int(args.child[2]))
        return
    print(f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC, {machine_load()}")
    folder = args.keep or Path(tempfile.mkdtemp(prefix="log_ingest_"))
    folder.mkdir(parents=True, exist_ok=True)
    log = folder / "backend.log"
    print(f"generating {args.lines:,} lines in {log} ...", flush=True)
    write_file(log, args.lines)
    size_mb = log.stat().st_size / 1e6
    print(f"file: {size_mb:.0f} MB, {log.stat().st_size / args.lines:.0f} bytes/line")

    raw_seconds = raw_limit(folder / "raw.db", log)
    raw_rate = args.lines / raw_seconds
    print(f"raw limit (parse + executemany, 5,000-row transactions): {raw_rate:,.0f} lines/s ({raw_seconds:.1f} s)")

    database = fresh_database(folder / "ingest.db")
    child = subprocess.run(  # noqa: S603
        [sys.executable, __file__, "--child", str(database), str(log), str(args.batch_size)],
        check=True, capture_output=True, text=True,
    )
    result = json.loads(child.stdout.strip().splitlines()[-1])
    rate = result["stored"] / result["seconds"]
    print(f"ingester (batch {args.batch_size}): {rate:,.0f} lines/s ({result['seconds']:.1f} s), "
          f"ratio {rate / raw_rate:.2f} (target >= 0.70), peak RSS {result['peak_mb']:.0f} MB (target < 200)")

    seconds, stored = restart_seconds(database, log)
    print(f"restart on ingested file: {seconds * 1000:.0f} ms, {stored} lines re-stored (targets < 1000 ms, 0)")

    figures = asyncio.run(service_phase(folder / "service.db", log, args.lines, args.batch_size))
    print(f"service: {figures['service_lines_per_s']:,.0f} lines/s while serving queries")
    print(f"max event-loop stall: {figures['max_loop_stall_ms']:.1f} ms, p99 {figures['p99_loop_stall_ms']:.1f} ms, "
          f"{figures['over_50_ms']} ticks over 50 ms (target < 50; idle baseline max "
          f"{figures['baseline_max_loop_stall_ms']:.1f} ms)")
    print(f"  control process (same ticker, nothing else, same window): max {figures['control_max_stall_ms']:.1f} ms, "
          f"p99 {figures['control_p99_stall_ms']:.1f} ms, {figures['control_over_50_ms']} ticks over 50 ms")
    print(f"viewer query during ingest: max {figures['max_query_wait_ms']:.1f} ms, "
          f"p99 {figures['p99_query_wait_ms']:.1f} ms, median {figures['median_query_wait_ms']:.1f} ms "
          f"(target max < 100; idle baseline max {figures['baseline_max_query_ms']:.1f} ms)")
    print(f"idle line visible in viewer: p95 {figures['idle_visibility_p95_ms']:.0f} ms (target < 500)")
    print(f"done: {machine_load()}")
    if args.keep is None:
        for path in folder.iterdir():
            path.unlink()
        folder.rmdir()


if __name__ == "__main__":
    main()
