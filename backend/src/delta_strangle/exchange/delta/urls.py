"""Where Delta Exchange India lives: REST and WebSocket base URLs per environment.

Only India production and India testnet ("Demo"). The global testnet (`testnet-api.delta.exchange`)
is a different exchange: India keys are rejected there, which is the mistake the predecessor made.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class DeltaEndpoints:
    """The three addresses of one Delta environment."""

    rest: str
    private_ws: str
    public_ws: str


INDIA_PRODUCTION = DeltaEndpoints(
    rest="https://api.india.delta.exchange",
    private_ws="wss://socket.india.delta.exchange",
    public_ws="wss://public-socket.india.delta.exchange",
)

INDIA_TESTNET = DeltaEndpoints(
    rest="https://cdn-ind.testnet.deltaex.org",
    private_ws="wss://socket-ind.testnet.deltaex.org",
    public_ws="wss://socket-ind-pub.testnet.deltaex.org",
)

_BY_NAME = {"india-production": INDIA_PRODUCTION, "india-testnet": INDIA_TESTNET}


def endpoints_for(environment: str) -> DeltaEndpoints:
    """Return the endpoints of an environment named like `Settings.delta_environment`."""
    try:
        return _BY_NAME[str(environment)]
    except KeyError:
        raise ValueError(f"unknown Delta environment {environment!r}; expected one of {sorted(_BY_NAME)}") from None
