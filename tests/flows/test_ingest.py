"""The ingestion flow end to end: real Prefect server, real PostgreSQL, docs.rs imitation."""

from __future__ import annotations

import asyncio
import uuid

import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from cratedex.models import CrateJob, Document, DocumentSource
from flows.ingest import ingest_crate
from tasks.extract import extract_json_items
from tests.conftest import SettingsEnv
from tests.imitation import FIXTURE_CORPUS, Imitation

pytestmark = pytest.mark.usefixtures("prefect_server")


async def _ingest(crate: str, version: str = "latest") -> object:
    return await ingest_crate(crate_name=crate, version=version, return_state=True)


async def _paths(session: AsyncSession, crate: str, version: str) -> list[str]:
    result = await session.execute(
        sa.select(Document.doc_path).where(
            Document.source_name == crate, Document.version == version
        )
    )
    return sorted(result.scalars())


async def _jobs(session: AsyncSession) -> list[CrateJob]:
    return list((await session.execute(sa.select(CrateJob))).scalars())


def _expected_json_paths(crate: str, version: str) -> list[str]:
    body = (FIXTURE_CORPUS / "crate" / crate / version / "json.zst").read_bytes()
    items = extract_json_items.fn(body, crate_name=crate, max_json_bytes=1 << 30)
    return sorted({item.path for item in items})


async def test_json_path_stores_every_item_with_one_docs_request(
    imitation: Imitation, session: AsyncSession
) -> None:
    state = await _ingest("semver", "1.0.14")
    summary = await state.result()

    assert summary["format"] == "json"
    assert await _paths(session, "semver", "1.0.14") == _expected_json_paths("semver", "1.0.14")
    docsrs = imitation.requests_to("docsrs")
    assert [r.path for r in docsrs] == ["/crate/semver/1.0.14/json.zst"]
    assert all("cratedex" in (r.headers.get("user-agent") or "") for r in imitation.requests)
    version = (
        await session.execute(
            sa.select(Document).where(Document.doc_path == "semver::Version::parse")
        )
    ).scalar_one()
    assert "```rust" in version.content and "fn parse(" in version.content
    assert version.doc_metadata["url"].startswith("https://docs.rs/semver/1.0.14/semver/")
    [job] = await _jobs(session)
    assert (job.status, job.progress, job.resolved_version) == ("completed", 100, "1.0.14")
    assert job.summary["items_stored"] == summary["items_stored"] > 20


async def test_html_fallback_fetches_listing_and_each_page_once(
    imitation: Imitation, session: AsyncSession
) -> None:
    imitation.without_json("anyhow")
    summary = await (await _ingest("anyhow")).result()

    assert summary["format"] == "html"
    assert any("no rustdoc JSON" in note for note in summary["notes"])
    pages = [r.path for r in imitation.requests_to("docsrs") if not r.path.endswith("json.zst")]
    assert len(pages) == len(set(pages)), "a page was fetched twice"
    assert "/anyhow/1.0.69/anyhow/all.html" in pages
    stored = await _paths(session, "anyhow", "1.0.69")
    for path in ("anyhow", "anyhow::Error", "anyhow::Result", "anyhow::anyhow", "anyhow::Context"):
        assert path in stored
    error = (
        await session.execute(sa.select(Document).where(Document.doc_path == "anyhow::Error"))
    ).scalar_one()
    assert "pub struct Error" in error.content and "## Methods" in error.content


async def test_two_versions_of_one_crate_and_the_newest_is_default(
    imitation: Imitation, session: AsyncSession
) -> None:
    await (await _ingest("semver", "0.9.0")).result()
    await (await _ingest("semver")).result()
    await (await _ingest("semver", "0.9.0")).result()

    assert "semver::Version" in await _paths(session, "semver", "0.9.0")
    assert "semver::Version" in await _paths(session, "semver", "1.0.14")
    source = (await session.execute(sa.select(DocumentSource))).scalar_one()
    assert source.current_version == "1.0.14"
    assert set(source.source_metadata["versions"]) == {"0.9.0", "1.0.14"}
    assert source.description and source.repository == "https://github.com/dtolnay/semver"


async def test_running_twice_converges_without_duplicates(
    imitation: Imitation, session: AsyncSession
) -> None:
    first = await (await _ingest("itoa")).result()
    second = await (await _ingest("itoa")).result()
    count = await session.scalar(sa.select(sa.func.count()).select_from(Document))
    assert first["items_stored"] == second["items_stored"] == count


async def test_unknown_crate_fails_clearly(imitation: Imitation, session: AsyncSession) -> None:
    state = await _ingest("no-such-crate-here")
    assert state.is_failed()
    [job] = await _jobs(session)
    assert job.status == "failed" and "does not exist" in job.error
    assert not imitation.requests_to("docsrs")


