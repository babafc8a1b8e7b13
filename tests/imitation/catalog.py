"""What the imitated registry knows: crates, releases, and which corpus files back them.

One mutable, lock-protected object shared by all three upstreams, so that a `publish()` or
`yank()` shows up consistently on docs.rs, the crates.io API and the sparse index.
"""

from __future__ import annotations

import copy
import datetime as dt
import hashlib
import json
import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .semver import Version, parse_req, parse_version

# Directories in a rustdoc output root that are not the crate's own docs.
_NOT_LIB_DIRS = {"src", "static.files", "search.index", "trait.impl", "type.impl"}
# Top-level corpus directories that are not crate names.
_NOT_CRATE_DIRS = {"crate", "api", "static.files", "-"}


def _now_iso() -> str:
    return dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass
class Release:
    """One published version; `source` is the corpus version whose files it serves."""

    crate: str
    version: str
    source: str
    yanked: bool
    seq: int
    entry: dict[str, object] = field(repr=False)

    @property
    def parsed(self) -> Version:
        return Version.parse(self.version)


@dataclass(frozen=True)
class JsonSettings:
    """How docs.rs answers rustdoc-JSON requests for one release."""

    available: bool
    corrupt: str | None  # None, or a corruption mode ("garbage", "truncated", "not_json")


def _find_lib(version_dir: Path, crate: str) -> str | None:
    preferred = crate.replace("-", "_")
    if (version_dir / preferred / "index.html").is_file():
        return preferred
    if not version_dir.is_dir():
        return None
    for child in sorted(version_dir.iterdir()):
        if child.name not in _NOT_LIB_DIRS and (child / "index.html").is_file():
            return child.name
    return None


def scan_corpus(root: Path) -> dict[str, set[str]]:
    """Crate -> versions that have rustdoc HTML or rustdoc JSON in the corpus."""
    found: dict[str, set[str]] = {}
    for crate_dir in sorted(root.iterdir()):
        if not crate_dir.is_dir() or crate_dir.name in _NOT_CRATE_DIRS:
            continue
        if crate_dir.name.startswith((".", "_")):
            continue
        for vdir in crate_dir.iterdir():
            if parse_version(vdir.name) and _find_lib(vdir, crate_dir.name):
                found.setdefault(crate_dir.name, set()).add(vdir.name)
    json_root = root / "crate"
    if json_root.is_dir():
        for vdir in json_root.glob("*/*"):
            has_json = (vdir / "json.zst").is_file() or (vdir / "json.gz").is_file()
            if has_json and parse_version(vdir.name):
                found.setdefault(vdir.parent.name, set()).add(vdir.name)
    return found


