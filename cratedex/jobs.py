"""The `crate_jobs` rows: one per ingestion or removal, tied to its Prefect flow run."""

from __future__ import annotations

import uuid
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from cratedex.models import CrateJob, utcnow

_jobs = CrateJob.__table__


async def create_job(
    session: AsyncSession,
    *,
    crate_name: str,
    requested_version: str,
    operation: str = "ingest",
    flow_run_id: uuid.UUID | None = None,
    status: str = "queued",
) -> CrateJob:
    job = CrateJob(
        crate_name=crate_name,
        requested_version=requested_version,
        operation=operation,
        flow_run_id=flow_run_id,
        status=status,
    )
    session.add(job)
    await session.commit()
    await session.refresh(job)
    return job


async def get_job(session: AsyncSession, job_id: uuid.UUID) -> CrateJob | None:
    """The job as stored now (never a stale copy from the session's identity map)."""
    return await session.get(CrateJob, job_id, populate_existing=True)


async def job_for_flow_run(session: AsyncSession, flow_run_id: uuid.UUID) -> CrateJob | None:
    result = await session.execute(sa.select(CrateJob).where(CrateJob.flow_run_id == flow_run_id))
    return result.scalar_one_or_none()


async def update_job(session: AsyncSession, job_id: uuid.UUID, **values: Any) -> None:
    """Set columns of one job and commit; `updated_at` always moves."""
    values["updated_at"] = utcnow()
    await session.execute(sa.update(_jobs).where(_jobs.c.id == job_id).values(**values))
    await session.commit()


async def start_job(session: AsyncSession, job_id: uuid.UUID) -> None:
    now = utcnow()
    await update_job(
        session, job_id, status="running", started_at=now, error=None, finished_at=None
    )


async def report_progress(
    session: AsyncSession, job_id: uuid.UUID, *, done: int, total: int, progress: int
) -> None:
    await update_job(
        session,
        job_id,
        items_done=done,
        items_total=total,
        progress=max(0, min(100, progress)),
    )


async def finish_job(
    session: AsyncSession,
    job_id: uuid.UUID,
    *,
    status: str,
    error: str | None = None,
    summary: dict[str, Any] | None = None,
) -> None:
    """Close a job as completed, failed or cancelled; a closed job stays closed."""
    values: dict[str, Any] = {"status": status, "error": error, "finished_at": utcnow()}
    if status == "completed":
        values["progress"] = 100
    if summary is not None:
        values["summary"] = summary
    values["updated_at"] = utcnow()
    await session.execute(
        sa.update(_jobs)
        .where(_jobs.c.id == job_id, _jobs.c.status.in_(("queued", "running")))
        .values(**values)
    )
    await session.commit()
