"""The engine's settings: neutral ones only. Each adapter owns its platform's settings.

``adapters/settings.py`` combines these with every adapter's into the one
``Settings`` object that ``app.py`` reads from the environment (and an
optional ``.env`` file) at start-up.
"""

from __future__ import annotations

import logging
from typing import Annotated, Literal

from pydantic import Field, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from bot.core.identity import Roster, RosterError, parse_roster

log = logging.getLogger(__name__)

DEFAULT_DATABASE_URL = "sqlite+aiosqlite:///./mentoring.db"
SETTINGS_CONFIG = SettingsConfigDict(
    env_file=".env", env_file_encoding="utf-8", extra="ignore", case_sensitive=False
)


class SettingsError(ValueError):
    """The settings are missing or inconsistent; the message says how to fix them."""


def _split_ids(value: object) -> object:
    if isinstance(value, str):
        return [part.strip() for part in value.split(",") if part.strip()]
    return value


def empty_is_none(value: object) -> object:
    """An empty or blank variable counts as unset."""
    return None if isinstance(value, str) and not value.strip() else value


class CoreSettings(BaseSettings):
    """What the engine reads: server, database, rights, language, anonymity thresholds."""

    model_config = SETTINGS_CONFIG

    host: str = "127.0.0.1"
    port: int = Field(3978, ge=1, le=65535)
    database_url: str = DEFAULT_DATABASE_URL

    mentoring_admins: Annotated[list[str], NoDecode] = []
    mentoring_managers: Annotated[list[str], NoDecode] = []
    mentoring_default_locale: Literal["en", "fr"] = "en"
    mentoring_seed_programme: bool = True
    mentoring_seed_programme_name: str = "Reverse mentoring"
    mentoring_anonymity_k: int = Field(5, ge=3)
    mentoring_comment_k: int = Field(10, ge=3)
    metrics_token: str | None = None  # GET /metrics from off this machine needs it

    @field_validator("mentoring_admins", "mentoring_managers", mode="before")
    @classmethod
    def _comma_separated(cls, value: object) -> object:
        return _split_ids(value)

    @field_validator("metrics_token", mode="before")
    @classmethod
    def _no_empty_token(cls, value: object) -> object:
        return empty_is_none(value)

    @model_validator(mode="after")
    def _consistent_core(self) -> CoreSettings:
        if self.mentoring_comment_k < self.mentoring_anonymity_k:
            raise ValueError("MENTORING_COMMENT_K must be at least MENTORING_ANONYMITY_K")
        try:  # read once here, so that an ambiguous entry stops the bot at start-up
            self.admins, self.managers  # noqa: B018
        except RosterError as exc:
            raise ValueError(str(exc)) from None
        return self

    @property
    def platforms(self) -> frozenset[str]:
        """The platforms this deployment serves (the adapters' settings say which)."""
        return frozenset()

    def default_workspace(self, platform: str) -> str | None:
        """The one workspace of ``platform`` this deployment is tied to, if any."""
        return None

    @property
    def admins(self) -> Roster:
        """``MENTORING_ADMINS`` as qualified identities."""
        return parse_roster(self.mentoring_admins, self.platforms, "MENTORING_ADMINS")

    @property
    def managers(self) -> Roster:
        """``MENTORING_MANAGERS`` as qualified identities."""
        return parse_roster(self.mentoring_managers, self.platforms, "MENTORING_MANAGERS")

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
