"""The `Exchange` protocol: everything the engine asks of an exchange, in domain types.

Implementations: `exchange.delta.DeltaExchange` (real Delta Exchange India) and
`exchange.sim.SimulatedExchange` (in-process simulator). Errors follow `exchange.errors`.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import Protocol, runtime_checkable

from delta_strangle.domain.instruments import OptionContract, Underlying
from delta_strangle.domain.market import OptionChain, Quote
from delta_strangle.domain.orders import Fill, Order, OrderRequest, Position, WalletBalance


@runtime_checkable
class Exchange(Protocol):
    """The one interface the engine trades through."""

    async def list_option_contracts(self, underlying: Underlying, expiry: date | None = None) -> list[OptionContract]:
        """Return live option products of an underlying, optionally for one expiry date."""
        ...

    async def get_option_chain(self, underlying: Underlying, expiry: date) -> OptionChain:
        """Return every option of an underlying and expiry with its quote."""
        ...

    async def get_spot(self, underlying: Underlying) -> Decimal:
        """Return the underlying's index price."""
        ...

    async def get_quote(self, symbol: str) -> Quote:
        """Return the current ticker of one product."""
        ...

    def stream_quotes(self, symbols: Sequence[str]) -> AsyncIterator[Quote]:
        """Yield quotes for these symbols as they change, until the consumer stops."""
        ...

    def stream_account_events(self) -> AsyncIterator[Order | Fill | Position]:
        """Yield our order updates, fills and position changes as they happen."""
        ...

    async def place_order(self, request: OrderRequest) -> Order:
        """Send an order. Raises UnknownOutcomeError when its fate is unknown."""
        ...

    async def cancel_order(self, product_id: int, order_id: str) -> Order:
        """Cancel one open order and return its final state; NotFoundError when it is no longer open."""
        ...

    async def get_order(self, order_id: str) -> Order:
        """Return an order by the exchange's id."""
        ...

    async def find_order_by_client_id(self, client_order_id: str) -> Order | None:
        """Return the order with this client order id, or None when the exchange has none."""
        ...

    async def list_open_orders(self, product_ids: Sequence[int]) -> list[Order]:
        """Return open orders on these products."""
        ...

    async def list_fills(self, since: datetime, product_ids: Sequence[int]) -> list[Fill]:
        """Return our fills on these products since an instant, oldest first."""
        ...

    async def list_positions(self, product_ids: Sequence[int]) -> list[Position]:
        """Return our positions on these products (flat ones may be omitted)."""
        ...

    async def get_wallet_balance(self, asset: str = "USD") -> WalletBalance:
        """Return the wallet balance of one asset."""
        ...

    async def cancel_all_orders(self, product_ids: Sequence[int]) -> None:
        """Cancel every open order on these products (never others)."""
        ...

    async def close_positions(self, product_ids: Sequence[int]) -> list[Order]:
        """Flatten our positions on these products with reduce-only orders (never others)."""
        ...

    async def heartbeat(self, ttl_seconds: int) -> None:
        """Arm or refresh the exchange's deadman switch for this many seconds."""
        ...

    async def aclose(self) -> None:
        """Release connections."""
        ...
