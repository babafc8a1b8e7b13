"""The storage task: one release into PostgreSQL in one transaction."""

from __future__ import annotations

from collections.abc import Sequence

from prefect import task
from prefect.cache_policies import NO_CACHE
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from cratedex.items import ItemDoc
from cratedex.store import ReleaseSource, replace_release


@task(name="store-release", task_run_name="store {crate_name} {version}", cache_policy=NO_CACHE)
async def store_release(
    engine: AsyncEngine,
    *,
    crate_name: str,
    version: str,
    items: Sequence[ItemDoc],
    source: ReleaseSource,
) -> int:
    """Replace the stored release atomically; returns how many documents it holds now."""
    async with AsyncSession(engine, expire_on_commit=False) as session:
        return await replace_release(
            session, crate_name=crate_name, version=version, items=items, source=source
        )
