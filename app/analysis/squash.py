"""Squash layers into one filesystem listing, streaming: nothing is extracted to disk and no
layer is ever held in memory whole.

Layers are applied bottom first. In a layer, `.wh.NAME` deletes NAME (and everything under
it) and `.wh..wh..opq` makes its directory opaque (everything under it from lower layers is
gone); both affect only lower layers, whatever their order in the tar. Each path remembers
the layer that last wrote it. Regular files are hashed (sha256) as they stream past, offered
to the content scanner and sniffers, and captured for catalogers when a `Capture` rule
wants them (see `app.analysis.filesystem`)."""

from __future__ import annotations

import hashlib
import os
import stat
import tarfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import IO, Any

from app.analysis.errors import AnalysisError, AnalysisLimits
from app.analysis.filesystem import Capture, Captured, Filesystem, Sniffer, SnifferFactory
from app.analysis.model import FileRecord
from app.analysis.sources.base import CHUNK, member_parts

_TYPE_BITS = {"file": stat.S_IFREG, "dir": stat.S_IFDIR, "symlink": stat.S_IFLNK,
              "hardlink": stat.S_IFREG, "char": stat.S_IFCHR, "block": stat.S_IFBLK,
              "fifo": stat.S_IFIFO}

# (path, data) -> anything worth keeping (None: nothing found).
Scanner = Callable[[str, bytes], Any]


@dataclass(slots=True)
class _Entry:
    type: str
    mode: int
    uid: int
    gid: int
    size: int
    link_target: str | None
    layer: int
    sha256: str | None = None
    captured: dict[str, Any] | None = None  # capture key -> value
    history: dict[str, tuple[tuple[int, Any], ...]] | None = None
    scanned: Any = None
    sniffed: dict[str, Any] | None = None


def _parent(path: str) -> str:
    head = path.rsplit("/", 1)[0]
    return head or "/"


def symlink_escapes(path: str, target: str) -> bool:
    """Whether a relative symlink target climbs above the root from `path`'s directory."""
    if target.startswith("/"):
        return False
    depth = path.count("/") - 1
    for comp in target.split("/"):
        if comp in ("", "."):
            continue
        depth += -1 if comp == ".." else 1
        if depth < 0:
            return True
    return False


