"""Each cataloger on real package-database content inside real layer tarballs."""

from __future__ import annotations

import dataclasses
import io
import json
import os
import shutil
import zipfile
from pathlib import Path

import pytest

from app.analysis import AnalysisLimits, ImageAnalysis, PackageFileRecord, analyze
from app.analysis.catalogers.go import MAGIC
from tests.analysis.builders import WH, D, F, S, docker_archive, oci_layout, rpm_header, rpmdb

DEBIAN_OS_RELEASE = ('PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\nNAME="Debian GNU/Linux"\n'
                     'VERSION_ID="12"\nID=debian\n')


def _pkgs(result: ImageAnalysis, type_: str) -> dict[str, object]:
    return {p.name: p for p in result.packages if p.type == type_}


def _status(*paragraphs: str) -> str:
    return "\n".join(paragraphs)


BASE_FILES = ("Package: base-files\nStatus: install ok installed\nArchitecture: amd64\n"
              "Version: 12.4+deb12u5\nDescription: Debian base system\n multi-line\n")
LIBC6 = ("Package: libc6\nStatus: install ok installed\nArchitecture: amd64\n"
         "Source: glibc\nVersion: 2.36-9+deb12u4\nConffiles:\n /etc/ld.so.conf.d/x.conf abc\n")
LIBC6_NEW = LIBC6.replace("2.36-9+deb12u4", "2.36-9+deb12u7")
CURL = ("Package: curl\nStatus: install ok installed\nArchitecture: amd64\n"
        "Source: curl-src (7.88.1-10)\nVersion: 7.88.1-10+deb12u5\n")
REMOVED = ("Package: gone\nStatus: deinstall ok config-files\nArchitecture: amd64\n"
           "Version: 1.0\n")
COPYRIGHT = ("Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/\n\n"
             "Files: *\nCopyright: someone\nLicense: LGPL-2.1+\n\nFiles: debian/*\n"
             "License: GPL-2+\n")


def test_dpkg_status_layers_files_licenses(tmp_path: Path) -> None:
    layers = [
        [D("usr"), D("usr/lib"), F("usr/lib/os-release", DEBIAN_OS_RELEASE), D("etc"),
         S("etc/os-release", "../usr/lib/os-release"),
         F("var/lib/dpkg/status", _status(BASE_FILES, LIBC6, REMOVED)),
         F("var/lib/dpkg/info/base-files.list", "/.\n/etc\n/etc/issue\n"),
         F("var/lib/dpkg/info/libc6:amd64.list", "/.\n/lib\n/lib/libc.so.6\n/lib/ld.so\n"),
         F("var/lib/dpkg/info/libc6:amd64.md5sums",
           "d41d8cd98f00b204e9800998ecf8427e  lib/libc.so.6\n"),
         F("usr/share/doc/libc6/copyright", COPYRIGHT),
         F("etc/issue", "Debian\n"), D("lib"), F("lib/libc.so.6", ""), S("lib/ld.so", "libc.so.6")],
        [F("var/lib/dpkg/status", _status(BASE_FILES, LIBC6, CURL)),
         F("var/lib/dpkg/info/curl.list", "/usr/bin/curl\n"), F("usr/bin/curl", "curl")],
        [F("var/lib/dpkg/status", _status(BASE_FILES, LIBC6_NEW, CURL))],
    ]
    built = docker_archive(str(tmp_path / "deb.tar"), layers)
    result = analyze(built.path)
    assert result.distro is not None
    assert (result.distro.id, result.distro.version_id) == ("debian", "12")
    pkgs = _pkgs(result, "dpkg")
    assert sorted(pkgs) == ["base-files", "curl", "libc6"]
    l1, l2, l3 = built.layers
    base, curl, libc = pkgs["base-files"], pkgs["curl"], pkgs["libc6"]
    assert (base.layer, curl.layer, libc.layer) == (l1, l2, l3)
    assert (curl.version, curl.release, curl.source, curl.architecture) == (
        "7.88.1-10+deb12u5", "10+deb12u5", "curl-src", "amd64")
    assert curl.purl == ("pkg:deb/debian/curl@7.88.1-10%2Bdeb12u5"
                         "?arch=amd64&distro=debian-12&upstream=curl-src")
    assert base.source == "base-files" and base.location == "/var/lib/dpkg/status"
    assert libc.version == "2.36-9+deb12u7" and libc.source == "glibc"
    assert libc.licenses == ("LGPL-2.1+", "GPL-2+")
    assert libc.files == (
        PackageFileRecord(path="/etc/ld.so.conf.d/x.conf", is_config=True),
        PackageFileRecord(path="/lib/ld.so"),
        PackageFileRecord(path="/lib/libc.so.6", digest="d41d8cd98f00b204e9800998ecf8427e",
                          digest_algorithm="md5"),
    )
    assert base.files == (PackageFileRecord(path="/etc/issue"),)
    assert ImageAnalysis.from_dict(json.loads(json.dumps(result.to_dict()))) == result
    without_files = ImageAnalysis.from_dict(result.to_dict(), files=False)
    assert result.files and without_files == dataclasses.replace(result, files=())


