"""RPM packages from the sqlite rpmdb (`rpmdb.sqlite`, RHEL 9 / Fedora 33+ / SUSE), read with
the standard library's sqlite3 from an in-memory copy; each `Packages.blob` is an rpm header
(index entries + data store, big-endian) parsed here.

The Berkeley DB (`/var/lib/rpm/Packages`, RHEL ≤ 8) and ndb (`Packages.db`) formats are not
supported: the analysis says so in its warnings and catalogs no rpm packages."""

from __future__ import annotations

import re
import sqlite3
import struct
from collections.abc import Iterable, Sequence
from typing import Any

from app.analysis.catalogers.base import CatalogContext, distro_qualifier, introduced_in, purl
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


def parse_sqlite(path: str, data: bytes) -> tuple[dict[str, Any], ...] | str:
    """Packages of an rpmdb.sqlite, or a message saying why it could not be read."""
    if not data.startswith(b"SQLite format 3\0"):
        return f"{path}: not an SQLite database"
    image = bytearray(data)
    image[18:20] = b"\x01\x01"  # WAL mode → rollback journal: an in-memory copy has no -wal
    conn = sqlite3.connect(":memory:")
    try:
        conn.deserialize(bytes(image))
        rows = conn.execute("SELECT blob FROM Packages").fetchall()
        out = []
        for (blob,) in rows:
            pkg = header_package(parse_header(bytes(blob)))
            if pkg["name"] and pkg["name"] != "gpg-pubkey":
                out.append(pkg)
        return tuple(out)
    except (sqlite3.Error, RpmHeaderError, struct.error) as exc:
        return f"{path}: unreadable rpm database: {exc}"
    finally:
        conn.close()


def _keys(value: Any) -> set[tuple[str, str]]:
    return {(p["name"], p["version"]) for p in value} if isinstance(value, tuple) else set()


class RpmCataloger:
    name = "rpm"

    def captures(self, limits: AnalysisLimits) -> Sequence[Capture]:
        return [Capture(re.compile("|".join(re.escape(p) for p in SQLITE_DBS)), parse_sqlite,
                        keep_history=True, max_size=max(limits.max_capture_size, 256 * 1024**2))]

    def sniffers(self) -> Sequence[tuple[str, SnifferFactory]]:
        return ()

    def catalog(self, ctx: CatalogContext) -> Iterable[PackageRecord]:
        fs = ctx.fs
        found_sqlite = False
        for path in SQLITE_DBS:
            db = fs.get(path)
            if db is None:
                if fs.exists(path):
                    fs.warnings.append(f"{path}: rpm database larger than the capture limit; "
                                       "rpm packages were not cataloged")
                continue
            found_sqlite = True
            if isinstance(db.value, str):
                fs.warnings.append(db.value)
                continue
            yield from self._packages(ctx, path, db.value, db.history, db.layer)
        if not found_sqlite:
            for path in (*BDB_DBS, *NDB_DBS):
                if fs.exists(path):
                    kind = "Berkeley DB" if path in BDB_DBS else "ndb"
                    fs.warnings.append(f"{path}: rpm {kind} databases are not supported "
                                       "(only rpmdb.sqlite); rpm packages were not cataloged")

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
