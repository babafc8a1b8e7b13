"""crates.io API and sparse-index routes, both derived from the shared Catalog."""

from __future__ import annotations

from .catalog import Catalog
from .responses import Response, json_body, text

_UA_DETAIL = (
    "We require that all requests include a `User-Agent` header.  To allow us to determine "
    "the impact your bot has on our service, we ask that your user agent actually identify "
    "your bot, and not just report the HTTP client library that you're using."
)


def index_path(name: str) -> str:
    """Sparse-index file path for a crate name (Cargo's prefix rules, lower-cased)."""
    lower = name.lower()
    if len(lower) <= 2:
        return f"{len(lower)}/{lower}"
    if len(lower) == 3:
        return f"3/{lower[0]}/{lower}"
    return f"{lower[0:2]}/{lower[2:4]}/{lower}"


class CratesIo:
    def __init__(self, catalog: Catalog) -> None:
        self.catalog = catalog

    def route(self, path: str, headers: dict[str, str]) -> Response:
        if not headers.get("user-agent", "").strip():
            return json_body({"errors": [{"detail": _UA_DETAIL}]}, status=403)
        segs = path.strip("/").split("/")
        if segs[:3] != ["api", "v1", "crates"] or len(segs) < 4:
            return json_body({"errors": [{"detail": "Not Found"}]}, status=404)
        crate = self.catalog.find_crate(segs[3])
        if crate is None:
            return json_body(
                {"errors": [{"detail": f"crate `{segs[3]}` does not exist"}]}, status=404
            )
        doc = self.catalog.api_document(crate)
        if len(segs) == 4:
            return json_body(doc)
        if len(segs) == 5 and segs[4] == "versions":
            versions = doc["versions"]
            return json_body({"versions": versions, "meta": {"total": len(versions)}})
        if len(segs) == 5:
            for entry in doc["versions"]:
                if entry["num"] == segs[4]:
                    return json_body({"version": entry})
            detail = f"crate `{crate}` does not have a version `{segs[4]}`"
            return json_body({"errors": [{"detail": detail}]}, status=404)
        return json_body({"errors": [{"detail": "Not Found"}]}, status=404)


class SparseIndex:
    def __init__(self, catalog: Catalog, api_url: str) -> None:
        self.catalog = catalog
        self.api_url = api_url

    def route(self, path: str) -> Response:
        rel = path.lstrip("/")
        if rel == "config.json":
            return json_body({"dl": f"{self.api_url}/api/v1/crates", "api": self.api_url})
        name = rel.rsplit("/", 1)[-1]
        crate = self.catalog.find_crate(name)
        # The index spells names as published, only lower-cased; `_` and `-` are distinct files.
        if crate is None or crate.lower() != name.lower() or index_path(name) != rel:
            return text("Not Found", status=404)
        return text(self.catalog.index_lines(crate))
