"""One engine per account: a lease in the database, renewed by heartbeat, that survives a crash cleanly.

A holder that stops renewing loses the lease when it expires. On the same host a holder whose process is gone
(SIGKILL, OOM) is replaced at once, so a restarted container does not wait out the lease.
"""

from __future__ import annotations

import os
import socket
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

import psutil

from delta_strangle.clock import Clock


class LeaseRow(Protocol):
    holder: str
    host: str
    pid: int
    lease_until: datetime


class LockStore(Protocol):
    async def holder_of(self, account: str) -> LeaseRow | None:
        """Return the current lease of an account."""
        ...

    async def take(
        self, account: str, *, holder: str, host: str, pid: int, now: datetime, lease_until: datetime,
        replace_holder: str | None,
    ) -> bool:
        """Write our lease if allowed; True when we hold it."""
        ...

    async def release(self, account: str, holder: str) -> None:
        """Drop our lease."""
        ...


@dataclass
class LockStatus:
    held: bool
    holder: str | None = None
    detail: str = ""


class InstanceLock:
    def __init__(self, store: LockStore, clock: Clock, account: str, *, lease_seconds: float = 15.0) -> None:
        self.store = store
        self.clock = clock
        self.account = account
        self.lease = timedelta(seconds=lease_seconds)
        self.holder = uuid.uuid4().hex
        self.host = socket.gethostname()
        self.pid = os.getpid()
        self.held = False

    async def acquire(self) -> LockStatus:
        """Take or renew the lease when it is free, ours, expired, or held by a dead process on this host."""
        now = self.clock.now()
        current = await self.store.holder_of(self.account)
        replace = None
        if current is not None and current.holder != self.holder:
            expired = current.lease_until <= now
            dead = current.host == self.host and not _alive(current.pid)
            if not (expired or dead):
                self.held = False
                return LockStatus(False, current.holder, f"held by pid {current.pid} on {current.host}")
            replace = current.holder
        self.held = await self.store.take(
            self.account, holder=self.holder, host=self.host, pid=self.pid, now=now, lease_until=now + self.lease,
            replace_holder=replace,
        )
        return LockStatus(self.held, self.holder if self.held else None)

    async def release(self) -> None:
        if self.held:
            await self.store.release(self.account, self.holder)
            self.held = False


def _alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        process = psutil.Process(pid)
        return bool(process.status() != psutil.STATUS_ZOMBIE)
    except psutil.Error:
        return False
