"""The policy engine: pure functions from (policy, facts, tag, now) to a Decision.

No I/O, no clock, no ORM: callers load the facts and pass the time.
"""

from app.engine.catalogue import describe_gates
from app.engine.compiler import CompiledPolicy, compile_policy
from app.engine.document import V1, V2, PolicyDocument, write_document
from app.engine.evaluator import allowlist_expiry_state, evaluate
from app.engine.facts import (
    Ancestor,
    ContentMatch,
    Cvss,
    Distro,
    Facts,
    FeedGroup,
    FeedState,
    FileEntry,
    ImageFacts,
    MalwareFinding,
    MalwareScan,
    Package,
    PackageFile,
    PackageMetadata,
    VulnerabilityMatch,
)
from app.engine.result import Action, AllowlistMatch, Decision, Finding, Problem
from app.engine.tags import TagRef, normalize_tag, parse_tag

__all__ = [
    "V1",
    "V2",
    "Action",
    "AllowlistMatch",
    "Ancestor",
    "CompiledPolicy",
    "ContentMatch",
    "Cvss",
    "Decision",
    "Distro",
    "Facts",
    "FeedGroup",
    "FeedState",
    "FileEntry",
    "Finding",
    "ImageFacts",
    "MalwareFinding",
    "MalwareScan",
    "Package",
    "PackageFile",
    "PackageMetadata",
    "PolicyDocument",
    "Problem",
    "TagRef",
    "VulnerabilityMatch",
    "allowlist_expiry_state",
    "compile_policy",
    "describe_gates",
    "evaluate",
    "normalize_tag",
    "parse_tag",
    "write_document",
]
