"""Build real image archives in tests: layers from (path, content/mode/type) entries, written
as docker-archive tarballs, OCI layout directories or oci-archive tarballs."""

from __future__ import annotations

import gzip
import hashlib
import io
import json
import os
import sqlite3
import struct
import tarfile
from dataclasses import dataclass, field
from typing import Any

import zstandard

CREATED = "2024-05-01T12:00:00Z"


@dataclass(frozen=True)
class E:
    """One layer member; `path` is the member name exactly as written to the tar."""

    path: str
    content: bytes = b""
    mode: int = 0o644
    type: str = "file"  # file, dir, symlink, hardlink, char, block, fifo
    link: str = ""
    uid: int = 0
    gid: int = 0
    size: int | None = None  # declared size override (absurd-size tests)


def F(path: str, content: bytes | str = b"", mode: int = 0o644, **kw: Any) -> E:
    data = content.encode() if isinstance(content, str) else content
    return E(path, data, mode, **kw)


def D(path: str, mode: int = 0o755) -> E:
    return E(path, mode=mode, type="dir")


def S(path: str, target: str) -> E:
    return E(path, mode=0o777, type="symlink", link=target)


def H(path: str, target: str, mode: int = 0o644) -> E:
    """A hardlink; tar headers repeat the target's mode, so pass it."""
    return E(path, mode=mode, type="hardlink", link=target)


def WH(path: str) -> E:
    head, _, name = path.rpartition("/")
    return F(f"{head}/.wh.{name}" if head else f".wh.{name}")


def OPQ(directory: str) -> E:
    return F(f"{directory}/.wh..wh..opq")


_TYPES = {"file": tarfile.REGTYPE, "dir": tarfile.DIRTYPE, "symlink": tarfile.SYMTYPE,
          "hardlink": tarfile.LNKTYPE, "char": tarfile.CHRTYPE, "block": tarfile.BLKTYPE,
          "fifo": tarfile.FIFOTYPE}


def layer_tar(entries: list[E]) -> bytes:
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.PAX_FORMAT) as tf:
        for e in entries:
            info = tarfile.TarInfo(e.path)
            info.type = _TYPES[e.type]
            info.mode, info.uid, info.gid = e.mode, e.uid, e.gid
            info.mtime = 1714564800
            info.linkname = e.link
            if e.type == "char":
                info.devmajor, info.devminor = 1, 3
            if e.type == "file":
                info.size = len(e.content)
                tf.addfile(info, io.BytesIO(e.content))
            else:
                tf.addfile(info)
    data = buf.getvalue()
    return data


def compress(data: bytes, how: str) -> bytes:
    if how == "gzip":
        return gzip.compress(data, mtime=0)
    if how == "zstd":
        return zstandard.ZstdCompressor().compress(data)
    return data


def sha(data: bytes) -> str:
    return "sha256:" + hashlib.sha256(data).hexdigest()


def config_doc(diff_ids: list[str], *, arch: str = "amd64", os_: str = "linux",
               history: list[str] | None = None, **run: Any) -> dict[str, Any]:
    hist = history if history is not None else [f"/bin/sh -c #(nop) ADD layer{i} in / "
                                                for i in range(len(diff_ids))]
    return {"architecture": arch, "os": os_, "created": CREATED, "config": run,
            "rootfs": {"type": "layers", "diff_ids": diff_ids},
            "history": [{"created": CREATED, "created_by": h} for h in hist]}


@dataclass
class Built:
    path: str
    layers: list[str]  # as the manifest names them
    diff_ids: list[str]
    config_digest: str
    manifest_digest: str | None = None
    blobs: dict[str, bytes] = field(default_factory=dict)


def _add(tf: tarfile.TarFile, name: str, data: bytes) -> None:
    info = tarfile.TarInfo(name)
    info.size = len(data)
    tf.addfile(info, io.BytesIO(data))


def docker_archive(path: str, layers: list[list[E]], *, how: str = "none",
                   config: dict[str, Any] | None = None, tags: tuple[str, ...] = ("app:1.0",),
                   layer_names: list[str] | None = None, **run: Any) -> Built:
    """A `docker save`-style tarball: <id>/layer.tar members, <config hex>.json, manifest.json."""
    tars = [layer_tar(layer) for layer in layers]
    diff_ids = [sha(t) for t in tars]
    cfg = config or config_doc(diff_ids, **run)
    cfg_bytes = json.dumps(cfg).encode()
    cfg_digest = sha(cfg_bytes)
    names = layer_names or [f"{hashlib.sha256(str(i).encode()).hexdigest()}/layer.tar"
                            for i in range(len(tars))]
    manifest = [{"Config": cfg_digest[7:] + ".json", "RepoTags": list(tags), "Layers": names}]
    with tarfile.open(path, "w") as tf:
        for name, t in zip(names, tars, strict=False):
            _add(tf, name, compress(t, how))
        _add(tf, cfg_digest[7:] + ".json", cfg_bytes)
        _add(tf, "manifest.json", json.dumps(manifest).encode())
    return Built(path, diff_ids, diff_ids, cfg_digest)


