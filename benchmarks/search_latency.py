"""Search latency with 100,000 documents stored.

    python -m benchmarks.search_latency [--documents 100000] [--rounds 5]

Ingests the shared corpus, copies its documents under other crate names until the
database holds `--documents` documents (every copy enabled and searchable), then
times `search_docs` over every query of the quality benchmark, as one client on one
connection, and prints p50/p95/p99 in milliseconds.
"""

from __future__ import annotations

import argparse
import asyncio
import math
import statistics
import time

import psycopg

from benchmarks._support import ingested_corpus
from benchmarks.search_quality import QUERIES

COPY_SOURCES = """
INSERT INTO document_sources (doc_type, source_name, enabled, description, current_version,
                              format, metadata, documents, tokens, created_at, updated_at)
SELECT s.doc_type, s.source_name || '-copy' || n, true, s.description, s.current_version,
       s.format, s.metadata, s.documents, s.tokens, now(), now()
FROM document_sources s, generate_series(1, %(copies)s) AS n
WHERE s.source_name NOT LIKE '%%-copy%%'
"""
COPY_DOCUMENTS = """
INSERT INTO documents (doc_type, source_name, version, doc_path, name, kind, content, metadata,
                       token_count, search_terms, created_at, updated_at)
SELECT d.doc_type, d.source_name || '-copy' || n, d.version, d.doc_path, d.name, d.kind,
       d.content, d.metadata, d.token_count, d.search_terms, now(), now()
FROM documents d, generate_series(1, %(copies)s) AS n
WHERE d.source_name NOT LIKE '%%-copy%%'
"""


def replicate(url: str, documents: int) -> int:
    """Copy every crate and its documents until about `documents` are stored."""
    with psycopg.connect(url, autocommit=True) as connection:
        (stored,) = connection.execute("SELECT count(*) FROM documents").fetchone()
        copies = max(0, math.ceil(documents / stored) - 1)
        connection.execute(COPY_SOURCES, {"copies": copies})
        connection.execute(COPY_DOCUMENTS, {"copies": copies})
        connection.execute("VACUUM ANALYZE documents")
        connection.execute("VACUUM ANALYZE document_sources")
        (total,) = connection.execute("SELECT count(*) FROM documents").fetchone()
    return total


async def timings(url: str, rounds: int) -> list[float]:
    """Milliseconds of each `search_docs` call, after one warm-up pass."""
    from sqlalchemy.ext.asyncio import AsyncSession

    from cratedex.database import create_engine
    from cratedex.search import search_docs
    from cratedex.settings import Settings

    engine = create_engine(Settings(database_url=url))
    samples = []
    try:
        async with AsyncSession(engine) as session:
            for round_ in range(rounds + 1):
                for query, _ in QUERIES:
                    started = time.perf_counter()
                    await search_docs(session, query=query, limit=5)
                    if round_:
                        samples.append((time.perf_counter() - started) * 1000)
    finally:
        await engine.dispose()
    return samples


def percentile(samples: list[float], share: float) -> float:
    return statistics.quantiles(samples, n=100, method="inclusive")[round(share * 100) - 1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--documents", type=int, default=100_000)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    with ingested_corpus() as url:
        started = time.perf_counter()
        total = replicate(url, args.documents)
        print(f"{total} documents stored ({time.perf_counter() - started:.0f} s to replicate)")
        samples = asyncio.run(timings(url, args.rounds))
    print(
        f"search_docs over {len(QUERIES)} queries x {args.rounds} rounds: "
        f"p50 {percentile(samples, 0.50):.1f} ms, p95 {percentile(samples, 0.95):.1f} ms, "
        f"p99 {percentile(samples, 0.99):.1f} ms, max {max(samples):.1f} ms"
    )


if __name__ == "__main__":
    main()
