from __future__ import annotations

import pytest

from cratedex.errors import InvalidInput, NotFound, YankedVersion
from cratedex.validation import validate_crate_name, validate_version
from tasks.crates_io import Release, choose_release, parse_index


@pytest.mark.parametrize("name", ["serde", "serde_json", "tokio-util", "a", "A" + "b" * 63])
def test_valid_crate_names(name: str) -> None:
    assert validate_crate_name(f" {name} ") == name


@pytest.mark.parametrize(
    "name", ["", "9lives", "-x", "_x", "ser de", "sérde", "a/b", "x" * 65, "serde\n"]
)
def test_invalid_crate_names_name_the_rule(name: str) -> None:
    with pytest.raises(InvalidInput, match="starting with a letter"):
        validate_crate_name(name if name != "serde\n" else "ser\nde")


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        (None, "latest"),
        ("latest", "latest"),
        ("", "latest"),
        ("1.0.152", "1.0.152"),
        ("0.9.0-alpha.1", "0.9.0-alpha.1"),
        ("1.0.0+build.5", "1.0.0+build.5"),
    ],
)
def test_versions(given: str | None, expected: str) -> None:
    assert validate_version(given) == expected


@pytest.mark.parametrize("given", ["1", "1.0", "^1.0", "~0.9", "v1.0.0", "1.0.0.0", "x"])
def test_invalid_versions_name_the_rule(given: str) -> None:
    with pytest.raises(InvalidInput, match="semver version"):
        validate_version(given)


INDEX = b"\n".join(
    [
        b'{"name":"demo","vers":"0.9.0","yanked":false}',
        b'{"name":"demo","vers":"1.0.0","yanked":false}',
        b'{"name":"demo","vers":"1.1.0","yanked":true}',
        b'{"name":"demo","vers":"1.2.0-rc.1","yanked":false}',
        b"not json",
    ]
)


def test_latest_is_the_newest_non_yanked_stable_release() -> None:
    releases = parse_index(INDEX, "demo")
    assert len(releases) == 4
    assert choose_release(releases, "latest").version == "1.0.0"
    assert choose_release(releases, "1.2.0-rc.1").version == "1.2.0-rc.1"


def test_yanked_and_unknown_versions_are_clear_failures() -> None:
    releases = parse_index(INDEX, "demo")
    with pytest.raises(YankedVersion, match="yanked"):
        choose_release(releases, "1.1.0")
    with pytest.raises(NotFound, match=r"no version 2\.0\.0"):
        choose_release(releases, "2.0.0")


def test_only_prereleases_gives_the_newest_prerelease() -> None:
    releases = [Release("p", "0.1.0-alpha.1", False), Release("p", "0.1.0-beta.2", False)]
    assert choose_release(releases, "latest").version == "0.1.0-beta.2"
