"""The rules for what a user may ask for, shared by the flow, the CLI and the MCP tools."""

from __future__ import annotations

import re

import semver

from cratedex.errors import InvalidInput

CRATE_NAME_RULE = (
    "crate names are 1 to 64 ASCII letters, digits, '-' or '_', starting with a letter"
)
VERSION_RULE = "versions are 'latest' or a semver version such as 1.0.152 or 0.9.0-alpha.1"
_CRATE_NAME = re.compile(r"[A-Za-z][A-Za-z0-9_-]{0,63}")


def validate_crate_name(name: str) -> str:
    """Return `name` stripped, or raise `InvalidInput` naming crates.io's rule."""
    if not isinstance(name, str):
        raise InvalidInput(f"crate name must be a string; {CRATE_NAME_RULE}")
    cleaned = name.strip()
    if not _CRATE_NAME.fullmatch(cleaned):
        shown = cleaned if len(cleaned) <= 80 else cleaned[:77] + "..."
        raise InvalidInput(f"invalid crate name {shown!r}: {CRATE_NAME_RULE}")
    return cleaned


def validate_version(version: str | None) -> str:
    """Return 'latest' or a normalised semver string, or raise `InvalidInput`."""
    if version is None:
        return "latest"
    cleaned = str(version).strip()
    if cleaned.lower() in ("", "latest"):
        return "latest"
    if not semver.Version.is_valid(cleaned):
        shown = cleaned if len(cleaned) <= 80 else cleaned[:77] + "..."
        raise InvalidInput(f"invalid version {shown!r}: {VERSION_RULE}")
    return cleaned


def version_key(version: str) -> semver.Version:
    """Sort key ordering versions by SemVer precedence."""
    return semver.Version.parse(version)
