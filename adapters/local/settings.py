"""The local web chat's one setting."""

from __future__ import annotations

from pydantic_settings import BaseSettings

from bot.core.settings import SETTINGS_CONFIG


class LocalSettings(BaseSettings):
    """``LOCAL_CHAT``: force the local web chat on (``1``) or off (``0``)."""

    model_config = SETTINGS_CONFIG

    local_chat: bool | None = None  # None: on when no platform is configured