class Squasher:
    def __init__(self, limits: AnalysisLimits, *, captures: Sequence[Capture] = (),
                 sniffers: Sequence[tuple[str, SnifferFactory]] = (),
                 scanner: Scanner | None = None) -> None:
        self.limits = limits
        self.captures = list(captures)
        self.sniffers = list(sniffers)
        self.scanner = scanner
        self.entries: dict[str, _Entry] = {}
        self.children: dict[str, set[str]] = {}
        self.layers: list[str | None] = []
        self.current = -1
        self.count = 0
        self.warnings: list[str] = []

    # -- layers -------------------------------------------------------------------------

    def start_layer(self, digest: str | None) -> None:
        self.layers.append(digest)
        self.current = len(self.layers) - 1

    def apply_tar(self, tar: tarfile.TarFile, where: str) -> None:
        """Apply one layer's members (the caller has called `start_layer`)."""
        for m in tar:
            member_where = f"{where} member {m.name!r}"
            parts = member_parts(m.name, member_where)
            if not parts:
                continue  # the root directory itself
            base = parts[-1]
            directory = "/" + "/".join(parts[:-1])
            if base.startswith(".wh."):
                if base == ".wh..wh..opq":
                    self.opaque(directory)
                elif not base.startswith(".wh..wh."):  # other .wh..wh.* are aufs metadata
                    self.remove(directory.rstrip("/") + "/" + base[4:])
                continue
            path = "/" + "/".join(parts)
            if m.size < 0 or m.size > self.limits.max_file_size:
                raise AnalysisError(member_where, f"absurd size {m.size} (limit "
                                                  f"{self.limits.max_file_size})")
            link: str | None = None
            reader: IO[bytes] | None = None
            if m.isreg():
                kind = "file"
                reader = tar.extractfile(m)
            elif m.isdir():
                kind = "dir"
            elif m.issym():
                kind, link = "symlink", m.linkname
                if symlink_escapes(path, link):
                    raise AnalysisError(member_where, f"symlink to {link!r} escapes the root")
            elif m.islnk():
                kind = "hardlink"
                target = member_parts(m.linkname, member_where + " hardlink target")
                if not target:
                    raise AnalysisError(member_where, "hardlink to the root directory")
                link = "/" + "/".join(target)
            elif m.ischr() or m.isblk():
                kind = "char" if m.ischr() else "block"
                if not self.limits.allow_device_files:
                    raise AnalysisError(member_where, f"device file ({kind} "
                                                      f"{m.devmajor}:{m.devminor}) in a layer")
            elif m.isfifo():
                kind = "fifo"
            else:
                raise AnalysisError(member_where, f"unsupported member type {m.type!r}")
            self.add(path, member_where, kind=kind, perm=m.mode, uid=m.uid, gid=m.gid,
                     size=m.size if kind == "file" else 0, link_target=link, reader=reader)

    def apply_directory(self, root: str) -> None:
        """A root filesystem directory as the only layer (`start_layer(None)` first)."""
        root = os.path.abspath(root)
        stack = [root]
        while stack:
            directory = stack.pop()
            try:
                with os.scandir(directory) as it:
                    items = sorted(it, key=lambda e: e.name)
            except OSError as exc:
                self.warnings.append(f"{directory}: not readable: {exc.strerror}")
                continue
            for item in items:
                full = item.path
                path = "/" + os.path.relpath(full, root).replace(os.sep, "/")
                st = item.stat(follow_symlinks=False)
                fmt = stat.S_IFMT(st.st_mode)
                kinds = {stat.S_IFREG: "file", stat.S_IFDIR: "dir", stat.S_IFLNK: "symlink",
                         stat.S_IFCHR: "char", stat.S_IFBLK: "block", stat.S_IFIFO: "fifo"}
                kind = kinds.get(fmt)
                if kind is None:
                    continue  # sockets and the like are not image content
                link = os.readlink(full) if kind == "symlink" else None
                if link is not None and symlink_escapes(path, link):
                    raise AnalysisError(full, f"symlink to {link!r} escapes the root")
                if kind == "dir":
                    stack.append(full)
                if kind == "file":
                    try:
                        fd = os.open(full, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0))
                    except OSError as exc:
                        self.warnings.append(f"{full}: not readable: {exc.strerror}")
                        fd = -1
                    if fd >= 0:
                        with os.fdopen(fd, "rb") as f:
                            self.add(path, full, kind=kind, perm=stat.S_IMODE(st.st_mode),
                                     uid=st.st_uid, gid=st.st_gid, size=st.st_size,
                                     link_target=None, reader=f)
                        continue
                self.add(path, full, kind=kind, perm=stat.S_IMODE(st.st_mode), uid=st.st_uid,
                         gid=st.st_gid, size=st.st_size if kind == "file" else 0,
                         link_target=link, reader=None)

    # -- the tree -----------------------------------------------------------------------

    def _link(self, path: str) -> None:
        child = path
        while child != "/":
            parent = _parent(child)
            siblings = self.children.setdefault(parent, set())
            if child in siblings:
                return
            siblings.add(child)
            child = parent

    def _subtree(self, path: str) -> list[str]:
        out, stack = [], [path]
        while stack:
            p = stack.pop()
            out.append(p)
            stack.extend(self.children.get(p, ()))
        return out

    def _delete(self, path: str, *, only_lower: bool, include_self: bool = True) -> None:
        for p in reversed(self._subtree(path)):
            if p == path and not include_self:
                continue
            entry = self.entries.get(p)
            if entry is not None and (not only_lower or entry.layer < self.current):
                del self.entries[p]
            if p not in self.entries and not self.children.get(p):
                self.children.pop(p, None)
                if p != "/":
                    self.children.get(_parent(p), set()).discard(p)

    def remove(self, path: str) -> None:
        """A whiteout: `path` and everything under it, from lower layers."""
        self._delete(path, only_lower=True)

    def opaque(self, directory: str) -> None:
        self._delete(directory or "/", only_lower=True, include_self=False)

    def _capture_rules(self, path: str, size: int) -> list[Capture]:
        rules: dict[str, Capture] = {}
        for rule in self.captures:
            if rule.key not in rules and rule.pattern.fullmatch(path):
                rules[rule.key] = rule
        cap = self.limits.max_capture_size
        return [r for r in rules.values() if size <= (r.max_size if r.max_size is not None
                                                      else cap)]

    def add(self, path: str, where: str, *, kind: str, perm: int, uid: int, gid: int,
            size: int, link_target: str | None, reader: IO[bytes] | None) -> None:
        self.count += 1
        if self.count > self.limits.max_entries:
            raise AnalysisError(where, f"more than {self.limits.max_entries} entries")
        old = self.entries.get(path)
        if old is not None and old.layer == self.current:
            raise AnalysisError(where, "duplicate entry in the same layer")
        if old is not None and old.type == "dir" and kind != "dir":
            self._delete(path, only_lower=False, include_self=False)
        entry = _Entry(type=kind, mode=_TYPE_BITS[kind] | (perm & 0o7777), uid=uid, gid=gid,
                       size=size, link_target=link_target, layer=self.current)
        rules = self._capture_rules(path, size) if kind == "file" else []
        if kind == "hardlink":
            assert link_target is not None
            target = self.entries.get(link_target)
            if target is None or target.type not in ("file", "hardlink"):
                raise AnalysisError(where, f"hardlink target {link_target!r} is not a file "
                                           "in the image")
            entry.size, entry.sha256 = target.size, target.sha256
            entry.scanned, entry.sniffed = target.scanned, target.sniffed
            rules = self._capture_rules(path, target.size)
            if target.captured:  # same bytes, same transforms where the same rules apply
                entry.captured = {r.key: target.captured[r.key] for r in rules
                                  if r.key in target.captured} or None
        elif kind == "file" and reader is not None:
            self._read(path, where, entry, reader, rules)
        for rule in rules:
            if rule.keep_history and entry.captured and rule.key in entry.captured:
                earlier = (old.history or {}).get(rule.key, ()) if old is not None else ()
                entry.history = entry.history or {}
                entry.history[rule.key] = (*earlier, (self.current, entry.captured[rule.key]))
        self.entries[path] = entry
        self._link(path)

    def _read(self, path: str, where: str, entry: _Entry, reader: IO[bytes],
              rules: list[Capture]) -> None:
        size = entry.size
        hasher = hashlib.sha256() if size <= self.limits.max_hash_size else None
        keep = bool(rules)
        scan = self.scanner is not None and size <= self.limits.max_scan_size
        buf: list[bytes] = []
        try:
            chunk = reader.read(CHUNK)
            sniffers: list[tuple[str, Sniffer]] = []
            for name, factory in self.sniffers:
                s = factory(path, size, chunk)
                if s is not None:
                    sniffers.append((name, s))
            if not (hasher or keep or scan or sniffers):
                return
            done: list[tuple[str, Sniffer]] = []
            while chunk:
                if hasher is not None:
                    hasher.update(chunk)
                if keep or scan:
                    buf.append(chunk)
                if sniffers:
                    still: list[tuple[str, Sniffer]] = []
                    for name, s in sniffers:
                        (still if s.feed(chunk) else done).append((name, s))
                    sniffers = still
                if not (hasher or keep or scan or sniffers):
                    break
                chunk = reader.read(CHUNK)
        except OSError as exc:
            raise AnalysisError(where, f"cannot read: {exc}") from exc
        done.extend(sniffers)
        if hasher is not None:
            entry.sha256 = hasher.hexdigest()
        data = b"".join(buf)
        if scan and self.scanner is not None:
            entry.scanned = self.scanner(path, data)
        if rules:
            entry.captured = {}
            for r in rules:
                try:
                    entry.captured[r.key] = r.transform(path, data) if r.transform else data
                except Exception as exc:  # one unreadable file must not end the analysis
                    self.warnings.append(f"{path}: the {r.key} cataloger could not read it: "
                                         f"{exc!r}")
        results = {name: r for name, s in done if (r := s.result()) is not None}
        entry.sniffed = results or None

    # -- the result ---------------------------------------------------------------------

    def result(self) -> tuple[Filesystem, dict[str, Any]]:
        """The filesystem, and the scanner's non-None results by path."""
        files: dict[str, FileRecord] = {}
        captured: dict[str, dict[str, Captured]] = {}
        sniffed: dict[str, dict[str, Any]] = {}
        scanned: dict[str, Any] = {}
        for path in sorted(self.entries):
            e = self.entries[path]
            layer = self.layers[e.layer] if e.layer >= 0 else None
            files[path] = FileRecord(path=path, type=e.type, mode=e.mode, uid=e.uid, gid=e.gid,
                                     size=e.size, link_target=e.link_target, sha256=e.sha256,
                                     layer=layer)
            for key, value in (e.captured or {}).items():
                history = tuple((self.layers[i], v) for i, v in (e.history or {}).get(key, ()))
                captured.setdefault(key, {})[path] = Captured(value=value, layer=layer,
                                                              history=history)
            if e.scanned is not None:
                scanned[path] = e.scanned
            for name, r in (e.sniffed or {}).items():
                sniffed.setdefault(name, {})[path] = r
        fs = Filesystem(files=files, captured=captured, sniffed=sniffed,
                        warnings=list(self.warnings))
        return fs, scanned
