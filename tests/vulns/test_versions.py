"""Each comparator against published test vectors (files in vectors/, sources named there)."""

from __future__ import annotations

import itertools
import re
from pathlib import Path

import pytest

from app.vulns.versions import (
    UnknownEcosystem,
    UnparsableVersion,
    check,
    compare,
    compare_semver,
    scheme_for,
)

VECTORS = Path(__file__).parent / "vectors"
_LINE = re.compile(r"(.*?) ([<=>]) (.*)")
_SIGN = {"<": -1, "=": 0, ">": 1}


def _data_lines(name: str) -> list[str]:
    out = []
    for raw in (VECTORS / name).read_text().splitlines():
        line = raw.split("\t", 1)[0]  # apk's data has tab-separated comments
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        out.append(line)
    return out


def pairs(name: str) -> list[tuple[str, str, int]]:
    out = []
    for line in _data_lines(name):
        m = _LINE.fullmatch(line)
        assert m, f"{name}: bad vector line {line!r}"
        out.append((m.group(1), m.group(3), _SIGN[m.group(2)]))
    return out


def ordered(name: str) -> list[tuple[str, str, int]]:
    """Pairs from ascending lists; blocks split by blank lines, ' == ' joins equals."""
    blocks: list[list[list[str]]] = [[]]
    for raw in (VECTORS / name).read_text().splitlines():
        if raw.lstrip().startswith("#"):
            continue
        if not raw.strip():
            if blocks[-1]:
                blocks.append([])
            continue
        blocks[-1].append(raw.strip().split(" == "))
    out = []
    for block in blocks:
        for i, j in itertools.combinations_with_replacement(range(len(block)), 2):
            for a in block[i]:
                for b in block[j]:
                    out.append((a, b, 0 if i == j else -1))
    return out


def invalid(name: str) -> list[str]:
    out = []
    for line in _data_lines(name):
        out.append("" if line == "<empty>" else line.encode().decode("unicode_escape"))
    return out


def _check(ecosystem: str, a: str, b: str, want: int) -> None:
    got = compare(ecosystem, a, b)
    assert got == want, f"compare({ecosystem!r}, {a!r}, {b!r}) = {got}, want {want}"
    back = compare(ecosystem, b, a)
    assert back == -want, f"antisymmetry: compare({ecosystem!r}, {b!r}, {a!r}) = {back}"


CASES = {
    "Debian:12": pairs("dpkg.txt"),
    "Red Hat": pairs("rpm.txt") + pairs("rpm_evr.txt"),
    "Alpine:v3.18": pairs("apk.txt"),
    "PyPI": ordered("pep440_order.txt") + pairs("pep440.txt"),
    "npm": ordered("semver_order.txt") + pairs("semver.txt"),
    "Go": ordered("go_order.txt"),
    "Maven": ordered("maven_order.txt") + pairs("maven.txt"),
    "RubyGems": pairs("rubygems.txt"),
    "Packagist": pairs("composer.txt"),
    "NuGet": pairs("nuget.txt"),
}


@pytest.mark.parametrize(
    ("ecosystem", "a", "b", "want"),
    [(eco, a, b, want) for eco, cases in CASES.items() for a, b, want in cases],
)
def test_published_vectors(ecosystem: str, a: str, b: str, want: int) -> None:
    _check(ecosystem, a, b, want)


def test_vector_counts() -> None:
    """Hundreds of pairs wherever a published set exists."""
    counts = {eco: len(c) for eco, c in CASES.items()}
    assert counts["Alpine:v3.18"] >= 700
    assert counts["PyPI"] >= 4000
    assert counts["Maven"] >= 500
    assert counts["Red Hat"] >= 90
    assert counts["Debian:12"] >= 60


