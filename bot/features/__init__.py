"""Feature modules: importing this package registers every handler on ``ROUTES``."""

from bot.features import (  # noqa: F401
    admin_programmes,
    enrolment,
    help,
    language,
    membership,
    privacy,
)
