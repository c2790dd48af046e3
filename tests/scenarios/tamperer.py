"""Someone with access to goal_service's database (and, where a test says so, its data directory) and no
business there: raw SQL on the event store's table, never the project's code, except the chain's published
hash rule, which a tamperer who recomputes hashes knows. And `perfledger ledger verify`, run as an operator
runs it."""

from __future__ import annotations

import json
import sqlite3
import subprocess
from pathlib import Path
from uuid import UUID

import psycopg
from sqlalchemy.engine import make_url

from services.goal_service.domain.checkpoints import CHECKPOINT_LOG_ID
from services.goal_service.domain.ledger import LEDGER_ID, EventIdentity
from shared.platform.chain import entry_hash
from tests.support import perfledger

CLAIM_TOPIC = "services.goal_service.domain.ledger:EventIdentity.Claimed"


def run_verify(storage_env: dict[str, str], *options: str) -> subprocess.CompletedProcess:
    return perfledger("ledger", "verify", *options, env={**storage_env, "COLUMNS": "200"}, timeout=60)


def run_sql(storage_env: dict[str, str], statement: str, params: tuple = ()) -> list[tuple]:
    """SQL against the ledger's table, as someone with database access and no business there would run it."""
    if "PERFLEDGER_DATABASE_URL" in storage_env:
        url = make_url(storage_env["PERFLEDGER_DATABASE_URL"])
        table = f"{storage_env['PERFLEDGER_DATABASE_SCHEMA']}.ledgerapplication_events"
        with psycopg.connect(dbname=url.database, host=url.host, user=url.username) as conn:
            cursor = conn.execute(statement.format(table=table).replace("?", "%s"), params)
            return cursor.fetchall() if cursor.description else []
    with sqlite3.connect(Path(storage_env["PERFLEDGER_DATA_DIR"]) / "goal_service.sqlite3") as conn:
        return conn.execute(statement.format(table="stored_events"), params).fetchall()


def ledger_id_param(storage_env: dict[str, str]) -> object:
    return id_param(storage_env, LEDGER_ID)


def id_param(storage_env: dict[str, str], originator_id: UUID) -> object:
    return originator_id if "PERFLEDGER_DATABASE_URL" in storage_env else originator_id.hex


class Tamperer:
    def __init__(self, storage_env: dict[str, str]):
        self.env = storage_env

    def states(self, originator_id: UUID = LEDGER_ID) -> dict[int, dict]:
        rows = run_sql(
            self.env,
            "SELECT originator_version, state FROM {table} WHERE originator_id = ?",
            (id_param(self.env, originator_id),),
        )
        return {version: json.loads(bytes(state)) for version, state in rows}

    def write(self, position: int, state: dict, originator_id: UUID = LEDGER_ID) -> None:
        run_sql(
            self.env,
            "UPDATE {table} SET state = ? WHERE originator_id = ? AND originator_version = ?",
            (json.dumps(state).encode(), id_param(self.env, originator_id), position),
        )

    def rows(self, first: int) -> list[tuple]:
        """The ledger's rows from a position on, as a backup holds them."""
        return run_sql(
            self.env,
            "SELECT originator_id, originator_version, topic, state FROM {table} "
            "WHERE originator_id = ? AND originator_version >= ?",
            (id_param(self.env, LEDGER_ID), first),
        )

    def restore(self, rows: list[tuple]) -> None:
        """What an operator does with a backup."""
        for originator_id, version, topic, state in rows:
            run_sql(
                self.env,
                "INSERT INTO {table} (originator_id, originator_version, topic, state) VALUES (?, ?, ?, ?)",
                (originator_id, version, topic, bytes(state)),
            )

    def delete_entries(self, first: int) -> None:
        run_sql(
            self.env,
            "DELETE FROM {table} WHERE originator_id = ? AND originator_version >= ?",
            (id_param(self.env, LEDGER_ID), first),
        )

    def delete_checkpoints(self) -> None:
        run_sql(self.env, "DELETE FROM {table} WHERE originator_id = ?", (id_param(self.env, CHECKPOINT_LOG_ID),))

    def match_checkpoints(self) -> None:
        """Make every stored checkpoint name the hash the ledger now has at its position (it cannot re-sign)."""
        hashes = {position: state["hash"] for position, state in self.states().items()}
        for position, state in self.states(CHECKPOINT_LOG_ID).items():
            state["hash"] = hashes[position]
            self.write(position, state, CHECKPOINT_LOG_ID)

    def delete_witness(self) -> None:
        """Beyond the database: the data directory too."""
        (Path(self.env["PERFLEDGER_DATA_DIR"]) / "goal_service.ledger-witness.json").unlink()

    def rewrite(self, first: int, change) -> None:
        """Change every entry from `first` on with `change(entry)` and recompute every hash from there, so the
        chain verifies end to end."""
        states = self.states()
        previous = states[first - 1]["hash"] if first > 1 else "0" * 64
        for position in sorted(p for p in states if p >= first):
            state = states[position]
            change(state["entry"])
            state["hash"] = previous = entry_hash(previous, state["entry"])
            self.write(position, state)

    def append(self, source: str, event_id: str, data: dict) -> int:
        """A well-formed entry after the head, chained from it, with its identity claim: nothing but the
        checkpoints can tell it from one goal_service wrote."""
        states = self.states()
        head = max(states)
        state = json.loads(json.dumps(states[head]))
        entry = state["entry"]
        entry.update(position=head + 1, source=source, id=event_id, data=data)
        state["hash"] = entry_hash(states[head]["hash"], entry)
        self._insert(LEDGER_ID, head + 1, "services.goal_service.domain.ledger:LedgerEntryRecorded", state)
        claim = next(iter(self.claims().values()))
        claim.update(source=source, event_id=event_id, position=head + 1)
        self._insert(EventIdentity.create_id(source, event_id), 1, CLAIM_TOPIC, claim)
        return head + 1

    def claims(self) -> dict[UUID, dict]:
        rows = run_sql(self.env, "SELECT originator_id, state FROM {table} WHERE topic = ?", (CLAIM_TOPIC,))
        return {UUID(str(originator_id)): json.loads(bytes(state)) for originator_id, state in rows}

    def point_claim(self, source: str, event_id: str, position: int) -> None:
        identity_id = EventIdentity.create_id(source, event_id)
        claim = self.claims()[identity_id]
        claim["position"] = position
        self.write(1, claim, identity_id)

    def delete_claim(self, source: str, event_id: str) -> None:
        identity_id = EventIdentity.create_id(source, event_id)
        run_sql(self.env, "DELETE FROM {table} WHERE originator_id = ?", (id_param(self.env, identity_id),))

    def _insert(self, originator_id: UUID, version: int, topic: str, state: dict) -> None:
        run_sql(
            self.env,
            "INSERT INTO {table} (originator_id, originator_version, topic, state) VALUES (?, ?, ?, ?)",
            (id_param(self.env, originator_id), version, topic, json.dumps(state).encode()),
        )
