"""The mock server's own database: typed SQLAlchemy models and the engines over it.

Two kinds of database hold the same Alembic-managed schema (desktop/backend/migrations):
- a data folder's backend.sqlite. Several processes (the app and `referral-desktop sim`) open the
  same file at once, so every transaction starts with `BEGIN IMMEDIATE`: writers queue on the busy
  timeout instead of failing with "database is locked" when they upgrade a read to a write (see
  shared/QT-NOTES.md);
- a shared server's PostgreSQL database (`postgresql+psycopg://...`). There every unit of work
  starts by locking the backend_state row (`SELECT ... FOR UPDATE`, desktop.backend.database),
  which serialises writers the same way and orders the global change version.
"""

from __future__ import annotations

import secrets
import sqlite3
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import (
    DateTime,
    Dialect,
    Engine,
    ForeignKey,
    Index,
    String,
    TypeDecorator,
    UniqueConstraint,
    create_engine,
    event,
    inspect,
    make_url,
    text,
)
from sqlalchemy.engine import Connection
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship
from sqlalchemy.pool import ConnectionPoolEntry
from sqlalchemy.schema import CreateTable

from desktop.backend.datafile import SCHEMA_VERSION, SCHEMA_VERSION_QUERY, STATE_TABLE
from desktop.domain.clock import as_utc
from desktop.domain.outcomes import CREDIT_TITLE_REFERRAL
from desktop.domain.reasons import fill
from desktop.paths import SQLITE_SIDE_FILES, private_file, private_folder

HEAD_REVISION = "0002_offer_credits"
"""The Alembic revision of this code's models (desktop/backend/migrations; a test checks it is
Alembic's head). Compared with plain SQL at open, so a database already at head never imports
Alembic (or Mako) at start-up."""

BUSY_TIMEOUT_MS = 5000
"""How long a transaction waits for another process's write to finish before failing."""

BEGIN_MODE_OPTION = "backend_begin_mode"
"""Execution option: "DEFERRED" for a read that must never wait on a writer; default IMMEDIATE."""


