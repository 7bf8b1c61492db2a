"""Vulnerability data: version comparison per ecosystem, OSV records, matching.

Pure code: no database, no network, no clock. Imports only the standard library
and the version and CVSS libraries (`packaging`, `cvss`), as DESIGN.md's layering
says.

- ``versions``: ``compare(ecosystem, a, b)``, ``sort_key``, ``UnparsableVersion``.
- ``osv``: ``parse_record``, ``iter_records`` (file, tree, zip) and ``ImportReport``.
- ``affected``: the OSV range evaluation of one ``affected[]`` entry.
- ``severity``: Anchore severity and CVSS scores of a record.
- ``matcher``: ``Index(records).match(packages, distro)`` -> ``Match`` list.
"""

from .affected import Verdict, evaluate, fixed_versions, is_affected
from .matcher import Distro, Index, Match, MatchReport, Package
from .osv import ImportReport, ImportWarning, MalformedRecord, Record, iter_records, parse_record
from .severity import CvssScore, RecordSeverity, record_severity
from .versions import UnknownEcosystem, UnparsableVersion, compare, sort_key

__all__ = [
    "CvssScore",
    "Distro",
    "ImportReport",
    "ImportWarning",
    "Index",
    "MalformedRecord",
    "Match",
    "MatchReport",
    "Package",
    "Record",
    "RecordSeverity",
    "UnknownEcosystem",
    "UnparsableVersion",
    "Verdict",
    "compare",
    "evaluate",
    "fixed_versions",
    "is_affected",
    "iter_records",
    "parse_record",
    "record_severity",
    "sort_key",
]
