"""The rpm database's older formats on real files: Berkeley DB `Packages` written by Berkeley
DB itself (Debian's db5.3_load), ndb `Packages.db` written here byte for byte as rpm's
rpmpkg.c does (Debian's rpm is built without ndb), headers made by `rpm_header` and by
real rpmbuild packages installed with rpm; the catalog is checked against rpm's own `-qa`
(Debian's rpm reads Berkeley DB read-only), and every way a file can be broken is a warning
naming the file and the damage, never a failed analysis."""

from __future__ import annotations

import os
import shutil
import sqlite3
import struct
import subprocess
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from app.analysis import ImageAnalysis, PackageFileRecord, PackageRecord, analyze
from tests.analysis.builders import D, E, F, S, docker_archive, rpm_header, rpmdb

CENTOS_7 = ('NAME="CentOS Linux"\nVERSION="7 (Core)"\nID="centos"\nID_LIKE="rhel fedora"\n'
            'VERSION_ID="7"\n')
LEAP_15 = 'NAME="openSUSE Leap"\nVERSION="15.5"\nID="opensuse-leap"\nVERSION_ID="15.5"\n'
SITE = "usr/lib/python3.6/site-packages"
SIX = F(f"{SITE}/six-1.9.0.dist-info/METADATA",
        "Metadata-Version: 2.1\nName: six\nVersion: 1.9.0\n")
QUERY = "%{NAME} %{EPOCHNUM}:%{VERSION}-%{RELEASE}\n"


def need(tool: str, apt_package: str) -> None:
    """Skip (fail under CI, which installs it) when a tool is missing."""
    if shutil.which(tool) is None:
        message = f"{tool} not installed (apt-get install {apt_package})"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)


# -- headers ---------------------------------------------------------------------------------

@dataclass(frozen=True)
class Pkg:
    name: str
    version: str
    release: str
    epoch: int | None = None
    license: str | None = "GPLv2+"
    srpm: str | None = None
    files: tuple[tuple[str, str, int, int, bool], ...] = ()  # path, sha256, mode, size, config

    def header(self) -> bytes:
        tags: dict[int, tuple[int, object]] = {
            1000: (6, self.name), 1001: (6, self.version), 1002: (6, self.release),
            1022: (6, "x86_64")}
        if self.license:
            tags[1014] = (6, self.license)
        if self.epoch is not None:
            tags[1003] = (4, [self.epoch])
        if self.srpm:
            tags[1044] = (6, self.srpm)
        if self.files:
            dirs = sorted({path.rsplit("/", 1)[0] + "/" for path, *_ in self.files})
            tags.update({
                1117: (8, [path.rsplit("/", 1)[1] for path, *_ in self.files]),
                1118: (8, dirs),
                1116: (4, [dirs.index(path.rsplit("/", 1)[0] + "/") for path, *_ in self.files]),
                1035: (8, [digest for _, digest, *_ in self.files]),
                1030: (3, [mode for _, _, mode, _, _ in self.files]),
                1028: (4, [size for *_, size, _ in self.files]),
                1037: (4, [int(config) for *_, config in self.files]),
                5011: (4, [8])})
        return rpm_header(tags)

    @property
    def full_version(self) -> str:
        evr = f"{self.version}-{self.release}"
        return f"{self.epoch}:{evr}" if self.epoch is not None else evr

    def file_records(self) -> tuple[PackageFileRecord, ...]:
        return tuple(PackageFileRecord(path=path, digest=digest, digest_algorithm="sha256",
                                       mode=mode, size=size, is_config=config)
                     for path, digest, mode, size, config in self.files)


BASH = Pkg("bash", "4.2.46", "35.el7_9", srpm="bash-4.2.46-35.el7_9.src.rpm",
           license="GPLv3+", files=(("/usr/bin/bash", "ab" * 32, 0o100755, 964536, False),
                                    ("/etc/skel/.bashrc", "cd" * 32, 0o100644, 231, True)))