def test_dpkg_distroless_status_d(tmp_path: Path) -> None:
    layers = [[F("var/lib/dpkg/status.d/base", BASE_FILES.replace("Status: install ok installed\n",
                                                                  "")),
               F("var/lib/dpkg/status.d/base.md5sums",
                 "0123456789abcdef0123456789abcdef  etc/issue\n")],
              [F("var/lib/dpkg/status.d/libc6", LIBC6)]]
    built = docker_archive(str(tmp_path / "distroless.tar"), layers)
    pkgs = _pkgs(analyze(built.path), "dpkg")
    assert sorted(pkgs) == ["base-files", "libc6"]
    assert pkgs["base-files"].layer == built.layers[0]
    assert pkgs["base-files"].location == "/var/lib/dpkg/status.d/base"
    assert pkgs["base-files"].files == (PackageFileRecord(
        path="/etc/issue", digest="0123456789abcdef0123456789abcdef", digest_algorithm="md5"),)
    assert pkgs["libc6"].layer == built.layers[1]
    assert pkgs["base-files"].purl == "pkg:deb/debian/base-files@12.4%2Bdeb12u5?arch=amd64"


APK_BASE = ("C:Q1aaa=\nP:musl\nV:1.2.4-r2\nA:x86_64\nL:MIT\no:musl\nF:lib\nR:ld-musl-x86_64.so.1\n"
            "a:0:0:755\nZ:Q1AAECAwQFBgcICQoLDA0ODxAREhM=\n")
APK_BUSYBOX = ("P:busybox\nV:1.36.1-r5\nA:x86_64\nL:GPL-2.0-only\no:busybox\nF:bin\nR:busybox\n"
               "a:0:0:4755\n")
APK_CURL = "P:curl\nV:8.5.0-r0\nA:x86_64\nL:curl\no:curl\nF:usr/bin\nR:curl\n"


def test_apk_installed(tmp_path: Path) -> None:
    os_release = 'NAME="Alpine Linux"\nID=alpine\nVERSION_ID=3.19.1\n'
    layers = [[F("etc/os-release", os_release),
               F("lib/apk/db/installed", APK_BASE + "\n" + APK_BUSYBOX + "\n")],
              [F("lib/apk/db/installed", APK_BASE + "\n" + APK_BUSYBOX + "\n" + APK_CURL)]]
    built = oci_layout(str(tmp_path / "alpine"), layers)
    result = analyze(built.path)
    pkgs = _pkgs(result, "apk")
    assert sorted(pkgs) == ["busybox", "curl", "musl"]
    assert (pkgs["musl"].layer, pkgs["curl"].layer) == (built.layers[0], built.layers[1])
    musl = pkgs["musl"]
    assert (musl.version, musl.release, musl.licenses, musl.source) == (
        "1.2.4-r2", "r2", ("MIT",), "musl")
    assert musl.files == (PackageFileRecord(
        path="/lib/ld-musl-x86_64.so.1", digest="000102030405060708090a0b0c0d0e0f10111213",
        digest_algorithm="sha1", mode=0o755),)
    assert pkgs["busybox"].files[0].mode == 0o4755
    # the release is the version's "-suffix", as the engine's short_version expects
    assert all(p.version.endswith("-" + (p.release or "")) for p in pkgs.values())
    assert pkgs["curl"].purl == "pkg:apk/alpine/curl@8.5.0-r0?arch=x86_64&distro=alpine-3.19.1"


