"""Synthetic facts for benchmarks: a large image, deterministic for a given seed."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

from app.engine import (
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

NOW = datetime(2026, 1, 1, tzinfo=UTC)
SEVERITIES = ("unknown", "negligible", "low", "medium", "high", "critical")
TYPES = ("dpkg", "dpkg", "dpkg", "python", "npm", "java", "gem", "go")
LICENSES = ("MIT", "GPL-2.0", "Apache-2.0", "BSD-3-Clause", "GPL-3.0 AND MIT", "LGPL-2.1")


def large_image(*, packages: int = 5000, matches: int = 20000, files: int = 100000,
                secrets: int = 200, seed: int = 7) -> Facts:
    rnd = random.Random(seed)
    pkgs = []
    for i in range(packages):
        kind = TYPES[i % len(TYPES)]
        location = None if kind == "dpkg" else f"/usr/lib/{kind}/pkg{i}/lib{i}.{kind}"
        pkgs.append(Package(
            name=f"pkg{i}", version=f"{i % 7}.{i % 13}.{i % 5}-{i % 3}", type=kind,
            release=str(i % 3), location=location, licenses=(rnd.choice(LICENSES),),
            source=f"src{i // 3}", layer=f"sha256:{i % 5:064x}",
            files=(PackageFile(f"/usr/share/pkg{i}/data", None, None, 0o100644, 10),)
            if i % 10 == 0 else ()))
    entries = []
    for i in range(files):
        mode = 0o104755 if i % 5000 == 0 else 0o100644
        entries.append(FileEntry(path=f"/usr/share/d{i % 300}/f{i}.txt", mode=mode,
                                 size=i % 4096, sha256=f"{i:064x}"))
    entries.append(FileEntry("/etc/passwd", mode=0o100644, size=2000))
    vulns = []
    for i in range(matches):
        pkg = pkgs[i % packages]
        fixed = (f"{i % 7}.{i % 13}.{i % 5 + 1}",) if i % 3 else ()
        vulns.append(VulnerabilityMatch(
            vulnerability_id=f"CVE-20{10 + i % 15}-{i:05d}", severity=SEVERITIES[i % 6],
            package_name=pkg.name, package_version=pkg.version, package_type=pkg.type,
            package_location=pkg.location or "", link=f"https://osv.dev/vulnerability/V{i}",
            feed_group="debian:12" if pkg.is_os else "github:python",
            cvss=(Cvss("3.1", (i % 100) / 10, (i % 40) / 10, (i % 60) / 10),),
            nvd_cvss=(Cvss("3.1", (i % 90) / 10, 3.9, 5.9),),
            fix_versions=fixed, will_not_fix=i % 17 == 0,
            fix_observed_at=NOW - timedelta(days=i % 400) if fixed else None,
            detected_at=NOW - timedelta(days=i % 500)))
    passwd = "\n".join([f"user{i}:x:{1000 + i}:{1000 + i}::/home/user{i}:/bin/bash"
                        for i in range(50)] + ["root:x:0:0:root:/root:/bin/bash"])
    secret_hits = tuple(ContentMatch(f"/app/config{i}.env", "AWS_ACCESS_KEY=(?i).*aws_access",
                                     (i % 40 + 1,)) for i in range(secrets))
    image = ImageFacts(
        digest="sha256:" + "a" * 64, image_id="b" * 64, size=1_500_000_000,
        architecture="amd64", os="linux", layers=tuple(f"sha256:{i:064x}" for i in range(5)),
        distro=Distro("debian", "12", ("debian",)), dockerfile_mode="Guessed",
        dockerfile="FROM debian:12\nRUN apt-get update\nUSER app\nEXPOSE 22 8080\n",
        packages=tuple(pkgs), files=tuple(entries),
        content_matches=tuple(ContentMatch(f"/etc/app{i}.conf", "password=.*", (3,))
                              for i in range(50)),
        secret_matches=secret_hits, retrieved_files={"/etc/passwd": passwd},
        malware_scans=(MalwareScan("clamav", (MalwareFinding("/tmp/x", "Eicar-Test"),)),))
    feeds = FeedState(
        groups={"debian:12": FeedGroup("debian:12", NOW - timedelta(days=3), 1000),
                "npm": FeedGroup("npm", NOW, 10), "gem": FeedGroup("gem", NOW, 10)},
        npm_packages={f"pkg{i}": PackageMetadata(f"pkg{i}", "9.9.9", ("1.0.0",))
                      for i in range(4, packages, 8)},
        gem_packages={f"pkg{i}": PackageMetadata(f"pkg{i}", "9.9.9", ("1.0.0",))
                      for i in range(6, packages, 8)})
    base = Ancestor("sha256:" + "c" * 64, ("docker.io/library/debian:12",), 3)
    return Facts(image, tuple(vulns), feeds, (base,), base,
                 previous_tag_packages=tuple(pkgs[: packages - 10]))


def rule(n: int, gate: str, trigger: str, action: str = "WARN", **params: str) -> dict:
    return {"id": f"rule-{n}", "gate": gate, "trigger": trigger, "action": action,
            "params": [{"name": k, "value": v} for k, v in params.items()]}


EVERY_TRIGGER = [
    ("vulnerabilities", "package", {"package_type": "all", "severity_comparison": ">=",
                                    "severity": "medium", "fix_available": "true"}),
    ("vulnerabilities", "stale_feed_data", {"max_days_since_sync": "2"}),
    ("vulnerabilities", "vulnerability_data_unavailable", {}),
    ("vulnerabilities", "blacklist", {"vulnerability_ids": "CVE-2012-00002,CVE-2013-00003"}),
    ("packages", "required_package", {"name": "openssl"}),
    ("packages", "verify", {"check": "changed"}),
    ("packages", "blacklist", {"name": "pkg42"}),
    ("dockerfile", "instruction", {"instruction": "HEALTHCHECK", "check": "not_exists"}),
    ("dockerfile", "effective_user", {"users": "root", "type": "blacklist"}),
    ("dockerfile", "exposed_ports", {"ports": "22", "type": "blacklist"}),
    ("dockerfile", "no_dockerfile_provided", {}),
    ("files", "content_regex_match", {}),
    ("files", "name_match", {"regex": r".*\.pem$"}),
    ("files", "attribute_match", {"filename": "/etc/passwd", "mode": "0644"}),
    ("files", "suid_or_guid_set", {}),
    ("passwd_file", "content_not_available", {}),
    ("passwd_file", "blacklist_usernames", {"user_names": "root,user7"}),
    ("passwd_file", "blacklist_userids", {"user_ids": "0,1003"}),
    ("passwd_file", "blacklist_groupids", {"group_ids": "0"}),
    ("passwd_file", "blacklist_shells", {"shells": "/bin/bash"}),
    ("passwd_file", "blacklist_full_entry", {"entry": "root:x:0:0:root:/root:/bin/bash"}),
    ("secret_scans", "content_regex_checks", {}),
    ("licenses", "blacklist_exact_match", {"licenses": "GPL-3.0"}),
    ("licenses", "blacklist_partial_match", {"licenses": "LGPL"}),
    ("metadata", "attribute", {"attribute": "size", "check": ">", "value": "1gb"}),
    ("npms", "newer_version_in_feed", {}),
    ("npms", "unknown_in_feeds", {}),
    ("npms", "version_not_in_feeds", {}),
    ("npms", "blacklisted_name_version", {"name": "pkg4"}),
    ("npms", "feed_data_unavailable", {}),
    ("ruby_gems", "newer_version_found_in_feed", {}),
    ("ruby_gems", "not_found_in_feed", {}),
    ("ruby_gems", "version_not_found_in_feed", {}),
    ("ruby_gems", "blacklist", {"name": "pkg6"}),
    ("ruby_gems", "feed_data_unavailable", {}),
    ("always", "always", {}),
    ("retrieved_files", "content_not_available", {"path": "/etc/shadow"}),
    ("retrieved_files", "content_regex", {"path": "/etc/passwd", "regex": "root.*",
                                          "check": "match"}),
    ("malware", "scans", {}),
    ("malware", "scan_not_run", {}),
    ("distro", "deny", {"distro": "debian", "version": "11", "check": ">"}),
    ("ancestry", "allowed_base_image_digest", {"base_digest": "sha256:" + "f" * 64}),
    ("ancestry", "allowed_base_image_tag", {"base_tag": "docker.io/library/debian:11"}),
    ("ancestry", "denylist_ancestor_image_digest", {"ancestor_digest": "sha256:" + "c" * 64}),
    ("ancestry", "denylist_ancestor_image_tag", {"ancestor_tag": "*debian*"}),
    ("ancestry", "no_ancestors_analyzed", {}),
    ("tag_drift", "packages_added", {}),
    ("tag_drift", "packages_removed", {}),
    ("tag_drift", "packages_modified", {}),
]


def every_trigger_policy() -> dict:
    rules = [rule(n, g, t, **p) for n, (g, t, p) in enumerate(EVERY_TRIGGER)]
    return {"id": "bench", "name": "every trigger", "version": "2",
            "rule_sets": [{"id": "rs", "name": "rs", "version": "2", "rules": rules}],
            "allowlists": [{"id": "al", "name": "al", "version": "2", "items": [
                {"id": f"i{n}", "gate": "vulnerabilities", "trigger_id": f"CVE-2011-{n:05d}+*"}
                for n in range(0, 20000, 7)]}],
            "mappings": [{"id": "m", "name": "all", "registry": "*", "repository": "*",
                          "image": {"type": "tag", "value": "*"}, "rule_set_ids": ["rs"],
                          "allowlist_ids": ["al"]}]}
