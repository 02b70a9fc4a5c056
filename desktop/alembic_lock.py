"""One Alembic run at a time in this process.

Alembic's `context` and `op` are module-level proxies set up for the run in progress. Two threads
migrating at once (the app opens the client cache and the backend database on different worker
threads at start-up) would run each other's scripts on each other's connections: tables created
in the wrong file, `KeyError: 'config'`, and a sqlite3 connection used from two threads (a
segfault). Every Alembic command in the package runs while holding `ALEMBIC_LOCK`; take it after
the database's own write lock, never before, so no thread waits for it while holding what
another migrating thread needs.
"""

from __future__ import annotations

import threading

ALEMBIC_LOCK = threading.RLock()
