"""The client's local SQLite cache: models, repository, Alembic migrations. No Qt."""
