"""Build the Microsoft Teams app package (the zip uploaded to Teams) for the Mentoring bot.

The template lives in ``adapters/teams/package/``: ``manifest.json`` with ``{{PLACEHOLDER}}``
tokens, plus ``color.png`` (192×192) and ``outline.png`` (32×32, white on transparent).
:func:`build_package` fills in the placeholders, checks the manifest against the limits of the
Teams manifest schema it declares, and writes a zip with these files at its root, plus one
localization file per other language (``fr.json``): the app's name and description and the
command menu in that language, from the catalogs (``command.<word>`` for the words people
type, ``teams.command.<word>`` and ``teams.manifest.*`` for the texts).

Usage::

    python -m adapters.teams.package_builder 00000000-0000-0000-0000-000000000000 build/teams.zip
"""

from __future__ import annotations

import argparse
import json
import re
import zipfile
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from bot.core.i18n import FALLBACK, LANGUAGES, translator

PACKAGE_DIR = Path(__file__).resolve().parent / "package"
MANIFEST_NAME = "manifest.json"
ICON_SIZES: Mapping[str, int] = {"color.png": 192, "outline.png": 32}

#: Placeholder filled with the bot's Microsoft App ID (also used as the Teams app id).
APP_ID_PLACEHOLDER = "MICROSOFT_APP_ID"

#: Values used for the developer placeholders unless the caller provides others.
DEFAULT_PLACEHOLDERS: Mapping[str, str] = {
    "DEVELOPER_NAME": "Mentoring",
    "WEBSITE_URL": "https://example.com/mentoring",
    "PRIVACY_URL": "https://example.com/mentoring/privacy",
    "TERMS_OF_USE_URL": "https://example.com/mentoring/terms",
}

# Limits of manifest schema v1.19 that a hand edit of the template could break.
MAX_COMMANDS_PER_LIST = 10
MAX_COMMAND_TITLE = 32
MAX_COMMAND_DESCRIPTION = 128
MAX_SHORT_NAME = 30
MAX_SHORT_DESCRIPTION = 80
MAX_FULL_DESCRIPTION = 4000

_GUID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")
_PLACEHOLDER = re.compile(r"\{\{([A-Z0-9_]+)\}\}")
_DOMAIN = re.compile(r"^(\*\.)?([A-Za-z0-9-]+\.)+[A-Za-z0-9-]+(:\d+)?$")
# Fixed timestamp so that the same inputs give a byte-identical zip.
_ZIP_DATE = (1980, 1, 1, 0, 0, 0)


def validate_app_id(app_id: str) -> str:
    """Return ``app_id`` if it is a GUID like ``1b2c3d4e-...``; raise ``ValueError`` otherwise."""
    if not isinstance(app_id, str) or not _GUID.fullmatch(app_id):
        raise ValueError(
            f"Microsoft App ID must be a GUID like 00000000-0000-0000-0000-000000000000 "
            f"(the bot's Azure app registration id), got {app_id!r}"
        )
    return app_id


def _substitute(value: Any, replacements: Mapping[str, str]) -> Any:
    if isinstance(value, str):
        return _PLACEHOLDER.sub(lambda m: replacements.get(m.group(1), m.group(0)), value)
    if isinstance(value, list):
        return [_substitute(item, replacements) for item in value]
    if isinstance(value, dict):
        return {key: _substitute(item, replacements) for key, item in value.items()}
    return value


def _leftover_placeholders(value: Any) -> set[str]:
    if isinstance(value, str):
        return set(_PLACEHOLDER.findall(value))
    if isinstance(value, list):
        return set().union(*(_leftover_placeholders(item) for item in value))
    if isinstance(value, dict):
        return set().union(*(_leftover_placeholders(item) for item in value.values()))
    return set()


