"""Where a benchmark's services keep their data: a fresh PostgreSQL database for the run, dropped at its end
(the default), or, with `--sqlite`, the embedded default a newcomer runs: no database URL, so each service
keeps its own SQLite file in its data directory."""

from __future__ import annotations

import argparse
import secrets
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager

import psycopg
from psycopg import sql

PG_ADMIN = "postgresql://postgres@127.0.0.1:5432/postgres"
PG_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/{name}"
EMBEDDED = ""  # the database URL a run on the embedded default hands its services: none


def add_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--sqlite", action="store_true", help="the embedded default: a SQLite file per service (default PostgreSQL)"
    )


@contextmanager
def temporary_database(sqlite: bool = False) -> Iterator[str]:
    """A fresh database for this run; its SQLAlchemy URL (EMBEDDED with `sqlite`: the services' data
    directories, temporary themselves, hold their files). Dropped WITH (FORCE) however the run ends, so
    connections a killed subject left behind cannot keep it alive."""
    if sqlite:
        yield EMBEDDED
        return
    name = f"perfledger_bench_{secrets.token_hex(5)}"
    with psycopg.connect(PG_ADMIN, autocommit=True, connect_timeout=5) as admin:
        admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    try:
        yield PG_URL.format(name=name)
    finally:
        with psycopg.connect(PG_ADMIN, autocommit=True, connect_timeout=5) as admin:
            admin.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


def service_settings(database_url: str, schema: str) -> dict[str, str]:
    """The settings that put a service on `database_url` in its own schema; none on the embedded default."""
    if database_url == EMBEDDED:
        return {}
    return {"PERFLEDGER_DATABASE_URL": database_url, "PERFLEDGER_DATABASE_SCHEMA": schema}


def engine_name(sqlite: bool = False) -> str:
    """The database and its version, as a report names them."""
    if sqlite:
        return f"SQLite {sqlite3.sqlite_version}"
    with psycopg.connect(PG_ADMIN, connect_timeout=5) as conn:
        row = conn.execute("SHOW server_version").fetchone()
    return f"PostgreSQL {row[0].split()[0] if row else '?'}"


def analyse(database_url: str) -> None:
    """Refresh PostgreSQL's statistics of the tables just filled, as autovacuum does within a minute or so
    of a bulk load: without them the planner guesses each table holds one row. (SQLite plans without.)"""
    if database_url == EMBEDDED:
        return
    with psycopg.connect(database_url.replace("+psycopg", ""), autocommit=True) as connection:
        connection.execute("ANALYZE")
