"""`ancestry` (Anchore Enterprise): checks on the analyzed images this image builds on.

An ancestor is an analyzed image whose layers are a proper prefix of this image's layers;
`Facts.ancestors` lists them nearest last. The base image is `Facts.base` when the caller
chose one, else the nearest ancestor. Enterprise's messages are not public; ours are listed
in docs/compatibility.md.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from app.engine.facts import Ancestor
from app.engine.gate import Args, Firing, Gate, Scope
from app.engine.params import ListParam, ParamValueError
from app.engine.patterns import REGEXP_PREFIX, Matcher, compile_pattern
from app.engine.tags import normalize_tag


@dataclass(frozen=True)
class TagPatternsParam(ListParam):
    """Comma-delimited image tags; `*` matches any run of characters and `regexp:` takes a
    regular expression, which is checked when the policy is compiled."""

    def parse(self, raw: str) -> list[str]:
        patterns = super().parse(raw)
        for pattern in patterns:
            try:
                compile_pattern(pattern)
            except re.error as err:
                raise ParamValueError(f"{pattern!r} is not a valid regexp ({err})") from None
        return patterns


@dataclass(frozen=True, slots=True)
class Ancestry:
    ancestors: tuple[Ancestor, ...]  # nearest last
    base: Ancestor | None
    related: tuple[Ancestor, ...]  # the ancestors, and the base if it is not one of them


def prepare(scope: Scope) -> Ancestry:
    ancestors = scope.facts.ancestors
    base = scope.facts.base or (ancestors[-1] if ancestors else None)
    related = ancestors
    if base is not None and all(a.digest != base.digest for a in ancestors):
        related = (*ancestors, base)
    return Ancestry(ancestors, base, related)


gate = Gate("ancestry", "Checks the image's ancestry: the analyzed images whose layers it "
            "builds on, and its base image among them.", prepare=prepare)


def _forms(tag: str) -> set[str]:
    """A tag as written and in full (`debian:12` -> `docker.io/debian:12`)."""
    return {tag} if tag.startswith(REGEXP_PREFIX) else {tag, normalize_tag(tag)}


Patterns = list[tuple[str, list[Matcher]]]


def _compile(patterns: list[str]) -> Patterns:
    return [(p, [compile_pattern(form) for form in _forms(p)]) for p in patterns]


def _matching_tag(ancestor: Ancestor, patterns: Patterns) -> tuple[str, str] | None:
    """The first (tag, pattern) where the pattern matches one of the ancestor's tags."""
    for tag in ancestor.tags:
        tag_forms = _forms(tag)
        for pattern, matchers in patterns:
            if any(match(t) for match in matchers for t in tag_forms):
                return tag, pattern
    return None


@gate.trigger(
    "allowed_base_image_digest",
    "Triggers if the image's base image is not one of the listed digests. Images without an "
    "analyzed base image are left to no_ancestors_analyzed.",
    [ListParam("base_digest", "The digests of the approved base images.",
               "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
               True)],
)
def allowed_base_image_digest(view: Ancestry, args: Args) -> Iterator[Firing]:
    if view.base is not None and view.base.digest not in args.get("base_digest"):
        yield Firing(f"Base image {view.base.digest} is not in the list of allowed base image "
                     "digests")


@gate.trigger(
    "allowed_base_image_tag",
    "Triggers if none of the base image's tags matches the listed tags (`*` is a wildcard). "
    "Images without an analyzed base image are left to no_ancestors_analyzed.",
    [TagPatternsParam("base_tag", "The approved base image tags, e.g. "
                      "'docker.io/debian:12,docker.io/alpine:3.*'.", "docker.io/debian:12",
                      True)],
)
def allowed_base_image_tag(view: Ancestry, args: Args) -> Iterator[Firing]:
    if view.base is not None and _matching_tag(view.base, _compile(args.get("base_tag"))) is None:
        yield Firing(f"Base image {view.base.digest} does not have an allowed base image tag")


@gate.trigger(
    "denylist_ancestor_image_digest",
    "Triggers for each ancestor image (the base image included) whose digest is listed.",
    [ListParam("ancestor_digest", "The digests of the denied ancestor images.",
               "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
               True)],
)
def denylist_ancestor_image_digest(view: Ancestry, args: Args) -> Iterator[Firing]:
    denied = set(args.get("ancestor_digest"))
    for ancestor in view.related:
        if ancestor.digest in denied:
            yield Firing(f"Ancestor image {ancestor.digest} is in the list of denied ancestor "
                         "image digests")


@gate.trigger(
    "denylist_ancestor_image_tag",
    "Triggers for each ancestor image (the base image included) with a tag matching one of "
    "the listed tags (`*` is a wildcard).",
    [TagPatternsParam("ancestor_tag", "The denied ancestor image tags, e.g. "
                      "'docker.io/centos:*'.", "docker.io/centos:*", True)],
)
def denylist_ancestor_image_tag(view: Ancestry, args: Args) -> Iterator[Firing]:
    patterns = _compile(args.get("ancestor_tag"))
    for ancestor in view.related:
        found = _matching_tag(ancestor, patterns)
        if found is not None:
            tag, pattern = found
            yield Firing(f"Ancestor image {ancestor.digest} with tag {tag} matches denied "
                         f"ancestor image tag '{pattern}'")


@gate.trigger("no_ancestors_analyzed", "Triggers if no ancestor image of this image (and no "
              "base image) has been analyzed.")
def no_ancestors_analyzed(view: Ancestry, args: Args) -> Iterator[Firing]:
    if not view.related:
        yield Firing("No ancestor images of this image have been analyzed")
