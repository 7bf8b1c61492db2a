"""packages gate: required_package, verify and blacklist (spec §2.2)."""

import hashlib

import pytest

from app.engine import Facts, FileEntry, Package, PackageFile
from tests.engine.helpers import decide, fire, image, messages, policy, rule

OPENSSL = Package("openssl", "1.1.1n-0+deb11u4", "dpkg", release="0+deb11u4")
LIBSSL = Package("libssl1.1", "1.1.1n-0+deb11u4", "dpkg", release="0+deb11u4")
CURL_A = Package("curl", "7.74.0-1.3+deb11u7", "dpkg", release="1.3+deb11u7")
CURL_B = Package("curl", "7.88.1-10", "dpkg", release="10")
BASH = Package("bash", "5.1-2", "dpkg")
PACKAGES = image(packages=(OPENSSL, LIBSSL, CURL_A, CURL_B, BASH))


@pytest.mark.parametrize(("params", "expected"), [
    ({"name": "openssl"}, []),
    ({"name": "openssl", "version": "1.1.1n-0+deb11u4"}, []),
    ({"name": "openssl", "version": "1.1.1n-0+deb11u5"},
     # sic: Anchore prints the name where the required version belongs
     ["Required input package (openssl) is present (1.1.1n-0+deb11u4), but not at the version "
      "specified in policy (openssl)"]),
    ({"name": "openssl", "version": "1.1.1n-0+deb11u5", "version_match_type": "exact"},
     ["Required input package (openssl) is present (1.1.1n-0+deb11u4), but not at the version "
      "specified in policy (openssl)"]),
    ({"name": "openssl", "version": "1.1.1n-0+deb11u5", "version_match_type": "minimum"},
     ["Required min-version input package (openssl) is present (1.1.1n-0+deb11u4), but is "
      "lower version than what is specified in policy (1.1.1n-0+deb11u5)"]),
    ({"name": "openssl", "version": "1.1.1n-0+deb11u3", "version_match_type": "minimum"}, []),
    ({"name": "openssl", "version": "1.1.1", "version_match_type": "minimum"}, []),
    ({"name": "openssl", "version": "3.0.0", "version_match_type": "minimum"},
     ["Required min-version input package (openssl) is present (1.1.1n-0+deb11u4), but is "
      "lower version than what is specified in policy (3.0.0)"]),
    # only the first package of that name counts
    ({"name": "curl", "version": "7.88.1-10"},
     ["Required input package (curl) is present (7.74.0-1.3+deb11u7), but not at the version "
      "specified in policy (curl)"]),
    ({"name": "wget"}, ["Required input package (wget) is not present in container image"]),
    ({"name": "wget", "version": "1.21"},
     ["Required input package (wget,1.21) is not present in container image"]),
    ({"name": "wget", "version": "1.21", "version_match_type": "minimum"},
     ["Required input package (wget,1.21) is not present in container image"]),
])
def test_required_package(params, expected):
    assert messages(fire("packages", "required_package", PACKAGES, **params)) == expected


def test_required_package_uses_the_callers_comparator():
    calls = []

    def compare(package_type, a, b):
        calls.append((package_type, a, b))
        return 1

    facts = Facts(PACKAGES, compare_versions=compare)
    assert fire("packages", "required_package", facts, name="bash", version="9.9",
                version_match_type="minimum") == []
    assert calls == [("dpkg", "5.1-2", "9.9")]


@pytest.mark.parametrize(("params", "expected"), [
    ({"name": "curl"}, ["Package is blacklisted: curl", "Package is blacklisted: curl"]),
    ({"name": "curl", "version": "7.88.1"}, ["Package is blacklisted: curl-7.88.1"]),
    ({"name": "curl", "version": "7.88.1-10"}, ["Package is blacklisted: curl-7.88.1-10"]),
    ({"name": "curl", "version": "7.88"}, []),
    ({"name": "bash", "version": "5.1-2"}, ["Package is blacklisted: bash-5.1-2"]),
    ({"name": "zsh"}, []),
])
def test_blacklist(params, expected):
    for trigger in ("blacklist", "denylist"):
        assert messages(fire("packages", trigger, PACKAGES, **params)) == expected


