"""scripts/backup.sh takes a consistent copy while the database is being written, and
scripts/restore.sh puts it back (keeping the replaced database aside)."""

from __future__ import annotations

import os
import shutil
import sqlite3
import stat
import subprocess
import tarfile
import threading
from pathlib import Path

from .conftest import REPO_ROOT, wait_until


def make_install(tmp_path: Path) -> Path:
    install = tmp_path / "install"
    for name in ("scripts/backup.sh", "scripts/restore.sh", "scripts/lib/envfile.sh", "docker-compose.prod.yml"):
        (install / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(REPO_ROOT / name, install / name)
    (install / ".env.prod").write_text(f"APP_UID={os.getuid()}\nAPP_GID={os.getgid()}\nJWT_SECRET_KEY=s3cret-value\n")
    (install / "data").mkdir()
    return install


def run(install: Path, *args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["bash", *args], cwd=install, capture_output=True, text=True, timeout=120, env={**os.environ, **(env or {})}
    )


def test_online_backup_and_restore(tmp_path: Path) -> None:
    install = make_install(tmp_path)
    db = install / "data" / "delta_trader.db"
    connection = sqlite3.connect(db)
    connection.execute("PRAGMA journal_mode=WAL")
    connection.execute("CREATE TABLE fills (id INTEGER PRIMARY KEY, leg TEXT, qty INTEGER)")
    connection.commit()

    # A writer keeps inserting, each transaction two rows that must never be split.
    stop = threading.Event()
    written = {"transactions": 0}

    def writer() -> None:
        conn = sqlite3.connect(db, timeout=30)
        while not stop.is_set():
            with conn:
                conn.execute("INSERT INTO fills (leg, qty) VALUES ('call', 1)")
                conn.execute("INSERT INTO fills (leg, qty) VALUES ('put', 1)")
            written["transactions"] += 1
        conn.close()

    thread = threading.Thread(target=writer)
    thread.start()
    try:
        wait_until(lambda: written["transactions"] > 200, timeout=20, what="the writer to get going")
        result = run(install, "scripts/backup.sh", "--keep", "2")
    finally:
        stop.set()
        thread.join(timeout=30)
    assert result.returncode == 0, result.stderr
    archives = sorted((install / "backups").glob("delta-strangle-*.tar.gz"))
    assert len(archives) == 1
    archive = archives[0]
    assert stat.S_IMODE(archive.stat().st_mode) == 0o600
    with tarfile.open(archive) as tar:
        names = {Path(name).name for name in tar.getnames()}
    assert {"delta_trader.db", ".env.prod", "docker-compose.prod.yml", "COMMIT"} <= names

    final_rows = connection.execute("SELECT COUNT(*) FROM fills").fetchone()[0]
    connection.close()

    restored = run(install, "scripts/restore.sh", "--with-config", str(archive), env={"DOCKER": "false-docker-absent"})
    assert restored.returncode == 0, restored.stderr
    check = sqlite3.connect(db)
    calls, puts = (check.execute(f"SELECT COUNT(*) FROM fills WHERE leg='{leg}'").fetchone()[0] for leg in ("call", "put"))
    assert check.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    check.close()
    assert calls == puts > 0  # a consistent snapshot: no half transaction
    assert calls * 2 < final_rows  # taken mid-flight, older than the final state
    aside = list((install / "data").glob("pre-restore-*/delta_trader.db"))
    assert len(aside) == 1  # the replaced database was kept
    assert (install / ".env.prod").read_text().startswith("APP_UID=")
    assert list(install.glob(".env.prod.pre-restore-*"))


def test_restore_refuses_while_the_backend_runs(tmp_path: Path) -> None:
    install = make_install(tmp_path)
    sqlite3.connect(install / "data" / "delta_trader.db").execute("CREATE TABLE t (x)").connection.commit()
    assert run(install, "scripts/backup.sh").returncode == 0
    archive = next((install / "backups").glob("*.tar.gz"))
    fake = tmp_path / "docker"
    fake.write_text("#!/bin/sh\necho fake-backend-cid\n")
    fake.chmod(0o755)
    result = run(install, "scripts/restore.sh", str(archive), env={"DOCKER": str(fake)})
    assert result.returncode == 1
    assert "stop the stack first" in result.stderr
    assert not list((install / "data").glob("pre-restore-*"))


def test_backup_retention(tmp_path: Path) -> None:
    install = make_install(tmp_path)
    sqlite3.connect(install / "data" / "delta_trader.db").execute("CREATE TABLE t (x)").connection.commit()
    (install / "backups").mkdir()
    for day in ("20250101T000000Z", "20250102T000000Z", "20250103T000000Z"):
        (install / "backups" / f"delta-strangle-{day}.tar.gz").write_text("old")
    assert run(install, "scripts/backup.sh", "--keep", "2").returncode == 0
    kept = sorted(p.name for p in (install / "backups").glob("*.tar.gz"))
    assert len(kept) == 2
    assert "delta-strangle-20250103T000000Z.tar.gz" in kept
