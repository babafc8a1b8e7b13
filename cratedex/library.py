"""The stored crates as a library: listing, statistics, soft and hard removal.

Plain async query functions, session first; the MCP tools are thin wrappers.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from cratedex.errors import InvalidInput
from cratedex.models import ACTIVE_JOB_STATUSES, RUST, CrateJob, Document, DocumentSource, utcnow
from cratedex.store import lock_source_metadata, refresh_counts
from cratedex.upstream import public_docs_url
from cratedex.validation import version_key

LIST_STATUSES = ("active", "inactive", "ingesting", "failed", "all")
LIST_SORTS = ("name", "updated", "documents")
_PATTERN = re.compile(r"[A-Za-z0-9_*?-]{1,64}")

_docs = Document.__table__
_sources = DocumentSource.__table__
_jobs = CrateJob.__table__


@dataclass(frozen=True, slots=True)
class CrateRow:
    name: str
    version: str | None
    versions: list[str]
    description: str | None
    status: str
    documents: int
    tokens: int
    last_updated: datetime | None
    docs_url: str | None
    format: str | None


@dataclass(frozen=True, slots=True)
class CratePage:
    crates: list[CrateRow]
    total_items: int


@dataclass(frozen=True, slots=True)
class Removal:
    status: str  # removed | deactivated | not_found
    crate_name: str
    versions: list[str] = field(default_factory=list)
    documents: int = 0
    cancelled_jobs: list[str] = field(default_factory=list)


def _like(pattern: str) -> str:
    """`serde*` → `serde%`; a pattern without wildcards matches anywhere in the name."""
    if not _PATTERN.fullmatch(pattern):
        raise InvalidInput(
            "name_pattern is 1 to 64 letters, digits, '-', '_' and the wildcards * and ?"
        )
    like = pattern.replace("_", r"\_").replace("*", "%").replace("?", "_")
    return like if ("*" in pattern or "?" in pattern) else f"%{like}%"


def _last_job_status() -> Any:
    """Per crate, the status of its newest ingestion job."""
    ranked = (
        sa.select(
            _jobs.c.crate_name,
            _jobs.c.status,
            sa.func.row_number()
            .over(partition_by=_jobs.c.crate_name, order_by=_jobs.c.created_at.desc())
            .label("n"),
        )
        .where(_jobs.c.operation != "remove")
        .subquery()
    )
    return sa.select(ranked.c.crate_name, ranked.c.status).where(ranked.c.n == 1).subquery()


def _crates_query() -> Any:
    """One row per known crate: stored ones and ones whose first ingestion is running.

    Counts come from the crate rows (kept by every writer), never from `documents`.
    """
    last = _last_job_status()
    stored = (
        sa.select(
            _sources.c.source_name.label("name"),
            _sources.c.current_version.label("version"),
            _sources.c.description,
            _sources.c.enabled,
            _sources.c.format,
            _sources.c.last_ingested_at.label("last_updated"),
            _sources.c.documents,
            _sources.c.tokens,
            _sources.c.metadata["versions"].label("versions"),
            last.c.status.label("last_job"),
        )
        .select_from(_sources.outerjoin(last, last.c.crate_name == _sources.c.source_name))
        .where(_sources.c.doc_type == RUST)
    )
    pending = (
        sa.select(
            _jobs.c.crate_name.label("name"),
            sa.null().label("version"),
            sa.null().label("description"),
            sa.true().label("enabled"),
            sa.null().label("format"),
            sa.null().label("last_updated"),
            sa.literal(0).label("documents"),
            sa.literal(0).label("tokens"),
            sa.null().label("versions"),
            sa.func.min(_jobs.c.status).label("last_job"),
        )
        .where(
            _jobs.c.status.in_(ACTIVE_JOB_STATUSES),
            _jobs.c.operation != "remove",
            ~sa.exists().where(_sources.c.source_name == _jobs.c.crate_name),
        )
        .group_by(_jobs.c.crate_name)
    )
    return sa.union_all(stored, pending).subquery("crates")


def _status_of(row: Any) -> str:
    if row.last_job in ACTIVE_JOB_STATUSES:
        return "ingesting"
    if not row.enabled:
        return "inactive"
    if row.last_job == "failed":
        return "failed"
    return "active"


def _status_filter(crates: Any, status: str) -> Any:
    """`active` is enabled with documents, even while a refresh runs."""
    return {
        "active": crates.c.enabled & (crates.c.documents > 0),
        "inactive": ~crates.c.enabled,
        "ingesting": crates.c.last_job.in_(ACTIVE_JOB_STATUSES),
        "failed": crates.c.last_job == "failed",
        "all": sa.true(),
    }[status]


async def list_crates(
    session: AsyncSession,
    *,
    page: int = 1,
    limit: int = 20,
    status: str = "active",
    name_pattern: str | None = None,
    sort: str = "name",
) -> CratePage:
    """A page of crates matching `status`, `name_pattern`, ordered by `sort`."""
    if status not in LIST_STATUSES:
        raise InvalidInput(f"status must be one of {', '.join(LIST_STATUSES)}")
    if sort not in LIST_SORTS:
        raise InvalidInput(f"sort must be one of {', '.join(LIST_SORTS)}")
    crates = _crates_query()
    where = [_status_filter(crates, status)]
    if name_pattern:
        where.append(crates.c.name.ilike(_like(name_pattern), escape="\\"))
    order = {
        "name": [crates.c.name],
        "updated": [crates.c.last_updated.desc().nulls_last(), crates.c.name],
        "documents": [crates.c.documents.desc(), crates.c.name],
    }[sort]
    page_query = (
        sa.select(crates, sa.func.count().over().label("total"))
        .where(*where)
        .order_by(*order)
        .offset((page - 1) * limit)
        .limit(limit)
    )
    rows = (await session.execute(page_query)).all()
    if rows:
        total = rows[0].total
    else:  # past the last page: still report how many there are
        total = await session.scalar(sa.select(sa.func.count()).select_from(crates).where(*where))
    return CratePage([_crate_row(row) for row in rows], int(total or 0))


def _crate_row(row: Any) -> CrateRow:
    versions = sorted(row.versions or {}, key=version_key, reverse=True)
    lib = row.name.replace("-", "_")
    return CrateRow(
        name=row.name,
        version=row.version,
        versions=versions,
        description=row.description,
        status=_status_of(row),
        documents=int(row.documents),
        tokens=int(row.tokens),
        last_updated=row.last_updated,
        docs_url=public_docs_url(row.name, row.version, f"{lib}/") if row.version else None,
        format=row.format,
    )


async def statistics(session: AsyncSession) -> dict[str, Any]:
    """Library-wide figures for list and status answers."""
    sources = (
        await session.execute(
            sa.select(
                sa.func.count(),
                sa.func.count().filter(_sources.c.enabled),
                sa.func.max(_sources.c.last_ingested_at),
                sa.func.coalesce(sa.func.sum(_sources.c.documents), 0),
                sa.func.coalesce(sa.func.sum(_sources.c.tokens), 0),
            ).where(_sources.c.doc_type == RUST)
        )
    ).one()
    total, active, last, documents, tokens = sources
    documents, tokens = int(documents), int(tokens)
    return {
        "total_crates": total,
        "active_crates": active,
        "inactive_crates": total - active,
        "total_documents": documents,
        "total_tokens": tokens,
        "average_documents_per_crate": round(documents / total, 1) if total else 0.0,
        "last_update": last.isoformat() if last else None,
    }


async def set_enabled(session: AsyncSession, *, crate_name: str, enabled: bool) -> bool:
    """Soft-delete or restore a crate; False when it is not stored."""
    result = await session.execute(
        sa.update(_sources)
        .where(_sources.c.doc_type == RUST, _sources.c.source_name == crate_name)
        .values(enabled=enabled, updated_at=utcnow())
    )
    await session.commit()
    return result.rowcount > 0


async def remove_documents(
    session: AsyncSession, *, crate_name: str, version: str | None, cancelled_jobs: list[str]
) -> Removal:
    """Delete one version or the whole crate in one transaction, recording the removal."""
    locked = await lock_source_metadata(session, crate_name=crate_name)
    if locked is None:
        await session.rollback()
        return Removal("not_found", crate_name)
    scope = [_docs.c.doc_type == RUST, _docs.c.source_name == crate_name]
    if version is not None:
        scope.append(_docs.c.version == version)
    versions = list(
        (await session.execute(sa.select(_docs.c.version).where(*scope).distinct())).scalars()
    )
    deleted = (await session.execute(sa.delete(_docs).where(*scope))).rowcount
    still_stored = (
        sa.select(_docs.c.version)
        .where(_docs.c.doc_type == RUST, _docs.c.source_name == crate_name)
        .distinct()
    )
    remaining = list((await session.execute(still_stored)).scalars())
    if version is None or not remaining:
        await session.execute(
            sa.delete(_sources).where(
                _sources.c.doc_type == RUST, _sources.c.source_name == crate_name
            )
        )
    else:
        metadata = dict(locked)
        kept = {v: d for v, d in (metadata.get("versions") or {}).items() if v in remaining}
        metadata["versions"] = kept
        current = max(remaining, key=version_key)
        details = kept.get(current, {})
        await session.execute(
            sa.update(_sources)
            .where(_sources.c.doc_type == RUST, _sources.c.source_name == crate_name)
            .values(
                metadata=metadata,
                current_version=current,
                format=details.get("format"),
                etag=details.get("etag"),
                updated_at=utcnow(),
            )
        )
        await refresh_counts(session, crate_name=crate_name)
    now = utcnow()
    session.add(
        CrateJob(
            crate_name=crate_name,
            requested_version=version or "all",
            resolved_version=version,
            operation="remove",
            status="completed",
            progress=100,
            items_done=deleted,
            items_total=deleted,
            summary={"versions_removed": versions, "documents_removed": deleted},
            started_at=now,
            finished_at=now,
        )
    )
    await session.commit()
    return Removal(
        "removed", crate_name, sorted(versions, key=version_key), deleted, cancelled_jobs
    )


async def active_jobs(session: AsyncSession, *, crate_name: str | None = None) -> list[CrateJob]:
    query = sa.select(CrateJob).where(CrateJob.status.in_(ACTIVE_JOB_STATUSES))
    if crate_name is not None:
        query = query.where(CrateJob.crate_name == crate_name)
    return list((await session.execute(query.order_by(CrateJob.created_at))).scalars())


async def last_job(session: AsyncSession, *, crate_name: str) -> CrateJob | None:
    result = await session.execute(
        sa.select(CrateJob)
        .where(CrateJob.crate_name == crate_name)
        .order_by(CrateJob.created_at.desc())
        .limit(1)
    )
    return result.scalar_one_or_none()
