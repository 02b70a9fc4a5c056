"""Alembic environment for the cache. Normally driven by `desktop.storage.database.migrate`,
which passes an open connection (foreign keys off, BEGIN IMMEDIATE) in `config.attributes`.
"""

from __future__ import annotations

from alembic import context
from sqlalchemy import create_engine

from desktop.storage.models import Base

config = context.config
connection = config.attributes.get("connection")

if connection is not None:
    context.configure(connection=connection, target_metadata=Base.metadata, render_as_batch=True)
    with context.begin_transaction():
        context.run_migrations()
else:  # developers: `alembic -x url=sqlite:///some.sqlite revision --autogenerate`
    url = context.get_x_argument(as_dictionary=True).get("url", "sqlite:///dev-cache.sqlite")
    with create_engine(url).connect() as dev_connection:
        context.configure(
            connection=dev_connection, target_metadata=Base.metadata, render_as_batch=True
        )
        with context.begin_transaction():
            context.run_migrations()
