"""Quick checks that the imitation behaves like docs.rs / crates.io where our code relies on it."""

from __future__ import annotations

import gzip
import json
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import zstandard

from . import FIXTURE_CORPUS, Imitation
from .cratesio import index_path
from .log import RequestLog, RequestRecord
from .semver import Version, VersionReq

UA = {"User-Agent": "cratedex-tests (tests@example.invalid)"}


@pytest.fixture
def imitation() -> Iterator[Imitation]:
    with Imitation(FIXTURE_CORPUS) as im:
        yield im
        assert im.errors == []


@pytest.fixture
def client() -> Iterator[httpx.Client]:
    with httpx.Client(headers=UA, timeout=10) as c:
        yield c


def _unzstd(data: bytes) -> dict[str, object]:
    return json.loads(zstandard.ZstdDecompressor().decompressobj().decompress(data))


# ---------------------------------------------------------------------------- docs.rs
@pytest.mark.parametrize(
    ("path", "location"),
    [
        ("/semver", "/semver/latest/semver/"),
        ("/semver/0.9.0", "/semver/0.9.0/semver/"),
        ("/semver/0.9.0/", "/semver/0.9.0/semver/"),
        ("/semver/latest/", "/semver/latest/semver/"),
        ("/semver/1.0.14/semver", "/semver/1.0.14/semver/"),
        ("/semver/~0.9/semver/struct.Version.html", "/semver/0.9.0/semver/struct.Version.html"),
        ("/semver/1/", "/semver/1.0.14/semver/"),
        (
            "/semver/1.0.14/x86_64-unknown-linux-gnu/semver/struct.Version.html",
            "/semver/1.0.14/semver/struct.Version.html",
        ),
        ("/crate/semver", "/crate/semver/latest"),
        ("/crate/semver/^1.0/json", "/crate/semver/1.0.14/json"),
        ("/crate/semver/0.9/json.gz", "/crate/semver/0.9.0/json.gz"),
    ],
)
def test_docsrs_redirects(
    imitation: Imitation, client: httpx.Client, path: str, location: str
) -> None:
    r = client.get(imitation.docsrs_url + path)
    assert (r.status_code, r.headers["location"]) == (302, location)
    assert r.headers["content-length"] == "0"


def test_latest_is_served_directly(imitation: Imitation, client: httpx.Client) -> None:
    latest = client.get(f"{imitation.docsrs_url}/semver/latest/semver/index.html")
    exact = client.get(f"{imitation.docsrs_url}/semver/1.0.14/semver/")
    assert latest.status_code == exact.status_code == 200
    assert latest.headers["content-type"] == "text/html; charset=utf-8"
    assert latest.content == exact.content
    assert '<span class="version">1.0.14</span>' in latest.text
    missing = client.get(f"{imitation.docsrs_url}/semver/1.0.14/semver/struct.Nope.html")
    assert missing.status_code == 404 and "<html" in missing.text
    assert client.get(f"{imitation.docsrs_url}/semver/9.9.9/semver/").status_code == 404
    assert client.get(f"{imitation.docsrs_url}/no-such-crate").status_code == 404


def test_crate_page_holds_root_docblock(imitation: Imitation, client: httpx.Client) -> None:
    r = client.get(f"{imitation.docsrs_url}/crate/semver/latest")
    assert r.status_code == 200
    assert '<div id="main"><div class="readme">' in r.text
    readme = r.text.split('<div class="readme">', 1)[1]
    assert "flavor of Semantic Versioning" in readme and "Scope of this crate" in readme
    assert 'class="nav-container"' in r.text  # chrome that prose extraction must ignore


def test_rustdoc_json_downloads(imitation: Imitation, client: httpx.Client) -> None:
    base = f"{imitation.docsrs_url}/crate/semver/1.0.14"
    zst = client.get(f"{base}/json")
    assert zst.headers["content-type"] == "application/zstd"
    assert "content-encoding" not in zst.headers
    assert int(zst.headers["content-length"]) == len(zst.content)
    doc = _unzstd(zst.content)
    assert (doc["crate_version"], doc["format_version"]) == ("1.0.14", 57)
    assert client.get(f"{base}/json.zst").content == zst.content
    assert client.get(f"{base}/json/57").content == zst.content
    assert client.get(f"{base}/json/56").status_code == 404
    gz = client.get(f"{base}/json.gz")
    assert gz.headers["content-type"] == "application/gzip"
    assert json.loads(gzip.decompress(gz.content)) == doc
    latest = client.get(f"{imitation.docsrs_url}/crate/semver/latest/json")
    assert latest.status_code == 200 and latest.content == zst.content


