"""Settings, read once from the environment (and an optional ``.env`` file)."""

from __future__ import annotations

import logging
from typing import Annotated, Literal
from urllib.parse import urlsplit

from pydantic import Field, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from bot.core.loopback import is_loopback

log = logging.getLogger(__name__)

DEFAULT_DATABASE_URL = "sqlite+aiosqlite:///./mentoring.db"


class SettingsError(ValueError):
    """The settings are missing or inconsistent; the message says how to fix them."""


def _split_ids(value: object) -> object:
    if isinstance(value, str):
        return [part.strip() for part in value.split(",") if part.strip()]
    return value


class Settings(BaseSettings):
    """Every setting of the bot, typed. Names match the environment variables."""

    model_config = SettingsConfigDict(
        env_file=".env", env_file_encoding="utf-8", extra="ignore", case_sensitive=False
    )

    host: str = "127.0.0.1"
    port: int = Field(3978, ge=1, le=65535)
    database_url: str = DEFAULT_DATABASE_URL

    slack_bot_token: str | None = None
    slack_signing_secret: str | None = None
    slack_app_token: str | None = None
    slack_api_url: str = "https://slack.com/api/"
    slack_team_id: str | None = None  # when set, requests from other workspaces are refused

    microsoft_app_id: str | None = None
    microsoft_app_password: str | None = None
    microsoft_app_type: Literal["MultiTenant", "SingleTenant", "UserAssignedMSI"] = "MultiTenant"
    microsoft_app_tenant_id: str | None = None
    # Where botframework's channel validation reads the OpenID configuration (and so the keys)
    # that Bot Framework tokens are checked against; None: Microsoft's own.
    microsoft_openid_metadata_url: str | None = None
    # Serve /api/messages without authentication, for the Bot Framework Emulator (loopback only).
    teams_emulator: bool = False

    local_chat: bool | None = None  # None: on when no platform is configured

    mentoring_admins: Annotated[list[str], NoDecode] = []
    mentoring_managers: Annotated[list[str], NoDecode] = []
    mentoring_default_locale: Literal["en", "fr"] = "en"
    mentoring_seed_programme: bool = True
    mentoring_seed_programme_name: str = "Reverse mentoring"
    mentoring_anonymity_k: int = Field(5, ge=3)
    mentoring_comment_k: int = Field(10, ge=3)

    @field_validator("mentoring_admins", "mentoring_managers", mode="before")
    @classmethod
    def _comma_separated(cls, value: object) -> object:
        return _split_ids(value)

    @field_validator(
        "slack_bot_token",
        "slack_signing_secret",
        "slack_app_token",
        "slack_team_id",
        "microsoft_app_id",
        "microsoft_app_password",
        "microsoft_app_tenant_id",
        "microsoft_openid_metadata_url",
        mode="before",
    )
    @classmethod
    def _empty_is_none(cls, value: object) -> object:
        return None if isinstance(value, str) and not value.strip() else value

    @model_validator(mode="after")
    def _consistent(self) -> Settings:
        if self.slack_bot_token and not (self.slack_signing_secret or self.slack_app_token):
            raise ValueError(
                "SLACK_BOT_TOKEN is set but neither SLACK_SIGNING_SECRET (HTTP mode) "
                "nor SLACK_APP_TOKEN (Socket Mode) is: set one of them"
            )
        if (self.slack_signing_secret or self.slack_app_token) and not self.slack_bot_token:
            raise ValueError("a Slack signing secret or app token is set without SLACK_BOT_TOKEN")
        if self.slack_bot_token and not self.slack_bot_token.startswith("xoxb-"):
            # Not fatal: test workspaces and proxies use other tokens; Slack will say if it's wrong.
            log.warning("SLACK_BOT_TOKEN does not look like a bot token (xoxb-…)")
        if self.slack_app_token and not self.slack_app_token.startswith("xapp-"):
            raise ValueError("SLACK_APP_TOKEN must be an app-level token (it starts with xapp-)")
        if (
            self.microsoft_app_id
            and not self.microsoft_app_password
            and (self.microsoft_app_type != "UserAssignedMSI")
        ):
            raise ValueError("MICROSOFT_APP_ID is set without MICROSOFT_APP_PASSWORD")
        if self.microsoft_app_type == "SingleTenant" and not self.microsoft_app_tenant_id:
            raise ValueError("MICROSOFT_APP_TYPE=SingleTenant needs MICROSOFT_APP_TENANT_ID")
        self._teams_consistent()
        if self.mentoring_comment_k < self.mentoring_anonymity_k:
            raise ValueError("MENTORING_COMMENT_K must be at least MENTORING_ANONYMITY_K")
        return self

    def _teams_consistent(self) -> None:
        if self.teams_emulator and self.microsoft_app_id:
            raise ValueError(
                "TEAMS_EMULATOR=1 and MICROSOFT_APP_ID are both set: with an app id every "
                "request needs a Bot Framework token; unset TEAMS_EMULATOR"
            )
        if self.teams_emulator and not is_loopback(self.host):
            raise ValueError(
                f"TEAMS_EMULATOR=1 needs HOST to be a loopback address (127.0.0.1, ::1, "
                f"localhost), not {self.host!r}: emulator mode authenticates no request"
            )
        url = self.microsoft_openid_metadata_url
        if url is not None:
            if not self.microsoft_app_id:
                raise ValueError("MICROSOFT_OPENID_METADATA_URL is set without MICROSOFT_APP_ID")
            parts = urlsplit(url)
            local = parts.scheme == "http" and is_loopback(parts.hostname)
            if not (parts.scheme == "https" and parts.hostname) and not local:
                raise ValueError(
                    "MICROSOFT_OPENID_METADATA_URL must be an https:// URL "
                    "(http:// only on a loopback address)"
                )

    @property
    def slack_enabled(self) -> bool:
        """Slack is on when its bot token (and a signing secret or app token) is set."""
        return bool(self.slack_bot_token)

    @property
    def teams_enabled(self) -> bool:
        """``/api/messages`` is served with an app id (tokens checked), or with
        ``TEAMS_EMULATOR=1`` on loopback (nothing checked)."""
        return bool(self.microsoft_app_id) or self.teams_emulator

    @property
    def teams_configured(self) -> bool:
        """True when real Bot Framework credentials are set."""
        return bool(self.microsoft_app_id)

    @property
    def local_chat_enabled(self) -> bool:
        """The local web chat is on by default only when no platform is configured."""
        if self.local_chat is not None:
            return self.local_chat
        return not (self.slack_enabled or self.teams_configured)

    @property
    def async_database_url(self) -> str:
        """The database URL with the async driver SQLAlchemy needs."""
        return to_async_url(self.database_url)


def to_async_url(url: str) -> str:
    """Map ``postgresql://`` and ``sqlite://`` URLs to their asyncpg/aiosqlite drivers."""
    for prefix, driver in (
        ("postgresql://", "postgresql+asyncpg://"),
        ("postgres://", "postgresql+asyncpg://"),
        ("sqlite://", "sqlite+aiosqlite://"),
    ):
        if url.startswith(prefix):
            return driver + url[len(prefix) :]
    return url


def load_settings(**overrides: object) -> Settings:
    """Read the settings, turning validation errors into one readable ``SettingsError``."""
    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in err['loc']).upper() or 'settings'}: {err['msg']}"
            for err in exc.errors()
        )
        raise SettingsError(f"invalid settings: {problems}") from None