def test_blacklist_id():
    [finding] = fire("packages", "blacklist", PACKAGES, name="bash")
    assert finding.trigger_id == hashlib.md5(
        b"packagesblacklistPackage is blacklisted: bash").hexdigest()


SHA = "a" * 64
OTHER = "b" * 64
RECORDS = (
    PackageFile("/usr/bin/tool", SHA, "sha256", 0o755, 100),
    PackageFile("/usr/lib/libtool.so", SHA, "sha256", 0o100644, 200),
    PackageFile("/etc/tool.conf", SHA, "sha256", 0o644, 10, is_config=True),
    PackageFile("/usr/share/doc/tool", None, None, 0o755),
    PackageFile("/usr/bin/gone", SHA, "sha256", 0o755, 1),
    PackageFile("/usr/lib/md5only", "c" * 32, "md5", 0o644, 5),
)
TOOL = Package("tool", "1.0-1", "dpkg", release="1", files=RECORDS)
FILES = (
    FileEntry("/usr/bin/tool", mode=0o100755, size=100, sha256=SHA),
    FileEntry("/usr/lib/libtool.so", mode=0o100644, size=200, sha256=OTHER),  # changed digest
    FileEntry("/etc/tool.conf", mode=0o100600, size=99, sha256=OTHER),  # config: skipped
    FileEntry("/usr/share/doc/tool", type="dir", mode=0o40700),  # changed mode
    FileEntry("/usr/lib/md5only", mode=0o100644, size=5, sha256=OTHER),  # md5: not checkable
)


def verify_message(path, status):
    return (f"VERIFY check against package db for package 'tool' failed on entry '{path}' "
            f"with status: '{status}'")


@pytest.mark.parametrize(("params", "expected"), [
    ({}, [verify_message("/usr/lib/libtool.so", "changed"),
          verify_message("/usr/share/doc/tool", "changed"),
          verify_message("/usr/bin/gone", "missing")]),
    ({"check": "missing"}, [verify_message("/usr/bin/gone", "missing")]),
    ({"check": "changed"}, [verify_message("/usr/lib/libtool.so", "changed"),
                            verify_message("/usr/share/doc/tool", "changed")]),
    ({"only_directories": "/usr/bin"}, [verify_message("/usr/bin/gone", "missing")]),
    # a file under two listed directories is reported twice, as Anchore does
    ({"only_directories": "/usr/bin,/usr/bin/g"},
     [verify_message("/usr/bin/gone", "missing"), verify_message("/usr/bin/gone", "missing")]),
    ({"only_packages": "other"}, []),
    ({"only_packages": "other,tool", "check": "missing"},
     [verify_message("/usr/bin/gone", "missing")]),
])
def test_verify(params, expected):
    facts = image(packages=(TOOL,), files=FILES)
    assert messages(fire("packages", "verify", facts, **params)) == expected


@pytest.mark.parametrize(("record", "entry", "changed"), [
    (PackageFile("/f", mode=0o644), FileEntry("/f", mode=0o100644), False),
    (PackageFile("/f", mode=0o100644), FileEntry("/f", mode=0o100755), True),
    (PackageFile("/f", size=5), FileEntry("/f", size=6), True),
    (PackageFile("/f", size=5), FileEntry("/f", size=0), False),  # unknown size
    (PackageFile("/f", SHA, "sha256"), FileEntry("/f", sha256=None), False),
    (PackageFile("/f", mode=0o644), FileEntry("/f", type="symlink", mode=0o120777), False),
])
def test_verify_comparisons(record, entry, changed):
    facts = image(packages=(Package("p", "1", "rpm", files=(record,)),), files=(entry,))
    assert len(fire("packages", "verify", facts)) == int(changed)


def test_verify_is_skipped_for_sbom_images_but_other_triggers_run():
    sbom = image(packages=(TOOL,), files=None)
    decision = decide(policy([rule("packages", "verify", rule_id="v"),
                              rule("packages", "required_package", rule_id="r", name="wget")]),
                      sbom)
    assert [p.problem_type for p in decision.problems] == ["ImageDataUnavailable"]
    assert [f.rule_id for f in decision.findings] == ["r"]