def _write_blob(root: str, data: bytes) -> str:
    digest = sha(data)
    os.makedirs(os.path.join(root, "blobs", "sha256"), exist_ok=True)
    with open(os.path.join(root, "blobs", "sha256", digest[7:]), "wb") as f:
        f.write(data)
    return digest


def oci_manifest(root: str, layers: list[list[E]], *, how: str = "gzip",
                 config: dict[str, Any] | None = None, arch: str = "amd64",
                 **run: Any) -> tuple[dict[str, Any], Built]:
    tars = [layer_tar(layer) for layer in layers]
    diff_ids = [sha(t) for t in tars]
    cfg = config or config_doc(diff_ids, arch=arch, **run)
    cfg_bytes = json.dumps(cfg).encode()
    cfg_digest = _write_blob(root, cfg_bytes)
    media = {"gzip": "application/vnd.oci.image.layer.v1.tar+gzip",
             "zstd": "application/vnd.oci.image.layer.v1.tar+zstd",
             "none": "application/vnd.oci.image.layer.v1.tar"}[how]
    descs, digests = [], []
    for t in tars:
        blob = compress(t, how)
        d = _write_blob(root, blob)
        digests.append(d)
        descs.append({"mediaType": media, "digest": d, "size": len(blob)})
    manifest = {"schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
                "config": {"mediaType": "application/vnd.oci.image.config.v1+json",
                           "digest": cfg_digest, "size": len(cfg_bytes)},
                "layers": descs}
    m_bytes = json.dumps(manifest).encode()
    m_digest = _write_blob(root, m_bytes)
    desc = {"mediaType": "application/vnd.oci.image.manifest.v1+json", "digest": m_digest,
            "size": len(m_bytes)}
    return desc, Built(root, digests, diff_ids, cfg_digest, m_digest)


def oci_layout(root: str, layers: list[list[E]], *, how: str = "gzip",
               ref: str | None = "app:1.0", **kw: Any) -> Built:
    os.makedirs(root, exist_ok=True)
    desc, built = oci_manifest(root, layers, how=how, **kw)
    if ref:
        desc["annotations"] = {"org.opencontainers.image.ref.name": ref}
    write_index(root, [desc])
    return built


def write_index(root: str, manifests: list[dict[str, Any]]) -> None:
    with open(os.path.join(root, "oci-layout"), "w") as f:
        json.dump({"imageLayoutVersion": "1.0.0"}, f)
    with open(os.path.join(root, "index.json"), "w") as f:
        json.dump({"schemaVersion": 2, "manifests": manifests}, f)


def tar_directory(root: str, path: str) -> str:
    with tarfile.open(path, "w") as tf:
        for name in sorted(os.listdir(root)):
            tf.add(os.path.join(root, name), arcname=name)
    return path


def oci_archive(path: str, workdir: str, layers: list[list[E]], **kw: Any) -> Built:
    built = oci_layout(workdir, layers, **kw)
    tar_directory(workdir, path)
    built.path = path
    return built


def rpm_header(tags: dict[int, tuple[int, object]]) -> bytes:
    """An rpm header blob as the rpmdb stores it: {tag: (type, value)}, index + data store."""
    index, store = b"", b""
    for tag, (type_, value) in sorted(tags.items()):
        if type_ == 4:  # INT32 array: 4-byte aligned
            store += b"\0" * (-len(store) % 4)
        offset = len(store)
        if type_ == 6:
            assert isinstance(value, str)
            store += value.encode() + b"\0"
            count = 1
        elif type_ == 8:
            assert isinstance(value, list)
            store += b"".join(v.encode() + b"\0" for v in value)
            count = len(value)
        elif type_ == 4:
            assert isinstance(value, list)
            store += struct.pack(f">{len(value)}I", *value)
            count = len(value)
        elif type_ == 3:
            assert isinstance(value, list)
            store += struct.pack(f">{len(value)}H", *value)
            count = len(value)
        index += struct.pack(">iiii", tag, type_, offset, count)
    return struct.pack(">ii", len(tags), len(store)) + index + store


def rpmdb(packages: list[bytes]) -> bytes:
    """A real rpmdb.sqlite (as rpm creates its Packages table) holding these header blobs."""
    path = ":memory:"
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE Packages (hnum INTEGER PRIMARY KEY AUTOINCREMENT, blob BLOB)")
    conn.executemany("INSERT INTO Packages (blob) VALUES (?)", [(b,) for b in packages])
    conn.commit()
    data = conn.serialize()
    conn.close()
    return data
