"""`secret_scans`: checks the hits of the secret-search analyzer's named regexes."""

from __future__ import annotations

import re
from collections.abc import Iterator

from app.engine.facts import ContentMatch
from app.engine.gate import Args, Firing, Gate, Scope
from app.engine.params import EnumParam, RegexParam, StringParam

# The regex names Anchore's default analyzer configuration defines.
DEFAULT_REGEX_NAMES = ("AWS_ACCESS_KEY", "AWS_SECRET_KEY", "PRIV_KEY", "DOCKER_AUTH", "API_KEY")


def prepare(scope: Scope) -> tuple[ContentMatch, ...]:
    """Hits grouped by file in order of each file's first hit, a repeated (file, regex) once:
    the shape of Anchore's artifacts ({file: {regex: lines}})."""
    by_path: dict[str, dict[str, ContentMatch]] = {}
    for match in scope.image.secret_matches:
        by_path.setdefault(match.path, {}).setdefault(match.regex, match)
    return tuple(m for regexes in by_path.values() for m in regexes.values())


gate = Gate(
    "secret_scans",
    "Checks for secrets and content found in the image using configured regexes found in the "
    "\"secret_search\" section of analyzer_config.yaml.",
    prepare=prepare,
    needs_filesystem=True,
)


def _wanted(names: str) -> set[str]:
    """The filter as a set: each comma-separated item, and the whole value (a regex may itself
    contain commas, as API_KEY's `{20,60}` does)."""
    return {item.strip() for item in [names, *names.split(",")]} - {""}


def _selected(match: ContentMatch, wanted: set[str]) -> bool:
    name, sep, pattern = match.regex.partition("=")
    return match.regex in wanted or (bool(sep) and (name in wanted or pattern in wanted))


@gate.trigger(
    "content_regex_checks",
    "Triggers if the secret content search analyzer has found any matches with the configured "
    "and named regexes. Checks can be configured to trigger if a match is found or is not "
    "found (selected using match_type parameter). Matches are filtered by the "
    "content_regex_name and filename_regex if they are set. The content_regex_name should be a "
    "value from the \"secret_search\" section of the analyzer_config.yaml.",
    [
        StringParam(
            "content_regex_name", "Names of content regexps configured in the analyzer that "
            "match if found in the image, instead of matching all; a comma-separated list. Names "
            f"available by default are: {list(DEFAULT_REGEX_NAMES)}.", DEFAULT_REGEX_NAMES[0]),
        RegexParam("filename_regex", "Regexp to filter the content matched files by.",
                   "/etc/.*"),
        EnumParam("match_type", "Set to define the type of match - trigger if match is found "
                  "(default) or not found.", "found", values=("notfound", "found")),
    ],
)
def content_regex_checks(matches: tuple[ContentMatch, ...], args: Args) -> Iterator[Firing]:
    names = args.get("content_regex_name", "")
    wanted = _wanted(names)
    file_regex = args.get("filename_regex")
    file_filter = re.compile(file_regex) if file_regex else None
    found_type = args.get("match_type", "found") == "found"
    found_any = False
    for match in matches:
        if file_filter and not file_filter.match(match.path):
            continue
        if not wanted or _selected(match, wanted):
            found_any = True
            if found_type:
                yield Firing("Secret content search analyzer found regexp match in container: "
                             f"file={match.path} regexp={match.regex}")
    if not found_any and not found_type:
        yield Firing("Secret content search analyzer did not find regexp match in container: "
                     f"filename_regex={file_regex or '*'} content_regex_name={names or 'all'}")
