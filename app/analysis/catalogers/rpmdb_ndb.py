"""rpm's own package database, ndb (`Packages.db`, rpm ≥ 4.16: SUSE / openSUSE), read from
the file's bytes: a header, slots saying where each package's blob lies, and the blobs,
each an rpm header. Integers are little-endian; blocks are 16 bytes. The layout (rpm's
lib/backend/ndb/rpmpkg.c):

- bytes 0 to 31, the database header: "RpmP", format version (0), generation, the number of
  4096-byte slot pages, the next package index.
- the slot pages, 16-byte slots from byte 32 on: "Slot", package index, first block, block
  count. A slot whose first block is 0 is free.
- a blob at (first block * 16): a 16-byte head ("BlbS", package index, time stamp, length),
  the blob, zero padding up to the slot's block count, and a 12-byte tail (Adler-32 of all
  before it, length, "BlbE").

Every way the file can be wrong raises NdbError saying what is wrong."""

from __future__ import annotations

import struct
import zlib

HEADER_MAGIC, SLOT_MAGIC, BLOB_HEAD_MAGIC, BLOB_TAIL_MAGIC = b"RpmP", b"Slot", b"BlbS", b"BlbE"
HEADER_SIZE, SLOT_SIZE, BLOCK_SIZE, SLOT_PAGE_SIZE = 32, 16, 16, 4096
BLOB_HEAD_SIZE, BLOB_TAIL_SIZE = 16, 12
VERSION = 0


class NdbError(ValueError):
    """What is wrong with an ndb file, worded for a warning."""


def ndb_blobs(data: bytes) -> list[tuple[int, bytes]]:
    """(package index, blob) of every used slot, in slot order."""
    if len(data) < HEADER_SIZE:
        raise NdbError(f"the file is {len(data)} bytes, shorter than the {HEADER_SIZE}-byte "
                       "ndb header")
    if data[:4] != HEADER_MAGIC:
        raise NdbError("not an rpm ndb database (no RpmP magic)")
    version, _generation, slot_pages = struct.unpack_from("<III", data, 4)
    if version != VERSION:
        raise NdbError(f"ndb version {version} is not supported (only {VERSION})")
    if slot_pages == 0:
        raise NdbError("the header names no slot pages")
    slots_end = slot_pages * SLOT_PAGE_SIZE
    if slots_end > len(data):
        raise NdbError(f"the file is cut off: {len(data)} bytes, but the header names "
                       f"{slot_pages} slot pages ({slots_end} bytes)")
    file_blocks = len(data) // BLOCK_SIZE
    first_blob_block = slots_end // BLOCK_SIZE
    blobs: list[tuple[int, bytes]] = []
    seen: set[int] = set()
    for offset in range(HEADER_SIZE, slots_end, SLOT_SIZE):
        slot = offset // SLOT_SIZE
        if data[offset:offset + 4] != SLOT_MAGIC:
            raise NdbError(f"slot {slot} (byte {offset}) has no Slot magic")
        pkgidx, block, blocks = struct.unpack_from("<III", data, offset + 4)
        if block == 0:
            continue  # a free slot
        if pkgidx == 0 or blocks == 0 or block < first_blob_block:
            raise NdbError(f"slot {slot} is not a valid entry (package {pkgidx}, block "
                           f"{block}, {blocks} blocks)")
        if block + blocks > file_blocks:
            raise NdbError(f"slot {slot}: the blob of package {pkgidx} (blocks {block} to "
                           f"{block + blocks - 1}) runs past the end of the file "
                           f"({len(data)} bytes)")
        if pkgidx in seen:
            raise NdbError(f"package {pkgidx} has two slots")
        seen.add(pkgidx)
        blobs.append((pkgidx, _blob(data, pkgidx, block, blocks)))
    return blobs


def _blob(data: bytes, pkgidx: int, block: int, blocks: int) -> bytes:
    start, end = block * BLOCK_SIZE, (block + blocks) * BLOCK_SIZE
    what = f"the blob of package {pkgidx} at block {block}"
    if blocks * BLOCK_SIZE < BLOB_HEAD_SIZE + BLOB_TAIL_SIZE:
        raise NdbError(f"{what} has {blocks} blocks, too few for its head and tail")
    if data[start:start + 4] != BLOB_HEAD_MAGIC:
        raise NdbError(f"{what} has no BlbS magic")
    owner, _timestamp, length = struct.unpack_from("<III", data, start + 4)
    if owner != pkgidx:
        raise NdbError(f"{what} says it belongs to package {owner}")
    needed = -(-(BLOB_HEAD_SIZE + length + BLOB_TAIL_SIZE) // BLOCK_SIZE)
    if needed != blocks:
        raise NdbError(f"{what} is {length} bytes, which take {needed} blocks, not the "
                       f"slot's {blocks}")
    tail = end - BLOB_TAIL_SIZE
    checksum, tail_length = struct.unpack_from("<II", data, tail)
    if data[tail + 8:end] != BLOB_TAIL_MAGIC:
        raise NdbError(f"{what} has no BlbE magic at its end")
    if tail_length != length:
        raise NdbError(f"{what} is {length} bytes by its head and {tail_length} by its tail")
    if zlib.adler32(data[start:tail]) != checksum:
        raise NdbError(f"{what} fails its Adler-32 checksum")
    return data[start + BLOB_HEAD_SIZE:start + BLOB_HEAD_SIZE + length]
