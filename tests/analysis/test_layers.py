"""Squashing real layer tarballs: whiteouts, opaque dirs, modes, links, layer attribution —
through every kind of source."""

from __future__ import annotations

import hashlib
import json
import os
import stat
from pathlib import Path

import pytest

from app.analysis import AnalysisError, ImageAnalysis, analyze
from tests.analysis.builders import (
    OPQ,
    WH,
    D,
    F,
    H,
    S,
    docker_archive,
    oci_archive,
    oci_layout,
    oci_manifest,
    write_index,
)

BASE = [D("etc"), F("etc/hostname", "base\n"), D("usr"), D("usr/bin"),
        F("usr/bin/passwd", b"\x7fELF-passwd", 0o4755), F("usr/bin/wall", b"wall", 0o2755),
        D("opt"), D("opt/app"), F("opt/app/old.txt", "old"), D("opt/app/sub"),
        F("opt/app/sub/deep.txt", "deep"), D("var"), D("var/cache"),
        F("var/cache/a", "a"), D("var/cache/dir"), F("var/cache/dir/b", "b")]
UPPER = [F("etc/hostname", "upper\n"), WH("var/cache/dir"), WH("var/cache/a"),
         F("opt/app/new.txt", "new"), OPQ("opt/app"),  # marker after a sibling: order-free
         S("usr/bin/pw", "passwd"), H("usr/bin/passwd2", "usr/bin/passwd", 0o4755),
         D("tmp", 0o1777)]
LAYERS = [BASE, UPPER]


def _files(result: ImageAnalysis) -> dict[str, object]:
    return {f.path: f for f in result.files}


def _check_squash(result: ImageAnalysis, l1: str, l2: str) -> None:
    files = _files(result)
    assert sorted(files) == [
        "/etc", "/etc/hostname", "/opt", "/opt/app", "/opt/app/new.txt", "/tmp", "/usr",
        "/usr/bin", "/usr/bin/passwd", "/usr/bin/passwd2", "/usr/bin/pw", "/usr/bin/wall",
        "/var", "/var/cache"]
    hostname = result_file(result, "/etc/hostname")
    assert (hostname.layer, hostname.size, hostname.type) == (l2, 6, "file")
    assert hostname.sha256 == hashlib.sha256(b"upper\n").hexdigest()
    assert hostname.mode == 0o100644
    passwd = result_file(result, "/usr/bin/passwd")
    assert (passwd.mode, passwd.layer, passwd.has_suid_or_sgid) == (0o104755, l1, True)
    assert result_file(result, "/usr/bin/wall").mode == 0o102755
    link = result_file(result, "/usr/bin/pw")
    assert (link.type, link.link_target, link.layer, stat.S_ISLNK(link.mode)) == (
        "symlink", "passwd", l2, True)
    hard = result_file(result, "/usr/bin/passwd2")
    assert (hard.type, hard.link_target, hard.sha256, hard.size, hard.layer) == (
        "hardlink", "/usr/bin/passwd", passwd.sha256, passwd.size, l2)
    assert result_file(result, "/tmp").mode == 0o41777
    assert result_file(result, "/opt/app").layer == l1  # the opaque marker is no entry
    assert [f.path for f in result.files if f.has_suid_or_sgid] == [
        "/usr/bin/passwd", "/usr/bin/passwd2", "/usr/bin/wall"]


def result_file(result: ImageAnalysis, path: str):  # type: ignore[no-untyped-def]
    return next(f for f in result.files if f.path == path)


