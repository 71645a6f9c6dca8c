"""The external contract: the command line and GET /healthz over real HTTP."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

import aiohttp
from aiohttp.test_utils import TestClient, TestServer

import app
from adapters.settings import Settings
from storage.db import Database

ROOT = Path(__file__).resolve().parents[1]


def _env(tmp_path: Path, **extra: str) -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("SLACK_", "MICROSOFT_", "TEAMS_")) and k not in ("HOST", "PORT")
    }
    env.update(DATABASE_URL=f"sqlite:///{tmp_path / 'bot.db'}", **extra)
    return env


def test_help_lists_every_command(tmp_path: Path) -> None:
    out = subprocess.run(
        [sys.executable, "app.py", "--help"],
        cwd=ROOT,
        env=_env(tmp_path),
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    for command in ("serve", "migrate", "tick", "doctor", "match", "export", "teams-package"):
        assert command in out


def test_tick_runs_one_pass_and_exits(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "app.py", "tick", "--now", "2026-12-01T10:00:00+01:00"],
        cwd=ROOT,
        env=_env(tmp_path),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert "forgotten_event_ids=0" in result.stdout


def test_tick_refuses_a_time_without_offset(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "app.py", "tick", "--now", "2026-12-01T10:00:00"],
        cwd=ROOT,
        env=_env(tmp_path),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 2
    assert "time zone offset" in result.stderr


def test_inconsistent_settings_stop_the_bot_with_a_clear_message(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "app.py", "migrate"],
        cwd=ROOT,
        env=_env(tmp_path, SLACK_BOT_TOKEN="xoxb-1"),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 2
    assert "SLACK_SIGNING_SECRET" in result.stderr


def test_emulator_mode_on_a_public_address_stops_the_bot_naming_the_variable(
    tmp_path: Path,
) -> None:
    result = subprocess.run(
        [sys.executable, "app.py", "migrate"],
        cwd=ROOT,
        env=_env(tmp_path, TEAMS_EMULATOR="1", HOST="0.0.0.0"),  # noqa: S104
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 2
    assert "TEAMS_EMULATOR=1 needs HOST to be a loopback address" in result.stderr


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


async def test_python_app_py_serves_healthz_on_the_port(tmp_path: Path) -> None:
    port = _free_port()
    proc = subprocess.Popen(
        [sys.executable, "app.py"],
        cwd=ROOT,
        env=_env(tmp_path, PORT=str(port)),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        assert proc.stdout is not None
        for line in proc.stdout:  # bounded by the process: it logs "listening" once ready
            if b"listening on" in line:
                break
        async with (
            aiohttp.ClientSession() as http,
            http.get(f"http://127.0.0.1:{port}/healthz") as resp,
        ):
            assert resp.status == 200
            assert (await resp.json())["status"] == "ok"
        # First start seeded the default programme.
        assert (tmp_path / "bot.db").exists()
    finally:
        proc.terminate()
        proc.wait(timeout=30)
        if proc.stdout is not None:
            proc.stdout.close()


async def test_healthz_is_503_when_the_database_is_down(tmp_path: Path) -> None:
    settings = Settings(
        _env_file=None,
        database_url=f"sqlite:///{tmp_path / 'x.db'}",
        mentoring_seed_programme=False,
        local_chat=False,
    )
    runtime = await app.build_runtime(settings)
    web_app = app.build_web_app(runtime)
    async with TestClient(TestServer(web_app)) as client:
        ok = await client.get("/healthz")
        assert ok.status == 200
        await runtime.db.engine.dispose()
        # A server that refuses connections (port 1 on loopback) stands for a database down.
        runtime.db.engine = Database("postgresql+asyncpg://u@127.0.0.1:1/x").engine
        down = await client.get("/healthz")
        assert down.status == 503
        assert (await down.json())["database"] == "down"


def test_what_start_up_built_is_kept_out_of_the_collectors_way() -> None:
    import gc

    try:
        app.settle_memory()
        assert gc.get_freeze_count() > 10_000  # modules, metadata, catalogs...
    finally:
        gc.unfreeze()
