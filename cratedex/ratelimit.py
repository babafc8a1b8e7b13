"""A per-host request rate shared by every flow run and worker, kept by Prefect.

Each upstream host gets a Prefect global concurrency limit in rate-limit mode
(`limit=1`, slots decaying at the configured rate), so the Prefect server is the
single authority that grants request slots to every worker.

Why not `prefect.concurrency.asyncio.rate_limit`: the server resets a limit's decay
clock whenever it *denies* a slot, so callers that poll on 423 answers keep pushing
the next free slot away; the field notes measured about a third of the nominal rate
under ten callers.  `RateLimiter.acquire` therefore never asks while the limit is
known to be full: it reads the limit (a read does not touch the clock), sleeps until
the slot has decayed, and only then asks for it.  Within a process one caller at a
time asks (an asyncio lock per host), so only workers race each other, and a lost
race costs milliseconds, not a period.

The decay rate is 3% under the configured rate so that the few milliseconds between a
granted slot and the request leaving the machine can never put two requests in one
window of `1 / rate` seconds.
"""

from __future__ import annotations

import asyncio
import logging
import time
from datetime import UTC, datetime
from urllib.parse import urlsplit

import httpx
from prefect.client.orchestration import PrefectClient, get_client
from prefect.exceptions import ObjectAlreadyExists, ObjectNotFound

from cratedex.settings import Settings

log = logging.getLogger(__name__)

SAFETY_FACTOR = 0.97
#: Extra wait after the computed decay instant, covering clock granularity.
EPSILON_SECONDS = 0.004


def limit_name(url: str) -> str:
    """`cratedex-rate-docs.rs` — one limit per upstream host (and port)."""
    parts = urlsplit(url)
    host = parts.hostname or "unknown"
    return f"cratedex-rate-{host}" + (f"-{parts.port}" if parts.port else "")


def upstream_urls(settings: Settings) -> list[str]:
    return [str(settings.docsrs_url), str(settings.cratesio_url), str(settings.index_url)]


def decay_rate(settings: Settings) -> float:
    return settings.rate_limit * SAFETY_FACTOR


async def ensure_rate_limits(settings: Settings, client: PrefectClient | None = None) -> list[str]:
    """Create or update the limit of every upstream host; returns their names.

    Called at start-up and deploy time: `rate_limit` on a missing limit would
    silently not limit anything.
    """
    if settings.rate_limit <= 0:
        return []
    names = sorted({limit_name(url) for url in upstream_urls(settings)})
    async with _client_or(client) as prefect:
        for name in names:
            try:
                await prefect.upsert_global_concurrency_limit_by_name(
                    name, limit=1, slot_decay_per_second=decay_rate(settings)
                )
            except ObjectAlreadyExists:  # another process created it between read and write
                await prefect.upsert_global_concurrency_limit_by_name(
                    name, limit=1, slot_decay_per_second=decay_rate(settings)
                )
    return names


class _client_or:
    """Use the given Prefect client, or open (and close) one."""

    def __init__(self, client: PrefectClient | None):
        self._given = client
        self._owned: PrefectClient | None = None

    async def __aenter__(self) -> PrefectClient:
        if self._given is not None:
            return self._given
        self._owned = get_client()
        return await self._owned.__aenter__()

    async def __aexit__(self, *exc: object) -> None:
        if self._owned is not None:
            await self._owned.__aexit__(*exc)


class RateLimiter:
    """Grants request slots per host from Prefect's global concurrency limits."""

    def __init__(self, settings: Settings, client: PrefectClient | None):
        if settings.rate_limit > 0 and client is None:
            raise ValueError("a rate limit needs a Prefect client")
        self._enabled = settings.rate_limit > 0
        self._client = client
        self._locks: dict[str, asyncio.Lock] = {}
        self._paused_until: dict[str, float] = {}
        self.waited_seconds = 0.0

    def pause(self, url: str, seconds: float) -> None:
        """Hold every request to `url`'s host for `seconds` (a `Retry-After` answer)."""
        name = limit_name(url)
        until = time.monotonic() + seconds
        self._paused_until[name] = max(until, self._paused_until.get(name, 0.0))

    async def acquire(self, url: str) -> None:
        """Wait until the shared limit of `url`'s host grants one request."""
        name = limit_name(url)
        started = time.monotonic()
        while True:  # a pause may be extended while we sleep
            paused = self._paused_until.get(name, 0.0) - time.monotonic()
            if paused <= 0:
                break
            await asyncio.sleep(paused)
        if not self._enabled:
            self.waited_seconds += time.monotonic() - started
            return
        lock = self._locks.setdefault(name, asyncio.Lock())
        async with lock:
            while True:
                wait = await self._seconds_until_free(name)
                if wait > 0:
                    await asyncio.sleep(wait)
                if await self._try_take(name):
                    break
        self.waited_seconds += time.monotonic() - started

    async def _seconds_until_free(self, name: str) -> float:
        assert self._client is not None
        try:
            limit = await self._client.read_global_concurrency_limit_by_name(name)
        except ObjectNotFound as exc:
            raise RuntimeError(
                f"rate limit {name!r} does not exist on the Prefect server; "
                "start cratedex with `cratedex up` or run `cratedex limits`"
            ) from exc
        if limit.active_slots < limit.limit or limit.slot_decay_per_second <= 0:
            return 0.0
        decayed_at = (
            limit.updated.timestamp()
            + (limit.active_slots - limit.limit + 1) / limit.slot_decay_per_second
        )
        return max(0.0, decayed_at - datetime.now(UTC).timestamp()) + EPSILON_SECONDS

    async def _try_take(self, name: str) -> bool:
        assert self._client is not None
        try:
            await self._client.increment_concurrency_slots(names=[name], slots=1, mode="rate_limit")
        except httpx.HTTPStatusError as exc:
            if exc.response.status_code == 423:
                return False
            raise
        return True
