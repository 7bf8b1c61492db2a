"""Reading the timestamps users write in allowlists (`expires_on`), and writing
timestamps as Anchore does."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime

# Anchore's own odd form puts a colon before the fraction: 2020-01-01T00:00:00:123Z.
_COLON_FRACTION = re.compile(r"^(.*T\d\d:\d\d:\d\d):(\d+)(.*)$")


def parse_timestamp(text: str) -> datetime:
    """Any RFC 3339 / ISO 8601 timestamp, or a bare date (midnight UTC). Naive times are UTC.

    Raises ValueError naming the accepted forms."""
    value = text.strip()
    match = _COLON_FRACTION.match(value)
    if match:
        value = f"{match[1]}.{match[2]}{match[3]}"
    value = value.replace(" ", "T", 1) if re.match(r"^\d{4}-\d\d-\d\d \d", value) else value
    try:
        if re.fullmatch(r"\d{4}-\d\d-\d\d", value):
            return datetime.combine(date.fromisoformat(value), datetime.min.time(), UTC)
        parsed = datetime.fromisoformat(value.replace("z", "Z").replace("t", "T"))
    except ValueError:
        raise ValueError(
            f"{text!r} is not a timestamp; use RFC 3339, e.g. '2025-06-30T00:00:00Z' "
            "or '2025-06-30'") from None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def iso(moment: datetime) -> str:
    """RFC 3339 in UTC with a Z, as Anchore writes times."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")
