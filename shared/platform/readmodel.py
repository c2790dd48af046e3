"""Read models: SQLAlchemy tables in the service's own database (the same SQLite file or PostgreSQL
schema as its events), created and changed only by alembic migrations, run at start-up."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import URL, Connection, Engine, Table, create_engine, event, make_url
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from shared.platform.eventstore import database_url, ensure_postgres_schema
from shared.platform.settings import ServiceSettings


def create_read_model_engine(settings: ServiceSettings, service_name: str) -> Engine:
    url = database_url(settings, service_name)
    if url.get_backend_name() == "sqlite":
        engine = create_engine(url, connect_args={"timeout": 30})

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(connection, _record) -> None:  # type: ignore[no-untyped-def]
            connection.execute("PRAGMA journal_mode=WAL")  # readers never wait for the writer
            connection.execute("PRAGMA foreign_keys=ON")

        return engine
    schema = settings.database_schema or "public"
    ensure_postgres_schema(url, schema)
    return postgres_engine(url, settings)


def create_replica_engine(settings: ServiceSettings) -> Engine | None:
    """The read-only replica's engine (`read_database_url`), if there is one: its schema is the primary's."""
    return postgres_engine(make_url(settings.read_database_url), settings) if settings.read_database_url else None


def postgres_engine(url: URL, settings: ServiceSettings) -> Engine:
    schema = settings.database_schema or "public"
    return create_engine(
        url.set(drivername="postgresql+psycopg"),
        pool_pre_ping=True,
        pool_size=settings.database_pool_size,
        max_overflow=settings.database_pool_size,
        connect_args={"options": f"-csearch_path={schema}"},
    )


def migrate(engine: Engine, migrations: Path) -> None:
    """Bring the read model's tables to the newest revision in `migrations` (an alembic script folder)."""
    config = alembic_config(migrations)
    with engine.begin() as connection:
        if MigrationContext.configure(connection).get_current_revision() == head_revision(migrations):
            return  # already there: a restart need not load every migration script again
        config.attributes["connection"] = connection
        command.upgrade(config, "head")


def alembic_config(migrations: Path) -> Config:
    config = Config()
    config.set_main_option("script_location", str(migrations))
    return config


@cache
def head_revision(migrations: Path) -> str | None:
    return ScriptDirectory.from_config(alembic_config(migrations)).get_current_head()


@contextmanager
def snapshot(engine: Engine) -> Iterator[Connection]:
    """A connection whose reads all see one committed state of the database, so that a figure and the
    position it names agree however far the projections move meanwhile."""
    with engine.connect() as connection:
        if connection.dialect.name == "postgresql":
            connection.execution_options(isolation_level="REPEATABLE READ", postgresql_readonly=True)
            with connection.begin():
                yield connection
            return
        # pysqlite begins a transaction only before a write: begin one here, so every read shares its snapshot
        connection.exec_driver_sql("BEGIN")
        try:
            yield connection
        finally:
            connection.rollback()


def upsert(session: Session, table: Table) -> postgresql.Insert | sqlite.Insert:
    """An INSERT that can say what to do on a key it meets (`on_conflict_do_update`), in the session's
    dialect: both stores spell it the same way."""
    dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    return dialect.insert(table)
