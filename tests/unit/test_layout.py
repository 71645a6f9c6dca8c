"""The direction of imports: adapters → bot → conversations → kernel, and storage at the bottom.

Read from the source with ``ast`` (imports inside functions count too), so a
shortcut taken anywhere fails here, with the module and the line.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PLATFORM_SDKS = ("slack_bolt", "slack_sdk", "botbuilder", "botframework", "microsoft_agents")
# What the dialogues and words may use of the engine: its neutral model, its translator and
# the markup the model's texts are written in.
KERNEL_FOR_CONVERSATIONS = ("bot.core.model", "bot.core.i18n", "bot.core.markup")


def imports_of(package: str) -> Iterator[tuple[str, int, str]]:
    """(file, line, imported module) for every import in ``package``'s Python files."""
    for path in sorted((ROOT / package).rglob("*.py")):
        if "migrations" in path.parts:
            continue
        tree = ast.parse(path.read_text(), filename=str(path))
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                for alias in node.names:
                    yield str(path.relative_to(ROOT)), node.lineno, alias.name
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                yield str(path.relative_to(ROOT)), node.lineno, node.module


def offending(package: str, forbidden: tuple[str, ...]) -> list[str]:
    return [
        f"{file}:{line} imports {module}"
        for file, line, module in imports_of(package)
        if any(module == f or module.startswith(f + ".") for f in forbidden)
    ]


def test_imports_are_read_from_every_package() -> None:
    # A guard for the guard: the walker sees the imports it is meant to judge.
    assert any(m == "bot.core.model" for _, _, m in imports_of("conversations"))
    assert any(m.startswith("slack_bolt") for _, _, m in imports_of("adapters"))


@pytest.mark.parametrize("package", ["bot", "conversations", "storage"])
def test_no_platform_sdk_outside_the_adapters(package: str) -> None:
    assert offending(package, PLATFORM_SDKS) == []


def test_the_engine_knows_no_adapter_and_not_the_composition_root() -> None:
    assert offending("bot", ("adapters", "app")) == []


def test_storage_imports_nothing_above_it() -> None:
    assert offending("storage", ("bot", "conversations", "adapters", "app")) == []


def test_conversations_use_only_the_kernels_model_and_words() -> None:
    wrong = [
        f"{file}:{line} imports {module}"
        for file, line, module in imports_of("conversations")
        if (module == "bot" or module.startswith("bot."))
        and not module.startswith(KERNEL_FOR_CONVERSATIONS)
    ]
    assert wrong == []
    assert offending("conversations", ("adapters", "app")) == []


def test_the_kernel_does_not_reach_into_features() -> None:
    features = [
        f"bot.{p.name}" for p in (ROOT / "bot").iterdir() if p.is_dir() and p.name != "core"
    ]
    assert offending("bot/core", tuple(features)) == []
