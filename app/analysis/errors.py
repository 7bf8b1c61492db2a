"""The one error analysis raises, and the limits it enforces."""

from __future__ import annotations

from dataclasses import dataclass

from app.errors import InvalidInputError


class AnalysisError(InvalidInputError):
    """An image source is malformed or exceeds a limit.

    `where` names the offending thing (a file, an archive member, a layer member) and
    `problem` says what is wrong with it; the message is `"{where}: {problem}"`.
    """

    def __init__(self, where: str, problem: str) -> None:
        super().__init__(f"{where}: {problem}")
        self.where = where
        self.problem = problem


@dataclass(frozen=True, slots=True)
class AnalysisLimits:
    """Bounds on what one analysis reads. Exceeding one is an `AnalysisError`, except the
    hash/scan/capture sizes, which only skip work for larger files."""

    max_entries: int = 2_000_000  # tar members over all layers (or files of a rootfs)
    max_uncompressed_bytes: int = 64 * 1024**3  # sum of decompressed layer bytes
    max_file_size: int = 16 * 1024**3  # one member's declared size
    max_hash_size: int = 1024**3  # regular files larger than this get no sha256
    max_scan_size: int = 10_000  # regexes scan files up to this (Anchore's MAXFILESIZE)
    max_capture_size: int = 64 * 1024**2  # a file a cataloger reads (dpkg status, a jar)
    max_metadata_size: int = 16 * 1024**2  # manifest.json, index.json, manifests, configs
    max_nested_archive_depth: int = 3  # jars inside wars inside ears
    allow_device_files: bool = False  # char/block devices inside a layer tar
