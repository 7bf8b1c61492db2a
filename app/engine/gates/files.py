"""`files`: checks the image's files: names, attributes, set-id bits and content-search hits."""

from __future__ import annotations

import base64
import re
import stat
from collections.abc import Iterator
from dataclasses import dataclass

from app.engine.facts import ContentMatch, FileEntry
from app.engine.gate import Args, Firing, Gate, Scope
from app.engine.params import BoolParam, EnumParam, OctalParam, RegexParam, StringParam

# Anchore's analyzer records this instead of a digest for anything that is not a regular file.
NO_CHECKSUM = "DIRECTORY_OR_OTHER"


@dataclass(frozen=True, slots=True)
class Files:
    """Entries by path (a repeated path: the last entry, at the first one's place, as a JSON
    object read by Anchore would keep it), and content-search hits file by file."""

    by_path: dict[str, FileEntry]
    content: tuple[ContentMatch, ...]


def prepare(scope: Scope) -> Files:
    by_path = {entry.path: entry for entry in scope.image.files or ()}
    # Anchore keys hits by file, then by regex: grouped by file, a repeated pair once.
    hits: dict[str, dict[str, ContentMatch]] = {}
    for match in scope.image.content_matches:
        hits.setdefault(match.path, {}).setdefault(match.regex, match)
    return Files(by_path, tuple(m for regexes in hits.values() for m in regexes.values()))


gate = Gate(
    "files",
    "Checks against files in the analyzed image including file content, file names, and "
    "filesystem attributes.",
    prepare=prepare,
    needs_filesystem=True,
)


def _base64_spellings(text: str) -> set[str]:
    """The ways a regex's base64 may be written: plain, and line-wrapped as Anchore's analyzer
    writes its keys (a newline every 76 characters and at the end)."""
    raw = text.encode()
    return {base64.b64encode(raw).decode(), base64.encodebytes(raw).decode()}


def _selected(match: ContentMatch, wanted: str | None) -> bool:
    if not wanted:
        return True
    # The regex text, its base64, or (for "NAME=pattern") the name or the pattern alone.
    spellings = {match.regex, *_base64_spellings(match.regex)}
    name, sep, pattern = match.regex.partition("=")
    if sep:
        spellings |= {name, pattern}
    return wanted in spellings


@gate.trigger(
    "content_regex_match",
    "Triggers for each file where the content search analyzer has found a match using the "
    "configured regexes (the analyzer's \"content_search\" section). If regex_name is set, the "
    "trigger only fires for files that matched that regex.",
    [
        StringParam(
            "regex_name", "Regex, or regex name (the part before '=' in the analyzer "
            "configuration), to limit the check to. If set, only fires when that regex was "
            "found in a file.", ".*password.*"),
    ],
)
def content_regex_match(files: Files, args: Args) -> Iterator[Firing]:
    wanted = args.get("regex_name")
    for match in files.content:
        if _selected(match, wanted):
            yield Firing("File content analyzer found regexp match in container: "
                         f"file={match.path} regexp={match.regex}")


@gate.trigger(
    "name_match",
    "Triggers if a file exists in the container that has a filename that matches the provided "
    "regex. The regex is matched from the start of the full path.",
    [RegexParam("regex", "Regex to apply to file names for match.", r".*\.pem", True)],
)
def name_match(files: Files, args: Args) -> Iterator[Firing]:
    regex = args.get("regex")
    pattern = re.compile(regex)
    for path in files.by_path:
        if pattern.match(path):
            yield Firing("Application of regex matched file found in container: "
                         f"file={path} regexp={regex}")


@dataclass(frozen=True)
class _ModeParam(OctalParam):
    """Anchore skips an empty mode rather than rejecting it."""

    def parse(self, raw: str) -> int | None:  # type: ignore[override]
        return None if raw == "" else super().parse(raw)


def _checksum(entry: FileEntry) -> str:
    if entry.sha256:
        return entry.sha256
    return "" if entry.type == "file" else NO_CHECKSUM


def _compare(op: str, actual: object, wanted: object) -> bool:
    return (actual == wanted) == (op == "equals")


@gate.trigger(
    "attribute_match",
    "Triggers if a filename exists in the container that has attributes that match those "
    "which are provided: every configured check (checksum, mode) must hold for the trigger "
    "to fire. With skip_missing false, also fires if the file is absent.",
    [
        StringParam("filename", "Filename to check against provided checksum.", "/etc/passwd",
                    True),
        EnumParam("checksum_algorithm", "Checksum algorithm.", "sha256", values=("sha256",)),
        StringParam("checksum", "Checksum of file.",
                    "832cd0f75b227d13aac82b1f70b7f90191a4186c151f9db50851d209c45ede11"),
        EnumParam("checksum_match", "Checksum operation to perform.", "equals",
                  values=("equals", "not_equals")),
        _ModeParam("mode", "File mode of file, in octal (e.g. 0644 or 04755).", "00644"),
        EnumParam("mode_op", "File mode operation to perform.", "equals",
                  values=("equals", "not_equals")),
        BoolParam("skip_missing", "If set to true, do not fire this trigger if the file is not "
                  "present. If set to false, fire this trigger ignoring the other parameter "
                  "settings.", "true"),
    ],
)
def attribute_match(files: Files, args: Args) -> Iterator[Firing]:
    filename = args.get("filename")
    entry = files.by_path.get(filename)
    parts = []
    if entry is None:
        if args.get("skip_missing", True):
            return
        parts.append("skip_missing=False")
    else:
        checksum = args.get("checksum")
        if checksum and args.get("checksum_algorithm", "sha256") == "sha256":
            op = args.get("checksum_match", "equals")
            actual = _checksum(entry)
            if not _compare(op, actual, checksum):
                return
            parts.append(f"checksum={actual} op={op} specified_checksum={checksum}")
        if "mode" in args:
            op = args.get("mode_op", "equals")
            mode = args.get("mode")
            # Permission bits on both sides (Anchore masks only the file's mode, so a mode
            # written with its file-type bits, like 0o104111, could never match).
            if not _compare(op, stat.S_IMODE(entry.mode), stat.S_IMODE(mode)):
                return
            parts.append(f"mode={oct(stat.S_IMODE(entry.mode))} op={op} "
                         f"specified_mode={oct(mode)}")
    if parts:
        yield Firing(" and ".join([f"filename={filename}", *parts]))


@gate.trigger("suid_or_guid_set", "Fires for each file found to have suid or sgid bit set.")
def suid_or_guid_set(files: Files, args: Args) -> Iterator[Firing]:
    for path, entry in files.by_path.items():
        if entry.has_suid_or_sgid:
            yield Firing(f"SUID or SGID found set on file {path}. Mode: {oct(entry.mode)}")
