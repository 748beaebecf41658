"""What the simulated exchange announces, and the bus that fans it out to streams and WebSocket clients."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, replace
from datetime import datetime

from delta_strangle.exchange.sim.accounts import SimFill, SimOrder, SimPosition


@dataclass(frozen=True)
class MarketStepped:
    time: datetime


@dataclass(frozen=True)
class OrderChanged:
    user_id: int
    order: SimOrder
    action: str  # create | update | delete, as Delta's `orders` channel
    reason: str


@dataclass(frozen=True)
class FillHappened:
    user_id: int
    fill: SimFill


@dataclass(frozen=True)
class PositionChanged:
    user_id: int
    position: SimPosition
    action: str


@dataclass(frozen=True)
class MarginChanged:
    user_id: int


SimEvent = MarketStepped | OrderChanged | FillHappened | PositionChanged | MarginChanged


class Subscription:
    """One listener's queue of events; close it when done."""

    def __init__(self, bus: EventBus) -> None:
        self._bus = bus
        self.queue: asyncio.Queue[SimEvent] = asyncio.Queue()

    async def get(self) -> SimEvent:
        return await self.queue.get()

    def close(self) -> None:
        self._bus.unsubscribe(self)


class EventBus:
    def __init__(self) -> None:
        self._subscriptions: list[Subscription] = []

    def subscribe(self) -> Subscription:
        subscription = Subscription(self)
        self._subscriptions.append(subscription)
        return subscription

    def unsubscribe(self, subscription: Subscription) -> None:
        if subscription in self._subscriptions:
            self._subscriptions.remove(subscription)

    def publish(self, event: SimEvent) -> None:
        """Deliver an event to every subscriber (records are copied: listeners never see later mutations)."""
        if not self._subscriptions:
            return
        if isinstance(event, OrderChanged):
            event = replace(event, order=replace(event.order))
        elif isinstance(event, PositionChanged):
            event = replace(event, position=replace(event.position))
        for subscription in list(self._subscriptions):
            subscription.queue.put_nowait(event)
