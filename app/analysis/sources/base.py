"""What every image source resolves to, and the streaming helpers shared by the sources:
blob stores (a directory or a tar archive), digest-verifying readers, layer decompression."""

from __future__ import annotations

import gzip
import hashlib
import io
import json
import os
import posixpath
import re
import tarfile
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import IO, Any, Protocol, cast

from app.analysis.errors import AnalysisError, AnalysisLimits

try:  # zstd layers (application/vnd.oci.image.layer.v1.tar+zstd)
    import zstandard
except ImportError:  # pragma: no cover - zstandard is a declared dependency
    zstandard = None  # type: ignore[assignment]

DIGEST_RE = re.compile(r"^sha256:[0-9a-f]{64}$")
GZIP_MAGIC = b"\x1f\x8b"
ZSTD_MAGIC = b"\x28\xb5\x2f\xfd"
CHUNK = 1024 * 1024


def check_digest(value: Any, where: str) -> str:
    if not isinstance(value, str) or not DIGEST_RE.match(value):
        raise AnalysisError(where, f"not a sha256 digest: {value!r}")
    return value


def member_parts(name: str, where: str) -> list[str]:
    """The components of a relative archive member name; rejects absolute and `..` names."""
    if name.startswith("/"):
        raise AnalysisError(where, f"absolute member name {name!r}")
    parts = [p for p in name.split("/") if p not in ("", ".")]
    if ".." in parts:
        raise AnalysisError(where, f"member name {name!r} escapes the archive root")
    if "\x00" in name:
        raise AnalysisError(where, f"member name {name!r} contains a NUL byte")
    return parts


class BlobStore(Protocol):
    """Named byte streams: the files of a directory or the members of a tar archive."""

    def exists(self, name: str) -> bool: ...

    def size(self, name: str) -> int: ...

    def open(self, name: str) -> IO[bytes]: ...

    def describe(self, name: str) -> str: ...

    def close(self) -> None: ...


class DirectoryStore:
    """Files under a directory; names are relative paths that must stay inside it."""

    def __init__(self, root: str) -> None:
        self.root = os.path.realpath(root)

    def _path(self, name: str) -> str:
        parts = member_parts(name, self.describe(name))
        path = os.path.realpath(os.path.join(self.root, *parts))
        if path != self.root and not path.startswith(self.root + os.sep):
            raise AnalysisError(self.describe(name), "resolves outside the image directory")
        return path

    def exists(self, name: str) -> bool:
        return os.path.isfile(self._path(name))

    def size(self, name: str) -> int:
        return os.path.getsize(self._path(name))

    def open(self, name: str) -> IO[bytes]:
        path = self._path(name)
        if not os.path.isfile(path):
            raise AnalysisError(self.describe(name), "missing from the image directory")
        return open(path, "rb")

    def describe(self, name: str) -> str:
        return f"{os.path.join(self.root, name)}"

    def close(self) -> None:
        pass


class TarStore:
    """Members of a (possibly gzip-compressed) tar archive, read in place."""

    def __init__(self, path: str, limits: AnalysisLimits) -> None:
        self.path = path
        try:
            self.tar = tarfile.open(path, "r:*")  # noqa: SIM115 - closed by close()
            members = self.tar.getmembers()
        except (tarfile.TarError, EOFError, OSError, zlib.error) as exc:
            raise AnalysisError(path, f"not a readable tar archive: {exc}") from exc
        if len(members) > limits.max_entries:
            raise AnalysisError(path, f"more than {limits.max_entries} archive members")
        self.members: dict[str, tarfile.TarInfo] = {}
        for m in members:
            where = f"{path} member {m.name!r}"
            key = "/".join(member_parts(m.name, where))
            if not key:
                continue
            if key in self.members:
                raise AnalysisError(where, "duplicate archive member")
            self.members[key] = m

    def _resolve(self, name: str) -> tarfile.TarInfo | None:
        key = "/".join(member_parts(name, self.describe(name)))
        for _ in range(8):
            m = self.members.get(key)
            if m is None or not (m.issym() or m.islnk()):
                return m
            if m.issym():
                target = posixpath.normpath(posixpath.join(posixpath.dirname(key), m.linkname))
            else:
                target = posixpath.normpath(m.linkname)
            if target.startswith(("/", "../")) or target == "..":
                raise AnalysisError(self.describe(key),
                                    f"link to {m.linkname!r} escapes the archive")
            key = "/".join(member_parts(target, self.describe(key)))
        raise AnalysisError(self.describe(name), "too many levels of links")

    def exists(self, name: str) -> bool:
        m = self._resolve(name)
        return m is not None and m.isreg()

    def size(self, name: str) -> int:
        m = self._resolve(name)
        return m.size if m is not None else 0

    def open(self, name: str) -> IO[bytes]:
        m = self._resolve(name)
        if m is None or not m.isreg():
            raise AnalysisError(self.describe(name), "missing from the archive")
        f = self.tar.extractfile(m)
        assert f is not None
        return f

    def describe(self, name: str) -> str:
        return f"{self.path} member {name!r}"

    def close(self) -> None:
        self.tar.close()


class HashingReader(io.RawIOBase):
    """Passes reads through, hashing and counting every byte; optionally bounded."""

    def __init__(self, raw: IO[bytes], *, budget: ByteBudget | None = None) -> None:
        self.raw = raw
        self.sha256 = hashlib.sha256()
        self.count = 0
        self.budget = budget

    def readable(self) -> bool:
        return True

    def read(self, n: int = -1) -> bytes:
        data = self.raw.read(n)
        if data:
            self.sha256.update(data)
            self.count += len(data)
            if self.budget is not None:
                self.budget.spend(len(data))
        return data

    def readinto(self, b: Any) -> int:
        data = self.read(len(b))
        b[: len(data)] = data
        return len(data)

    def drain(self) -> None:
        while self.read(CHUNK):
            pass

    @property
    def digest(self) -> str:
        return "sha256:" + self.sha256.hexdigest()


