"""Image references as Anchore's mapping reads them."""

from __future__ import annotations

from dataclasses import dataclass

_REGISTRY_HOSTS = frozenset({"docker.io", "localhost", "localhost.localdomain", "localbuild"})


@dataclass(frozen=True, slots=True)
class TagRef:
    registry: str
    repository: str
    tag: str | None  # None for a digest reference
    digest: str | None = None

    @property
    def full_tag(self) -> str:
        if self.tag is None:
            return f"{self.registry}/{self.repository}@{self.digest}"
        return f"{self.registry}/{self.repository}:{self.tag}"


def parse_tag(reference: str) -> TagRef:
    """Split a pull string into registry, repository and tag.

    The first path component is the registry if it has a '.' or ':' or is a known host;
    otherwise the registry is docker.io. No `library/` is added (Anchore does not), and a
    `dockerhub/` prefix means docker.io.
    """
    ref = reference.strip()
    if ref.startswith("dockerhub/"):
        ref = "docker.io/" + ref[len("dockerhub/"):]
    digest = None
    if "@" in ref:
        ref, digest = ref.split("@", 1)
    first, slash, rest = ref.partition("/")
    if slash and ("." in first or ":" in first or first in _REGISTRY_HOSTS):
        registry, path = first, rest
    else:
        registry, path = "docker.io", ref
    tag: str | None = None
    name, colon, maybe_tag = path.rpartition(":")
    if colon and "/" not in maybe_tag:
        path, tag = name, maybe_tag
    if tag is None and digest is None:
        tag = "latest"
    return TagRef(registry, path, tag, digest)


def normalize_tag(reference: str) -> str:
    """`nginx` -> `docker.io/nginx:latest`; digests are kept as `repo@sha256:...`."""
    return parse_tag(reference).full_tag