@pytest.mark.parametrize(
    ("name", "rule"),
    [("1serde", "starting with a letter"), ("ser de", "ASCII"), ("x" * 65, "64")],
)
async def test_invalid_name_fails_before_any_request(
    imitation: Imitation, engine: AsyncEngine, name: str, rule: str
) -> None:
    state = await _ingest(name)
    assert state.is_failed()
    with pytest.raises(Exception, match=rule):
        await state.result()
    assert imitation.requests == []


async def test_invalid_version_names_the_rule(imitation: Imitation, engine: AsyncEngine) -> None:
    state = await _ingest("semver", "1.x")
    with pytest.raises(Exception, match="semver version"):
        await state.result()


async def test_429_with_retry_after_is_honoured(
    imitation: Imitation, session: AsyncSession
) -> None:
    imitation.fail("docsrs", r"/json", status=429, times=1, headers={"Retry-After": "1"})
    summary = await (await _ingest("itoa")).result()
    assert summary["format"] == "json"
    hits = [r for r in imitation.requests_to("docsrs") if "json" in r.path]
    assert [r.status for r in hits] == [429, 200]
    assert hits[1].time - hits[0].time >= 1.0


async def test_5xx_then_success(imitation: Imitation, session: AsyncSession) -> None:
    imitation.fail("index", r"itoa", status=503, times=2)
    summary = await (await _ingest("itoa")).result()
    assert summary["items_stored"] > 0
    assert [r.status for r in imitation.requests_to("index")] == [503, 503, 200]


async def test_persistent_5xx_fails_and_keeps_the_previous_version(
    imitation: Imitation, session: AsyncSession, settings_env: SettingsEnv
) -> None:
    await (await _ingest("semver", "1.0.14")).result()
    before = await _paths(session, "semver", "1.0.14")
    settings_env.set(fetch_retries="2")
    imitation.without_json("semver")
    imitation.fail("docsrs", r"struct\.Version\.html", status=500, times=None)

    state = await _ingest("semver", "1.0.14")

    assert state.is_failed()
    jobs = sorted(await _jobs(session), key=lambda j: j.created_at)
    assert jobs[-1].status == "failed" and "500" in jobs[-1].error
    assert await _paths(session, "semver", "1.0.14") == before
    version_hits = [r for r in imitation.requests_to("docsrs") if "struct.Version.html" in r.path]
    assert len(version_hits) == 3  # the first try and two retries


async def test_malformed_json_falls_back_to_html_and_says_so(
    imitation: Imitation, session: AsyncSession
) -> None:
    imitation.corrupt_json("itoa", "1.0.1")
    summary = await (await _ingest("itoa")).result()
    assert summary["format"] == "html"
    assert any("unreadable" in note for note in summary["notes"])
    assert "itoa::Buffer" in await _paths(session, "itoa", "1.0.1")


async def test_response_over_the_size_cap_is_refused(
    imitation: Imitation, session: AsyncSession, settings_env: SettingsEnv
) -> None:
    settings_env.set(max_response_bytes="10000")
    state = await _ingest("itoa")
    assert state.is_failed()
    [job] = await _jobs(session)
    assert "CRATEDEX_MAX_RESPONSE_BYTES" in job.error
    assert any("rustdoc JSON refused" in note for note in job.summary["notes"])
    assert await _paths(session, "itoa", "1.0.1") == []


async def test_cancellation_midway_keeps_the_previous_version(
    imitation: Imitation, session: AsyncSession
) -> None:
    await (await _ingest("semver", "1.0.14")).result()
    before = await _paths(session, "semver", "1.0.14")
    imitation.without_json("semver")
    gate = imitation.pause("docsrs", r"struct\.Version\.html")

    run = asyncio.create_task(_ingest("semver", "1.0.14"))
    assert await asyncio.to_thread(gate.wait_arrived, 30)
    run.cancel()
    with pytest.raises(asyncio.CancelledError):
        await run
    gate.set()

    assert await _paths(session, "semver", "1.0.14") == before
    jobs = sorted(await _jobs(session), key=lambda j: j.created_at)
    assert jobs[-1].status == "cancelled"
    assert uuid.UUID(str(jobs[-1].id))


async def test_the_rate_limit_holds_for_every_upstream_request(
    imitation: Imitation, session: AsyncSession, settings_env: SettingsEnv
) -> None:
    from cratedex.ratelimit import ensure_rate_limits
    from cratedex.settings import get_settings

    settings_env.set(rate_limit="5")
    await ensure_rate_limits(get_settings())
    imitation.without_json("once_cell")

    summary = await (await _ingest("once_cell")).result()

    assert summary["format"] == "html" and summary["requests"] >= 10
    for upstream in ("docsrs", "cratesio", "index"):
        assert imitation.max_requests_in_window(upstream, 1.0) <= 5
    assert imitation.max_requests_in_window("docsrs", 0.2) == 1
