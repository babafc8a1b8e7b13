"""Search and item reading against real PostgreSQL, on crates ingested by the real flow."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from cratedex.errors import InvalidInput, NotFound
from cratedex.models import Document, DocumentSource
from cratedex.search import (
    ItemNotFound,
    get_item,
    page_of,
    resolve_path,
    search_docs,
    snippet,
)
from flows.ingest import ingest_crate
from tests.imitation import Imitation

pytestmark = pytest.mark.usefixtures("prefect_server")


Ingest = Callable[..., Awaitable[None]]


@pytest.fixture
async def ingest(imitation: Imitation, session: AsyncSession) -> Ingest:
    """Ingests releases ("semver 0.9.0", "anyhow") through the flow; the `engine`
    fixture empties the tables after the test."""

    async def ingest(*releases: str) -> None:
        for release in releases:
            crate, _, version = release.partition(" ")
            await ingest_crate(crate_name=crate, version=version or "latest")

    return ingest


async def _paths(session: AsyncSession, query: str, **filters: object) -> list[str]:
    return [hit.path for hit in await search_docs(session, query=query, **filters)]


async def _disable(session: AsyncSession, crate: str) -> None:
    await session.execute(
        sa.update(DocumentSource).where(DocumentSource.source_name == crate).values(enabled=False)
    )
    await session.commit()


# --------------------------------------------------------------------------- search_docs


async def test_identifiers_rank_their_item_first(ingest: Ingest, session: AsyncSession) -> None:
    await ingest("semver 1.0.14", "anyhow", "regex")

    assert (await _paths(session, "Version::parse"))[0] == "semver::Version::parse"
    assert (await _paths(session, "VersionReq"))[0] == "semver::VersionReq"
    assert (await _paths(session, "bail!"))[0] == "anyhow::bail"
    assert (await _paths(session, "Error::downcast_ref"))[0] == "anyhow::Error::downcast_ref"
    assert (await _paths(session, "Regex::find_iter"))[0] in (
        "regex::Regex::find_iter",
        "regex::bytes::Regex::find_iter",
    )
    assert (await _paths(session, "regex::escape"))[0] == "regex::escape"


async def test_questions_in_plain_words_find_their_item(
    ingest: Ingest, session: AsyncSession
) -> None:
    await ingest("semver 1.0.14", "anyhow", "once_cell")

    requirement = await _paths(session, "how do I parse a version requirement")
    assert {"semver::VersionReq::parse", "semver::VersionReq"} & set(requirement[:2])
    assert "anyhow::bail" in (await _paths(session, "return early with an error"))[:2]
    assert (await _paths(session, "add context to an error"))[0] in (
        "anyhow::Context",
        "anyhow::Context::context",
        "anyhow::Error::context",
    )
    lazily = await _paths(session, "lazily initialize a global value")
    assert "once_cell::sync::Lazy" in lazily


async def test_a_hit_carries_what_an_agent_needs(ingest: Ingest, session: AsyncSession) -> None:
    await ingest("semver 1.0.14")

    [hit] = await search_docs(session, query="Version::parse", limit=1)

    assert (hit.crate_name, hit.version, hit.kind) == ("semver", "1.0.14", "method")
    assert hit.url == "https://docs.rs/semver/1.0.14/semver/struct.Version.html#method.parse"
    assert hit.signature.startswith("pub fn parse(")
    assert hit.snippet == "Create `Version` by parsing from string representation."
    assert hit.score > 0


async def test_a_re_exported_item_is_listed_once(ingest: Ingest, session: AsyncSession) -> None:
    await ingest("serde")

    hits = await search_docs(session, query="Deserializer", limit=10)
    paths = [hit.path for hit in hits]

    assert paths[0] == "serde::Deserializer"
    assert "serde::de::Deserializer" not in paths  # the same trait, re-exported
    assert "serde::de::IntoDeserializer::Deserializer" in paths
    any_ = await _paths(session, "deserialize_any")
    assert any_[0] == "serde::Deserializer::deserialize_any"


async def test_filters_by_crate_and_kind(ingest: Ingest, session: AsyncSession) -> None:
    await ingest("semver 1.0.14", "anyhow")

    errors = await search_docs(session, query="Error", crate_name="semver", limit=10)
    methods = await search_docs(session, query="parse", kind="method", limit=10)

    assert errors and {hit.crate_name for hit in errors} == {"semver"}
    assert methods and {hit.kind for hit in methods} == {"method"}
    assert "semver::Version::parse" in [hit.path for hit in methods]


async def test_the_current_version_unless_another_is_asked_for(
    ingest: Ingest, session: AsyncSession
) -> None:
    await ingest("semver 0.9.0", "semver 1.0.14")

    default = await search_docs(session, query="Version", limit=10)
    old = await search_docs(session, query="Version", crate_name="semver", version="0.9.0")

    assert {hit.version for hit in default} == {"1.0.14"}
    assert old and {hit.version for hit in old} == {"0.9.0"}
    with pytest.raises(NotFound, match=r"0\.8\.0 is not stored"):
        await search_docs(session, query="Version", crate_name="semver", version="0.8.0")


async def test_a_soft_deleted_crate_is_never_found(ingest: Ingest, session: AsyncSession) -> None:
    await ingest("semver 1.0.14", "anyhow")
    await _disable(session, "semver")

    assert not any(p.startswith("semver") for p in await _paths(session, "parse a version"))
    assert {hit.crate_name for hit in await search_docs(session, query="Error")} == {"anyhow"}
    with pytest.raises(NotFound, match="'semver' is not in the library"):
        await search_docs(session, query="Version", crate_name="semver")
    with pytest.raises(NotFound, match="'semver' is not in the library"):
        await get_item(session, crate_name="semver", path="semver::Version")


async def test_an_unknown_crate_is_named(engine, session: AsyncSession) -> None:
    with pytest.raises(NotFound, match="'nosuchcrate' is not in the library"):
        await search_docs(session, query="anything", crate_name="nosuchcrate")
    with pytest.raises(NotFound, match="'nosuchcrate' is not in the library"):
        await get_item(session, crate_name="nosuchcrate", path="Thing")
    assert await search_docs(session, query="anything") == []


@pytest.mark.parametrize(
    ("arguments", "rule"),
    [
        ({"query": "  "}, "must not be empty"),
        ({"query": "::"}, "no words"),
        ({"query": "parse", "kind": "class"}, "kind must be one of"),
        ({"query": "parse", "limit": 0}, "between 1 and 50"),
    ],
)
async def test_invalid_search_arguments_name_the_rule(
    engine, session: AsyncSession, arguments: dict, rule: str
) -> None:
    with pytest.raises(InvalidInput, match=rule):
        await search_docs(session, **arguments)


# --------------------------------------------------------------------------- get_item


@pytest.mark.parametrize(
    ("asked", "found"),
    [
        ("semver::Version::parse", "semver::Version::parse"),  # exact
        ("SEMVER::version::Parse", "semver::Version::parse"),  # any case
        ("Version::parse()", "semver::Version::parse"),  # no crate prefix
        ("VersionReq", "semver::VersionReq"),
        ("semver::parse::Version", "semver::Version"),  # an extra module
    ],
)
async def test_get_item_finds_the_path_meant(
    ingest: Ingest, session: AsyncSession, asked: str, found: str
) -> None:
    await ingest("semver 1.0.14")

    page = await get_item(session, crate_name="semver", path=asked)

    assert (page.path, page.version, page.truncated, page.next_offset) == (
        found,
        "1.0.14",
        False,
        None,
    )
    stored = await session.scalar(sa.select(Document.content).where(Document.doc_path == found))
    assert page.content == stored and page.total_chars == len(stored)
    assert page.url.startswith("https://docs.rs/semver/1.0.14/semver/")


async def test_get_item_across_modules_and_re_exports(
    ingest: Ingest, session: AsyncSession
) -> None:
    await ingest("regex", "serde")

    async def path(crate: str, asked: str) -> str:
        return (await get_item(session, crate_name=crate, path=asked)).path

    assert await path("regex", "regex::bytes::escape") == "regex::escape"
    assert await path("regex", "bytes::Regex::find_iter") == "regex::bytes::Regex::find_iter"
    assert await path("regex", "Regex::find_iter") == "regex::Regex::find_iter"
    assert await path("serde", "serde::de::Serialize") == "serde::Serialize"
    assert await path("serde", "serde::ser::Deserializer::deserialize_any") in (
        "serde::Deserializer::deserialize_any",
        "serde::de::Deserializer::deserialize_any",
    )


async def test_get_item_of_another_version(ingest: Ingest, session: AsyncSession) -> None:
    await ingest("semver 0.9.0", "semver 1.0.14")

    old = await get_item(session, crate_name="semver", path="Version", version="0.9.0")

    assert old.version == "0.9.0" and "increment_patch" in old.content
    with pytest.raises(NotFound, match=r"semver 2\.0\.0 is not stored .*0\.9\.0, 1\.0\.14"):
        await get_item(session, crate_name="semver", path="Version", version="2.0.0")


async def test_long_items_come_in_pages_that_join_up(ingest: Ingest, session: AsyncSession) -> None:
    await ingest("regex")
    pages = [await get_item(session, crate_name="regex", path="Regex", max_chars=1500)]
    while pages[-1].next_offset is not None:
        pages.append(
            await get_item(
                session,
                crate_name="regex",
                path="Regex",
                offset=pages[-1].next_offset,
                max_chars=1500,
            )
        )

    whole = await get_item(session, crate_name="regex", path="Regex", max_chars=100_000)
    assert len(pages) >= 4 and all(page.truncated for page in pages[:-1])
    assert not pages[-1].truncated and pages[-1].next_offset is None
    assert "".join(page.content for page in pages) == whole.content
    assert all(750 < len(page.content) <= 1500 for page in pages[:-1])
    assert all(page.content.endswith("\n") for page in pages[:-1])
    assert [page.offset for page in pages[1:]] == [page.next_offset for page in pages[:-1]]
    with pytest.raises(InvalidInput, match="past the end"):
        await get_item(session, crate_name="regex", path="Regex", offset=whole.total_chars + 1)


async def test_a_miss_suggests_the_closest_paths(ingest: Ingest, session: AsyncSession) -> None:
    await ingest("semver 1.0.14", "once_cell")

    with pytest.raises(ItemNotFound) as typo:
        await get_item(session, crate_name="semver", path="Version::prase")
    with pytest.raises(ItemNotFound) as ambiguous:
        await get_item(session, crate_name="once_cell", path="get_or_init")
    with pytest.raises(ItemNotFound) as far:
        await get_item(session, crate_name="semver", path=f"{'q' * 40}::prase")

    assert typo.value.suggestions[0] == "semver::Version::parse"
    assert len(typo.value.suggestions) <= 5
    assert "'Version::prase'" in str(typo.value) and "semver::Version::parse" in str(typo.value)
    assert isinstance(typo.value, NotFound)
    assert 1 < len(ambiguous.value.suggestions) <= 5
    assert all(p.endswith("::get_or_init") for p in ambiguous.value.suggestions)
    assert far.value.suggestions[0] == "semver::Version::parse"  # by the name alone


# --------------------------------------------------------------------------- pure parts


def test_resolve_path_tolerates_re_exports_both_ways() -> None:
    assert resolve_path("serde::de::Deserialize", "serde", ["serde::Deserialize"]) == (
        "serde::Deserialize"
    )
    assert resolve_path("serde::Deserialize", "serde", ["serde::de::Deserialize"]) == (
        "serde::de::Deserialize"
    )
    assert resolve_path("x::Thing", "x", ["x::a::Thing", "x::b::Thing"]) == "x::a::Thing"
    assert resolve_path("x::b::Thing", "x", ["x::a::Thing", "x::b::Thing"]) == "x::b::Thing"
    assert resolve_path("x::new", "x", ["x::A::new", "x::B::new"]) == ["x::A::new", "x::B::new"]
    assert resolve_path("x::Thing::new", "x", ["x::Other::new"]) == []


def test_page_of_cuts_after_a_paragraph_or_a_line() -> None:
    text = "one two\n\nthree four\nfive six seven\n" + "x" * 40
    assert page_of(text, 0, 100) == (text, None)
    assert page_of(text, 0, 30) == ("one two\n\nthree four\n", 20)
    assert page_of(text, 20, 20) == ("five six seven\n", 35)
    assert page_of("y" * 50, 0, 20) == ("y" * 20, 20)


def test_snippet_is_the_first_paragraph_of_the_docs() -> None:
    content = (
        "# module demo\n\n```rust\npub mod demo\n```\n\n"
        "[![github]](https://github.com/x/demo)\n\n"
        "[github]: https://img.shields.io/badge/github\n\n"
        "Available on crate feature **std** only.\n\n"
        "```rust\nlet x = 1;\n\nlet y = 2;\n```\n\n"
        "A demo crate that\nspans two lines.\n\n## Details\n\nMore."
    )
    assert snippet(content) == "A demo crate that spans two lines."
    assert snippet("# struct x::Y\n\n```rust\npub struct Y;\n```") == ""
    long = snippet("# fn f\n\n" + "word " * 100)
    assert len(long) <= 300 and long.endswith("…")
