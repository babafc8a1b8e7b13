"""MCP tool latency over streamable HTTP, with 100,000 documents stored.

    python -m benchmarks.mcp_latency [--documents 100000] [--calls 200] [--clients 6]
                                     [--seconds 60]

Ingests the shared corpus and copies it under other crate names (as search_latency
does), starts a Prefect server on PostgreSQL in its own process, applies `cratedex
deploy` (so the work pool that health reads exists), and runs `cratedex serve --http`
as a subprocess. Then, with `fastmcp.Client` over HTTP:

1. one client times `--calls` calls of list_rust_crates, check_rust_status and
   search_rust_docs each, after a warm-up, against the targets (p95: search < 50 ms,
   list and check < 30 ms);
2. `--clients` clients, each with its own session, issue a random mix of those tools
   and get_rust_item for `--seconds`: calls, calls/s, errors (printed), per-tool
   p50/p95/p99, and the CPU each process spent.

Everything it starts is stopped and both scratch databases are dropped at the end.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import random
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import psutil

from benchmarks._support import free_port, ingested_corpus
from benchmarks.search_latency import percentile, replicate
from benchmarks.search_quality import QUERIES

WARM_UP = 20
#: Tool → target p95 in milliseconds.
TARGETS = {"search_rust_docs": 50.0, "list_rust_crates": 30.0, "check_rust_status": 30.0}
#: Tool → share of the calls under load.
MIX = {"search_rust_docs": 4, "get_rust_item": 2, "list_rust_crates": 2, "check_rust_status": 2}
NAME_PATTERNS = [None, None, "serde*", "regex", "*copy1?", "semver", "once?cell"]
SEED = 20240601
MCP, CLIENTS, POSTGRES, PREFECT, MACHINE = (
    "MCP server",
    "clients (this process)",
    "PostgreSQL (all backends)",
    "Prefect server",
    "machine (all cores)",
)


@dataclass
class Samples:
    """Milliseconds per (tool, variant); errors as printed."""

    times: dict[tuple[str, str], list[float]] = field(default_factory=lambda: defaultdict(list))
    errors: list[str] = field(default_factory=list)

    def of(self, tool: str, variant: str | None = None) -> list[float]:
        return [
            ms
            for (name, kind), values in self.times.items()
            if name == tool and variant in (None, kind)
            for ms in values
        ]


# ----------------------------------------------------------------- the stack
def client_environment(database_url: str, api: str, home: str) -> dict[str, str]:
    """The environment of cratedex's own processes: this database, this Prefect server."""
    return {
        **{k: v for k, v in os.environ.items() if not k.startswith("PREFECT_API")},
        "CRATEDEX_DATABASE_URL": database_url,
        "PREFECT_API_URL": api,
        "PREFECT_HOME": home,
        "FASTMCP_CHECK_FOR_UPDATES": "off",
    }


def deploy(environment: dict[str, str]) -> None:
    """`cratedex deploy`: the work pool (read by health), rate limits and deployments."""
    done = subprocess.run(
        [sys.executable, "-m", "cratedex.cli", "deploy"],
        env=environment,
        capture_output=True,
        text=True,
        timeout=300,
    )
    if done.returncode != 0:
        raise RuntimeError(f"cratedex deploy failed:\n{done.stdout}{done.stderr}")


