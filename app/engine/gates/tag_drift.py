"""`tag_drift` (Anchore Enterprise): how the image's packages differ from those of the image
the evaluated tag pointed at before.

Packages are keyed by (type, name); a key's versions are compared as a set. Without a
previous image (`Facts.previous_tag_packages` is None) nothing fires. Enterprise's messages
are not public; ours are listed in docs/compatibility.md.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from app.engine.facts import Package
from app.engine.gate import Args, Firing, Gate, Scope
from app.engine.params import StringParam

Key = tuple[str, str]  # (type, name)


@dataclass(frozen=True, slots=True)
class Drift:
    current: dict[Key, list[str]]
    previous: dict[Key, list[str]] | None


def _by_key(packages: tuple[Package, ...]) -> dict[Key, list[str]]:
    index: dict[Key, dict[str, None]] = {}
    for pkg in packages:
        index.setdefault((pkg.type, pkg.name), {})[pkg.version] = None
    return {key: list(versions) for key, versions in index.items()}


def prepare(scope: Scope) -> Drift:
    previous = scope.facts.previous_tag_packages
    return Drift(_by_key(scope.image.packages), None if previous is None else _by_key(previous))


gate = Gate("tag_drift", "Compares the image's packages with those of the image that "
            "previously held the evaluated tag.", prepare=prepare)

PACKAGE_TYPE = StringParam("package_type", "Only consider packages of this type (e.g. 'dpkg', "
                           "'npm', 'java'); all types when absent.", "dpkg")
SINCE = "since the previous image with this tag"


def _wanted(args: Args) -> str | None:
    wanted = args.get("package_type")
    return wanted.strip().lower() if wanted is not None else None


def _only(index: dict[Key, list[str]], wanted: str | None) -> dict[Key, list[str]]:
    if wanted is None:
        return index
    return {key: v for key, v in index.items() if key[0].lower() == wanted}


def _absent(side: dict[Key, list[str]], other: dict[Key, list[str]], args: Args,
            verb: str) -> Iterator[Firing]:
    """Each version of every (wanted) package of `side` that `other` does not have."""
    for (kind, name), versions in _only(side, _wanted(args)).items():
        if (kind, name) not in other:
            for version in versions:
                yield Firing(f"Package {name}-{version} ({kind}) was {verb} {SINCE}")


@gate.trigger("packages_added", "Triggers for each package in the image that the previous "
              "image with the evaluated tag did not have.", [PACKAGE_TYPE])
def packages_added(view: Drift, args: Args) -> Iterator[Firing]:
    if view.previous is not None:
        yield from _absent(view.current, view.previous, args, "added")


@gate.trigger("packages_removed", "Triggers for each package of the previous image with the "
              "evaluated tag that the image no longer has.", [PACKAGE_TYPE])
def packages_removed(view: Drift, args: Args) -> Iterator[Firing]:
    if view.previous is not None:
        yield from _absent(view.previous, view.current, args, "removed")


@gate.trigger("packages_modified", "Triggers for each package whose version differs from the "
              "one in the previous image with the evaluated tag.", [PACKAGE_TYPE])
def packages_modified(view: Drift, args: Args) -> Iterator[Firing]:
    if view.previous is None:
        return
    wanted = _wanted(args)
    for key, versions in _only(view.current, wanted).items():
        before = view.previous.get(key)
        if before is not None and set(before) != set(versions):
            kind, name = key
            yield Firing(f"Package {name} ({kind}) changed from {', '.join(before)} to "
                         f"{', '.join(versions)} {SINCE}")
