from pathlib import Path

from delta_strangle.domain.session import Arm, SessionState
from tests.engine.harness import build_harness, profile


async def test_an_armed_profile_enters_at_its_entry_time_and_goes_live(tmp_path: Path) -> None:
    h = await build_harness(tmp_path)
    try:
        result = await h.engine.arm(Arm(config=profile()))
        assert result.status == "waiting"
        await h.run_until(lambda: h.state() == "live", max_seconds=7200)
        session = h.engine.session
        assert session is not None
        assert session.state is SessionState.LIVE
        assert session.sizes == {leg.symbol: -2 for leg in session.legs.values()}
        assert await h.positions() == session.sizes
    finally:
        await h.close()
