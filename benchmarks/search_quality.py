"""Search quality over the whole shared corpus: MRR, Recall@1 and Recall@5.

    python -m benchmarks.search_quality [--database-url URL]

Ingests the corpus into a scratch database (or uses an already ingested one), runs
every query through `search_docs` and prints the figures and each miss. Half the
queries are identifiers, half plain questions, written the way an agent asks them;
each lists every path that answers it (a re-exported copy counts as the same item).
"""

from __future__ import annotations

import argparse
import asyncio
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession

IDENTIFIERS: list[tuple[str, tuple[str, ...]]] = [
    ("Version::parse", ("semver::Version::parse",)),
    ("VersionReq", ("semver::VersionReq",)),
    ("VersionReq::matches", ("semver::VersionReq::matches",)),
    ("Prerelease", ("semver::Prerelease",)),
    ("Deserializer", ("serde::Deserializer", "serde::de::Deserializer")),
    (
        "deserialize_any",
        ("serde::Deserializer::deserialize_any", "serde::de::Deserializer::deserialize_any"),
    ),
    ("Visitor::visit_str", ("serde::de::Visitor::visit_str",)),
    ("DeserializeOwned", ("serde::de::DeserializeOwned",)),
    (
        "serialize_struct",
        ("serde::Serializer::serialize_struct", "serde::ser::Serializer::serialize_struct"),
    ),
    ("SerializeMap::serialize_entry", ("serde::ser::SerializeMap::serialize_entry",)),
    ("forward_to_deserialize_any", ("serde::forward_to_deserialize_any",)),
    ("Regex::find_iter", ("regex::Regex::find_iter", "regex::bytes::Regex::find_iter")),
    ("captures_iter", ("regex::Regex::captures_iter", "regex::bytes::Regex::captures_iter")),
    ("RegexSet", ("regex::RegexSet", "regex::bytes::RegexSet")),
    (
        "RegexBuilder::case_insensitive",
        ("regex::RegexBuilder::case_insensitive", "regex::bytes::RegexBuilder::case_insensitive"),
    ),
    ("regex::escape", ("regex::escape",)),
    ("Regex::replace_all", ("regex::Regex::replace_all", "regex::bytes::Regex::replace_all")),
    (
        "OnceCell::get_or_init",
        ("once_cell::sync::OnceCell::get_or_init", "once_cell::unsync::OnceCell::get_or_init"),
    ),
    ("sync::Lazy", ("once_cell::sync::Lazy",)),
    ("OnceBox", ("once_cell::race::OnceBox",)),
    ("anyhow::Context", ("anyhow::Context",)),
    ("bail!", ("anyhow::bail",)),
    ("Error::downcast_ref", ("anyhow::Error::downcast_ref",)),
    ("with_context", ("anyhow::Context::with_context",)),
    ("itoa::Buffer", ("itoa::Buffer",)),
    ("Buffer::format", ("itoa::Buffer::format",)),
]

