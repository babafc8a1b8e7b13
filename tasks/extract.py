"""Transform tasks: upstream bytes in, `ItemDoc`s out (no I/O)."""

from __future__ import annotations

from prefect import task
from prefect.cache_policies import NO_CACHE

from cratedex.items import ItemDoc
from tasks.rustdoc_json import decompress_rustdoc, extract_items, parse_rustdoc_json


@task(name="extract-rustdoc-json", cache_policy=NO_CACHE)
def extract_json_items(body: bytes, *, crate_name: str, max_json_bytes: int) -> list[ItemDoc]:
    """Every public item of a rustdoc JSON download; `RustdocJsonError` if unreadable."""
    raw = decompress_rustdoc(body, max_bytes=max_json_bytes)
    return extract_items(parse_rustdoc_json(raw), crate_name=crate_name)
