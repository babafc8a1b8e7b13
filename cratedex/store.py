"""Writing and reading crate releases: plain async query functions, session first.

A release becomes visible in one transaction: the old rows of that version are
replaced and the crate's default version moves, or nothing happens at all.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncSession

from cratedex.items import ItemDoc
from cratedex.models import RUST, Document, DocumentSource, utcnow
from cratedex.text import identifier_words, token_count
from cratedex.upstream import public_docs_url
from cratedex.validation import version_key

INSERT_BATCH = 1000


@dataclass(frozen=True, slots=True)
class ReleaseSource:
    """Where a release came from, recorded on the crate's row."""

    format: str
    etag: str | None
    description: str | None = None
    repository: str | None = None
    homepage: str | None = None
    documentation_url: str | None = None
    extra: dict[str, Any] | None = None


def document_row(crate_name: str, version: str, item: ItemDoc, now: datetime) -> dict[str, Any]:
    """The `documents` row for one item."""
    return {
        "doc_type": RUST,
        "source_name": crate_name,
        "version": version,
        "doc_path": item.path,
        "name": item.name,
        "kind": item.kind,
        "content": item.content,
        "metadata": {
            "crate_name": crate_name,
            "version": version,
            "kind": item.kind,
            "path": item.path,
            "signature": item.signature,
            "url": public_docs_url(crate_name, version, item.url),
            "deprecated": item.deprecated,
            "features": list(item.features),
        },
        "token_count": token_count(item.content),
        "search_terms": " ".join(identifier_words(item.path)),
        "created_at": now,
        "updated_at": now,
    }


async def replace_release(
    session: AsyncSession,
    *,
    crate_name: str,
    version: str,
    items: Sequence[ItemDoc],
    source: ReleaseSource,
) -> int:
    """Store `items` as the whole of `crate_name` `version`; commit once at the end.

    Safe to repeat (the version's rows are replaced, never duplicated) and to run
    concurrently for one crate (the crate's row is locked for the transaction).
    Returns the number of documents stored.
    """
    now = utcnow()
    sources = DocumentSource.__table__
    documents = Document.__table__
    values = {
        "enabled": True,
        "description": source.description,
        "repository": source.repository,
        "homepage": source.homepage,
        "documentation_url": source.documentation_url,
        "last_checked_at": now,
        "updated_at": now,
    }
    upsert = pg_insert(sources).values(
        doc_type=RUST, source_name=crate_name, created_at=now, **values
    )
    await session.execute(
        upsert.on_conflict_do_update(index_elements=["doc_type", "source_name"], set_=values)
    )
    metadata = dict(await lock_source_metadata(session, crate_name=crate_name) or {})
    await session.execute(
        sa.delete(documents).where(
            documents.c.doc_type == RUST,
            documents.c.source_name == crate_name,
            documents.c.version == version,
        )
    )
    unique = {item.path: item for item in items}  # one document per path
    rows = [document_row(crate_name, version, item, now) for item in unique.values()]
    for start in range(0, len(rows), INSERT_BATCH):
        await session.execute(sa.insert(documents), rows[start : start + INSERT_BATCH])

    metadata.update(source.extra or {})
    versions = dict(metadata.get("versions") or {})
    versions[version] = {
        "format": source.format,
        "etag": source.etag,
        "documents": len(rows),
        "ingested_at": now.isoformat(),
    }
    metadata["versions"] = versions
    current = max(versions, key=version_key)
    await session.execute(
        sa.update(sources)
        .where(sources.c.doc_type == RUST, sources.c.source_name == crate_name)
        .values(
            metadata=metadata,
            current_version=current,
            format=versions[current]["format"],
            etag=versions[current]["etag"],
            last_ingested_at=now,
        )
    )
    await refresh_counts(session, crate_name=crate_name)
    await session.commit()
    return len(rows)


async def refresh_counts(session: AsyncSession, *, crate_name: str) -> None:
    """Recount the crate's documents and tokens onto its row (one index range scan)."""
    sources, documents = DocumentSource.__table__, Document.__table__
    totals = (
        sa.select(
            sa.func.count().label("documents"),
            sa.func.coalesce(sa.func.sum(documents.c.token_count), 0).label("tokens"),
        )
        .where(documents.c.doc_type == RUST, documents.c.source_name == crate_name)
        .subquery()
    )
    await session.execute(
        sa.update(sources)
        .where(sources.c.doc_type == RUST, sources.c.source_name == crate_name)
        .values(
            documents=sa.select(totals.c.documents).scalar_subquery(),
            tokens=sa.select(totals.c.tokens).scalar_subquery(),
        )
    )


async def lock_source_metadata(session: AsyncSession, *, crate_name: str) -> dict | None:
    """Lock the crate's row for this transaction and return its metadata (None: unknown).

    Writers of one crate (ingestions, removals) take this lock first, so they serialise.
    """
    sources = DocumentSource.__table__
    row = (
        await session.execute(
            sa.select(sources.c.metadata)
            .where(sources.c.doc_type == RUST, sources.c.source_name == crate_name)
            .with_for_update()
        )
    ).one_or_none()
    return None if row is None else (row.metadata or {})


async def stored_versions(session: AsyncSession, *, crate_name: str) -> dict[str, int]:
    """Document counts per stored version of a crate."""
    documents = Document.__table__
    result = await session.execute(
        sa.select(documents.c.version, sa.func.count())
        .where(documents.c.doc_type == RUST, documents.c.source_name == crate_name)
        .group_by(documents.c.version)
    )
    return {version: count for version, count in result.all()}


async def get_source(session: AsyncSession, *, crate_name: str) -> DocumentSource | None:
    result = await session.execute(
        sa.select(DocumentSource).where(
            DocumentSource.doc_type == RUST, DocumentSource.source_name == crate_name
        )
    )
    return result.scalar_one_or_none()
