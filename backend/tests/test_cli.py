"""The CLI as an operator uses it: real subprocesses, one-line errors, exit codes."""

import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from delta_strangle.security import verify_password

CLI = [sys.executable, "-m", "delta_strangle"]


def run_cli(tmp_path: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    environment = {
        "PATH": os.environ["PATH"],
        "DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'data' / 'cli.db'}",
        "BACKEND_LOG_PATH": str(tmp_path / "logs" / "backend.log"),
        **env,
    }
    return subprocess.run([*CLI, *args], cwd=tmp_path, env=environment, capture_output=True, text=True, timeout=60)


def test_migrate_then_check_reports_a_current_database(tmp_path: Path) -> None:
    assert run_cli(tmp_path, "migrate").returncode == 0
    checked = run_cli(tmp_path, "check")
    assert checked.returncode == 0, checked.stderr
    assert "database current" in checked.stdout


def test_check_on_an_unmigrated_database_says_to_run_migrate(tmp_path: Path) -> None:
    checked = run_cli(tmp_path, "check")
    assert checked.returncode == 2
    assert "run migrate" in checked.stderr
    assert "Traceback" not in checked.stderr


def test_users_can_be_created_listed_and_disabled(tmp_path: Path) -> None:
    run_cli(tmp_path, "migrate")
    created = run_cli(tmp_path, "users", "create", "Ops@Example.org", "--role", "trader", "--password", "a-long-password-1")
    assert created.returncode == 0, created.stderr
    assert run_cli(tmp_path, "users", "disable", "ops@example.org").returncode == 0
    listed = run_cli(tmp_path, "users", "list", "--json")
    assert json.loads(listed.stdout) == [{"id": 1, "email": "ops@example.org", "role": "trader", "active": False}]


def test_an_operator_resets_a_password_from_the_cli_and_older_tokens_stop_working(tmp_path: Path) -> None:
    run_cli(tmp_path, "migrate")
    run_cli(tmp_path, "users", "create", "ops@example.org", "--password", "a-long-password-1")
    reset = run_cli(tmp_path, "users", "set-password", "ops@example.org", "--password", "another-password-2")
    assert reset.returncode == 0, reset.stderr
    with sqlite3.connect(tmp_path / "data" / "cli.db") as db:
        password_hash, token_version = db.execute(
            "select password_hash, token_version from users where email = 'ops@example.org'"
        ).fetchone()
        audit = db.execute("select actor, action, target from audit_events").fetchall()
    assert verify_password(password_hash, "another-password-2")
    assert not verify_password(password_hash, "a-long-password-1")
    assert token_version == 1  # tokens carry the version they were issued under
    assert ("cli", "password_set", "ops@example.org") in audit


def test_a_duplicate_user_is_one_clear_line_and_exit_code_1(tmp_path: Path) -> None:
    run_cli(tmp_path, "migrate")
    args = ("users", "create", "a@example.org", "--password", "a-long-password-1")
    run_cli(tmp_path, *args)
    again = run_cli(tmp_path, *args)
    assert again.returncode == 1
    assert again.stderr.strip() == "error: a user with e-mail a@example.org already exists"


def test_a_short_password_is_refused_before_touching_the_database(tmp_path: Path) -> None:
    result = run_cli(tmp_path, "users", "create", "a@example.org", "--password", "short")
    assert result.returncode == 1
    assert "at least 12 characters" in result.stderr


def test_unsafe_production_settings_print_one_line_per_problem(tmp_path: Path) -> None:
    result = run_cli(tmp_path, "serve", APP_ENV="production", JWT_SECRET_KEY="change-me", ALLOWED_ORIGINS="*")
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert lines == [
        "error: JWT_SECRET_KEY is a placeholder value: replace it with a real secret",
        "error: ALLOWED_ORIGINS must not be '*' in production: list the dashboard's URL(s)",
    ]


@pytest.mark.parametrize("bad", ["not-a-mode"])
def test_malformed_settings_name_the_variable(tmp_path: Path, bad: str) -> None:
    result = run_cli(tmp_path, "check", TRADING_MODE=bad)
    assert result.returncode == 2
    assert "TRADING_MODE" in result.stderr
    assert "Traceback" not in result.stderr


def free_port() -> int:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_sim_serves_delta_tickers_and_prints_the_credentials_it_accepts(tmp_path: Path) -> None:
    import time

    import httpx

    port = free_port()
    process = subprocess.Popen(
        [*CLI, "sim", "--port", str(port), "--seed", "11"],
        cwd=tmp_path,
        env={"PATH": os.environ["PATH"]},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        deadline = time.monotonic() + 60
        body = None
        while time.monotonic() < deadline and body is None:
            try:
                response = httpx.get(f"http://127.0.0.1:{port}/v2/tickers", params={"contract_types": "put_options"})
                body = response.json()
            except httpx.TransportError:
                time.sleep(0.1)  # the server is still starting; poll until the deadline
        assert body is not None, "the simulator never answered"
        assert body["success"] is True
        assert body["result"]
        assert all(t["contract_type"] == "put_options" for t in body["result"])
    finally:
        process.terminate()
        output, _ = process.communicate(timeout=30)
    assert "api key:" in output
    assert "api secret:" in output


def test_sim_refuses_a_missing_fault_plan_in_one_line(tmp_path: Path) -> None:
    result = run_cli(tmp_path, "sim", "--faults", "nope.toml")
    assert result.returncode == 1
    assert result.stderr.strip() == "error: fault plan nope.toml does not exist"
