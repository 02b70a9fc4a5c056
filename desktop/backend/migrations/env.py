"""Alembic environment for the backend database (SQLite file or PostgreSQL).

Normally driven by `BackendStore.prepare` (desktop.backend.database), which passes an open
connection inside its own transaction in `config.attributes`. Developers generate a revision:
`alembic -c desktop/backend/alembic.ini -x url=sqlite:///dev.sqlite revision --autogenerate`.
"""

from __future__ import annotations

from alembic import context
from sqlalchemy import create_engine

from desktop.backend.store import Base, add_postgresql_index_options

config = context.config
connection = config.attributes.get("connection")

if connection is not None:
    if connection.dialect.name == "postgresql":
        add_postgresql_index_options()
    context.configure(
        connection=connection,
        target_metadata=Base.metadata,
        render_as_batch=connection.dialect.name == "sqlite",
    )
    with context.begin_transaction():
        context.run_migrations()
else:
    url = context.get_x_argument(as_dictionary=True).get("url", "sqlite:///dev-backend.sqlite")
    with create_engine(url).connect() as dev_connection:
        if dev_connection.dialect.name == "postgresql":
            add_postgresql_index_options()
        context.configure(
            connection=dev_connection,
            target_metadata=Base.metadata,
            render_as_batch=dev_connection.dialect.name == "sqlite",
        )
        with context.begin_transaction():
            context.run_migrations()
