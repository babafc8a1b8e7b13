"""One pooled, polite HTTP client per flow run for docs.rs, crates.io and the index.

Politeness lives here so no caller can forget it: the User-Agent naming cratedex,
a slot from the shared per-host rate limit before every request, conditional
requests, and a size cap enforced while streaming so an oversized body is refused
before it sits in memory.  Retrying is the Prefect task's job (`tasks/fetch.py`);
this module only classifies what went wrong.
"""

from __future__ import annotations

import email.utils
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime

import httpx

from cratedex.errors import ResponseTooLarge, UpstreamError
from cratedex.ratelimit import RateLimiter
from cratedex.settings import Settings

RETRYABLE_STATUSES = frozenset({408, 425, 429, 500, 502, 503, 504})


class RetryableUpstreamError(UpstreamError):
    """A 429, a 5xx or a transport error: worth another try after `retry_after` seconds."""

    def __init__(self, message: str, *, status: int | None, url: str, retry_after: float | None):
        super().__init__(message, status=status, url=url)
        self.retry_after = retry_after


@dataclass(frozen=True, slots=True)
class Fetched:
    """A finished response: `body` is empty when `not_modified` (a 304)."""

    url: str
    status: int
    body: bytes
    etag: str | None
    content_type: str

    @property
    def not_modified(self) -> bool:
        return self.status == 304


@dataclass(slots=True)
class Traffic:
    """What one flow run asked of upstream, for its summary artifact."""

    requests: int = 0
    bytes: int = 0
    by_status: dict[int, int] = field(default_factory=dict)


def parse_retry_after(value: str | None) -> float | None:
    """Seconds from a `Retry-After` header: delta-seconds or an HTTP date."""
    if not value:
        return None
    value = value.strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - datetime.now(UTC)).total_seconds())


class UpstreamClient:
    """Sends single GET requests upstream; see the module docstring for the rules."""

    def __init__(
        self,
        settings: Settings,
        limiter: RateLimiter,
        *,
        transport: httpx.AsyncBaseTransport | None = None,
    ):
        self.settings = settings
        self.limiter = limiter
        self.traffic = Traffic()
        self._http = httpx.AsyncClient(
            headers={"User-Agent": settings.user_agent},
            timeout=settings.request_timeout,
            follow_redirects=False,
            limits=httpx.Limits(max_connections=32, max_keepalive_connections=16),
            transport=transport,
        )

    async def __aenter__(self) -> UpstreamClient:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        await self._http.aclose()

    async def get(
        self, url: str, *, etag: str | None = None, max_bytes: int | None = None
    ) -> Fetched:
        """GET `url`, following redirects by hand so each hop takes a rate-limit slot.

        Raises `RetryableUpstreamError` (429, 5xx, transport), `UpstreamError` for other
        statuses except 404, which comes back as a `Fetched` with status 404 because
        "no such page" is an answer callers act on (fall back to HTML, unknown crate).
        """
        limit = max_bytes or self.settings.max_response_bytes
        headers = {"If-None-Match": etag} if etag else {}
        for _hop in range(5):
            await self.limiter.acquire(url)
            response, body = await self._send(url, headers, limit)
            if response.is_redirect and response.next_request is not None:
                url = str(response.next_request.url)
                continue
            return self._finish(url, response, body)
        raise UpstreamError(f"too many redirects from {url}", url=url)

    async def _send(
        self, url: str, headers: dict[str, str], limit: int
    ) -> tuple[httpx.Response, bytes]:
        started = time.monotonic()
        try:
            request = self._http.build_request("GET", url, headers=headers)
            response = await self._http.send(request, stream=True)
        except httpx.TransportError as exc:
            self.traffic.requests += 1
            raise RetryableUpstreamError(
                f"{type(exc).__name__} talking to {url}: {exc}",
                status=None,
                url=url,
                retry_after=None,
            ) from exc
        try:
            self.traffic.requests += 1
            self.traffic.by_status[response.status_code] = (
                self.traffic.by_status.get(response.status_code, 0) + 1
            )
            declared = response.headers.get("content-length")
            if declared and declared.isdigit() and int(declared) > limit:
                raise _too_large(url, int(declared), limit)
            body = bytearray()
            async for chunk in response.aiter_bytes():
                body.extend(chunk)
                if len(body) > limit:
                    raise _too_large(url, None, limit)
            self.traffic.bytes += len(body)
        except httpx.TransportError as exc:
            raise RetryableUpstreamError(
                f"{type(exc).__name__} reading {url} after {time.monotonic() - started:.1f}s",
                status=None,
                url=url,
                retry_after=None,
            ) from exc
        finally:
            await response.aclose()
        return response, bytes(body)

    def _finish(self, url: str, response: httpx.Response, body: bytes) -> Fetched:
        status = response.status_code
        if status in RETRYABLE_STATUSES:
            raise RetryableUpstreamError(
                f"{url} answered {status}",
                status=status,
                url=url,
                retry_after=parse_retry_after(response.headers.get("retry-after")),
            )
        if status not in (200, 304, 404):
            raise UpstreamError(f"{url} answered {status}", status=status, url=url)
        return Fetched(
            url=url,
            status=status,
            body=body if status == 200 else b"",
            etag=response.headers.get("etag"),
            content_type=response.headers.get("content-type", ""),
        )


def _too_large(url: str, declared: int | None, limit: int) -> ResponseTooLarge:
    size = f"{declared:,} bytes" if declared is not None else f"more than {limit:,} bytes"
    return ResponseTooLarge(
        f"{url} is {size}, over the cap of {limit:,} bytes (CRATEDEX_MAX_RESPONSE_BYTES)",
        url=url,
    )
