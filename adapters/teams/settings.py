"""Teams' settings: the Bot Framework app registration, or the explicit emulator mode."""

from __future__ import annotations

from typing import Literal
from urllib.parse import urlsplit

from pydantic import field_validator, model_validator
from pydantic_settings import BaseSettings

from bot.core.loopback import is_loopback
from bot.core.model import Platform
from bot.core.settings import SETTINGS_CONFIG, empty_is_none


class TeamsSettings(BaseSettings):
    """``MICROSOFT_APP_*`` and ``TEAMS_EMULATOR``."""

    model_config = SETTINGS_CONFIG

    microsoft_app_id: str | None = None
    microsoft_app_password: str | None = None
    microsoft_app_type: Literal["MultiTenant", "SingleTenant", "UserAssignedMSI"] = "MultiTenant"
    microsoft_app_tenant_id: str | None = None
    # Where botframework's channel validation reads the OpenID configuration (and so the keys)
    # that Bot Framework tokens are checked against; None: Microsoft's own.
    microsoft_openid_metadata_url: str | None = None
    # Serve /api/messages without authentication, for the Bot Framework Emulator (loopback only).
    teams_emulator: bool = False

    @field_validator(
        "microsoft_app_id",
        "microsoft_app_password",
        "microsoft_app_tenant_id",
        "microsoft_openid_metadata_url",
        mode="before",
    )
    @classmethod
    def _empty_is_none(cls, value: object) -> object:
        return empty_is_none(value)

    @model_validator(mode="after")
    def _consistent_teams(self) -> TeamsSettings:
        if (
            self.microsoft_app_id
            and not self.microsoft_app_password
            and (self.microsoft_app_type != "UserAssignedMSI")
        ):
            raise ValueError("MICROSOFT_APP_ID is set without MICROSOFT_APP_PASSWORD")
        if self.microsoft_app_type == "SingleTenant" and not self.microsoft_app_tenant_id:
            raise ValueError("MICROSOFT_APP_TYPE=SingleTenant needs MICROSOFT_APP_TENANT_ID")
        if self.teams_emulator and self.microsoft_app_id:
            raise ValueError(
                "TEAMS_EMULATOR=1 and MICROSOFT_APP_ID are both set: with an app id every "
                "request needs a Bot Framework token; unset TEAMS_EMULATOR"
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
        return self

    @property
    def teams_enabled(self) -> bool:
        """``/api/messages`` is served with an app id (tokens checked), or with
        ``TEAMS_EMULATOR=1`` on loopback (nothing checked)."""
        return bool(self.microsoft_app_id) or self.teams_emulator

    @property
    def teams_configured(self) -> bool:
        """True when real Bot Framework credentials are set."""
        return bool(self.microsoft_app_id)

    def teams_workspace(self, platform: str) -> str | None:
        """The tenant this deployment is tied to (``MICROSOFT_APP_TENANT_ID``), if any."""
        return self.microsoft_app_tenant_id if platform == Platform.TEAMS.value else None
