"""The ingestion worker process: tails backend.log into the database outside the API process.

`BackendLogTailService` runs `python -m delta_strangle.logs.worker ...`. Parsing and inserting a
backlog is CPU work that holds the GIL for most of its time; in a thread of the API process it
stalled the event loop and delayed viewer queries by hundreds of milliseconds on a loaded
machine. In its own (lower-priority) process it shares no GIL with the API.

The worker talks to its parent over its standard streams:
- stdin: closing it (or the parent dying) asks the worker to stop; it finishes the batch in
  flight, which commits with its checkpoint, and exits 0;
- stdout: one JSON object per line, either `{"kind": "status", ...}` (health figures, after each
  poll and during a long catch-up) or `{"kind": "log", ...}` (a log record for the parent to
  write, so backend.log keeps a single writer);
- stderr: anything unexpected (an import error, a stray print); the parent relays it.

It never outlives the API: on Linux the kernel kills it when the parent dies (PR_SET_PDEATHSIG,
tied to the thread that started it: the event loop's), and on every platform it stops within one
batch of noticing its parent is gone (stdin at end of file, or a new parent process id). A kill at any
instant is safe: each batch and its checkpoint commit together, so a restart resumes exactly.
"""

from __future__ import annotations

import argparse
import contextlib
import ctypes
import json
import logging
import os
import signal
import sys
import threading
import time
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, BinaryIO

from delta_strangle.logs.ingest import LogIngester
from delta_strangle.logs.parse import to_epoch_us

logger = logging.getLogger(__name__)
STATUS = "status"
LOG = "log"
# How often a long catch-up reports its progress, and how often an idle worker says it is alive.
PROGRESS_SECONDS = 0.25
HEARTBEAT_SECONDS = 1.0
_PR_SET_PDEATHSIG = 1
_STANDARD_ATTRS = frozenset(vars(logging.LogRecord("x", 0, "x", 0, "x", None, None))) | {"message", "asctime"}
MAX_MESSAGE_CHARS = 16_000


def backoff_delay(failures: int, base: float, ceiling: float) -> float:
    """Seconds to wait after `failures` consecutive failures: doubling from `base`, at most `ceiling`."""
    if failures <= 0:
        return base
    return float(min(ceiling, base * 2 ** min(failures, 16)))


class Channel:
    """The worker's end of the pipe to its parent: one JSON object per line, from any thread."""

    def __init__(self, stream: BinaryIO) -> None:
        self._stream = stream
        self._lock = threading.Lock()
        self.broken = False

    def send(self, kind: str, body: dict[str, Any]) -> None:
        data = (json.dumps({"kind": kind, **body}, default=str, separators=(",", ":")) + "\n").encode()
        with self._lock:
            if self.broken:
                return
            try:
                self._stream.write(data)
                self._stream.flush()
            except (BrokenPipeError, ValueError, OSError):
                self.broken = True  # the parent is gone; the loop notices and stops


class ChannelLogHandler(logging.Handler):
    """Send the worker's log records to the parent, which writes them like its own."""

    def __init__(self, channel: Channel) -> None:
        super().__init__()
        self.channel = channel

    def emit(self, record: logging.LogRecord) -> None:
        fields = {
            key: value
            for key, value in vars(record).items()
            if key not in _STANDARD_ATTRS and not key.startswith("_") and key != "event"
        }
        body: dict[str, Any] = {
            "level": record.levelno,
            "logger": record.name,
            "message": record.getMessage()[:MAX_MESSAGE_CHARS],
            "event": getattr(record, "event", None),
            "fields": fields,
        }
        if record.exc_info:
            body["exception"] = logging.Formatter().formatException(record.exc_info)[:MAX_MESSAGE_CHARS]
        self.channel.send(LOG, body)


