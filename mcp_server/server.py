"""The cratedex MCP server: crate management, job tracking, search and item lookup.

Each tool validates its arguments in its signature (the agent sees the limits in
the schema), calls `mcp_server.service.Library`, and returns a typed result. Errors
meant for the agent become `ToolError`s; anything else is masked.
"""

from __future__ import annotations

import hmac
from collections.abc import AsyncIterator, Awaitable
from contextlib import asynccontextmanager
from typing import Annotated, Any, Literal, TypeVar

from fastmcp import Context, FastMCP
from fastmcp.exceptions import ToolError
from fastmcp.server.auth import AccessToken, TokenVerifier
from prefect.client.orchestration import get_client
from pydantic import Field
from starlette.requests import Request
from starlette.responses import JSONResponse

from cratedex import __version__, database
from cratedex.errors import CratedexError
from cratedex.settings import Settings, get_settings
from mcp_server import schemas
from mcp_server.service import Library

T = TypeVar("T")

CrateName = Annotated[
    str,
    Field(
        min_length=1,
        max_length=64,
        pattern=r"^[A-Za-z][A-Za-z0-9_-]*$",
        description="Crate name as on crates.io, e.g. 'serde' or 'tokio-util'.",
    ),
]
Version = Annotated[
    str,
    Field(
        min_length=1,
        max_length=64,
        description="'latest' or an exact semver version such as '1.0.152'.",
    ),
]
JobId = Annotated[
    str,
    Field(
        min_length=1,
        max_length=64,
        description="A job id returned by add_rust_crate, or its Prefect flow run id (UUID).",
    ),
]
ItemKind = Literal[
    "module", "struct", "enum", "union", "trait", "trait_alias", "function", "macro",
    "attr_macro", "derive_macro", "constant", "static", "type_alias", "primitive", "keyword",
    "method", "assoc_const", "assoc_type",
]  # fmt: skip

INSTRUCTIONS = """\
A library of Rust crate documentation from docs.rs. Typical use: search_rust_docs to find
items, get_rust_item to read one. If a crate is missing, add_rust_crate queues its
ingestion; follow the job with check_rust_status until it is completed."""


class BearerToken(TokenVerifier):
    """One shared bearer token (CRATEDEX_MCP_TOKEN), compared in constant time."""

    def __init__(self, token: str):
        super().__init__()
        self._token = token

    async def verify_token(self, token: str) -> AccessToken | None:
        if hmac.compare_digest(token.encode(), self._token.encode()):
            return AccessToken(token=token, client_id="cratedex", scopes=[])
        return None


async def _call(work: Awaitable[T]) -> T:
    """Run a service call; deliberate errors reach the agent as `ToolError`s."""
    try:
        return await work
    except CratedexError as exc:
        raise ToolError(str(exc)) from exc


