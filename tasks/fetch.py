"""The Prefect task behind every upstream request: retries, back-off, Retry-After."""

from __future__ import annotations

from typing import Any

from prefect import task
from prefect.cache_policies import NO_CACHE
from prefect.tasks import exponential_backoff

from cratedex.errors import UpstreamError
from cratedex.http import Fetched, RetryableUpstreamError, UpstreamClient


def is_retryable(_task: Any, _task_run: Any, state: Any) -> bool:
    """Retry 429, 5xx and transport errors only: a 404 or a 403 will not change."""
    try:
        state.result(_sync=True)  # re-raises the task's exception, even inside an event loop
    except RetryableUpstreamError:
        return True
    except Exception:
        return False
    return False


@task(
    name="fetch",
    task_run_name="GET {label}",
    retries=4,
    retry_delay_seconds=exponential_backoff(backoff_factor=1),
    retry_jitter_factor=0.5,
    retry_condition_fn=is_retryable,
    cache_policy=NO_CACHE,
    log_prints=False,
)
async def fetch(
    client: UpstreamClient,
    url: str,
    *,
    label: str,
    etag: str | None = None,
    max_bytes: int | None = None,
) -> Fetched:
    """GET one upstream URL within the shared rate limit.

    A `Retry-After` pauses every request of this run to that host for as long as
    asked before Prefect's retry (with its own back-off) goes ahead; a wait longer
    than `CRATEDEX_MAX_RETRY_AFTER` fails the fetch instead of hanging the run.
    """
    try:
        return await client.get(url, etag=etag, max_bytes=max_bytes)
    except RetryableUpstreamError as exc:
        if exc.retry_after is not None:
            if exc.retry_after > client.settings.max_retry_after:
                raise UpstreamError(
                    f"{url} asked to retry after {exc.retry_after:.0f}s, longer than "
                    f"CRATEDEX_MAX_RETRY_AFTER={client.settings.max_retry_after:.0f}s",
                    status=exc.status,
                    url=url,
                ) from exc
            client.limiter.pause(url, exc.retry_after)
        raise


def configured_fetch(client: UpstreamClient) -> Any:
    """`fetch` with the retry count and back-off from the settings."""
    settings = client.settings
    return fetch.with_options(
        retries=settings.fetch_retries,
        retry_delay_seconds=exponential_backoff(backoff_factor=settings.retry_backoff)(
            settings.fetch_retries
        )
        if settings.fetch_retries
        else 0,
    )
