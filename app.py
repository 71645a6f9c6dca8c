"""The composition root and the command line of the mentoring bot.

``python app.py`` serves Slack (``POST /slack/events``), Teams (``POST /api/messages``),
``GET /healthz`` and, with no platform credentials, the local web chat at ``/``.
``python app.py --help`` lists the other commands.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import importlib
import importlib.util
import logging
import operator
import sys
from collections.abc import Callable, Coroutine
from dataclasses import dataclass, field
from datetime import datetime
from functools import reduce
from typing import Any

from aiohttp import web

from adapters import operations
from adapters.settings import Settings, load_settings
from bot.checkins import handlers as checkins
from bot.core.capabilities import Capabilities
from bot.core.contribution import Contribution
from bot.core.engine import Engine
from bot.core.identity import NOBODY
from bot.core.model import Platform
from bot.core.settings import SettingsError
from bot.enrolment import handlers as enrolment
from bot.enrolment import membership
from bot.feedback import handlers as feedback
from bot.help import handlers as help_
from bot.language import handlers as language
from bot.matching import handlers as matching
from bot.matching import reporting_lines
from bot.outbox.delivery import Sender
from bot.outbox.scheduler import Readiness, background_jobs
from bot.privacy import handlers as privacy
from bot.programmes import handlers as programmes
from bot.stats import export as stats_export
from bot.stats import handlers as stats
from storage.db import Database
from storage.programmes import seed_default_programme
from storage.types import utcnow

# The features the bot is made of. Importing a feature module registers its commands,
# buttons, forms, sweeps and command-line commands on the kernel's tables.
FEATURES = (
    help_,
    language,
    enrolment,
    membership,
    programmes,
    matching,
    reporting_lines,
    checkins,
    feedback,
    privacy,
    stats,
    stats_export,
)

log = logging.getLogger("mentoring")

DB_KEY = web.AppKey("db", Database)
ENGINE_KEY = web.AppKey("engine", Engine)


@dataclass
class Runtime:
    """Everything built from the settings, shared by the server and the commands."""

    settings: Settings
    db: Database
    engine: Engine
    # Adapters register how to reach people proactively (used by the outbox worker).
    senders: dict[Platform, Sender] = field(default_factory=dict)
    # What each enabled adapter contributed to the engine, by adapter name.
    contributions: dict[str, Contribution] = field(default_factory=dict)
    # Whether the scheduler and the outbox worker run (``GET /readyz``).
    readiness: Readiness = field(default_factory=Readiness)
    # Long-running jobs started with the server (scheduler, outbox worker, Socket Mode).
    background: list[Callable[[], Coroutine[Any, Any, None]]] = field(default_factory=list)


async def build_runtime(settings: Settings, *, migrate: bool = True) -> Runtime:
    """Open the database, apply migrations, seed the default programme, build the engine."""
    db = Database(settings.async_database_url)
    if migrate:
        await db.migrate()
    if settings.mentoring_seed_programme:
        async with db.session() as session:
            seeded = await seed_default_programme(session, settings.mentoring_seed_programme_name)
        if seeded is not None:
            log.info("created the default programme %r", seeded.name)
    contributions = {name: module.contribute(settings) for name, module in _adapter_parts("glue")}
    parts = list(contributions.values())
    clocks = [c.clock for c in parts if c.clock is not None]
    wake = asyncio.Event()  # set by the engine when a handler queued a message
    engine = Engine(
        db,
        settings,
        clock=clocks[0] if clocks else utcnow,
        extra_admins=reduce(operator.or_, (c.admins for c in parts), NOBODY),
        extra_managers=reduce(operator.or_, (c.managers for c in parts), NOBODY),
        on_outbox=wake.set,
        capabilities={p: c for part in parts for p, c in part.capabilities.items()},
    )
    runtime = Runtime(settings=settings, db=db, engine=engine, contributions=contributions)
    runtime.background.extend(background_jobs(engine, runtime.senders, wake, runtime.readiness))
    return runtime


def build_web_app(runtime: Runtime) -> web.Application:
    """The one aiohttp application with every enabled adapter mounted on it."""
    app = web.Application(client_max_size=1024 * 1024)
    app[DB_KEY] = runtime.db
    app[ENGINE_KEY] = runtime.engine
    operations.mount(
        app,
        operations.Operations(
            runtime.db,
            runtime.readiness,
            runtime.settings.platforms,
            runtime.senders,
            runtime.settings.metrics_token,
        ),
    )
    for mount in _adapter_mounts():
        mount(app, runtime)

    async def close_db(_app: web.Application) -> None:
        await runtime.db.close()

    app.on_cleanup.append(close_db)
    return app


ADAPTERS = ("slack", "teams", "local")


def _adapter_parts(part: str) -> list[tuple[str, Any]]:
    """(name, ``adapters.<name>.<part>``) for every adapter that has that module."""
    modules = []
    for name in ADAPTERS:
        package = f"adapters.{name}"
        if importlib.util.find_spec(package) is None:
            continue
        if importlib.util.find_spec(f"{package}.{part}") is not None:
            modules.append((name, importlib.import_module(f"adapters.{name}.{part}")))
    return modules


def _adapter_modules(part: str) -> list[Any]:
    """``adapters.<name>.<part>`` for every adapter that has that module."""
    return [module for _, module in _adapter_parts(part)]


def _adapter_mounts() -> list[Callable[[web.Application, Runtime], None]]:
    """Each adapter's ``mount(app, runtime)``; an adapter mounts only when it is enabled."""
    return [module.mount for module in _adapter_modules("glue")]


