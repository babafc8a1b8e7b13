"""`cratedex serve --http`: refuses to expose itself without a token, and enforces it."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator

import httpx
import pytest
from fastmcp import Client


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_off_loopback_without_a_token_refuses_to_start(database_url: str) -> None:
    env = {k: v for k, v in os.environ.items() if k != "CRATEDEX_MCP_TOKEN"}
    done = subprocess.run(
        [sys.executable, "-m", "cratedex.cli", "serve", "--http", "--host", "0.0.0.0"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 1
    assert "CRATEDEX_MCP_TOKEN" in done.stderr


@pytest.fixture
def guarded_server(database_url: str, prefect_server: str) -> Iterator[str]:
    port = _free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "cratedex.cli", "serve", "--http", "--port", str(port)],
        env={**os.environ, "CRATEDEX_MCP_TOKEN": "s3cret-token"},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            httpx.get(f"{base}/healthz")
            break
        except httpx.HTTPError:
            time.sleep(0.3)
    yield f"{base}/mcp"
    process.terminate()
    process.wait(20)


async def test_the_bearer_token_is_required(guarded_server: str) -> None:
    async with httpx.AsyncClient() as http:
        anonymous = await http.post(
            guarded_server, json={"jsonrpc": "2.0", "id": 1, "method": "ping"}
        )
    assert anonymous.status_code == 401
    async with Client(guarded_server, auth="s3cret-token") as client:
        tools = await client.list_tools()
    assert "search_rust_docs" in {tool.name for tool in tools}
