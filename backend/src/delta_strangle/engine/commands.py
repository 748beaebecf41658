"""The operator's commands: arm, stop (disarm), restart and panic.

Each runs inside the engine loop (`TradingEngine._submit`), so a command is serialised with quotes, ticks and
fills; one that must not overlap a running job aborts it and awaits its end first. A refused command changes
nothing.
"""

from __future__ import annotations

import secrets
import string
from dataclasses import dataclass
from typing import TYPE_CHECKING

from delta_strangle.domain.schedule import DayPlan, next_plan
from delta_strangle.domain.session import (
    OPERATOR_STOP,
    PANIC,
    STOPPED_BEFORE_ENTRY,
    Arm,
    Disarm,
    SessionState,
    StopMode,
)
from delta_strangle.engine import lifecycle, recovery
from delta_strangle.engine.records import SessionRecord
from delta_strangle.engine.scheduling import enter_now_plan

if TYPE_CHECKING:
    from delta_strangle.engine.engine import TradingEngine

_TOKEN_ALPHABET = string.ascii_lowercase + string.digits
_HOLDS_POSITIONS = (SessionState.LIVE, SessionState.EXITING, SessionState.HALTED)


class CommandRefusedError(Exception):
    """An operator command that cannot apply in the current state (mapped to HTTP 409)."""


@dataclass(frozen=True)
class CommandResult:
    status: str
    message: str
    session_id: int | None = None


async def arm(engine: TradingEngine, command: Arm) -> CommandResult:
    """Open a waiting session for the profile (refused while another session is open)."""
    if engine.session is not None:
        raise CommandRefusedError(f"session {engine.session.id} is {engine.session.state.value}: stop it first")
    now = engine.clock.now()
    plan = enter_now_plan(command.config.schedule, now) if command.enter_now else next_plan(
        command.config.schedule, now
    )
    session = new_session(engine, command, plan, failed_entries_in_row=0)  # the trader's arm starts the count again
    await engine.journal.create_session(session)
    engine.session = session
    await engine.journal.event(
        session.id, "armed", f"armed {session.profile_name}: entry {plan.entry_at.isoformat()}",
        actor=command.actor, enter_now=command.enter_now, config_version=command.config_version,
    )
    engine.wake()  # do not wait for the idle clock loop to notice
    return CommandResult("waiting", f"armed; entry at {plan.entry_at.isoformat()}", session.id)


def new_session(engine: TradingEngine, command: Arm, plan: DayPlan, *, failed_entries_in_row: int | None = None
                ) -> SessionRecord:
    """A waiting session of this engine's account and mode for the command's profile and day plan.

    Without `failed_entries_in_row` the session is the next cycle the engine arms itself (`TradingEngine.finish`,
    called with the finished session as `engine.last_session`): it carries that session's count of failed entries
    in a row, so the kill switch counts across cycles (domain/entry_limits.py).
    """
    now = engine.clock.now()
    if failed_entries_in_row is None:
        previous = engine.last_session
        failed_entries_in_row = previous.failed_entries_in_row if previous is not None else 0
    return SessionRecord(
        account=engine.account, mode=engine.mode, token="".join(secrets.choice(_TOKEN_ALPHABET) for _ in range(4)),
        profile_name=command.config.name, profile_id=command.profile_id, config_version=command.config_version,
        config=command.config, state=SessionState.WAITING, created_at=now, updated_at=now,
        enter_now=command.enter_now, plan=plan, started_by=command.actor,
        failed_entries_in_row=failed_entries_in_row,
    )


async def disarm(engine: TradingEngine, command: Disarm) -> CommandResult:
    """Stop the profile: no next cycle; open positions are kept monitored or flattened, as the operator chose.

    A stop during entry always ends flat whatever the mode: the entry is aborted and whatever filled bought
    back, or, when the entry completed before the abort reached it, both legs are flattened.
    """
    session = engine.session
    if session is None:
        return CommandResult("idle", "nothing armed")
    if command.mode is None and session.state in _HOLDS_POSITIONS:
        # Refused before anything changes: a refused stop must not quietly disarm the next cycle.
        raise CommandRefusedError("positions are open: choose keep_monitoring or flatten")
    session.rearm = False
    if session.state is SessionState.WAITING:
        session.exit_reason = STOPPED_BEFORE_ENTRY
        await engine.finish(session)
        return CommandResult("stopped", "disarmed before entry", session.id)
    if session.state is SessionState.ENTERING:
        engine.abort_reason = OPERATOR_STOP
        await engine.abort_job()  # the entry job unwinds whatever filled
        if not session.open_legs:  # unwound (or nothing had filled)
            return CommandResult("stopped", "entry aborted; anything filled was bought back", session.id)
        # The entry completed before the abort reached it: the operator asked to stop, so flatten now
        # rather than report an unwind that did not happen.
        _flatten(engine, session, "stopped during entry")
        return CommandResult("exiting", "entry completed before the stop; flattening now", session.id)
    if command.mode is StopMode.KEEP_MONITORING:
        await engine.journal.save_now(session)
        await engine.journal.event(session.id, "disarmed", "stopped: keep monitoring until an exit rule fires")
        return CommandResult(session.state.value, "disarmed; open positions stay monitored", session.id)
    if session.state is SessionState.EXITING:
        return CommandResult("exiting", "already exiting; will not re-arm", session.id)
    if session.state is SessionState.HALTED:
        return await panic(engine)
    engine.abort_reason = OPERATOR_STOP
    await engine.abort_job()  # a job may still be finishing (entry just went live, or a one-leg exit)
    if session.state is SessionState.DONE:
        return CommandResult("stopped", "flat", session.id)
    _flatten(engine, session, "stopped with flatten")
    return CommandResult("exiting", "flattening now", session.id)


def _flatten(engine: TradingEngine, session: SessionRecord, detail: str) -> None:
    symbols = tuple(leg.symbol for leg in session.open_legs)
    engine.start_job(lambda abort: lifecycle.run_exit(engine, session, OPERATOR_STOP, detail, symbols, abort))


async def restart(engine: TradingEngine) -> CommandResult:
    """Reconcile the session with the exchange again (a halted one may carry on) and resume."""
    await engine.abort_job()
    await recovery.recover(engine, resume_halted=True)
    engine.watch_symbols(engine.session)
    state = engine.session.state.value if engine.session else "idle"
    return CommandResult(state, "reconciled with the exchange", engine.session.id if engine.session else None)


async def panic(engine: TradingEngine) -> CommandResult:
    """Abort any job, cancel the session's orders and flatten its positions; idempotent."""
    session = engine.session
    if session is None:
        return CommandResult("idle", "no session: nothing to flatten")
    session.rearm = False
    engine.abort_reason = PANIC
    await engine.abort_job()
    if session.state is SessionState.DONE:  # the aborted job already bought everything back and confirmed it
        return CommandResult("stopped", "flat: the aborted entry was unwound and confirmed", session.id)
    await engine.journal.event(session.id, "panic", "panic: cancelling orders and flattening", level="warning")
    message = await lifecycle.run_panic(engine, session)
    state = session.state.value
    return CommandResult("halted" if state == "halted" else "stopped", message, session.id)