def manifest_problems(manifest: Mapping[str, Any]) -> list[str]:
    """Return the ways ``manifest`` breaks the Teams schema limits we rely on (empty if none)."""
    problems: list[str] = []
    name = manifest.get("name", {})
    description = manifest.get("description", {})
    if len(name.get("short", "")) > MAX_SHORT_NAME:
        problems.append(f"name.short is longer than {MAX_SHORT_NAME} characters")
    if len(description.get("short", "")) > MAX_SHORT_DESCRIPTION:
        problems.append(f"description.short is longer than {MAX_SHORT_DESCRIPTION} characters")
    if len(description.get("full", "")) > MAX_FULL_DESCRIPTION:
        problems.append(f"description.full is longer than {MAX_FULL_DESCRIPTION} characters")
    for icon in manifest.get("icons", {}).values():
        if icon not in ICON_SIZES:
            problems.append(f"icon {icon!r} is not part of the package")
    for bot in manifest.get("bots", []):
        if bot.get("botId") != manifest.get("id"):
            problems.append("bots[].botId differs from the app id")
        seen_scopes: set[str] = set()
        for command_list in bot.get("commandLists", []):
            scopes = set(command_list.get("scopes", []))
            if scopes & seen_scopes:
                problems.append(f"scopes {sorted(scopes & seen_scopes)} have two command lists")
            seen_scopes |= scopes
            commands = command_list.get("commands", [])
            if len(commands) > MAX_COMMANDS_PER_LIST:
                problems.append(
                    f"command list for {sorted(scopes)} has {len(commands)} commands "
                    f"(at most {MAX_COMMANDS_PER_LIST})"
                )
            for command in commands:
                if len(command.get("title", "")) > MAX_COMMAND_TITLE:
                    problems.append(f"command title {command['title']!r} is too long")
                if len(command.get("description", "")) > MAX_COMMAND_DESCRIPTION:
                    problems.append(f"description of command {command.get('title')!r} is too long")
    for domain in manifest.get("validDomains", []):
        if not _DOMAIN.fullmatch(domain):
            problems.append(f"validDomains entry {domain!r} is not a bare host name")
    return problems


LOCALIZATION_SCHEMA = "https://developer.microsoft.com/json-schemas/teams/v1.19/MicrosoftTeams.Localization.schema.json"
OTHER_LANGUAGES = tuple(lang for lang in LANGUAGES if lang != FALLBACK)


def localization(manifest: Mapping[str, Any], lang: str) -> dict[str, str]:
    """The manifest's texts in ``lang``, as a Teams localization file.

    Command titles are the words a person of that language types (``aide``, ``rejoindre``…),
    which the bot understands as well as the English ones.
    """
    t = translator(lang)
    strings: dict[str, str] = {
        "$schema": LOCALIZATION_SCHEMA,
        "name.short": t("teams.manifest.name_short"),
        "name.full": t("teams.manifest.name_full"),
        "description.short": t("teams.manifest.description_short"),
        "description.full": t("teams.manifest.description_full"),
    }
    for b, bot in enumerate(manifest.get("bots", [])):
        for c, command_list in enumerate(bot.get("commandLists", [])):
            for n, command in enumerate(command_list.get("commands", [])):
                where = f"bots[{b}].commandLists[{c}].commands[{n}]"
                strings[f"{where}.title"] = t.command(command["title"])
                strings[f"{where}.description"] = t(f"teams.command.{command['title']}")
    return strings


def localization_problems(strings: Mapping[str, str]) -> list[str]:
    """What in a localization file breaks the manifest's limits (empty if nothing)."""
    limits = {
        "name.short": MAX_SHORT_NAME,
        "description.short": MAX_SHORT_DESCRIPTION,
        "description.full": MAX_FULL_DESCRIPTION,
    }
    problems = [f"{key} is too long" for key, n in limits.items() if len(strings.get(key, "")) > n]
    for key, value in strings.items():
        if key.endswith(".title") and len(value) > MAX_COMMAND_TITLE:
            problems.append(f"{key} is too long")
        command_text = key.startswith("bots") and key.endswith(".description")
        if command_text and len(value) > MAX_COMMAND_DESCRIPTION:
            problems.append(f"{key} is too long")
    return problems


