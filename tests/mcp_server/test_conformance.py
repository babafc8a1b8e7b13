"""The MCP conformance suite (from npm) against the streamable HTTP server."""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support_mcp import McpHttpServer

CONFORMANCE = Path(__file__).resolve().parents[2] / "conformance"
SUITE = CONFORMANCE / "node_modules/@modelcontextprotocol/conformance/dist/index.js"
NODE = CONFORMANCE / "node_modules/.bin/node"


@pytest.fixture(scope="module")
def installed_suite() -> Path:
    if not SUITE.exists():
        if shutil.which("npm") is None:
            pytest.skip("npm is not installed: the conformance suite comes from npm")
        subprocess.run(["npm", "ci", "--silent"], cwd=CONFORMANCE, check=True, timeout=600)
    return SUITE


@pytest.fixture
def http_server(database_url: str, prefect_server: str, tmp_path: Path) -> Iterator[str]:
    server = McpHttpServer(tmp_path).start()
    yield server.url
    server.stop()


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
