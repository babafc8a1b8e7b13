"""`cratedex serve --http`: refuses to expose itself without a token, and enforces it."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from fastmcp import Client

from tests.support_mcp import McpHttpServer


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
def guarded_server(database_url: str, prefect_server: str, tmp_path: Path) -> Iterator[str]:
    server = McpHttpServer(tmp_path, CRATEDEX_MCP_TOKEN="s3cret-token").start()
    yield server.url
    server.stop()


async def test_the_bearer_token_is_required(guarded_server: str) -> None:
    async with httpx.AsyncClient() as http:
        anonymous = await http.post(
            guarded_server, json={"jsonrpc": "2.0", "id": 1, "method": "ping"}
        )
    assert anonymous.status_code == 401
    async with Client(guarded_server, auth="s3cret-token") as client:
        tools = await client.list_tools()
    assert "search_rust_docs" in {tool.name for tool in tools}
