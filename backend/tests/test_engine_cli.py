"""`delta-strangle engine-status`: what the deploy script asks before it stops the backend (a real subprocess)."""

import json
import os
import subprocess
import sys
from pathlib import Path

from delta_strangle.domain.session import Arm, Disarm, StopMode
from tests.engine.harness import build_harness, profile


def engine_status(tmp_path: Path) -> dict[str, int]:
    environment = {"PATH": os.environ["PATH"], "DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'engine.db'}",
                   "BACKEND_LOG_PATH": str(tmp_path / "logs" / "backend.log")}
    result = subprocess.run([sys.executable, "-m", "delta_strangle", "engine-status", "--json"], cwd=tmp_path,
                            env=environment, capture_output=True, text=True, timeout=60, check=True)
    answer: dict[str, int] = json.loads(result.stdout)
    return answer


async def test_engine_status_counts_a_live_strangle_until_it_is_flat(tmp_path: Path) -> None:
    # The predecessor's deploy ran `docker compose down` in the middle of live sessions.
    h = await build_harness(tmp_path)
    try:
        await h.engine.arm(Arm(config=profile()))
        assert engine_status(tmp_path) == {"open_positions": 0, "live_sessions": 0}  # armed, nothing held yet
        await h.run_until(lambda: h.state() == "live", max_seconds=1800)
        assert engine_status(tmp_path) == {"open_positions": 2, "live_sessions": 1}
        await h.until_awaited(h.engine.disarm(Disarm(mode=StopMode.FLATTEN)))
        await h.run_until(lambda: h.engine.last_session is not None, max_seconds=900)
        await h.quiesce()
        assert engine_status(tmp_path) == {"open_positions": 0, "live_sessions": 0}
    finally:
        await h.close()
