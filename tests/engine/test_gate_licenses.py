"""licenses gate: Anchore's own vectors (tests/unit/.../gates/test_licenses.py)."""

import pytest

from app.engine import Package
from tests.engine.helpers import decide, fire, image, messages, policy, rule

GIT = Package("git", "1:2.20.1-2", "dpkg", licenses=(
    "GPL-2", "LGPL-2.1+", "EDL-1.0", "GPL-2+", "Expat", "BSD-2-clause", "GPL-1+", "ISC",
    "mingw-runtime", "Boost", "dlmalloc", "Apache-2.0", "LGPL-2+"))
# Anchore keeps one space-joined string; a single entry holding several tokens splits the same.
GNUPG = Package("gnupg", "2.2.12-1", "dpkg", licenses=(
    "GPL-3+ permissive LGPL-2.1+ Expat LGPL-3+ RFC-Reference TinySCHEME BSD-3-clause",))
IMAGE = image(packages=(GIT, GNUPG))
FULL = "LICFULLMATCH Packages are installed that have blacklisted licenses: "
SUB = "LICSUBMATCH Packages are installed that have blacklisted licenses: "


@pytest.mark.parametrize(("trigger", "licenses", "expected"), [
    ("blacklist_exact_match", "BSD-2-clause", [f"{FULL}git(BSD-2-clause)"]),
    ("blacklist_exact_match", "BSD-2-clause,Boost", [f"{FULL}git(BSD-2-clause), git(Boost)"]),
    ("blacklist_exact_match", "BSD-3-clause,Boost", [f"{FULL}git(Boost), gnupg(BSD-3-clause)"]),
    ("blacklist_exact_match", "LGPL-2.1+", [f"{FULL}git(LGPL-2.1+), gnupg(LGPL-2.1+)"]),
    ("blacklist_exact_match", "no-match", []),
    ("blacklist_partial_match", "RFC", [f"{SUB}gnupg(RFC-Reference)"]),
    ("blacklist_partial_match", "LGPL",
     [f"{SUB}git(LGPL-2.1+), git(LGPL-2+), gnupg(LGPL-2.1+), gnupg(LGPL-3+)"]),
    ("blacklist_partial_match", "GNU", []),
    # Beyond Anchore's vectors, from its code:
    ("blacklist_exact_match", "bsd-2-clause", []),  # case matters
    ("blacklist_exact_match", " Boost , ISC ", [f"{FULL}git(ISC), git(Boost)"]),
    ("blacklist_partial_match", "GPL-2,LGPL-2",  # one entry per (token, matching part)
     [f"{SUB}git(GPL-2), git(LGPL-2.1+), git(LGPL-2.1+), git(GPL-2+), git(LGPL-2+), "
      "git(LGPL-2+), gnupg(LGPL-2.1+), gnupg(LGPL-2.1+)"]),
    ("blacklist_partial_match", "a.c", []),  # literal text, not a regex
    ("denylist_exact_match", "Boost", [f"{FULL}git(Boost)"]),
    ("denylist_partial_match", "TinyS", [f"{SUB}gnupg(TinySCHEME)"]),
])
def test_license_triggers(trigger, licenses, expected):
    assert messages(fire("licenses", trigger, IMAGE, licenses=licenses)) == expected


def test_spdx_expressions_are_split_on_whitespace():
    facts = image(packages=(Package("libfoo", "1.0", "apk", licenses=("GPL-2.0 AND MIT",)),))
    assert messages(fire("licenses", "blacklist_exact_match", facts, licenses="AND,MIT")) == [
        f"{FULL}libfoo(AND), libfoo(MIT)"]


def test_no_packages_or_licenses():
    facts = image(packages=(Package("nolicense", "1", "dpkg"),))
    assert fire("licenses", "blacklist_partial_match", facts, licenses="GPL") == []


def test_enterprise_spelling_keeps_the_trigger_id():
    [v1] = fire("licenses", "blacklist_exact_match", IMAGE, licenses="Boost")
    [v2] = fire("licenses", "denylist_exact_match", IMAGE, licenses="Boost")
    assert v1.trigger_id == v2.trigger_id and v2.trigger == "denylist_exact_match"


def test_missing_licenses_is_a_policy_problem():
    decision = decide(policy([rule("licenses", "blacklist_exact_match")]), IMAGE)
    [problem] = decision.problems
    assert problem.problem_type == "ParameterValueInvalidError"
    assert "rule_sets[0].rules[0].params" in problem.details
