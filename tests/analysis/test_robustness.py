"""Hostile or broken input: every case is an AnalysisError naming the member and the problem."""

from __future__ import annotations

import gzip
import json
import os
import tarfile
from pathlib import Path

import pytest

from app.analysis import AnalysisError, AnalysisLimits, analyze
from app.errors import InvalidInputError
from tests.analysis.builders import (
    E,
    F,
    H,
    S,
    _add,
    config_doc,
    docker_archive,
    layer_tar,
    oci_layout,
    sha,
)


def _error(path: str | Path, **kw: object) -> str:
    with pytest.raises(AnalysisError) as err:
        analyze(path, **kw)  # type: ignore[arg-type]
    assert isinstance(err.value, InvalidInputError)
    return str(err.value)


def _one_layer(tmp_path: Path, entries: list[E], **kw: object) -> str:
    return docker_archive(str(tmp_path / "img.tar"), [entries], **kw).path  # type: ignore[arg-type]


def test_parent_escape_member(tmp_path: Path) -> None:
    msg = _error(_one_layer(tmp_path, [F("../etc/passwd", "x")]))
    assert "member '../etc/passwd'" in msg and "escapes the archive root" in msg
    assert "layer sha256:" in msg


def test_absolute_member(tmp_path: Path) -> None:
    msg = _error(_one_layer(tmp_path, [F("/etc/passwd", "x")]))
    assert "member '/etc/passwd'" in msg and "absolute member name" in msg


def test_symlink_escape(tmp_path: Path) -> None:
    msg = _error(_one_layer(tmp_path, [S("etc/evil", "../../outside")]))
    assert "member 'etc/evil'" in msg and "symlink to '../../outside' escapes the root" in msg


def test_hardlink_escape(tmp_path: Path) -> None:
    msg = _error(_one_layer(tmp_path, [F("a", "x"), H("b", "../a")]))
    assert "member 'b'" in msg and "escapes the archive root" in msg


def test_hardlink_to_nothing(tmp_path: Path) -> None:
    msg = _error(_one_layer(tmp_path, [H("b", "nowhere")]))
    assert "member 'b'" in msg and "hardlink target '/nowhere' is not a file" in msg


def test_device_file(tmp_path: Path) -> None:
    path = _one_layer(tmp_path, [E("dev/null", type="char", mode=0o666)])
    msg = _error(path)
    assert "member 'dev/null'" in msg and "device file (char 1:3) in a layer" in msg
    allowed = analyze(path, limits=AnalysisLimits(allow_device_files=True))
    assert [(f.path, f.type, f.mode) for f in allowed.files] == [("/dev/null", "char", 0o20666)]


def test_duplicate_entry(tmp_path: Path) -> None:
    msg = _error(_one_layer(tmp_path, [F("etc/a", "1"), F("etc/a", "2")]))
    assert "member 'etc/a'" in msg and "duplicate entry in the same layer" in msg


def _rewrite_layer(archive: str, out: str, change) -> None:  # type: ignore[no-untyped-def]
    with tarfile.open(archive) as src, tarfile.open(out, "w") as dst:
        for m in src.getmembers():
            data = src.extractfile(m).read()  # type: ignore[union-attr]
            if m.name.endswith("layer.tar"):
                data = change(data)
            _add(dst, m.name, data)


