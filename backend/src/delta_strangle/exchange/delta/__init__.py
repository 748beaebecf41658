"""The real Delta Exchange India client: REST v2 + WebSocket behind the engine's `Exchange` protocol."""

from delta_strangle.exchange.delta.exchange import DeltaExchange
from delta_strangle.exchange.delta.urls import INDIA_PRODUCTION, INDIA_TESTNET, DeltaEndpoints, endpoints_for

__all__ = ["INDIA_PRODUCTION", "INDIA_TESTNET", "DeltaEndpoints", "DeltaExchange", "endpoints_for"]
