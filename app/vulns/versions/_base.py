"""What every version scheme shares: the error and the small helpers."""

from __future__ import annotations


class UnparsableVersion(ValueError):
    """A version string that its ecosystem's scheme cannot order."""

    def __init__(self, scheme: str, version: str, reason: str = "") -> None:
        self.scheme = scheme
        self.version = version
        self.reason = reason
        detail = f": {reason}" if reason else ""
        super().__init__(f"unparsable {scheme} version {version!r}{detail}")


def sign(n: int) -> int:
    return (n > 0) - (n < 0)
