"""`packages`: checks on the image's installed packages (OS and language packages alike)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from functools import cached_property

from app.engine.facts import FileEntry, Package, PackageFile
from app.engine.gate import Args, Firing, Gate, Scope
from app.engine.params import EnumParam, ListParam, StringParam
from app.engine.versions import compare_versions

Compare = Callable[[str, str, str], int]


def _generic(_package_type: str, a: str, b: str) -> int:
    return compare_versions(a, b)


class Packages:
    """The image's packages by name, and its files by path (built only when asked for)."""

    def __init__(self, scope: Scope) -> None:
        self.scope = scope
        self.packages = scope.image.packages
        self.compare: Compare = scope.facts.compare_versions or _generic

    @cached_property
    def by_name(self) -> dict[str, list[Package]]:
        index: dict[str, list[Package]] = {}
        for pkg in self.packages:
            index.setdefault(pkg.name, []).append(pkg)
        return index

    @cached_property
    def files(self) -> dict[str, FileEntry]:
        return {entry.path: entry for entry in self.scope.image.files or ()}


gate = Gate("packages", "Distro package checks", prepare=Packages)


@gate.trigger(
    "required_package",
    "Triggers if the specified package and optionally a specific version is not found in the "
    "image.",
    [
        StringParam("name", "Name of package that must be found installed in image.", "libssl",
                    True),
        StringParam("version", "Optional version of package for exact version match.",
                    "1.10.3rc3"),
        EnumParam("version_match_type", "The type of comparison to use for version if a "
                  "version is provided: 'exact' (the default) or 'minimum'.", "exact",
                  values=("exact", "minimum")),
    ],
)
def required_package(view: Packages, args: Args) -> Iterator[Firing]:
    name, version = args.get("name"), args.get("version")
    exact = args.get("version_match_type", "exact") == "exact"
    candidates = view.by_name.get(name)
    if candidates:
        pkg = candidates[0]  # Anchore looks at the first package of that name only
        if version is None or pkg.version == version:
            return
        if exact:
            # Anchore prints the name where the version belongs; kept (it feeds trigger ids).
            yield Firing(f"Required input package ({pkg.name}) is present ({pkg.version}), but "
                         f"not at the version specified in policy ({name})")
        elif view.compare(pkg.type, pkg.version, version) < 0:
            yield Firing(f"Required min-version input package ({pkg.name}) is present "
                         f"({pkg.version}), but is lower version than what is specified in "
                         f"policy ({version})")
        return
    if version:
        yield Firing(f"Required input package ({name},{version}) is not present in container "
                     "image")
    else:
        yield Firing(f"Required input package ({name}) is not present in container image")


def _octal_tail_differs(recorded: int, actual: int) -> bool:
    """Anchore compares modes as octal text, trimmed to the shorter one's length, so a record
    without file type bits (644) matches a full st_mode (100644)."""
    a, b = oct(recorded)[2:], oct(actual)[2:]
    width = min(len(a), len(b))
    return a[-width:] != b[-width:]


def _verify(record: PackageFile, entry: FileEntry | None) -> str | None:
    """'missing', 'changed', or None when the file matches its record (or cannot be judged)."""
    if entry is None:
        return "missing"
    if record.is_config:
        return None
    if entry.type == "file" and record.digest and record.digest_algorithm == "sha256" \
            and entry.sha256 and entry.sha256 != record.digest:
        # The analysis keeps only sha256 digests; md5 and sha1 records cannot be checked.
        return "changed"
    if entry.type in ("file", "dir") and record.mode and entry.mode \
            and _octal_tail_differs(record.mode, entry.mode):
        return "changed"
    if entry.type == "file" and entry.size and record.size and entry.size != record.size:
        return "changed"
    return None


@gate.trigger(
    "verify",
    "Check package integrity against package db in the image. Triggers for changes or removal "
    "or content in all or the selected \"dirs\" parameter if provided, and can filter type of "
    "check with the \"check_only\" parameter.",
    [
        ListParam("only_packages", "List of package names to limit verification.",
                  "libssl,openssl"),
        ListParam("only_directories", "List of directories to limit checks so as to avoid "
                  "checks on all dir.", "/usr,/var/lib"),
        EnumParam("check", "Check to perform instead of all.", "changed",
                  values=("changed", "missing")),
    ],
    needs_filesystem=True,
)
def verify(view: Packages, args: Args) -> Iterator[Firing]:
    names = set(args.get("only_packages", ()))
    directories = args.get("only_directories", ())
    check = args.get("check")
    files = view.files
    for pkg in view.packages:
        if names and pkg.name not in names:
            continue
        if directories:
            # One pass per directory, as Anchore queries them: a file under two of the
            # listed directories is checked (and reported) twice.
            records = [r for d in directories for r in pkg.files if r.path.startswith(d)]
        else:
            records = list(pkg.files)
        for record in records:
            status = _verify(record, files.get(record.path))
            if status and (check is None or status == check):
                yield Firing(f"VERIFY check against package db for package '{pkg.name}' failed "
                             f"on entry '{record.path}' with status: '{status}'")


@gate.trigger(
    "blacklist",
    "Triggers if the evaluated image has a package installed that matches the named package "
    "optionally with a specific version as well.",
    [
        StringParam("name", "Package name to deny.", "openssh-server", True),
        StringParam("version", "Specific version of package to deny: its version without the "
                    "release, as Anchore matches it, or its full version.", "1.0.1"),
    ],
    aliases=("denylist",),
)
def blacklist(view: Packages, args: Args) -> Iterator[Firing]:
    name, version = args.get("name"), args.get("version")
    for pkg in view.by_name.get(name, ()):
        if not version:
            yield Firing(f"Package is blacklisted: {pkg.name}")
        elif pkg.short_version == version:
            yield Firing(f"Package is blacklisted: {pkg.name}-{pkg.short_version}")
        elif pkg.version == version:
            yield Firing(f"Package is blacklisted: {pkg.name}-{pkg.version}")
