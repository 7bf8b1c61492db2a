"""A root filesystem directory (an unpacked image, a debootstrap or chroot tree): one
implicit layer with no digest, no config. Symlinks are never followed and special files are
never opened. Its digest is the sha256 of its sorted file listing."""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Iterable

from app.analysis.errors import AnalysisError
from app.analysis.model import FileRecord
from app.analysis.squash import Squasher

KIND = "rootfs"


def squash(squasher: Squasher, path: str) -> None:
    if not os.path.isdir(path):
        raise AnalysisError(path, "not a directory")
    squasher.start_layer(None)
    squasher.apply_directory(path)


def listing_digest(files: Iterable[FileRecord]) -> str:
    h = hashlib.sha256()
    for f in files:
        h.update(json.dumps([f.path, f.type, f.mode, f.uid, f.gid, f.size, f.link_target,
                             f.sha256]).encode() + b"\n")
    return "sha256:" + h.hexdigest()
