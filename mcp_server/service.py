"""What the MCP tools do, as plain async methods over cratedex's functions.

Errors meant for the agent are `CratedexError`s; the server turns them into
`ToolError`s and masks everything else.
"""

from __future__ import annotations

import asyncio
import math
import time
import uuid
from dataclasses import asdict
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from prefect.client.orchestration import PrefectClient
from prefect.settings import get_current_settings
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from cratedex import jobs, library, search, store
from cratedex.errors import InvalidInput, NotFound
from cratedex.models import CrateJob
from cratedex.reconcile import (
    WORK_POOL,
    any_worker_online,
    queued_reason,
    read_flow_run,
    reconcile_job,
)
from cratedex.submission import cancel_job, submit_ingestion
from cratedex.validation import validate_crate_name, validate_version
from mcp_server import schemas

HEALTH_TTL_SECONDS = 2.0


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def parse_id(value: str) -> uuid.UUID:
    try:
        return uuid.UUID(str(value).strip())
    except ValueError:
        raise InvalidInput(
            f"{value!r} is not a job id: expected a UUID such as "
            "'3f2b8c1e-2a4d-4c8e-9f10-6b7a1d2e3f40' (a job id or a Prefect flow run id)"
        ) from None


class Library:
    """The MCP server's view of cratedex: one engine, one Prefect client."""

    def __init__(self, engine: AsyncEngine, prefect: PrefectClient):
        self.engine = engine
        self.prefect = prefect
        self._health: tuple[float, schemas.Health] | None = None

    def session(self) -> AsyncSession:
        return AsyncSession(self.engine, expire_on_commit=False)

    # ------------------------------------------------------------------ jobs
    async def job_info(
        self, session: AsyncSession, job: CrateJob, *, prefect_state: bool = False
    ) -> schemas.JobInfo:
        """The job reconciled with its flow run; a finished job's Prefect state is read
        only when asked for (`prefect_state`), since the row already says how it ended."""
        flow_run = None
        if prefect_state or job.status in ("queued", "running"):
            flow_run = await read_flow_run(self.prefect, job)
        job = await reconcile_job(session, self.prefect, job, flow_run)
        ui = get_current_settings().ui_url
        return schemas.JobInfo(
            id=str(job.id),
            flow_run_id=str(job.flow_run_id) if job.flow_run_id else None,
            crate_name=job.crate_name,
            version=job.resolved_version or job.requested_version,
            operation=job.operation,
            status=job.status,  # type: ignore[arg-type]
            progress=job.progress,
            items_done=job.items_done,
            items_total=job.items_total,
            created_at=job.created_at.isoformat(),
            started_at=_iso(job.started_at),
            finished_at=_iso(job.finished_at),
            error=job.error,
            prefect_state=flow_run.state_name if flow_run else None,
            waiting_reason=await queued_reason(self.prefect, flow_run),
            prefect_url=f"{ui}/runs/flow-run/{job.flow_run_id}" if ui and job.flow_run_id else None,
        )

    async def find_job(self, session: AsyncSession, job_id: str) -> CrateJob:
        wanted = parse_id(job_id)
        job = await jobs.get_job(session, wanted) or await jobs.job_for_flow_run(session, wanted)
        if job is None:
            raise NotFound(f"no job or flow run with id {wanted}")
        return job

    # ------------------------------------------------------------ management
    async def add(self, name: str, version: str, force: bool) -> schemas.AddResult:
        name, version = validate_crate_name(name), validate_version(version)
        async with self.session() as session:
            source = await store.get_source(session, crate_name=name)
            restored = False
            if source is not None and not source.enabled:
                restored = await library.set_enabled(session, crate_name=name, enabled=True)
            versions = await store.stored_versions(session, crate_name=name)
            wanted = source.current_version if (source and version == "latest") else version
            if not force and wanted in versions:
                return schemas.AddResult(
                    status="already_exists",
                    crate_name=name,
                    version=wanted,
                    documents=versions[wanted],
                    last_updated=_iso(source.last_ingested_at if source else None),
                    restored=restored,
                    message=(
                        f"{name} {wanted} is stored"
                        + (" and was restored from soft deletion" if restored else "")
                        + "; pass force=true to ingest it again."
                    ),
                )
            submitted = await submit_ingestion(
                session, self.prefect, crate_name=name, version=version, force=force
            )
        job = submitted.job
        return schemas.AddResult(
            status="accepted",
            job_id=str(job.id),
            flow_run_id=str(job.flow_run_id) if job.flow_run_id else None,
            crate_name=name,
            version=version,
            deduplicated=submitted.deduplicated,
            message=(
                (
                    "An identical job is already " + job.status + ". "
                    if submitted.deduplicated
                    else ""
                )
                + f"Follow it with check_rust_status(job_id='{job.id}')."
            ),
        )

    async def remove(self, name: str, version: str | None, soft: bool) -> schemas.RemoveResult:
        name = validate_crate_name(name)
        version = None if version is None else validate_version(version)
        if version == "latest":
            raise InvalidInput("version must be an exact version to remove, or omitted for all")
        async with self.session() as session:
            if await store.get_source(session, crate_name=name) is None:
                return schemas.RemoveResult(
                    status="not_found", crate_name=name, message=f"{name} is not stored"
                )
            if soft:
                await library.set_enabled(session, crate_name=name, enabled=False)
                versions = await store.stored_versions(session, crate_name=name)
                return schemas.RemoveResult(
                    status="deactivated",
                    crate_name=name,
                    message=(
                        f"{name} is hidden from search and the default listing; its "
                        f"{sum(versions.values())} documents are kept. "
                        "add_rust_crate brings it back."
                    ),
                )
            cancelled = []
            for job in await library.active_jobs(session, crate_name=name):
                await cancel_job(session, self.prefect, job)
                cancelled.append(str(job.id))
            removal = await library.remove_documents(
                session, crate_name=name, version=version, cancelled_jobs=cancelled
            )
        return schemas.RemoveResult(
            status=removal.status,  # type: ignore[arg-type]
            crate_name=name,
            versions_removed=removal.versions,
            documents_removed=removal.documents,
            cancelled_jobs=removal.cancelled_jobs,
            message=f"removed {removal.documents} documents of {name}",
        )

    async def list(
        self,
        page: int,
        limit: int,
        status: str,
        name_pattern: str | None,
        sort: str,
        include_stats: bool,
    ) -> schemas.CrateList:
        async with self.session() as session:
            found = await library.list_crates(
                session, page=page, limit=limit, status=status, name_pattern=name_pattern, sort=sort
            )
            stats = await library.statistics(session) if include_stats else None
        pages = math.ceil(found.total_items / limit) if found.total_items else 0
        return schemas.CrateList(
            crates=[
                schemas.CrateSummary(**{**asdict(row), "last_updated": _iso(row.last_updated)})
                for row in found.crates
            ],
            pagination=schemas.Pagination(
                page=page,
                limit=limit,
                total_items=found.total_items,
                total_pages=pages,
                has_previous=page > 1,
                has_next=page < pages,
            ),
            statistics=schemas.Statistics(**stats) if stats else None,
        )

    async def status(
        self, job_id: str | None, crate_name: str | None, include_active_jobs: bool
    ) -> schemas.StatusReport:
        async with self.session() as session:
            report: dict[str, Any] = {}
            if job_id is not None:
                job = await self.find_job(session, job_id)
                report["job"] = await self.job_info(session, job, prefect_state=True)
            if crate_name is not None:
                report["crate"] = await self._crate_status(session, validate_crate_name(crate_name))
            if include_active_jobs:  # reading reconciles: dead runs drop out here
                infos = [
                    await self.job_info(session, job) for job in await library.active_jobs(session)
                ]
                report["active_jobs"] = [i for i in infos if i.status in ("queued", "running")]
            report["statistics"] = schemas.Statistics(**await library.statistics(session))
        report["health"] = await self.health()
        return schemas.StatusReport(**report)

    async def _crate_status(self, session: AsyncSession, name: str) -> schemas.CrateStatus:
        source = await store.get_source(session, crate_name=name)
        versions = await store.stored_versions(session, crate_name=name)
        last = await library.last_job(session, crate_name=name)
        if source is None and last is None:
            raise NotFound(
                f"{name} is not stored and was never requested; add it with add_rust_crate"
            )
        return schemas.CrateStatus(
            name=name,
            stored=source is not None,
            enabled=bool(source and source.enabled),
            versions=versions,
            current_version=source.current_version if source else None,
            documents=sum(versions.values()),
            last_ingested_at=_iso(source.last_ingested_at if source else None),
            last_job=await self.job_info(session, last) if last else None,
        )

    async def health(self) -> schemas.Health:
        """Database, Prefect and workers, checked concurrently and cached for a moment:
        agents poll check_rust_status while they wait for a job."""
        now = time.monotonic()
        if self._health is not None and now - self._health[0] < HEALTH_TTL_SECONDS:
            return self._health[1]
        database, prefect, online = await asyncio.gather(
            _timed(self._ping_database),
            _timed(self._ping_prefect),
            _safe(any_worker_online(self.prefect)),
        )
        if not database.ok:
            status = "unhealthy"
        elif not prefect.ok or not online:
            status = "degraded"
        else:
            status = "healthy"
        health = schemas.Health(
            status=status,
            database=database,
            prefect=prefect,
            workers=schemas.WorkerHealth(online=bool(online), pool=WORK_POOL),
        )
        self._health = (now, health)
        return health

    async def _ping_database(self) -> None:
        async with self.engine.connect() as connection:
            await connection.execute(sa.text("SELECT 1"))

    async def _ping_prefect(self) -> None:
        error = await self.prefect.api_healthcheck()
        if error is not None:
            raise error

    async def cancel(self, job_id: str) -> schemas.CancelResult:
        async with self.session() as session:
            job = await self.find_job(session, job_id)
            was_active = job.status in ("queued", "running")
            job = await cancel_job(session, self.prefect, job)
            info = await self.job_info(session, job)
        return schemas.CancelResult(
            status="cancelled" if was_active else "already_finished", job=info
        )

    # ------------------------------------------------------------------ docs
    async def search(
        self, query: str, crate_name: str | None, version: str | None, kind: str | None, limit: int
    ) -> schemas.SearchResults:
        if not query.strip():
            raise InvalidInput("query must not be empty")
        crate_name = validate_crate_name(crate_name) if crate_name else None
        version = validate_version(version) if version else None
        async with self.session() as session:
            hits = await search.search_docs(
                session,
                query=query,
                crate_name=crate_name,
                version=None if version == "latest" else version,
                kind=kind,
                limit=limit,
            )
        return schemas.SearchResults(
            query=query, results=[schemas.SearchResult(**asdict(hit)) for hit in hits]
        )

    async def item(
        self, crate_name: str, path: str, version: str | None, offset: int
    ) -> schemas.ItemResult:
        crate_name = validate_crate_name(crate_name)
        version = validate_version(version) if version else None
        async with self.session() as session:
            page = await search.get_item(
                session,
                crate_name=crate_name,
                path=path.strip(),
                version=None if version == "latest" else version,
                offset=offset,
            )
        message = None
        if page.truncated:
            message = (
                f"Cut at {page.next_offset} of {page.total_chars} characters; call get_rust_item "
                f"again with offset={page.next_offset} for the rest."
            )
        return schemas.ItemResult(**asdict(page), message=message)


async def _timed(check: Any) -> schemas.ServiceHealth:
    started = time.perf_counter()
    try:
        await check()
    except Exception as exc:
        return schemas.ServiceHealth(ok=False, latency_ms=None, error=type(exc).__name__)
    return schemas.ServiceHealth(
        ok=True, latency_ms=round((time.perf_counter() - started) * 1000, 1)
    )


async def _safe(awaitable: Any) -> bool:
    try:
        return bool(await awaitable)
    except Exception:
        return False
