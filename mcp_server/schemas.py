"""The documented output shapes of every tool (they become the tools' output schemas)."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field


class AddResult(BaseModel):
    """`accepted` (a job was queued, or an identical one is running: `deduplicated`) or
    `already_exists` (that version is stored; `restored` if it was soft-deleted)."""

    status: Literal["accepted", "already_exists"]
    crate_name: str
    version: str
    job_id: str | None = None
    flow_run_id: str | None = None
    deduplicated: bool = Field(
        default=False, description="True when an identical job was already queued or running."
    )
    documents: int | None = Field(default=None, description="Stored documents (already_exists).")
    last_updated: str | None = None
    restored: bool = Field(default=False, description="True when a soft-deleted crate came back.")
    message: str


class RemoveResult(BaseModel):
    status: Literal["removed", "deactivated", "not_found"]
    crate_name: str
    versions_removed: list[str] = Field(default_factory=list)
    documents_removed: int = 0
    cancelled_jobs: list[str] = Field(default_factory=list)
    message: str


class CrateSummary(BaseModel):
    name: str
    version: str | None = Field(description="The default (newest stored) version.")
    versions: list[str]
    description: str | None
    status: Literal["active", "inactive", "ingesting", "failed"]
    documents: int = Field(description="Documents across all stored versions.")
    tokens: int
    last_updated: str | None
    docs_url: str | None
    format: str | None = Field(description="json (rustdoc JSON) or html (rustdoc pages).")


class Pagination(BaseModel):
    page: int
    limit: int
    total_items: int
    total_pages: int
    has_previous: bool
    has_next: bool


class Statistics(BaseModel):
    total_crates: int
    active_crates: int
    inactive_crates: int
    total_documents: int
    total_tokens: int
    average_documents_per_crate: float
    last_update: str | None


class CrateList(BaseModel):
    crates: list[CrateSummary]
    pagination: Pagination
    statistics: Statistics | None = None


class JobInfo(BaseModel):
    id: str
    flow_run_id: str | None
    crate_name: str
    version: str = Field(description="Resolved version, or the requested one until resolved.")
    operation: str
    status: Literal["queued", "running", "completed", "failed", "cancelled"]
    progress: int
    items_done: int
    items_total: int | None
    created_at: str
    started_at: str | None
    finished_at: str | None
    error: str | None
    prefect_state: str | None
    waiting_reason: str | None = None
    prefect_url: str | None


class CrateStatus(BaseModel):
    name: str
    stored: bool
    enabled: bool
    versions: dict[str, int] = Field(description="Documents per stored version.")
    current_version: str | None
    documents: int
    last_ingested_at: str | None
    last_job: JobInfo | None


class ServiceHealth(BaseModel):
    ok: bool
    latency_ms: float | None
    error: str | None = None


class WorkerHealth(BaseModel):
    online: bool
    pool: str


class Health(BaseModel):
    status: Literal["healthy", "degraded", "unhealthy"]
    database: ServiceHealth
    prefect: ServiceHealth
    workers: WorkerHealth


class StatusReport(BaseModel):
    job: JobInfo | None = None
    crate: CrateStatus | None = None
    active_jobs: list[JobInfo] | None = None
    statistics: Statistics
    health: Health


class SearchResult(BaseModel):
    crate_name: str
    version: str
    path: str
    kind: str
    signature: str
    snippet: str
    url: str
    score: float


class SearchResults(BaseModel):
    query: str
    results: list[SearchResult]


class ItemResult(BaseModel):
    crate_name: str
    version: str
    path: str
    kind: str
    url: str
    content: str
    truncated: bool
    total_chars: int
    offset: int
    next_offset: int | None
    message: str | None = None


class CancelResult(BaseModel):
    status: Literal["cancelled", "already_finished"]
    job: JobInfo
