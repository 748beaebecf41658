"""Long-running services that live beside the API (log tailer, retention, engine runner)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol


@dataclass(frozen=True)
class ServiceHealth:
    alive: bool
    detail: dict[str, Any] = field(default_factory=dict)


class BackgroundService(Protocol):
    name: str

    async def start(self) -> None:
        """Start the service's task(s); return promptly."""
        ...

    async def stop(self) -> None:
        """Stop the service and wait for it to finish."""
        ...

    def health(self) -> ServiceHealth:
        """Report whether the service runs, with details for /api/ready."""
        ...