def render_manifest(
    app_id: str,
    *,
    placeholders: Mapping[str, str] | None = None,
    valid_domains: Sequence[str] = (),
    template: Path = PACKAGE_DIR / MANIFEST_NAME,
) -> dict[str, Any]:
    """Return the manifest with every placeholder filled in and ``valid_domains`` appended.

    Raises ``ValueError`` for a malformed app id, a placeholder left without a value, or a
    manifest that breaks the schema limits (see :func:`manifest_problems`).
    """
    replacements = {
        **DEFAULT_PLACEHOLDERS,
        **(placeholders or {}),
        APP_ID_PLACEHOLDER: validate_app_id(app_id),
    }
    manifest: dict[str, Any] = _substitute(json.loads(template.read_text("utf-8")), replacements)
    domains = list(manifest.get("validDomains", []))
    domains += [domain for domain in valid_domains if domain not in domains]
    manifest["validDomains"] = domains
    manifest["localizationInfo"] = {
        "defaultLanguageTag": FALLBACK,
        "additionalLanguages": [
            {"languageTag": lang, "file": f"{lang}.json"} for lang in OTHER_LANGUAGES
        ],
    }
    leftovers = _leftover_placeholders(manifest)
    if leftovers:
        raise ValueError(f"manifest placeholders without a value: {sorted(leftovers)}")
    problems = manifest_problems(manifest)
    for lang in OTHER_LANGUAGES:
        problems += [
            f"{lang}.json: {p}" for p in localization_problems(localization(manifest, lang))
        ]
    if problems:
        raise ValueError("invalid Teams manifest: " + "; ".join(problems))
    return manifest


def build_package(
    app_id: str,
    out_path: Path,
    *,
    placeholders: Mapping[str, str] | None = None,
    valid_domains: Sequence[str] = (),
) -> Path:
    """Write the Teams app package zip for ``app_id`` to ``out_path`` and return ``out_path``.

    The zip holds ``manifest.json`` (with ``{{MICROSOFT_APP_ID}}`` replaced by ``app_id``
    everywhere, developer placeholders from ``placeholders`` or :data:`DEFAULT_PLACEHOLDERS`),
    ``color.png``, ``outline.png`` and one localization file per other language (``fr.json``)
    at its root. ``valid_domains`` (bare host names, e.g. the bot's public host) are added to
    ``validDomains``. Raises ``ValueError`` if ``app_id`` is not a GUID or the manifest would
    be invalid.
    """
    manifest = render_manifest(app_id, placeholders=placeholders, valid_domains=valid_domains)
    out_path = Path(out_path)
    out_path.parent.mkdir(parents=True, exist_ok=True)
    files: list[tuple[str, bytes]] = [
        (MANIFEST_NAME, _json(manifest)),
        *((name, (PACKAGE_DIR / name).read_bytes()) for name in ICON_SIZES),
        *((f"{lang}.json", _json(localization(manifest, lang))) for lang in OTHER_LANGUAGES),
    ]
    with zipfile.ZipFile(out_path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, data in files:
            info = zipfile.ZipInfo(name, date_time=_ZIP_DATE)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            archive.writestr(info, data)
    return out_path


def _json(data: Any) -> bytes:
    return (json.dumps(data, indent=2, ensure_ascii=False) + "\n").encode()


def main(argv: Sequence[str] | None = None) -> int:
    """Command-line entry point: ``package_builder APP_ID OUT.zip [--domain HOST ...]``."""
    parser = argparse.ArgumentParser(description="Build the Mentoring Teams app package.")
    parser.add_argument("app_id", help="the bot's Microsoft App ID (a GUID)")
    parser.add_argument("out", type=Path, help="where to write the .zip")
    parser.add_argument(
        "--domain", action="append", default=[], help="extra validDomains entry (repeatable)"
    )
    args = parser.parse_args(argv)
    try:
        path = build_package(args.app_id, args.out, valid_domains=args.domain)
    except ValueError as error:
        parser.error(str(error))
    print(path)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
