"""Alembic environment: migrations run on the connection shared.platform.readmodel.migrate hands over."""

from alembic import context

from shared.kernel.ledger_views.tables import metadata

context.configure(connection=context.config.attributes["connection"], target_metadata=metadata)
with context.begin_transaction():
    context.run_migrations()
