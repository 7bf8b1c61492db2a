"""The squashed filesystem as catalogers see it, and how they ask for file contents.

A cataloger declares `Capture` rules; while layers stream, every regular file whose path
matches a rule (and fits the size cap) is kept — as bytes, or as whatever the rule's
`transform` makes of them, so large files (jars) never have to stay in memory. With
`keep_history`, the value of each layer's version of the file is kept too, so a cataloger
can tell in which layer a database entry first appeared."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

from app.analysis.model import FileRecord


@dataclass(frozen=True, slots=True)
class Capture:
    pattern: re.Pattern[str]  # fullmatch against the absolute path
    transform: Callable[[str, bytes], Any] | None = None  # (path, data) -> value kept
    keep_history: bool = False
    max_size: int | None = None  # None: AnalysisLimits.max_capture_size
    key: str = ""  # who asked: the first matching rule of each key applies


class Sniffer(Protocol):
    """Sees a regular file's bytes as they stream past (e.g. to find Go build info)."""

    def feed(self, chunk: bytes) -> bool:
        """Take the next chunk; False when it needs no more."""
        ...

    def result(self) -> Any:
        """What was found, or None."""
        ...


# (path, size, first chunk) -> a sniffer, or None when the file is of no interest.
SnifferFactory = Callable[[str, int, bytes], "Sniffer | None"]


@dataclass(frozen=True, slots=True)
class Captured:
    value: Any  # bytes, or the transform's result
    layer: str | None
    history: tuple[tuple[str | None, Any], ...] = ()  # (layer, value) oldest first, incl. last


@dataclass
class Filesystem:
    files: Mapping[str, FileRecord]
    captured: Mapping[str, Mapping[str, Captured]]  # key -> path -> what was captured
    sniffed: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)  # name -> path -> r
    warnings: list[str] = field(default_factory=list)
    default_key: str = ""  # the capture key that get/value/matching read by default

    def resolve(self, path: str) -> str:
        """`path` with every symlink along it followed (within the image, as a chroot would);
        a dangling or looping path comes back as far as it resolved."""
        parts = [p for p in path.split("/") if p]
        done: list[str] = []
        hops = 0
        while parts:
            part = parts.pop(0)
            if part == ".":
                continue
            if part == "..":
                if done:
                    done.pop()
                continue
            candidate = "/" + "/".join([*done, part])
            rec = self.files.get(candidate)
            if rec is not None and rec.type == "symlink" and rec.link_target and hops < 40:
                hops += 1
                target = rec.link_target
                if target.startswith("/"):
                    done = []
                parts = [p for p in target.split("/") if p] + parts
                continue
            done.append(part)
        return "/" + "/".join(done)

    def get(self, path: str, key: str | None = None) -> Captured | None:
        by_path = self.captured.get(self.default_key if key is None else key, {})
        return by_path.get(self.resolve(path))

    def value(self, path: str, key: str | None = None) -> Any:
        c = self.get(path, key)
        return None if c is None else c.value

    def matching(self, pattern: re.Pattern[str],
                 key: str | None = None) -> Iterator[tuple[str, Captured]]:
        by_path = self.captured.get(self.default_key if key is None else key, {})
        for path in sorted(by_path):
            if pattern.fullmatch(path):
                yield path, by_path[path]

    def layer(self, path: str) -> str | None:
        rec = self.files.get(path)
        return rec.layer if rec else None

    def exists(self, path: str) -> bool:
        return path in self.files
