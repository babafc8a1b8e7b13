"""The ingestion flow: one Prefect flow run takes one crate release from docs.rs into PostgreSQL.

Steps: validate → resolve the release in the sparse index → crates.io metadata →
rustdoc JSON (one request) or, when docs.rs has none or it is unreadable, the HTML
pages → store the release in one transaction.  The `crate_jobs` row and a Prefect
progress artifact follow along; a Markdown artifact summarises the run.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from dataclasses import asdict, dataclass, field, replace
from typing import Any

from prefect import flow, get_run_logger
from prefect.artifacts import acreate_markdown_artifact
from prefect.client.orchestration import get_client
from prefect.client.schemas.objects import FlowRun, State
from prefect.runtime import flow_run as current_run
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from cratedex import jobs
from cratedex.database import create_engine
from cratedex.errors import NotFound, ResponseTooLarge, UpstreamError
from cratedex.http import UpstreamClient
from cratedex.items import ItemDoc
from cratedex.ratelimit import RateLimiter
from cratedex.settings import Settings, get_settings
from cratedex.store import ReleaseSource, get_source, stored_versions
from cratedex.upstream import (
    crate_page_url,
    crates_api_url,
    lib_name,
    rustdoc_json_url,
    rustdoc_page_url,
    rustdoc_root_url,
    sparse_index_url,
)
from cratedex.validation import validate_crate_name, validate_version
from flows._tracking import JobTracker, close_job_of_flow_run
from tasks.crates_io import CrateInfo, Release, choose_release, parse_crate_info, parse_index
from tasks.extract import extract_json_items
from tasks.fetch import configured_fetch
from tasks.rustdoc_html import (
    ListedItem,
    extract_item_page,
    extract_module_page,
    extract_readme,
    module_urls,
    parse_all_items,
)
from tasks.rustdoc_json import RustdocJsonError
from tasks.store import store_release


@dataclass
class IngestSummary:
    """What the run did; returned by the flow, stored on the job, shown as an artifact."""

    crate_name: str
    requested_version: str
    version: str = ""
    format: str = ""
    items_stored: int = 0
    requests: int = 0
    bytes: int = 0
    duration_seconds: float = 0.0
    rate_limit_wait_seconds: float = 0.0
    extract_seconds: float = 0.0
    store_seconds: float = 0.0
    notes: list[str] = field(default_factory=list)

    def markdown(self) -> str:
        lines = [
            f"# Ingested {self.crate_name} {self.version}",
            "",
            "| | |",
            "|---|---|",
            f"| version | {self.version} (asked: {self.requested_version}) |",
            f"| format | {self.format} |",
            f"| items stored | {self.items_stored:,} |",
            f"| upstream requests | {self.requests:,} |",
            f"| bytes downloaded | {self.bytes:,} |",
            f"| duration | {self.duration_seconds:.2f} s |",
            f"| waiting for the rate limit | {self.rate_limit_wait_seconds:.2f} s |",
            f"| extracting / storing | {self.extract_seconds:.2f} s / {self.store_seconds:.2f} s |",
        ]
        if self.notes:
            lines += ["", "## Notes", "", *(f"- {note}" for note in self.notes)]
        return "\n".join(lines)


class Ingestion:
    """The steps of one run, sharing its HTTP client, fetch task and job tracker."""

    def __init__(self, settings: Settings, upstream: UpstreamClient, tracker: JobTracker):
        self.settings = settings
        self.upstream = upstream
        self.tracker = tracker
        self.fetch = configured_fetch(upstream)
        self.etag: str | None = None
        self.stored_documents = 0

    async def resolve(self, crate_name: str, version: str) -> Release:
        index = await self.fetch(
            self.upstream, sparse_index_url(self.settings, crate_name), label=f"index {crate_name}"
        )
        if index.status == 404:
            raise NotFound(f"crate {crate_name!r} does not exist on crates.io")
        return choose_release(parse_index(index.body, crate_name), version)

    async def crate_info(self, release: Release) -> CrateInfo:
        answer = await self.fetch(
            self.upstream,
            crates_api_url(self.settings, release.name),
            label=f"crates.io {release.name}",
        )
        return (
            CrateInfo() if answer.status == 404 else parse_crate_info(answer.body, release.version)
        )

    async def stored_etag(self, release: Release) -> str | None:
        """The ETag of this exact release's stored rustdoc JSON, if any."""
        async with self.tracker.session() as session:
            source = await get_source(session, crate_name=release.name)
            versions = await stored_versions(session, crate_name=release.name)
        if source is None or release.version not in versions:
            return None
        self.stored_documents = versions[release.version]
        details = (source.source_metadata.get("versions") or {}).get(release.version) or {}
        return details.get("etag") if details.get("format") == "json" else None

    async def from_json(
        self, release: Release, summary: IngestSummary, *, known_etag: str | None = None
    ) -> list[ItemDoc] | None:
        """The release's items from rustdoc JSON, or None: unchanged (format stays "json")
        or unavailable (a note says why, and the HTML pages are next)."""
        url = rustdoc_json_url(self.settings, release.name, release.version)
        try:
            answer = await self.fetch(
                self.upstream, url, label=f"rustdoc JSON {release.name}", etag=known_etag
            )
        except ResponseTooLarge as exc:
            summary.notes.append(f"rustdoc JSON refused: {exc}; used the HTML pages")
            return None
        if answer.not_modified:
            summary.format = "json"
            summary.notes.append("docs.rs reports the stored rustdoc JSON unchanged (ETag)")
            self.etag = known_etag
            return None
        if answer.status == 404:
            summary.notes.append("docs.rs has no rustdoc JSON for this release; used HTML pages")
            return None
        await self.tracker.progress(done=0, total=0, percent=40, force=True)
        started = time.perf_counter()
        try:
            items = extract_json_items(
                answer.body, crate_name=release.name, max_json_bytes=self.settings.max_json_bytes
            )
        except RustdocJsonError as exc:
            summary.notes.append(f"rustdoc JSON unreadable ({exc}); used the HTML pages")
            return None
        summary.extract_seconds = round(time.perf_counter() - started, 3)
        summary.format = "json"
        self.etag = answer.etag
        return items

    async def from_html(self, release: Release, summary: IngestSummary) -> list[ItemDoc]:
        """The release's items from its rustdoc pages: all.html, then each page once."""
        lib, listing = await self._listing(release)
        listed = parse_all_items(listing, crate_name=release.name, lib_name=lib)
        pages = module_urls(listed, lib) + listed
        total = len(pages)
        done = 0
        gate = asyncio.Semaphore(self.settings.html_concurrency)
        results: list[list[ItemDoc]] = [[] for _ in pages]

        async def crawl(position: int, page: ListedItem) -> None:
            nonlocal done
            async with gate:
                url = rustdoc_page_url(self.settings, release.name, release.version, page.url)
                answer = await self.fetch(self.upstream, url, label=f"{release.name} {page.url}")
            if answer.status == 404:
                raise UpstreamError(f"{url} is listed by all.html but docs.rs answered 404")
            extractor = extract_module_page if page.kind == "module" else extract_item_page
            started = time.perf_counter()
            results[position] = extractor(answer.body, page, crate_name=release.name)
            summary.extract_seconds += time.perf_counter() - started
            done += 1
            await self.tracker.progress(done=done, total=total, percent=5 + 85 * done // total)

        try:
            async with asyncio.TaskGroup() as group:
                for position, page in enumerate(pages):
                    group.create_task(crawl(position, page))
        except ExceptionGroup as failures:  # the first page that failed explains the run
            raise failures.exceptions[0] from None
        summary.extract_seconds = round(summary.extract_seconds, 3)
        items = [item for page_items in results for item in page_items]
        if not any(i.kind == "module" and i.path == lib and i.docs for i in items):
            items = await self._with_readme(release, items, summary)
        summary.format = "html"
        self.etag = None
        return items

    async def _listing(self, release: Release) -> tuple[str, bytes]:
        """all.html, discovering the lib name through docs.rs's redirect when it is not
        the crate name with `-` turned into `_`."""
        lib = lib_name(release.name)
        url = rustdoc_page_url(self.settings, release.name, release.version, f"{lib}/all.html")
        answer = await self.fetch(self.upstream, url, label=f"{release.name} all.html")
        if answer.status == 404:
            root = await self.fetch(
                self.upstream,
                rustdoc_root_url(self.settings, release.name, release.version, ""),
                label=f"{release.name} rustdoc root",
            )
            found = root.url.rstrip("/").rsplit("/", 1)[-1]
            if root.status == 404 or found in ("", release.version):
                raise NotFound(
                    f"docs.rs has no documentation for {release.name} {release.version} "
                    "(its docs.rs build may have failed)"
                )
            lib = found
            url = rustdoc_page_url(self.settings, release.name, release.version, f"{lib}/all.html")
            answer = await self.fetch(self.upstream, url, label=f"{release.name} all.html")
            if answer.status == 404:
                raise NotFound(f"docs.rs has no item listing for {release.name} at {url}")
        return lib, answer.body

    async def _with_readme(
        self, release: Release, items: list[ItemDoc], summary: IngestSummary
    ) -> list[ItemDoc]:
        """A crate root without docs gets the README prose from docs.rs's crate page."""
        page = await self.fetch(
            self.upstream,
            crate_page_url(self.settings, release.name, release.version),
            label=f"{release.name} crate page",
        )
        readme = extract_readme(page.body) if page.status == 200 else ""
        if not readme:
            return items
        summary.notes.append("crate root had no docs; used the README from the crate page")
        return [
            _with_docs(item, readme) if item.kind == "module" and "::" not in item.path else item
            for item in items
        ]


def _with_docs(item: ItemDoc, docs: str) -> ItemDoc:
    return replace(item, docs=docs, content=f"{item.content.rstrip()}\n\n{docs}\n")


def _failure(exc: BaseException) -> tuple[str, str]:
    """The job status and error for an exception that ended the run."""
    if isinstance(exc, asyncio.CancelledError | KeyboardInterrupt):
        return "cancelled", f"cancelled ({type(exc).__name__})"
    if isinstance(exc, SystemExit):
        return "failed", f"crashed: the flow run process was terminated (exit {exc.code})"
    if not isinstance(exc, Exception):
        return "failed", f"crashed: {type(exc).__name__} {exc}"
    return "failed", str(exc) or type(exc).__name__


async def _rename_run(release: Release) -> None:
    run_id = current_run.get_id()
    if run_id is None:
        return
    async with get_client() as client:
        await client.update_flow_run(
            uuid.UUID(run_id),
            name=f"ingest-{release.name}-{release.version}",
            tags=sorted({*current_run.tags, f"crate:{release.name}"}),
        )


async def _job_for_run(
    engine: AsyncEngine, crate_name: str, version: str, job_id: uuid.UUID | None
) -> uuid.UUID:
    """The job this run reports to: the submitted one, or a new one for direct runs."""
    if job_id is not None:
        return job_id
    run_id = current_run.get_id()
    async with AsyncSession(engine, expire_on_commit=False) as session:
        if run_id is not None:
            job = await jobs.job_for_flow_run(session, uuid.UUID(run_id))
            if job is not None:
                return job.id
        job = await jobs.create_job(
            session,
            crate_name=crate_name,
            requested_version=version,
            flow_run_id=uuid.UUID(run_id) if run_id else None,
            status="running",
        )
        return job.id


async def _on_cancelled(_flow: Any, flow_run: FlowRun, state: State) -> None:
    await close_job_of_flow_run(flow_run.id, "cancelled", state.message or "cancelled")


async def _on_crashed(_flow: Any, flow_run: FlowRun, state: State) -> None:
    await close_job_of_flow_run(flow_run.id, "failed", f"crashed: {state.message or 'unknown'}")


@flow(
    name="ingest-crate",
    flow_run_name="ingest-{crate_name}-{version}",
    on_cancellation=[_on_cancelled],
    on_crashed=[_on_crashed],
)
async def ingest_crate(
    crate_name: str,
    version: str = "latest",
    job_id: uuid.UUID | None = None,
    force: bool = False,
) -> dict[str, Any]:
    """Ingest one release of a crate; `version` is 'latest' or an exact semver version.

    A release already stored from rustdoc JSON is re-read only when docs.rs's ETag
    changed, unless `force`.
    """
    crate_name = validate_crate_name(crate_name)
    version = validate_version(version)
    settings = get_settings()
    logger = get_run_logger()
    started = time.monotonic()
    summary = IngestSummary(crate_name=crate_name, requested_version=version)
    engine = create_engine(settings, pool_size=2, max_overflow=2)
    try:
        tracker = JobTracker(engine, await _job_for_run(engine, crate_name, version, job_id))
        await tracker.start(f"Ingesting {crate_name} {version}")
        heartbeat = asyncio.create_task(tracker.beat(settings.job_heartbeat_seconds))
        try:
            async with get_client() as prefect:
                upstream = UpstreamClient(settings, RateLimiter(settings, prefect))
                async with upstream:
                    ingestion = Ingestion(settings, upstream, tracker)
                    items, release, info, etag = await _fetch_release(
                        ingestion, crate_name, version, summary, force=force
                    )
                    summary.requests = upstream.traffic.requests
                    summary.bytes = upstream.traffic.bytes
                    summary.rate_limit_wait_seconds = round(upstream.limiter.waited_seconds, 2)
            if items is None:  # docs.rs says the stored release is current
                summary.items_stored = ingestion.stored_documents
            else:
                await tracker.progress(done=len(items), total=len(items), percent=95, force=True)
                stored_at = time.perf_counter()
                summary.items_stored = await store_release(
                    engine,
                    crate_name=release.name,
                    version=release.version,
                    items=items,
                    source=ReleaseSource(
                        format=summary.format,
                        etag=etag,
                        description=info.description,
                        repository=info.repository,
                        homepage=info.homepage,
                        documentation_url=info.documentation,
                        extra=info.extra,
                    ),
                )
                summary.store_seconds = round(time.perf_counter() - stored_at, 3)
        except BaseException as exc:
            heartbeat.cancel()
            status, error = _failure(exc)
            await asyncio.shield(tracker.finish(status, error=error, summary=asdict(summary)))
            raise
        heartbeat.cancel()
        summary.duration_seconds = round(time.monotonic() - started, 3)
        await tracker.finish("completed", summary=asdict(summary))
        await acreate_markdown_artifact(
            key=f"ingest-{release.name.lower().replace('_', '-')}",
            markdown=summary.markdown(),
            description=f"{release.name} {release.version}: {summary.items_stored} items",
        )
        logger.info(
            "stored %s items of %s %s from %s in %.1fs",
            summary.items_stored,
            release.name,
            release.version,
            summary.format,
            summary.duration_seconds,
        )
        return asdict(summary)
    finally:
        await engine.dispose()


async def _fetch_release(
    ingestion: Ingestion, crate_name: str, version: str, summary: IngestSummary, *, force: bool
) -> tuple[list[ItemDoc] | None, Release, CrateInfo, str | None]:
    """The release's items, or None when the stored copy is still current."""
    release = await ingestion.resolve(crate_name, version)
    summary.version = release.version
    await _rename_run(release)
    await ingestion.tracker.set(resolved_version=release.version)
    await ingestion.tracker.progress(done=0, total=0, percent=5, force=True)
    info = await ingestion.crate_info(release)
    known_etag = None if force else await ingestion.stored_etag(release)
    items = await ingestion.from_json(release, summary, known_etag=known_etag)
    if items is None and summary.format != "json":
        items = await ingestion.from_html(release, summary)
    return items, release, info, ingestion.etag


if __name__ == "__main__":
    import sys

    asyncio.run(ingest_crate(sys.argv[1], sys.argv[2] if len(sys.argv) > 2 else "latest"))
