"""Database tables, declared once with SQLModel; Alembic migrations mirror them.

`document_sources` holds one row per crate, `documents` one row per documented item
of one version, `crate_jobs` one row per ingestion/removal request and its Prefect
flow run.  There is deliberately no separate crates table.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql as pg
from sqlmodel import Column, Field, SQLModel

RUST = "rust"

JOB_STATUSES = ("queued", "running", "completed", "failed", "cancelled")
ACTIVE_JOB_STATUSES = ("queued", "running")
JOB_OPERATIONS = ("ingest", "reingest", "remove")


#: The first paragraph of a document's docs: what follows the heading, the signature
#: block and the feature and deprecation notes (see `ItemDoc.content`).
DOCS_SUMMARY = (
    r"split_part(regexp_replace(regexp_replace(content, E'^.*?\n```(\n|$)', ''), "
    r"E'^\\s*(Available on [^\n]*\n\n)?(> \\*\\*Deprecated[^\n]*\n\n)?', ''), "
    r"E'\n\n', 1)"
)
#: The item's own words: its path as written and stemmed (A) and its summary (B).
#: Small enough to stay inline, so search can rank thousands of candidates on it.
SUMMARY_VECTOR = (
    "setweight(to_tsvector('simple', search_terms), 'A') || "
    "setweight(to_tsvector('english', search_terms), 'A') || "
    f"setweight(to_tsvector('english', {DOCS_SUMMARY}), 'B')"
)


def utcnow() -> datetime:
    return datetime.now(UTC)


def _timestamp(*, nullable: bool = False, **kwargs: Any) -> Any:
    return Field(
        default_factory=utcnow if not nullable else None,
        sa_column=Column(sa.DateTime(timezone=True), nullable=nullable, **kwargs),
    )


class DocumentSource(SQLModel, table=True):
    """One crate: its crates.io metadata and which version is served by default."""

    __tablename__ = "document_sources"
    __table_args__ = (sa.UniqueConstraint("doc_type", "source_name"),)

    id: int | None = Field(default=None, primary_key=True)
    doc_type: str = Field(default=RUST, max_length=16)
    source_name: str = Field(max_length=64)
    enabled: bool = Field(default=True, description="False means soft-deleted.")
    description: str | None = None
    repository: str | None = None
    homepage: str | None = None
    documentation_url: str | None = None
    current_version: str | None = Field(default=None, max_length=64)
    format: str | None = Field(default=None, max_length=8, description="json or html")
    etag: str | None = Field(default=None, description="ETag of the current rustdoc JSON.")
    source_metadata: dict[str, Any] = Field(
        default_factory=dict,
        sa_column=Column("metadata", pg.JSONB, nullable=False, server_default="{}"),
    )
    documents: int = Field(
        default=0,
        sa_column=Column(sa.Integer, nullable=False, server_default="0"),
        description="Documents across all stored versions, kept by every writer.",
    )
    tokens: int = Field(
        default=0, sa_column=Column(sa.BigInteger, nullable=False, server_default="0")
    )
    last_ingested_at: datetime | None = _timestamp(nullable=True)
    last_checked_at: datetime | None = _timestamp(nullable=True)
    created_at: datetime = _timestamp()
    updated_at: datetime = _timestamp()


class Document(SQLModel, table=True):
    """One documented item of one crate version, as Markdown plus search data."""

    __tablename__ = "documents"
    __table_args__ = (
        sa.UniqueConstraint("doc_type", "source_name", "version", "doc_path"),
        sa.ForeignKeyConstraint(
            ["doc_type", "source_name"],
            ["document_sources.doc_type", "document_sources.source_name"],
            ondelete="CASCADE",
        ),
        sa.Index("ix_documents_search", "search", postgresql_using="gin"),
        sa.Index("ix_documents_search_summary", "search_summary", postgresql_using="gin"),
        sa.Index("ix_documents_name", sa.text("lower(name)")),
    )

    id: int | None = Field(default=None, primary_key=True, sa_type=sa.BigInteger)
    doc_type: str = Field(default=RUST, max_length=16)
    source_name: str = Field(max_length=64)
    version: str = Field(max_length=64)
    doc_path: str
    name: str
    kind: str = Field(max_length=16)
    content: str
    doc_metadata: dict[str, Any] = Field(
        default_factory=dict,
        sa_column=Column("metadata", pg.JSONB, nullable=False, server_default="{}"),
    )
    token_count: int = Field(ge=0)
    search_terms: str = Field(description="Path segments split into words, weighted highest.")
    search: Any = Field(
        default=None,
        sa_column=Column(
            pg.TSVECTOR,
            sa.Computed(
                "setweight(to_tsvector('simple', search_terms), 'A') || "
                "setweight(to_tsvector('english', left(content, 200000)), 'B')",
                persisted=True,
            ),
        ),
    )
    search_summary: Any = Field(
        default=None,
        sa_column=Column(pg.TSVECTOR, sa.Computed(SUMMARY_VECTOR, persisted=True)),
    )
    created_at: datetime = _timestamp()
    updated_at: datetime = _timestamp()


class CrateJob(SQLModel, table=True):
    """One request to ingest or remove a crate, tied to its Prefect flow run."""

    __tablename__ = "crate_jobs"
    __table_args__ = (
        sa.CheckConstraint(f"status IN {JOB_STATUSES!r}", name="ck_crate_jobs_status"),
        sa.CheckConstraint(f"operation IN {JOB_OPERATIONS!r}", name="ck_crate_jobs_operation"),
        sa.CheckConstraint("progress BETWEEN 0 AND 100", name="ck_crate_jobs_progress"),
        # At most one active job per crate, version and operation: makes submission
        # idempotent even under concurrent callers.
        sa.Index(
            "ux_crate_jobs_active",
            "crate_name",
            "requested_version",
            "operation",
            unique=True,
            postgresql_where=sa.text("status IN ('queued', 'running')"),
        ),
        sa.Index("ix_crate_jobs_crate_created", "crate_name", "created_at"),
    )

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    flow_run_id: uuid.UUID | None = Field(default=None, unique=True)
    crate_name: str = Field(max_length=64)
    requested_version: str = Field(default="latest", max_length=64)
    resolved_version: str | None = Field(default=None, max_length=64)
    operation: str = Field(default="ingest", max_length=16)
    status: str = Field(default="queued", max_length=16)
    progress: int = 0
    items_done: int = 0
    items_total: int | None = None
    error: str | None = None
    summary: dict[str, Any] = Field(
        default_factory=dict,
        sa_column=Column(pg.JSONB, nullable=False, server_default="{}"),
    )
    created_at: datetime = _timestamp()
    started_at: datetime | None = _timestamp(nullable=True)
    finished_at: datetime | None = _timestamp(nullable=True)
    updated_at: datetime = _timestamp()
