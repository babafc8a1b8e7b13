"""The MCP conformance suite (from npm) against the streamable HTTP server."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

CONFORMANCE = Path(__file__).resolve().parents[2] / "conformance"
SUITE = CONFORMANCE / "node_modules/@modelcontextprotocol/conformance/dist/index.js"
NODE = CONFORMANCE / "node_modules/.bin/node"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="module")
def installed_suite() -> Path:
    if not SUITE.exists():
        if shutil.which("npm") is None:
            pytest.skip("npm is not installed: the conformance suite comes from npm")
        subprocess.run(["npm", "ci", "--silent"], cwd=CONFORMANCE, check=True, timeout=600)
    return SUITE


@pytest.fixture
def http_server(database_url: str, prefect_server: str, tmp_path: Path) -> Iterator[str]:
    port = _free_port()
    log = (tmp_path / "mcp.log").open("wb")
    process = subprocess.Popen(
        [sys.executable, "-m", "cratedex.cli", "serve", "--http", "--port", str(port)],
        env=dict(os.environ),
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{url}/healthz").status_code == 200:
                break
        except httpx.HTTPError:
            time.sleep(0.3)
    yield f"{url}/mcp"
    process.terminate()
    process.wait(20)
    log.close()


def test_the_server_passes_the_conformance_suite(installed_suite: Path, http_server: str) -> None:
    done = subprocess.run(
        [
            str(NODE),
            str(installed_suite),
            "server",
            "--url",
            http_server,
            "--expected-failures",
            str(CONFORMANCE / "expected-failures.yml"),
        ],
        capture_output=True,
        text=True,
        timeout=600,
    )
    report = done.stdout + done.stderr
    assert done.returncode == 0, report  # no unexpected failure and no stale baseline entry
    assert "dns-rebinding-protection: 2 passed, 0 failed" in report
