"""Go modules from the build info that Go 1.18+ embeds in ELF binaries (the
`\\xff Go buildinf:` blob with inline version and module strings), found while the binary
streams past — nothing is executed and no binary is kept in memory. Each binary yields its
main module, its dependencies (replacements applied) and `stdlib` at the toolchain's version.
Older binaries (the pointer-based format of Go < 1.18) are reported in the warnings, not
cataloged.
Layer: that of the binary."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from app.analysis.catalogers.base import CatalogContext, purl
from app.analysis.errors import AnalysisLimits
from app.analysis.filesystem import Capture, Sniffer, SnifferFactory
from app.analysis.model import PackageRecord

MAGIC = b"\xff Go buildinf:"
HEADER = 32
MAX_INFO = 4 * 1024 * 1024
FLAG_INLINE = 0x2


def _uvarint(buf: bytes, pos: int) -> tuple[int, int] | None:
    value = shift = 0
    while pos < len(buf):
        b = buf[pos]
        pos += 1
        value |= (b & 0x7F) << shift
        if not b & 0x80:
            return value, pos
        shift += 7
        if shift > 63:
            raise ValueError("varint overflow")
    return None


def parse_buildinfo(buf: bytes) -> tuple[str, str] | str | None:
    """(go version, modinfo) from bytes starting at the magic; "old" for the pre-1.18 format;
    None when `buf` is too short yet."""
    if len(buf) < HEADER:
        return None
    if not buf[15] & FLAG_INLINE:
        return "old"
    first = _uvarint(buf, HEADER)
    if first is None:
        return None
    n, pos = first
    if pos + n > len(buf):
        return None
    version = buf[pos:pos + n].decode("utf-8", "replace")
    second = _uvarint(buf, pos + n)
    if second is None:
        return None
    m, pos = second
    if pos + m > len(buf):
        return None
    mod = buf[pos:pos + m]
    if len(mod) >= 33 and mod[-17] == 0x0A:
        mod = mod[16:-16]
    return version, mod.decode("utf-8", "replace")


class BuildinfoSniffer:
    """Finds the magic at a 16-byte aligned file offset (as the linker places the section)
    with a sane header, so a copy of the magic string elsewhere is skipped."""

    def __init__(self) -> None:
        self.tail = b""
        self.tail_offset = 0  # file offset of self.tail[0]
        self.found: bytearray | None = None
        self.parsed: tuple[str, str] | str | None = None

    def _locate(self, data: bytes, base: int) -> int:
        at = data.find(MAGIC)
        while at >= 0:
            header_ok = len(data) < at + 16 or (data[at + 14] in (4, 8)
                                                  and not data[at + 15] & ~0x3)
            if (base + at) % 16 == 0 and header_ok:
                return at
            at = data.find(MAGIC, at + 1)
        return -1

    def feed(self, chunk: bytes) -> bool:
        if self.found is None:
            data = self.tail + chunk
            at = self._locate(data, self.tail_offset)
            if at < 0:
                keep = min(len(data), len(MAGIC) + 1)
                self.tail_offset += len(data) - keep
                self.tail = data[len(data) - keep:]
                return True
            self.found = bytearray(data[at:])
        else:
            self.found += chunk
        try:
            self.parsed = parse_buildinfo(bytes(self.found))
        except ValueError:
            self.parsed = "old"
        if self.parsed is None and len(self.found) > MAX_INFO:
            self.parsed = "old"
        return self.parsed is None

    def result(self) -> Any:
        return self.parsed


def sniff(path: str, size: int, first: bytes) -> Sniffer | None:
    return BuildinfoSniffer() if first.startswith(b"\x7fELF") else None


def parse_modinfo(text: str) -> list[tuple[str, str]]:
    """(module path, version): the main module first, then dependencies (replacements
    applied)."""
    modules: list[tuple[str, str]] = []
    for line in text.splitlines():
        fields = line.split("\t")
        if fields[0] in ("mod", "dep") and len(fields) >= 3:
            modules.append((fields[1], fields[2]))
        elif fields[0] == "=>" and len(fields) >= 3 and modules:
            modules[-1] = (fields[1], fields[2])
    return modules


class GoCataloger:
    name = "go"

    def captures(self, limits: AnalysisLimits) -> Sequence[Capture]:
        return ()

    def sniffers(self) -> Sequence[tuple[str, SnifferFactory]]:
        return [("go-buildinfo", sniff)]

    def catalog(self, ctx: CatalogContext) -> Iterable[PackageRecord]:
        for path, found in sorted(ctx.fs.sniffed.get("go-buildinfo", {}).items()):
            if found == "old":
                ctx.fs.warnings.append(f"{path}: Go build info in the pre-1.18 format is not "
                                       "supported; its modules were not cataloged")
                continue
            go_version, modinfo = found
            go_version = go_version.split()[0] if go_version.split() else ""
            if go_version.startswith("go"):  # the standard library, as syft reports it
                yield PackageRecord(name="stdlib", version=go_version, type="go",
                                    purl=purl("golang", "stdlib", go_version[2:]),
                                    location=path, layer=ctx.fs.layer(path))
            for module, version in parse_modinfo(modinfo):
                yield PackageRecord(name=module, version=version, type="go",
                                    purl=purl("golang", module.rsplit("/", 1)[-1], version,
                                              namespace=module.rsplit("/", 1)[0]
                                              if "/" in module else None),
                                    location=path, layer=ctx.fs.layer(path))
