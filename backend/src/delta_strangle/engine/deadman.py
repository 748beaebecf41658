"""The exchange's deadman switch: refreshed while we hold positions or work orders, released when flat.

If this process dies, the exchange cancels our open orders once the TTL lapses, so no stale child order
can fill while nothing is watching. Positions themselves stay; recovery picks them up on restart.
"""

from __future__ import annotations

import logging
from datetime import datetime

from delta_strangle.clock import Clock
from delta_strangle.exchange.base import Exchange
from delta_strangle.exchange.errors import ExchangeError

logger = logging.getLogger(__name__)


class Deadman:
    def __init__(self, exchange: Exchange, clock: Clock, ttl_seconds: int = 30) -> None:
        self.exchange = exchange
        self.clock = clock
        self.ttl_seconds = ttl_seconds
        self.armed = False
        self.last_beat: datetime | None = None
        self.failures = 0

    async def beat(self, exposed: bool) -> None:
        """Refresh the switch (every third of its TTL) while exposed; release it once when no longer exposed."""
        now = self.clock.now()
        if exposed:
            due = self.last_beat is None or (now - self.last_beat).total_seconds() >= self.ttl_seconds / 3
            if not due:
                return
            await self._send(self.ttl_seconds)
            self.armed, self.last_beat = True, now
        elif self.armed:
            await self._send(0)
            self.armed, self.last_beat = False, None

    async def _send(self, ttl: int) -> None:
        try:
            await self.exchange.heartbeat(ttl)
            self.failures = 0
        except ExchangeError as exc:
            self.failures += 1
            logger.warning("deadman heartbeat failed", extra={"event": "deadman_heartbeat_failed", "error": str(exc)})