def test_python_npm_gem(tmp_path: Path) -> None:
    site = "usr/lib/python3/dist-packages"
    metadata = ("Metadata-Version: 2.1\nName: requests\nVersion: 2.31.0\nLicense: Apache 2.0\n"
                "Classifier: License :: OSI Approved :: Apache Software License\n\nbody\n")
    record = ("requests/__init__.py,sha256=AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8,42\n"
              "requests-2.31.0.dist-info/RECORD,,\n")
    pkg_info = "Metadata-Version: 1.1\nName: six\nVersion: 1.16.0\nLicense: MIT\n"
    old_style = ("Metadata-Version: 1.0\nName: legacy_thing\nVersion: 0.1\n"
                 "Classifier: License :: OSI Approved :: BSD License\n")
    gemspec = ('# -*- encoding: utf-8 -*-\nGem::Specification.new do |s|\n'
               '  s.name = "rake".freeze\n  s.version = "13.0.6"\n'
               '  s.licenses = ["MIT".freeze]\nend\n')
    layers = [
        [F(f"{site}/requests-2.31.0.dist-info/METADATA", metadata),
         F(f"{site}/requests-2.31.0.dist-info/RECORD", record),
         F(f"{site}/six-1.16.0.egg-info/PKG-INFO", pkg_info),
         F(f"{site}/legacy_thing-0.1.egg-info", old_style)],
        [F("app/node_modules/lodash/package.json",
           '{"name": "lodash", "version": "4.17.21", "license": "MIT"}'),
         F("app/node_modules/lodash/fp/package.json", '{"name": "fp", "version": "0"}'),
         F("app/node_modules/@babel/core/package.json",
           '{"name": "@babel/core", "version": "7.24.0", "licenses": [{"type": "MIT"}]}'),
         F("app/node_modules/a/node_modules/b/package.json", '{"name": "b", "version": "1.0.0"}'),
         F("app/node_modules/broken/package.json", "{not json"),
         F("usr/local/bundle/specifications/rake-13.0.6.gemspec", gemspec)],
    ]
    built = docker_archive(str(tmp_path / "lang.tar"), layers)
    result = analyze(built.path)
    py = _pkgs(result, "python")
    assert sorted(py) == ["legacy_thing", "requests", "six"]
    req = py["requests"]
    assert (req.version, req.licenses, req.layer, req.purl) == (
        "2.31.0", ("Apache 2.0",), built.layers[0], "pkg:pypi/requests@2.31.0")
    assert req.location == f"/{site}/requests-2.31.0.dist-info/METADATA"
    assert req.files[0] == PackageFileRecord(
        path=f"/{site}/requests/__init__.py", digest=bytes(range(32)).hex(),
        digest_algorithm="sha256", size=42)
    assert py["six"].licenses == ("MIT",)
    assert py["legacy_thing"].licenses == ("BSD License",)
    assert py["legacy_thing"].purl == "pkg:pypi/legacy-thing@0.1"
    npm = _pkgs(result, "npm")
    assert sorted(npm) == ["@babel/core", "b", "lodash"]
    assert npm["@babel/core"].purl == "pkg:npm/%40babel/core@7.24.0"
    assert npm["@babel/core"].licenses == ("MIT",)
    assert npm["lodash"].location == "/app/node_modules/lodash/package.json"
    assert npm["lodash"].layer == built.layers[1]
    gems = _pkgs(result, "gem")
    assert list(gems) == ["rake"]
    assert (gems["rake"].version, gems["rake"].licenses, gems["rake"].purl) == (
        "13.0.6", ("MIT",), "pkg:gem/rake@13.0.6")


