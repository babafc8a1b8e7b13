"""The Alembic migrations and the SQLModel tables describe the same schema."""

from __future__ import annotations

import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlmodel import SQLModel

from cratedex import database, models  # noqa: F401  (registers the tables)


def test_the_migrated_database_matches_the_models(database_url: str) -> None:
    engine = sa.create_engine(database.database_url(), poolclass=sa.pool.NullPool)
    try:
        with engine.connect() as connection:
            context = MigrationContext.configure(connection)
            assert context.get_current_revision() == database.head_revision()
            assert compare_metadata(context, SQLModel.metadata) == []
    finally:
        engine.dispose()
