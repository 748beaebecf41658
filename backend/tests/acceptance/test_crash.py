"""SIGKILL the trading process in each state, restart it, and prove nothing was duplicated or lost."""

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

BACKEND = Path(__file__).resolve().parents[2]
# What the recovered session settles into, per state it was killed in (halted always needs a reason).
EXPECTED = {
    "waiting": {"live"},
    "entering_between_legs": {"done", "live", "halted"},
    "live": {"live", "done", "halted"},
    "exiting": {"done", "halted"},
}


def _state(db: Path) -> tuple[str | None, int]:
    if not db.exists():
        return None, 0
    try:
        with sqlite3.connect(db, timeout=1) as connection:
            row = connection.execute("select state from trading_sessions order by id desc limit 1").fetchone()
            fills = connection.execute("select count(*) from session_fills").fetchone()[0]
    except sqlite3.OperationalError:
        return None, 0
    return (row[0] if row else None), fills


def _reached(target: str, state: str | None, fills: int) -> bool:
    if target == "entering_between_legs":
        return state == "entering" and fills >= 1
    return state == target


@pytest.mark.parametrize("target", ["waiting", "entering_between_legs", "live", "exiting"])
def test_a_sigkill_in_each_state_is_recovered_without_duplicates_or_lost_positions(tmp_path: Path,
                                                                                    target: str) -> None:
    env = {**os.environ, "PYTHONPATH": str(BACKEND)}
    child = subprocess.Popen(
        [sys.executable, "-m", "tests.acceptance.crash_child", "run", str(tmp_path)],
        cwd=BACKEND, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )
    try:
        deadline = time.monotonic() + 60
        while not _reached(target, *_state(tmp_path / "journal.db")):
            assert child.poll() is None, child.stderr.read().decode() if child.stderr else ""
            assert time.monotonic() < deadline, f"never reached {target}: {_state(tmp_path / 'journal.db')}"
            time.sleep(0.002)
    finally:
        child.send_signal(signal.SIGKILL)
        child.wait(timeout=10)
    assert child.returncode == -signal.SIGKILL
    result = subprocess.run(
        [sys.executable, "-m", "tests.acceptance.crash_child", "recover", str(tmp_path)],
        cwd=BACKEND, env=env, capture_output=True, timeout=120, check=True,
    )
    verdict = json.loads(result.stdout.decode().strip().splitlines()[-1])
    assert verdict["unique_client_order_ids"] == verdict["order_count"], "an order was sent twice"
    assert verdict["exchange"] == verdict["journal"], "the journal and the exchange disagree"
    assert verdict["state"] in EXPECTED[target], verdict
    if verdict["state"] == "halted":
        assert verdict["halt_reason"]
    if target == "waiting":
        # Killed before its entry time: the recovered session waits, enters once, and goes live.
        assert verdict["journal"]
        assert all(size < 0 for size in verdict["journal"].values())
    if verdict["state"] == "done":
        assert verdict["journal"] == {}
        assert verdict["exit_reason"]


def _die_between_the_legs(directory: Path, action: str, purpose: str) -> dict[str, object]:
    """Run a child that SIGKILLs itself between the two legs' intents of `purpose`; recover; return the verdict."""
    env = {**os.environ, "PYTHONPATH": str(BACKEND)}
    died = subprocess.run(
        [sys.executable, "-m", "tests.acceptance.crash_child", action, str(directory)],
        cwd=BACKEND, env=env, capture_output=True, timeout=120,
    )
    assert died.returncode == -signal.SIGKILL, died.stderr.decode()
    with sqlite3.connect(directory / "journal.db") as connection:
        written = connection.execute("select symbol from order_intents where purpose = ?", (purpose,)).fetchall()
    assert len(written) == 1, "the process must die with exactly one leg's intent written"
    result = subprocess.run(
        [sys.executable, "-m", "tests.acceptance.crash_child", "recover", str(directory)],
        cwd=BACKEND, env=env, capture_output=True, timeout=120, check=True,
    )
    verdict: dict[str, object] = json.loads(result.stdout.decode().strip().splitlines()[-1])
    assert verdict["unique_client_order_ids"] == verdict["order_count"], "an order was sent twice"
    return verdict


def test_a_sigkill_between_the_two_closing_intents_of_a_stop_is_recovered_by_buying_back_both_legs(
    tmp_path: Path,
) -> None:
    verdict = _die_between_the_legs(tmp_path, "stop-and-die", "exit")
    assert verdict["state"] == "done", verdict  # not live with the second leg still short
    assert verdict["exit_reason"] == "operator_stop"  # the stop's own exit was resumed, for both legs
    assert verdict["journal"] == {}
    assert verdict["exchange"] == {}


def test_a_sigkill_between_the_two_entry_intents_is_recovered_by_buying_back_the_leg_that_sold(
    tmp_path: Path,
) -> None:
    verdict = _die_between_the_legs(tmp_path, "enter-and-die", "entry")
    assert verdict["state"] == "done", verdict  # the entry is never completed by recovery
    assert verdict["exit_reason"] == "legging_unwind"
    assert verdict["journal"] == {}
    assert verdict["exchange"] == {}
