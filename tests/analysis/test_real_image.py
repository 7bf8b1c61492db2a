"""A real Debian bookworm image built from Debian's packages by the shared
`build-debian-image.sh` (debootstrap + umoci + skopeo; about two minutes, needs root and apt):
every kind of source must agree with dpkg's own view of the root filesystem.

Set IMAGEGATE_DEBIAN_IMAGE to a directory the script already filled to skip the build."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from app.analysis import ImageAnalysis, analyze

pytestmark = pytest.mark.slow

_REPO = Path(__file__).resolve().parents[2]
_SCRIPTS = [_REPO.parent / "shared" / "scripts" / "build-debian-image.sh",
            Path("/work/shared/scripts/build-debian-image.sh")]


@pytest.fixture(scope="module")
def debian(tmp_path_factory: pytest.TempPathFactory) -> Path:
    given = os.environ.get("IMAGEGATE_DEBIAN_IMAGE")
    if given and (Path(given) / "dpkg.tsv").is_file():
        return Path(given)
    script = next((s for s in _SCRIPTS if s.is_file()), None)
    if script is None or os.geteuid() != 0 or shutil.which("apt-get") is None:
        pytest.skip("needs build-debian-image.sh, root and apt")
    out = tmp_path_factory.mktemp("debian")
    try:
        subprocess.run(["bash", str(script), str(out)], check=True, capture_output=True,
                       timeout=1200)
    except (subprocess.CalledProcessError, subprocess.TimeoutExpired) as exc:
        # The build needs Debian's archive; its absence is the machine's, not the code's.
        tail = (exc.stderr or b"")[-500:].decode("utf-8", "replace")
        pytest.skip(f"could not build the Debian image: {exc}: {tail}")
    return out


def _truth(root: Path) -> dict[str, tuple[str, str, str]]:
    rows = {}
    for line in (root / "dpkg.tsv").read_text().splitlines():
        name, version, arch, source = line.split("\t")
        rows[name] = (version, arch, source)
    return rows


def _check(result: ImageAnalysis, root: Path) -> None:
    got = {p.name: (p.version, p.architecture, p.source) for p in result.packages
           if p.type == "dpkg"}
    assert got == _truth(root)
    assert result.distro is not None
    assert (result.distro.id, result.distro.version_id) == ("debian", "12")
    assert result.retrieved_files["/etc/passwd"].startswith("root:x:0:0:")
    files = {f.path: f for f in result.files}
    assert files["/usr/bin/passwd"].mode == 0o104755
    assert files["/usr/bin/passwd"].sha256 is not None
    assert result.warnings == ()


def test_docker_archive(debian: Path) -> None:
    result = analyze(debian / "debian-bookworm.tar")
    _check(result, debian)
    assert result.repo_tags == ("docker.io/example/debian:bookworm",)
    assert result.dockerfile == ('FROM scratch\nADD file:rootfs-minbase-bookworm.tar in / \n'
                                 'CMD ["bash"]\n')
    assert len(result.layers) == 1 and result.layers == result.diff_ids


def test_oci_layout_matches_docker_archive(debian: Path) -> None:
    oci = analyze(debian / "oci")
    _check(oci, debian)
    archive = analyze(debian / "debian-bookworm.tar")
    assert oci.diff_ids == archive.diff_ids and oci.image_id == archive.image_id
    # Same content; only the layer digests differ (OCI names the compressed blob).
    strip = [(f.path, f.type, f.mode, f.uid, f.gid, f.size, f.link_target, f.sha256)
             for f in oci.files]
    assert strip == [(f.path, f.type, f.mode, f.uid, f.gid, f.size, f.link_target, f.sha256)
                     for f in archive.files]
    assert oci.layers != oci.diff_ids


def test_rootfs(debian: Path) -> None:
    _check(analyze(debian / "rootfs"), debian)
