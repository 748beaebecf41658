"""The trading runner as a route dependency (`TradingDep`), read from the app where the composition root put it."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, HTTPException, Request, status

from delta_strangle.engine.runner import TradingRunner


def get_trading(request: Request) -> TradingRunner:
    runner: TradingRunner | None = getattr(request.app.state, "trading", None)
    if runner is None:
        raise HTTPException(status.HTTP_503_SERVICE_UNAVAILABLE, "the trading engine is not part of this app")
    return runner


TradingDep = Annotated[TradingRunner, Depends(get_trading)]
