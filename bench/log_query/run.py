"""Benchmark the log viewer's queries on a million rows: every filter, any page depth, free text.

    backend/.venv/bin/python bench/log_query/run.py [--database PATH] [--lines 1000000] [--repeats 100]

Without --database it generates the lines (bench/log_ingest/lines.py) and ingests them into a
database built by the app's own migrations, in a temporary folder removed at the end (pass
--database to reuse one: building a million rows takes minutes). Every case is measured at two levels, interleaved
request by request so both see the same machine load:

- SQL: the exact statement the API runs for that page, on a plain sqlite3 connection
  (execute + fetchall), the floor any API could reach;
- API: `GET /api/logs/backend` through the whole app in-process (httpx ASGI transport: bearer
  token check, parameter validation, one hop to the viewer's reader thread for the query and the
  JSON body) - what the viewer waits for, less the network.

Deep pages start from cursors taken at 10%, 50% and 90% of the matches. Baselines in the same
run: `GET /api/health` (the framework's floor: transport, middleware, routing; no authentication),
a log request whose query finds nothing (that plus the token check and the log route's own fixed
cost) and a primary-key lookup in SQL. The target (p95 < 10 ms) is for the API figure.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sqlite3
import statistics
import sys
import tempfile
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "log_ingest"))
sys.path.insert(0, str(HERE.parents[1] / "backend" / "src"))

# httpx's in-process transport tries `import sniffio` on every request to detect trio; the package is
# not installed, so each request paid a failed import (a path search, about 0.4 ms) that a browser
# talking to uvicorn never pays. Marking it absent makes that import fail at once.
sys.modules.setdefault("sniffio", None)  # type: ignore[arg-type]

import httpx  # noqa: E402
import uvloop  # noqa: E402
from lines import RARE_WORD, generate  # noqa: E402

from delta_strangle.logs.ingest import LogIngester  # noqa: E402
from delta_strangle.logs.parse import from_epoch_us, to_epoch_us  # noqa: E402
from delta_strangle.logs.query import (  # noqa: E402
    EXACT_TOTAL_CAP,
    Cursor,
    LogFilter,
    _total_cap,
    build_first_page_sql,
    build_page_sql,
)
from delta_strangle.settings import Settings  # noqa: E402
from delta_strangle.store.migrate import upgrade_to_head  # noqa: E402

ADMIN_EMAIL, ADMIN_PASSWORD = "bench@example.org", "bench-password-long-enough"
PAGE = 100
REPEATS = 100


def database_url(database: Path) -> str:
    return f"sqlite+aiosqlite:///{database}"


def build_database(folder: Path, count: int) -> Path:
    database, log = folder / "query.db", folder / "backend.log"
    with log.open("w", encoding="utf-8") as handle:
        for line in generate(count):
            handle.write(line + "\n")
    upgrade_to_head(database_url(database))
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


def query_params(log_filter: LogFilter, cursor: Cursor | None) -> dict[str, str]:
    """The viewer's query string for a filter (what the dashboard sends)."""
    params: dict[str, str] = {"limit": str(PAGE), **log_filter.equals}
    if log_filter.levels:
        params["level"] = ",".join(log_filter.levels)
    if log_filter.start_us is not None:
        params["start"] = from_epoch_us(log_filter.start_us).isoformat()
    if log_filter.end_us is not None:
        params["end"] = from_epoch_us(log_filter.end_us).isoformat()
    if log_filter.text is not None:
        params["search"] = log_filter.text
    if cursor is not None:
        params["cursor"] = cursor.encode()
    return params


def page_statement(log_filter: LogFilter, cursor: Cursor | None) -> tuple[str, dict[str, Any]]:
    """The statement the API runs for this page (limit + 1 rows tells whether a next page exists)."""
    if cursor is None:
        return build_first_page_sql(log_filter, PAGE + 1, _total_cap(log_filter, EXACT_TOTAL_CAP))
    return build_page_sql(log_filter, cursor, PAGE + 1)


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


def p95(samples: list[float]) -> float:
    return sorted(samples)[max(0, int(len(samples) * 0.95) - 1)]


@asynccontextmanager
async def running_app(database: Path, folder: Path) -> AsyncIterator[tuple[httpx.AsyncClient, dict[str, str]]]:
    """The real app on the benchmark database, ingestion off (the rows are already there)."""
    from delta_strangle.app import create_app

    settings = Settings(
        _env_file=None, database_url=database_url(database), backend_log_path=folder / "bench-app.log",
        backend_log_ingest_enabled=False, jwt_secret_key="b" * 48, initial_admin_email=ADMIN_EMAIL,
        initial_admin_password=ADMIN_PASSWORD,
    )
    app = create_app(settings, configure_logs=False)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://bench") as http:
            login = await http.post("/api/auth/login", data={"username": ADMIN_EMAIL, "password": ADMIN_PASSWORD})
            login.raise_for_status()
            yield http, {"Authorization": f"Bearer {login.json()['access_token']}"}


