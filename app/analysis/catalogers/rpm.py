"""RPM packages from the rpm database in any of its three formats, newest first:

- sqlite (`rpmdb.sqlite`, RHEL 9 / Fedora 33+ / current SUSE), read with the standard
  library's sqlite3 from an in-memory copy;
- ndb (`Packages.db`, rpm 4.16+ on SUSE / openSUSE before sqlite), `rpmdb_ndb`;
- Berkeley DB hash (`Packages`, CentOS / RHEL ≤ 8, Amazon Linux 2, UBI 7/8), `rpmdb_bdb`.

Each value of each format is an rpm header (index entries + data store, big-endian), parsed
here. When an image has several formats, the newest is the one read: an older file beside
it is one left behind by a conversion. A database that cannot be read is a warning naming
the file and the reason, and no rpm packages come from it."""

from __future__ import annotations

import re
import sqlite3
import struct
from collections.abc import Callable, Iterable, Sequence
from typing import Any

from app.analysis.catalogers.base import CatalogContext, distro_qualifier, introduced_in, purl
from app.analysis.catalogers.rpmdb_bdb import BerkeleyDBError, open_hash
from app.analysis.catalogers.rpmdb_ndb import NdbError, ndb_blobs
from app.analysis.errors import AnalysisLimits
from app.analysis.filesystem import Capture, SnifferFactory
from app.analysis.model import PackageFileRecord, PackageRecord

SQLITE_DBS = ("/var/lib/rpm/rpmdb.sqlite", "/usr/lib/sysimage/rpm/rpmdb.sqlite")
BDB_DBS = ("/var/lib/rpm/Packages", "/usr/lib/sysimage/rpm/Packages")
NDB_DBS = ("/var/lib/rpm/Packages.db", "/usr/lib/sysimage/rpm/Packages.db")

NAME, VERSION, RELEASE, EPOCH, LICENSE, ARCH, SOURCERPM = 1000, 1001, 1002, 1003, 1014, 1022, 1044
FILESIZES, FILEMODES, FILEDIGESTS, FILEFLAGS = 1028, 1030, 1035, 1037
DIRINDEXES, BASENAMES, DIRNAMES, FILEDIGESTALGO, LONGFILESIZES = 1116, 1117, 1118, 5011, 5008
RPMFILE_CONFIG = 1
DIGEST_ALGOS = {1: "md5", 2: "sha1", 8: "sha256", 9: "sha384", 10: "sha512"}


class RpmHeaderError(ValueError):
    pass


def parse_header(blob: bytes) -> dict[int, Any]:
    """The tags of an rpm header blob as stored in the rpmdb (no lead, no header magic)."""
    if len(blob) < 8:
        raise RpmHeaderError("header shorter than 8 bytes")
    il, dl = struct.unpack(">ii", blob[:8])
    start = 8 + 16 * il
    if il < 0 or dl < 0 or start + dl > len(blob):
        raise RpmHeaderError(f"header claims {il} entries and {dl} data bytes in {len(blob)}")
    store = blob[start:start + dl]
    tags: dict[int, Any] = {}
    for i in range(il):
        tag, type_, offset, count = struct.unpack(">iiii", blob[8 + 16 * i: 24 + 16 * i])
        if offset < 0 or offset > dl or count < 0:
            raise RpmHeaderError(f"tag {tag}: bad offset {offset}")
        if type_ == 6:  # STRING
            end = store.find(b"\0", offset)
            tags[tag] = store[offset:end if end >= 0 else dl].decode("utf-8", "replace")
        elif type_ in (8, 9):  # STRING_ARRAY, I18NSTRING
            values, pos = [], offset
            for _ in range(count):
                end = store.find(b"\0", pos)
                if end < 0:
                    raise RpmHeaderError(f"tag {tag}: unterminated string")
                values.append(store[pos:end].decode("utf-8", "replace"))
                pos = end + 1
            tags[tag] = values
        elif type_ in (2, 3, 4, 5):  # INT8, INT16, INT32, INT64
            width = {2: 1, 3: 2, 4: 4, 5: 8}[type_]
            fmt = {1: "B", 2: "H", 4: "I", 8: "Q"}[width]
            if offset + width * count > dl:
                raise RpmHeaderError(f"tag {tag}: integers run past the data")
            tags[tag] = list(struct.unpack(f">{count}{fmt}", store[offset:offset + width * count]))
        elif type_ == 7:  # BIN
            tags[tag] = store[offset:offset + count]
    return tags


def _first(tags: dict[int, Any], tag: int) -> Any:
    v = tags.get(tag)
    return v[0] if isinstance(v, list) and v else v


def header_package(tags: dict[int, Any]) -> dict[str, Any]:
    epoch = _first(tags, EPOCH)
    version, release = str(tags.get(VERSION, "")), str(tags.get(RELEASE, ""))
    full = f"{version}-{release}" if release else version
    if epoch is not None:
        full = f"{epoch}:{full}"
    files: list[PackageFileRecord] = []
    basenames, dirnames = tags.get(BASENAMES) or [], tags.get(DIRNAMES) or []
    dirindexes = tags.get(DIRINDEXES) or []
    digests, modes = tags.get(FILEDIGESTS) or [], tags.get(FILEMODES) or []
    sizes = tags.get(LONGFILESIZES) or tags.get(FILESIZES) or []
    flags = tags.get(FILEFLAGS) or []
    algo = DIGEST_ALGOS.get(_first(tags, FILEDIGESTALGO) or 1, "md5")
    for i, base in enumerate(basenames):
        d = dirindexes[i] if i < len(dirindexes) else -1
        directory = dirnames[d] if 0 <= d < len(dirnames) else "/"
        digest = digests[i] if i < len(digests) and digests[i] else None
        files.append(PackageFileRecord(
            path=directory + base, digest=digest, digest_algorithm=algo if digest else None,
            mode=modes[i] if i < len(modes) else None, size=sizes[i] if i < len(sizes) else None,
            is_config=bool(flags[i] & RPMFILE_CONFIG) if i < len(flags) else False))
    srpm = tags.get(SOURCERPM)
    source = None
    if isinstance(srpm, str) and srpm:
        source = re.sub(r"\.(?:no)?src\.rpm$", "", srpm).rsplit("-", 2)[0]
    return {"name": str(tags.get(NAME, "")), "version": full, "release": release or None,
            "epoch": epoch, "arch": tags.get(ARCH), "license": tags.get(LICENSE),
            "source": source, "files": tuple(files)}


