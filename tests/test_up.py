"""`cratedex up` on the embedded default, driven by a real MCP client over streamable HTTP."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psutil
import pytest
from fastmcp import Client

from tests.imitation import Imitation
from tests.support_mcp import free_port


class Up:
    def __init__(self, process: subprocess.Popen[str], mcp_url: str, data_dir: Path):
        self.process = process
        self.mcp_url = mcp_url
        self.data_dir = data_dir
        self.output: list[str] = []


@pytest.fixture
def stack(upstream: Imitation, tmp_path: Path) -> Iterator[Up]:
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("PREFECT_API", "CRATEDEX_DATABASE"))
    }
    mcp_port = free_port()
    env.update(
        CRATEDEX_DATA_DIR=str(tmp_path / "data"),
        CRATEDEX_PREFECT_PORT=str(free_port()),
        CRATEDEX_MCP_PORT=str(mcp_port),
        CRATEDEX_WORKER_POLL_SECONDS="1",
        PREFECT_SERVER_ALLOW_EPHEMERAL_MODE="false",
    )
    process = subprocess.Popen(
        [sys.executable, "-m", "cratedex.cli", "up"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    up = Up(process, f"http://127.0.0.1:{mcp_port}/mcp", tmp_path / "data")
    deadline = time.monotonic() + 180
    assert process.stdout is not None
    while time.monotonic() < deadline:
        line = process.stdout.readline()
        if not line:
            break
        up.output.append(line)
        if line.startswith("MCP endpoint:"):
            break
    assert any(line.startswith("MCP endpoint:") for line in up.output), "".join(up.output)
    yield up
    if process.poll() is None:
        process.kill()
        process.wait(30)
    process.stdout.close()


async def call(client: Client, tool: str, **arguments: Any) -> dict[str, Any]:
    result = await client.call_tool(tool, arguments)
    assert result.structured_content is not None
    return result.structured_content


async def _follow(client: Client, job_id: str) -> dict[str, Any]:
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        job = (await call(client, "check_rust_status", job_id=job_id))["job"]
        if job["status"] not in ("queued", "running"):
            return job
        await asyncio.sleep(0.5)
    raise AssertionError(f"job {job_id} did not finish: {job}")


async def test_up_serves_the_whole_cycle_and_stops_cleanly(stack: Up) -> None:
    printed = "".join(stack.output)
    assert "Prefect UI: http://127.0.0.1:" in printed and "embedded" in printed
    children = psutil.Process(stack.process.pid).children(recursive=True)
    assert len(children) >= 3  # Prefect server, worker, MCP server

    async with Client(stack.mcp_url) as client:
        health = (await call(client, "check_rust_status"))["health"]
        assert health["status"] == "healthy", health
        added = await call(client, "add_rust_crate", name="semver")
        assert added["status"] == "accepted"
        job = await _follow(client, added["job_id"])
        assert job["status"] == "completed" and job["progress"] == 100, job

        listed = await call(client, "list_rust_crates")
        assert [c["name"] for c in listed["crates"]] == ["semver"]
        hits = await call(client, "search_rust_docs", query="Version::parse")
        assert hits["results"][0]["path"] == "semver::Version::parse"
        item = await call(client, "get_rust_item", crate_name="semver", path="Version::parse")
        assert "pub fn parse" in item["content"]

        await call(client, "remove_rust_crate", name="semver", soft_delete=True)
        assert (await call(client, "search_rust_docs", query="Version::parse"))["results"] == []
        back = await call(client, "add_rust_crate", name="semver")
        assert back["status"] == "already_exists" and back["restored"]
        removed = await call(client, "remove_rust_crate", name="semver")
        assert removed["status"] == "removed" and removed["documents_removed"] > 0
        assert (await call(client, "list_rust_crates", status="all"))["crates"] == []

    stack.process.send_signal(signal.SIGINT)
    assert await asyncio.to_thread(stack.process.wait, 90) == 0
    await asyncio.sleep(1)
    survivors = [c for c in children if c.is_running() and c.status() != psutil.STATUS_ZOMBIE]
    assert survivors == [], f"orphans: {survivors}"
    assert not (stack.data_dir / "pgdata" / "postmaster.pid").exists()
