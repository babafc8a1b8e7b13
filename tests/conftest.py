"""Session-wide real services for the tests: PostgreSQL, a Prefect server, the docs.rs imitation.

PostgreSQL: a fresh database on the server at CRATEDEX_TEST_POSTGRES (default
postgresql://postgres@127.0.0.1:5432, or an embedded server when none answers there),
migrated once per session and dropped after.
Tables are emptied between tests because flows commit their own transactions.
"""

from __future__ import annotations

import asyncio
import os
import uuid
from collections.abc import AsyncIterator, Callable, Iterator

import psycopg
import pytest
from prefect.client.orchestration import PrefectClient, get_client
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from tests.imitation import FIXTURE_CORPUS, Imitation
from tests.support_worker import WorkerProcess, wait_online

ADMIN_URL = os.environ.get("CRATEDEX_TEST_POSTGRES", "postgresql://postgres@127.0.0.1:5432")

QUIET_ENV = {
    "DO_NOT_TRACK": "1",
    "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
    "PREFECT_SERVER_ALLOW_EPHEMERAL_MODE": "false",
    "PREFECT_LOGGING_LEVEL": "WARNING",
    "FASTMCP_CHECK_FOR_UPDATES": "off",
    "CRATEDEX_RATE_LIMIT": "0",
    "CRATEDEX_RETRY_BACKOFF": "0.05",
}


@pytest.fixture(scope="session", autouse=True)
def environment() -> Iterator[pytest.MonkeyPatch]:
    with pytest.MonkeyPatch.context() as patch:
        for key, value in QUIET_ENV.items():
            patch.setenv(key, value)
        patch.delenv("CRATEDEX_DATABASE_URL", raising=False)
        yield patch


@pytest.fixture(scope="session")
def postgres_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Callable[[str], str]]:
    """URL maker for databases on the local PostgreSQL, or on an embedded one if none runs."""
    try:
        psycopg.connect(f"{ADMIN_URL}/postgres", connect_timeout=3).close()
    except psycopg.OperationalError:
        from cratedex.database import embedded_server

        server = embedded_server(tmp_path_factory.mktemp("embedded-postgres"))
        yield lambda name: server.get_uri(database=name)
        server.cleanup()
    else:
        yield lambda name: f"{ADMIN_URL}/{name}"


@pytest.fixture(scope="session")
def database_url(
    environment: pytest.MonkeyPatch, postgres_server: Callable[[str], str]
) -> Iterator[str]:
    """A migrated, empty database for this session."""
    from cratedex import database
    from cratedex.settings import get_settings

    name = f"cratedex_test_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(postgres_server("postgres"), autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    url = postgres_server(name)
    environment.setenv("CRATEDEX_DATABASE_URL", url)
    get_settings.cache_clear()
    database.upgrade()
    yield url
    with psycopg.connect(postgres_server("postgres"), autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(scope="session")
def prefect_server(environment: pytest.MonkeyPatch) -> Iterator[str]:
    """One throwaway Prefect server for the whole session (it takes ~13 s to start)."""
    from prefect.settings import PREFECT_API_URL
    from prefect.testing.utilities import prefect_test_harness

    with prefect_test_harness(server_startup_timeout=60):
        url = PREFECT_API_URL.value()
        environment.setenv("PREFECT_API_URL", url)
        yield url


@pytest.fixture(scope="session")
def upstream(environment: pytest.MonkeyPatch) -> Iterator[Imitation]:
    """The docs.rs / crates.io / index imitation, serving tests/fixtures/docsrs."""
    with Imitation(FIXTURE_CORPUS) as imitation:
        environment.setenv("CRATEDEX_DOCSRS_URL", imitation.docsrs_url)
        environment.setenv("CRATEDEX_CRATESIO_URL", imitation.cratesio_url)
        environment.setenv("CRATEDEX_INDEX_URL", imitation.index_url)
        yield imitation


@pytest.fixture
def imitation(upstream: Imitation) -> Iterator[Imitation]:
    """The imitation with an empty log and no faults, for one test."""
    upstream.clear_log()
    upstream.clear_faults()
    upstream.reset()
    yield upstream
    upstream.clear_faults()
    assert not upstream.errors, upstream.errors


class SettingsEnv:
    """Sets CRATEDEX_* variables for one test and makes the cached settings follow."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch):
        self._monkeypatch = monkeypatch

    def set(self, **values: str) -> None:
        from cratedex.settings import get_settings

        for key, value in values.items():
            self._monkeypatch.setenv(f"CRATEDEX_{key.upper()}", value)
        get_settings.cache_clear()


@pytest.fixture
def settings_env(monkeypatch: pytest.MonkeyPatch) -> Iterator[SettingsEnv]:
    from cratedex.settings import get_settings

    get_settings.cache_clear()
    yield SettingsEnv(monkeypatch)
    monkeypatch.undo()
    get_settings.cache_clear()


@pytest.fixture
async def engine(database_url: str, settings_env: SettingsEnv) -> AsyncIterator[AsyncEngine]:
    """An engine on the session database, whose tables are emptied after the test."""
    from cratedex.database import create_engine
    from cratedex.settings import get_settings

    engine = create_engine(get_settings())
    yield engine
    async with engine.begin() as connection:
        await connection.exec_driver_sql(
            "TRUNCATE documents, document_sources, crate_jobs RESTART IDENTITY CASCADE"
        )
    await engine.dispose()


@pytest.fixture
async def session(engine: AsyncEngine) -> AsyncIterator[AsyncSession]:
    async with AsyncSession(engine, expire_on_commit=False) as session:
        yield session


@pytest.fixture(scope="session")
def deployed(
    prefect_server: str, database_url: str, upstream: Imitation, environment: pytest.MonkeyPatch
) -> None:
    from cratedex.deploy import apply_deployments, ensure_work_pool

    environment.setenv("CRATEDEX_JOB_HEARTBEAT_SECONDS", "1")
    asyncio.run(ensure_work_pool())
    apply_deployments()


@pytest.fixture(scope="session")
def worker(deployed: None, tmp_path_factory: pytest.TempPathFactory) -> Iterator[WorkerProcess]:
    process = WorkerProcess(tmp_path_factory.mktemp("workers")).start()
    asyncio.run(wait_online())
    yield process
    process.stop()


@pytest.fixture
async def prefect() -> PrefectClient:
    async with get_client() as client:
        yield client
