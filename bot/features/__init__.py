"""Feature modules: importing this package registers every handler on ``ROUTES``.

Every module in this package is imported, so a new feature needs no edit here.
"""

import importlib
import pkgutil

for _module in sorted(m.name for m in pkgutil.iter_modules(__path__)):
    importlib.import_module(f"{__name__}.{_module}")
