"""Alembic environment: runs on the connection handed over by storage.db.Database.migrate."""

from alembic import context
from sqlmodel import SQLModel

import storage.local_chat  # registers the local chat tables, which storage.tables does not hold
import storage.tables  # noqa: F401  (registers the tables on SQLModel.metadata)

target_metadata = SQLModel.metadata
connection = context.config.attributes.get("connection")
if connection is None:
    raise RuntimeError("run migrations through storage.db.Database.migrate()")
context.configure(
    connection=connection,
    target_metadata=target_metadata,
    render_as_batch=connection.dialect.name == "sqlite",
)
with context.begin_transaction():
    context.run_migrations()
