"""Job figures on a real local stack (`cratedex up`): submission latency, time from
submission to searchable, and the cost of `reingest-crates` when nothing changed.

    python -m benchmarks.jobs_latency [--submissions 200]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import tempfile
import time
from pathlib import Path

from benchmarks._support import corpus_dir, quiet_environment, running_stack, scratch_database


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


async def submission_latency(count: int, *, paused: bool) -> list[float]:
    """`submit_ingestion` for distinct crate names, as add_rust_crate does; the runs are
    cancelled afterwards. With `paused`, the pool is paused so no run competes for CPU."""
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.actions import WorkPoolUpdate
    from sqlalchemy.ext.asyncio import AsyncSession

    from cratedex.database import create_engine
    from cratedex.reconcile import WORK_POOL
    from cratedex.submission import cancel_job, submit_ingestion

    engine = create_engine()
    timings, submitted = [], []
    async with get_client() as prefect:
        if paused:  # runs stay scheduled: the figure is the submission path alone
            await prefect.update_work_pool(WORK_POOL, WorkPoolUpdate(is_paused=True))
        for i in range(count):
            async with AsyncSession(engine, expire_on_commit=False) as session:
                started = time.perf_counter()
                done = await submit_ingestion(
                    session, prefect, crate_name=f"bench-crate-{i}", version="1.0.0"
                )
                timings.append(time.perf_counter() - started)
                submitted.append(done.job)
        async with AsyncSession(engine, expire_on_commit=False) as session:
            for job in submitted:
                await cancel_job(session, prefect, job)
        await prefect.update_work_pool(WORK_POOL, WorkPoolUpdate(is_paused=False))
    await engine.dispose()
    return timings


async def time_to_searchable(crate: str) -> float:
    from prefect.client.orchestration import get_client
    from sqlalchemy.ext.asyncio import AsyncSession

    from cratedex.database import create_engine
    from cratedex.errors import NotFound
    from cratedex.search import search_docs
    from cratedex.submission import submit_ingestion

    engine = create_engine()
    async with get_client() as prefect, AsyncSession(engine, expire_on_commit=False) as session:
        started = time.perf_counter()
        await submit_ingestion(session, prefect, crate_name=crate, version="latest")
        while True:  # poll as an agent would, until the crate answers a search
            try:
                if await search_docs(session, query="Buffer", crate_name=crate, limit=1):
                    break
            except NotFound:  # not stored yet
                pass
            await asyncio.sleep(0.05)
        elapsed = time.perf_counter() - started
    await engine.dispose()
    return elapsed


async def reingest_cost(imitation, url: str) -> tuple[int, int, int, float]:
    """Crates checked, requests, database writes and seconds of one `reingest-crates`
    with nothing new."""
    import psycopg

    from flows.ingest import ingest_crate
    from flows.reingest import reingest_crates

    for crate in ("anyhow", "once_cell", "regex", "semver", "serde"):
        await ingest_crate(crate_name=crate)
    plain = url.replace("postgresql+psycopg://", "postgresql://")

    def writes() -> int:
        with psycopg.connect(plain) as connection:
            row = connection.execute(
                "SELECT sum(n_tup_ins + n_tup_upd + n_tup_del) FROM pg_stat_user_tables"
            ).fetchone()
            return int(row[0] or 0)

    await asyncio.sleep(1)  # statistics are flushed asynchronously
    before = writes()
    imitation.clear_log()
    started = time.perf_counter()
    report = await reingest_crates()
    elapsed = time.perf_counter() - started
    await asyncio.sleep(1)
    assert report["triggered"] == [], report
    return len(report["checked"]), len(imitation.requests), writes() - before, elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--submissions", type=int, default=200)
    args = parser.parse_args()
    quiet_environment(CRATEDEX_RATE_LIMIT="0")

    from cratedex.settings import get_settings
    from tests.imitation import Imitation

    with (
        Imitation(corpus_dir()) as imitation,
        scratch_database() as url,
        tempfile.TemporaryDirectory() as data,
        running_stack(imitation, url, Path(data)) as stack,
    ):
        os.environ.update(
            {k: v for k, v in stack["env"].items() if k.startswith("CRATEDEX_")},
            PREFECT_API_URL=stack["api"],
        )
        get_settings.cache_clear()
        seconds = asyncio.run(time_to_searchable("itoa"))
        print(f"submission to searchable (itoa, through the worker): {seconds:.2f} s")
        crates, requests, writes, elapsed = asyncio.run(reingest_cost(imitation, url))
        print(
            f"reingest-crates, {crates} crates unchanged: {requests} requests, "
            f"{writes} row writes, {elapsed:.2f} s"
        )
        for paused in (True, False):
            timings = asyncio.run(submission_latency(args.submissions, paused=paused))
            ms = [t * 1000 for t in timings]
            print(
                f"submission latency over {len(ms)}, "
                f"{'pool paused' if paused else 'worker running the runs'}: "
                f"p50 {percentile(ms, 0.5):.1f} ms, p99 {percentile(ms, 0.99):.1f} ms, "
                f"mean {statistics.mean(ms):.1f} ms"
            )


if __name__ == "__main__":
    main()