def test_docker_archive_squash(tmp_path: Path) -> None:
    built = docker_archive(str(tmp_path / "img.tar"), LAYERS, User="app",
                           Env=["PATH=/usr/bin", "A=b=c"], ExposedPorts={"80/tcp": {}},
                           Labels={"maintainer": "me"}, Entrypoint=["/entry"], Cmd=["run"],
                           Healthcheck={"Test": ["CMD", "true"]})
    result = analyze(built.path)
    assert result.source_kind == "docker-archive"
    assert result.layers == tuple(built.diff_ids) == result.diff_ids
    assert result.image_id == built.config_digest[7:]
    assert result.digest.startswith("sha256:") and len(result.digest) == 71
    assert result.repo_tags == ("app:1.0",)
    _check_squash(result, *built.diff_ids)
    assert (result.architecture, result.os, result.user) == ("amd64", "linux", "app")
    assert result.env == {"PATH": "/usr/bin", "A": "b=c"}
    assert result.exposed_ports == ("80/tcp",)
    assert result.labels == {"maintainer": "me"}
    assert (result.entrypoint, result.cmd) == (("/entry",), ("run",))
    assert result.healthcheck == {"Test": ["CMD", "true"]}
    assert result.created is not None and result.created.year == 2024
    assert result.size == sum(len(x) for x in _layer_bytes(LAYERS))
    assert result.dockerfile_mode == "Guessed"
    assert result.dockerfile == "FROM scratch\nADD layer0 in / \nADD layer1 in / \n"


def _layer_bytes(layers):  # type: ignore[no-untyped-def]
    from tests.analysis.builders import layer_tar
    return [layer_tar(x) for x in layers]


def test_same_digest_twice_is_stable(tmp_path: Path) -> None:
    a = analyze(docker_archive(str(tmp_path / "a.tar"), LAYERS).path)
    b = analyze(docker_archive(str(tmp_path / "b.tar"), LAYERS).path)
    assert a.digest == b.digest and a.files == b.files


@pytest.mark.parametrize("how", ["gzip", "zstd", "none"])
def test_oci_layout_squash(tmp_path: Path, how: str) -> None:
    built = oci_layout(str(tmp_path / "layout"), LAYERS, how=how)
    result = analyze(built.path)
    assert result.source_kind == "oci-layout"
    assert result.digest == built.manifest_digest
    assert result.layers == tuple(built.layers)
    assert result.diff_ids == tuple(built.diff_ids)
    if how != "none":
        assert result.layers != result.diff_ids
    assert result.repo_tags == ("app:1.0",)
    _check_squash(result, *built.layers)


def test_oci_archive_squash(tmp_path: Path) -> None:
    built = oci_archive(str(tmp_path / "img.oci.tar"), str(tmp_path / "work"), LAYERS,
                        how="zstd")
    result = analyze(built.path)
    assert (result.source_kind, result.digest) == ("oci-archive", built.manifest_digest)
    _check_squash(result, *built.layers)


def test_whiteout_then_recreate_in_later_layer(tmp_path: Path) -> None:
    layers = [[D("a"), F("a/x", "1")], [WH("a")], [D("a"), F("a/y", "2")]]
    built = docker_archive(str(tmp_path / "img.tar"), layers)
    result = analyze(built.path)
    assert [(f.path, f.layer) for f in result.files] == [
        ("/a", built.diff_ids[2]), ("/a/y", built.diff_ids[2])]


def test_file_replacing_a_directory_drops_its_contents(tmp_path: Path) -> None:
    layers = [[D("a"), F("a/x", "1")], [F("a", "now a file")]]
    result = analyze(docker_archive(str(tmp_path / "img.tar"), layers).path)
    assert [(f.path, f.type) for f in result.files] == [("/a", "file")]


def test_identical_layers_are_attributed_by_position(tmp_path: Path) -> None:
    layers = [[D("w")], [F("f", "1")], [D("w")]]
    built = docker_archive(str(tmp_path / "img.tar"), layers)
    result = analyze(built.path)
    assert built.diff_ids[0] == built.diff_ids[2]
    assert [(f.path, f.layer) for f in result.files] == [
        ("/f", built.diff_ids[1]), ("/w", built.diff_ids[2])]


def _multi(tmp_path: Path) -> str:
    root = str(tmp_path / "multi")
    os.makedirs(root)
    descs = []
    for arch, variant in (("amd64", ""), ("arm64", "v8")):
        desc, _ = oci_manifest(root, [[F("arch", arch)]], arch=arch)
        desc["platform"] = {"os": "linux", "architecture": arch,
                            **({"variant": variant} if variant else {})}
        descs.append(desc)
    att, _ = oci_manifest(root, [[F("attestation", "x")]])
    att["platform"] = {"os": "unknown", "architecture": "unknown"}
    descs.append(att)
    write_index(root, descs)
    return root