OPENSSL = Pkg("openssl-libs", "1.0.2k", "26.el7_9", epoch=1, license="OpenSSL",
              srpm="openssl-1.0.2k-26.el7_9.src.rpm")
# 60 files: a header of several kilobytes, on a chain of overflow pages
KERNEL_HEADERS = Pkg(
    "kernel-headers", "3.10.0", "1160.119.1.el7", srpm="kernel-3.10.0-1160.119.1.el7.src.rpm",
    files=tuple((f"/usr/include/linux/header_{i:02}.h", f"{i:064x}", 0o100644, 1000 + i, False)
                for i in range(60)))
FILLERS = tuple(Pkg(f"perl-Module-{i:02}", f"1.{i}", "3.el7", srpm=f"perl-Module-{i:02}-1.{i}-3.el7"
                    ".src.rpm") for i in range(60))
# headers of under a quarter page: kept on the bucket pages, which then chain
TINY = tuple(Pkg(f"t{i:02}", "1", "1", license=None) for i in range(40))
PUBKEY = Pkg("gpg-pubkey", "f4a80eb5", "53a7ff4b", license="pubkey")


def _rpm(result: ImageAnalysis) -> dict[str, PackageRecord]:
    packages = [p for p in result.packages if p.type == "rpm"]
    by_name = {p.name: p for p in packages}
    assert len(by_name) == len(packages), "a package was cataloged twice"
    return by_name


def _evrs(result: ImageAnalysis) -> set[str]:
    """Our rpm packages as rpm's `-qa --qf QUERY` prints them."""
    return {f"{p.name} {p.version if ':' in p.version else '0:' + p.version}"
            for p in result.packages if p.type == "rpm"}


# -- Berkeley DB files, written by Berkeley DB -------------------------------------------------

def bdb_file(tmp_path: Path, values: list[bytes], *, page_size: int = 512,
             method: str = "hash", key_order: str = "<", options: tuple[str, ...] = ()) -> bytes:
    """A real Berkeley DB database as rpm keeps `Packages`: header number (4 bytes, the
    writer's byte order) -> header blob, with number 0 holding the next free number."""
    need("db5.3_load", "db5.3-util")
    records = [(0, struct.pack(key_order + "I", len(values) + 1)), *enumerate(values, 1)]
    lines = ["VERSION=3", "format=bytevalue", f"type={method}", f"db_pagesize={page_size}",
             "HEADER=END"]
    for number, value in records:
        lines += [" " + struct.pack(key_order + "I", number).hex(), " " + value.hex()]
    lines.append("DATA=END")
    work = Path(tmp_path) / f"bdb-{len(list(Path(tmp_path).glob('bdb-*')))}"
    work.mkdir()
    (work / "dump").write_text("\n".join(lines) + "\n")
    flags = [arg for option in options for arg in ("-c", option)]
    subprocess.run(["db5.3_load", *flags, "-f", str(work / "dump"), str(work / "Packages")],
                   check=True, capture_output=True)
    return (work / "Packages").read_bytes()


def db_stat(tmp_path: Path, data: bytes) -> dict[str, int]:
    """Berkeley DB's own statistics of a database (db5.3_stat -d)."""
    path = Path(tmp_path) / "stat.db"
    path.write_bytes(data)
    out = subprocess.run(["db5.3_stat", "-d", str(path)], check=True, capture_output=True,
                         text=True).stdout
    stats = {}
    for line in out.splitlines():
        value, _, name = line.strip().partition("\t")
        if value.isdigit():
            stats[name] = int(value)
    return stats


def _u16(data: bytes, at: int) -> int:
    return int(struct.unpack_from("<H", data, at)[0])


def _u32(data: bytes, at: int) -> int:
    return int(struct.unpack_from("<I", data, at)[0])


def _patch(data: bytes, at: int, fmt: str, value: int) -> bytes:
    out = bytearray(data)
    struct.pack_into(fmt, out, at, value)
    return bytes(out)


@dataclass(frozen=True)
class Offpage:
    """An H_OFFPAGE item of a little-endian hash database, found by the page layout."""

    page: int
    index: int
    at: int  # the item's byte in the file
    first: int  # its first overflow page
    length: int


