"""Operator commands: what each does to the session, and that a refused one changes nothing."""

from pathlib import Path

import pytest

from delta_strangle.domain.session import Arm, Disarm, SessionState
from delta_strangle.engine.commands import CommandRefusedError
from tests.engine.harness import build_harness, profile


async def test_a_stop_without_a_mode_while_live_is_refused_and_changes_nothing(tmp_path: Path) -> None:
    h = await build_harness(tmp_path)
    try:
        await h.engine.arm(Arm(config=profile()))
        await h.run_until(lambda: h.state() == "live", max_seconds=7200)
        with pytest.raises(CommandRefusedError, match="choose keep_monitoring or flatten"):
            await h.engine.disarm(Disarm())
        session = h.engine.session
        assert session is not None
        assert session.state is SessionState.LIVE
        assert session.rearm is True  # the refused stop did not quietly disarm the next cycle
    finally:
        await h.close()
