"""The Teams app package: manifest, icons and the zip that bundles them."""

from __future__ import annotations

import json
import re
import struct
import zipfile
import zlib
from pathlib import Path
from typing import Any

import pytest

from adapters.teams.package_builder import (
    MAX_COMMANDS_PER_LIST,
    PACKAGE_DIR,
    build_package,
    manifest_problems,
)

APP_ID = "3f2a9c1e-7b4d-4e8a-9c0f-1d2e3f4a5b6c"
COMMANDS = {
    "help",
    "join",
    "status",
    "edit",
    "pause",
    "resume",
    "leave",
    "feedback",
    "stats",
    "language",
    "admin",
}


def _png_pixels(data: bytes) -> tuple[int, int, int, list[bytes]]:
    """Return (width, height, colour type, rows of raw pixels) of an 8-bit, unfiltered PNG."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    pos, idat, header = 8, b"", b""
    while pos < len(data):
        (length,) = struct.unpack(">I", data[pos : pos + 4])
        kind, body = data[pos + 4 : pos + 8], data[pos + 8 : pos + 8 + length]
        (crc,) = struct.unpack(">I", data[pos + 8 + length : pos + 12 + length])
        assert zlib.crc32(kind + body) == crc
        if kind == b"IHDR":
            header = body
        elif kind == b"IDAT":
            idat += body
        pos += 12 + length
    width, height, depth, colour_type = struct.unpack(">IIBB", header[:10])
    assert depth == 8
    raw = zlib.decompress(idat)
    channels = {2: 3, 6: 4}[colour_type]
    stride = width * channels + 1
    assert all(raw[row * stride] == 0 for row in range(height)), "expected filter type 0"
    rows = [raw[row * stride + 1 : (row + 1) * stride] for row in range(height)]
    return width, height, colour_type, rows


@pytest.fixture
def package(tmp_path: Path) -> zipfile.ZipFile:
    path = build_package(APP_ID, tmp_path / "out" / "mentoring-teams.zip")
    assert path == tmp_path / "out" / "mentoring-teams.zip"
    return zipfile.ZipFile(path)


@pytest.fixture
def manifest(package: zipfile.ZipFile) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(package.read("manifest.json"))
    return data


def test_zip_has_the_manifest_icons_and_french_at_its_root(package: zipfile.ZipFile) -> None:
    assert sorted(package.namelist()) == ["color.png", "fr.json", "manifest.json", "outline.png"]


def test_the_french_command_menu_shows_the_french_command_words(
    package: zipfile.ZipFile, manifest: dict[str, Any]
) -> None:
    assert manifest["localizationInfo"] == {
        "defaultLanguageTag": "en",
        "additionalLanguages": [{"languageTag": "fr", "file": "fr.json"}],
    }
    french: dict[str, str] = json.loads(package.read("fr.json"))
    assert french["$schema"].endswith("MicrosoftTeams.Localization.schema.json")
    assert french["name.short"] == "Mentorat"
    titles = {v for k, v in french.items() if k.endswith(".title")}
    assert {"aide", "rejoindre", "statut", "quitter", "avis", "langue"} <= titles
    descriptions = [v for k, v in french.items() if k.startswith("bots") and "description" in k]
    assert all(descriptions) and "Rejoindre un programme de mentorat" in descriptions[1]
    # Every entry points at a command the manifest has, and the bot knows each French word.
    from bot.core.routing import ROUTES

    for key, value in french.items():
        if key.endswith(".title"):
            b, c, n = (int(x) for x in re.findall(r"\[(\d+)\]", key))
            english = manifest["bots"][b]["commandLists"][c]["commands"][n]["title"]
            spec, _ = ROUTES.resolve([value])
            assert spec is not None and spec.path[0] == english, (value, english)


def test_app_id_is_substituted_everywhere(
    package: zipfile.ZipFile, manifest: dict[str, Any]
) -> None:
    text = package.read("manifest.json").decode()

    assert "{{" not in text
    assert manifest["id"] == APP_ID
    assert [bot["botId"] for bot in manifest["bots"]] == [APP_ID]
    assert text.count(APP_ID) == 2


def test_manifest_declares_a_current_schema_and_bot_scopes(manifest: dict[str, Any]) -> None:
    version = manifest["manifestVersion"]
    assert tuple(int(part) for part in version.split(".")) >= (1, 17)
    assert manifest["$schema"].endswith(f"/v{version}/MicrosoftTeams.schema.json")
    assert manifest["name"]["short"] == "Mentoring"
    assert manifest["icons"] == {"color": "color.png", "outline": "outline.png"}
    [bot] = manifest["bots"]
    assert sorted(bot["scopes"]) == ["groupChat", "personal", "team"]
    for key in ("privacyUrl", "termsOfUseUrl", "websiteUrl"):
        assert manifest["developer"][key].startswith("https://")
    assert manifest["validDomains"]


def test_every_scope_has_a_command_list_and_every_command_is_listed(
    manifest: dict[str, Any],
) -> None:
    [bot] = manifest["bots"]
    lists = bot["commandLists"]
    scopes = [scope for command_list in lists for scope in command_list["scopes"]]
    listed = {command["title"] for command_list in lists for command in command_list["commands"]}

    assert sorted(scopes) == sorted(bot["scopes"])  # one list per scope, none missing
    assert listed == COMMANDS
    for command_list in lists:
        # Teams shows at most 10 commands per scope (manifest schema up to v1.19).
        assert len(command_list["commands"]) <= MAX_COMMANDS_PER_LIST
        for command in command_list["commands"]:
            assert command["description"]
            assert command["title"] in COMMANDS
    assert manifest_problems(manifest) == []


def test_icons_are_pngs_of_the_right_sizes(package: zipfile.ZipFile) -> None:
    width, height, _, _ = _png_pixels(package.read("color.png"))
    assert (width, height) == (192, 192)

    width, height, colour_type, rows = _png_pixels(package.read("outline.png"))
    assert (width, height) == (32, 32)
    assert colour_type == 6  # RGBA: the outline needs transparency
    pixels = [row[i : i + 4] for row in rows for i in range(0, len(row), 4)]
    assert all(pixel[:3] == b"\xff\xff\xff" for pixel in pixels if pixel[3]), "white only"
    assert any(pixel[3] == 0 for pixel in pixels), "transparent background"
    assert any(pixel[3] == 255 for pixel in pixels), "a visible glyph"


def test_package_is_reproducible(tmp_path: Path) -> None:
    first = build_package(APP_ID, tmp_path / "a.zip").read_bytes()
    second = build_package(APP_ID, tmp_path / "b.zip").read_bytes()
    assert first == second


def test_placeholders_and_domains_can_be_overridden(tmp_path: Path) -> None:
    path = build_package(
        APP_ID,
        tmp_path / "custom.zip",
        placeholders={"DEVELOPER_NAME": 'ACME "People"', "PRIVACY_URL": "https://acme.test/p"},
        valid_domains=["mentoring.acme.test"],
    )
    manifest = json.loads(zipfile.ZipFile(path).read("manifest.json"))

    assert manifest["developer"]["name"] == 'ACME "People"'
    assert manifest["developer"]["privacyUrl"] == "https://acme.test/p"
    assert "mentoring.acme.test" in manifest["validDomains"]


@pytest.mark.parametrize(
    "bad_id",
    [
        "",
        "not-a-guid",
        "{{MICROSOFT_APP_ID}}",
        "3f2a9c1e7b4d4e8a9c0f1d2e3f4a5b6c",
        "{3f2a9c1e-7b4d-4e8a-9c0f-1d2e3f4a5b6c}",
        " 3f2a9c1e-7b4d-4e8a-9c0f-1d2e3f4a5b6c",
        "3f2a9c1e-7b4d-4e8a-9c0f-1d2e3f4a5b6g",
    ],
)
def test_a_bad_app_id_is_refused(tmp_path: Path, bad_id: str) -> None:
    out = tmp_path / "bad.zip"
    with pytest.raises(ValueError, match="must be a GUID"):
        build_package(bad_id, out)
    assert not out.exists()


def test_a_bad_domain_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="validDomains"):
        build_package(APP_ID, tmp_path / "x.zip", valid_domains=["https://bot.acme.test/api"])


def test_template_files_are_in_the_repository() -> None:
    assert sorted(p.name for p in PACKAGE_DIR.iterdir()) == [
        "color.png",
        "manifest.json",
        "outline.png",
    ]
