"""BackendLogTailService: keep `backend_logs` in step with backend.log, whatever happens.

The ingestion itself runs in a child process (`logs/worker.py`), so parsing a backlog can never
hold the API's GIL: the event loop and viewer queries do not wait on it. This service supervises
that process: it starts it with the app, relays its log records and health figures, restarts it
with a doubling back-off when it dies, and stops it with the app (closing its stdin; it finishes
the batch in flight; after `stop_timeout` seconds it is killed, which the checkpoint makes safe).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
import signal
import sys
import time
from collections import deque
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import delta_strangle
from delta_strangle.background import ServiceHealth
from delta_strangle.clock import Clock
from delta_strangle.logs import worker

logger = logging.getLogger(__name__)
TAIL_SERVICE_NAME = "backend_log_tail"
# Log ingestion is background work: the trading engine and the API come first when CPU is short.
WORKER_NICENESS = 10
# A worker that ran this long before dying counts as healthy: the next crash backs off from the start.
STABLE_AFTER_SECONDS = 60.0
_COUNTERS = (
    "lines_ingested", "lines_not_json", "lines_invalid_utf8", "lines_capped", "lines_unterminated", "rotations",
    "truncations",
)
_STANDARD_ATTRS = frozenset(vars(logging.LogRecord("x", 0, "x", 0, "x", None, None))) | {"message", "asctime"}

WorkerCommand = Callable[["BackendLogTailService"], Sequence[str]]


def worker_command(service: BackendLogTailService) -> list[str]:
    """The command line of the ingestion worker for this service."""
    return [
        sys.executable, "-m", worker.__name__,
        "--database", str(service.database.resolve()),
        "--log-path", str(service.log_path.resolve()),
        "--poll-interval", repr(service.poll_interval),
        "--batch-size", str(service.batch_size),
        "--max-backoff", repr(service.max_backoff),
        "--parent-pid", str(os.getpid()),
        "--nice", str(service.niceness),
    ]


def describe_exit(returncode: int) -> str:
    """Say how a worker ended, in words."""
    if returncode < 0:
        with contextlib.suppress(ValueError):
            return f"killed by {signal.Signals(-returncode).name}"
        return f"killed by signal {-returncode}"
    return f"exited with status {returncode}"


def _worker_env() -> dict[str, str]:
    # The worker imports the very package this process runs, wherever it was loaded from.
    package_root = str(Path(delta_strangle.__file__).resolve().parents[1])
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, (package_root, env.get("PYTHONPATH"))))
    return env


class BackendLogTailService:
    """Run and supervise the ingestion worker process for BACKEND_LOG_PATH."""

    name = TAIL_SERVICE_NAME

    def __init__(
        self,
        database: Path,
        log_path: Path,
        *,
        clock: Clock,
        poll_interval: float = 0.25,
        batch_size: int = 2000,
        max_backoff: float = 30.0,
        stop_timeout: float = 10.0,
        niceness: int = WORKER_NICENESS,
        command: WorkerCommand = worker_command,
    ) -> None:
        self.database = database
        self.log_path = log_path
        self.clock = clock
        self.poll_interval = poll_interval
        self.batch_size = batch_size
        self.max_backoff = max_backoff
        self.stop_timeout = stop_timeout
        self.niceness = niceness
        self.command = command
        self._task: asyncio.Task[None] | None = None
        self._process: asyncio.subprocess.Process | None = None
        self._stopping = False
        self._status: dict[str, Any] = {}
        self._earlier_workers: dict[str, int] = dict.fromkeys(_COUNTERS, 0)  # counters of workers that ended
        self._behind_since: float | None = None
        self._stderr_tail: deque[str] = deque(maxlen=5)
        self.worker_restarts = 0
        self.consecutive_crashes = 0
        self.last_worker_exit: str | None = None

    @property
    def worker_pid(self) -> int | None:
        """The running worker's process id, if one runs."""
        process = self._process
        return process.pid if process is not None and process.returncode is None else None

    async def start(self) -> None:
        """Start the worker; its catch-up happens in the background, never before the app serves."""
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        self._stopping = False
        self._task = asyncio.create_task(self._supervise(), name=self.name)

    async def stop(self) -> None:
        """Ask the worker to stop after its batch in flight, kill it if it does not, and wait for it."""
        self._stopping = True
        process = self._process
        if process is not None and process.returncode is None:
            if process.stdin is not None:
                process.stdin.close()  # the worker reads end of file and stops between batches
            try:
                async with asyncio.timeout(self.stop_timeout):  # 3.11's wait_for can swallow our own cancellation
                    await process.wait()
            except TimeoutError:
                logger.warning(
                    "backend log worker did not stop in time; killing it",
                    extra={"event": "backend_log_worker_killed", "worker_pid": process.pid},
                )
                with contextlib.suppress(ProcessLookupError):
                    process.kill()
                await process.wait()
        if self._task is not None:
            if process is not None:
                # Let it read the worker's last report (its pipes are at end of file now); then make sure it ends.
                await asyncio.wait({self._task}, timeout=1.0)
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    async def _supervise(self) -> None:
        while not self._stopping:
            started = time.monotonic()
            try:
                outcome = await self._run_worker()
            except OSError as exc:  # could not even start it (missing interpreter, no memory...)
                outcome = f"could not start: {type(exc).__name__}: {exc}"
            if self._stopping:
                return
            if time.monotonic() - started >= STABLE_AFTER_SECONDS:
                self.consecutive_crashes = 0
            self.consecutive_crashes += 1
            self.worker_restarts += 1
            last_words = f" ({self._stderr_tail[-1]})" if self._stderr_tail else ""
            self.last_worker_exit = f"{outcome}{last_words}"[:500]
            delay = worker.backoff_delay(self.consecutive_crashes, self.poll_interval, self.max_backoff)
            logger.warning(
                "backend log worker stopped unexpectedly; restarting",
                extra={
                    "event": "backend_log_worker_crashed",
                    "exit": self.last_worker_exit,
                    "crashes": self.consecutive_crashes,
                    "retry_in_s": round(delay, 2),
                },
            )
            await self.clock.sleep(delay)

    async def _run_worker(self) -> str:
        """Run one worker to its end, relaying what it says; return how it ended."""
        self._stderr_tail.clear()
        process = await asyncio.create_subprocess_exec(
            *self.command(self),
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
            env=_worker_env(),
            limit=1 << 20,
            # Its own session: a terminal's Ctrl-C or a signal to the app's process group reaches the app,
            # which then stops the worker in order, instead of the worker quitting first and looking crashed.
            start_new_session=True,
        )
        self._process = process
        try:
            assert process.stdout is not None
            assert process.stderr is not None
            await asyncio.gather(self._read_messages(process.stdout), self._read_stderr(process.stderr))
            return describe_exit(await process.wait())
        finally:
            if process.returncode is None:  # cancelled while it runs: never leave it behind
                with contextlib.suppress(ProcessLookupError):
                    process.kill()
            self._retire_counters()

    async def _read_messages(self, stream: asyncio.StreamReader) -> None:
        while line := await stream.readline():
            try:
                message = json.loads(line)
            except ValueError:
                logger.warning(
                    "backend log worker sent an unreadable message",
                    extra={"event": "backend_log_worker_garbled", "text": line[:500].decode(errors="replace")},
                )
                continue
            if message.get("kind") == worker.STATUS:
                self._on_status(message)
            elif message.get("kind") == worker.LOG:
                self._relay_log(message)

    async def _read_stderr(self, stream: asyncio.StreamReader) -> None:
        while line := await stream.readline():
            text = line.decode(errors="replace").rstrip()
            if text:
                self._stderr_tail.append(text[:300])
                logger.warning(
                    "backend log worker: %s", text[:4000], extra={"event": "backend_log_worker_stderr"}
                )

    def _on_status(self, message: dict[str, Any]) -> None:
        self._status = message
        if message.get("lag_bytes"):
            if self._behind_since is None:
                self._behind_since = time.monotonic()
        else:
            self._behind_since = None

    def _relay_log(self, message: dict[str, Any]) -> None:
        fields = {
            key: value
            for key, value in (message.get("fields") or {}).items()
            if key not in _STANDARD_ATTRS and key != "event"
        }
        if message.get("exception"):
            fields["worker_exception"] = message["exception"]
        worker_logger = logging.getLogger(str(message.get("logger") or worker.__name__))
        worker_logger.log(
            int(message.get("level") or logging.INFO),
            "%s",
            str(message.get("message", "")),
            extra={"event": message.get("event"), **fields, "worker_pid": self.worker_pid},
        )

    def _retire_counters(self) -> None:
        # A new worker counts from zero; keep what the ended one did so the totals cover the app's life.
        for key in _COUNTERS:
            self._earlier_workers[key] += int(self._status.get(key) or 0)
        self._status = {key: value for key, value in self._status.items() if key not in _COUNTERS}
        self._process = None

    def health(self) -> ServiceHealth:
        """Report whether the service runs, with the worker's lag, line counters and crashes."""
        status = self._status
        detail: dict[str, Any] = {
            "log_path": str(self.log_path),
            "lag_bytes": int(status.get("lag_bytes") or 0),
            "lag_seconds": round(time.monotonic() - self._behind_since, 3) if self._behind_since else 0.0,
            "consecutive_failures": int(status.get("consecutive_failures") or 0),
            "last_error": status.get("last_error"),
            "last_poll_at": status.get("last_poll_at"),
            **{key: self._earlier_workers[key] + int(status.get(key) or 0) for key in _COUNTERS},
            "worker_pid": self.worker_pid,
            "worker_restarts": self.worker_restarts,
            "worker_crashes_in_a_row": self.consecutive_crashes,
            "last_worker_exit": self.last_worker_exit,
        }
        alive = self._task is not None and not self._task.done()
        return ServiceHealth(alive=alive, detail=detail)
