"""Teams' settings: the Bot Framework app registration, or the explicit emulator mode."""

from __future__ import annotations

from typing import Literal

from pydantic import field_validator, model_validator
from pydantic_settings import BaseSettings

from bot.core.model import Platform
from bot.core.settings import SETTINGS_CONFIG, empty_is_none


class TeamsSettings(BaseSettings):
    """``MICROSOFT_APP_*`` and ``TEAMS_EMULATOR``."""

    model_config = SETTINGS_CONFIG

    microsoft_app_id: str | None = None
    microsoft_app_password: str | None = None
    microsoft_app_type: Literal["MultiTenant", "SingleTenant", "UserAssignedMSI"] = "MultiTenant"
    microsoft_app_tenant_id: str | None = None
    teams_emulator: bool = False  # Teams without authentication: loopback only, for local testing

    @field_validator(
        "microsoft_app_id", "microsoft_app_password", "microsoft_app_tenant_id", mode="before"
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
        return self

    @property
    def teams_enabled(self) -> bool:
        """Teams is always reachable at /api/messages: with no app id it runs in emulator mode."""
        return True

    @property
    def teams_configured(self) -> bool:
        """True when real Bot Framework credentials are set."""
        return bool(self.microsoft_app_id)

    def teams_workspace(self, platform: str) -> str | None:
        """The tenant this deployment is tied to (``MICROSOFT_APP_TENANT_ID``), if any."""
        return self.microsoft_app_tenant_id if platform == Platform.TEAMS.value else None
