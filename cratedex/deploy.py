"""Everything Prefect needs before a worker can run cratedex: pool, limits, deployments."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from prefect.client.orchestration import get_client
from prefect.client.schemas.actions import WorkPoolCreate, WorkPoolUpdate
from prefect.exceptions import ObjectAlreadyExists
from prefect.settings import PREFECT_API_URL

from cratedex import database
from cratedex.errors import CratedexError
from cratedex.ratelimit import ensure_rate_limits
from cratedex.reconcile import WORK_POOL
from cratedex.settings import Settings

PROJECT_DIR = Path(__file__).resolve().parent.parent


async def ensure_work_pool(concurrency: int | None = None) -> None:
    """The `cratedex` process pool; `concurrency` caps the flow runs it starts at once
    (without a cap a burst of submissions forks one Python process per run)."""
    async with get_client() as prefect:
        try:
            await prefect.create_work_pool(
                WorkPoolCreate(name=WORK_POOL, type="process", concurrency_limit=concurrency)
            )
        except ObjectAlreadyExists:
            await prefect.update_work_pool(WORK_POOL, WorkPoolUpdate(concurrency_limit=concurrency))


def apply_deployments(env: dict[str, str] | None = None) -> None:
    """`prefect deploy --all --no-prompt` on prefect.yaml, from the project directory."""
    environment = {**os.environ, **(env or {}), "CRATEDEX_PROJECT_DIR": str(PROJECT_DIR)}
    done = subprocess.run(
        [sys.executable, "-m", "prefect", "--no-prompt", "deploy", "--all"],
        cwd=PROJECT_DIR,
        env=environment,
        capture_output=True,
        text=True,
    )
    if done.returncode != 0:
        raise CratedexError(f"prefect deploy failed:\n{done.stdout[-2000:]}{done.stderr[-2000:]}")


async def prepare(settings: Settings) -> list[str]:
    """Migrate, create the rate limits and the work pool, apply the deployments."""
    database.upgrade(settings)
    limits = await ensure_rate_limits(settings)
    await ensure_work_pool(settings.worker_concurrency or None)
    api = PREFECT_API_URL.value()
    apply_deployments({"PREFECT_API_URL": api} if api else None)
    return limits
