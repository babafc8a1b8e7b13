"""The `cratedex` command as a user runs it, including the embedded PostgreSQL default."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import psycopg
import pytest

from cratedex.database import embedded_server
from tests.imitation import Imitation

pytestmark = pytest.mark.usefixtures("prefect_server")


def _run(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "cratedex.cli", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=240,
    )


def _env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "CRATEDEX_DATABASE_URL"}
    env.update(extra)
    return env


def test_ingest_on_the_embedded_default(imitation: Imitation, tmp_path: Path) -> None:
    env = _env(CRATEDEX_DATA_DIR=str(tmp_path))
    done = _run("ingest", "itoa", "--quiet", env=env)
    assert done.returncode == 0, done.stderr
    assert "itoa 1.0.1:" in done.stdout and "from json" in done.stdout
    assert (tmp_path / "pgdata" / "PG_VERSION").exists()

    server = embedded_server(tmp_path)
    try:
        with psycopg.connect(server.get_uri()) as connection:
            count = connection.execute(
                "SELECT count(*) FROM documents WHERE source_name = 'itoa'"
            ).fetchone()
        assert count is not None and count[0] > 3
    finally:
        server.cleanup()


def test_ingest_failure_exits_non_zero_with_the_reason(
    imitation: Imitation, database_url: str
) -> None:
    done = _run("ingest", "no-such-crate", "--quiet", env=_env(CRATEDEX_DATABASE_URL=database_url))
    assert done.returncode == 1
    assert "does not exist on crates.io" in done.stderr


def test_bad_name_is_refused_before_anything_starts(database_url: str) -> None:
    done = _run("ingest", "9bad", env=_env(CRATEDEX_DATABASE_URL=database_url))
    assert done.returncode == 1
    assert "invalid crate name '9bad'" in done.stderr