def _zip(members: dict[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    return buf.getvalue()


def test_java_archives_nested(tmp_path: Path) -> None:
    inner = _zip({"META-INF/MANIFEST.MF": b"Manifest-Version: 1.0\n",
                  "META-INF/maven/org.example/inner/pom.properties":
                      b"#generated\ngroupId=org.example\nartifactId=inner\nversion=1.2.3\n"})
    war = _zip({"META-INF/MANIFEST.MF": b"Manifest-Version: 1.0\nImplementation-Title: shop\n"
                                        b"Implementation-Version: 2.0\n",
                "WEB-INF/lib/inner-1.2.3.jar": inner})
    plain = _zip({"META-INF/MANIFEST.MF": b"Manifest-Version: 1.0\nBundle-License: Apache-2.0\n"})
    layers = [[F("opt/shop.war", war)], [F("opt/lib/plain-3.4.jar", plain),
                                         F("opt/lib/broken.jar", b"PK\x03\x04 not a zip")]]
    built = docker_archive(str(tmp_path / "java.tar"), layers)
    java = sorted((p.name, p.version, p.location, p.purl, p.layer, p.licenses)
                  for p in analyze(built.path).packages if p.type == "java")
    l1, l2 = built.layers
    assert java == [
        ("inner", "1.2.3", "/opt/shop.war:WEB-INF/lib/inner-1.2.3.jar",
         "pkg:maven/org.example/inner@1.2.3", l1, ()),
        ("plain", "3.4", "/opt/lib/plain-3.4.jar", "pkg:maven/plain/plain@3.4", l2,
         ("Apache-2.0",)),
        ("shop", "2.0", "/opt/shop.war", "pkg:maven/shop/shop@2.0", l1, ()),
    ]


def test_java_archive_over_the_capture_limit_is_reported(tmp_path: Path) -> None:
    big = _zip({"META-INF/MANIFEST.MF": b"Implementation-Version: 1\n", "pad": os.urandom(4000)})
    built = docker_archive(str(tmp_path / "java.tar"), [[F("opt/big-1.0.jar", big)]])
    result = analyze(built.path, limits=AnalysisLimits(max_capture_size=1000))
    assert [p for p in result.packages if p.type == "java"] == []
    assert result.warnings == (f"/opt/big-1.0.jar: {len(big)} bytes, larger than the capture "
                               "limit; its java packages were not cataloged",)


def _uvarint(n: int) -> bytes:
    out = bytearray()
    while True:
        b = n & 0x7F
        n >>= 7
        if n:
            out.append(b | 0x80)
        else:
            out.append(b)
            return bytes(out)


def go_binary(modinfo: str, *, pad: int = 5000) -> bytes:
    mod = b"0" * 16 + modinfo.encode() + b"1" * 16
    head = b"\x7fELF" + b"\0" * (pad - 4) + MAGIC  # a decoy copy of the magic, unaligned
    head += b"\0" * (-len(head) % 16) + b"\0" * 16 * 70
    info = MAGIC + bytes([8, 2]) + b"\0" * 16 + _uvarint(6) + b"go1.22" + _uvarint(len(mod)) + mod
    return head + info + b"\0" * 100


def test_go_buildinfo(tmp_path: Path) -> None:
    modinfo = ("path\texample.com/app\nmod\texample.com/app\t(devel)\t\n"
               "dep\tgithub.com/pkg/errors\tv0.9.1\th1:abc=\n"
               "dep\tgolang.org/x/net\tv0.1.0\th1:def=\n=>\tgolang.org/x/net\tv0.2.0\th1:ghi=\n"
               "build\t-compiler=gc\n")
    old = b"\x7fELF" + b"\0" * 60 + MAGIC + bytes([8, 0]) + b"\0" * 64
    layers = [[F("usr/local/bin/app", go_binary(modinfo), 0o755),
               F("usr/local/bin/old", old, 0o755), F("usr/local/bin/script", "#!/bin/sh\n")]]
    built = docker_archive(str(tmp_path / "go.tar"), layers)
    result = analyze(built.path)
    go = sorted((p.name, p.version, p.location, p.purl) for p in result.packages
                if p.type == "go")
    assert go == [
        ("example.com/app", "(devel)", "/usr/local/bin/app",
         "pkg:golang/example.com/app@%28devel%29"),
        ("github.com/pkg/errors", "v0.9.1", "/usr/local/bin/app",
         "pkg:golang/github.com/pkg/errors@v0.9.1"),
        ("golang.org/x/net", "v0.2.0", "/usr/local/bin/app", "pkg:golang/golang.org/x/net@v0.2.0"),
        ("stdlib", "go1.22", "/usr/local/bin/app", "pkg:golang/stdlib@1.22"),
    ]
    assert any("/usr/local/bin/old" in w and "pre-1.18" in w for w in result.warnings)


def test_go_buildinfo_of_a_real_binary(tmp_path: Path) -> None:
    """A Go binary from Debian (GOPATH build: no module lines, just the toolchain)."""
    real = next((p for p in ("/usr/bin/umoci", "/usr/bin/skopeo") if os.path.isfile(p)), None)
    if real is None:
        pytest.skip("no Go binary from Debian installed")
    root = tmp_path / "rootfs" / "usr" / "bin"
    root.mkdir(parents=True)
    shutil.copy(real, root / "tool")
    result = analyze(tmp_path / "rootfs")
    stdlib = [p for p in result.packages if p.type == "go" and p.name == "stdlib"]
    assert len(stdlib) == 1 and stdlib[0].version.startswith("go1.")
    assert stdlib[0].location == "/usr/bin/tool" and result.warnings == ()


# -- rpm: an rpmdb.sqlite (builders.rpmdb) of headers encoded as rpm writes them --------------

def test_rpm_sqlite(tmp_path: Path) -> None:
    bash = rpm_header({1000: (6, "bash"), 1001: (6, "5.1.8"), 1002: (6, "6.el9"),
                       1014: (6, "GPLv3+"), 1022: (6, "x86_64"),
                       1044: (6, "bash-5.1.8-6.el9.src.rpm"),
                       1117: (8, ["bash", "bashrc"]), 1118: (8, ["/usr/bin/", "/etc/"]),
                       1116: (4, [0, 1]), 1035: (8, ["ab" * 32, "cd" * 32]),
                       1030: (3, [0o100755, 0o100644]), 1028: (4, [1000, 20]),
                       1037: (4, [0, 1]), 5011: (4, [8])})
    openssl = rpm_header({1000: (6, "openssl"), 1001: (6, "3.0.7"), 1002: (6, "25.el9"),
                          1003: (4, [1]), 1022: (6, "x86_64")})
    pubkey = rpm_header({1000: (6, "gpg-pubkey"), 1001: (6, "1"), 1002: (6, "1")})
    os_release = 'ID="rocky"\nVERSION_ID="9.3"\nID_LIKE="rhel centos fedora"\n'
    layers = [[F("etc/os-release", os_release),
               F("var/lib/rpm/rpmdb.sqlite", rpmdb([bash, pubkey]))],
              [F("var/lib/rpm/rpmdb.sqlite", rpmdb([bash, pubkey, openssl]))]]
    built = docker_archive(str(tmp_path / "rpm.tar"), layers)
    result = analyze(built.path)
    assert result.distro is not None and result.distro.id_like == ("rhel", "centos", "fedora")
    rpm = _pkgs(result, "rpm")
    assert sorted(rpm) == ["bash", "openssl"]
    bash_pkg, ssl = rpm["bash"], rpm["openssl"]
    assert (bash_pkg.version, bash_pkg.release, bash_pkg.source, bash_pkg.licenses) == (
        "5.1.8-6.el9", "6.el9", "bash", ("GPLv3+",))
    assert (bash_pkg.layer, ssl.layer) == tuple(built.layers)
    assert ssl.version == "1:3.0.7-25.el9" and ssl.release == "25.el9"
    assert ssl.purl == "pkg:rpm/rocky/openssl@3.0.7-25.el9?arch=x86_64&distro=rocky-9.3&epoch=1"
    assert bash_pkg.files == (
        PackageFileRecord(path="/usr/bin/bash", digest="ab" * 32, digest_algorithm="sha256",
                          mode=0o100755, size=1000),
        PackageFileRecord(path="/etc/bashrc", digest="cd" * 32, digest_algorithm="sha256",
                          mode=0o100644, size=20, is_config=True),
    )


def test_deleted_database_catalogs_nothing(tmp_path: Path) -> None:
    layers = [[F("lib/apk/db/installed", APK_BASE)], [WH("lib/apk/db/installed")]]
    result = analyze(docker_archive(str(tmp_path / "gone.tar"), layers).path)
    assert result.packages == ()
    assert not os.path.exists(tmp_path / "lib")  # nothing was ever extracted


class _Exploding:
    name = "exploding"

    def captures(self, limits):  # type: ignore[no-untyped-def]
        import re

        from app.analysis.filesystem import Capture

        def boom(path: str, data: bytes) -> None:
            raise ValueError("cannot parse")
        return [Capture(re.compile(r"/etc/thing"), boom)]

    def sniffers(self):  # type: ignore[no-untyped-def]
        return ()

    def catalog(self, ctx):  # type: ignore[no-untyped-def]
        return ()


def test_a_cataloger_failing_on_one_file_is_a_warning(tmp_path: Path) -> None:
    built = docker_archive(str(tmp_path / "img.tar"), [[F("etc/thing", "x")]])
    result = analyze(built.path, catalogers=[_Exploding()])
    assert result.warnings == (
        "/etc/thing: the exploding cataloger could not read it: ValueError('cannot parse')",)