@pytest.mark.parametrize(
    ("ecosystem", "version"),
    [("Debian", v) for v in invalid("dpkg_invalid.txt")]
    + [("PyPI", v) for v in invalid("pep440_invalid.txt")]
    + [("npm", v) for v in invalid("semver_invalid.txt")]
    + [("Go", v) for v in invalid("semver_invalid.txt")]
    + [("RubyGems", v) for v in invalid("rubygems_invalid.txt")]
    + [("Alpine", v) for v in ("", "r1", "abc")]
    + [("Red Hat", v) for v in ("", "x:1.0", "-1")]
    + [("Maven", "")]
    + [("Packagist", v) for v in ("dev-main", "1.x-dev", "")],
)
def test_unparsable(ecosystem: str, version: str) -> None:
    with pytest.raises(UnparsableVersion) as e:
        compare(ecosystem, version, version)
    assert repr(version) in str(e.value)
    with pytest.raises(UnparsableVersion):
        check(ecosystem, version)


@pytest.mark.parametrize(
    ("ecosystem", "scheme"),
    [
        ("Debian:12", "dpkg"), ("Ubuntu:22.04:LTS", "dpkg"),
        ("Red Hat:rhel_aus:8.4::appstream", "rpm"),
        ("AlmaLinux:9", "rpm"), ("Rocky Linux:9", "rpm"), ("Alpine:v3.18", "apk"),
        ("PyPI", "pep440"), ("npm", "semver"), ("crates.io", "semver"), ("Go", "semver"),
        ("NuGet", "nuget"), ("Maven", "maven"), ("Maven:https://maven.google.com", "maven"),
        ("RubyGems", "rubygems"), ("Packagist", "composer"),
    ],
)
def test_scheme_for(ecosystem: str, scheme: str) -> None:
    assert scheme_for(ecosystem) == scheme


def test_unknown_ecosystem() -> None:
    with pytest.raises(UnknownEcosystem, match="'Hackage'"):
        compare("Hackage", "1", "2")


def test_semver_ranges_ignore_the_ecosystem() -> None:
    assert compare_semver("1.0.0-rc.1", "1.0.0") == -1
    assert compare_semver("1.2.10", "1.2.9") == 1


def test_dpkg_revision_and_epoch_precedence() -> None:
    # epoch beats everything; upstream beats revision; '~' sorts before the end
    assert compare("Debian", "1:0.1-1", "9.9-9") == 1
    assert compare("Debian", "1.2-10", "1.2.1-1") == -1
    assert compare("Debian", "1.2~beta1-1", "1.2-1") == -1
    assert compare("Ubuntu", "2.34-0ubuntu3.2", "2.34-0ubuntu3.10") == -1
    assert compare("Debian", "3.0.11-1~deb12u2", "3.0.11-1") == -1


@pytest.mark.parametrize("ecosystem", list(CASES))
def test_sort_keys_agree_with_compare(ecosystem: str) -> None:
    """sort_key orders every vector pair as compare does (the matcher relies on keys)."""
    from app.vulns.versions import sort_key

    wrong = []
    for a, b, want in CASES[ecosystem]:
        ka, kb = sort_key(ecosystem, a), sort_key(ecosystem, b)
        got = -1 if ka < kb else (1 if kb < ka else 0)
        if got != want or (want == 0) != (ka == kb):
            wrong.append((a, b, want, got))
    assert wrong == []


@pytest.mark.parametrize("ecosystem", ["Debian:12", "Red Hat", "PyPI", "npm", "Go", "NuGet",
                                       "Packagist"])
def test_tuple_keys_agree_with_compare_on_every_pair(ecosystem: str) -> None:
    """Beyond the vector pairs: every pair of the versions the vectors mention."""
    from app.vulns.versions import sort_key

    versions = sorted({v for a, b, _ in CASES[ecosystem] for v in (a, b)})
    wrong = []
    for a in versions:
        for b in versions:
            ka, kb = sort_key(ecosystem, a), sort_key(ecosystem, b)
            got = -1 if ka < kb else (1 if kb < ka else 0)
            if got != compare(ecosystem, a, b):
                wrong.append((a, b))
    assert wrong == []
