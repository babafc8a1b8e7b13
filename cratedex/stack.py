"""`cratedex up`: the whole stack on one machine, and every process it started stopped on exit.

Embedded PostgreSQL (unless CRATEDEX_DATABASE_URL), a Prefect server with its UI
(unless PREFECT_API_URL), the work pool, rate limits and deployments, one worker,
and the MCP server over HTTP. Ctrl-C or SIGTERM stops the children in reverse order,
each with its whole process group, so no flow-run process is orphaned.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import sqlalchemy as sa
from prefect.settings import PREFECT_API_URL, temporary_settings

from cratedex import database
from cratedex.deploy import prepare
from cratedex.errors import CratedexError
from cratedex.reconcile import WORK_POOL
from cratedex.settings import Settings

STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM)


@dataclass
class Child:
    name: str
    process: subprocess.Popen[bytes]

    def alive(self) -> bool:
        return self.process.poll() is None

    def stop(self, grace: float = 10.0) -> None:
        """SIGTERM the process group (twice: Prefect workers want two), then SIGKILL."""
        for sig, wait in (
            (signal.SIGTERM, grace / 3),
            (signal.SIGTERM, grace),
            (signal.SIGKILL, 5),
        ):
            if not self.alive():
                break
            try:
                os.killpg(self.process.pid, sig)
            except ProcessLookupError:
                break
            try:
                self.process.wait(wait)
            except subprocess.TimeoutExpired:
                continue
        # the leader may be gone while members of its group linger
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self.process.pid, signal.SIGKILL)


@dataclass
class Stack:
    settings: Settings
    log_dir: Path
    children: list[Child] = field(default_factory=list)

    def spawn(self, name: str, argv: list[str], env: dict[str, str]) -> Child:
        log = (self.log_dir / f"{name}.log").open("ab")
        process = subprocess.Popen(
            argv, stdout=log, stderr=subprocess.STDOUT, env=env, start_new_session=True
        )
        child = Child(name, process)
        self.children.append(child)
        return child

    def stop(self) -> None:
        for child in reversed(self.children):
            child.stop()
        self.children.clear()


def _wait_http(url: str, child: Child | None, timeout: float, what: str) -> None:
    """Until `url` answers below 500; fails early if `child` exits meanwhile."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if child is not None and not child.alive():
            raise CratedexError(f"{what} exited during start-up; see its log")
        try:
            if httpx.get(url, timeout=2).status_code < 500:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.3)
    raise CratedexError(f"{what} did not answer at {url} within {timeout:.0f}s")


def prefect_database_url(cratedex_url: str) -> str | None:
    """A `prefect` database beside cratedex's, for the Prefect server: on SQLite its
    event writes stall flow-run creation for seconds. None when it cannot be created
    (the server then keeps its SQLite default)."""
    url = sa.make_url(cratedex_url)
    engine = sa.create_engine(url, isolation_level="AUTOCOMMIT", poolclass=sa.pool.NullPool)
    try:
        with engine.connect() as connection:
            exists = connection.scalar(
                sa.text("SELECT 1 FROM pg_database WHERE datname = :name"), {"name": "prefect"}
            )
            if not exists:
                connection.execute(sa.text('CREATE DATABASE "prefect"'))
    except sa.exc.SQLAlchemyError:
        return None
    finally:
        engine.dispose()
    return url.set(drivername="postgresql+asyncpg", database="prefect").render_as_string(
        hide_password=False
    )


def up(settings: Settings) -> int:
    """Start everything, print where it is, and block until a stop signal."""
    stop_requested: list[int] = []
    for sig in STOP_SIGNALS:
        signal.signal(sig, lambda signum, _frame: stop_requested.append(signum))
    log_dir = settings.data_dir / "logs"
    log_dir.mkdir(parents=True, exist_ok=True)
    stack = Stack(settings, log_dir)
    try:
        _start_services(stack, settings)
        print(f"cratedex is up (logs in {log_dir}); Ctrl-C stops everything.", flush=True)
        while not stop_requested:
            for child in stack.children:
                if not child.alive():
                    print(
                        f"cratedex: {child.name} exited (code {child.process.returncode}); "
                        "stopping",
                        file=sys.stderr,
                        flush=True,
                    )
                    return 1
            time.sleep(0.5)
        return 0
    finally:
        print("cratedex: stopping…", flush=True)
        stack.stop()


def _start_services(stack: Stack, settings: Settings) -> None:
    env = dict(os.environ)
    url = database.database_url(settings)
    env["CRATEDEX_DATABASE_URL"] = url
    where = "CRATEDEX_DATABASE_URL" if settings.database_url else f"embedded, {settings.data_dir}"
    print(f"database: PostgreSQL ({where})", flush=True)

    if not env.get("PREFECT_API_URL"):
        api = f"http://127.0.0.1:{settings.prefect_port}/api"
        server_env = {
            **env,
            "PREFECT_HOME": str(settings.data_dir / "prefect"),
            "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
            "PREFECT_UI_ENABLED": "true",
        }
        server = stack.spawn(
            "prefect-server",
            [
                sys.executable,
                "-m",
                "prefect",
                "server",
                "start",
                "--host",
                "127.0.0.1",
                "--port",
                str(settings.prefect_port),
            ],
            server_env,
        )
        _wait_http(f"{api}/health", server, 90, "the Prefect server")
        env["PREFECT_API_URL"] = api
        print(f"Prefect UI: http://127.0.0.1:{settings.prefect_port}", flush=True)
    else:
        print(f"Prefect API: {env['PREFECT_API_URL']}", flush=True)

    with temporary_settings(updates={PREFECT_API_URL: env["PREFECT_API_URL"]}):
        limits = asyncio.run(prepare(settings))
    print(
        f"work pool '{WORK_POOL}', deployments ingest-crate and reingest-crates, "
        f"rate limits: {', '.join(limits) or 'off'}",
        flush=True,
    )

    worker_env = {**env, "PREFECT_WORKER_QUERY_SECONDS": str(settings.worker_poll_seconds)}
    stack.spawn(
        "worker",
        [
            sys.executable,
            "-m",
            "prefect",
            "worker",
            "start",
            "--pool",
            WORK_POOL,
            "--type",
            "process",
        ],
        worker_env,
    )
    mcp = stack.spawn(
        "mcp-server",
        [
            sys.executable,
            "-m",
            "cratedex.cli",
            "serve",
            "--http",
            "--host",
            settings.mcp_host,
            "--port",
            str(settings.mcp_port),
        ],
        env,
    )
    _wait_http(f"http://{settings.mcp_host}:{settings.mcp_port}/healthz", mcp, 60, "the MCP server")
    print(f"MCP endpoint: http://{settings.mcp_host}:{settings.mcp_port}/mcp", flush=True)