class UtcDateTime(TypeDecorator[datetime]):
    """Aware UTC datetimes in, aware UTC datetimes out; stored naive in UTC so text order works."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        return None if value is None else as_utc(value).replace(tzinfo=None)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        return None if value is None else value.replace(tzinfo=UTC)


class Base(DeclarativeBase):
    """Declarative base of the backend's models (separate from the client's cache models)."""

    type_annotation_map = {datetime: UtcDateTime()}


class BackendState(Base):
    """The single row of server-wide settings: schema version, change sequence, clock, faults,
    policy. One row so one read gives a transaction its time and policy."""

    __tablename__ = STATE_TABLE

    id: Mapped[int] = mapped_column(primary_key=True)
    schema_version: Mapped[int]
    created_at: Mapped[datetime]
    # R8: one global monotonic sequence; every changed invitation or token takes its next value.
    last_version: Mapped[int] = mapped_column(default=0)
    # Cursors at or below this value were handed out before the last reset-demo.
    reset_floor: Mapped[int] = mapped_column(default=0)
    # The virtual clock: frozen at clock_virtual_at, or running since clock_real_anchor.
    clock_virtual_at: Mapped[datetime]
    clock_running: Mapped[bool] = mapped_column(default=False)
    clock_real_anchor: Mapped[datetime | None]
    fault_offline: Mapped[bool] = mapped_column(default=False)
    fault_latency_ms: Mapped[int] = mapped_column(default=0)
    fault_error_rate: Mapped[float] = mapped_column(default=0.0)
    policy_json: Mapped[str] = mapped_column(String, default="{}")
    # Signs session tokens derived from a sign-in's idempotency key, so a repeated sign-in
    # returns the same session instead of an orphan one (R11).
    server_secret: Mapped[bytes] = mapped_column(default=lambda: secrets.token_bytes(32))
    # Where invitation links point: `<server URL>/join/`, set by the HTTP service that serves
    # this database (`referral-desktop serve`, or the app's embedded one). None: LINK_PREFIX.
    link_base: Mapped[str | None] = mapped_column(String, default=None)
    # The offer's copy and switches (desktop.domain.offer.OfferSettings), set by `sim offer set`.
    offer_json: Mapped[str] = mapped_column(String, default="{}", server_default="{}")


class Account(Base):
    """Anyone known to the server: operators (with a password) and recipients."""

    __tablename__ = "accounts"

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    email: Mapped[str] = mapped_column(String(320), unique=True)
    display_name: Mapped[str]
    plan: Mapped[str] = mapped_column(String(8))
    billing_day: Mapped[int]
    password_salt: Mapped[bytes | None]
    password_hash: Mapped[bytes | None]
    created_at: Mapped[datetime]
    last_active_at: Mapped[datetime]
    pilot_list: Mapped[str | None] = mapped_column(String(5))  # None | "allow" | "deny"
    five_hour_used: Mapped[int] = mapped_column(default=0)
    five_hour_started_at: Mapped[datetime | None]
    weekly_used: Mapped[int] = mapped_column(default=0)
    weekly_started_at: Mapped[datetime | None]

    @property
    def is_operator(self) -> bool:
        """Operators can sign in to the app; recipients only act through links."""
        return self.password_hash is not None


class SessionRecord(Base):
    """A sign-in. Only the SHA-256 of the secret token is stored."""

    __tablename__ = "sessions"

    token_sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    account_id: Mapped[str] = mapped_column(ForeignKey("accounts.id"), index=True)
    created_at: Mapped[datetime]
    ended_at: Mapped[datetime | None]


class Invitation(Base):
    """One invitation from an operator to one address, with its checklist counters."""

    __tablename__ = "invitations"
    __table_args__ = (
        UniqueConstraint("operator_id", "idempotency_key"),
        Index("ix_invitations_operator_version", "operator_id", "version"),
        Index("ix_invitations_operator_recipient", "operator_id", "recipient_email"),
        Index("ix_invitations_operator_created", "operator_id", "created_at"),
        Index("ix_invitations_state_created", "state", "created_at"),
        Index("ix_invitations_sequence", "sequence", unique=True),
    )

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    operator_id: Mapped[str] = mapped_column(ForeignKey("accounts.id"))
    recipient_email: Mapped[str] = mapped_column(String(320))
    link_token: Mapped[str] = mapped_column(String(64), unique=True)
    idempotency_key: Mapped[str | None] = mapped_column(String(200))
    state: Mapped[str] = mapped_column(String(20))
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    version: Mapped[int]
    # Creation order across the backend (1, 2, 3...): the stable "newest first" of every list.
    sequence: Mapped[int]
    link_opened_at: Mapped[datetime | None]
    joined_kind: Mapped[str | None] = mapped_column(String(12))  # None | "new" | "reactivated"
    recipient_id: Mapped[str | None] = mapped_column(ForeignKey("accounts.id"), index=True)
    workspace_ready_at: Mapped[datetime | None]
    prompts: Mapped[int] = mapped_column(default=0)
    # Set when the invitation ends by conversion; pending ones follow the current policy.
    prompts_required: Mapped[int | None]
    ended_at: Mapped[datetime | None]
    # Sent while the operator had no reward capacity left in the cycle (issue 14).
    rewardless: Mapped[bool] = mapped_column(default=False, server_default=text("0"))

    operator: Mapped[Account] = relationship(foreign_keys=[operator_id])
    events: Mapped[list[InvitationEvent]] = relationship(
        order_by="InvitationEvent.id", cascade="all, delete-orphan"
    )
    messages: Mapped[list[OutboxMessage]] = relationship(order_by="OutboxMessage.id")


class InvitationEvent(Base):
    """One step of an invitation's status history."""

    __tablename__ = "invitation_events"

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    invitation_id: Mapped[str] = mapped_column(ForeignKey("invitations.id"), index=True)
    state: Mapped[str] = mapped_column(String(20))
    at: Mapped[datetime]


class Token(Base):
    """A usage reset credit (R6): earned by a conversion, or granted (issue 14)."""

    __tablename__ = "tokens"
    __table_args__ = (
        Index("ix_tokens_account_version", "account_id", "version"),
        Index("ix_tokens_account_granted", "account_id", "granted_at"),
        # Spendable candidates of one account, earliest expiry first. Both partial indexes get
        # their PostgreSQL `WHERE` from `add_postgresql_index_options()`.
        Index(
            "ix_tokens_account_unspent",
            "account_id",
            "expires_at",
            sqlite_where=text("spent_at IS NULL"),
        ),
        # What the expiry sweep still has to mark: cost follows due rows, not history.
        Index(
            "ix_tokens_expiry_due",
            "expires_at",
            sqlite_where=text("spent_at IS NULL AND expired_at IS NULL"),
        ),
    )

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    account_id: Mapped[str] = mapped_column(ForeignKey("accounts.id"))
    # None for a complimentary credit.
    invitation_id: Mapped[str | None] = mapped_column(ForeignKey("invitations.id"), index=True)
    granted_at: Mapped[datetime]
    expires_at: Mapped[datetime | None]
    spent_at: Mapped[datetime | None]
    expired_at: Mapped[datetime | None]
    version: Mapped[int]
    source: Mapped[str] = mapped_column(  # CreditSource
        String(16), default="referral", server_default="referral"
    )
    title: Mapped[str] = mapped_column(String(200), default="", server_default="")
    windows: Mapped[str] = mapped_column(  # CreditWindows
        String(10), default="both", server_default="both"
    )


