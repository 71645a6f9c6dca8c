"""``python app.py teams-package --app-id GUID --out FILE``: the zip to upload to Teams."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from adapters.teams.package_builder import build_package
from adapters.teams.settings import TeamsSettings
from bot.core.cli import CliCommand, Platforms, cli_command
from bot.core.settings import CoreSettings


def _arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--app-id",
        help="the bot's Microsoft App ID, a GUID (default: MICROSOFT_APP_ID)",
    )
    parser.add_argument(
        "--out", type=Path, default=Path("mentoring-teams.zip"), help="where to write the .zip"
    )
    parser.add_argument(
        "--domain",
        action="append",
        default=[],
        help="a host name the app may open, e.g. the bot's public host (repeatable)",
    )


async def _run(args: argparse.Namespace, settings: CoreSettings, _platforms: Platforms) -> int:
    # app.py passes every adapter's settings; read Teams' own when called with fewer.
    teams = settings if isinstance(settings, TeamsSettings) else TeamsSettings()
    app_id = args.app_id or teams.microsoft_app_id
    if not app_id:
        print("error: give --app-id GUID (or set MICROSOFT_APP_ID)", file=sys.stderr)
        return 2
    try:
        path = build_package(app_id, args.out, valid_domains=args.domain)
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(f"wrote {path}: upload it in Teams (Apps > Manage your apps > Upload an app)")
    return 0


TEAMS_PACKAGE = cli_command(
    CliCommand(
        name="teams-package",
        help="build the Microsoft Teams app package (manifest and icons, zipped)",
        add_arguments=_arguments,
        run=_run,
    )
)