def _header_packages(blobs: Iterable[tuple[object, bytes]]) -> tuple[dict[str, Any], ...]:
    """The packages of (header number, header blob) pairs; gpg-pubkey entries are keys."""
    out = []
    for number, blob in blobs:
        try:
            pkg = header_package(parse_header(blob))
        except (RpmHeaderError, struct.error) as exc:
            raise RpmHeaderError(f"header {number}: {exc}") from exc
        if pkg["name"] and pkg["name"] != "gpg-pubkey":
            out.append(pkg)
    return tuple(out)


def parse_sqlite(path: str, data: bytes) -> tuple[dict[str, Any], ...] | str:
    """Packages of an rpmdb.sqlite, or a message saying why it could not be read."""
    if not data.startswith(b"SQLite format 3\0"):
        return f"{path}: not an SQLite database"
    image = bytearray(data)
    image[18:20] = b"\x01\x01"  # WAL mode → rollback journal: an in-memory copy has no -wal
    conn = sqlite3.connect(":memory:")
    try:
        conn.deserialize(bytes(image))
        rows = conn.execute("SELECT hnum, blob FROM Packages").fetchall()
        return _header_packages((hnum, bytes(blob)) for hnum, blob in rows)
    except (sqlite3.Error, RpmHeaderError) as exc:
        return f"{path}: unreadable rpm database: {exc}"
    finally:
        conn.close()


NEXT_INSTANCE_KEY = b"\0\0\0\0"  # header number 0 holds rpm's instance counter, no header


def parse_bdb(path: str, data: bytes) -> tuple[dict[str, Any], ...] | str:
    """Packages of a Berkeley DB `Packages`, or a message saying why it could not be read."""
    try:
        db = open_hash(data)
        items = [(key, value) for key, value in db.items() if key != NEXT_INSTANCE_KEY]
        return _header_packages((int.from_bytes(key, db.byteorder), value)
                                for key, value in items)
    except (BerkeleyDBError, RpmHeaderError) as exc:
        return f"{path}: unreadable rpm Berkeley DB database: {exc}"


def parse_ndb(path: str, data: bytes) -> tuple[dict[str, Any], ...] | str:
    """Packages of an ndb `Packages.db`, or a message saying why it could not be read."""
    try:
        return _header_packages(ndb_blobs(data))
    except (NdbError, RpmHeaderError) as exc:
        return f"{path}: unreadable rpm ndb database: {exc}"


ParseDatabase = Callable[[str, bytes], "tuple[dict[str, Any], ...] | str"]
FORMATS: tuple[tuple[tuple[str, ...], ParseDatabase], ...] = (  # newest first
    (SQLITE_DBS, parse_sqlite), (NDB_DBS, parse_ndb), (BDB_DBS, parse_bdb))


def _keys(value: Any) -> set[tuple[str, str]]:
    return {(p["name"], p["version"]) for p in value} if isinstance(value, tuple) else set()


class RpmCataloger:
    name = "rpm"

    def captures(self, limits: AnalysisLimits) -> Sequence[Capture]:
        size = max(limits.max_capture_size, 256 * 1024**2)
        return [Capture(re.compile("|".join(re.escape(p) for p in paths)), parse,
                        keep_history=True, max_size=size) for paths, parse in FORMATS]

    def sniffers(self) -> Sequence[tuple[str, SnifferFactory]]:
        return ()

    def catalog(self, ctx: CatalogContext) -> Iterable[PackageRecord]:
        fs = ctx.fs
        for paths, _parse in FORMATS:
            # /var/lib/rpm is often a link to /usr/lib/sysimage/rpm: one file, read once
            present = [p for p in dict.fromkeys(fs.resolve(p) for p in paths) if fs.exists(p)]
            for path in present:
                db = fs.get(path)
                if db is None:
                    fs.warnings.append(f"{path}: rpm database larger than the capture limit; "
                                       "rpm packages were not cataloged")
                elif isinstance(db.value, str):
                    fs.warnings.append(db.value)
                else:
                    yield from self._packages(ctx, path, db.value, db.history, db.layer)
            if present:
                return  # the newest format in the image is the database rpm uses

    def _packages(self, ctx: CatalogContext, path: str, packages: Iterable[dict[str, Any]],
                  history: Any, layer: str | None) -> Iterable[PackageRecord]:
        distro = ctx.distro
        for p in packages:
            key = (p["name"], p["version"])
            yield PackageRecord(
                name=p["name"], version=p["version"], type="rpm", release=p["release"],
                source=p["source"], architecture=p["arch"],
                licenses=(p["license"],) if p["license"] else (),
                purl=purl("rpm", p["name"], p["version"].split(":", 1)[-1],
                          namespace=distro.id if distro else None,
                          qualifiers={"arch": p["arch"], "distro": distro_qualifier(distro),
                                      "epoch": str(p["epoch"]) if p["epoch"] is not None
                                      else None}),
                location=path, layer=introduced_in(history, key, _keys) or layer,
                files=p["files"])
