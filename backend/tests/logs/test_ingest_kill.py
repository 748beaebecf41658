"""A real `kill -9` of an ingesting process, then a restart: every line stored exactly once."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

from .builders import fresh_database, json_line

INGEST_FOREVER = """
import sys, time
from pathlib import Path
from delta_strangle.logs.ingest import LogIngester
worker = LogIngester(Path(sys.argv[1]), Path(sys.argv[2]), now_us=lambda: 0, batch_size=200)
print("ready", flush=True)
while True:
    worker.poll_once()
"""


def stored_count(database: Path) -> int:
    connection = sqlite3.connect(database, timeout=5)
    try:
        return int(connection.execute("SELECT count(*) FROM backend_logs").fetchone()[0])
    finally:
        connection.close()


def test_kill_9_mid_ingest_then_restart_stores_every_line_once(tmp_path: Path) -> None:
    database, log = fresh_database(tmp_path / "db.sqlite"), tmp_path / "backend.log"
    total = 30_000
    log.write_text("".join(json_line(f"line {index}") for index in range(total)))
    child = subprocess.Popen(
        [sys.executable, "-c", INGEST_FOREVER, str(database), str(log)], stdout=subprocess.PIPE, text=True
    )
    assert child.stdout is not None
    assert child.stdout.readline().strip() == "ready"
    deadline = time.monotonic() + 60
    while stored_count(database) == 0:  # kill it mid-way, once some batches have committed
        assert time.monotonic() < deadline, "the child never stored anything"
        time.sleep(0.01)
    os.kill(child.pid, signal.SIGKILL)
    child.wait()
    assert stored_count(database) < total, "killed too late to prove anything"

    restart = subprocess.run(
        [sys.executable, "-c", INGEST_FOREVER.replace("while True:", "for _ in range(1):"), str(database), str(log)],
        check=True, capture_output=True, text=True,
    )
    assert restart.returncode == 0
    connection = sqlite3.connect(database)
    messages = [row[0] for row in connection.execute("SELECT message FROM backend_logs ORDER BY id")]
    assert messages == [f"line {index}" for index in range(total)]
    # Raises if the free-text index does not match the rows exactly.
    connection.execute("INSERT INTO backend_logs_fts(backend_logs_fts, rank) VALUES ('integrity-check', 1)")
