"""Ingestion as deployment runs on a real worker process: jobs, dedupe, cancel, crashes,
re-ingestion."""

from __future__ import annotations

import asyncio
import uuid
from pathlib import Path

import pytest
import sqlalchemy as sa
from fastmcp import Client
from prefect.client.orchestration import PrefectClient
from prefect.client.schemas.objects import StateType
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from cratedex import jobs
from cratedex.models import CrateJob, Document
from cratedex.reconcile import any_worker_online, reconcile_job
from cratedex.submission import Submitted, cancel_job, submit_ingestion
from flows.ingest import ingest_crate
from flows.reingest import reingest_crates
from tests.conftest import SettingsEnv
from tests.imitation import Imitation, PauseHandle
from tests.support_mcp import McpHttpServer
from tests.support_worker import WorkerProcess, eventually, wait_online


async def _job(engine: AsyncEngine, job_id: uuid.UUID) -> CrateJob:
    async with AsyncSession(engine, expire_on_commit=False) as session:
        job = await jobs.get_job(session, job_id)
        assert job is not None
        return job


async def _settled(
    engine: AsyncEngine, prefect: PrefectClient, job_id: uuid.UUID, within: float = 90
) -> CrateJob:
    async def check() -> CrateJob | None:
        async with AsyncSession(engine, expire_on_commit=False) as session:
            job = await jobs.get_job(session, job_id)
            assert job is not None
            job = await reconcile_job(session, prefect, job)
            return job if job.status not in ("queued", "running") else None

    return await eventually(check, within=within)


async def _paths(engine: AsyncEngine, crate: str) -> list[str]:
    async with AsyncSession(engine) as session:
        result = await session.execute(
            sa.select(Document.doc_path).where(Document.source_name == crate)
        )
        return sorted(result.scalars())


async def _reingestion_held_midway(
    imitation: Imitation, engine: AsyncEngine, prefect: PrefectClient
) -> tuple[list[str], PauseHandle, Submitted]:
    """semver stored, then a forced HTML re-ingestion held at its Version page."""
    await ingest_crate(crate_name="semver", version="1.0.14")
    before = await _paths(engine, "semver")
    imitation.without_json("semver")
    gate = imitation.pause("docsrs", r"struct\.Version\.html")
    async with AsyncSession(engine, expire_on_commit=False) as session:
        submitted = await submit_ingestion(
            session, prefect, crate_name="semver", version="1.0.14", force=True
        )
    assert await asyncio.to_thread(gate.wait_arrived, 60)
    return before, gate, submitted


@pytest.mark.usefixtures("worker")
async def test_submission_returns_at_once_and_the_worker_completes_the_job(
    imitation: Imitation, engine: AsyncEngine, prefect: PrefectClient
) -> None:
    async with AsyncSession(engine, expire_on_commit=False) as session:
        submitted = await submit_ingestion(session, prefect, crate_name="itoa", version="latest")
    assert submitted.job.status == "queued"
    assert not imitation.requests, "submitting must not fetch anything"
    assert submitted.job.flow_run_id is not None and not submitted.deduplicated

    job = await _settled(engine, prefect, submitted.job.id)

    assert (job.status, job.progress, job.resolved_version) == ("completed", 100, "1.0.1")
    assert job.started_at and job.finished_at and job.summary["items_stored"] > 3
    assert "itoa::Buffer" in await _paths(engine, "itoa")
    flow_run = await prefect.read_flow_run(job.flow_run_id)
    assert flow_run.name == "ingest-itoa-1.0.1" and "crate:itoa" in flow_run.tags


@pytest.mark.usefixtures("worker")
async def test_fifty_concurrent_submissions_make_one_job(
    imitation: Imitation, engine: AsyncEngine, prefect: PrefectClient
) -> None:
    async def submit() -> tuple[uuid.UUID, bool]:
        async with AsyncSession(engine, expire_on_commit=False) as session:
            done = await submit_ingestion(
                session, prefect, crate_name="once_cell", version="latest"
            )
            return done.job.id, done.deduplicated

    results = await asyncio.gather(*(submit() for _ in range(50)))

    assert len({job_id for job_id, _ in results}) == 1
    assert sum(not deduplicated for _, deduplicated in results) == 1
    job = await _settled(engine, prefect, results[0][0])
    assert job.status == "completed"
    async with AsyncSession(engine) as session:
        count = await session.scalar(sa.select(sa.func.count()).select_from(CrateJob))
    assert count == 1


@pytest.mark.usefixtures("worker")
async def test_cancelling_a_running_job_keeps_the_previous_version(
    imitation: Imitation, engine: AsyncEngine, prefect: PrefectClient
) -> None:
    before, gate, submitted = await _reingestion_held_midway(imitation, engine, prefect)

    async with AsyncSession(engine, expire_on_commit=False) as session:
        job = await cancel_job(session, prefect, await _job(engine, submitted.job.id))
    assert job.status == "cancelled"

    async def run_cancelled() -> bool:
        flow_run = await prefect.read_flow_run(submitted.job.flow_run_id)
        return flow_run.state_type == StateType.CANCELLED

    await eventually(run_cancelled, within=30)
    gate.set()
    assert await _paths(engine, "semver") == before