def _offpages(data: bytes) -> list[Offpage]:
    page_size, last = _u32(data, 20), _u32(data, 32)
    found = []
    for pgno in range(1, last + 1):
        base = pgno * page_size
        if data[base + 25] != 13:  # P_HASH
            continue
        for i in range(_u16(data, base + 20)):
            at = base + _u16(data, base + 26 + 2 * i)
            if data[at] == 3:  # H_OFFPAGE
                found.append(Offpage(pgno, i, at, _u32(data, at + 4), _u32(data, at + 8)))
    return found


def _image(tmp_path: Path, layers: list[list[E]], name: str = "img.tar") -> tuple[
        ImageAnalysis, list[str]]:
    built = docker_archive(str(tmp_path / name), layers)
    return analyze(built.path), built.layers


def test_rpm_berkeley_db(tmp_path: Path) -> None:
    first = [BASH, PUBKEY, *FILLERS, *TINY]
    second = [*first, OPENSSL, KERNEL_HEADERS]
    old = bdb_file(tmp_path, [p.header() for p in first])
    new = bdb_file(tmp_path, [p.header() for p in second])
    stats = db_stat(tmp_path, new)
    assert stats["Number of hash buckets"] > 4 and stats["Number of overflow pages"] > 4
    assert stats["Number of bucket overflow pages"] > 0
    assert len(KERNEL_HEADERS.header()) > 4 * 512
    result, layers = _image(tmp_path, [
        [F("etc/os-release", CENTOS_7), F("var/lib/rpm/Packages", old)],
        [F("var/lib/rpm/Packages", new)]])
    assert result.warnings == ()
    assert result.distro is not None and (result.distro.id, result.distro.version_id) == (
        "centos", "7")
    rpm = _rpm(result)
    assert sorted(rpm) == sorted(p.name for p in second if p is not PUBKEY)
    for pkg in [*second[2:], BASH]:
        got = rpm[pkg.name]
        assert (got.version, got.release, got.source, got.licenses, got.architecture,
                got.location) == (pkg.full_version, pkg.release, pkg.srpm.rsplit("-", 2)[0]
                                  if pkg.srpm else None,
                                  (pkg.license,) if pkg.license else (), "x86_64",
                                  "/var/lib/rpm/Packages")
        assert got.files == pkg.file_records()
        assert got.layer == (layers[1] if pkg in (OPENSSL, KERNEL_HEADERS) else layers[0])
    assert rpm["openssl-libs"].source == "openssl"
    assert rpm["openssl-libs"].purl == ("pkg:rpm/centos/openssl-libs@1.0.2k-26.el7_9?arch=x86_64"
                                        "&distro=centos-7&epoch=1")
    assert rpm["kernel-headers"].source == "kernel" and len(rpm["kernel-headers"].files) == 60
    assert rpm["bash"].files[1].is_config


@pytest.mark.parametrize(("options", "key_order"), [
    (("db_lorder=4321",), ">"),  # written on a big-endian machine
    (("chksum=1",), "<"),  # checksummed pages: 6 more bytes of page header
    (("db_pagesize=65536",), "<"),  # the largest pages: no overflow at all
])
def test_rpm_berkeley_db_variants(tmp_path: Path, options: tuple[str, ...],
                                  key_order: str) -> None:
    packages = [BASH, OPENSSL, KERNEL_HEADERS, *FILLERS[:20]]
    data = bdb_file(tmp_path, [p.header() for p in packages], key_order=key_order,
                    options=options)
    result, _ = _image(tmp_path, [[F("etc/os-release", CENTOS_7),
                                   F("usr/lib/sysimage/rpm/Packages", data)]])
    assert result.warnings == ()
    rpm = _rpm(result)
    assert {(n, p.version) for n, p in rpm.items()} == {(p.name, p.full_version)
                                                       for p in packages}
    assert rpm["kernel-headers"].files == KERNEL_HEADERS.file_records()


