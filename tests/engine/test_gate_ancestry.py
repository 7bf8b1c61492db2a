"""ancestry gate (Enterprise): base image and ancestor checks."""

import pytest

from app.engine import Ancestor, Facts
from tests.engine.helpers import decide, fire, image, messages, policy, rule

SCRATCH = Ancestor("sha256:" + "1" * 64, ("docker.io/debian:12", "docker.io/debian:bookworm"), 1)
RUNTIME = Ancestor("sha256:" + "2" * 64, ("registry.example.com/base/runtime:1.4",), 3)
UNTAGGED = Ancestor("sha256:" + "3" * 64, (), 4)
CHOSEN = Ancestor("sha256:" + "4" * 64, ("docker.io/alpine:3.19",), 2)
D1, D2, D3, D4 = (a.digest for a in (SCRATCH, RUNTIME, UNTAGGED, CHOSEN))


def facts(*ancestors: Ancestor, base: Ancestor | None = None) -> Facts:
    return Facts(image(), ancestors=ancestors, base=base)


@pytest.mark.parametrize(("f", "digests", "expected"), [
    (facts(SCRATCH, RUNTIME), D2, []),  # the nearest ancestor is the base
    (facts(SCRATCH, RUNTIME), f"{D1}, {D4}",
     [f"Base image {D2} is not in the list of allowed base image digests"]),
    (facts(SCRATCH, RUNTIME, base=SCRATCH), D1, []),  # a chosen base wins
    (facts(SCRATCH, base=CHOSEN), D4, []),
    (facts(), D1, []),  # no base: left to no_ancestors_analyzed
])
def test_allowed_base_image_digest(f, digests, expected):
    assert messages(fire("ancestry", "allowed_base_image_digest", f,
                         base_digest=digests)) == expected


@pytest.mark.parametrize(("f", "tags", "fires"), [
    (facts(SCRATCH), "docker.io/debian:12", False),
    (facts(SCRATCH), "debian:12", False),  # short names are read as Docker Hub ones
    (facts(SCRATCH), "docker.io/debian:*", False),
    (facts(SCRATCH), "*:bookworm", False),
    (facts(SCRATCH), "regexp:docker\\.io/debian:1[0-9]", False),
    (facts(SCRATCH), "docker.io/debian:11,docker.io/ubuntu:*", True),
    (facts(SCRATCH, RUNTIME), "registry.example.com/base/*", False),
    (facts(SCRATCH, RUNTIME), "docker.io/debian:12", True),
    (facts(SCRATCH, UNTAGGED), "*", True),  # an untagged base has no allowed tag
    (facts(), "*", False),
])
def test_allowed_base_image_tag(f, tags, fires):
    findings = fire("ancestry", "allowed_base_image_tag", f, base_tag=tags)
    base = f.base or (f.ancestors[-1] if f.ancestors else None)
    assert messages(findings) == ([f"Base image {base.digest} does not have an allowed base "
                                   "image tag"] if fires else [])


@pytest.mark.parametrize(("f", "digests", "expected"), [
    (facts(SCRATCH, RUNTIME, UNTAGGED), f"{D1},{D3}",
     [f"Ancestor image {D1} is in the list of denied ancestor image digests",
      f"Ancestor image {D3} is in the list of denied ancestor image digests"]),
    (facts(SCRATCH, RUNTIME), D4, []),
    (facts(SCRATCH, base=CHOSEN), D4,  # a chosen base counts as an ancestor
     [f"Ancestor image {D4} is in the list of denied ancestor image digests"]),
    (facts(), D1, []),
])
def test_denylist_ancestor_image_digest(f, digests, expected):
    assert messages(fire("ancestry", "denylist_ancestor_image_digest", f,
                         ancestor_digest=digests)) == expected


@pytest.mark.parametrize(("f", "tags", "expected"), [
    (facts(SCRATCH, RUNTIME), "docker.io/debian:*",
     [f"Ancestor image {D1} with tag docker.io/debian:12 matches denied ancestor image tag "
      "'docker.io/debian:*'"]),
    (facts(SCRATCH, RUNTIME), "debian:bookworm, *runtime*",
     [f"Ancestor image {D1} with tag docker.io/debian:bookworm matches denied ancestor image "
      "tag 'debian:bookworm'",
      f"Ancestor image {D2} with tag registry.example.com/base/runtime:1.4 matches denied "
      "ancestor image tag '*runtime*'"]),
    (facts(SCRATCH, RUNTIME), "docker.io/centos:*", []),
    (facts(UNTAGGED), "*", []),
])
def test_denylist_ancestor_image_tag(f, tags, expected):
    assert messages(fire("ancestry", "denylist_ancestor_image_tag", f,
                         ancestor_tag=tags)) == expected


@pytest.mark.parametrize(("f", "fires"), [
    (facts(), True),
    (facts(SCRATCH), False),
    (facts(base=CHOSEN), False),
])
def test_no_ancestors_analyzed(f, fires):
    assert messages(fire("ancestry", "no_ancestors_analyzed", f)) == (
        ["No ancestor images of this image have been analyzed"] if fires else [])


def test_bad_tag_regexp_is_a_policy_problem():
    decision = decide(policy([rule("ancestry", "denylist_ancestor_image_tag",
                                   ancestor_tag="regexp:(")]), facts(SCRATCH))
    assert [p.problem_type for p in decision.problems] == ["ParameterValueInvalidError"]
