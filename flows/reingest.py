"""The scheduled re-ingestion: keep every enabled crate current, cheaply.

For each enabled crate: one sparse-index request (a newer release?) and, for crates
stored from rustdoc JSON, one conditional request on the stored ETag (rebuilt docs?).
Only crates that changed, or whose last job failed, get an `ingest-crate` run;
unchanged crates cost no writes.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

import sqlalchemy as sa
from prefect import flow, get_run_logger
from prefect.artifacts import acreate_markdown_artifact
from prefect.client.orchestration import get_client
from sqlalchemy.ext.asyncio import AsyncSession

from cratedex.database import create_engine
from cratedex.errors import CratedexError
from cratedex.http import UpstreamClient
from cratedex.models import RUST, CrateJob, DocumentSource
from cratedex.ratelimit import RateLimiter
from cratedex.settings import get_settings
from cratedex.submission import submit_ingestion
from cratedex.upstream import rustdoc_json_url, sparse_index_url
from tasks.crates_io import choose_release, parse_index
from tasks.fetch import configured_fetch


@dataclass
class ReingestReport:
    checked: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    triggered: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    def markdown(self) -> str:
        def section(title: str, rows: list[str]) -> list[str]:
            return [f"## {title} ({len(rows)})", "", *(f"- {r}" for r in rows or ["none"]), ""]

        return "\n".join(
            [
                "# Re-ingestion check",
                "",
                *section("Triggered", self.triggered),
                *section("Unchanged, skipped", self.unchanged),
                *section("Errors", self.errors),
                *section("Checked", self.checked),
            ]
        )


async def _last_job_failed(session: AsyncSession, crate_name: str) -> bool:
    last = (
        await session.execute(
            sa.select(CrateJob.status)
            .where(CrateJob.crate_name == crate_name, CrateJob.operation != "remove")
            .order_by(CrateJob.created_at.desc())
            .limit(1)
        )
    ).scalar_one_or_none()
    return last == "failed"


@flow(name="reingest-crates", flow_run_name="reingest-crates")
async def reingest_crates() -> dict[str, Any]:
    """Check every enabled crate for a newer release or rebuilt docs; trigger what changed."""
    settings = get_settings()
    logger = get_run_logger()
    report = ReingestReport()
    engine = create_engine(settings, pool_size=2)
    try:
        async with AsyncSession(engine, expire_on_commit=False) as session:
            sources = (
                (
                    await session.execute(
                        sa.select(DocumentSource)
                        .where(DocumentSource.doc_type == RUST, DocumentSource.enabled)
                        .order_by(DocumentSource.source_name)
                    )
                )
                .scalars()
                .all()
            )
            async with get_client() as prefect:
                upstream = UpstreamClient(settings, RateLimiter(settings, prefect))
                fetch = configured_fetch(upstream)
                async with upstream:
                    for source in sources:
                        name = source.source_name
                        report.checked.append(f"{name} {source.current_version}")
                        try:
                            reason = await _change(fetch, upstream, source)
                            if reason is None and await _last_job_failed(session, name):
                                reason = "its last job failed"
                            if reason is None:
                                report.unchanged.append(f"{name} {source.current_version}")
                                continue
                            submitted = await submit_ingestion(
                                session,
                                prefect,
                                crate_name=name,
                                version="latest",
                                operation="reingest",
                                force=True,
                            )
                            report.triggered.append(f"{name}: {reason} (job {submitted.job.id})")
                        except (CratedexError, RuntimeError) as exc:
                            report.errors.append(f"{name}: {exc}")
    finally:
        await engine.dispose()
    await acreate_markdown_artifact(
        key="reingest-crates",
        markdown=report.markdown(),
        description=f"{len(report.triggered)} triggered of {len(report.checked)} checked",
    )
    logger.info("checked %d crates, triggered %d", len(report.checked), len(report.triggered))
    return asdict(report)


async def _change(fetch: Any, upstream: UpstreamClient, source: DocumentSource) -> str | None:
    """Why the crate needs ingesting again, or None when nothing changed."""
    settings = upstream.settings
    name = source.source_name
    index = await fetch(upstream, sparse_index_url(settings, name), label=f"index {name}")
    if index.status == 404:
        raise CratedexError("no longer in the crates.io index")
    newest = choose_release(parse_index(index.body, name), "latest").version
    if newest != source.current_version:
        return f"new release {newest} (stored: {source.current_version})"
    if source.format != "json" or not source.etag:
        return None
    docs = await fetch(
        upstream,
        rustdoc_json_url(settings, name, newest),
        label=f"rustdoc JSON {name} (conditional)",
        etag=source.etag,
    )
    if docs.not_modified:
        return None
    return "docs.rs rebuilt its documentation (new ETag)"
