"""`dockerfile`: checks the image's Dockerfile, actual or guessed from its history."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from app.engine.gate import Args, Firing, Gate, Scope
from app.engine.params import BoolParam, EnumParam, IntListParam, ListParam, StringParam

DIRECTIVES = ("ADD", "ARG", "COPY", "CMD", "ENTRYPOINT", "ENV", "EXPOSE", "FROM", "HEALTHCHECK",
              "LABEL", "MAINTAINER", "ONBUILD", "USER", "RUN", "SHELL", "STOPSIGNAL", "VOLUME",
              "WORKDIR")
CONDITIONS = ("=", "!=", "exists", "not_exists", "like", "not_like", "in", "not_in")
NEEDS_VALUE = frozenset({"=", "!=", "like", "not_like", "in", "not_in"})
# Enterprise renamed whitelist/blacklist; both spellings mean the same.
LIST_TYPES = ("whitelist", "blacklist", "allowlist", "denylist")
ALLOWING = frozenset({"whitelist", "allowlist"})


@dataclass(frozen=True, slots=True)
class Dockerfile:
    """Lines by upper-cased directive; None when the image has no Dockerfile at all."""

    lines: dict[str, list[str]] | None
    actual: bool


def prepare(scope: Scope) -> Dockerfile:
    mode = (scope.image.dockerfile_mode or "").lower()
    if mode in ("", "unknown"):
        return Dockerfile(None, False)
    lines: dict[str, list[str]] = {}
    for raw in scope.image.dockerfile.splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        # Anchore does not join "\"-continued lines (its regex for them never matches), so
        # each physical line is its own instruction; kept, as messages feed trigger ids.
        directive = line.split(" ", 1)[0].upper()
        lines.setdefault(directive, []).append(line)
    return Dockerfile(lines, mode == "actual")


gate = Gate(
    "dockerfile",
    "Checks against the content of a dockerfile if provided, or a guessed dockerfile based on "
    "docker layer history if the dockerfile is not provided.",
    prepare=prepare,
)

ACTUAL_ONLY = BoolParam(
    "actual_dockerfile_only", example="true",
    description="Only evaluate against a user-provided dockerfile, skip evaluation on "
    "inferred/guessed dockerfiles. Default is False.")


def _check_instruction(values: dict[str, object]) -> list[str]:
    if values.get("check") in ("like", "not_like") and isinstance(values.get("value"), str):
        try:
            re.compile(str(values["value"]))
        except re.error as err:
            return [f"parameter 'value' is not a valid regular expression ({err})"]
    return []


def _matches(check: str, line: str, value: str) -> bool:
    if check == "=":
        return line == value
    if check == "!=":
        return line != value
    if check == "exists":
        return True
    if check == "like":
        return re.match(value, line) is not None
    if check == "not_like":
        return re.match(value, line) is None
    if check == "in":
        return line in [v.strip() for v in value.split(",")]
    if check == "not_in":
        return line not in [v.strip() for v in value.split(",")]
    return False  # not_exists never matches a present line


@gate.trigger(
    "instruction",
    "Triggers if any directives in the list are found to match the described condition in the "
    "dockerfile.",
    [
        EnumParam("instruction", "The Dockerfile instruction to check.", "from", True,
                  values=DIRECTIVES),
        EnumParam("check", "The type of check to perform.", "=", True, values=CONDITIONS),
        StringParam("value", "The value to check the dockerfile instruction against.",
                    "scratch"),
        ACTUAL_ONLY,
    ],
    check=_check_instruction,
)
def instruction(df: Dockerfile, args: Args) -> Iterator[Firing]:
    if df.lines is None or (args.get("actual_dockerfile_only") and not df.actual):
        return
    directive, check, value = args.get("instruction"), args.get("check"), args.get("value")
    if check in NEEDS_VALUE and value is None:
        return
    for line in df.lines.get(directive, ()):
        rest = line[len(directive):].strip()
        if _matches(check, rest, value):
            yield Firing(f"Dockerfile directive '{directive}' check '{check}' matched against "
                         f"'{value or ''}' for line '{rest}'")
    if check == "not_exists" and directive not in df.lines:
        yield Firing(f"Dockerfile directive '{directive}' not found, matching condition "
                     f"'{check}' check")


_USER = re.compile(r"\s*USER\s+\[?([^\]]+)\]?\s*")


@gate.trigger(
    "effective_user",
    "Checks if the effective user matches the provided user names, either as an allowlist or "
    "a denylist depending on the type parameter.",
    [
        ListParam("users", "User names to check against as the effective user (last user entry) "
                  "in the images history.", "root,docker", True),
        EnumParam("type", "How to treat the provided user names.", "blacklist", True,
                  values=LIST_TYPES),
    ],
)
def effective_user(df: Dockerfile, args: Args) -> Iterator[Firing]:
    if df.lines is None:
        return
    last = (df.lines.get("USER") or ["USER root"])[-1].strip()
    found = _USER.search(last)
    if not found:
        return
    user = found.group(1)
    users = args.get("users")
    if args.get("type") in ALLOWING:
        if user not in users:
            yield Firing(f"User {user} found as effective user, which is not on the allowed list")
    elif user in users:
        yield Firing(f"User {user} found as effective user, which is explicity not allowed")


@gate.trigger(
    "exposed_ports",
    "Evaluates the set of ports exposed. If type is an allowlist, any exposed port not in the "
    "list fires; if a denylist, any exposed port in the list fires.",
    [
        IntListParam("ports", "List of port numbers.", "80,8080,8088", True),
        EnumParam("type", "Whether to use port list as an allowlist or denylist.", "blacklist",
                  True, values=LIST_TYPES),
        ACTUAL_ONLY,
    ],
)
def exposed_ports(df: Dockerfile, args: Args) -> Iterator[Firing]:
    if df.lines is None or (args.get("actual_dockerfile_only") and not df.actual):
        return
    ports = [str(p) for p in args.get("ports", [])]
    allowing = args.get("type") in ALLOWING
    for line in df.lines.get("EXPOSE", ()):
        tokens = line.split()[1:]
        if allowing:
            allowed = {spelling for p in ports for spelling in (p, p + "/tcp", p + "/udp")}
            for token in tokens:
                if token not in allowed:
                    yield Firing(f"Dockerfile exposes port ({token}) which is not in policy "
                                 "file ALLOWEDPORTS list")
            continue
        for p in ports:
            for spelling in (p, p + "/tcp", p + "/udp"):
                if spelling in tokens:
                    yield Firing(f"Dockerfile exposes port ({spelling}) which is in policy "
                                 "file DENIEDPORTS list")
                    break


@gate.trigger("no_dockerfile_provided",
              "Triggers if anchore analysis was performed without supplying the actual image "
              "Dockerfile.")
def no_dockerfile_provided(df: Dockerfile, args: Args) -> Iterator[Firing]:
    if not df.actual:
        yield Firing("Image was not analyzed with an actual Dockerfile")