def test_rpm_berkeley_db_unsorted_hash_pages(tmp_path: Path) -> None:
    """Bucket pages written before Berkeley DB 4.6 (P_HASH_UNSORTED) read the same."""
    packages = [BASH, OPENSSL, KERNEL_HEADERS, *FILLERS]
    data = bytearray(bdb_file(tmp_path, [p.header() for p in packages]))
    for base in range(512, len(data), 512):
        if data[base + 25] == 13:
            data[base + 25] = 2
    result, _ = _image(tmp_path, [[F("var/lib/rpm/Packages", bytes(data))]])
    assert result.warnings == ()
    assert set(_rpm(result)) == {p.name for p in packages}


# -- rpm itself: real packages and rpm's reading of the same databases --------------------------

SPECS = {
    "hello-demo": """Name: hello-demo
Version: 2.1
Release: 3.el7
Epoch: 4
Summary: demo
License: MIT
BuildArch: noarch
%description
demo
%package extras
Summary: extras
%description extras
extras
%install
mkdir -p %{buildroot}/usr/share/hello %{buildroot}/etc
echo hi > %{buildroot}/usr/share/hello/greeting
echo conf > %{buildroot}/etc/hello.conf
echo x > %{buildroot}/usr/share/hello/extra
%files
/usr/share/hello/greeting
%config /etc/hello.conf
%files extras
/usr/share/hello/extra
""",
    "tiny-tool": """Name: tiny-tool
Version: 0.9.1
Release: 1
Summary: tool
License: BSD
BuildArch: noarch
%description
tool
%install
mkdir -p %{buildroot}/usr/bin
printf '#!/bin/sh\\necho tiny\\n' > %{buildroot}/usr/bin/tiny
chmod 755 %{buildroot}/usr/bin/tiny
%files
/usr/bin/tiny
""",
}


@dataclass(frozen=True)
class RealRpmdb:
    headers: list[bytes]  # as rpm wrote them into its database, in header-number order
    query: set[str]  # rpm -qa over that database


def rpm_qa(dbpath: Path, backend: str, query: str = QUERY) -> set[str]:
    out = subprocess.run(["rpm", "--dbpath", str(dbpath), "--define", f"_db_backend {backend}",
                          "-qa", "--qf", query], check=True, capture_output=True, text=True)
    return {line for line in out.stdout.splitlines() if not line.startswith("gpg-pubkey ")}


@pytest.fixture(scope="module")
def real_rpmdb(tmp_path_factory: pytest.TempPathFactory) -> RealRpmdb:
    """Packages built with rpmbuild and installed (--justdb) by rpm into an rpmdb.sqlite."""
    need("rpmbuild", "rpm")
    need("rpm", "rpm")
    root = tmp_path_factory.mktemp("rpmbuild")
    env = {**os.environ, "HOME": str(root)}  # no ~/.rpmmacros of the machine
    for name, spec in SPECS.items():
        (root / f"{name}.spec").write_text(spec)
        subprocess.run(["rpmbuild", "--define", f"_topdir {root / 'top'}",
                        "--define", f"_tmppath {root / 'tmp'}", "-bb", str(root / f"{name}.spec")],
                       check=True, capture_output=True, env=env)
    packages = sorted(str(p) for p in (root / "top" / "RPMS").rglob("*.rpm"))
    assert len(packages) == 3
    (root / "db").mkdir()
    subprocess.run(["rpm", "--dbpath", str(root / "db"), "-i", "--justdb", "--nodeps",
                    "--noscripts", *packages], check=True, capture_output=True, env=env)
    conn = sqlite3.connect(root / "db" / "rpmdb.sqlite")
    rows = conn.execute("SELECT blob FROM Packages ORDER BY hnum").fetchall()
    conn.close()
    return RealRpmdb([bytes(blob) for (blob,) in rows], rpm_qa(root / "db", "sqlite"))


@pytest.mark.parametrize(("key_order", "options"), [("<", ()), (">", ("db_lorder=4321",))],
                         ids=["little-endian", "big-endian"])
