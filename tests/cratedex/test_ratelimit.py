"""The shared rate limit on a real Prefect server: it holds, and it is not a silent no-op."""

from __future__ import annotations

import asyncio
import itertools
import time

import pytest
from prefect.client.orchestration import get_client

from cratedex.ratelimit import RateLimiter, ensure_rate_limits, limit_name
from cratedex.settings import Settings

pytestmark = pytest.mark.usefixtures("prefect_server")


def test_limit_names_are_per_host_and_port() -> None:
    assert limit_name("https://docs.rs/crate/x") == "cratedex-rate-docs.rs"
    assert limit_name("http://127.0.0.1:8123/") == "cratedex-rate-127.0.0.1-8123"


async def test_a_missing_limit_is_an_error_not_a_no_op() -> None:
    settings = Settings(rate_limit=2, docsrs_url="http://127.0.0.1:1/")
    async with get_client() as client:
        with pytest.raises(RuntimeError, match="does not exist"):
            await RateLimiter(settings, client).acquire("http://127.0.0.1:1/never-created")


async def test_ten_concurrent_callers_share_the_rate() -> None:
    rate = 5.0
    settings = Settings(rate_limit=rate, docsrs_url="http://127.0.0.1:2/")
    async with get_client() as client:
        names = await ensure_rate_limits(settings, client)
        assert limit_name("http://127.0.0.1:2/") in names
        limiter = RateLimiter(settings, client)
        grants: list[float] = []

        async def caller() -> None:
            for _ in range(2):
                await limiter.acquire("http://127.0.0.1:2/x")
                grants.append(time.monotonic())

        await asyncio.gather(*(caller() for _ in range(10)))
    grants.sort()
    gaps = [b - a for a, b in itertools.pairwise(grants)]
    assert len(grants) == 20
    assert min(gaps) >= 1 / rate - 0.01  # never two grants in one 1/rate window
