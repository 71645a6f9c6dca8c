"""Command-line commands contributed by features (``python app.py <command>``)."""

from __future__ import annotations

import argparse
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any

from bot.core.capabilities import Capabilities
from bot.core.model import Platform
from bot.core.settings import CoreSettings

Platforms = Mapping[Platform, Capabilities]


@dataclass(frozen=True)
class CliCommand:
    """A subcommand: how to declare its arguments and how to run it."""

    name: str
    help: str
    add_arguments: Callable[[argparse.ArgumentParser], None]
    # Run with the parsed arguments, the settings and what each enabled platform can do.
    run: Callable[[argparse.Namespace, CoreSettings, Platforms], Awaitable[int]]

    def register(self, sub: Any) -> None:
        """Add this command to the ``argparse`` subparsers."""
        self.add_arguments(sub.add_parser(self.name, help=self.help))


COMMANDS: list[CliCommand] = []


def cli_command(command: CliCommand) -> CliCommand:
    """Register a command (called at import time by the feature module)."""
    COMMANDS.append(command)
    return command


async def run_command(
    name: str, args: argparse.Namespace, settings: CoreSettings, platforms: Platforms
) -> int:
    """Run a registered command by name; its exit status."""
    for command in COMMANDS:
        if command.name == name:
            return await command.run(args, settings, platforms)
    raise SystemExit(f"unknown command {name!r}")