def build_server(settings: Settings | None = None, *, token: str | None = None) -> FastMCP:
    """The server over the configured database and Prefect API; `token` enables auth."""
    settings = settings or get_settings()

    @asynccontextmanager
    async def lifespan(_server: FastMCP) -> AsyncIterator[dict[str, Any]]:
        engine = database.create_engine(settings, pool_size=5, max_overflow=5)
        try:
            async with get_client() as prefect:
                yield {"library": Library(engine, prefect)}
        finally:
            await engine.dispose()

    mcp: FastMCP = FastMCP(
        name="cratedex",
        instructions=INSTRUCTIONS,
        version=__version__,
        lifespan=lifespan,
        mask_error_details=True,
        auth=BearerToken(token) if token else None,
    )

    def library(ctx: Context) -> Library:
        return ctx.lifespan_context["library"]

    @mcp.tool(annotations={"title": "Add a Rust crate"})
    async def add_rust_crate(
        ctx: Context,
        name: CrateName,
        version: Version = "latest",
        force: Annotated[bool, Field(description="Ingest again even if stored.")] = False,
    ) -> schemas.AddResult:
        """Queue the ingestion of a crate's docs from docs.rs and return at once.

        Returns status 'accepted' with a job_id to follow with check_rust_status, or
        'already_exists' when that version is stored (force=true re-ingests). Adding a
        soft-deleted crate restores it. Example: add_rust_crate(name="serde").
        """
        return await _call(library(ctx).add(name, version, force))

    @mcp.tool(annotations={"title": "Remove a Rust crate", "destructiveHint": True})
    async def remove_rust_crate(
        ctx: Context,
        name: CrateName,
        version: Annotated[
            str | None, Field(max_length=64, description="One exact version; omit for all.")
        ] = None,
        soft_delete: Annotated[
            bool, Field(description="Hide from search and listing but keep the documents.")
        ] = False,
    ) -> schemas.RemoveResult:
        """Remove a crate's documents (one version or all) and cancel its active jobs.

        soft_delete=true only hides it (status 'deactivated'); add_rust_crate restores it.
        Example: remove_rust_crate(name="semver", version="0.9.0").
        """
        return await _call(library(ctx).remove(name, version, soft_delete))

    @mcp.tool(annotations={"title": "List stored crates", "readOnlyHint": True})
    async def list_rust_crates(
        ctx: Context,
        page: Annotated[int, Field(ge=1, le=100_000, description="Page number from 1.")] = 1,
        limit: Annotated[int, Field(ge=1, le=100, description="Crates per page.")] = 20,
        status: Literal["active", "inactive", "ingesting", "failed", "all"] = "active",
        name_pattern: Annotated[
            str | None,
            Field(
                max_length=64,
                pattern=r"^[A-Za-z0-9_*?-]+$",
                description="Name filter; * and ? are wildcards, else a substring.",
            ),
        ] = None,
        sort: Literal["name", "updated", "documents"] = "name",
        include_stats: bool = False,
    ) -> schemas.CrateList:
        """List stored crates with their versions, document counts and status.

        Example: list_rust_crates(name_pattern="serde*", include_stats=true).
        """
        return await _call(
            library(ctx).list(page, limit, status, name_pattern, sort, include_stats)
        )

    @mcp.tool(annotations={"title": "Check jobs, crates and health", "readOnlyHint": True})
    async def check_rust_status(
        ctx: Context,
        job_id: JobId | None = None,
        crate_name: CrateName | None = None,
        include_active_jobs: bool = True,
    ) -> schemas.StatusReport:
        """Follow an ingestion job, inspect a crate, and see the service's health.

        A job reports status queued/running/completed/failed/cancelled, progress 0-100,
        the Prefect state and, while queued, why it waits. Example:
        check_rust_status(job_id="3f2b8c1e-2a4d-4c8e-9f10-6b7a1d2e3f40").
        """
        return await _call(library(ctx).status(job_id, crate_name, include_active_jobs))

    @mcp.tool(annotations={"title": "Search Rust docs", "readOnlyHint": True})
    async def search_rust_docs(
        ctx: Context,
        query: Annotated[
            str,
            Field(
                min_length=1,
                max_length=500,
                description="An item name or path (HashMap::entry) or a plain question.",
            ),
        ],
        crate_name: CrateName | None = None,
        version: Annotated[str | None, Field(max_length=64)] = None,
        kind: ItemKind | None = None,
        limit: Annotated[int, Field(ge=1, le=50)] = 5,
    ) -> schemas.SearchResults:
        """Find documented items across stored crates, best first.

        Each result has the item path (pass it to get_rust_item), kind, signature, a
        short snippet and the docs.rs URL. Example:
        search_rust_docs(query="parse a version requirement", crate_name="semver").
        """
        return await _call(library(ctx).search(query, crate_name, version, kind, limit))

    @mcp.tool(annotations={"title": "Read one item", "readOnlyHint": True})
    async def get_rust_item(
        ctx: Context,
        crate_name: CrateName,
        path: Annotated[
            str,
            Field(
                min_length=1,
                max_length=300,
                description="Item path, e.g. 'serde::de::Deserializer' or 'Version::parse'.",
            ),
        ],
        version: Annotated[str | None, Field(max_length=64)] = None,
        offset: Annotated[int, Field(ge=0, description="Continue a cut document here.")] = 0,
    ) -> schemas.ItemResult:
        """Read an item's full Markdown: signature, docs, examples, methods.

        Long items are cut; the answer then says which offset continues it. A path that
        does not match returns the closest paths. Example:
        get_rust_item(crate_name="semver", path="semver::Version::parse").
        """
        return await _call(library(ctx).item(crate_name, path, version, offset))

    @mcp.tool(annotations={"title": "Cancel a job", "destructiveHint": True})
    async def cancel_rust_job(ctx: Context, job_id: JobId) -> schemas.CancelResult:
        """Cancel a queued or running ingestion; stored documents stay as they were.

        Example: cancel_rust_job(job_id="3f2b8c1e-2a4d-4c8e-9f10-6b7a1d2e3f40").
        """
        return await _call(library(ctx).cancel(job_id))

    @mcp.custom_route("/healthz", methods=["GET"])
    async def healthz(_request: Request) -> JSONResponse:
        return JSONResponse({"status": "ok", "version": __version__})

    return mcp
