"""Ingestion throughput over the whole shared corpus, JSON path and HTML path, plus the
achieved request rate with the rate limit on.

    python -m benchmarks.ingest_throughput [--rate 2]

Prints one row per crate release and path: items, items/s, requests to docs.rs, the
minimum possible request count, wall time and peak RSS.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import time

from benchmarks._support import CORPUS_RELEASES, PeakMemory, bench_environment

RELEASES = CORPUS_RELEASES


def minimum_docsrs_requests(imitation, crate: str, version: str, path: str) -> int:
    """1 for JSON; for HTML the JSON probe that answered 404, the listing, and one request
    per item and module page."""
    if path == "json":
        return 1
    from tasks.rustdoc_html import module_urls, parse_all_items

    lib = crate.replace("-", "_")
    listing = (imitation.corpus_dir / crate / version / lib / "all.html").read_bytes()
    listed = parse_all_items(listing, crate_name=crate, lib_name=lib)
    return 2 + len(listed) + len(module_urls(listed, lib))


async def ingest_all(imitation, path: str) -> list[dict]:
    from flows.ingest import ingest_crate

    rows = []
    for crate, version in RELEASES:
        if path == "html":
            imitation.without_json(crate)
        imitation.clear_log()
        with PeakMemory() as memory:
            started = time.perf_counter()
            summary = await ingest_crate(crate_name=crate, version=version)
            wall = time.perf_counter() - started
        assert summary["format"] == path, summary
        docsrs = len(imitation.requests_to("docsrs"))
        rows.append(
            {
                "release": f"{crate} {version}",
                "path": path,
                "items": summary["items_stored"],
                "items_s": summary["items_stored"] / wall,
                "pages_s": docsrs / wall,
                "requests": docsrs,
                "minimum": minimum_docsrs_requests(imitation, crate, version, path),
                "wall": wall,
                "in_flow": summary["duration_seconds"],
                "pipeline_s": summary["items_stored"]
                / max(1e-9, summary["extract_seconds"] + summary["store_seconds"]),
                "peak_mb": memory.peak_mb,
            }
        )
    return rows


async def achieved_rate(imitation, rate: float) -> tuple[int, float, int]:
    """HTML-ingest serde with the limit on; returns requests, achieved rate, max per second."""
    from cratedex.ratelimit import ensure_rate_limits
    from cratedex.settings import get_settings
    from flows.ingest import ingest_crate

    get_settings.cache_clear()
    await ensure_rate_limits(get_settings())
    imitation.without_json("once_cell")
    imitation.clear_log()
    await ingest_crate(crate_name="once_cell", version="1.17.0")
    docsrs = imitation.requests_to("docsrs")
    span = docsrs[-1].time - docsrs[0].time
    return len(docsrs), (len(docsrs) - 1) / span, imitation.max_requests_in_window("docsrs", 1.0)


def print_table(rows: list[dict]) -> None:
    """items/s and pages/s over the wall time of the whole flow call (Prefect's flow-run
    set-up included); pipeline items/s over extraction plus storage alone."""
    header = (
        f"{'release':18} {'path':5} {'items':>6} {'items/s':>8} {'pipe/s':>7} {'pages/s':>8} "
        f"{'requests':>8} {'minimum':>8} {'wall s':>7} {'in flow':>7} {'peak MB':>8}"
    )
    print(header)
    print("-" * len(header))
    for r in rows:
        print(
            f"{r['release']:18} {r['path']:5} {r['items']:6d} {r['items_s']:8.0f} "
            f"{r['pipeline_s']:7.0f} {r['pages_s']:8.1f} {r['requests']:8d} {r['minimum']:8d} "
            f"{r['wall']:7.2f} {r['in_flow']:7.2f} {r['peak_mb']:8.0f}"
        )
    for path in ("json", "html"):
        chosen = [r for r in rows if r["path"] == path]
        items = sum(r["items"] for r in chosen)
        wall = sum(r["wall"] for r in chosen)
        pages = sum(r["requests"] for r in chosen)
        print(
            f"{'TOTAL':18} {path:5} {items:6d} {items / wall:8.0f} {'':7} {pages / wall:8.1f} "
            f"{pages:8d} {sum(r['minimum'] for r in chosen):8d} {wall:7.2f} "
            f"{sum(r['in_flow'] for r in chosen):7.2f} {max(r['peak_mb'] for r in chosen):8.0f}"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rate", type=float, default=2.0, help="rate for the rate-limit run")
    args = parser.parse_args()
    with bench_environment() as (imitation, _url):
        rows = asyncio.run(ingest_all(imitation, "json"))
        rows += asyncio.run(ingest_all(imitation, "html"))
        print_table(rows)
        os.environ["CRATEDEX_RATE_LIMIT"] = str(args.rate)
        requests, rate, per_second = asyncio.run(achieved_rate(imitation, args.rate))
        print(
            f"\nrate limit {args.rate}/s (HTML path, once_cell): {requests} docs.rs requests, "
            f"achieved {rate:.2f}/s = {100 * rate / args.rate:.0f}% of the limit, "
            f"at most {per_second} in any 1 s window"
        )


if __name__ == "__main__":
    main()
