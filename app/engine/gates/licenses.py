"""`licenses`: checks the licenses the image's packages are distributed under."""

from __future__ import annotations

from collections.abc import Iterator

from app.engine.gate import Args, Firing, Gate, Scope
from app.engine.params import ListParam

PackageLicense = tuple[str, str]  # (package name, one license token)


def prepare(scope: Scope) -> tuple[PackageLicense, ...]:
    """Anchore stores a package's licenses as one space-joined string and splits it on
    whitespace, so "GPL-2.0 AND MIT" is three tokens; kept, as messages list the tokens."""
    return tuple((pkg.name, token) for pkg in scope.image.packages
                 for token in " ".join(pkg.licenses).split())


gate = Gate("licenses", "License checks against found software licenses in the container "
            "image.", prepare=prepare)


def _report(prefix: str, hits: list[str]) -> Iterator[Firing]:
    if hits:
        yield Firing(f"{prefix} Packages are installed that have blacklisted licenses: "
                     + ", ".join(hits))


@gate.trigger(
    "blacklist_exact_match",
    "Triggers if the evaluated image has a package installed with software distributed under "
    "the specified (exact match) license(s).",
    [ListParam("licenses", "List of license names to deny exactly.",
               "GPLv2+,GPL-3+,BSD-2-clause", True)],
    aliases=["denylist_exact_match"],
)
def blacklist_exact_match(licenses: tuple[PackageLicense, ...], args: Args) -> Iterator[Firing]:
    denied = args.get("licenses", [])
    yield from _report("LICFULLMATCH", [f"{pkg}({lic})" for pkg, lic in licenses
                                        if lic in denied])


@gate.trigger(
    "blacklist_partial_match",
    "Triggers if the evaluated image has a package installed with software distributed under "
    "the specified (substring match) license(s).",
    [ListParam("licenses", "List of strings to do substring match for denial.", "LGPL,BSD",
               True)],
    aliases=["denylist_partial_match"],
)
def blacklist_partial_match(licenses: tuple[PackageLicense, ...],
                            args: Args) -> Iterator[Firing]:
    parts = args.get("licenses", [])
    # One entry per (token, matching part): a token matching two parts is listed twice.
    yield from _report("LICSUBMATCH", [f"{pkg}({lic})" for pkg, lic in licenses
                                       for part in parts if part in lic])
