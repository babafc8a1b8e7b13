"""Run the imitation until killed, for benchmarks and other processes.

    python -m tests.imitation --corpus tests/fixtures/docsrs --port-file /tmp/imitation.json

Prints one JSON line `{"docsrs": url, "cratesio": url, "index": url}` on stdout and writes
the same JSON to --port-file (atomically, removed again on exit). The request log is
available at `GET {any url}/_imitation/requests`.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import sys
import threading
from pathlib import Path

from .server import FIXTURE_CORPUS, Imitation


def _parse_crates(values: list[str]) -> dict[str, list[str]] | None:
    if not values:
        return None
    crates: dict[str, list[str]] = {}
    for value in values:
        name, _, versions = value.partition("=")
        crates.setdefault(name, []).extend(v for v in versions.split(",") if v)
    return crates


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.imitation", description=__doc__)
    parser.add_argument("--corpus", type=Path, default=FIXTURE_CORPUS)
    parser.add_argument("--port-file", type=Path)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--docsrs-port", type=int, default=0)
    parser.add_argument("--cratesio-port", type=int, default=0)
    parser.add_argument("--index-port", type=int, default=0)
    parser.add_argument(
        "--crate",
        action="append",
        default=[],
        metavar="NAME=V1,V2",
        help="only serve these versions (repeatable; default: the whole corpus)",
    )
    parser.add_argument(
        "--without-json",
        action="append",
        default=[],
        metavar="CRATE[@VERSION]",
        help="docs.rs answers 404 for this rustdoc JSON (forces the HTML fallback)",
    )
    args = parser.parse_args(argv)

    stop = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stop.set())

    imitation = Imitation(
        args.corpus,
        crates=_parse_crates(args.crate),
        host=args.host,
        ports={
            "docsrs": args.docsrs_port,
            "cratesio": args.cratesio_port,
            "index": args.index_port,
        },
    )
    for spec in args.without_json:
        crate, _, version = spec.partition("@")
        imitation.without_json(crate, version or None)
    with imitation:
        urls = json.dumps(imitation.urls)
        if args.port_file:
            tmp = args.port_file.with_name(args.port_file.name + ".tmp")
            tmp.write_text(urls + "\n")
            os.replace(tmp, args.port_file)
        print(urls, flush=True)
        try:
            while not stop.wait(0.2):
                pass
        finally:
            if args.port_file:
                args.port_file.unlink(missing_ok=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
