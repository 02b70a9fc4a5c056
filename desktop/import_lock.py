"""The first import of SQLAlchemy and Alembic happens on one thread at a time.

CPython imports each module under a lock of its own. Two threads importing different parts of a
package whose modules import each other (SQLAlchemy, Alembic) at the same moment can each be
handed the other's module half-initialised: `AttributeError: partially initialized module
'sqlalchemy.sql.roles' has no attribute ...`. In the app that happens on a fresh data folder,
where the cache thread migrates a new cache file while a pool thread opens the embedded backend
for the first sign-in. Every place that may be the first to import them calls `import_once`;
once a module is complete in `sys.modules`, importing it again is a dictionary look-up.

Hold no database lock while calling it: it may wait for another thread's imports.
"""

from __future__ import annotations

import threading

_LOCK = threading.RLock()


def import_once(*names: str) -> None:
    """Import the modules `names` (and what they import) while no other thread is in here."""
    with _LOCK:
        for name in names:
            # The import statement's own path: `python -X importtime` reports these modules
            # (`importlib.import_module` bypasses it and they went unreported).
            __import__(name)