class Catalog:
    """Registry state. All public methods are thread-safe."""

    def __init__(self, root: Path, crates: Mapping[str, Sequence[str]] | None = None) -> None:
        self.root = Path(root).resolve()
        if not self.root.is_dir():
            raise FileNotFoundError(f"corpus directory not found: {self.root}")
        self._lock = threading.RLock()
        found = scan_corpus(self.root)
        if crates is not None:
            for name, versions in crates.items():
                missing = set(versions) - found.get(name, set())
                if missing:
                    raise ValueError(f"{name} {sorted(missing)} not in corpus {self.root}")
            found = {name: set(versions) for name, versions in crates.items()}
        self._found = found
        self.reset()

    def reset(self) -> None:
        """Forget every publish, yank, corruption and missing JSON: back to the corpus."""
        with self._lock:
            self._seq = 0
            self._meta: dict[str, dict[str, object]] = {}
            self._releases: dict[str, dict[str, Release]] = {}
            self._libs: dict[tuple[str, str], str] = {}
            self._no_json: set[tuple[str, str | None]] = set()
            self._corrupt: dict[tuple[str, str], str] = {}
            for name in sorted(self._found):
                self._load_crate(name, self._found[name])

    # ----------------------------------------------------------------- loading
    def _load_crate(self, name: str, versions: set[str]) -> None:
        api_path = self.root / "api" / "v1" / "crates" / f"{name}.json"
        doc = json.loads(api_path.read_text()) if api_path.is_file() else {}
        meta = dict(doc.get("crate") or {"id": name, "name": name, "description": None})
        entries = {e["num"]: e for e in doc.get("versions", [])}
        self._meta[name] = meta
        self._releases[name] = {}

        def order(v: str) -> tuple[str, tuple[object, ...]]:
            return (str(entries.get(v, {}).get("created_at", "")), Version.parse(v).key)

        for number in sorted(versions, key=order):
            entry = copy.deepcopy(entries.get(number)) or self._synth_entry(name, number)
            self._seq += 1
            self._releases[name][number] = Release(
                name, number, number, bool(entry.get("yanked")), self._seq, entry
            )
            lib = _find_lib(self.root / name / number, name)
            self._libs[(name, number)] = lib or name.replace("-", "_")

    def _synth_entry(self, crate: str, version: str) -> dict[str, object]:
        ids = [r.entry.get("id", 0) for rels in self._releases.values() for r in rels.values()]
        now = _now_iso()
        return {
            "id": max([int(i) for i in ids if isinstance(i, int)] + [1_000_000]) + 1,
            "crate": crate,
            "num": version,
            "dl_path": f"/api/v1/crates/{crate}/{version}/download",
            "yanked": False,
            "created_at": now,
            "updated_at": now,
            "downloads": 0,
            "license": None,
            "crate_size": None,
            "checksum": hashlib.sha256(f"{crate}-{version}".encode()).hexdigest(),
            "rust_version": None,
            "edition": None,
            "features": {},
        }

    # ----------------------------------------------------------------- queries
    def crate_names(self) -> list[str]:
        with self._lock:
            return list(self._releases)

    def find_crate(self, name: str) -> str | None:
        """crates.io-style lookup: case-insensitive, `-` and `_` interchangeable."""
        with self._lock:
            if name in self._releases:
                return name
            want = name.lower().replace("_", "-")
            for known in self._releases:
                if known.lower().replace("_", "-") == want:
                    return known
            return None

    def releases(self, crate: str) -> list[Release]:
        """Releases in publish order (oldest first); empty for unknown crates."""
        with self._lock:
            return sorted(self._releases.get(crate, {}).values(), key=lambda r: r.seq)

    def meta(self, crate: str) -> dict[str, object]:
        with self._lock:
            return dict(self._meta[crate])

    def lib(self, release: Release) -> str:
        return self._libs[(release.crate, release.source)]

    def latest(self, crate: str) -> Release | None:
        """docs.rs "latest": newest non-yanked stable, else newest non-yanked, else newest."""
        rels = self.releases(crate)
        for pool in (
            [r for r in rels if not r.yanked and not r.parsed.is_prerelease],
            [r for r in rels if not r.yanked],
            rels,
        ):
            if pool:
                return max(pool, key=lambda r: r.parsed.key)
        return None

    def resolve(self, crate: str, spec: str) -> tuple[Release | None, bool]:
        """Resolve a docs.rs version segment -> (release, exact?).

        `exact` is False when `spec` was a semver requirement (docs.rs redirects those).
        """
        if spec == "latest":
            return self.latest(crate), True
        with self._lock:
            rels = dict(self._releases.get(crate, {}))
        if spec in rels:
            return rels[spec], True
        if parse_version(spec) is not None:
            return None, True  # a well-formed but unknown exact version is a 404
        req = parse_req(spec)
        if req is None:
            return None, True
        matching = [r for r in rels.values() if not r.yanked and req.matches(r.parsed)]
        if not matching:
            return None, False
        return max(matching, key=lambda r: r.parsed.key), False

    # ---------------------------------------------------------------- mutation
    def publish(self, crate: str, version: str, *, yanked: bool, like: str | None) -> Release:
        Version.parse(version)
        with self._lock:
            rels = self._releases.get(crate)
            if rels is None:
                raise KeyError(f"unknown crate {crate!r}: publish() clones an existing release")
            if version in rels:
                raise ValueError(f"{crate} {version} already exists")
            if like is None:
                base = self.latest(crate)
                if base is None:
                    raise ValueError(f"{crate} has no release to clone")
            elif like in rels:
                base = rels[like]
            else:
                raise KeyError(f"{crate} {like} does not exist (like=)")
            ids = [r.entry.get("id", 0) for rs in self._releases.values() for r in rs.values()]
            entry = copy.deepcopy(base.entry)
            now = _now_iso()
            entry.update(
                id=max(int(i) for i in ids if isinstance(i, int)) + 1,
                num=version,
                dl_path=f"/api/v1/crates/{crate}/{version}/download",
                yanked=yanked,
                created_at=now,
                updated_at=now,
                downloads=0,
                checksum=hashlib.sha256(f"{crate}-{version}".encode()).hexdigest(),
            )
            self._seq += 1
            release = Release(crate, version, base.source, yanked, self._seq, entry)
            rels[version] = release
            return release

    def yank(self, crate: str, version: str, yanked: bool) -> None:
        with self._lock:
            release = self._releases.get(crate, {}).get(version)
            if release is None:
                raise KeyError(f"{crate} {version} does not exist")
            release.yanked = yanked
            release.entry["yanked"] = yanked
            release.entry["updated_at"] = _now_iso()

    def set_without_json(self, crate: str, version: str | None) -> None:
        with self._lock:
            self._no_json.add((crate, version))

    def set_corrupt(self, crate: str, version: str, how: str) -> None:
        with self._lock:
            self._corrupt[(crate, version)] = how

    def json_settings(self, release: Release) -> JsonSettings:
        with self._lock:
            key = (release.crate, release.version)
            available = key not in self._no_json and (release.crate, None) not in self._no_json
            return JsonSettings(available, self._corrupt.get(key))

    # ------------------------------------------------------------ crates.io API
    def api_document(self, crate: str) -> dict[str, Any]:
        """The `/api/v1/crates/{name}` body, reflecting publish/yank."""
        with self._lock:
            rels = self.releases(crate)
            by_semver = sorted(rels, key=lambda r: r.parsed.key, reverse=True)
            live = [r for r in by_semver if not r.yanked]
            stable = [r for r in live if not r.parsed.is_prerelease]
            newest = max(live or rels, key=lambda r: r.seq)
            crate_obj = dict(self._meta[crate])
            crate_obj.update(
                max_version=live[0].version if live else "0.0.0",
                max_stable_version=stable[0].version if stable else None,
                newest_version=newest.version,
                num_versions=len(rels),
                versions=[r.entry.get("id") for r in by_semver],
            )
            if rels:
                latest_update = max(str(r.entry.get("updated_at", "")) for r in rels)
                crate_obj["updated_at"] = max(str(crate_obj.get("updated_at", "")), latest_update)
            return {"crate": crate_obj, "versions": [copy.deepcopy(r.entry) for r in by_semver]}

    def index_lines(self, crate: str) -> bytes:
        """The sparse-index file: one JSON object per release, oldest first."""
        lines = []
        for r in self.releases(crate):
            features = r.entry.get("features")
            obj = {
                "name": crate,
                "vers": r.version,
                "deps": [],
                "cksum": r.entry.get("checksum"),
                "features": features if isinstance(features, dict) else {},
                "yanked": r.yanked,
                "v": 2,
            }
            if r.entry.get("rust_version"):
                obj["rust_version"] = r.entry["rust_version"]
            lines.append(json.dumps(obj, separators=(",", ":")))
        return ("\n".join(lines) + "\n").encode() if lines else b""