def test_etag_and_if_none_match(imitation: Imitation, client: httpx.Client) -> None:
    url = f"{imitation.docsrs_url}/crate/itoa/1.0.1/json"
    first = client.get(url)
    etag = first.headers["etag"]
    assert etag.startswith('"') and not etag.startswith("W/")
    again = client.get(url, headers={"If-None-Match": etag})
    assert (again.status_code, again.content, again.headers["etag"]) == (304, b"", etag)
    index = client.get(f"{imitation.index_url}/it/oa/itoa")
    assert (
        client.get(index.url, headers={"If-None-Match": index.headers["etag"]}).status_code == 304
    )
    records = imitation.requests_to("docsrs")
    assert [(r.status, r.if_none_match) for r in records] == [(200, None), (304, etag)]
    assert records[0].user_agent == UA["User-Agent"]
    assert records[0].response_bytes == len(first.content) and records[1].response_bytes == 0


# -------------------------------------------------------------------------- crates.io
def test_cratesio_api(imitation: Imitation, client: httpx.Client) -> None:
    doc = client.get(f"{imitation.cratesio_url}/api/v1/crates/semver").json()
    assert doc["crate"]["max_version"] == "1.0.14"
    assert [v["num"] for v in doc["versions"]] == ["1.0.14", "0.9.0"]
    missing = client.get(f"{imitation.cratesio_url}/api/v1/crates/nope")
    assert missing.status_code == 404
    assert missing.json() == {"errors": [{"detail": "crate `nope` does not exist"}]}


def test_cratesio_requires_user_agent(imitation: Imitation) -> None:
    with httpx.Client() as bare:
        del bare.headers["User-Agent"]
        r = bare.get(f"{imitation.cratesio_url}/api/v1/crates/semver")
    assert r.status_code == 403
    assert imitation.requests[-1].user_agent is None


def test_sparse_index(imitation: Imitation, client: httpx.Client) -> None:
    r = client.get(f"{imitation.index_url}/se/mv/semver")
    lines = [json.loads(line) for line in r.text.splitlines()]
    assert [line["vers"] for line in lines] == ["0.9.0", "1.0.14"]
    assert lines[1]["cksum"] == "e25dfac463d778e353db5be2449d1cce89bd6fd23c9f1ea21310ce6e5a1b29c4"
    assert {k: lines[0][k] for k in ("name", "deps", "yanked", "v")} == {
        "name": "semver",
        "deps": [],
        "yanked": False,
        "v": 2,
    }
    assert client.get(f"{imitation.index_url}/se/mv/nope").status_code == 404
    assert client.get(f"{imitation.index_url}/sem/semver").status_code == 404
    assert [index_path(n) for n in ("a", "ab", "Abc", "SeMver")] == [
        "1/a",
        "2/ab",
        "3/a/abc",
        "se/mv/semver",
    ]


# ------------------------------------------------------------------- test controls
def test_fail_injects_counted_faults(imitation: Imitation, client: httpx.Client) -> None:
    imitation.fail("docsrs", r"/json", status=429, times=2, headers={"Retry-After": "1"})
    url = f"{imitation.docsrs_url}/crate/itoa/1.0.1/json"
    statuses = [client.get(url) for _ in range(3)]
    assert [r.status_code for r in statuses] == [429, 429, 200]
    assert statuses[0].headers["retry-after"] == "1"
    assert [r.injected for r in imitation.requests] == [True, True, False]
    imitation.fail("cratesio", "semver", status=503, times=None, body=b"down")
    for _ in range(3):
        r = client.get(f"{imitation.cratesio_url}/api/v1/crates/semver")
        assert (r.status_code, r.content) == (503, b"down")
    imitation.clear_faults()
    assert client.get(f"{imitation.cratesio_url}/api/v1/crates/semver").status_code == 200


def test_without_json_forces_html_fallback(imitation: Imitation, client: httpx.Client) -> None:
    imitation.without_json("semver", "0.9.0")
    base = f"{imitation.docsrs_url}/crate/semver/0.9.0"
    assert {client.get(f"{base}/{s}").status_code for s in ("json", "json.gz", "json/57")} == {404}
    assert client.get(f"{imitation.docsrs_url}/semver/0.9.0/semver/").status_code == 200
    assert client.get(f"{imitation.docsrs_url}/crate/semver/1.0.14/json").status_code == 200
    imitation.without_json("itoa")
    imitation.publish("itoa", "1.0.2")
    assert client.get(f"{imitation.docsrs_url}/crate/itoa/1.0.2/json").status_code == 404


def test_corrupt_json(imitation: Imitation, client: httpx.Client) -> None:
    imitation.corrupt_json("itoa", "1.0.1")
    r = client.get(f"{imitation.docsrs_url}/crate/itoa/1.0.1/json")
    assert r.status_code == 200
    with pytest.raises(zstandard.ZstdError):
        _unzstd(r.content)
    with pytest.raises(OSError):
        gzip.decompress(client.get(f"{imitation.docsrs_url}/crate/itoa/1.0.1/json.gz").content)


