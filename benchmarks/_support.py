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
