"""Every MCP tool through the in-process FastMCP client, on a real database and Prefect."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from typing import Any

import pytest
import sqlalchemy as sa
from fastmcp import Client
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from cratedex.models import CrateJob, Document, DocumentSource
from cratedex.settings import get_settings
from flows.ingest import ingest_crate
from mcp_server.server import build_server
from tests.imitation import Imitation

pytestmark = pytest.mark.usefixtures("deployed")

TOOLS = {
    "add_rust_crate",
    "remove_rust_crate",
    "list_rust_crates",
    "check_rust_status",
    "search_rust_docs",
    "get_rust_item",
    "cancel_rust_job",
}


@pytest.fixture
async def client(engine: AsyncEngine, imitation: Imitation) -> AsyncIterator[Client]:
    async with Client(build_server(get_settings())) as client:
        yield client


async def call(client: Client, tool: str, **arguments: Any) -> dict[str, Any]:
    result = await client.call_tool(tool, arguments)
    assert result.structured_content is not None
    return result.structured_content


async def error(client: Client, tool: str, **arguments: Any) -> str:
    result = await client.call_tool(tool, arguments, raise_on_error=False)
    assert result.is_error, f"{tool}({arguments}) did not fail"
    return result.content[0].text


async def count(session: AsyncSession, model: type) -> int:
    return await session.scalar(sa.select(sa.func.count()).select_from(model)) or 0


async def test_the_tools_and_their_schemas(client: Client) -> None:
    tools = {tool.name: tool for tool in await client.list_tools()}
    assert set(tools) == TOOLS
    for tool in tools.values():
        assert tool.description and "Example" in tool.description
        assert tool.output_schema is not None
    name = tools["add_rust_crate"].input_schema["properties"]["name"]
    assert name["maxLength"] == 64 and name["pattern"]
    limit = tools["list_rust_crates"].input_schema["properties"]["limit"]
    assert (limit["minimum"], limit["maximum"]) == (1, 100)


@pytest.mark.parametrize(
    ("tool", "arguments", "expected"),
    [
        ("add_rust_crate", {"name": ""}, "name"),
        ("add_rust_crate", {"name": "x" * 65}, "name"),
        ("add_rust_crate", {"name": "ser de"}, "name"),
        ("add_rust_crate", {"name": "9lives"}, "name"),
        ("add_rust_crate", {"name": "serde", "version": "1.x"}, "semver version"),
        ("list_rust_crates", {"page": -1}, "page"),
        ("list_rust_crates", {"page": 0}, "page"),
        ("list_rust_crates", {"limit": 0}, "limit"),
        ("list_rust_crates", {"limit": 101}, "limit"),
        ("list_rust_crates", {"status": "sleeping"}, "status"),
        ("list_rust_crates", {"sort": "random"}, "sort"),
        ("list_rust_crates", {"name_pattern": "a b"}, "name_pattern"),
        ("check_rust_status", {"job_id": "not-a-uuid"}, "not a job id"),
        ("check_rust_status", {"job_id": str(uuid.uuid4())}, "no job or flow run"),
        ("check_rust_status", {"crate_name": "never-added"}, "never requested"),
        ("cancel_rust_job", {"job_id": "1234"}, "not a job id"),
        ("search_rust_docs", {"query": ""}, "query"),
        ("search_rust_docs", {"query": "x", "kind": "spaceship"}, "kind"),
        ("search_rust_docs", {"query": "x", "limit": 0}, "limit"),
        ("get_rust_item", {"crate_name": "serde", "path": ""}, "path"),
        ("get_rust_item", {"crate_name": "not-stored", "path": "x"}, "not-stored"),
        ("remove_rust_crate", {"name": "serde", "version": "latest"}, "exact version"),
    ],
)
async def test_bad_input_is_a_clear_error(
    client: Client, tool: str, arguments: dict[str, Any], expected: str
) -> None:
    assert expected in await error(client, tool, **arguments)


async def test_add_queues_once_then_reports_what_is_stored(
    client: Client, session: AsyncSession
) -> None:
    first = await call(client, "add_rust_crate", name="anyhow")
    assert first["status"] == "accepted" and first["flow_run_id"]
    assert "check_rust_status" in first["message"]
    again = await call(client, "add_rust_crate", name="anyhow")
    assert again["deduplicated"] is True and again["job_id"] == first["job_id"]

    status = await call(client, "check_rust_status", job_id=first["flow_run_id"])
    assert status["job"]["id"] == first["job_id"]
    assert status["job"]["status"] in ("queued", "running")
    assert status["job"]["prefect_url"].endswith(first["flow_run_id"])
    assert {j["id"] for j in status["active_jobs"]} == {first["job_id"]}

    cancelled = await call(client, "cancel_rust_job", job_id=first["job_id"])
    assert cancelled["status"] == "cancelled" and cancelled["job"]["status"] == "cancelled"
    assert (await call(client, "cancel_rust_job", job_id=first["job_id"]))["status"] == (
        "already_finished"
    )

    await ingest_crate(crate_name="itoa")
    stored = await call(client, "add_rust_crate", name="itoa")
    assert stored["status"] == "already_exists" and stored["version"] == "1.0.1"
    assert stored["documents"] > 3


async def test_list_filters_sorts_pages_and_counts(client: Client) -> None:
    for crate in ("itoa", "semver", "anyhow"):
        await ingest_crate(crate_name=crate)
    await ingest_crate(crate_name="semver", version="0.9.0")

    listed = await call(client, "list_rust_crates", limit=2, include_stats=True)
    assert [c["name"] for c in listed["crates"]] == ["anyhow", "itoa"]
    assert listed["pagination"] == {
        "page": 1, "limit": 2, "total_items": 3, "total_pages": 2,
        "has_previous": False, "has_next": True,
    }  # fmt: skip
    stats = listed["statistics"]
    assert stats["total_crates"] == 3 and stats["total_documents"] > 40
    semver = (await call(client, "list_rust_crates", name_pattern="sem*"))["crates"]
    assert [(c["version"], c["versions"]) for c in semver] == [("1.0.14", ["1.0.14", "0.9.0"])]
    assert semver[0]["docs_url"] == "https://docs.rs/semver/1.0.14/semver/"
    by_size = await call(client, "list_rust_crates", sort="documents")
    sizes = [c["documents"] for c in by_size["crates"]]
    assert sizes == sorted(sizes, reverse=True)
    assert (await call(client, "list_rust_crates", page=3, limit=2))["crates"] == []


async def test_soft_delete_hides_and_add_restores(client: Client, session: AsyncSession) -> None:
    await ingest_crate(crate_name="semver")
    hits = await call(client, "search_rust_docs", query="Version::parse")
    assert hits["results"] and hits["results"][0]["crate_name"] == "semver"

    gone = await call(client, "remove_rust_crate", name="semver", soft_delete=True)
    assert gone["status"] == "deactivated"
    assert (await call(client, "search_rust_docs", query="Version::parse"))["results"] == []
    assert (await call(client, "list_rust_crates"))["crates"] == []
    inactive = await call(client, "list_rust_crates", status="inactive")
    assert [c["status"] for c in inactive["crates"]] == ["inactive"]

    back = await call(client, "add_rust_crate", name="semver")
    assert back["status"] == "already_exists" and back["restored"] is True
    assert (await call(client, "search_rust_docs", query="Version::parse"))["results"]


async def test_hard_remove_leaves_no_orphans_and_is_audited(
    client: Client, session: AsyncSession
) -> None:
    await ingest_crate(crate_name="semver")
    await ingest_crate(crate_name="semver", version="0.9.0")

    one = await call(client, "remove_rust_crate", name="semver", version="1.0.14")
    assert one["status"] == "removed" and one["versions_removed"] == ["1.0.14"]
    [listed] = (await call(client, "list_rust_crates"))["crates"]
    assert listed["documents"] == await count(session, Document) > 0
    assert listed["versions"] == ["0.9.0"]
    status = await call(client, "check_rust_status", crate_name="semver")
    assert status["crate"]["current_version"] == "0.9.0"
    assert list(status["crate"]["versions"]) == ["0.9.0"]

    rest = await call(client, "remove_rust_crate", name="semver")
    assert rest["versions_removed"] == ["0.9.0"] and rest["documents_removed"] > 0
    assert await count(session, Document) == 0 and await count(session, DocumentSource) == 0
    removals = (
        (await session.execute(sa.select(CrateJob).where(CrateJob.operation == "remove")))
        .scalars()
        .all()
    )
    assert len(removals) == 2 and all(r.status == "completed" for r in removals)
    unknown = await call(client, "remove_rust_crate", name="semver")
    assert unknown["status"] == "not_found"


async def test_search_and_read_an_item(client: Client) -> None:
    await ingest_crate(crate_name="semver")
    found = await call(client, "search_rust_docs", query="parse a version requirement")
    paths = [r["path"] for r in found["results"]]
    assert any(p.startswith("semver::VersionReq") for p in paths)
    first = found["results"][0]
    assert first["url"].startswith("https://docs.rs/semver/1.0.14/") and first["signature"]

    item = await call(client, "get_rust_item", crate_name="semver", path="semver::Version")
    assert item["content"].startswith("# ") and "pub struct Version" in item["content"]
    miss = await error(client, "get_rust_item", crate_name="semver", path="semver::Verzion::parse")
    assert "semver::Version::parse" in miss  # the closest path is suggested


async def test_health_reports_each_service(client: Client) -> None:
    health = (await call(client, "check_rust_status"))["health"]
    assert health["database"]["ok"] and health["database"]["latency_ms"] is not None
    assert health["prefect"]["ok"]
    assert health["status"] in ("healthy", "degraded")
    assert health["workers"]["pool"] == "cratedex"