def test_publish_and_yank(imitation: Imitation, client: httpx.Client) -> None:
    imitation.publish("semver", "1.0.15", like="1.0.14")
    lines = client.get(f"{imitation.index_url}/se/mv/semver").text.splitlines()
    assert [json.loads(line)["vers"] for line in lines] == ["0.9.0", "1.0.14", "1.0.15"]
    api = client.get(f"{imitation.cratesio_url}/api/v1/crates/semver").json()
    assert (api["crate"]["max_version"], api["crate"]["newest_version"]) == ("1.0.15", "1.0.15")
    page = client.get(f"{imitation.docsrs_url}/semver/latest/semver/index.html").text
    assert '<span class="version">1.0.15</span>' in page
    doc = _unzstd(client.get(f"{imitation.docsrs_url}/crate/semver/1.0.15/json").content)
    assert doc["crate_version"] == "1.0.15"

    imitation.yank("semver", "1.0.15")
    last = json.loads(client.get(f"{imitation.index_url}/se/mv/semver").text.splitlines()[-1])
    assert (last["vers"], last["yanked"]) == ("1.0.15", True)
    api = client.get(f"{imitation.cratesio_url}/api/v1/crates/semver").json()
    assert api["crate"]["max_version"] == "1.0.14"
    r = client.get(f"{imitation.docsrs_url}/semver/1/")
    assert r.headers["location"] == "/semver/1.0.14/semver/"


def test_crates_restricts_versions(client: httpx.Client) -> None:
    with Imitation(FIXTURE_CORPUS, crates={"semver": ["0.9.0"]}) as im:
        r = client.get(f"{im.docsrs_url}/semver/latest/semver/index.html")
        assert '<span class="version">0.9.0</span>' in r.text
        assert client.get(f"{im.cratesio_url}/api/v1/crates/serde").status_code == 404
        assert client.get(f"{im.index_url}/se/mv/semver").text.count("\n") == 1
    with pytest.raises(ValueError):
        Imitation(FIXTURE_CORPUS, crates={"semver": ["7.0.0"]})


def test_pause_holds_response_until_set(imitation: Imitation, client: httpx.Client) -> None:
    gate = imitation.pause("docsrs", r"/crate/itoa/.*/json")
    result: list[int] = []
    worker = threading.Thread(
        target=lambda: result.append(
            client.get(f"{imitation.docsrs_url}/crate/itoa/1.0.1/json").status_code
        )
    )
    worker.start()
    assert gate.wait_arrived(5)
    time.sleep(0.1)
    assert result == [] and imitation.requests == []
    gate.set()
    worker.join(5)
    assert result == [200]
    assert imitation.requests[0].duration >= 0.1


def test_max_requests_in_window(imitation: Imitation, client: httpx.Client) -> None:
    for _ in range(5):
        client.get(f"{imitation.index_url}/it/oa/itoa")
    assert imitation.max_requests_in_window("index", 10.0) == 5
    assert imitation.max_requests_in_window("docsrs") == 0

    log = RequestLog()
    for t in (0.0, 0.5, 0.99, 1.0, 1.2, 3.0):
        log.append(RequestRecord(t, t, "docsrs", "GET", "/", 200, 0, None, None))
    assert log.max_in_window("docsrs", 1.0) == 4  # [0.5, 1.5) holds 0.5, 0.99, 1.0, 1.2
    assert log.max_in_window("docsrs", 0.1) == 2


def test_semver_requirements() -> None:
    def ok(req: str, version: str) -> bool:
        return VersionReq(req).matches(Version.parse(version))

    assert ok("1", "1.9.0") and not ok("1", "2.0.0")
    assert ok("^0.9", "0.9.3") and not ok("^0.9", "0.10.0")
    assert ok("~1.0.2", "1.0.9") and not ok("~1.0.2", "1.1.0")
    assert ok(">=1, <2", "1.5.0") and not ok(">=1, <2", "2.0.0")
    assert ok("*", "0.0.1") and not ok("1", "1.1.0-alpha")
    assert ok("=1.1.0-alpha", "1.1.0-alpha")


def test_cli_runs_until_killed(tmp_path: Path) -> None:
    port_file = tmp_path / "urls.json"
    root = Path(__file__).resolve().parents[2]
    proc = subprocess.Popen(
        [sys.executable, "-m", "tests.imitation", "--port-file", str(port_file)],
        cwd=root,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None
        urls = json.loads(proc.stdout.readline())
        assert json.loads(port_file.read_text()) == urls
        r = httpx.get(f"{urls['index']}/it/oa/itoa")
        assert r.status_code == 200
        log = httpx.get(f"{urls['docsrs']}/_imitation/requests").json()
        assert [e["path"] for e in log] == ["/it/oa/itoa"]
    finally:
        proc.terminate()
        proc.wait(10)
        if proc.stdout is not None:
            proc.stdout.close()
    assert proc.returncode == 0
    assert not port_file.exists()