class Redemption(Base):
    """A spend request, remembered per (account, idempotency key) so a replay spends nothing."""

    __tablename__ = "redemptions"
    __table_args__ = (UniqueConstraint("account_id", "idempotency_key"),)

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    account_id: Mapped[str] = mapped_column(ForeignKey("accounts.id"))
    idempotency_key: Mapped[str] = mapped_column(String(200))
    token_id: Mapped[str] = mapped_column(ForeignKey("tokens.id"), index=True)
    redeemed_at: Mapped[datetime]
    # The weekly window right after the spend, for a replay of a credit that left it alone.
    weekly_used_after: Mapped[int | None]
    weekly_started_after: Mapped[datetime | None]


class OutboxMessage(Base):
    """An invitation email the mock "dispatched"; QA reads them with `sim outbox`."""

    __tablename__ = "outbox"
    __table_args__ = (
        Index("uq_outbox_invitation_key", "invitation_id", "idempotency_key", unique=True),
    )

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    invitation_id: Mapped[str] = mapped_column(ForeignKey("invitations.id"), index=True)
    recipient: Mapped[str] = mapped_column(String(320))
    subject: Mapped[str]
    body: Mapped[str]
    sent_at: Mapped[datetime]
    # The request that sent this email: None for the first one, a resend's key (issue 14).
    idempotency_key: Mapped[str | None] = mapped_column(String(200))


def sqlite_url(db_path: Path) -> str:
    """The database URL of a backend.sqlite file."""
    return f"sqlite:///{db_path}"


POSTGRESQL_PARTIAL_INDEXES = {
    "ix_tokens_account_unspent": "spent_at IS NULL",
    "ix_tokens_expiry_due": "spent_at IS NULL AND expired_at IS NULL",
}
"""The `postgresql_where` of the partial indexes, the same as their `sqlite_where`."""


def add_postgresql_index_options() -> None:
    """Give the partial indexes their PostgreSQL `WHERE` (idempotent). Not in the models
    themselves: a `postgresql_where` there imports SQLAlchemy's PostgreSQL dialect (~55 ms) at
    every start of the app, whose embedded backend is SQLite; a PostgreSQL engine adds them."""
    for index in Base.metadata.tables[Token.__tablename__].indexes:
        where = POSTGRESQL_PARTIAL_INDEXES.get(str(index.name))
        if where is not None and index.dialect_options["postgresql"]["where"] is None:
            index.dialect_kwargs["postgresql_where"] = text(where)


def is_sqlite(engine: Engine | Connection) -> bool:
    """Whether the engine (or connection) talks to SQLite rather than PostgreSQL."""
    return engine.dialect.name == "sqlite"


POSTGRES_POOL_SIZE = 10
"""Connections one process keeps to a shared PostgreSQL server (plus as many on overflow)."""


def create_engine_for_url(url: str) -> Engine:
    """An engine for `sqlite:///<file>` (pragmas, BEGIN IMMEDIATE) or `postgresql+psycopg://...`.

    Anything else is refused: the store's locking is written for these two.
    """
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if not parsed.database or parsed.database == ":memory:":
            raise ValueError("a SQLite backend needs a file (each connection to :memory: is empty)")
        return create_backend_engine(Path(parsed.database))
    if parsed.get_backend_name() == "postgresql":
        if parsed.get_driver_name() != "psycopg":
            raise ValueError("use the psycopg driver: postgresql+psycopg://user@host/database")
        add_postgresql_index_options()
        return create_engine(
            parsed,
            pool_size=POSTGRES_POOL_SIZE,
            max_overflow=POSTGRES_POOL_SIZE,
            pool_pre_ping=True,
        )
    raise ValueError(f"unsupported backend database {parsed.get_backend_name()!r}")


def create_backend_engine(db_path: Path) -> Engine:
    """An engine with the pragmas and BEGIN IMMEDIATE transactions every process must use."""
    private_folder(db_path.parent)
    private_file(db_path, SQLITE_SIDE_FILES)  # it holds every invitation link
    engine = create_engine(f"sqlite:///{db_path}")
    event.listen(engine, "connect", _on_connect)
    event.listen(engine, "begin", _on_begin)
    return engine