class _Prefixed(io.RawIOBase):
    """`prefix` followed by the rest of `raw` (to sniff magic bytes without seeking)."""

    def __init__(self, prefix: bytes, raw: IO[bytes]) -> None:
        self.prefix = prefix
        self.raw = raw

    def readable(self) -> bool:
        return True

    def read(self, n: int = -1) -> bytes:
        if self.prefix:
            if n < 0:
                data, self.prefix = self.prefix + self.raw.read(), b""
                return data
            data, self.prefix = self.prefix[:n], self.prefix[n:]
            return data
        return self.raw.read(n)

    def readinto(self, b: Any) -> int:
        data = self.read(len(b))
        b[: len(data)] = data
        return len(data)


@dataclass
class ByteBudget:
    """Counts decompressed bytes over all layers against a limit."""

    limit: int
    where: str = "image"
    spent: int = 0

    def spend(self, n: int) -> None:
        self.spent += n
        if self.spent > self.limit:
            raise AnalysisError(self.where, f"decompresses to more than {self.limit} bytes")


@dataclass(frozen=True, slots=True)
class LayerBlob:
    member: str  # name in the store
    digest: str  # the layer's digest as the manifest names it (ImageAnalysis.layers)
    diff_id: str  # expected digest of the uncompressed tar (config rootfs.diff_ids)
    size: int  # stored size in bytes
    blob_digest: str | None = None  # expected digest of the stored bytes, when known


@dataclass
class ImageSource:
    """A resolved image: its manifest digest, config and ordered layers in a blob store."""

    kind: str
    where: str
    manifest_digest: str
    config_digest: str
    config: dict[str, Any]
    layers: list[LayerBlob]
    store: BlobStore
    repo_tags: tuple[str, ...] = ()
    extra: dict[str, Any] = field(default_factory=dict)


def read_blob(store: BlobStore, name: str, limits: AnalysisLimits,
              expected: str | None = None) -> bytes:
    """A small metadata blob, size-capped and checked against `expected` when given."""
    where = store.describe(name)
    if not store.exists(name):
        raise AnalysisError(where, "missing")
    size = store.size(name)
    if size > limits.max_metadata_size:
        raise AnalysisError(where, f"larger than {limits.max_metadata_size} bytes")
    with store.open(name) as f:
        data = f.read(size)
    if expected is not None:
        actual = "sha256:" + hashlib.sha256(data).hexdigest()
        if actual != expected:
            raise AnalysisError(where, f"digest mismatch: expected {expected}, content is {actual}")
    return data


def parse_json(data: bytes, where: str, kind: type = dict) -> Any:
    try:
        value = json.loads(data)
    except (ValueError, UnicodeDecodeError) as exc:
        raise AnalysisError(where, f"not valid JSON: {exc}") from exc
    if not isinstance(value, kind):
        raise AnalysisError(where, f"expected a JSON {kind.__name__}")
    return value


@contextmanager
def open_layer(store: BlobStore, layer: LayerBlob, budget: ByteBudget) -> Iterator[tarfile.TarFile]:
    """A layer as a streaming tar; decompression detected by magic bytes; both the stored
    and the uncompressed digests verified once the caller has read it."""
    where = f"layer {layer.digest} ({store.describe(layer.member)})"
    if not store.exists(layer.member):
        raise AnalysisError(where, "the manifest names a layer that is not in the image")
    errors: tuple[type[BaseException], ...] = (EOFError, OSError, zlib.error, tarfile.TarError)
    if zstandard is not None:
        errors = (*errors, zstandard.ZstdError)
    with store.open(layer.member) as f:
        stored = HashingReader(f)
        try:
            magic = stored.read(4)
            prefixed = _Prefixed(magic, cast(IO[bytes], stored))
            plain: Any
            if magic.startswith(GZIP_MAGIC):
                plain = gzip.GzipFile(fileobj=prefixed, mode="rb")
            elif magic == ZSTD_MAGIC:
                if zstandard is None:
                    raise AnalysisError(where, "zstd layer, but zstandard is not installed")
                plain = zstandard.ZstdDecompressor().stream_reader(
                    cast(IO[bytes], prefixed), read_across_frames=True)
            else:
                plain = prefixed
            budget.where = where
            uncompressed = HashingReader(plain, budget=budget)
            first = uncompressed.read(512)
            # A zero-byte layer (some builders write one) is an empty layer, not an error.
            body: Any = (_Prefixed(first, cast(IO[bytes], uncompressed)) if first
                         else io.BytesIO(bytes(1024)))
            tar = tarfile.open(fileobj=body, mode="r|")  # noqa: SIM115
            yield tar
            uncompressed.drain()
            stored.drain()
        except AnalysisError:
            raise
        except errors as exc:
            raise AnalysisError(where, f"corrupt or truncated layer: {exc}") from exc
    if layer.blob_digest is not None and stored.digest != layer.blob_digest:
        raise AnalysisError(where, f"digest mismatch: expected {layer.blob_digest}, "
                                   f"content is {stored.digest}")
    if uncompressed.digest != layer.diff_id:
        raise AnalysisError(where, f"diff_id mismatch: config says {layer.diff_id}, "
                                   f"uncompressed content is {uncompressed.digest}")
