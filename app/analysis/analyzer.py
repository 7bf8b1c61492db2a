"""`analyze(source_path)`: detect the kind of source, stream its layers into the squashed
filesystem, run the catalogers and scanners, and read the image config."""

from __future__ import annotations

import dataclasses
import os
import re
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from app.analysis import dockerfile as dockerfile_module
from app.analysis.catalogers import CatalogContext, Cataloger, default_catalogers
from app.analysis.distro import (
    BUSYBOX,
    OS_RELEASE,
    RELEASE_FILES,
    distro_from_os_release,
    distro_from_release_file,
    sniff_busybox,
)
from app.analysis.errors import AnalysisError, AnalysisLimits
from app.analysis.filesystem import Capture, Filesystem, SnifferFactory
from app.analysis.model import DistroRecord, ImageAnalysis, PackageRecord
from app.analysis.secrets import (
    DEFAULT_SECRET_REGEXES,
    LineScanner,
    compile_regexes,
    matches,
    with_symlinks,
)
from app.analysis.sources import detect, open_image, rootfs
from app.analysis.sources.base import ByteBudget, ImageSource, open_layer
from app.analysis.sources.registry import KIND as REGISTRY
from app.analysis.sources.registry import RegistryOptions, is_reference
from app.analysis.sources.registry import resolve as pull_manifest
from app.analysis.sources.sbom import is_sbom_file
from app.analysis.sources.sbom import read as read_sbom
from app.analysis.sources.sbom.common import strings
from app.analysis.squash import Squasher

RETRIEVE_KEY = "retrieve"
DISTRO_KEY = "distro"
DEFAULT_RETRIEVE_FILES = ("/etc/passwd",)
_DEFAULT_LIMITS = AnalysisLimits()


def analyze(source_path: str | os.PathLike[str], *, platform: str | None = None,
            registry_options: RegistryOptions | None = None,
            limits: AnalysisLimits = _DEFAULT_LIMITS, dockerfile: str | None = None,
            secret_regexes: Sequence[str] = DEFAULT_SECRET_REGEXES,
            extra_secret_regexes: Sequence[str] = (), content_regexes: Sequence[str] = (),
            retrieve_files: Sequence[str] = DEFAULT_RETRIEVE_FILES,
            catalogers: Sequence[Cataloger] | None = None,
            anchore_guessed_dockerfile: bool = True) -> ImageAnalysis:
    """Analyze a docker-archive or oci-archive tarball, an OCI layout directory, a root
    filesystem directory, an SBOM file (Syft, CycloneDX or SPDX JSON: packages and image
    metadata, no files) or a registry reference (a string that is no existing path, pulled
    with `registry_options`).

    `platform` ("linux/arm64", "arm64/v8"…) picks from a multi-platform index (default: the
    host's). `dockerfile` is the actual Dockerfile's text (mode "Actual"); without it one is
    guessed from the history, by default in anchore-engine's exact form so that dockerfile
    findings (and their md5 trigger ids) equal Anchore's for the same image
    (`anchore_guessed_dockerfile=False`: a cleaner form; see `app.analysis.dockerfile`).
    Secrets are searched with `secret_regexes` (Anchore's defaults)
    plus `extra_secret_regexes`, file contents with `content_regexes` ("NAME=pattern" or
    "pattern"). Raises `AnalysisError` naming the offending file or member."""
    path = os.fspath(source_path)
    if is_sbom_file(path):
        return read_sbom(path, limits, dockerfile=dockerfile,
                         anchore_guessed_dockerfile=anchore_guessed_dockerfile)
    pull = not os.path.exists(path) and is_reference(path)
    kind = REGISTRY if pull else detect(path)
    scanner = LineScanner(
        compile_regexes([*secret_regexes, *extra_secret_regexes], "secret regex"),
        compile_regexes(content_regexes, "content regex"))
    catalogers = list(default_catalogers() if catalogers is None else catalogers)
    captures: list[Capture] = [
        Capture(re.compile("|".join(re.escape(p) for p in (*OS_RELEASE, *RELEASE_FILES))),
                key=DISTRO_KEY, max_size=64 * 1024)]
    if retrieve_files:
        captures.append(Capture(re.compile("|".join(re.escape(p) for p in retrieve_files)),
                                key=RETRIEVE_KEY))
    sniffers: list[tuple[str, SnifferFactory]] = [(DISTRO_KEY, sniff_busybox)]
    for c in catalogers:
        captures.extend(dataclasses.replace(rule, key=c.name) for rule in c.captures(limits))
        sniffers.extend(c.sniffers())
    squasher = Squasher(limits, captures=captures, sniffers=sniffers, scanner=scanner)

    source: ImageSource | None = None
    if kind == "rootfs":
        rootfs.squash(squasher, path)
    else:
        source = (pull_manifest(path, limits, platform=platform, options=registry_options)
                  if pull else open_image(path, limits, platform=platform))
        try:
            budget = ByteBudget(limits.max_uncompressed_bytes)
            for layer in source.layers:
                squasher.start_layer(layer.digest)
                with open_layer(source.store, layer, budget) as tar:
                    squasher.apply_tar(tar, f"layer {layer.digest}")
        finally:
            source.store.close()
    fs, scanned = squasher.result()
    scanned = with_symlinks(scanned, fs)

    distro = _distro(fs)
    packages: list[PackageRecord] = []
    for c in catalogers:
        ctx = CatalogContext(fs=dataclasses.replace(fs, default_key=c.name), distro=distro,
                             limits=limits)
        packages.extend(c.catalog(ctx))
    packages.sort(key=lambda p: (p.type, p.name, p.version, p.location or ""))
    retrieved = {}
    for wanted in retrieve_files:  # regular files only, as Anchore's retrieve_files
        captured = fs.captured.get(RETRIEVE_KEY, {}).get(wanted)
        if captured is not None and isinstance(data := captured.value, bytes):
            retrieved[wanted] = data.decode("utf-8", "replace")

    files = tuple(fs.files.values())
    common: dict[str, Any] = dict(
        source_kind=source.kind if source else kind, distro=distro, files=files,
        packages=tuple(packages), retrieved_files=retrieved,
        secret_matches=matches(scanned, 0), content_matches=matches(scanned, 1),
        warnings=tuple(fs.warnings))
    if source is None:
        digest = rootfs.listing_digest(files)
        return ImageAnalysis(digest=digest, image_id=digest.removeprefix("sha256:"),
                             size=sum(f.size for f in files if f.type == "file"),
                             dockerfile=dockerfile or "",
                             dockerfile_mode="Actual" if dockerfile is not None else None,
                             **common)
    return _from_config(source, dockerfile, common, anchore=anchore_guessed_dockerfile)


