"""Benchmark: ``/mentoring help`` and ``/mentoring status`` over HTTP, next to a bare bolt app.

Usage::

    .venv/bin/python bench/slack_http.py                      # 3000 requests each, concurrency 32
    .venv/bin/python bench/slack_http.py --requests 5000 --concurrency 32

Each server runs in its own child process (so the load generator does not share
its CPU), on loopback, on SQLite, with its Web API client pointed at an
in-process fake Slack. The load generator sends signed slash commands (a fresh
trigger id each, as Slack does) from an aiohttp client with ``--concurrency``
requests in flight, after a warm-up; it prints requests/s and p50/p99 latency.
All servers run at once and the scenarios are measured in interleaved rounds
(``--rounds``, 5 by default); the round with the median throughput is shown, and
the ratio to the bare app round by round.

The bot's database holds the 64 users enrolled in a programme, two by two in active
pairs (``bench/population.py``), so ``status`` shows a programme and a partner.

Servers compared:

* ``bare``: a minimal slack-bolt ``AsyncApp`` on aiohttp whose listener only acks
  (bolt's defaults);
* ``bare-pbr``: the same with ``process_before_response=True`` (no ack polling), the
  strictest baseline;
* ``app-stub``: the mentoring bot with its engine replaced by a canned answer (the
  adapter's own cost);
* ``app``: the mentoring bot (``app.build_runtime`` + ``app.build_web_app``, memory
  settled as ``python app.py`` does), answering ``help`` and ``status`` in the ack.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import aiohttp
from aiohttp import web

from bench.population import populate
from testkit.slack_api import FakeSlackApi
from testkit.slack_signing import signed_request_headers, slash_command_body

SECRET = "bench-signing-secret"
USERS = 64


async def _serve(app: web.Application, fake_url: str) -> web.AppRunner:
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    print(f"PORT {port} {fake_url}", flush=True)
    return runner


def bare_app(fake: FakeSlackApi, *, process_before_response: bool) -> web.Application:
    """A minimal bolt app that only acks ``/mentoring``."""
    from slack_bolt.adapter.aiohttp import to_aiohttp_response, to_bolt_request
    from slack_bolt.async_app import AsyncAck, AsyncApp

    bolt = AsyncApp(
        name="bare",
        client=fake.web_client(),
        signing_secret=SECRET,
        process_before_response=process_before_response,
    )

    @bolt.command("/mentoring")
    async def only_ack(ack: AsyncAck) -> None:
        await ack()

    async def endpoint(request: web.Request) -> web.Response:
        return await to_aiohttp_response(await bolt.async_dispatch(await to_bolt_request(request)))

    app = web.Application()
    app.router.add_post("/slack/events", endpoint)
    return app


async def mentoring_app(
    fake: FakeSlackApi, directory: str, *, stub_engine: bool = False
) -> web.Application:
    """The mentoring bot, as ``python app.py`` builds it, on a SQLite file.

    ``stub_engine`` replaces the engine by a canned answer (the real help text),
    to show the adapter's own cost apart from the engine's database work.
    """
    import app as app_module
    from adapters.settings import Settings
    from bot.core.model import Actor, Command, ConversationRef, Platform, UserRef

    settings = Settings(
        _env_file=None,
        database_url=f"sqlite:///{directory}/bench.db",
        slack_bot_token=fake.token,
        slack_signing_secret=SECRET,
        slack_api_url=fake.base_url,
    )
    runtime = await app_module.build_runtime(settings)
    people = {f"U{i:04d}": f"User {i}" for i in range(USERS)}
    await populate(runtime.db, Platform.SLACK.value, "T0001", people)
    if stub_engine:
        user = UserRef(Platform.SLACK, "T0001", "U0000")
        where = ConversationRef(Platform.SLACK, "T0001", "C0001")
        canned = await runtime.engine.handle(Command(Actor(user, "User"), where, "help"))

        async def handle(_event: Any) -> Any:
            return canned

        runtime.engine.handle = handle  # type: ignore[method-assign,assignment]
    return app_module.build_web_app(runtime)


async def serve(kind: str) -> None:
    """Child process: run one server until killed."""
    import app as app_module

    logging.basicConfig(level=logging.WARNING)
    async with FakeSlackApi() as fake:
        for i in range(USERS):
            fake.add_user(f"U{i:04d}", f"user{i}", f"User {i}", locale="en-US")
        with tempfile.TemporaryDirectory() as directory:
            if kind in ("app", "app-stub"):
                app = await mentoring_app(fake, directory, stub_engine=kind == "app-stub")
            else:
                app = bare_app(fake, process_before_response=kind == "bare-pbr")
            app_module.settle_memory()  # as ``python app.py`` does before serving
            runner = await _serve(app, fake.url)
            try:
                await asyncio.Event().wait()
            finally:
                await runner.cleanup()


@dataclass
class Result:
    """One measured scenario."""

    name: str
    requests: int
    seconds: float
    latencies: list[float]
    errors: int  # not HTTP 200
    late: int = 0  # acked with "working on it", answered later through the response_url
    failed: int = 0  # acked with the engine's polite error (e.g. SQLite "database is locked")

    @property
    def rps(self) -> float:
        return self.requests / self.seconds

    def percentile(self, q: float) -> float:
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000


def signed_requests(text: str, n: int, fake_url: str) -> list[tuple[bytes, dict[str, str]]]:
    """``n`` signed slash commands from rotating users, each with its own trigger id.

    Their ``response_url`` points at the fake Slack (never at hooks.slack.com).
    """
    out = []
    for i in range(n):
        body, content_type = slash_command_body(
            text=text,
            user_id=f"U{i % USERS:04d}",
            user_name=f"user{i % USERS}",
            trigger_id=f"{i}.{os.getpid()}.{time.time_ns()}",
            response_url=f"{fake_url}/commands/T0001/{i}/bench",
        )
        out.append((body, signed_request_headers(SECRET, body, content_type)))
    return out


async def load(url: str, fake_url: str, text: str, n: int, concurrency: int) -> Result:
    """Send ``n`` requests with ``concurrency`` in flight; measure each one."""
    requests = signed_requests(text, n, fake_url)
    latencies: list[float] = []
    errors = late = failed = 0
    connector = aiohttp.TCPConnector(limit=concurrency)
    async with aiohttp.ClientSession(connector=connector) as session:
        queue = iter(requests)

        async def worker() -> None:
            nonlocal errors, late, failed
            for body, headers in queue:
                start = time.perf_counter()
                async with session.post(url, data=body, headers=headers) as response:
                    answer = await response.read()
                    if response.status != 200:
                        errors += 1
                latencies.append(time.perf_counter() - start)
                late += b"working on it" in answer
                failed += b"went wrong" in answer

        began = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(concurrency)))
        elapsed = time.perf_counter() - began
    return Result(text, n, elapsed, latencies, errors, late, failed)


@dataclass
class Server:
    """A server child process and where to reach it."""

    kind: str
    child: asyncio.subprocess.Process
    url: str
    fake_url: str


async def start_server(kind: str, *, verbose: bool = False) -> Server:
    """Start one server in a child process; it idles while the others are measured."""
    child = await asyncio.create_subprocess_exec(
        sys.executable,
        __file__,
        "--serve",
        kind,
        stdout=asyncio.subprocess.PIPE,
        stderr=None if verbose else asyncio.subprocess.DEVNULL,
    )
    assert child.stdout is not None
    line = (await asyncio.wait_for(child.stdout.readline(), 60)).decode()
    if not line.startswith("PORT "):
        child.terminate()
        raise RuntimeError(f"the {kind} server did not start: {line!r}")
    _, port, fake_url = line.split()
    return Server(kind, child, f"http://127.0.0.1:{port}/slack/events", fake_url)


# (label, server kind, command text), measured in this order in every round.
SCENARIOS = [
    ("bare bolt (ack only)", "bare", "help"),
    ("bare bolt, pbr (ack)", "bare-pbr", "help"),
    ("adapter, engine stubbed", "app-stub", "help"),
    ("/mentoring help", "app", "help"),
    ("/mentoring status", "app", "status"),
]


async def measure(n: int, c: int, rounds: int, *, verbose: bool = False) -> list[list[Result]]:
    """Every scenario, ``rounds`` times, interleaved, so that a passing disturbance of the
    machine falls on one round of every scenario rather than on all of one scenario."""
    kinds = dict.fromkeys(kind for _, kind, _ in SCENARIOS)
    servers = {kind: await start_server(kind, verbose=verbose) for kind in kinds}
    try:
        for _label, kind, text in SCENARIOS:  # warm-up: users, profile caches, pools
            server = servers[kind]
            await load(server.url, server.fake_url, text, max(USERS * 2, n // 10), c)
        results: list[list[Result]] = [[] for _ in SCENARIOS]
        for _ in range(rounds):
            for i, (label, kind, text) in enumerate(SCENARIOS):
                server = servers[kind]
                result = await load(server.url, server.fake_url, text, n, c)
                result.name = label
                results[i].append(result)
        return results
    finally:
        for server in servers.values():
            server.child.terminate()
            await server.child.wait()


def median_round(results: list[Result]) -> Result:
    """The round with the median throughput."""
    return sorted(results, key=lambda r: r.rps)[len(results) // 2]


def table(results: list[Result], baseline: Result, strict: Result) -> str:
    """The printed table."""
    lines = [
        f"{'scenario':<24}{'req':>6}{'req/s':>7}{'p50 ms':>8}{'p99 ms':>8}"
        f"{'http!200':>9}{'late':>6}{'failed':>7}{'vs bare':>8}{'vs pbr':>7}",
    ]
    for r in results:
        lines.append(
            f"{r.name:<24}{r.requests:>6}{r.rps:>7.0f}{r.percentile(0.5):>8.1f}"
            f"{r.percentile(0.99):>8.1f}{r.errors:>9}{r.late:>6}{r.failed:>7}"
            f"{r.rps / baseline.rps:>8.2f}{r.rps / strict.rps:>7.2f}"
        )
    return "\n".join(lines)


async def main(argv: list[str] | None = None) -> int:
    """Run every server in turn and print the comparison."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--requests", type=int, default=3000)
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--rounds", type=int, default=5, help="interleaved rounds (median kept)")
    parser.add_argument("--verbose", action="store_true", help="show the servers' logs")
    parser.add_argument(
        "--serve", choices=("app", "app-stub", "bare", "bare-pbr"), help=argparse.SUPPRESS
    )
    args = parser.parse_args(argv)
    if args.serve:
        await serve(args.serve)
        return 0
    n, c, v = args.requests, args.concurrency, args.verbose
    per_scenario = await measure(n, c, args.rounds, verbose=v)
    bare, strict, adapter, *app_results = [median_round(r) for r in per_scenario]
    print(
        f"concurrency {c}, {n} requests per scenario and round, {args.rounds} rounds "
        "(median round shown), loopback HTTP, SQLite, signed requests"
    )
    print(table([bare, strict, adapter, *app_results], bare, strict))
    for label, runs in zip(("help", "status"), per_scenario[3:], strict=True):
        ratios = [r.rps / b.rps for r, b in zip(runs, per_scenario[0], strict=True)]
        print(f"{label} / bare, round by round: " + ", ".join(f"{x:.2f}" for x in ratios))
    worst: Any = min(app_results, key=lambda r: r.rps)
    goal = worst.rps >= 0.7 * bare.rps and all(r.percentile(0.99) < 100 for r in app_results)
    print(f"goal (>= 0.7 x bare throughput, p99 < 100 ms): {'met' if goal else 'NOT met'}")
    print(f"median of p50s: {statistics.median(r.percentile(0.5) for r in app_results):.1f} ms")
    return 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
