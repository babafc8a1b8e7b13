"""Shared set-up for benchmarks: the full shared corpus, the imitation, a database, Prefect."""

from __future__ import annotations

import contextlib
import os
import subprocess
import tempfile
import threading
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import psutil
import psycopg

from tests.support_mcp import free_port

SHARED_ARCHIVE = (
    Path(__file__).resolve().parents[2] / "shared/fixtures/docsrs/shared-corpus.tar.zst"
)
ADMIN_URL = os.environ.get("CRATEDEX_TEST_POSTGRES", "postgresql://postgres@127.0.0.1:5432")


def corpus_dir() -> Path:
    """The whole shared corpus, extracted once into the temp dir (the tests' copy if absent)."""
    target = Path(tempfile.gettempdir()) / "cratedex-bench-corpus"
    if (target / "MANIFEST.json").exists():
        return target
    if not SHARED_ARCHIVE.exists():
        return Path(__file__).resolve().parents[1] / "tests/fixtures/docsrs"
    target.mkdir(parents=True, exist_ok=True)
    subprocess.run(f"zstd -dc '{SHARED_ARCHIVE}' | tar -xf - -C '{target}'", shell=True, check=True)
    return target


@contextlib.contextmanager
def scratch_database() -> Iterator[str]:
    """A fresh database for one benchmark run, dropped afterwards."""
    name = f"cratedex_bench_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(f"{ADMIN_URL}/postgres", autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield f"{ADMIN_URL}/{name}"
    finally:
        with psycopg.connect(f"{ADMIN_URL}/postgres", autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


class PeakMemory:
    """Samples this process's RSS every 20 ms; `peak_mb` is the highest seen."""

    def __init__(self) -> None:
        self._process = psutil.Process()
        self._stop = threading.Event()
        self.peak = 0
        self._thread = threading.Thread(target=self._sample, daemon=True)

    def _sample(self) -> None:
        while not self._stop.is_set():
            self.peak = max(self.peak, self._process.memory_info().rss)
            time.sleep(0.02)

    def __enter__(self) -> PeakMemory:
        self.peak = self._process.memory_info().rss
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()

    @property
    def peak_mb(self) -> float:
        return self.peak / 1e6


def quiet_environment(**extra: str) -> None:
    os.environ.update(
        {
            "DO_NOT_TRACK": "1",
            "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
            "PREFECT_LOGGING_LEVEL": "ERROR",
            **extra,
        }
    )


@contextlib.contextmanager
def running_stack(imitation, database_url: str, data_dir: Path, **env: str) -> Iterator[dict]:
    """`cratedex up` in a subprocess against the imitation; yields its URLs."""
    import signal
    import sys

    prefect_port, mcp_port = free_port(), free_port()
    environment = {
        **{k: v for k, v in os.environ.items() if not k.startswith("PREFECT_API")},
        "CRATEDEX_DATABASE_URL": database_url,
        "CRATEDEX_DATA_DIR": str(data_dir),
        "CRATEDEX_DOCSRS_URL": imitation.docsrs_url,
        "CRATEDEX_CRATESIO_URL": imitation.cratesio_url,
        "CRATEDEX_INDEX_URL": imitation.index_url,
        "CRATEDEX_PREFECT_PORT": str(prefect_port),
        "CRATEDEX_MCP_PORT": str(mcp_port),
        "CRATEDEX_WORKER_POLL_SECONDS": "1",
        **env,
    }
    process = subprocess.Popen(
        [sys.executable, "-m", "cratedex.cli", "up"],
        env=environment,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    assert process.stdout is not None
    for line in process.stdout:
        if line.startswith("MCP endpoint:"):
            break
    else:
        raise RuntimeError("cratedex up did not start")
    try:
        yield {
            "api": f"http://127.0.0.1:{prefect_port}/api",
            "mcp": f"http://127.0.0.1:{mcp_port}/mcp",
            "env": environment,
        }
    finally:
        process.send_signal(signal.SIGINT)
        process.wait(90)


#: Every release in the shared corpus.
CORPUS_RELEASES = [
    ("anyhow", "1.0.69"),
    ("itoa", "1.0.1"),
    ("once_cell", "1.17.0"),
    ("regex", "1.7.1"),
    ("semver", "0.9.0"),
    ("semver", "1.0.14"),
    ("serde", "1.0.152"),
]


@contextlib.contextmanager
def bench_environment() -> Iterator[tuple[object, str]]:
    """A Prefect server process (on PostgreSQL), the imitation on the whole corpus and a
    migrated scratch database, with every CRATEDEX_* variable pointing at them; yields
    (imitation, database URL)."""
    quiet_environment(CRATEDEX_RATE_LIMIT="0")  # before Prefect reads its settings
    from tests.imitation import Imitation

    with prefect_server(), Imitation(corpus_dir()) as imitation, scratch_database() as url:
        from cratedex import database
        from cratedex.settings import get_settings

        os.environ.update(
            CRATEDEX_DATABASE_URL=url,
            CRATEDEX_DOCSRS_URL=imitation.docsrs_url,
            CRATEDEX_CRATESIO_URL=imitation.cratesio_url,
            CRATEDEX_INDEX_URL=imitation.index_url,
        )
        get_settings.cache_clear()
        database.upgrade()
        yield imitation, url


@contextlib.contextmanager
def ingested_corpus(releases: list[tuple[str, str]] = CORPUS_RELEASES) -> Iterator[str]:
    """A scratch database holding `releases`, ingested by the real flow from the
    imitation; yields the database URL."""
    import asyncio

    with bench_environment() as (_imitation, url):
        from flows.ingest import ingest_crate

        async def ingest_all() -> None:
            for crate, version in releases:
                await ingest_crate(crate_name=crate, version=version)

        asyncio.run(ingest_all())
        yield url


@contextlib.contextmanager
def prefect_server() -> Iterator[str]:
    """A real `prefect server start` in its own process (as in production: the server's
    work does not share this process's GIL); sets PREFECT_API_URL before Prefect loads."""
    port = free_port()
    home = tempfile.mkdtemp(prefix="cratedex-bench-prefect-")
    with scratch_database() as prefect_db, _prefect_process(port, home, prefect_db) as api:
        yield api


@contextlib.contextmanager
def _prefect_process(port: int, home: str, database_url: str) -> Iterator[str]:
    """The server keeps its own data on PostgreSQL, as `cratedex up` does."""
    import sys

    import httpx

    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "prefect",
            "server",
            "start",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
        ],
        env={
            **os.environ,
            "PREFECT_HOME": home,
            "PREFECT_UI_ENABLED": "false",
            "PREFECT_API_DATABASE_CONNECTION_URL": database_url.replace(
                "postgresql://", "postgresql+asyncpg://"
            ),
        },
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    api = f"http://127.0.0.1:{port}/api"
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{api}/health", timeout=2).status_code == 200:
                break
        except httpx.HTTPError:
            time.sleep(0.3)
    os.environ["PREFECT_API_URL"] = api
    try:
        yield api
    finally:
        process.terminate()
        process.wait(30)
