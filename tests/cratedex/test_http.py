"""The upstream client: size cap while streaming, status classification, Retry-After."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest

from cratedex.errors import ResponseTooLarge, UpstreamError
from cratedex.http import RetryableUpstreamError, UpstreamClient, parse_retry_after
from cratedex.ratelimit import RateLimiter
from cratedex.settings import Settings


class CountingBody(httpx.AsyncByteStream):
    """An endless chunked body that counts how much of it was pulled."""

    def __init__(self) -> None:
        self.pulled = 0

    async def __aiter__(self) -> AsyncIterator[bytes]:
        while True:
            self.pulled += 1024
            yield b"x" * 1024


def _client(handler: httpx.MockTransport, **settings: object) -> UpstreamClient:
    config = Settings(rate_limit=0, max_response_bytes=10_000, **settings)
    return UpstreamClient(config, RateLimiter(config, client=None), transport=handler)


async def test_a_body_without_length_is_cut_at_the_cap() -> None:
    body = CountingBody()
    transport = httpx.MockTransport(lambda request: httpx.Response(200, stream=body))
    async with _client(transport) as client:
        with pytest.raises(ResponseTooLarge, match="over the cap of 10,000 bytes"):
            await client.get("https://docs.rs/big")
    assert body.pulled <= 11 * 1024


async def test_a_declared_length_over_the_cap_is_refused_before_reading() -> None:
    body = CountingBody()
    transport = httpx.MockTransport(
        lambda request: httpx.Response(200, headers={"Content-Length": "999999"}, stream=body)
    )
    async with _client(transport) as client:
        with pytest.raises(ResponseTooLarge, match="999,999 bytes"):
            await client.get("https://docs.rs/big")
    assert body.pulled == 0


@pytest.mark.parametrize("status", [429, 500, 502, 503, 504])
async def test_retryable_statuses(status: int) -> None:
    transport = httpx.MockTransport(
        lambda request: httpx.Response(status, headers={"Retry-After": "7"})
    )
    async with _client(transport) as client:
        with pytest.raises(RetryableUpstreamError) as caught:
            await client.get("https://docs.rs/x")
    assert caught.value.retry_after == 7.0 and caught.value.status == status


@pytest.mark.parametrize("status", [400, 401, 403, 410])
async def test_other_client_errors_are_final(status: int) -> None:
    transport = httpx.MockTransport(lambda request: httpx.Response(status))
    async with _client(transport) as client:
        with pytest.raises(UpstreamError) as caught:
            await client.get("https://docs.rs/x")
    assert not isinstance(caught.value, RetryableUpstreamError)


async def test_404_is_an_answer_and_redirects_are_followed_with_the_user_agent() -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        if request.url.path == "/serde":
            return httpx.Response(302, headers={"Location": "/serde/latest/serde/"})
        return httpx.Response(404)

    async with _client(httpx.MockTransport(handler), user_agent="cratedex-test/1") as client:
        answer = await client.get("https://docs.rs/serde")
    assert answer.status == 404 and answer.url == "https://docs.rs/serde/latest/serde/"
    assert [r.headers["user-agent"] for r in seen] == ["cratedex-test/1"] * 2
    assert client.traffic.requests == 2


async def test_transport_errors_are_retryable() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("refused", request=request)

    async with _client(httpx.MockTransport(handler)) as client:
        with pytest.raises(RetryableUpstreamError, match="ConnectError"):
            await client.get("https://docs.rs/x")


async def test_etag_is_sent_and_304_is_not_modified() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        if request.headers.get("if-none-match") == '"abc"':
            return httpx.Response(304, headers={"ETag": '"abc"'})
        return httpx.Response(200, content=b"{}", headers={"ETag": '"abc"'})

    async with _client(httpx.MockTransport(handler)) as client:
        first = await client.get("https://docs.rs/j")
        second = await client.get("https://docs.rs/j", etag=first.etag)
    assert first.body == b"{}" and second.not_modified and second.body == b""


def test_parse_retry_after() -> None:
    assert parse_retry_after("3") == 3.0
    assert parse_retry_after(None) is None
    assert parse_retry_after("soon") is None
    assert parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT") == 0.0
