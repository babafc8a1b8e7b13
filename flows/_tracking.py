"""Keeping a flow run's `crate_jobs` row and its Prefect progress artifact current."""

from __future__ import annotations

import asyncio
import logging
import time
import uuid
from typing import Any

from prefect.artifacts import acreate_progress_artifact, aupdate_progress_artifact
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from cratedex import jobs
from cratedex.database import create_engine
from cratedex.settings import get_settings

log = logging.getLogger(__name__)

#: Progress writes closer together than this are merged (the last one always lands).
MIN_INTERVAL_SECONDS = 0.5


class JobTracker:
    """Moves one job through running → completed/failed, with throttled progress."""

    def __init__(self, engine: AsyncEngine, job_id: uuid.UUID):
        self.job_id = job_id
        self._sessions = async_sessionmaker(engine, expire_on_commit=False)
        self._artifact_id: uuid.UUID | None = None
        self._last_write = 0.0

    def session(self) -> AsyncSession:
        return self._sessions()

    async def start(self, description: str) -> None:
        async with self.session() as session:
            await jobs.start_job(session, self.job_id)
        self._artifact_id = await acreate_progress_artifact(progress=0.0, description=description)

    async def set(self, **values: Any) -> None:
        async with self.session() as session:
            await jobs.update_job(session, self.job_id, **values)

    async def beat(self, every: float) -> None:
        """Touch the job every `every` seconds while the flow lives: its heartbeat."""
        while True:
            await asyncio.sleep(every)
            try:
                await self.set()
            except Exception:  # a missed beat is not worth failing the run
                log.warning("job heartbeat failed", exc_info=True)

    async def progress(self, *, done: int, total: int, percent: int, force: bool = False) -> None:
        now = time.monotonic()
        if not force and now - self._last_write < MIN_INTERVAL_SECONDS:
            return
        self._last_write = now
        async with self.session() as session:
            await jobs.report_progress(
                session, self.job_id, done=done, total=total, progress=percent
            )
        if self._artifact_id is not None:
            await aupdate_progress_artifact(self._artifact_id, float(percent))

    async def finish(
        self, status: str, *, error: str | None = None, summary: dict[str, Any] | None = None
    ) -> None:
        async with self.session() as session:
            await jobs.finish_job(session, self.job_id, status=status, error=error, summary=summary)
        if status == "completed" and self._artifact_id is not None:
            await aupdate_progress_artifact(self._artifact_id, 100.0)


async def close_job_of_flow_run(flow_run_id: uuid.UUID, status: str, error: str) -> None:
    """State hooks' helper: close the job of a run that ended outside the flow body."""
    engine = create_engine(get_settings())
    try:
        async with AsyncSession(engine) as session:
            job = await jobs.job_for_flow_run(session, flow_run_id)
            if job is not None:
                await jobs.finish_job(session, job.id, status=status, error=error)
    finally:
        await engine.dispose()