def test_multi_platform_index_picks_platform(tmp_path: Path) -> None:
    root = _multi(tmp_path)
    arm = analyze(root, platform="linux/arm64")
    assert arm.architecture == "arm64"
    assert [f.path for f in arm.files] == ["/arch"]
    amd = analyze(root, platform="amd64")
    assert amd.architecture == "amd64"
    assert amd.digest != arm.digest


def test_multi_platform_index_unknown_platform(tmp_path: Path) -> None:
    with pytest.raises(AnalysisError) as err:
        analyze(_multi(tmp_path), platform="linux/s390x")
    assert "no manifest for platform linux/s390x" in str(err.value)
    assert "available: linux/amd64, linux/arm64/v8" in str(err.value)
    assert "index.json" in str(err.value)


def test_nested_index_as_docker_writes_it(tmp_path: Path) -> None:
    root = str(tmp_path / "nested")
    os.makedirs(root)
    desc, built = oci_manifest(root, [[F("hello", "hi")]])
    desc["platform"] = {"os": "linux", "architecture": "amd64"}
    inner = json.dumps({"schemaVersion": 2, "mediaType": "application/vnd.oci.image.index.v1+json",
                        "manifests": [desc]}).encode()
    digest = "sha256:" + hashlib.sha256(inner).hexdigest()
    (Path(root) / "blobs" / "sha256" / digest[7:]).write_bytes(inner)
    write_index(root, [{"mediaType": "application/vnd.oci.image.index.v1+json",
                        "digest": digest, "size": len(inner),
                        "annotations": {"org.opencontainers.image.ref.name": "2",
                                        "io.containerd.image.name": "docker.io/x/app:2"}}])
    result = analyze(root, platform="linux/amd64")
    assert result.digest == built.manifest_digest
    assert result.repo_tags == ("docker.io/x/app:2",)


def test_rootfs_directory(tmp_path: Path) -> None:
    root = tmp_path / "rootfs"
    (root / "usr" / "bin").mkdir(parents=True)
    (root / "etc").mkdir()
    (root / "etc" / "passwd").write_text("root:x:0:0:root:/root:/bin/sh\n")
    tool = root / "usr" / "bin" / "tool"
    tool.write_bytes(b"tool")
    tool.chmod(0o4755)
    (root / "usr" / "bin" / "sh").symlink_to("/bin/busybox")
    result = analyze(root)
    assert result.source_kind == "rootfs"
    files = {f.path: f for f in result.files}
    assert sorted(files) == ["/etc", "/etc/passwd", "/usr", "/usr/bin", "/usr/bin/sh",
                             "/usr/bin/tool"]
    assert files["/usr/bin/tool"].mode == 0o104755
    assert files["/usr/bin/tool"].sha256 == hashlib.sha256(b"tool").hexdigest()
    assert files["/usr/bin/sh"].link_target == "/bin/busybox"
    assert files["/usr/bin/tool"].layer is None
    assert result.retrieved_files == {"/etc/passwd": "root:x:0:0:root:/root:/bin/sh\n"}
    assert result.layers == () and result.dockerfile_mode is None
    assert result.digest[7:] == result.image_id


def test_analysis_round_trips_through_json(tmp_path: Path) -> None:
    built = docker_archive(str(tmp_path / "img.tar"), LAYERS, Cmd=["run"])
    result = analyze(built.path)
    again = ImageAnalysis.from_dict(json.loads(json.dumps(result.to_dict())))
    assert again == result


def test_multi_platform_index_defaults_to_the_host(tmp_path: Path) -> None:
    from app.analysis.sources.oci import parse_platform

    host_arch = parse_platform(None)[1]
    root = _multi(tmp_path)
    if host_arch not in ("amd64", "arm64"):
        pytest.skip(f"no test manifest for host architecture {host_arch}")
    assert analyze(root).architecture == host_arch


