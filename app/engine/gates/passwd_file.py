"""`passwd_file`: checks the entries of the image's /etc/passwd (retrieved at analysis)."""

from __future__ import annotations

from collections.abc import Collection, Iterator

from app.engine.gate import Args, Firing, Gate, Scope, TriggerError
from app.engine.params import IntListParam, ListParam, StringParam

PATH = "/etc/passwd"
# Fields after the user name, as Anchore indexes them.
UID, GID, SHELL = 1, 2, 5

Entries = dict[str, list[str]]  # user name -> the entry's remaining fields


def prepare(scope: Scope) -> Entries:
    """Anchore's reading: every line stripped and split on ':', keyed by its first field; a
    repeated user name keeps its first place and its last entry."""
    entries: Entries = {}
    for line in scope.image.retrieved_files.get(PATH, "").splitlines():
        user, *fields = line.strip().split(":")
        entries[user] = fields
    return entries


gate = Gate(
    "passwd_file",
    "Content checks for /etc/passwd for things like usernames, group ids, shells, or full "
    "entries.",
    prepare=prepare,
    needs_filesystem=True,
)


def _line(user: str, fields: list[str]) -> str:
    return ":".join([user, *fields])


def _field(user: str, fields: list[str], index: int) -> str:
    try:
        return fields[index]
    except IndexError:
        raise TriggerError(f"malformed {PATH} entry {_line(user, fields)!r}: it has "
                           f"{len(fields) + 1} fields, not 7") from None


def _matches(entries: Entries, index: int, wanted: Collection[str]) -> Iterator[tuple[str, str]]:
    """(the matched field, the whole entry) for each entry whose field `index` is wanted."""
    for user, fields in entries.items():
        candidate = _field(user, fields, index)
        if candidate in wanted:
            yield candidate, _line(user, fields)


@gate.trigger(
    "content_not_available",
    "Triggers if the /etc/passwd file is not present/stored in the evaluated image.",
)
def content_not_available(entries: Entries, args: Args) -> Iterator[Firing]:
    if not entries:
        yield Firing("Cannot locate /etc/passwd in image stored files archive: check analyzer "
                     "settings.")


@gate.trigger(
    "blacklist_usernames",
    "Triggers if specified username is found in the /etc/passwd file.",
    [ListParam("user_names", "List of usernames that will cause the trigger to fire if found "
               "in /etc/passwd.", "daemon,ftp", True, aliases=("usernameblacklist",))],
    aliases=["denylist_usernames"],
)
def blacklist_usernames(entries: Entries, args: Args) -> Iterator[Firing]:
    wanted = set(args.get("user_names", []))
    for user, fields in entries.items():
        if user in wanted:
            yield Firing(f"Blacklisted user '{user}' found in image's /etc/passwd: "
                         f"pentry={_line(user, fields)}")


@gate.trigger(
    "blacklist_userids",
    "Triggers if specified user id is found in the /etc/passwd file.",
    [IntListParam("user_ids", "List of userids (numeric) that will cause the trigger to fire "
                  "if found in /etc/passwd.", "0,1", True, aliases=("useridblacklist",))],
    aliases=["denylist_userids"],
)
def blacklist_userids(entries: Entries, args: Args) -> Iterator[Firing]:
    wanted = {str(uid) for uid in args.get("user_ids", [])}
    for uid, line in _matches(entries, UID, wanted):
        yield Firing(f"Blacklisted uid '{uid}' found in image's /etc/passwd: pentry={line}")


@gate.trigger(
    "blacklist_groupids",
    "Triggers if specified group id is found in the /etc/passwd file.",
    [IntListParam("group_ids", "List of groupids (numeric) that will cause the trigger to fire "
                  "if found in /etc/passwd.", "999,20", True)],
    aliases=["denylist_groupids"],
)
def blacklist_groupids(entries: Entries, args: Args) -> Iterator[Firing]:
    wanted = {str(gid) for gid in args.get("group_ids", [])}
    for gid, line in _matches(entries, GID, wanted):
        yield Firing(f"Blacklisted gid '{gid}' found in image's /etc/passwd: pentry={line}")


@gate.trigger(
    "blacklist_shells",
    "Triggers if specified login shell for any user is found in the /etc/passwd file.",
    [ListParam("shells", "List of shell commands to deny.", "/bin/bash,/bin/zsh", True)],
    aliases=["denylist_shells"],
)
def blacklist_shells(entries: Entries, args: Args) -> Iterator[Firing]:
    wanted = set(args.get("shells", []))
    for shell, line in _matches(entries, SHELL, wanted):
        yield Firing(f"Blacklisted shell '{shell}' found in image's /etc/passwd: pentry={line}")


@gate.trigger(
    "blacklist_full_entry",
    "Triggers if entire specified passwd entry is found in the /etc/passwd file.",
    [StringParam("entry", "Full entry to match in /etc/passwd.",
                 "ftp:x:14:50:FTP User:/var/ftp:/sbin/nologin", True)],
    aliases=["denylist_full_entry"],
)
def blacklist_full_entry(entries: Entries, args: Args) -> Iterator[Firing]:
    wanted = args.get("entry", "").strip()
    for user, fields in entries.items():
        line = _line(user, fields)
        if line == wanted:
            yield Firing(f"Blacklisted pentry '{line}' found in image's /etc/passwd: "
                         f"pentry={line}")