def test_truncated_gzip_layer(tmp_path: Path) -> None:
    good = docker_archive(str(tmp_path / "good.tar"), [[F("a", os.urandom(5000))]], how="gzip")
    bad = str(tmp_path / "bad.tar")
    _rewrite_layer(good.path, bad, lambda d: d[: len(d) // 2])
    msg = _error(bad)
    assert "/layer.tar'" in msg and "corrupt or truncated layer" in msg


def test_corrupt_gzip_layer(tmp_path: Path) -> None:
    good = docker_archive(str(tmp_path / "good.tar"), [[F("a", "hello " * 1000)]], how="gzip")
    bad = str(tmp_path / "bad.tar")
    _rewrite_layer(good.path, bad, lambda d: d[:20] + bytes(b ^ 0xFF for b in d[20:40]) + d[40:])
    msg = _error(bad)
    assert "/layer.tar'" in msg and "corrupt or truncated layer" in msg


def test_truncated_plain_layer(tmp_path: Path) -> None:
    good = docker_archive(str(tmp_path / "good.tar"), [[F("a", "x" * 3000)]])
    bad = str(tmp_path / "bad.tar")
    _rewrite_layer(good.path, bad, lambda d: d[:1200])
    msg = _error(bad)
    assert "corrupt or truncated layer" in msg


def test_manifest_names_missing_layer(tmp_path: Path) -> None:
    tar = layer_tar([F("a", "1")])
    cfg = json.dumps(config_doc([sha(tar), sha(tar)])).encode()
    path = str(tmp_path / "img.tar")
    with tarfile.open(path, "w") as tf:
        _add(tf, "one/layer.tar", tar)
        _add(tf, sha(cfg)[7:] + ".json", cfg)
        _add(tf, "manifest.json", json.dumps([{"Config": sha(cfg)[7:] + ".json",
                                               "Layers": ["one/layer.tar", "two/layer.tar"]}]
                                             ).encode())
    msg = _error(path)
    assert "member 'two/layer.tar'" in msg
    assert "the manifest names a layer that is not in the archive" in msg


def test_oci_missing_blob(tmp_path: Path) -> None:
    built = oci_layout(str(tmp_path / "layout"), [[F("a", "1")]])
    os.remove(tmp_path / "layout" / "blobs" / "sha256" / built.layers[0][7:])
    msg = _error(built.path)
    assert f"blobs/sha256/{built.layers[0][7:]}" in msg and "not in the image" in msg


def test_oci_blob_digest_mismatch(tmp_path: Path) -> None:
    built = oci_layout(str(tmp_path / "layout"), [[F("a", "hello")]], how="none")
    blob = tmp_path / "layout" / "blobs" / "sha256" / built.layers[0][7:]
    data = blob.read_bytes()
    at = data.index(b"hello")
    blob.write_bytes(data[:at] + b"HELLO" + data[at + 5:])
    msg = _error(built.path)
    assert f"layer {built.layers[0]}" in msg and "digest mismatch" in msg
    assert sha(blob.read_bytes()) in msg


def test_config_digest_mismatch(tmp_path: Path) -> None:
    built = oci_layout(str(tmp_path / "layout"), [[F("a", "1")]])
    cfg = tmp_path / "layout" / "blobs" / "sha256" / built.config_digest[7:]
    cfg.write_bytes(cfg.read_bytes().replace(b"amd64", b"arm64"))
    msg = _error(built.path)
    assert built.config_digest[7:] in msg and "digest mismatch" in msg


def test_diff_id_mismatch(tmp_path: Path) -> None:
    wrong = "sha256:" + "0" * 64
    msg = _error(docker_archive(str(tmp_path / "img.tar"), [[F("a", "1")]],
                                config=config_doc([wrong])).path)
    assert f"diff_id mismatch: config says {wrong}" in msg and "layer.tar'" in msg


def test_absurd_member_size(tmp_path: Path) -> None:
    path = _one_layer(tmp_path, [F("big", "12345")])
    msg = _error(path, limits=AnalysisLimits(max_file_size=4))
    assert "member 'big'" in msg and "absurd size 5" in msg


def test_absurd_descriptor_size(tmp_path: Path) -> None:
    root = tmp_path / "layout"
    built = oci_layout(str(root), [[F("a", "1")]])
    manifest_path = root / "blobs" / "sha256" / built.manifest_digest[7:]
    doc = json.loads(manifest_path.read_bytes())
    doc["layers"][0]["size"] = 10**18
    data = json.dumps(doc).encode()
    (root / "blobs" / "sha256" / sha(data)[7:]).write_bytes(data)
    index = json.loads((root / "index.json").read_text())
    index["manifests"][0].update(digest=sha(data), size=len(data))
    (root / "index.json").write_text(json.dumps(index))
    msg = _error(root)
    assert f"layer {built.layers[0]}" in msg and "absurd size 1000000000000000000" in msg


def test_too_many_entries(tmp_path: Path) -> None:
    path = _one_layer(tmp_path, [F(f"f{i}", "x") for i in range(5)])
    msg = _error(path, limits=AnalysisLimits(max_entries=3))
    assert "member 'f3'" in msg and "more than 3 entries" in msg


def test_decompression_bomb_budget(tmp_path: Path) -> None:
    built = docker_archive(str(tmp_path / "img.tar"), [[F("zeros", b"\0" * 200_000)]],
                           how="gzip")
    msg = _error(built.path, limits=AnalysisLimits(max_uncompressed_bytes=50_000))
    assert "layer.tar'" in msg and "decompresses to more than 50000 bytes" in msg


def test_not_an_archive(tmp_path: Path) -> None:
    junk = tmp_path / "junk.bin"
    junk.write_bytes(gzip.compress(b"not a tar at all" * 100))
    msg = _error(junk)
    assert str(junk) in msg


def test_bad_manifest_json(tmp_path: Path) -> None:
    path = str(tmp_path / "img.tar")
    with tarfile.open(path, "w") as tf:
        _add(tf, "manifest.json", b"{nope")
    msg = _error(path)
    assert "member 'manifest.json'" in msg and "not valid JSON" in msg


def test_missing_source(tmp_path: Path) -> None:
    assert "does not exist" in _error(tmp_path / "nothing")


def test_outer_archive_escape(tmp_path: Path) -> None:
    path = str(tmp_path / "img.tar")
    with tarfile.open(path, "w") as tf:
        _add(tf, "../manifest.json", b"[]")
    msg = _error(path)
    assert "member '../manifest.json'" in msg and "escapes" in msg


@pytest.mark.parametrize(("field", "value"), [("Env", 7), ("Labels", ["a"]),
                                              ("ExposedPorts", "22/tcp")])
def test_config_fields_of_the_wrong_type_are_named(tmp_path: Path, field: str,
                                                   value: object) -> None:
    built = docker_archive(str(tmp_path / "img.tar"), [[F("a", "b")]], **{field: value})
    with pytest.raises(AnalysisError, match=f"{field} must be"):
        analyze(built.path)