@contextlib.contextmanager
def mcp_server(environment: dict[str, str], log: Path) -> Iterator[tuple[str, psutil.Process]]:
    """`cratedex serve --http` in a subprocess; yields its /mcp URL and its process."""
    port = free_port()
    with log.open("w") as output:
        process = subprocess.Popen(
            [sys.executable, "-m", "cratedex.cli", "serve", "--http", "--port", str(port)],
            env=environment,
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    try:
        deadline = time.monotonic() + 60
        while True:
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"cratedex serve did not start:\n{log.read_text()[-3000:]}")
            try:
                if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            time.sleep(0.2)
        yield f"http://127.0.0.1:{port}/mcp", psutil.Process(process.pid)
    finally:
        process.terminate()
        try:
            process.wait(30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(10)


# ------------------------------------------------------------------- calls
async def timed(
    client: Any, samples: Samples, tool: str, variant: str, arguments: dict[str, Any]
) -> dict[str, Any] | None:
    """One call; its milliseconds go to `samples`, or its error to `samples.errors`."""
    started = time.perf_counter()
    try:
        result = await client.call_tool(tool, arguments)
    except Exception as exc:
        samples.errors.append(f"{tool}({arguments}): {type(exc).__name__}: {exc}")
        return None
    samples.times[tool, variant].append((time.perf_counter() - started) * 1000)
    return result.structured_content


def list_call(rng: random.Random) -> tuple[str, dict[str, Any]]:
    arguments: dict[str, Any] = {
        "page": rng.choice([1, 1, 2, 3]),
        "limit": rng.choice([10, 20, 50]),
        "sort": rng.choice(["name", "updated", "documents"]),
        "include_stats": rng.random() < 0.5,
    }
    if pattern := rng.choice(NAME_PATTERNS):
        arguments["name_pattern"] = pattern
    return ("include_stats" if arguments["include_stats"] else "plain"), arguments


def check_call(rng: random.Random, crates: list[str]) -> tuple[str, dict[str, Any]]:
    if rng.random() < 0.5:
        return "crate_name", {"crate_name": rng.choice(crates)}
    return "defaults", {}


def search_call(rng: random.Random) -> tuple[str, dict[str, Any]]:
    return "query", {"query": rng.choice(QUERIES)[0]}


async def crate_names(client: Any) -> list[str]:
    names, page = [], 1
    while True:
        listed = (
            await client.call_tool("list_rust_crates", {"page": page, "limit": 100})
        ).structured_content
        names += [crate["name"] for crate in listed["crates"]]
        if not listed["pagination"]["has_next"]:
            return names
        page += 1


async def one_client(url: str, calls: int) -> tuple[Samples, list[str], list[tuple[str, str]]]:
    """Warm-up, then `calls` calls of each read tool in turn; also returns the crate names
    and the (crate, path) of every search hit, for the load phase."""
    from fastmcp import Client

    rng = random.Random(SEED)
    samples, warm = Samples(), Samples()
    items: set[tuple[str, str]] = set()
    async with Client(url, timeout=60) as client:
        crates = await crate_names(client)
        for round_samples, count in ((warm, WARM_UP), (samples, calls)):
            for _ in range(count):
                await timed(client, round_samples, "list_rust_crates", *list_call(rng))
            for _ in range(count):
                await timed(client, round_samples, "check_rust_status", *check_call(rng, crates))
            for i in range(count):
                query = QUERIES[i % len(QUERIES)][0]
                found = await timed(
                    client, round_samples, "search_rust_docs", "query", {"query": query}
                )
                items.update(
                    (hit["crate_name"], hit["path"]) for hit in (found or {}).get("results", [])
                )
    samples.errors += warm.errors
    return samples, crates, sorted(items)


async def loaded_client(
    url: str,
    deadline: float,
    seed: int,
    crates: list[str],
    items: list[tuple[str, str]],
    samples: Samples,
) -> None:
    from fastmcp import Client

    rng = random.Random(seed)
    tools, weights = list(MIX), list(MIX.values())
    async with Client(url, timeout=60) as client:
        while time.perf_counter() < deadline:
            tool = rng.choices(tools, weights)[0]
            if tool == "list_rust_crates":
                variant, arguments = list_call(rng)
            elif tool == "check_rust_status":
                variant, arguments = check_call(rng, crates)
            elif tool == "search_rust_docs":
                variant, arguments = search_call(rng)
            else:
                crate, path = rng.choice(items)
                variant, arguments = "path", {"crate_name": crate, "path": path}
            await timed(client, samples, tool, variant, arguments)


def cpu_sample(mcp: psutil.Process, api: str) -> dict[str, dict[int, float]]:
    """CPU seconds (user + system) so far of each process of each group, by pid, and the
    busy seconds of the whole machine."""
    prefect_port = api.rsplit(":", 1)[1].split("/")[0]
    groups: dict[str, dict[int, float]] = {g: {} for g in (MCP, CLIENTS, POSTGRES, PREFECT)}
    for process in psutil.process_iter(["pid", "name", "cmdline", "cpu_times"]):
        info, cmdline = process.info, process.info["cmdline"] or []
        if info["cpu_times"] is None:
            continue
        if info["pid"] == mcp.pid:
            group = MCP
        elif info["pid"] == os.getpid():
            group = CLIENTS
        elif info["name"] == "postgres":
            group = POSTGRES
        elif "server" in cmdline and prefect_port in cmdline:
            group = PREFECT
        else:
            continue
        groups[group][info["pid"]] = info["cpu_times"].user + info["cpu_times"].system
    machine = psutil.cpu_times()
    groups[MACHINE] = {0: sum(machine) - machine.idle - getattr(machine, "iowait", 0)}
    return groups


def cpu_spent(
    before: dict[str, dict[int, float]], after: dict[str, dict[int, float]]
) -> dict[str, float]:
    """CPU seconds between two samples (a process that ended in between is not counted)."""
    return {
        group: sum(seconds - before[group].get(pid, 0.0) for pid, seconds in pids.items())
        for group, pids in after.items()
    }


async def under_load(
    url: str, clients: int, seconds: float, crates: list[str], items: list[tuple[str, str]]
) -> tuple[Samples, float]:
    samples = Samples()
    started = time.perf_counter()
    deadline = started + seconds
    async with asyncio.TaskGroup() as group:
        for n in range(clients):
            group.create_task(loaded_client(url, deadline, SEED + n, crates, items, samples))
    return samples, time.perf_counter() - started


# ------------------------------------------------------------------- report
def row(label: str, values: list[float], target: float | None = None) -> str:
    if len(values) < 2:
        return f"{label:<36}{len(values):>7}"
    figures = [percentile(values, share) for share in (0.50, 0.95, 0.99)]
    text = f"{label:<36}{len(values):>7}" + "".join(f"{v:>9.1f}" for v in figures)
    text += f"{max(values):>9.1f}"
    if target is not None:
        verdict = "met" if figures[1] < target else "MISSED"
        text += f"   p95 < {target:.0f} ms: {verdict}"
    return text


def print_table(title: str, samples: Samples, targets: dict[str, float]) -> None:
    print(f"\n{title}")
    print(f"{'tool':<36}{'calls':>7}{'p50':>9}{'p95':>9}{'p99':>9}{'max':>9}   (ms)")
    variants: dict[str, list[str]] = defaultdict(list)
    for tool, variant in sorted(samples.times):
        variants[tool].append(variant)
    for tool in [*TARGETS, "get_rust_item"]:
        if tool not in variants:
            continue
        print(row(tool, samples.of(tool), targets.get(tool)))
        if len(variants[tool]) > 1:
            for variant in variants[tool]:
                print(row(f"  {variant}", samples.of(tool, variant)))


def print_errors(samples: Samples) -> None:
    print(f"errors: {len(samples.errors)}")
    for error in samples.errors:
        print(f"  {error}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--documents", type=int, default=100_000)
    parser.add_argument("--calls", type=int, default=200, help="calls per tool, one client")
    parser.add_argument("--clients", type=int, default=6)
    parser.add_argument("--seconds", type=float, default=60)
    args = parser.parse_args()

    with (
        ingested_corpus() as url,
        tempfile.TemporaryDirectory(prefix="cratedex-bench-mcp-") as home,
    ):
        # ingested_corpus runs a Prefect server process on PostgreSQL (prefect_server());
        # the MCP server uses the same one.
        api = os.environ["PREFECT_API_URL"]
        httpx.get(f"{api}/health", timeout=5).raise_for_status()
        started = time.perf_counter()
        total = replicate(url, args.documents)
        print(f"{total} documents stored ({time.perf_counter() - started:.0f} s to replicate)")
        environment = client_environment(url, api, home)
        deploy(environment)
        with mcp_server(environment, Path(home) / "serve.log") as (mcp_url, mcp):
            print(f"MCP server {mcp_url}; Prefect {api} on PostgreSQL")
            single, crates, items = asyncio.run(one_client(mcp_url, args.calls))
            print(f"{len(crates)} crates listed; {len(items)} item paths from search hits")
            print_table(
                f"one client, {args.calls} calls per tool after {WARM_UP} warm-up calls",
                single,
                TARGETS,
            )
            print_errors(single)

            before, wall = cpu_sample(mcp, api), time.perf_counter()
            loaded, elapsed = asyncio.run(
                under_load(mcp_url, args.clients, args.seconds, crates, items)
            )
            spent = cpu_spent(before, cpu_sample(mcp, api))
            wall = time.perf_counter() - wall
            calls = sum(len(v) for v in loaded.times.values())
            print_table(
                f"{args.clients} concurrent clients for {elapsed:.0f} s: {calls} calls, "
                f"{calls / elapsed:.1f} calls/s",
                loaded,
                {},
            )
            print_errors(loaded)
            print(f"\nCPU during the load ({psutil.cpu_count()} cores, {wall:.0f} s wall):")
            for group, seconds in spent.items():
                print(f"  {group:<28}{seconds:>7.1f} s  ({seconds / wall:.0%} of one core)")


if __name__ == "__main__":
    main()