def test_rpm_berkeley_db_agrees_with_rpm(tmp_path: Path, real_rpmdb: RealRpmdb, key_order: str,
                                         options: tuple[str, ...]) -> None:
    headers = [*real_rpmdb.headers, *(p.header() for p in (BASH, PUBKEY, OPENSSL,
                                                           KERNEL_HEADERS, *FILLERS, *TINY))]
    dbpath = tmp_path / "rpmdb"
    dbpath.mkdir()
    (dbpath / "Packages").write_bytes(bdb_file(tmp_path, headers, key_order=key_order,
                                               options=options))
    theirs = rpm_qa(dbpath, "bdb_ro")
    assert real_rpmdb.query <= theirs and len(theirs) == 3 + 3 + 60 + 40
    result, _ = _image(tmp_path, [[F("etc/os-release", CENTOS_7),
                                   F("var/lib/rpm/Packages", (dbpath / "Packages").read_bytes())]])
    assert result.warnings == ()
    assert _evrs(result) == theirs
    # rpm lists the files of complete headers only: those rpmbuild made
    real = ("hello-demo", "hello-demo-extras", "tiny-tool")
    files = rpm_qa(dbpath, "bdb_ro", "[%{=NAME} %{FILENAMES}\n]")
    assert {line for line in files if line.split()[0] in real} == {
        f"{p.name} {f.path}" for p in result.packages if p.name in real for f in p.files}
    hello = _rpm(result)["hello-demo"]
    assert (hello.version, hello.source, hello.licenses) == ("4:2.1-3.el7", "hello-demo",
                                                             ("MIT",))
    assert [(f.path, f.is_config) for f in hello.files] == [("/etc/hello.conf", True),
                                                            ("/usr/share/hello/greeting", False)]


def test_rpm_ndb_agrees_with_rpm(tmp_path: Path, real_rpmdb: RealRpmdb) -> None:
    """rpm cannot read ndb here; the same blobs in Berkeley DB are what rpm reads."""
    headers = [*real_rpmdb.headers, *(p.header() for p in (BASH, PUBKEY, OPENSSL,
                                                           KERNEL_HEADERS))]
    dbpath = tmp_path / "rpmdb"
    dbpath.mkdir()
    (dbpath / "Packages").write_bytes(bdb_file(tmp_path, headers))
    result, _ = _image(tmp_path, [[F("etc/os-release", LEAP_15),
                                   F("usr/lib/sysimage/rpm/Packages.db", ndb_file(headers))]])
    assert result.warnings == ()
    assert _evrs(result) == rpm_qa(dbpath, "bdb_ro")
    assert real_rpmdb.query <= _evrs(result)


# -- ndb files, laid out as rpm's rpmpkg.c writes them -------------------------------------------

