"""The one place that knows the URLs of docs.rs, crates.io and the sparse index."""

from __future__ import annotations

from urllib.parse import quote

from cratedex.settings import Settings


def _base(url: object) -> str:
    return str(url).rstrip("/")


def lib_name(crate_name: str) -> str:
    """rustdoc's directory for a crate: its name with `-` turned into `_`."""
    return crate_name.replace("-", "_")


def sparse_index_url(settings: Settings, crate_name: str) -> str:
    """`{index}/{prefix}/{name}` with crates.io's prefix rules (lower-cased)."""
    name = crate_name.lower()
    if len(name) <= 2:
        prefix = str(len(name))
    elif len(name) == 3:
        prefix = f"3/{name[0]}"
    else:
        prefix = f"{name[:2]}/{name[2:4]}"
    return f"{_base(settings.index_url)}/{prefix}/{quote(name)}"


def crates_api_url(settings: Settings, crate_name: str) -> str:
    return f"{_base(settings.cratesio_url)}/api/v1/crates/{quote(crate_name)}"


def rustdoc_json_url(settings: Settings, crate_name: str, version: str) -> str:
    """The whole crate's rustdoc JSON, zstd-compressed (docs.rs's default)."""
    return f"{_base(settings.docsrs_url)}/crate/{quote(crate_name)}/{quote(version)}/json.zst"


def rustdoc_root_url(settings: Settings, crate_name: str, version: str, lib: str) -> str:
    """The release's rustdoc output root; item URLs are relative to it."""
    return f"{_base(settings.docsrs_url)}/{quote(crate_name)}/{quote(version)}/{lib}/"


def rustdoc_page_url(settings: Settings, crate_name: str, version: str, relative: str) -> str:
    """An item page, `relative` as rustdoc writes it (`semver/struct.Version.html`)."""
    return f"{_base(settings.docsrs_url)}/{quote(crate_name)}/{quote(version)}/{relative}"


def crate_page_url(settings: Settings, crate_name: str, version: str) -> str:
    """docs.rs's crate page: description and README."""
    return f"{_base(settings.docsrs_url)}/crate/{quote(crate_name)}/{quote(version)}"


def public_docs_url(crate_name: str, version: str, relative: str) -> str:
    """The URL shown to agents, always on the public docs.rs."""
    return f"https://docs.rs/{crate_name}/{version}/{relative}"