def _on_connect(dbapi_connection: sqlite3.Connection, record: ConnectionPoolEntry) -> None:
    # Let SQLAlchemy's begin event emit our BEGIN instead of the sqlite3 module's deferred one.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    try:
        cursor.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
        _use_wal(cursor)
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=NORMAL")
    finally:
        cursor.close()


def _use_wal(cursor: sqlite3.Cursor) -> None:
    # WAL is remembered by the file, but switching a brand-new file to it needs an exclusive lock
    # and SQLite answers "locked" at once, without the busy handler, while another process that
    # opened the same new file holds one. Retry like the busy timeout would.
    deadline = time.monotonic() + BUSY_TIMEOUT_MS / 1000
    while True:
        try:
            cursor.execute("PRAGMA journal_mode=WAL")
            return
        except sqlite3.OperationalError as error:
            if "locked" not in str(error) or time.monotonic() > deadline:
                raise
            time.sleep(0.01)


def _on_begin(connection: Connection) -> None:
    mode: Any = connection.get_execution_options().get(BEGIN_MODE_OPTION, "IMMEDIATE")
    if mode not in ("IMMEDIATE", "DEFERRED"):
        raise ValueError(f"unknown begin mode {mode!r}")
    connection.exec_driver_sql(f"BEGIN {mode}")


def plain_connection(engine: Engine) -> Any:
    """A new DBAPI connection to the engine's database, outside its pool, set up as the pool's
    are (SQLite: the pragmas of `_on_connect`, no implicit BEGIN), in autocommit: each statement
    on it is its own transaction and reads one snapshot (SQLite WAL: the snapshot at its start;
    PostgreSQL READ COMMITTED: the statement's). For the quiet-sync check (desktop.backend.
    answers), one statement per sync without the pool's checkout, BEGIN and COMMIT."""
    dialect = engine.dialect
    arguments, options = dialect.create_connect_args(engine.url)
    connection = dialect.connect(*arguments, **options)
    try:
        if is_sqlite(engine):
            _on_connect(connection, None)  # type: ignore[arg-type]
        else:
            connection.autocommit = True
    except BaseException:
        connection.close()
        raise
    return connection


def read_only(engine: Engine) -> Engine:
    """The same engine, but transactions begin DEFERRED: for reads that must not queue."""
    return engine.execution_options(**{BEGIN_MODE_OPTION: "DEFERRED"})


def snapshot_reads(engine: Engine) -> Engine:
    """The same engine for read-only units of work that see one consistent snapshot and never
    queue behind writers: a DEFERRED transaction on SQLite (WAL: the snapshot of its first read),
    a READ ONLY, REPEATABLE READ one on PostgreSQL (the snapshot of its first statement; a
    read-only transaction never fails to serialise). Writers commit in change-version order, so
    a snapshot holds every row up to its `last_version` and none after it."""
    if is_sqlite(engine):
        return read_only(engine)
    return engine.execution_options(isolation_level="REPEATABLE READ", postgresql_readonly=True)


def stored_revision(connection: Connection) -> str | None:
    """The Alembic revision recorded in the database (None: never migrated by Alembic)."""
    if not inspect(connection).has_table("alembic_version"):
        return None
    row = connection.execute(text("SELECT version_num FROM alembic_version")).first()
    return None if row is None else str(row[0])


def stored_schema_version(connection: Connection) -> int | None:
    """The schema version recorded in the file, or None for a new (or foreign) file."""
    if not inspect(connection).has_table(STATE_TABLE):
        return None
    row = connection.execute(text(SCHEMA_VERSION_QUERY)).first()
    return None if row is None else int(row[0])


def upgrade_schema(connection: Connection, version: int) -> bool:
    """Bring a file at `version` to SCHEMA_VERSION in place, step by step, keeping its data;
    False when no in-place path exists (the caller rebuilds)."""
    if version not in _UPGRADES:
        return False
    for step in range(version, SCHEMA_VERSION):
        _UPGRADES[step](connection)
    connection.execute(
        text("UPDATE backend_state SET schema_version = :version WHERE id = 1"),
        {"version": SCHEMA_VERSION},
    )
    return True


def _add_server_secret(connection: Connection) -> None:
    # 1 -> 2: the secret that signs sessions derived from a sign-in's key, random per file.
    connection.exec_driver_sql(
        "ALTER TABLE backend_state ADD COLUMN server_secret BLOB NOT NULL DEFAULT x''"
    )
    connection.exec_driver_sql("UPDATE backend_state SET server_secret = randomblob(32)")


