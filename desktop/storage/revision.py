"""The cache schema's head revision, known without importing Alembic.

A warm start compares the file's `alembic_version` with it and imports Alembic (about 0.4 s with
Mako) only when they differ, that is when a migration is due; the read-only peek reads only files at
this revision. It is the head of desktop/storage/migrations/versions written out once:
tests/client/test_cache_file.py fails until a new migration's id is copied here (and the peek,
desktop/storage/peek.py, is taught the new schema).
"""

from __future__ import annotations

HEAD_REVISION = "0006_offer_shape"
