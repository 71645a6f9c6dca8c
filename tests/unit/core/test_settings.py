"""Settings: read once, typed, and refused with a clear message when inconsistent."""

from __future__ import annotations

import pytest

from adapters.settings import load_settings
from bot.core.settings import SettingsError, to_async_url


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: object) -> None:
    for name in (
        "SLACK_BOT_TOKEN",
        "SLACK_SIGNING_SECRET",
        "SLACK_APP_TOKEN",
        "MICROSOFT_APP_ID",
        "MICROSOFT_APP_PASSWORD",
        "MICROSOFT_APP_TYPE",
        "MICROSOFT_APP_TENANT_ID",
        "DATABASE_URL",
        "MENTORING_ADMINS",
        "LOCAL_CHAT",
        "HOST",
        "TEAMS_EMULATOR",
        "MICROSOFT_OPENID_METADATA_URL",
    ):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)  # type: ignore[arg-type]  # no stray .env


def test_defaults_serve_the_local_chat_on_sqlite() -> None:
    s = load_settings()
    assert (s.host, s.port) == ("127.0.0.1", 3978)
    assert s.async_database_url.startswith("sqlite+aiosqlite:///")
    assert s.local_chat_enabled and not s.slack_enabled and not s.teams_configured


def test_comma_separated_ids_and_env_file(monkeypatch: pytest.MonkeyPatch, tmp_path) -> None:
    (tmp_path / ".env").write_text("MENTORING_MANAGERS=U1, U2 ,\nPORT=4000\n")
    monkeypatch.setenv("MENTORING_ADMINS", "UA,UB")
    s = load_settings()
    assert s.mentoring_admins == ["UA", "UB"]
    assert s.mentoring_managers == ["U1", "U2"]
    assert s.port == 4000


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"SLACK_BOT_TOKEN": "xoxb-1"}, "neither SLACK_SIGNING_SECRET"),
        ({"SLACK_SIGNING_SECRET": "s"}, "without SLACK_BOT_TOKEN"),
        ({"MICROSOFT_APP_ID": "id"}, "without MICROSOFT_APP_PASSWORD"),
        ({"MICROSOFT_APP_TYPE": "SingleTenant"}, "needs MICROSOFT_APP_TENANT_ID"),
        (
            {"TEAMS_EMULATOR": "1", "HOST": "0.0.0.0"},  # noqa: S104
            "TEAMS_EMULATOR=1 needs HOST to be a loopback",
        ),
        ({"TEAMS_EMULATOR": "1", "HOST": "bot.example.com"}, "TEAMS_EMULATOR=1 needs HOST"),
        (
            {"TEAMS_EMULATOR": "1", "MICROSOFT_APP_ID": "id", "MICROSOFT_APP_PASSWORD": "p"},
            "TEAMS_EMULATOR=1 and MICROSOFT_APP_ID are both set",
        ),
        (
            {"MICROSOFT_OPENID_METADATA_URL": "https://login.example/openid"},
            "MICROSOFT_OPENID_METADATA_URL is set without MICROSOFT_APP_ID",
        ),
        (
            {
                "MICROSOFT_APP_ID": "id",
                "MICROSOFT_APP_PASSWORD": "p",
                "MICROSOFT_OPENID_METADATA_URL": "http://login.example/openid",
            },
            "MICROSOFT_OPENID_METADATA_URL must be an https:// URL",
        ),
        ({"MENTORING_ANONYMITY_K": "2"}, "MENTORING_ANONYMITY_K"),
        ({"PORT": "not-a-port"}, "PORT"),
    ],
)
def test_inconsistent_settings_fail_fast_with_a_clear_message(
    monkeypatch: pytest.MonkeyPatch, env: dict[str, str], message: str
) -> None:
    for k, v in env.items():
        monkeypatch.setenv(k, v)
    with pytest.raises(SettingsError, match=message):
        load_settings()


def test_secrets_are_not_echoed_in_errors(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-very-secret")
    with pytest.raises(SettingsError) as caught:
        load_settings()
    assert "very-secret" not in str(caught.value)


def test_platform_credentials_turn_the_local_chat_off(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-1")
    monkeypatch.setenv("SLACK_SIGNING_SECRET", "s")
    assert not load_settings().local_chat_enabled
    monkeypatch.setenv("LOCAL_CHAT", "1")
    assert load_settings().local_chat_enabled


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("postgresql://u@h/db", "postgresql+asyncpg://u@h/db"),
        ("postgres://u@h/db", "postgresql+asyncpg://u@h/db"),
        ("sqlite:///x.db", "sqlite+aiosqlite:///x.db"),
        ("postgresql+asyncpg://u@h/db", "postgresql+asyncpg://u@h/db"),
    ],
)
def test_database_urls_get_async_drivers(url: str, expected: str) -> None:
    assert to_async_url(url) == expected


def test_an_unusual_bot_token_is_only_warned_about(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setenv("SLACK_BOT_TOKEN", "test-token")
    monkeypatch.setenv("SLACK_SIGNING_SECRET", "s")
    assert load_settings().slack_enabled
    assert "does not look like a bot token" in caplog.text
    assert "test-token" not in caplog.text


def test_teams_is_served_only_with_an_app_id_or_an_explicit_emulator(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    assert not load_settings().teams_enabled  # no credentials: no /api/messages
    monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-1")
    monkeypatch.setenv("SLACK_SIGNING_SECRET", "s")
    assert not load_settings().teams_enabled  # a Slack-only server
    monkeypatch.setenv("TEAMS_EMULATOR", "1")
    for host in ("127.0.0.1", "localhost", "::1", "127.0.0.2"):
        monkeypatch.setenv("HOST", host)
        emulated = load_settings()
        assert emulated.teams_enabled and not emulated.teams_configured
    monkeypatch.delenv("TEAMS_EMULATOR")
    monkeypatch.setenv("MICROSOFT_APP_ID", "id")
    monkeypatch.setenv("MICROSOFT_APP_PASSWORD", "p")
    monkeypatch.setenv("MICROSOFT_OPENID_METADATA_URL", "http://127.0.0.1:9/openid")
    configured = load_settings()
    assert configured.teams_enabled and configured.teams_configured