QUESTIONS: list[tuple[str, tuple[str, ...]]] = [
    ("how do I parse a version requirement", ("semver::VersionReq::parse", "semver::VersionReq")),
    ("check if a version matches a requirement", ("semver::VersionReq::matches",)),
    ("how are pre-release versions ordered", ("semver::Prerelease", "semver::Version")),
    (
        "iterate over regex matches",
        ("regex::Regex::find_iter", "regex::Matches", "regex::Regex::captures_iter"),
    ),
    ("replace all matches of a pattern in a string", ("regex::Regex::replace_all",)),
    (
        "case insensitive regex",
        ("regex::RegexBuilder::case_insensitive", "regex::bytes::RegexBuilder::case_insensitive"),
    ),
    ("get named capture groups from a match", ("regex::Captures::name", "regex::Captures")),
    ("match several regular expressions at once", ("regex::RegexSet", "regex::bytes::RegexSet")),
    ("escape special characters in a regex pattern", ("regex::escape",)),
    ("split a string by a regex", ("regex::Regex::split",)),
    ("check whether a string matches a regular expression", ("regex::Regex::is_match",)),
    ("lazily initialize a global value", ("once_cell::sync::Lazy", "once_cell::sync::OnceCell")),
    ("thread-safe cell that can be written only once", ("once_cell::sync::OnceCell",)),
    ("initialize a value on first access in a single thread", ("once_cell::unsync::Lazy",)),
    (
        "add context to an error",
        ("anyhow::Context", "anyhow::Context::context", "anyhow::Error::context"),
    ),
    ("return early with an error", ("anyhow::bail",)),
    ("iterate over the chain of error causes", ("anyhow::Error::chain", "anyhow::Chain")),
    ("get the root cause of an error", ("anyhow::Error::root_cause",)),
    (
        "format an integer into a string quickly without allocation",
        ("itoa::Buffer", "itoa::Buffer::format", "itoa"),
    ),
    ("implement deserialization for a custom type", ("serde::Deserialize", "serde::de::Visitor")),
    ("serialize a struct field", ("serde::ser::SerializeStruct::serialize_field",)),
    ("custom error message when deserializing fails", ("serde::de::Error::custom",)),
    ("stateful deserialization", ("serde::de::DeserializeSeed",)),
    ("ignore unknown data while deserializing", ("serde::de::IgnoredAny",)),
    ("report a missing field during deserialization", ("serde::de::Error::missing_field",)),
]

QUERIES = IDENTIFIERS + QUESTIONS
K = 5


@dataclass(frozen=True, slots=True)
class Outcome:
    query: str
    expected: tuple[str, ...]
    found: list[str]

    @property
    def rank(self) -> int | None:
        """1-based rank of the first expected path among the hits, None if absent."""
        return next((i for i, path in enumerate(self.found, 1) if path in self.expected), None)


async def evaluate(session: AsyncSession) -> list[Outcome]:
    from cratedex.search import search_docs

    outcomes = []
    for query, expected in QUERIES:
        hits = await search_docs(session, query=query, limit=K)
        outcomes.append(Outcome(query, expected, [hit.path for hit in hits]))
    return outcomes


def report(outcomes: list[Outcome]) -> None:
    def figures(chosen: list[Outcome]) -> str:
        ranks = [o.rank for o in chosen]
        mrr = sum(1 / r for r in ranks if r) / len(chosen)
        at1 = sum(r == 1 for r in ranks) / len(chosen)
        at5 = sum(r is not None for r in ranks) / len(chosen)
        return f"MRR {mrr:.3f}  Recall@1 {at1:.3f}  Recall@{K} {at5:.3f}  ({len(chosen)} queries)"

    identifiers = {query for query, _ in IDENTIFIERS}
    print(f"all          {figures(outcomes)}")
    print(f"identifiers  {figures([o for o in outcomes if o.query in identifiers])}")
    print(f"questions    {figures([o for o in outcomes if o.query not in identifiers])}")
    misses = [o for o in outcomes if o.rank != 1]
    if misses:
        print("\nnot first:")
    for o in misses:
        where = f"rank {o.rank}" if o.rank else f"not in top {K}"
        print(f"  {o.query!r}: {where}; expected {' or '.join(o.expected)}")
        for i, path in enumerate(o.found, 1):
            print(f"      {i}. {path}")


async def run(url: str) -> list[Outcome]:
    from sqlalchemy.ext.asyncio import AsyncSession

    from cratedex.database import create_engine
    from cratedex.settings import Settings

    engine = create_engine(Settings(database_url=url))
    try:
        async with AsyncSession(engine) as session:
            return await evaluate(session)
    finally:
        await engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--database-url", help="an already ingested database (skips ingestion)")
    args = parser.parse_args()
    if args.database_url:
        report(asyncio.run(run(args.database_url)))
        return
    from benchmarks._support import ingested_corpus

    with ingested_corpus() as url:
        report(asyncio.run(run(url)))


if __name__ == "__main__":
    main()
