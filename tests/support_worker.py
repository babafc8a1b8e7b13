"""A real `prefect worker` process on the cratedex pool, for tests that need one."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import TypeVar

T = TypeVar("T")


class WorkerProcess:
    """Starts and kills `prefect worker start --pool cratedex` in its own process group."""

    def __init__(self, log_dir: Path, name: str = "test-worker", **env: str):
        self.log_path = log_dir / f"{name}.log"
        self.name = name
        self.env = env
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> WorkerProcess:
        env = {
            **os.environ,
            "PREFECT_WORKER_QUERY_SECONDS": "1",
            "PREFECT_LOGGING_LEVEL": "INFO",
            **self.env,
        }
        with self.log_path.open("ab") as log:
            self.process = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "prefect",
                    "worker",
                    "start",
                    "--pool",
                    "cratedex",
                    "--type",
                    "process",
                    "--name",
                    self.name,
                ],
                stdout=log,
                stderr=subprocess.STDOUT,
                env=env,
                start_new_session=True,
            )
        return self

    def kill(self) -> None:
        """SIGKILL the worker and every flow-run process it started."""
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(10)
        self.process = None

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        os.killpg(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(10)
        except subprocess.TimeoutExpired:
            self.kill()
        self.process = None

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")


async def eventually(
    check: Callable[[], Awaitable[T]], *, within: float, interval: float = 0.25
) -> T:
    """Await `check` until it returns a truthy value, failing after `within` seconds."""
    deadline = time.monotonic() + within
    while True:
        value = await check()
        if value or time.monotonic() > deadline:
            assert value, f"condition not met within {within}s (last: {value!r})"
            return value
        await asyncio.sleep(interval)


async def wait_online() -> None:
    """Until a worker polls the cratedex pool."""
    from prefect.client.orchestration import get_client

    from cratedex.reconcile import any_worker_online

    async with get_client() as prefect:
        await eventually(lambda: any_worker_online(prefect), within=60)
