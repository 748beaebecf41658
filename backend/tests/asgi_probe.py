"""Drive an ASGI app by hand: the test sees every message the app sends, the moment it sends it.

httpx's in-process transport returns a response only once the app has finished it, so it cannot
show that a stream was open before something ended it; these helpers can.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from typing import Any

from fastapi import FastAPI


class AsgiCall:
    """One request or WebSocket in flight; `sent` holds the app's messages in order."""

    def __init__(self, app: FastAPI, scope: dict[str, Any], incoming: Sequence[dict[str, Any]]) -> None:
        self.sent: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
        self._incoming = list(incoming)
        self.task = asyncio.create_task(app(scope, self._receive, self._send))

    async def _receive(self) -> dict[str, Any]:
        if self._incoming:
            return self._incoming.pop(0)
        await asyncio.Event().wait()  # the client stays connected and says nothing more
        raise AssertionError("unreachable")

    async def _send(self, message: dict[str, Any]) -> None:
        await self.sent.put(message)

    async def next_message(self, within_seconds: float = 20) -> dict[str, Any]:
        async with asyncio.timeout(within_seconds):
            return await self.sent.get()

    async def finished(self, within_seconds: float = 20) -> None:
        async with asyncio.timeout(within_seconds):
            await self.task


def http_scope(path: str, headers: dict[str, str]) -> dict[str, Any]:
    return {
        "type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "GET", "scheme": "http",
        "path": path, "raw_path": path.encode(), "query_string": b"", "root_path": "",
        "headers": [(b"host", b"testserver")] + [(k.lower().encode(), v.encode()) for k, v in headers.items()],
        "client": ("127.0.0.1", 50001), "server": ("testserver", 80),
    }  # fmt: skip


def websocket_scope(path: str) -> dict[str, Any]:
    return {
        "type": "websocket", "asgi": {"version": "3.0"}, "http_version": "1.1", "scheme": "ws", "path": path,
        "raw_path": path.encode(), "query_string": b"", "root_path": "", "headers": [(b"host", b"testserver")],
        "client": ("127.0.0.1", 50002), "server": ("testserver", 80), "subprotocols": [],
    }  # fmt: skip