class WorkerLoop:
    """Poll the log file every `poll_interval` seconds until told to stop; never give up on an error."""

    def __init__(
        self,
        database: Path,
        log_path: Path,
        channel: Channel,
        *,
        poll_interval: float,
        batch_size: int,
        max_backoff: float,
        parent_pid: int | None,
        stop: threading.Event,
    ) -> None:
        self.database = database
        self.log_path = log_path
        self.channel = channel
        self.poll_interval = poll_interval
        self.batch_size = batch_size
        self.max_backoff = max_backoff
        self.parent_pid = parent_pid
        self.stop_requested = stop
        self.ingester: LogIngester | None = None
        self.consecutive_failures = 0
        self.last_error: str | None = None
        self.last_poll_at: str | None = None
        self._last_report = 0.0
        self._last_reported: dict[str, Any] | None = None

    def should_stop(self) -> bool:
        """Stop when asked, when the pipe to the parent broke, or when the parent is no longer ours."""
        if self.stop_requested.is_set() or self.channel.broken:
            return True
        return self.parent_pid is not None and os.getppid() != self.parent_pid

    def run(self) -> None:
        try:
            while not self.should_stop():
                delay = self.poll_interval
                try:
                    self._poll()
                except Exception as exc:  # one error never stops the worker
                    self.consecutive_failures += 1
                    self.last_error = f"{type(exc).__name__}: {exc}"[:500]
                    delay = backoff_delay(self.consecutive_failures, self.poll_interval, self.max_backoff)
                    logger.warning(
                        "backend log ingestion failed; retrying",
                        exc_info=True,
                        extra={
                            "event": "backend_log_ingest_failed",
                            "failures": self.consecutive_failures,
                            "retry_in_s": round(delay, 2),
                        },
                    )
                self.report(force=False)
                self.stop_requested.wait(delay)
        finally:
            self.report(force=True)
            if self.ingester is not None:
                self.ingester.close()

    def _poll(self) -> None:
        if self.ingester is None:
            self.ingester = LogIngester(
                self.database, self.log_path, now_us=lambda: to_epoch_us(datetime.now(UTC)), batch_size=self.batch_size
            )
        self.ingester.poll_once(stop=self.should_stop, after_batch=self._progress)
        self.last_poll_at = datetime.now(UTC).isoformat()
        if self.consecutive_failures:
            logger.info(
                "backend log ingestion recovered",
                extra={"event": "backend_log_ingest_recovered", "failures": self.consecutive_failures},
            )
        self.consecutive_failures = 0
        self.last_error = None

    def _progress(self) -> None:
        if time.monotonic() - self._last_report >= PROGRESS_SECONDS:
            self.report(force=True)

    def status(self) -> dict[str, Any]:
        """The health figures the parent shows in /api/ready and the viewer's summary."""
        body: dict[str, Any] = {
            "lag_bytes": 0,
            "consecutive_failures": self.consecutive_failures,
            "last_error": self.last_error,
        }
        ingester = self.ingester
        if ingester is not None:
            stats, follower = ingester.stats, ingester.follower.stats
            body.update(
                lag_bytes=ingester.lag_bytes(),
                lines_ingested=stats.lines_ingested,
                lines_not_json=stats.lines_not_json,
                lines_invalid_utf8=stats.lines_invalid_utf8,
                lines_capped=follower.capped,
                lines_unterminated=follower.unterminated,
                rotations=follower.rotations,
                truncations=follower.truncations,
            )
        return body

    def report(self, *, force: bool) -> None:
        """Send the status when it changed, when forced, or as a heartbeat; never more than needed."""
        body = self.status()
        now = time.monotonic()
        if force or body != self._last_reported or now - self._last_report >= HEARTBEAT_SECONDS:
            self._last_reported = body
            self._last_report = now
            self.channel.send(STATUS, {**body, "last_poll_at": self.last_poll_at})


def die_with_parent(parent_pid: int | None) -> None:
    """Ask the kernel to kill this process when its parent dies (Linux); exit now if it already has."""
    if parent_pid is None:
        return
    if sys.platform.startswith("linux"):
        with contextlib.suppress(OSError, AttributeError):
            libc = ctypes.CDLL(None, use_errno=True)
            libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    if os.getppid() != parent_pid:  # the parent died before the request above took effect
        os._exit(0)


def watch_stdin(stop: threading.Event) -> None:
    """Block on stdin; end of file (the parent closed it, or died) means stop."""
    with contextlib.suppress(OSError, ValueError):
        while sys.stdin.buffer.read(4096):
            pass
    stop.set()


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m delta_strangle.logs.worker", description=__doc__)
    parser.add_argument("--database", type=Path, required=True)
    parser.add_argument("--log-path", type=Path, required=True)
    parser.add_argument("--poll-interval", type=float, default=0.25)
    parser.add_argument("--batch-size", type=int, default=2000)
    parser.add_argument("--max-backoff", type=float, default=30.0)
    parser.add_argument("--parent-pid", type=int, default=None)
    parser.add_argument("--nice", type=int, default=0, help="lower this process's CPU priority by this much")
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    die_with_parent(args.parent_pid)
    if args.nice:
        with contextlib.suppress(OSError):
            os.nice(args.nice)
    # The pipe to the parent is a private copy of stdout; stdout itself now points at stderr, so a
    # stray print can never corrupt the protocol.
    channel = Channel(os.fdopen(os.dup(sys.stdout.fileno()), "wb"))
    os.dup2(sys.stderr.fileno(), sys.stdout.fileno())
    root = logging.getLogger()
    root.handlers[:] = [ChannelLogHandler(channel)]
    root.setLevel(logging.INFO)
    stop = threading.Event()
    threading.Thread(target=watch_stdin, args=(stop,), name="parent-watch", daemon=True).start()
    # Asked directly (kill PID): stop between batches, as when the parent asks.
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stop.set())
    WorkerLoop(
        args.database,
        args.log_path,
        channel,
        poll_interval=args.poll_interval,
        batch_size=args.batch_size,
        max_backoff=args.max_backoff,
        parent_pid=args.parent_pid,
        stop=stop,
    ).run()
    return 0


if __name__ == "__main__":
    sys.exit(main())
