"""Just enough Cargo-flavoured semver to resolve docs.rs URLs like `/serde/^1.0/serde/`.

Self-contained on purpose: the imitation must not depend on the code under test.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_VERSION_RE = re.compile(
    r"^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)"
    r"(?:-([0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*))?(?:\+[0-9A-Za-z.-]+)?$"
)
_WILD = {"*", "x", "X"}
_COMPARATOR_RE = re.compile(
    r"^(=|>=|<=|>|<|~|\^)?\s*(\d+|[*xX])(?:\.(\d+|[*xX]))?(?:\.(\d+|[*xX]))?"
    r"(?:-([0-9A-Za-z.-]+))?(?:\+[0-9A-Za-z.-]+)?$"
)


def _pre_key(ident: str) -> tuple[int, int, str]:
    return (0, int(ident), "") if ident.isdigit() else (1, 0, ident)


@dataclass(frozen=True)
class Version:
    """A parsed `MAJOR.MINOR.PATCH[-PRE][+BUILD]` version (build metadata dropped)."""

    major: int
    minor: int
    patch: int
    pre: tuple[str, ...] = ()

    @classmethod
    def parse(cls, text: str) -> Version:
        m = _VERSION_RE.match(text.strip())
        if m is None:
            raise ValueError(f"not a semver version: {text!r}")
        pre = tuple(m.group(4).split(".")) if m.group(4) else ()
        return cls(int(m.group(1)), int(m.group(2)), int(m.group(3)), pre)

    @property
    def is_prerelease(self) -> bool:
        return bool(self.pre)

    @property
    def key(self) -> tuple[object, ...]:
        """Sort key: a release sorts after its own pre-releases."""
        pre = tuple(_pre_key(p) for p in self.pre)
        return (self.major, self.minor, self.patch, 0 if self.pre else 1, pre)


def parse_version(text: str) -> Version | None:
    try:
        return Version.parse(text)
    except ValueError:
        return None


@dataclass(frozen=True)
class _Comparator:
    op: str
    major: int
    minor: int | None
    patch: int | None
    pre: tuple[str, ...]

    def lower(self) -> Version:
        return Version(self.major, self.minor or 0, self.patch or 0, self.pre)

    def matches(self, v: Version) -> bool:
        M, m, p = self.major, self.minor, self.patch
        k = v.key
        if self.op == "=":
            if m is None:
                return v.major == M
            if p is None:
                return (v.major, v.minor) == (M, m)
            return k == self.lower().key
        if self.op == ">":
            if m is None:
                return k >= Version(M + 1, 0, 0).key
            if p is None:
                return k >= Version(M, m + 1, 0).key
            return k > self.lower().key
        if self.op == ">=":
            return k >= self.lower().key
        if self.op == "<":
            return k < self.lower().key
        if self.op == "<=":
            if m is None:
                return v.major <= M
            if p is None:
                return (v.major, v.minor) <= (M, m)
            return k <= self.lower().key
        if self.op == "~":
            if m is None:
                return v.major == M
            return (v.major, v.minor) == (M, m) and k >= self.lower().key
        # caret (also the default operator)
        if m is None:
            return v.major == M
        if M > 0:
            return v.major == M and k >= self.lower().key
        if p is None:
            return (v.major, v.minor) == (0, m)
        if m > 0:
            return (v.major, v.minor) == (0, m) and k >= self.lower().key
        return (v.major, v.minor, v.patch) == (0, 0, p) and k >= self.lower().key


class VersionReq:
    """A Cargo version requirement such as `1`, `^1.0`, `~0.9`, `>=1, <2` or `*`."""

    def __init__(self, text: str) -> None:
        self.text = text
        self._comparators: list[_Comparator] = []
        stripped = text.strip()
        if stripped in _WILD:
            return
        for raw in stripped.split(","):
            m = _COMPARATOR_RE.match(raw.strip())
            if m is None:
                raise ValueError(f"not a version requirement: {text!r}")
            op, *parts, pre = m.groups()
            nums = [None if x is None or x in _WILD else int(x) for x in parts]
            if any(x in _WILD for x in parts if x is not None):
                op = op if op not in (None, "^") else "="
            # Cargo treats `1.*.3` like `1.*`: everything after a wildcard is a wildcard.
            if nums[1] is None:
                nums[2] = None
            major, minor, patch = nums
            if major is None:
                self._comparators = []
                return
            self._comparators.append(
                _Comparator(op or "^", major, minor, patch, tuple(pre.split(".")) if pre else ())
            )

    def matches(self, v: Version) -> bool:
        if not all(c.matches(v) for c in self._comparators):
            return False
        if v.is_prerelease:
            # Cargo: a pre-release only matches a comparator naming the same M.m.p with a pre.
            return any(
                c.pre and (c.major, c.minor, c.patch) == (v.major, v.minor, v.patch)
                for c in self._comparators
            )
        return True


def parse_req(text: str) -> VersionReq | None:
    try:
        return VersionReq(text)
    except ValueError:
        return None
