"""The demo images: a small Debian-based base image and an application image on top of it,
written as real docker-archives (what `docker save` writes) by code, so the repository ships
no binary blobs. The application has Python packages that the bundled PyPA sample matches,
a setuid binary, a leaked key and an exposed SSH port, so that every kind of finding shows."""

from __future__ import annotations

import hashlib
import io
import json
import tarfile
from pathlib import Path

BASE_TAG = "docker.io/imagegate/demo-base:12"
APP_TAG = "docker.io/imagegate/demo:1.0"
CREATED = "2024-05-01T12:00:00Z"
MTIME = 1714564800

OS_RELEASE = ('PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\nNAME="Debian GNU/Linux"\n'
              'VERSION_ID="12"\nVERSION="12 (bookworm)"\nVERSION_CODENAME=bookworm\nID=debian\n')
PASSWD = ("root:x:0:0:root:/root:/bin/bash\ndaemon:x:1:1:daemon:/usr/sbin:/usr/sbin/nologin\n"
          "app:x:1000:1000::/home/app:/bin/sh\n")
DPKG = [  # (package, version, source, license) as in Debian bookworm
    ("base-files", "12.4+deb12u5", None, "GPL-2.0"),
    ("bash", "5.2.15-2+b2", None, "GPL-3.0"),
    ("libc6", "2.36-9+deb12u4", "glibc", "LGPL-2.1"),
    ("libssl3", "3.0.11-1~deb12u2", "openssl", "Apache-2.0"),
    ("openssl", "3.0.11-1~deb12u2", None, "Apache-2.0"),
    ("zlib1g", "1:1.2.13.dfsg-1", "zlib", "Zlib"),
    ("python3.11", "3.11.2-6", None, "PSF-2.0"),
]
PYTHON = [("Django", "3.2.0"), ("requests", "2.25.0"), ("urllib3", "1.26.4"),
          ("Jinja2", "2.11.2"), ("PyYAML", "5.3.1")]
SITE = "usr/lib/python3/dist-packages"

Entry = tuple[str, bytes, int]  # (path, content, mode); a path ending in / is a directory


def _dpkg_status() -> str:
    stanzas = []
    for name, version, source, _ in DPKG:
        lines = [f"Package: {name}", "Status: install ok installed", "Priority: optional",
                 "Architecture: amd64", f"Version: {version}"]
        if source:
            lines.insert(3, f"Source: {source}")
        stanzas.append("\n".join(lines) + "\nDescription: demo package\n")
    return "\n".join(stanzas)


def _base_layer() -> list[Entry]:
    entries: list[Entry] = [(d, b"", 0o755) for d in (
        "etc/", "usr/", "usr/bin/", "usr/share/", "usr/share/doc/", "var/", "var/lib/",
        "var/lib/dpkg/", "root/", "home/", "home/app/")]
    entries += [("etc/os-release", OS_RELEASE.encode(), 0o644),
                ("etc/passwd", PASSWD.encode(), 0o644),
                ("var/lib/dpkg/status", _dpkg_status().encode(), 0o644),
                ("usr/bin/passwd", b"\x7fELF demo", 0o4755),
                ("usr/bin/su", b"\x7fELF demo", 0o4755)]
    for name, _, _, license_id in DPKG:
        entries.append((f"usr/share/doc/{name}/", b"", 0o755))
        entries.append((f"usr/share/doc/{name}/copyright",
                        f"Format: https://www.debian.org/doc/packaging-manuals/"
                        f"copyright-format/1.0/\n\nFiles: *\nLicense: {license_id}\n".encode(),
                        0o644))
    return entries


def _app_layer() -> list[Entry]:
    entries: list[Entry] = [("usr/lib/", b"", 0o755), ("usr/lib/python3/", b"", 0o755),
                            (f"{SITE}/", b"", 0o755), ("app/", b"", 0o755)]
    for name, version in PYTHON:
        info = f"{SITE}/{name}-{version}.dist-info"
        entries.append((f"{info}/", b"", 0o755))
        entries.append((f"{info}/METADATA", f"Metadata-Version: 2.1\nName: {name}\n"
                        f"Version: {version}\nLicense: BSD\n".encode(), 0o644))
    entries += [("app/app.py", b"print('hello from the imagegate demo')\n", 0o644),
                ("app/settings.env", b"DEBUG=1\nAWS_ACCESS_KEY_ID=AKIAIOSFODNN7EXAMPLE\n",
                 0o600)]
    return entries


def _layer_tar(entries: list[Entry]) -> bytes:
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.PAX_FORMAT) as tf:
        for path, content, mode in entries:
            info = tarfile.TarInfo(path.rstrip("/"))
            info.mode, info.mtime = mode, MTIME
            if path.endswith("/"):
                info.type = tarfile.DIRTYPE
                tf.addfile(info)
            else:
                info.size = len(content)
                tf.addfile(info, io.BytesIO(content))
    return buf.getvalue()


def _write(path: Path, layers: list[bytes], history: list[str], tag: str,
           config: dict[str, object]) -> Path:
    diff_ids = ["sha256:" + hashlib.sha256(t).hexdigest() for t in layers]
    cfg = json.dumps({"architecture": "amd64", "os": "linux", "created": CREATED,
                      "config": config, "rootfs": {"type": "layers", "diff_ids": diff_ids},
                      "history": [{"created": CREATED, "created_by": h} for h in history]},
                     sort_keys=True).encode()
    cfg_name = hashlib.sha256(cfg).hexdigest() + ".json"
    names = [f"{d[7:]}/layer.tar" for d in diff_ids]
    manifest = json.dumps([{"Config": cfg_name, "RepoTags": [tag], "Layers": names}]).encode()
    path.parent.mkdir(parents=True, exist_ok=True)
    with tarfile.open(path, "w") as tf:
        for name, data in [*zip(names, layers, strict=True), (cfg_name, cfg),
                           ("manifest.json", manifest)]:
            info = tarfile.TarInfo(name)
            info.size, info.mtime = len(data), MTIME
            tf.addfile(info, io.BytesIO(data))
    return path


def build(directory: Path) -> tuple[Path, Path]:
    """Write the base and the application image into `directory`; their paths."""
    base, app = _layer_tar(_base_layer()), _layer_tar(_app_layer())
    base_history = ["/bin/sh -c #(nop) ADD file:demo-rootfs-bookworm.tar in / ",
                    '/bin/sh -c #(nop)  CMD ["bash"]']
    env = {"Env": ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"]}
    base_path = _write(directory / "demo-base.tar", [base], base_history, BASE_TAG,
                       {**env, "Cmd": ["bash"]})
    app_path = _write(
        directory / "demo-app.tar", [base, app],
        [*base_history, "/bin/sh -c pip install Django==3.2.0 requests==2.25.0 "
         "urllib3==1.26.4 Jinja2==2.11.2 PyYAML==5.3.1",
         "/bin/sh -c #(nop)  EXPOSE 22 8000", "/bin/sh -c #(nop)  USER app",
         '/bin/sh -c #(nop)  CMD ["python3", "/app/app.py"]'],
        APP_TAG, {**env, "User": "app", "ExposedPorts": {"22/tcp": {}, "8000/tcp": {}},
                  "Cmd": ["python3", "/app/app.py"]})
    return base_path, app_path
