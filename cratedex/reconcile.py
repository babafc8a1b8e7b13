"""Reading a job means reading its flow run too: the two are reconciled on every read.

The flow keeps its row current while it lives; whatever kills it (a crash, a killed
worker, a cancellation from the UI) is caught here from Prefect's state and the
row's heartbeat, so no job stays "running" forever.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from prefect.client.orchestration import PrefectClient
from prefect.client.schemas.objects import FlowRun, StateType
from prefect.exceptions import ObjectNotFound
from prefect.states import Crashed
from sqlalchemy.ext.asyncio import AsyncSession

from cratedex import jobs
from cratedex.models import ACTIVE_JOB_STATUSES, CrateJob
from cratedex.settings import get_settings

WORK_POOL = "cratedex"
#: Prefect's final states and the job status each one means.
JOB_STATUS_OF_FINAL_STATE = {
    StateType.COMPLETED: "completed",
    StateType.FAILED: "failed",
    StateType.CRASHED: "failed",
    StateType.CANCELLED: "cancelled",
}


@dataclass(frozen=True, slots=True)
class FlowRunView:
    """What Prefect says about a job's flow run."""

    state: str | None
    state_type: str | None
    message: str | None


async def active_job(
    session: AsyncSession, *, crate_name: str, version: str, operation: str = "ingest"
) -> CrateJob | None:
    result = await session.execute(
        sa.select(CrateJob).where(
            CrateJob.crate_name == crate_name,
            CrateJob.requested_version == version,
            CrateJob.operation == operation,
            CrateJob.status.in_(ACTIVE_JOB_STATUSES),
        )
    )
    return result.scalar_one_or_none()


async def read_flow_run(prefect: PrefectClient, job: CrateJob) -> FlowRun | None:
    if job.flow_run_id is None:
        return None
    try:
        return await prefect.read_flow_run(job.flow_run_id)
    except ObjectNotFound:
        return None


def _stale(job: CrateJob) -> bool:
    """A running job whose flow stopped beating: its process is gone."""
    limit = timedelta(seconds=3 * get_settings().job_heartbeat_seconds)
    return job.status == "running" and datetime.now(UTC) - job.updated_at > limit


async def reconcile_job(
    session: AsyncSession, prefect: PrefectClient, job: CrateJob, flow_run: FlowRun | None = None
) -> CrateJob:
    """Bring an active job's row in line with its flow run; returns the fresh row."""
    if job.status not in ACTIVE_JOB_STATUSES:
        return job
    flow_run = flow_run or await read_flow_run(prefect, job)
    status, error = None, None
    if flow_run is None:
        if job.flow_run_id is not None:
            status, error = "failed", "its Prefect flow run no longer exists"
    elif flow_run.state_type in JOB_STATUS_OF_FINAL_STATE:
        status = JOB_STATUS_OF_FINAL_STATE[flow_run.state_type]
        if status != "completed":
            message = flow_run.state.message if flow_run.state else None
            error = f"{flow_run.state_name}: {message or 'no message'}"
    elif flow_run.state_type == StateType.RUNNING and _stale(job):
        status = "failed"
        error = (
            "crashed: the flow run stopped reporting "
            f"(no heartbeat since {job.updated_at:%Y-%m-%d %H:%M:%S} UTC; worker killed?)"
        )
        await prefect.set_flow_run_state(flow_run.id, Crashed(message=error), force=True)
    if status is not None:
        await jobs.finish_job(session, job.id, status=status, error=error)
        return await jobs.get_job(session, job.id) or job
    return job


async def queued_reason(prefect: PrefectClient, flow_run: FlowRun | None) -> str | None:
    """Why a scheduled run has not started, when the reason is that no worker polls."""
    if flow_run is None or flow_run.state_type not in (StateType.SCHEDULED, StateType.PENDING):
        return None
    if not await any_worker_online(prefect):
        return f"waiting: no worker is polling the '{WORK_POOL}' work pool"
    return None


async def any_worker_online(prefect: PrefectClient) -> bool:
    try:
        workers = await prefect.read_workers_for_work_pool(WORK_POOL)
    except ObjectNotFound:
        return False
    return any(str(w.status).upper().endswith("ONLINE") for w in workers)
