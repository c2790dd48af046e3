"""Where a service's eventsourcing Application keeps its events: one SQLite file per service under the
data directory by default, or the PostgreSQL database (and schema) that PERFLEDGER_DATABASE_URL names.
Both are configured through the library's own environment keys, built here in one place."""

from __future__ import annotations

import psycopg
from eventsourcing.cryptography import AESCipher
from psycopg import sql
from sqlalchemy.engine import URL, make_url

from shared.platform.kept import kept
from shared.platform.settings import ServiceSettings

CIPHER_TOPIC = "eventsourcing.cryptography:AESCipher"


def database_url(settings: ServiceSettings, service_name: str) -> URL:
    if settings.database_url:
        return make_url(settings.database_url)
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    return make_url(f"sqlite:///{(settings.data_dir / f'{service_name}.sqlite3').resolve()}")


def encrypted(env: dict[str, str], settings: ServiceSettings, service_name: str) -> dict[str, str]:
    """`env` with every stored event encrypted (eventsourcing's AES-GCM cipher, on the `cryptography` package),
    for a service whose events hold secrets (alert_service's subscription secrets): PERFLEDGER_CIPHER_KEY, or
    a key made once in the data directory, readable by its owner only. The topic and ids stay readable, so
    the store can still be followed in order; what an event says is not."""
    key = settings.cipher_key.get_secret_value() if settings.cipher_key else None
    return {
        **env,
        "CIPHER_TOPIC": CIPHER_TOPIC,
        "CIPHER_KEY": key or kept(settings.data_dir / f"{service_name}.cipher-key", lambda: AESCipher.create_key(32)),
    }


def eventsourcing_env(settings: ServiceSettings, service_name: str) -> dict[str, str]:
    """The environment for `eventsourcing.application.Application(env=...)`."""
    url = database_url(settings, service_name)
    if url.get_backend_name() == "sqlite":
        if not url.database or url.database == ":memory:":
            raise ValueError("an in-memory SQLite database would lose the ledger; give a file path")
        return {
            "PERSISTENCE_MODULE": "eventsourcing.sqlite",
            "SQLITE_DBNAME": url.database,
            "SQLITE_LOCK_TIMEOUT": "30",
        }
    schema = settings.database_schema or "public"
    ensure_postgres_schema(url, schema)
    return {
        "PERSISTENCE_MODULE": "eventsourcing.postgres",
        "POSTGRES_DBNAME": url.database or "postgres",
        "POSTGRES_HOST": url.host or "127.0.0.1",
        "POSTGRES_PORT": str(url.port or 5432),
        "POSTGRES_USER": url.username or "postgres",
        "POSTGRES_PASSWORD": url.password or "",
        "POSTGRES_SCHEMA": schema,
        "POSTGRES_POOL_SIZE": str(settings.database_pool_size),
        "POSTGRES_MAX_OVERFLOW": str(settings.database_pool_size),
        "POSTGRES_CONNECT_TIMEOUT": "10",
        "POSTGRES_LOCK_TIMEOUT": "30",
        "APPLICATION_RECORDER_TOPIC": "shared.platform.postgres_recorder:PostgresRecorder",
    }


def psycopg_conninfo(url: URL) -> str:
    return psycopg.conninfo.make_conninfo(
        dbname=url.database or "postgres",
        host=url.host or "127.0.0.1",
        port=url.port or 5432,
        user=url.username or "postgres",
        password=url.password or "",
    )


def ensure_postgres_schema(url: URL, schema: str) -> None:
    with psycopg.connect(psycopg_conninfo(url), autocommit=True) as conn:
        conn.execute(sql.SQL("CREATE SCHEMA IF NOT EXISTS {}").format(sql.Identifier(schema)))