def _platforms(settings: Settings) -> dict[Platform, Capabilities]:
    """What each enabled platform can do, as its adapter declares (for the commands)."""
    parts = [module.contribute(settings) for module in _adapter_modules("glue")]
    return {p: c for part in parts for p, c in part.capabilities.items()}


def settle_memory() -> None:
    """Move everything built at start-up out of the garbage collector's sight.

    The modules, metadata and catalogs loaded at start-up are some 190,000 objects
    that live as long as the process. Left to the collector, each full
    collection walks them all: a pause of over 100 ms every few seconds under load
    (bench/slack_http.py). Frozen, they are never walked again.
    """
    gc.collect()
    gc.freeze()


async def serve(settings: Settings) -> None:
    """Run the server until interrupted."""
    runtime = await build_runtime(settings)
    app = build_web_app(runtime)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    settle_memory()
    site = web.TCPSite(runner, settings.host, settings.port)
    await site.start()
    log.info("listening on http://%s:%s", settings.host, settings.port)
    tasks: list[asyncio.Task[None]] = [asyncio.create_task(job()) for job in runtime.background]
    try:
        await asyncio.Event().wait()
    finally:
        for task in tasks:
            task.cancel()
        await runner.cleanup()


async def tick(settings: Settings, now: datetime) -> dict[str, int]:
    """One scheduler pass as if at ``now``, then drain the outbox."""
    from bot.core.sweeps import run_sweeps
    from bot.outbox.worker import drain

    runtime = await build_runtime(settings)
    # Mounting lets the adapters register their senders; no site is started, nothing listens.
    runner = web.AppRunner(build_web_app(runtime), access_log=None)
    await runner.setup()
    try:
        counts = await run_sweeps(runtime.engine, now)
        counts["outbox_sent"] = await drain(runtime.engine, runtime.senders, now)
        return counts
    finally:
        await runner.cleanup()  # closes the database too


async def doctor(settings: Settings) -> int:
    """Check the settings, the database and each platform; print what is wrong in plain words."""
    findings: list[tuple[bool, str]] = [(True, "the settings are consistent")]
    platforms = ", ".join(sorted(settings.platforms)) or "none"
    findings.append((bool(settings.platforms), f"platforms served: {platforms}"))
    db = Database(settings.async_database_url)
    try:
        if not await db.healthy():
            findings.append((False, "the database does not answer: check DATABASE_URL"))
        elif not await db.at_head():
            findings.append((False, "the database is reachable but migrations are pending"))
        else:
            findings.append((True, "the database answers and its schema is up to date"))
    finally:
        await db.close()
    for module in _adapter_modules("doctor"):
        findings += await module.doctor(settings)
    for ok, line in findings:
        print(f"{'ok ' if ok else 'NO '} {line}")
    return 0 if all(ok for ok, _ in findings) else 1


async def migrate_only(settings: Settings) -> None:
    """Apply migrations and exit."""
    db = Database(settings.async_database_url)
    try:
        await db.migrate()
    finally:
        await db.close()


def _parse_now(value: str) -> datetime:
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"{value!r} is not an ISO 8601 date-time (e.g. 2026-12-01T10:00:00+01:00)"
        ) from None
    if parsed.tzinfo is None:
        raise argparse.ArgumentTypeError("give a time zone offset, e.g. +01:00 or Z")
    return parsed


def parser() -> argparse.ArgumentParser:
    """The command line."""
    p = argparse.ArgumentParser(
        prog="python app.py",
        description="Mentoring bot for Slack, Microsoft Teams and a local web chat. "
        "With no command, serve HTTP on HOST:PORT.",
    )
    sub = p.add_subparsers(dest="command", metavar="COMMAND")
    sub.add_parser("serve", help="serve HTTP (the default)")
    sub.add_parser("migrate", help="apply database migrations and exit")
    sub.add_parser(
        "doctor", help="check the settings, the database and each platform's credentials"
    )
    t = sub.add_parser("tick", help="run one scheduler pass as if at --now, drain the outbox")
    t.add_argument("--now", type=_parse_now, required=False, help="ISO 8601 time with offset")
    for extra in _extra_commands():
        extra(sub)
    return p


def _extra_commands() -> list[Callable[[argparse._SubParsersAction], None]]:  # type: ignore[type-arg]
    """Commands contributed by features and adapters (matching, export, Teams package)."""
    from bot.core.cli import COMMANDS

    _adapter_modules("cli")  # importing an adapter's cli module registers its commands
    return [c.register for c in COMMANDS]


def main(argv: list[str] | None = None) -> int:
    """Entry point."""
    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    # APScheduler logs every run of every job at INFO: a line a few seconds, forever.
    logging.getLogger("apscheduler").setLevel(logging.WARNING)
    args = parser().parse_args(argv)
    try:
        settings = load_settings()
    except SettingsError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    command = args.command or "serve"
    try:
        if command == "serve":
            asyncio.run(serve(settings))
        elif command == "migrate":
            asyncio.run(migrate_only(settings))
        elif command == "doctor":
            return asyncio.run(doctor(settings))
        elif command == "tick":
            counts = asyncio.run(tick(settings, args.now or utcnow()))
            print(" ".join(f"{k}={v}" for k, v in counts.items()) or "nothing due")
        else:
            from bot.core.cli import run_command

            return asyncio.run(run_command(command, args, settings, _platforms(settings)))
    except KeyboardInterrupt:
        return 130
    return 0


if __name__ == "__main__":
    sys.exit(main())