def ndb_file(blobs: list[bytes | None], *, timestamp: int = 1_700_000_000) -> bytes:
    """An ndb Packages.db: blob i (package i + 1) in slot i + 2, None being a free slot
    (a removed package); blobs follow the slot pages in slot order."""
    slot_pages = -(-(len(blobs) + 2) // 256)
    block = slot_pages * 4096 // 16
    slots, blob_area = bytearray(), bytearray()
    for i, blob in enumerate(blobs):
        if blob is None:
            slots += b"Slot" + bytes(12)
            continue
        blocks = -(-(16 + len(blob) + 12) // 16)
        head = b"BlbS" + struct.pack("<III", i + 1, timestamp, len(blob))
        padded = head + blob + bytes(blocks * 16 - 16 - len(blob) - 12)
        blob_area += padded + struct.pack("<II", zlib.adler32(padded), len(blob)) + b"BlbE"
        slots += b"Slot" + struct.pack("<III", i + 1, block, blocks)
        block += blocks
    header = b"RpmP" + struct.pack("<IIII", 0, 2 * len(blobs) + 1, slot_pages, len(blobs) + 1)
    slot_area = header.ljust(32, b"\0") + slots
    while len(slot_area) < slot_pages * 4096:
        slot_area += b"Slot" + bytes(12)
    return bytes(slot_area + blob_area)


def test_rpm_ndb(tmp_path: Path) -> None:
    removed = Pkg("vim-minimal", "9.0", "1.1")
    first: list[Pkg | None] = [BASH, PUBKEY, removed, *FILLERS[:10]]
    # a second slot page: more than 254 packages
    many = tuple(Pkg(f"lib{i:03}", "1.0", f"{i}.1") for i in range(260))
    second = [BASH, PUBKEY, None, *FILLERS[:10], OPENSSL, KERNEL_HEADERS, *many]
    old = ndb_file([p.header() if p else None for p in first])
    new = ndb_file([p.header() if p else None for p in second])
    assert _u32(new, 12) == 2
    result, layers = _image(tmp_path, [
        [F("etc/os-release", LEAP_15), F("usr/lib/sysimage/rpm/Packages.db", old)],
        [F("usr/lib/sysimage/rpm/Packages.db", new)]])
    assert result.warnings == ()
    rpm = _rpm(result)
    assert sorted(rpm) == sorted(p.name for p in second if p is not None and p is not PUBKEY)
    for pkg in (BASH, OPENSSL, KERNEL_HEADERS, FILLERS[3], many[-1]):
        got = rpm[pkg.name]
        assert (got.version, got.release, got.location) == (
            pkg.full_version, pkg.release, "/usr/lib/sysimage/rpm/Packages.db")
        assert got.files == pkg.file_records()
    assert (rpm["bash"].layer, rpm["openssl-libs"].layer, rpm["lib259"].layer) == (
        layers[0], layers[1], layers[1])
    assert rpm["openssl-libs"].purl == ("pkg:rpm/opensuse-leap/openssl-libs@1.0.2k-26.el7_9?"
                                        "arch=x86_64&distro=opensuse-leap-15.5&epoch=1")


# -- which database, where -------------------------------------------------------------------------

def test_the_newest_rpm_database_format_is_read(tmp_path: Path) -> None:
    """sqlite, then ndb, then Berkeley DB: an older file beside a newer one is a leftover."""
    sqlite = F("var/lib/rpm/rpmdb.sqlite", rpmdb([BASH.header()]))
    ndb = F("usr/lib/sysimage/rpm/Packages.db", ndb_file([OPENSSL.header()]))
    bdb = F("var/lib/rpm/Packages", bdb_file(tmp_path, [KERNEL_HEADERS.header()]))
    cases = [([sqlite, ndb, bdb], {"bash"}), ([ndb, bdb], {"openssl-libs"}),
             ([bdb], {"kernel-headers"})]
    for i, (files, expected) in enumerate(cases):
        result, _ = _image(tmp_path, [[F("etc/os-release", CENTOS_7), *files]], f"{i}.tar")
        assert result.warnings == ()
        assert set(_rpm(result)) == expected


def test_rpm_database_behind_a_directory_link_is_read_once(tmp_path: Path) -> None:
    """/var/lib/rpm -> ../../usr/lib/sysimage/rpm (SUSE): both names are one file."""
    db = ndb_file([BASH.header(), OPENSSL.header()])
    layers = [[D("usr/lib/sysimage/rpm"), D("var/lib"),
               S("var/lib/rpm", "../../usr/lib/sysimage/rpm"),
               F("usr/lib/sysimage/rpm/Packages.db", db)]]
    result, _ = _image(tmp_path, layers)
    assert result.warnings == ()
    assert {p.location for p in _rpm(result).values()} == {"/usr/lib/sysimage/rpm/Packages.db"}


# -- damaged files: a warning naming the file and the damage, and the analysis goes on ------------

BDB = "var/lib/rpm/Packages"
NDB = "usr/lib/sysimage/rpm/Packages.db"
SAMPLE = [BASH, OPENSSL, KERNEL_HEADERS, *FILLERS[:30]]


def _bdb(tmp_path: Path) -> bytes:
    return bdb_file(tmp_path, [p.header() for p in SAMPLE])


def _big_item(data: bytes) -> Offpage:
    """The overflow item of kernel-headers: a chain of several pages."""
    return next(o for o in _offpages(data) if o.length == len(KERNEL_HEADERS.header()))


def _bucket0(data: bytes) -> int:
    return _u32(data, 96)  # spares[0]: bucket 0's page


def case_bdb_zeros(tmp_path: Path) -> tuple[str, bytes, str]:
    return BDB, bytes(64), "not a Berkeley DB database (no hash magic at byte 12)"


def case_bdb_metadata_cut(tmp_path: Path) -> tuple[str, bytes, str]:
    return (BDB, _bdb(tmp_path)[:300],
            "the file is 300 bytes, cut off inside the 512-byte metadata page")


def case_bdb_truncated(tmp_path: Path) -> tuple[str, bytes, str]:
    data = _bdb(tmp_path)
    last, cut = _u32(data, 32), len(data) - 412
    assert len(data) == (last + 1) * 512
    return BDB, data[:cut], f"page {last} is cut off: the file ends at byte {cut}"


def case_bdb_btree(tmp_path: Path) -> tuple[str, bytes, str]:
    data = bdb_file(tmp_path, [p.header() for p in SAMPLE], method="btree")
    return BDB, data, "a Berkeley DB btree database, not a hash database"


def case_bdb_overflow_past_the_end(tmp_path: Path) -> tuple[str, bytes, str]:
    data = _bdb(tmp_path)
    item, last = _big_item(data), _u32(data, 32)
    return (BDB, _patch(data, item.at + 4, "<I", last + 7),
            f"the overflow chain of item {item.index} on page {item.page} names page "
            f"{last + 7}, but the database has pages 1 to {last}")


def case_bdb_overflow_loop(tmp_path: Path) -> tuple[str, bytes, str]:
    data = _bdb(tmp_path)
    item = _big_item(data)
    return (BDB, _patch(data, item.first * 512 + 16, "<I", item.first),
            f"the overflow chain of item {item.index} on page {item.page} loops back to page "
            f"{item.first}")


def case_bdb_overflow_too_short(tmp_path: Path) -> tuple[str, bytes, str]:
    data = _bdb(tmp_path)
    item = _big_item(data)
    return (BDB, _patch(data, item.at + 8, "<I", item.length + 1000),
            f"the overflow chain of item {item.index} on page {item.page} ends after "
            f"{item.length} of its {item.length + 1000} bytes")


def case_bdb_overflow_length_past_the_page(tmp_path: Path) -> tuple[str, bytes, str]:
    data = _bdb(tmp_path)
    item = _big_item(data)
    return (BDB, _patch(data, item.first * 512 + 22, "<H", 60000),
            f"overflow page {item.first} claims 60000 bytes, more than the page holds")


def case_bdb_bucket_loop(tmp_path: Path) -> tuple[str, bytes, str]:
    data = _bdb(tmp_path)
    page = _bucket0(data)
    return (BDB, _patch(data, page * 512 + 16, "<I", page),
            f"the chain of bucket 0 leads back to page {page}, already read")


def case_bdb_bad_page_number(tmp_path: Path) -> tuple[str, bytes, str]:
    data = _bdb(tmp_path)
    page = _bucket0(data)
    return BDB, _patch(data, page * 512 + 8, "<I", 9999), f"page {page} is marked as page 9999"


def case_bdb_item_outside_the_page(tmp_path: Path) -> tuple[str, bytes, str]:
    data = _bdb(tmp_path)
    page = _bucket0(data)
    return (BDB, _patch(data, page * 512 + 26, "<H", 3),
            f"page {page}: item 0 at offset 3 lies outside the page's item area")


def case_bdb_not_a_header(tmp_path: Path) -> tuple[str, bytes, str]:
    data = bdb_file(tmp_path, [BASH.header(), struct.pack(">ii", 5, 0)])
    return BDB, data, "header 2: header claims 5 entries and 0 data bytes in 8"


NDB_SAMPLE = [BASH.header(), OPENSSL.header(), KERNEL_HEADERS.header()]


def _blocks(blob: bytes) -> int:
    return -(-(16 + len(blob) + 12) // 16)


def case_ndb_short(tmp_path: Path) -> tuple[str, bytes, str]:
    return (NDB, ndb_file(NDB_SAMPLE)[:20],
            "the file is 20 bytes, shorter than the 32-byte ndb header")


def case_ndb_magic(tmp_path: Path) -> tuple[str, bytes, str]:
    return NDB, bytes(4096), "not an rpm ndb database (no RpmP magic)"


def case_ndb_slot_pages_past_the_end(tmp_path: Path) -> tuple[str, bytes, str]:
    data = _patch(ndb_file(NDB_SAMPLE), 12, "<I", 9)
    return (NDB, data, f"the file is cut off: {len(data)} bytes, but the header names 9 slot "
                       "pages (36864 bytes)")


def case_ndb_slot_magic(tmp_path: Path) -> tuple[str, bytes, str]:
    data = _patch(ndb_file(NDB_SAMPLE), 48, "<I", 0)
    return NDB, data, "slot 3 (byte 48) has no Slot magic"


def case_ndb_truncated(tmp_path: Path) -> tuple[str, bytes, str]:
    data = ndb_file(NDB_SAMPLE)[:-100]
    start = 256 + _blocks(NDB_SAMPLE[0]) + _blocks(NDB_SAMPLE[1])
    end = start + _blocks(NDB_SAMPLE[2]) - 1
    return (NDB, data, f"slot 4: the blob of package 3 (blocks {start} to {end}) runs past "
                       f"the end of the file ({len(data)} bytes)")


def case_ndb_blob_magic(tmp_path: Path) -> tuple[str, bytes, str]:
    data = _patch(ndb_file(NDB_SAMPLE), 4096, "<I", 0)
    return NDB, data, "the blob of package 1 at block 256 has no BlbS magic"


def case_ndb_checksum(tmp_path: Path) -> tuple[str, bytes, str]:
    data = bytearray(ndb_file(NDB_SAMPLE))
    data[4096 + 40] ^= 0xFF
    return NDB, bytes(data), "the blob of package 1 at block 256 fails its Adler-32 checksum"


def case_ndb_length(tmp_path: Path) -> tuple[str, bytes, str]:
    length = len(NDB_SAMPLE[0]) + 100
    data = _patch(ndb_file(NDB_SAMPLE), 4096 + 12, "<I", length)
    return (NDB, data, f"the blob of package 1 at block 256 is {length} bytes, which take "
                       f"{_blocks(b'x' * length)} blocks, not the slot's "
                       f"{_blocks(NDB_SAMPLE[0])}")


DAMAGED: list[Callable[[Path], tuple[str, bytes, str]]] = [
    case_bdb_zeros, case_bdb_metadata_cut, case_bdb_truncated, case_bdb_btree,
    case_bdb_overflow_past_the_end, case_bdb_overflow_loop, case_bdb_overflow_too_short,
    case_bdb_overflow_length_past_the_page, case_bdb_bucket_loop, case_bdb_bad_page_number,
    case_bdb_item_outside_the_page, case_bdb_not_a_header,
    case_ndb_short, case_ndb_magic, case_ndb_slot_pages_past_the_end, case_ndb_slot_magic,
    case_ndb_truncated, case_ndb_blob_magic, case_ndb_checksum, case_ndb_length,
]


@pytest.mark.parametrize("case", DAMAGED, ids=lambda c: c.__name__.removeprefix("case_"))
def test_a_damaged_rpm_database_is_a_warning(tmp_path: Path,
                                             case: Callable[[Path], tuple[str, bytes, str]]
                                             ) -> None:
    path, data, damage = case(tmp_path)
    kind = "Berkeley DB" if path == BDB else "ndb"
    result, _ = _image(tmp_path, [[F("etc/os-release", CENTOS_7), SIX, F(path, data)]])
    assert result.warnings == (f"/{path}: unreadable rpm {kind} database: {damage}",)
    assert _rpm(result) == {}
    assert [p.name for p in result.packages] == ["six"]  # the other catalogers went on
    assert result.distro is not None and result.distro.id == "centos"