async def test_a_killed_worker_is_reported_and_the_previous_version_stays(
    worker: WorkerProcess, imitation: Imitation, engine: AsyncEngine, prefect: PrefectClient
) -> None:
    before, gate, submitted = await _reingestion_held_midway(imitation, engine, prefect)
    worker.kill()
    gate.set()
    try:
        job = await _settled(engine, prefect, submitted.job.id, within=30)
        assert job.status == "failed" and "crashed" in job.error
        assert await _paths(engine, "semver") == before
        flow_run = await prefect.read_flow_run(submitted.job.flow_run_id)
        assert flow_run.state_type == StateType.CRASHED
    finally:
        worker.start()
        await wait_online()


async def test_a_run_nobody_picks_up_says_why(
    deployed: None, engine: AsyncEngine, prefect: PrefectClient
) -> None:
    from cratedex.reconcile import queued_reason, read_flow_run

    async with AsyncSession(engine, expire_on_commit=False) as session:
        submitted = await submit_ingestion(session, prefect, crate_name="anyhow", version="1.0.69")
        flow_run = await read_flow_run(prefect, submitted.job)
        reason = await queued_reason(prefect, flow_run)
        if reason is None:  # a worker is running in this session: it is simply queued
            assert await any_worker_online(prefect)
        else:
            assert "no worker is polling the 'cratedex' work pool" in reason
        job = await cancel_job(session, prefect, submitted.job)
    assert job.status == "cancelled"


@pytest.mark.usefixtures("worker")
async def test_reingest_triggers_only_what_changed(
    imitation: Imitation, engine: AsyncEngine, prefect: PrefectClient
) -> None:
    await ingest_crate(crate_name="itoa")
    await ingest_crate(crate_name="semver")
    imitation.clear_log()

    quiet = await reingest_crates()

    assert quiet["triggered"] == [] and len(quiet["unchanged"]) == 2
    statuses = [r.status for r in imitation.requests_to("docsrs")]
    assert statuses == [304, 304], "one conditional request per unchanged crate"
    async with AsyncSession(engine) as session:
        assert await session.scalar(sa.select(sa.func.count()).select_from(CrateJob)) == 2

    imitation.publish("itoa", "1.0.2", like="1.0.1")
    busy = await reingest_crates()

    assert len(busy["triggered"]) == 1 and busy["triggered"][0].startswith("itoa: new release")
    async with AsyncSession(engine) as session:
        job = (
            await session.execute(sa.select(CrateJob).where(CrateJob.operation == "reingest"))
        ).scalar_one()
    job = await _settled(engine, prefect, job.id)
    assert job.status == "completed" and job.resolved_version == "1.0.2"
    assert "itoa::Buffer" in await _paths(engine, "itoa")


async def test_two_workers_share_six_crates_and_the_rate_limit(
    worker: WorkerProcess,
    imitation: Imitation,
    engine: AsyncEngine,
    prefect: PrefectClient,
    tmp_path: Path,
    settings_env: SettingsEnv,
) -> None:
    from cratedex.ratelimit import ensure_rate_limits
    from cratedex.settings import get_settings

    rate = "4"
    settings_env.set(rate_limit=rate)
    await ensure_rate_limits(get_settings())
    for crate in ("anyhow", "once_cell", "semver"):
        imitation.without_json(crate)  # the HTML path: many requests to pace
    worker.stop()
    pair = [WorkerProcess(tmp_path, f"scale-{n}", CRATEDEX_RATE_LIMIT=rate).start() for n in (1, 2)]
    try:
        await wait_online()
        crates = ("anyhow", "itoa", "once_cell", "regex", "semver", "serde")
        async with AsyncSession(engine, expire_on_commit=False) as session:
            submitted = [
                await submit_ingestion(session, prefect, crate_name=crate, version="latest")
                for crate in crates
            ]
        finished = [await _settled(engine, prefect, s.job.id, within=180) for s in submitted]
    finally:
        for process in pair:
            process.stop()
        worker.start()
        await wait_online()

    assert [job.status for job in finished] == ["completed"] * 6, [j.error for j in finished]
    for upstream in ("docsrs", "cratesio", "index"):
        assert imitation.max_requests_in_window(upstream, 1.0) <= int(rate), upstream
    runs_per_worker = [p.log().count("submitting flow run") for p in pair]
    assert all(runs > 0 for runs in runs_per_worker), runs_per_worker


async def test_a_job_keeps_answering_across_an_mcp_server_restart(
    worker: WorkerProcess, imitation: Imitation, engine: AsyncEngine, tmp_path: Path
) -> None:
    imitation.without_json("semver")
    gate = imitation.pause("docsrs", r"struct\.Version\.html")
    server = McpHttpServer(tmp_path).start()
    try:
        async with Client(server.url) as client:
            added = (
                await client.call_tool("add_rust_crate", {"name": "semver"})
            ).structured_content
        assert await asyncio.to_thread(gate.wait_arrived, 60)
        server.kill()
        server.start()
        async with Client(server.url) as client:
            during = await client.call_tool("check_rust_status", {"job_id": added["job_id"]})
            assert during.structured_content["job"]["status"] == "running"
            gate.set()

            async def finished() -> dict | None:
                answer = await client.call_tool("check_rust_status", {"job_id": added["job_id"]})
                job = answer.structured_content["job"]
                return job if job["status"] not in ("queued", "running") else None

            job = await eventually(finished, within=90)
        assert job["status"] == "completed" and job["items_done"] > 0
    finally:
        gate.set()
        server.stop()
