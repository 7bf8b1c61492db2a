"""`retrieved_files`: checks the presence and content of files retrieved at analysis time."""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping

from app.engine.gate import Args, Firing, Gate, Scope
from app.engine.params import EnumParam, RegexParam, StringParam


def prepare(scope: Scope) -> Mapping[str, str]:
    return scope.image.retrieved_files


gate = Gate(
    "retrieved_files",
    "Checks against content and/or presence of files retrieved at analysis time from an image.",
    prepare=prepare,
    needs_filesystem=True,
)

PATH = StringParam("path", "The path of the file to verify has been retrieved during analysis.",
                   "/etc/httpd.conf", True)


@gate.trigger(
    "content_not_available",
    "Triggers if the specified file is not present/stored in the evaluated image.",
    [PATH],
)
def content_not_available(files: Mapping[str, str], args: Args) -> Iterator[Firing]:
    # Anchore fires twice when nothing at all was retrieved (once for that, once for the
    # path); one finding says the same.
    if args.get("path") not in files:
        yield Firing("Cannot locate file in the image analysis")


@gate.trigger(
    "content_regex",
    "Evaluation of regex on retrieved file content: the content is split on whitespace and the "
    "regex is matched from the start of each piece.",
    [
        PATH,
        RegexParam("regex", "The regex to evaluate against the content of the file.",
                   ".*SSLEnabled.*", True),
        EnumParam("check", "The type of check to perform with the regex.", "match", True,
                  values=("match", "no_match")),
    ],
)
def content_regex(files: Mapping[str, str], args: Args) -> Iterator[Firing]:
    path, regex, check = args.get("path"), args.get("regex"), args.get("check")
    content = files.get(path)
    if content is None:
        return
    pattern = re.compile(regex)
    found = any(pattern.match(token) for token in content.split())
    if found == (check == "match"):
        yield Firing(f"Content regex '{regex}' check '{check}' found in retrieved file '{path}'",
                     instance_id=f"{args.rule_id}+file://{path}")
