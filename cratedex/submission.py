"""Submitting ingestions as deployment runs: a `crate_jobs` row first, then a flow run.

Submitting never fetches anything. The partial unique index on active jobs makes
submission idempotent even under concurrent callers: the losers of the insert race
get the winner's job back, marked as deduplicated.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from prefect.client.orchestration import PrefectClient
from prefect.client.schemas.objects import StateType
from prefect.exceptions import ObjectNotFound
from prefect.states import Cancelled, Cancelling
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from cratedex import jobs
from cratedex.errors import CratedexError
from cratedex.models import CrateJob
from cratedex.reconcile import (
    JOB_STATUS_OF_FINAL_STATE,
    active_job,
    read_flow_run,
    reconcile_job,
)

INGEST_DEPLOYMENT = "ingest-crate/ingest-crate"


class SubmissionError(CratedexError):
    """The job could not be handed to Prefect (server down, deployment missing)."""


@dataclass(frozen=True, slots=True)
class Submitted:
    job: CrateJob
    deduplicated: bool


_deployment_ids: dict[str, uuid.UUID] = {}


async def _deployment_id(prefect: PrefectClient, name: str) -> uuid.UUID:
    """The deployment's id, looked up once per process and API."""
    key = f"{prefect.api_url}|{name}"
    if key not in _deployment_ids:
        try:
            deployment = await prefect.read_deployment_by_name(name)
        except ObjectNotFound as exc:
            raise SubmissionError(
                f"the Prefect deployment {name!r} does not exist: run `cratedex deploy` "
                "(or `cratedex up`) first"
            ) from exc
        _deployment_ids[key] = deployment.id
    return _deployment_ids[key]


async def submit_ingestion(
    session: AsyncSession,
    prefect: PrefectClient,
    *,
    crate_name: str,
    version: str,
    operation: str = "ingest",
    force: bool = False,
) -> Submitted:
    """Queue an ingestion of a validated crate name and version; returns at once."""
    for _attempt in range(3):
        try:
            job = await jobs.create_job(
                session, crate_name=crate_name, requested_version=version, operation=operation
            )
        except IntegrityError:
            await session.rollback()
            existing = await active_job(
                session, crate_name=crate_name, version=version, operation=operation
            )
            if existing is None:
                continue  # it finished in between: try again
            existing = await reconcile_job(session, prefect, existing)
            if existing.status in ("queued", "running"):
                return Submitted(existing, deduplicated=True)
            continue  # it was dead; reconciliation closed it
        return Submitted(await _start_flow_run(session, prefect, job, force), False)
    raise SubmissionError(f"could not queue {crate_name} {version}: too much contention")


async def _start_flow_run(
    session: AsyncSession, prefect: PrefectClient, job: CrateJob, force: bool
) -> CrateJob:
    try:
        flow_run = await prefect.create_flow_run_from_deployment(
            await _deployment_id(prefect, INGEST_DEPLOYMENT),
            parameters={
                "crate_name": job.crate_name,
                "version": job.requested_version,
                "job_id": str(job.id),
                "force": force,
            },
            tags=[f"crate:{job.crate_name}"],
            idempotency_key=str(job.id),
        )
    except Exception as exc:
        await jobs.finish_job(
            session, job.id, status="failed", error=f"could not start a flow run: {exc}"
        )
        if isinstance(exc, CratedexError):
            raise
        raise SubmissionError(f"could not start a flow run on Prefect: {exc}") from exc
    await jobs.update_job(session, job.id, flow_run_id=flow_run.id)
    return await jobs.get_job(session, job.id) or job


async def cancel_job(session: AsyncSession, prefect: PrefectClient, job: CrateJob) -> CrateJob:
    """Cancel an active job and its flow run; the stored documents stay as they were.

    A run that has not started is cancelled outright; a running one is asked to stop
    (Prefect's worker terminates it within seconds, and the store transaction rolls back).
    """
    if job.status not in ("queued", "running"):
        return job
    flow_run = await read_flow_run(prefect, job)
    if flow_run is not None and flow_run.state_type not in JOB_STATUS_OF_FINAL_STATE:
        if flow_run.state_type in (StateType.RUNNING, StateType.CANCELLING):
            state = Cancelling(message="cancelled by request")
        else:
            state = Cancelled(message="cancelled by request before it started")
        await prefect.set_flow_run_state(flow_run.id, state, force=True)
    await jobs.finish_job(session, job.id, status="cancelled", error="cancelled by request")
    return await jobs.get_job(session, job.id) or job