class Timer:
    """Run the SQL and the API request for one page alternately, `repeats` times each."""

    def __init__(self, connection: sqlite3.Connection, http: httpx.AsyncClient, headers: dict[str, str],
                 repeats: int) -> None:
        self.connection, self.http, self.headers, self.repeats = connection, http, headers, repeats

    async def measure(self, log_filter: LogFilter, cursor: Cursor | None) -> tuple[list[float], list[float]]:
        sql, params = page_statement(log_filter, cursor)
        query = query_params(log_filter, cursor)
        sql_ms, api_ms = [], []
        for _ in range(self.repeats):
            started = time.perf_counter()
            rows = self.connection.execute(sql, params).fetchall()
            sql_ms.append((time.perf_counter() - started) * 1000)
            started = time.perf_counter()
            response = await self.http.get("/api/logs/backend", params=query, headers=self.headers)
            api_ms.append((time.perf_counter() - started) * 1000)
            if response.status_code != 200:
                raise RuntimeError(f"{query}: {response.status_code} {response.text[:300]}")
            if len(response.json()["items"]) != min(len(rows), PAGE):
                raise RuntimeError(f"{query}: the API and the SQL disagree on the page")
        return sql_ms, api_ms


def machine_load() -> str:
    one, five, fifteen = os.getloadavg()
    return f"load average {one:.2f} {five:.2f} {fifteen:.2f} on {os.cpu_count()} cores"


async def run(database: Path, folder: Path, repeats: int) -> None:
    print(f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC, {machine_load()}")
    connection = sqlite3.connect(database)
    rows = connection.execute("SELECT count(*) FROM backend_logs").fetchone()[0]
    print(f"{rows:,} rows in {database}")
    async with running_app(database, folder) as (http, headers):
        timer = Timer(connection, http, headers, repeats)
        nothing = LogFilter(equals={"order_id": "no-such-order"})
        _, base_api = await timer.measure(nothing, None)
        floor, pk = [], []
        for index in range(repeats):
            started = time.perf_counter()
            (await http.get("/api/health")).raise_for_status()
            floor.append((time.perf_counter() - started) * 1000)
            started = time.perf_counter()
            connection.execute("SELECT * FROM backend_logs WHERE id = ?", (index + 1,)).fetchall()
            pk.append((time.perf_counter() - started) * 1000)
        print(f"baselines: GET /api/health (no authentication) p50 {statistics.median(floor):.2f} / p95 "
              f"{p95(floor):.2f} ms; log request finding nothing p50 {statistics.median(base_api):.2f} / p95 "
              f"{p95(base_api):.2f} ms; SQL primary-key lookup p50 {statistics.median(pk):.3f} ms")
        print(f"{'case':32} {'first page p50/p95 (ms)':>31} {'deep pages worst p95 (ms)':>27}")
        print(f"{'':32} {'SQL':>15} {'API':>15} {'SQL':>13} {'API':>13}")
        worst_api = worst_sql = 0.0
        for name, log_filter in cases(sample_values(database)).items():
            first_sql, first_api = await timer.measure(log_filter, None)
            deep_sql, deep_api = 0.0, 0.0
            for cursor in deep_cursors(database, log_filter):
                sql_ms, api_ms = await timer.measure(log_filter, cursor)
                deep_sql, deep_api = max(deep_sql, p95(sql_ms)), max(deep_api, p95(api_ms))
            worst_sql = max(worst_sql, p95(first_sql), deep_sql)
            worst_api = max(worst_api, p95(first_api), deep_api)
            print(f"{name:32} {statistics.median(first_sql):6.2f} / {p95(first_sql):6.2f} "
                  f"{statistics.median(first_api):6.2f} / {p95(first_api):6.2f} {deep_sql:13.2f} {deep_api:13.2f}")
    connection.close()
    print(f"worst p95: API {worst_api:.2f} ms (target < 10 ms), SQL {worst_sql:.2f} ms")
    print(f"done: {machine_load()}")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--database", type=Path, default=None)
    parser.add_argument("--lines", type=int, default=1_000_000)
    parser.add_argument("--repeats", type=int, default=REPEATS)
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="log_query_"))
    try:
        if args.database is not None:
            upgrade_to_head(database_url(args.database))  # a database from an older run gets the app's tables
        database = args.database or build_database(folder, args.lines)
        uvloop.run(run(database, folder, args.repeats))
    finally:
        shutil.rmtree(folder, ignore_errors=True)  # the generated file and database, or just the app's log


if __name__ == "__main__":
    main()
