"""The command-line composition root: serve, sim, migrate, check, users, engine-status.

Errors are one clear line on stderr and a non-zero exit code, never a traceback.
"""

from __future__ import annotations

import asyncio
import json
import sys
from collections.abc import Callable, Coroutine
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer
from pydantic import ValidationError
from rich.console import Console
from rich.table import Table
from sqlalchemy.exc import SQLAlchemyError

from delta_strangle.clock import WallClock
from delta_strangle.engine_cli import engine_status
from delta_strangle.security import hash_password
from delta_strangle.settings import MIN_PASSWORD_LENGTH, Settings, SettingsError, get_settings
from delta_strangle.store import users
from delta_strangle.store.db import create_engine, create_session_factory, transaction
from delta_strangle.store.migrate import current_revisions, describe, head_revisions, upgrade_to_head
from delta_strangle.store.tables import UserRow

app = typer.Typer(help="Delta Strangle Control Plane", no_args_is_help=True, add_completion=False)
users_app = typer.Typer(help="Manage users (there is no open registration).", no_args_is_help=True)
app.add_typer(users_app, name="users")
app.command("engine-status")(engine_status)
console = Console()
T = TypeVar("T")


class CliError(Exception):
    """A failure to report as one line."""


def _settings() -> Settings:
    try:
        return get_settings()
    except ValidationError as exc:
        problems = [f"{'.'.join(str(p) for p in err['loc']).upper()}: {err['msg']}" for err in exc.errors()]
        raise SettingsError(problems) from exc


def _run(factory: Callable[[Settings], Coroutine[Any, Any, T]]) -> T:
    settings = _settings()
    return asyncio.run(factory(settings))


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="Interface to bind")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on")] = 8001,
) -> None:
    """Apply migrations, then run the API (one worker: the engine lives in this process)."""
    import uvicorn

    from delta_strangle.app import create_app

    settings = _settings()
    settings.validate_for_start()
    upgrade_to_head(settings.database_url)
    uvicorn.run(create_app(settings), host=host, port=port, workers=1, log_config=None, proxy_headers=True)


@app.command()
def sim(
    port: Annotated[int, typer.Option(help="Port for REST and WebSocket")] = 8010,
    host: Annotated[str, typer.Option(help="Interface to bind")] = "127.0.0.1",
    seed: Annotated[int, typer.Option(help="Seed of the simulated market and of its faults")] = 7,
    faults: Annotated[Path | None, typer.Option(help="Fault plan file (TOML or JSON)")] = None,
    fault: Annotated[list[str] | None, typer.Option(help="One fault rule, e.g. http_5xx:probability=0.2")] = None,
    state: Annotated[Path | None, typer.Option(help="JSON file keeping the simulator's state across restarts")] = None,
) -> None:
    """Run the simulated Delta Exchange as a stand-alone server speaking Delta's REST and WebSocket protocol."""
    from delta_strangle.exchange.sim.server.run import run_sim_server

    if faults is not None and not faults.is_file():
        raise CliError(f"fault plan {faults} does not exist")
    asyncio.run(run_sim_server(host, port, seed, faults, fault_flags=fault or [], state_path=state))


@app.command()
def migrate() -> None:
    """Apply every pending database migration."""
    settings = _settings()
    upgrade_to_head(settings.database_url)
    console.print(f"database at revision {describe(head_revisions())}")


@app.command()
def check() -> None:
    """Validate settings and the database; print every problem found."""
    settings = _settings()
    problems = settings.production_problems() if settings.is_production else []

    async def _db() -> list[str]:
        engine = create_engine(settings.database_url)
        try:
            current = await current_revisions(engine)
        except SQLAlchemyError as exc:
            return [f"DATABASE_URL: cannot open the database ({type(exc).__name__})"]
        finally:
            await engine.dispose()
        expected = head_revisions()
        if current == expected:
            return []
        return [f"database is at revision {describe(current)}, code expects {describe(expected)}: run migrate"]

    problems += asyncio.run(_db())
    if problems:
        raise SettingsError(problems)
    console.print(f"ok: {settings.app_env.value}, mode {settings.trading_mode.value}, database current")


def _password(password: str | None) -> str:
    if password is None:
        password = typer.prompt("Password", hide_input=True, confirmation_prompt=True)
    if len(password) < MIN_PASSWORD_LENGTH:
        raise CliError(f"password must be at least {MIN_PASSWORD_LENGTH} characters")
    return password


