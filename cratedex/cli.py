"""The `cratedex` command: thin wrappers over functions the tests call directly."""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
from collections.abc import Sequence
from typing import Any

from cratedex import __version__
from cratedex.errors import CratedexError


def _quiet_prefect_defaults() -> None:
    """Offline-safe Prefect defaults unless the user chose otherwise."""
    os.environ.setdefault("DO_NOT_TRACK", "1")
    os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")


def cmd_db_upgrade(_args: argparse.Namespace) -> int:
    from cratedex import database

    print(f"database schema at {database.upgrade()}")
    return 0


def cmd_db_current(_args: argparse.Namespace) -> int:
    from cratedex import database

    current, head = database.current_revision(), database.head_revision()
    print(f"current: {current or 'empty'}  head: {head}")
    return 0 if current == head else 1


def cmd_limits(_args: argparse.Namespace) -> int:
    from cratedex.ratelimit import ensure_rate_limits
    from cratedex.settings import get_settings

    names = asyncio.run(ensure_rate_limits(get_settings()))
    print("rate limits: " + (", ".join(names) if names else "off (CRATEDEX_RATE_LIMIT=0)"))
    return 0


def cmd_ingest(args: argparse.Namespace) -> int:
    from cratedex.ingest_cli import run_ingest

    summary = asyncio.run(run_ingest(args.crate, args.version, show_progress=not args.quiet))
    _print_summary(summary)
    return 0


def cmd_serve(args: argparse.Namespace) -> int:
    from cratedex.serve import serve
    from cratedex.settings import get_settings

    serve(get_settings(), http=args.http, host=args.host, port=args.port)
    return 0


def cmd_up(_args: argparse.Namespace) -> int:
    from cratedex.settings import get_settings
    from cratedex.stack import up

    return up(get_settings())


def cmd_deploy(_args: argparse.Namespace) -> int:
    from cratedex.deploy import prepare
    from cratedex.settings import get_settings

    limits = asyncio.run(prepare(get_settings()))
    print(f"deployed ingest-crate and reingest-crates; rate limits: {', '.join(limits) or 'off'}")
    return 0


def _print_summary(summary: dict[str, Any]) -> None:
    print(
        f"{summary['crate_name']} {summary['version']}: {summary['items_stored']} items "
        f"from {summary['format']} in {summary['duration_seconds']:.1f}s "
        f"({summary['requests']} requests, {summary['bytes']:,} bytes)"
    )
    for note in summary.get("notes", []):
        print(f"  note: {note}")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="cratedex", description="Rust crate documentation from docs.rs for AI agents."
    )
    parser.add_argument("--version", action="version", version=f"cratedex {__version__}")
    commands = parser.add_subparsers(dest="command", required=True)

    ingest = commands.add_parser("ingest", help="ingest one crate release now, in this process")
    ingest.add_argument("crate", help="crate name, e.g. serde")
    ingest.add_argument("--version", default="latest", help="'latest' (default) or e.g. 1.0.152")
    ingest.add_argument("--quiet", action="store_true", help="no progress bar")
    ingest.set_defaults(handler=cmd_ingest)

    db = commands.add_parser("db", help="database schema")
    db_commands = db.add_subparsers(dest="db_command", required=True)
    db_commands.add_parser("upgrade", help="apply pending migrations").set_defaults(
        handler=cmd_db_upgrade
    )
    db_commands.add_parser("current", help="show the schema revision").set_defaults(
        handler=cmd_db_current
    )

    commands.add_parser(
        "limits", help="create the per-host rate limits on the Prefect server"
    ).set_defaults(handler=cmd_limits)

    serve = commands.add_parser("serve", help="run the MCP server (stdio unless --http)")
    serve.add_argument("--http", action="store_true", help="streamable HTTP at /mcp")
    serve.add_argument("--host", default=None, help="HTTP address (CRATEDEX_MCP_HOST)")
    serve.add_argument("--port", type=int, default=None, help="HTTP port (CRATEDEX_MCP_PORT)")
    serve.set_defaults(handler=cmd_serve)

    commands.add_parser(
        "up", help="start everything: database, Prefect server, worker, MCP server"
    ).set_defaults(handler=cmd_up)
    commands.add_parser(
        "deploy", help="create the work pool, rate limits and Prefect deployments"
    ).set_defaults(handler=cmd_deploy)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    _quiet_prefect_defaults()
    args = build_parser().parse_args(argv)
    try:
        return args.handler(args)
    except CratedexError as exc:
        print(f"cratedex: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("cratedex: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
