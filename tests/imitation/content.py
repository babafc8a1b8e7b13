"""Bytes served for a release: corpus files, rewritten for cloned (`publish`ed) versions.

A published version reuses another version's files; the version shown in rustdoc's sidebar
and the rustdoc JSON `crate_version` are rewritten so the clone looks like a real new release.
"""

from __future__ import annotations

import functools
import gzip
import hashlib
import re
import threading
from pathlib import Path

import zstandard

from .catalog import Release

ENCODINGS = {"zst": "application/zstd", "gz": "application/gzip"}
CORRUPTIONS = ("garbage", "truncated", "not_json")
_FORMAT_VERSION_RE = re.compile(rb'"format_version"\s*:\s*(\d+)')


class IsDirectory(Exception):
    """The path names a directory: docs.rs would redirect to add a trailing slash."""


@functools.lru_cache(maxsize=4096)
def _read(path: Path) -> bytes:
    return path.read_bytes()


def _decompress(data: bytes, encoding: str) -> bytes:
    if encoding == "gz":
        return gzip.decompress(data)
    return zstandard.ZstdDecompressor().decompressobj().decompress(data)


def _compress(raw: bytes, encoding: str) -> bytes:
    if encoding == "gz":
        return gzip.compress(raw, compresslevel=6, mtime=0)
    return zstandard.ZstdCompressor(level=3).compress(raw)


class Content:
    """Reads (and caches) the bytes behind docs.rs URLs."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self._lock = threading.Lock()
        self._derived: dict[tuple[str, str, str], bytes] = {}
        self._format_versions: dict[tuple[str, str], int | None] = {}

    # ------------------------------------------------------------------ HTML
    def doc_file(self, release: Release, relpath: str) -> bytes | None:
        """A file below `<crate>/<source>/`, or None. Raises IsDirectory for directories."""
        base = (self.root / release.crate / release.source).resolve()
        parts = [p for p in relpath.split("/") if p]
        if any(p in ("..", ".") or "\\" in p for p in parts):
            return None
        target = base.joinpath(*parts) if parts else base
        if relpath.endswith("/") or not parts:
            if not target.is_dir():
                return None
            target = target / "index.html"
        elif target.is_dir():
            raise IsDirectory(relpath)
        if not target.is_file() or not target.resolve().is_relative_to(base):
            return None
        data = _read(target)
        if release.version != release.source and target.suffix == ".html":
            old = f'<span class="version">{release.source}</span>'.encode()
            new = f'<span class="version">{release.version}</span>'.encode()
            data = data.replace(old, new)
        return data

    # ----------------------------------------------------------- rustdoc JSON
    def _json_path(self, crate: str, source: str, encoding: str) -> Path:
        return self.root / "crate" / crate / source / f"json.{encoding}"

    def raw_json(self, crate: str, source: str) -> bytes | None:
        """The uncompressed rustdoc JSON of a corpus release (not cached: can be MBs)."""
        for enc in ENCODINGS:
            path = self._json_path(crate, source, enc)
            if path.is_file():
                return _decompress(_read(path), enc)
        return None

    def format_version(self, crate: str, source: str) -> int | None:
        key = (crate, source)
        with self._lock:
            if key in self._format_versions:
                return self._format_versions[key]
        raw = self.raw_json(crate, source)
        found = _FORMAT_VERSION_RE.findall(raw) if raw is not None else []
        value = int(found[-1]) if found else None  # rustdoc writes it as the last key
        with self._lock:
            self._format_versions[key] = value
        return value

    def rustdoc_json(self, release: Release, encoding: str, corrupt: str | None) -> bytes | None:
        """The compressed rustdoc JSON body as docs.rs would send it, or None if absent."""
        key = (release.crate, release.version, f"{encoding}:{corrupt}")
        with self._lock:
            if key in self._derived:
                return self._derived[key]
        body = self._build_json(release, encoding, corrupt)
        if body is not None:
            with self._lock:
                self._derived[key] = body
        return body

    def _build_json(self, release: Release, encoding: str, corrupt: str | None) -> bytes | None:
        path = self._json_path(release.crate, release.source, encoding)
        if release.version == release.source and path.is_file():
            body = _read(path)
        else:
            raw = self.raw_json(release.crate, release.source)
            if raw is None:
                return None
            if release.version != release.source:
                old = f'"crate_version":"{release.source}"'.encode()
                raw = raw.replace(old, f'"crate_version":"{release.version}"'.encode(), 1)
            body = _compress(raw, encoding)
        if corrupt is None:
            return body
        if corrupt == "truncated":
            return body[: len(body) // 2]
        if corrupt == "not_json":
            return _compress(b'{"format_version": 57, "index": {<html>not json</html>', encoding)
        seed = hashlib.sha256(f"{release.crate}-{release.version}".encode()).digest()
        return b"\x00garbage\x00" + seed * 64
