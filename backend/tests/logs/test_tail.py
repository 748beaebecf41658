"""BackendLogTailService runs the ingestion in a child process, supervises it, and never leaves it behind."""

from __future__ import annotations

import asyncio
import logging
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from delta_strangle.clock import WallClock
from delta_strangle.logs.tail import BackendLogTailService, describe_exit

from .builders import fresh_database, json_line, stored_messages

DEADLINE_SECONDS = 30.0


class RecordingClock(WallClock):
    """Wall time, but sleeps return at once and are recorded (the back-off delays asked for)."""

    def __init__(self) -> None:
        self.sleeps: list[float] = []

    async def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        await asyncio.sleep(0)


async def eventually(condition: Callable[[], bool], what: str) -> None:
    deadline = time.monotonic() + DEADLINE_SECONDS
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting until {what}"
        await asyncio.sleep(0.02)


def process_gone(pid: int) -> bool:
    """True when the process no longer exists or is only a zombie waiting to be reaped."""
    try:
        with open(f"/proc/{pid}/stat") as handle:
            return handle.read().rsplit(")", 1)[1].split()[0] in ("Z", "X")
    except FileNotFoundError:
        return True


def service_for(tmp_path: Path, **options: object) -> BackendLogTailService:
    database = fresh_database(tmp_path / "db.sqlite")
    return BackendLogTailService(database, tmp_path / "backend.log", clock=WallClock(), poll_interval=0.05, **options)


def append(log: Path, *messages: str) -> None:
    with log.open("a") as handle:
        handle.write("".join(json_line(message) for message in messages))


async def test_worker_process_stores_lines_and_reports_its_health(tmp_path: Path) -> None:
    service = service_for(tmp_path)
    append(service.log_path, "one", "two")
    await service.start()
    try:
        await eventually(lambda: len(stored_messages(service.database)) == 2, "both lines are stored")
        await eventually(lambda: service.health().detail["lines_ingested"] == 2, "the worker reports its count")
        health = service.health()
        assert health.alive
        assert health.detail["worker_pid"] not in (None, os.getpid())
        assert health.detail["lag_bytes"] == 0
    finally:
        await service.stop()


async def test_stopping_the_service_stops_its_worker_process(tmp_path: Path) -> None:
    service = service_for(tmp_path)
    await service.start()
    await eventually(lambda: service.worker_pid is not None, "the worker runs")
    pid = service.worker_pid
    assert pid is not None
    await service.stop()
    assert process_gone(pid)
    assert service.health().alive is False
    assert service.health().detail["worker_restarts"] == 0, "a requested stop is not a crash"


async def test_a_killed_worker_is_reported_and_replaced_without_losing_or_repeating_lines(tmp_path: Path) -> None:
    service = service_for(tmp_path)
    append(service.log_path, *(f"before {index}" for index in range(500)))
    await service.start()
    try:
        await eventually(lambda: service.worker_pid is not None, "the worker runs")
        first = service.worker_pid
        assert first is not None
        os.kill(first, signal.SIGKILL)
        await eventually(lambda: service.worker_pid not in (None, first), "a new worker runs")
        append(service.log_path, "after")
        expected = [f"before {index}" for index in range(500)] + ["after"]
        await eventually(lambda: stored_messages(service.database) == expected, "every line is stored once")
        detail = service.health().detail
        assert detail["worker_restarts"] == 1
        assert detail["last_worker_exit"].startswith("killed by SIGKILL")
    finally:
        await service.stop()


async def test_a_crashing_worker_is_restarted_with_a_doubling_back_off(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    clock = RecordingClock()
    crash = [sys.executable, "-c", "import sys; sys.stderr.write('cannot open the database\\n'); sys.exit(3)"]
    service = BackendLogTailService(
        fresh_database(tmp_path / "db.sqlite"), tmp_path / "backend.log", clock=clock, poll_interval=0.25,
        max_backoff=3.0, command=lambda _service: crash,
    )
    with caplog.at_level(logging.WARNING, logger="delta_strangle.logs.tail"):
        await service.start()
        try:
            await eventually(lambda: len(clock.sleeps) >= 5, "five restarts were scheduled")
        finally:
            await service.stop()
    assert clock.sleeps[:5] == [0.5, 1.0, 2.0, 3.0, 3.0]
    detail = service.health().detail
    assert detail["last_worker_exit"] == "exited with status 3 (cannot open the database)"
    assert detail["worker_crashes_in_a_row"] >= 5
    events = {getattr(record, "event", None) for record in caplog.records}
    assert {"backend_log_worker_crashed", "backend_log_worker_stderr"} <= events


async def test_worker_errors_reach_the_parent_log_and_the_health_report(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    # No schema in this database: every poll fails until the tables exist.
    service = BackendLogTailService(tmp_path / "empty.sqlite", tmp_path / "backend.log", clock=WallClock(),
                                    poll_interval=0.05, max_backoff=0.1)
    with caplog.at_level(logging.WARNING):
        await service.start()
        try:
            await eventually(lambda: service.health().detail["consecutive_failures"] >= 2, "failures are reported")
            await eventually(
                lambda: any(getattr(r, "event", None) == "backend_log_ingest_failed" for r in caplog.records),
                "the worker's warning is written by the parent",
            )
        finally:
            await service.stop()
    detail = service.health().detail
    assert "no such table" in detail["last_error"]
    assert detail["worker_restarts"] == 0, "an ingestion error is retried inside the worker, not a crash"
    relayed = next(r for r in caplog.records if getattr(r, "event", None) == "backend_log_ingest_failed")
    assert "no such table" in relayed.worker_exception


KILLED_PARENT = """
import asyncio, sys
from pathlib import Path
from delta_strangle.clock import WallClock
from delta_strangle.logs.tail import BackendLogTailService

async def main():
    service = BackendLogTailService(Path(sys.argv[1]), Path(sys.argv[2]), clock=WallClock(), poll_interval=0.05)
    await service.start()
    while service.worker_pid is None:
        await asyncio.sleep(0.01)
    print(service.worker_pid, flush=True)
    await asyncio.sleep(3600)

asyncio.run(main())
"""


def test_a_killed_app_leaves_no_worker_behind(tmp_path: Path) -> None:
    database, log = fresh_database(tmp_path / "db.sqlite"), tmp_path / "backend.log"
    parent = subprocess.Popen(
        [sys.executable, "-c", KILLED_PARENT, str(database), str(log)], stdout=subprocess.PIPE, text=True
    )
    assert parent.stdout is not None
    worker_pid = int(parent.stdout.readline())
    os.kill(parent.pid, signal.SIGKILL)
    parent.wait()
    deadline = time.monotonic() + DEADLINE_SECONDS
    while not process_gone(worker_pid):
        assert time.monotonic() < deadline, "the worker outlived the app"
        time.sleep(0.02)


def test_exits_are_described_in_words() -> None:
    assert describe_exit(-9) == "killed by SIGKILL"
    assert describe_exit(0) == "exited with status 0"