def test_docker_archive_with_symlinked_duplicate_layer(tmp_path: Path) -> None:
    """`docker save` stores a repeated layer once and links the second name to it."""
    import tarfile

    from tests.analysis.builders import _add, config_doc, layer_tar, sha

    tar = layer_tar([D("w")])
    cfg = json.dumps(config_doc([sha(tar), sha(tar)])).encode()
    path = str(tmp_path / "img.tar")
    with tarfile.open(path, "w") as tf:
        _add(tf, "aaa/layer.tar", tar)
        link = tarfile.TarInfo("bbb/layer.tar")
        link.type, link.linkname = tarfile.SYMTYPE, "../aaa/layer.tar"
        tf.addfile(link)
        _add(tf, sha(cfg)[7:] + ".json", cfg)
        _add(tf, "manifest.json", json.dumps([{"Config": sha(cfg)[7:] + ".json",
                                               "Layers": ["aaa/layer.tar", "bbb/layer.tar"]}]
                                             ).encode())
    result = analyze(path)
    assert result.layers == (sha(tar), sha(tar))
    assert [(f.path, f.layer) for f in result.files] == [("/w", sha(tar))]


def test_extracted_docker_archive_directory(tmp_path: Path) -> None:
    import tarfile

    built = docker_archive(str(tmp_path / "img.tar"), LAYERS)
    out = tmp_path / "extracted"
    with tarfile.open(built.path) as tf:
        tf.extractall(out, filter="data")
    result = analyze(out)
    assert result.source_kind == "docker-archive"
    _check_squash(result, *built.diff_ids)


def test_oci_blob_symlink_escaping_the_layout(tmp_path: Path) -> None:
    built = oci_layout(str(tmp_path / "layout"), LAYERS)
    blob = tmp_path / "layout" / "blobs" / "sha256" / built.layers[0][7:]
    outside = tmp_path / "outside"
    blob.rename(outside)
    blob.symlink_to(outside)
    with pytest.raises(AnalysisError) as err:
        analyze(built.path)
    assert built.layers[0][7:] in str(err.value)
    assert "resolves outside the image directory" in str(err.value)


def test_command_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from app.analysis.__main__ import main

    built = docker_archive(str(tmp_path / "img.tar"), LAYERS)
    assert main([built.path, "--summary"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert (doc["files"], doc["layers"]) == (14, built.diff_ids)
    assert main([str(tmp_path / "missing")]) == 2
    assert "does not exist" in capsys.readouterr().err


@pytest.mark.parametrize("how", ["gzip", "none"])
def test_zero_byte_layer_is_an_empty_layer(tmp_path: Path, how: str) -> None:
    from tests.analysis.builders import compress, config_doc, sha

    root = tmp_path / "layout"
    built = oci_layout(str(root), [[F("a", "1")], [F("b", "2")]], how=how)
    # Replace the second layer by a zero-byte (maybe compressed) stream, keeping digests true.
    empty = compress(b"", how)
    manifest_path = root / "blobs" / "sha256" / built.manifest_digest[7:]
    manifest = json.loads(manifest_path.read_bytes())
    manifest["layers"][1].update(digest=sha(empty), size=len(empty))
    (root / "blobs" / "sha256" / sha(empty)[7:]).write_bytes(empty)
    cfg = config_doc([built.diff_ids[0], sha(b"")])
    cfg_bytes = json.dumps(cfg).encode()
    (root / "blobs" / "sha256" / sha(cfg_bytes)[7:]).write_bytes(cfg_bytes)
    manifest["config"].update(digest=sha(cfg_bytes), size=len(cfg_bytes))
    data = json.dumps(manifest).encode()
    (root / "blobs" / "sha256" / sha(data)[7:]).write_bytes(data)
    write_index(str(root), [{"mediaType": "application/vnd.oci.image.manifest.v1+json",
                             "digest": sha(data), "size": len(data)}])
    result = analyze(root)
    assert [f.path for f in result.files] == ["/a"]
    assert result.layers[1] == sha(empty)
