"""Version comparison per ecosystem.

``compare(ecosystem, a, b)`` returns -1, 0 or 1 under the ordering of the
ecosystem's own package manager; the ecosystem is named as OSV names it
(``"Debian:12"``, ``"Alpine:v3.18"``, ``"PyPI"``, ``"Go"``, ...), the part after the
first ``:`` being ignored. ``scheme_for(ecosystem)`` tells which ordering applies.

| scheme   | ecosystems                                                     |
|----------|----------------------------------------------------------------|
| dpkg     | Debian, Ubuntu                                                 |
| rpm      | Red Hat, AlmaLinux, Rocky Linux, openSUSE, SUSE, Mageia, ...   |
| apk      | Alpine, Wolfi, Chainguard                                      |
| pep440   | PyPI                                                           |
| semver   | npm, crates.io, Go (``v`` prefix allowed), NuGet, Hex, Pub     |
| maven    | Maven                                                          |
| rubygems | RubyGems                                                       |
| composer | Packagist (an approximation, see ``composer.py``)              |

Parsed keys are cached (``functools.lru_cache``), so repeated comparisons of the
same strings cost a dictionary look-up each.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cmp_to_key, lru_cache
from typing import Any

from . import apk, composer, dpkg, maven, pep440, rpm, rubygems, semver
from ._base import UnparsableVersion

__all__ = [
    "SCHEMES",
    "UnknownEcosystem",
    "UnparsableVersion",
    "check",
    "compare",
    "compare_semver",
    "ecosystem_base",
    "scheme_for",
    "semver_key",
    "sort_key",
]


class UnknownEcosystem(ValueError):
    """An ecosystem whose versions we cannot order."""

    def __init__(self, ecosystem: str) -> None:
        self.ecosystem = ecosystem
        super().__init__(f"unknown ecosystem {ecosystem!r}")


def _nuget(a: str, b: str) -> int:
    return semver.compare(a, b, fold_case=True)


SCHEMES: dict[str, Callable[[str, str], int]] = {
    "dpkg": dpkg.compare,
    "rpm": rpm.compare,
    "apk": apk.compare,
    "pep440": pep440.compare,
    "semver": semver.compare,
    "nuget": _nuget,
    "maven": maven.compare,
    "rubygems": rubygems.compare,
    "composer": composer.compare,
}

_ECOSYSTEMS = {
    "Debian": "dpkg",
    "Ubuntu": "dpkg",
    "Red Hat": "rpm",
    "AlmaLinux": "rpm",
    "Rocky Linux": "rpm",
    "openSUSE": "rpm",
    "SUSE": "rpm",
    "Mageia": "rpm",
    "openEuler": "rpm",
    "Photon OS": "rpm",
    "Alpine": "apk",
    "Wolfi": "apk",
    "Chainguard": "apk",
    "PyPI": "pep440",
    "npm": "semver",
    "crates.io": "semver",
    "Go": "semver",
    "Hex": "semver",
    "Pub": "semver",
    "NuGet": "nuget",
    "Maven": "maven",
    "RubyGems": "rubygems",
    "Packagist": "composer",
}


def ecosystem_base(ecosystem: str) -> str:
    """``"Debian:12"`` -> ``"Debian"``; ``"Maven:https://..."`` -> ``"Maven"``."""
    return ecosystem.split(":", 1)[0].strip()


def scheme_for(ecosystem: str) -> str:
    """The name of the ordering used by an OSV ecosystem; raises UnknownEcosystem."""
    try:
        return _ECOSYSTEMS[ecosystem_base(ecosystem)]
    except KeyError:
        raise UnknownEcosystem(ecosystem) from None


def compare(ecosystem: str, a: str, b: str) -> int:
    """-1, 0 or 1 as a sorts before, with or after b in `ecosystem`.

    Raises UnknownEcosystem, or UnparsableVersion naming the version at fault.
    """
    return SCHEMES[scheme_for(ecosystem)](a, b)


def compare_semver(a: str, b: str) -> int:
    """SemVer 2.0.0 precedence, for OSV ``SEMVER`` ranges whatever the ecosystem."""
    return semver.compare(a, b)


def check(ecosystem: str, version: str) -> None:
    """Raise UnknownEcosystem or UnparsableVersion unless `version` can be ordered."""
    SCHEMES[scheme_for(ecosystem)](version, version)


def _nuget_key(v: str) -> Any:
    return semver.key(v, fold_case=True)


_KEYS: dict[str, Callable[[str], Any]] = {
    "dpkg": dpkg.key,
    "rpm": rpm.key,
    "pep440": pep440.parse,
    "semver": semver.key,
    "nuget": _nuget_key,
    "composer": composer.key,
    # orders that no plain tuple captures: keys that call the comparator
    "apk": cmp_to_key(apk.compare),
    "maven": cmp_to_key(maven.compare),
    "rubygems": cmp_to_key(rubygems.compare),
}


@lru_cache(maxsize=262144)
def sort_key(ecosystem: str, version: str) -> Any:
    """A key ordering versions of `ecosystem` as `compare` does (for sorting, bisecting).

    Keys of the same ecosystem compare with ``<``/``==``; raises like `compare`.
    """
    scheme = scheme_for(ecosystem)
    k = _KEYS[scheme](version)
    if scheme in ("apk", "maven", "rubygems"):
        SCHEMES[scheme](version, version)  # raise UnparsableVersion now, not on first use
    return k


def semver_key(version: str) -> Any:
    """A SemVer 2.0.0 precedence key, for OSV SEMVER ranges."""
    return semver.key(version)