def _distro(fs: Filesystem) -> DistroRecord | None:
    for candidate in OS_RELEASE:
        data = fs.value(candidate, DISTRO_KEY)
        if isinstance(data, bytes) and (found := distro_from_os_release(data)):
            return found
    for candidate in RELEASE_FILES:
        data = fs.value(candidate, DISTRO_KEY)
        if isinstance(data, bytes) and (found := distro_from_release_file(data)):
            return found
    busybox = fs.sniffed.get(DISTRO_KEY, {}).get(fs.resolve(BUSYBOX))
    return DistroRecord(id="busybox", version_id=busybox) if busybox else None


def _created(value: Any, where: str) -> datetime | None:
    if not isinstance(value, str) or not value:
        return None
    text = re.sub(r"(\.\d{6})\d+", r"\1", value.replace("Z", "+00:00"))
    try:
        return datetime.fromisoformat(text)
    except ValueError as exc:
        raise AnalysisError(where, f"bad created time {value!r}") from exc


def _typed(obj: dict[str, Any], name: str, kind: type, where: str) -> Any:
    """obj[name] when it is a `kind` (an empty one when absent); else an AnalysisError."""
    value = obj.get(name)
    if value is None:
        return kind()
    if not isinstance(value, kind):
        raise AnalysisError(where, f"{name} must be {'a list' if kind is list else 'an object'}"
                                   f", not {type(value).__name__}")
    return value


def _from_config(source: ImageSource, dockerfile: str | None, common: dict[str, Any], *,
                 anchore: bool) -> ImageAnalysis:
    cfg = source.config
    where = f"{source.where} config {source.config_digest}"
    run = cfg.get("config") or {}
    if not isinstance(run, dict):
        raise AnalysisError(where, "config is not an object")
    env: dict[str, str] = {}
    for item in _typed(run, "Env", list, where):
        if isinstance(item, str):
            key, _, value = item.partition("=")
            env[key] = value
    labels = {str(k): str(v) for k, v in _typed(run, "Labels", dict, where).items()}
    history = tuple(str(h.get("created_by", "")) for h in _typed(cfg, "history", list, where)
                    if isinstance(h, dict))
    healthcheck = run.get("Healthcheck")
    if dockerfile is not None:
        contents, mode = dockerfile, "Actual"
    else:
        contents, mode = dockerfile_module.guess(history, anchore=anchore), "Guessed"
    return ImageAnalysis(
        digest=source.manifest_digest, image_id=source.config_digest.removeprefix("sha256:"),
        layers=tuple(x.digest for x in source.layers),
        diff_ids=tuple(x.diff_id for x in source.layers),
        size=sum(x.size for x in source.layers),
        architecture=str(cfg.get("architecture") or ""), os=str(cfg.get("os") or ""),
        variant=str(cfg.get("variant") or ""), created=_created(cfg.get("created"), where),
        labels=labels, env=env, user=str(run.get("User") or ""),
        working_dir=str(run.get("WorkingDir") or ""),
        exposed_ports=tuple(str(p) for p in _typed(run, "ExposedPorts", dict, where)),
        entrypoint=strings(run.get("Entrypoint")), cmd=strings(run.get("Cmd")),
        healthcheck=healthcheck if isinstance(healthcheck, dict) else None,
        history=history, repo_tags=source.repo_tags, dockerfile=contents,
        dockerfile_mode=mode, **common)