def _add_invitation_sequence(connection: Connection) -> None:
    # 2 -> 3: invitations.sequence, numbered in the order the rows were inserted.
    connection.exec_driver_sql(
        "ALTER TABLE invitations ADD COLUMN sequence INTEGER NOT NULL DEFAULT 0"
    )
    connection.exec_driver_sql(
        "UPDATE invitations SET sequence = numbered.n FROM "
        "(SELECT id, ROW_NUMBER() OVER (ORDER BY rowid) AS n FROM invitations) AS numbered "
        "WHERE numbered.id = invitations.id"
    )
    connection.exec_driver_sql(
        "CREATE UNIQUE INDEX ix_invitations_sequence ON invitations (sequence)"
    )


def _add_link_base(connection: Connection) -> None:
    # 3 -> 4: where invitation links point (set by the HTTP service serving this file).
    connection.exec_driver_sql("ALTER TABLE backend_state ADD COLUMN link_base VARCHAR")


def _add_offer_and_credits(connection: Connection) -> None:
    # 4 -> 5 (issue 14): offer settings, rewardless invitations, resend keys on the
    # outbox, credit source/title/windows, the weekly window a one-window spend left; and
    # tokens.invitation_id may be null (complimentary credits).
    for statement in (
        "ALTER TABLE backend_state ADD COLUMN offer_json VARCHAR NOT NULL DEFAULT '{}'",
        "ALTER TABLE invitations ADD COLUMN rewardless BOOLEAN NOT NULL DEFAULT 0",
        "ALTER TABLE outbox ADD COLUMN idempotency_key VARCHAR(200)",
        "CREATE UNIQUE INDEX uq_outbox_invitation_key ON outbox (invitation_id, idempotency_key)",
        "ALTER TABLE redemptions ADD COLUMN weekly_used_after INTEGER",
        "ALTER TABLE redemptions ADD COLUMN weekly_started_after DATETIME",
    ):
        connection.exec_driver_sql(statement)
    # SQLite's recipe for a changed column: a new table, the rows copied, the old one dropped,
    # the new one renamed. The spends that refer to tokens step aside meanwhile, so dropping the
    # old table violates no foreign key.
    table = Base.metadata.tables[Token.__tablename__]
    old = ", ".join(f'"{column["name"]}"' for column in inspect(connection).get_columns("tokens"))
    create = str(CreateTable(table).compile(dialect=connection.dialect)).strip()
    connection.exec_driver_sql(create.replace("CREATE TABLE tokens", "CREATE TABLE tokens_v5", 1))
    connection.exec_driver_sql(f"INSERT INTO tokens_v5 ({old}) SELECT {old} FROM tokens")
    connection.exec_driver_sql("CREATE TEMP TABLE redemptions_v4 AS SELECT * FROM redemptions")
    connection.exec_driver_sql("DELETE FROM redemptions")
    connection.exec_driver_sql("DROP TABLE tokens")
    connection.exec_driver_sql("ALTER TABLE tokens_v5 RENAME TO tokens")
    for index in table.indexes:
        index.create(connection)
    connection.exec_driver_sql("INSERT INTO redemptions SELECT * FROM redemptions_v4")
    connection.exec_driver_sql("DROP TABLE redemptions_v4")
    # Earned credits get the title a new grant would have.
    earned = connection.exec_driver_sql(
        "SELECT tokens.id, invitations.recipient_email FROM tokens "
        "JOIN invitations ON invitations.id = tokens.invitation_id"
    ).all()
    for token_id, recipient in earned:
        connection.execute(
            text("UPDATE tokens SET title = :title WHERE id = :id"),
            {"title": fill(CREDIT_TITLE_REFERRAL, {"recipient": recipient}), "id": token_id},
        )


_UPGRADES = {
    1: _add_server_secret,
    2: _add_invitation_sequence,
    3: _add_link_base,
    4: _add_offer_and_credits,
}
"""The in-place step from each older schema version to the next."""


def drop_all_tables(connection: Connection) -> None:
    """Drop every table in the database (mock data only): before a rebuild from scratch."""
    existing = inspect(connection).get_table_names()
    if is_sqlite(connection):
        connection.exec_driver_sql("PRAGMA defer_foreign_keys=ON")
        for name in existing:
            if not name.startswith("sqlite_"):
                connection.exec_driver_sql(f'DROP TABLE IF EXISTS "{name}"')
        return
    for name in existing:
        connection.exec_driver_sql(f'DROP TABLE IF EXISTS "{name}" CASCADE')
