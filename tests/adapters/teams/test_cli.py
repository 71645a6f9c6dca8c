"""``python app.py teams-package`` and the SDK boundary."""

from __future__ import annotations

import json
import re
import zipfile
from pathlib import Path

import pytest

import app

APP_ID = "3f2a9c1e-7b4d-4e8a-9c0f-1d2e3f4a5b6c"
ROOT = Path(__file__).resolve().parents[3]


def test_the_command_is_listed_in_the_help() -> None:
    assert "teams-package" in app.parser().format_help()


def test_teams_package_writes_the_zip(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "build" / "mentoring.zip"

    status = app.main(["teams-package", "--app-id", APP_ID, "--out", str(out)])

    assert status == 0 and str(out) in capsys.readouterr().out
    with zipfile.ZipFile(out) as archive:
        assert sorted(archive.namelist()) == [
            "color.png",
            "fr.json",
            "manifest.json",
            "outline.png",
        ]
        manifest = json.loads(archive.read("manifest.json"))
    assert manifest["id"] == APP_ID and manifest["bots"][0]["botId"] == APP_ID


def test_a_bad_app_id_is_explained(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    status = app.main(["teams-package", "--app-id", "not-a-guid", "--out", str(tmp_path / "x")])

    assert status == 2
    assert "GUID" in capsys.readouterr().err
    assert not (tmp_path / "x").exists()


SDK_IMPORT = re.compile(r"^\s*(from|import)\s+(botbuilder|botframework|microsoft_agents)\b", re.M)


def test_only_the_teams_adapter_imports_the_bot_framework_sdk() -> None:
    offenders = []
    for path in ROOT.rglob("*.py"):
        relative = path.relative_to(ROOT).as_posix()
        if relative.startswith((".venv/", "adapters/teams/", "tests/testkit/", "build/")):
            continue
        if SDK_IMPORT.search(path.read_text(encoding="utf-8", errors="replace")):
            offenders.append(relative)

    assert offenders == []
