"""`cratedex ingest`: run the ingestion flow in this process and show its progress."""

from __future__ import annotations

import asyncio
from typing import Any

from prefect.client.orchestration import get_client
from prefect.exceptions import PrefectException
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn
from sqlalchemy.ext.asyncio import AsyncSession

from cratedex import database, jobs
from cratedex.errors import CratedexError, UpstreamError
from cratedex.ratelimit import ensure_rate_limits
from cratedex.settings import get_settings
from cratedex.validation import validate_crate_name, validate_version

POLL_SECONDS = 0.3


async def run_ingest(crate: str, version: str, *, show_progress: bool = True) -> dict[str, Any]:
    """Ingest now; returns the summary or raises `CratedexError` with the reason."""
    from flows.ingest import ingest_crate

    crate = validate_crate_name(crate)
    version = validate_version(version)
    settings = get_settings()
    await asyncio.to_thread(database.upgrade, settings)
    async with get_client() as prefect:
        await ensure_rate_limits(settings, prefect)
    engine = database.create_engine(settings)
    try:
        async with AsyncSession(engine, expire_on_commit=False) as session:
            job = await jobs.create_job(session, crate_name=crate, requested_version=version)
        run = asyncio.create_task(
            ingest_crate(crate_name=crate, version=version, job_id=job.id, return_state=True)
        )
        if show_progress:
            await _show_progress(engine, job.id, run, f"{crate} {version}")
        state = await run
        if state.is_completed():
            return await state.result()
        async with AsyncSession(engine) as session:
            failed = await jobs.get_job(session, job.id)
        reason = (failed.error if failed else None) or state.message or "unknown failure"
        raise UpstreamError(f"ingesting {crate} {version} failed: {reason}")
    except PrefectException as exc:
        raise CratedexError(f"Prefect error: {exc}") from exc
    finally:
        await engine.dispose()


async def _show_progress(engine: Any, job_id: Any, run: asyncio.Task[Any], label: str) -> None:
    columns = (
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        TextColumn("{task.percentage:>3.0f}%  {task.fields[items]}"),
        TimeElapsedColumn(),
    )
    with Progress(*columns, transient=False) as bar:
        task = bar.add_task(label, total=100, items="")
        while not run.done():
            async with AsyncSession(engine) as session:
                job = await jobs.get_job(session, job_id)
            if job is not None:
                items = f"{job.items_done}/{job.items_total} pages" if job.items_total else ""
                bar.update(task, completed=job.progress, items=items)
            await asyncio.wait({run}, timeout=POLL_SECONDS)
        if run.exception() is None and run.result().is_completed():
            bar.update(task, completed=100)