@users_app.command("create")
def users_create(
    email: Annotated[str, typer.Argument(help="Login e-mail")],
    role: Annotated[users.Role, typer.Option(help="viewer, trader or admin")] = users.Role.VIEWER,
    password: Annotated[str | None, typer.Option(help="Omit to be prompted")] = None,
) -> None:
    """Create a user."""
    secret = _password(password)

    async def _create(settings: Settings) -> None:
        engine = create_engine(settings.database_url)
        try:
            async with transaction(create_session_factory(engine)) as session:
                now = WallClock().now()
                await users.create_user(session, email=email, password_hash=hash_password(secret), role=role, now=now)
                await users.record_audit(session, now=now, actor="cli", action="user_created", target=email)
        finally:
            await engine.dispose()

    _run(_create)
    console.print(f"created {users.normalise_email(email)} ({role.value})")


@users_app.command("list")
def users_list(as_json: Annotated[bool, typer.Option("--json", help="Print JSON")] = False) -> None:
    """List users."""

    async def _list(settings: Settings) -> list[dict[str, Any]]:
        engine = create_engine(settings.database_url)
        try:
            async with transaction(create_session_factory(engine)) as session:
                rows = await users.list_users(session)
                return [{"id": r.id, "email": r.email, "role": r.role, "active": r.is_active} for r in rows]
        finally:
            await engine.dispose()

    rows = _run(_list)
    if as_json:
        console.print_json(json.dumps(rows))
        return
    table = Table("id", "email", "role", "active")
    for row in rows:
        table.add_row(str(row["id"]), row["email"], row["role"], "yes" if row["active"] else "no")
    console.print(table)


def _change_user(email: str, change: Callable[[Any, UserRow], Coroutine[Any, Any, None]], action: str) -> None:
    async def _apply(settings: Settings) -> None:
        engine = create_engine(settings.database_url)
        try:
            async with transaction(create_session_factory(engine)) as session:
                user = await users.get_by_email(session, email)
                if user is None:
                    raise CliError(f"no user with e-mail {users.normalise_email(email)}")
                await change(session, user)
                await users.record_audit(session, now=WallClock().now(), actor="cli", action=action, target=user.email)
        finally:
            await engine.dispose()

    _run(_apply)


@users_app.command("disable")
def users_disable(email: str) -> None:
    """Disable a user: their tokens stop working at once."""

    async def _disable(session: Any, user: UserRow) -> None:
        await users.update_user(session, user, now=WallClock().now(), is_active=False)

    _change_user(email, _disable, "user_disabled")
    console.print(f"disabled {users.normalise_email(email)}")


@users_app.command("set-role")
def users_set_role(email: str, role: users.Role) -> None:
    """Change a user's role."""

    async def _set(session: Any, user: UserRow) -> None:
        await users.update_user(session, user, now=WallClock().now(), role=role)

    _change_user(email, _set, "user_role_changed")
    console.print(f"{users.normalise_email(email)} is now {role.value}")


@users_app.command("set-password")
def users_set_password(
    email: str, password: Annotated[str | None, typer.Option(help="Omit to be prompted")] = None
) -> None:
    """Set a user's password (revokes their existing tokens)."""
    secret = _password(password)

    async def _set(session: Any, user: UserRow) -> None:
        await users.set_password(session, user, password_hash=hash_password(secret), now=WallClock().now())

    _change_user(email, _set, "password_set")
    console.print(f"password set for {users.normalise_email(email)}")


def _error(line: str) -> None:
    # Plain stderr, never wrapped or coloured: one problem, one line.
    sys.stderr.write(f"error: {line}\n")


def main() -> None:
    """Run the CLI, turning known failures into one line and exit code 1 (2 for settings)."""
    try:
        app(standalone_mode=False)
    except SettingsError as exc:
        for problem in exc.problems:
            _error(problem)
        sys.exit(2)
    except (CliError, users.UserError) as exc:
        _error(str(exc))
        sys.exit(1)
    except SQLAlchemyError as exc:
        _error(f"database failure: {type(exc).__name__}: {str(exc).splitlines()[0]}")
        sys.exit(1)
    except (typer.Abort, KeyboardInterrupt):
        _error("aborted")
        sys.exit(130)
    except Exception as exc:  # click usage errors and anything unforeseen: one line, never a traceback
        import click

        if isinstance(exc, click.ClickException):
            exc.show()
            sys.exit(exc.exit_code)
        _error(f"{type(exc).__name__}: {exc}")
        sys.exit(1)
