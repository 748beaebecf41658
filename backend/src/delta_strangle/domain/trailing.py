"""Risk state carried from tick to tick: the profit peak, the step trailing floor, drawdown, stopped legs.

The engine persists this state so a restart resumes with the same peak and floor. The floor only ratchets
up: once a profit level is locked, a later tick, a lower peak or an edited step table cannot unlock it.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

from pydantic import BaseModel, ConfigDict

from delta_strangle.domain.config import ExitConfig, TrailingStep

ZERO = Decimal(0)


class RiskState(BaseModel):
    """Percentages are net PnL as a percent of premium collected."""

    model_config = ConfigDict(frozen=True)

    peak_net_pct: Decimal | None = None
    floor_pct: Decimal | None = None
    max_drawdown_pct: Decimal = ZERO
    stopped_legs: tuple[str, ...] = ()

    def with_stopped_legs(self, symbols: Sequence[str]) -> RiskState:
        """Remember legs whose per-leg stop fired, so their survivor knows."""
        merged = tuple(dict.fromkeys((*self.stopped_legs, *symbols)))
        return self.model_copy(update={"stopped_legs": merged})


def step_lock(steps: Sequence[TrailingStep], peak_pct: Decimal) -> Decimal | None:
    """Return the highest lock among steps whose trigger the peak has reached, or None."""
    reached = [step.lock_profit_pct for step in steps if peak_pct >= step.trigger_profit_pct]
    return max(reached) if reached else None


def advance(state: RiskState, net_pct: Decimal, exits: ExitConfig) -> RiskState:
    """Fold one fresh PnL reading into the state: raise the peak and the floor, never lower them."""
    peak = net_pct if state.peak_net_pct is None else max(state.peak_net_pct, net_pct)
    floor = state.floor_pct
    lock = step_lock(exits.trailing_steps, peak)
    if lock is not None:
        floor = lock if floor is None else max(floor, lock)
    drawdown = max(state.max_drawdown_pct, peak - net_pct)
    return state.model_copy(update={"peak_net_pct": peak, "floor_pct": floor, "max_drawdown_pct": drawdown})


def giveback_armed(state: RiskState, exits: ExitConfig) -> bool:
    """Tell whether the peak has reached the give-back trail's activation level."""
    if exits.giveback_activate_pct is None or state.peak_net_pct is None:
        return False
    return state.peak_net_pct >= exits.giveback_activate_pct
