"""The simulator's margin rule for options (Delta does not publish its formula; see docs/simulator.md).

Short option: |size| x cv x (mark + IM% x index). Long option: the premium is paid up front, no margin.
A resting sell that would open or grow a short blocks the short's margin at its limit price; a resting
buy blocks its premium.
"""

from __future__ import annotations

from decimal import Decimal

from delta_strangle.exchange.sim.config import MarginModel

HUNDRED = Decimal(100)


def short_margin(model: MarginModel, *, contracts: int, contract_value: Decimal, mark: Decimal,
                 index_price: Decimal) -> Decimal:
    """Return the initial margin of `contracts` short options (contracts >= 0)."""
    return contracts * contract_value * (mark + model.initial_margin_pct / HUNDRED * index_price)


def opening_contracts(position_size: int, side_sign: int, size: int) -> int:
    """Return how many of an order's contracts open or grow a position (the rest reduce it)."""
    if position_size == 0 or (position_size > 0) == (side_sign > 0):
        return size
    return max(0, size - abs(position_size))
