"""Which release to ingest (sparse index) and what crates.io says about the crate."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from cratedex.errors import NotFound, UpstreamError, YankedVersion
from cratedex.validation import version_key


@dataclass(frozen=True, slots=True)
class Release:
    """One line of the sparse index."""

    name: str
    version: str
    yanked: bool
    features: dict[str, list[str]] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class CrateInfo:
    """The crates.io metadata stored on the crate's `document_sources` row."""

    description: str | None = None
    repository: str | None = None
    homepage: str | None = None
    documentation: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)


def parse_index(body: bytes, crate_name: str) -> list[Release]:
    """Parse a sparse-index file; lines that are not valid releases are skipped."""
    releases = []
    for line in body.decode("utf-8", errors="replace").splitlines():
        if not line.strip():
            continue
        try:
            entry = json.loads(line)
            version = str(entry["vers"])
            version_key(version)
        except (ValueError, KeyError, TypeError):
            continue
        releases.append(
            Release(
                name=str(entry.get("name", crate_name)),
                version=version,
                yanked=bool(entry.get("yanked", False)),
                features=entry.get("features") or {},
            )
        )
    if not releases:
        raise UpstreamError(f"the sparse index has no readable release of {crate_name}")
    return releases


def choose_release(releases: list[Release], requested: str) -> Release:
    """The newest non-yanked stable release for 'latest', else exactly the one asked for.

    A crate with only pre-releases gets its newest non-yanked pre-release.
    """
    name = releases[0].name
    if requested != "latest":
        wanted = version_key(requested)
        for release in releases:
            if version_key(release.version) == wanted:
                if release.yanked:
                    raise YankedVersion(f"{name} {release.version} was yanked from crates.io")
                return release
        known = ", ".join(r.version for r in _newest_first(releases)[:5])
        raise NotFound(f"{name} has no version {requested} on crates.io (newest: {known})")
    live = [r for r in releases if not r.yanked]
    if not live:
        raise YankedVersion(f"every release of {name} was yanked from crates.io")
    stable = [r for r in live if version_key(r.version).prerelease is None]
    return _newest_first(stable or live)[0]


def _newest_first(releases: list[Release]) -> list[Release]:
    return sorted(releases, key=lambda r: version_key(r.version), reverse=True)


def parse_crate_info(body: bytes, version: str) -> CrateInfo:
    """The crates.io API answer, read defensively: every field may be missing."""
    try:
        data = json.loads(body)
    except ValueError:
        return CrateInfo()
    krate = data.get("crate") or {}
    release = next(
        (v for v in data.get("versions") or [] if v.get("num") == version),
        {},
    )
    extra = {
        "keywords": krate.get("keywords") or [],
        "categories": krate.get("categories") or [],
        "downloads": krate.get("downloads"),
        "max_stable_version": krate.get("max_stable_version"),
        "license": release.get("license"),
        "rust_version": release.get("rust_version"),
        "edition": release.get("edition"),
    }
    return CrateInfo(
        description=(release.get("description") or krate.get("description") or None),
        repository=krate.get("repository"),
        homepage=krate.get("homepage"),
        documentation=krate.get("documentation"),
        extra={k: v for k, v in extra.items() if v not in (None, [])},
    )
