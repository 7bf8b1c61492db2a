"""Berkeley DB hash databases, read from the file's bytes alone: rpm's `Packages` up to rpm
4.15 (CentOS / RHEL ≤ 8, Amazon Linux 2, UBI 7/8) is one, each value an rpm header.

No environment, log or lock is needed: only the pages. The layout (Berkeley DB's on-disk
page format, which rpm's own read-only reader relies on too):

- Page 0, the hash metadata page, in the byte order of the machine that wrote the file:
  magic 0x061561 at byte 12, version at 16, page size at 20, flags byte at 26, last page
  number at 32, the highest bucket at 72 and, from 96, the 32 `spares`: bucket b starts on
  page b + spares[ceil(log2(b + 1))].
- Every other page starts with a 26-byte header: its own number at 8, the next page of its
  chain at 16, the item count at 20, the high-free offset at 22 (on an overflow page: the
  bytes it holds), the page type at 25. A checksummed file has 6 more header bytes.
- A bucket page (P_HASH; P_HASH_UNSORTED before Berkeley DB 4.6) has, after its header,
  16-bit offsets of its items, keys and values alternating. Items are packed down from the
  page's end, so an item runs from its offset to the previous item's (the page's end for
  the first). An item's first byte is its type: H_KEYDATA, the bytes follow; H_OFFPAGE, 3
  pad bytes, the first overflow page and the total length, the bytes being on a chain of
  P_OVERFLOW pages linked by their next page number.

Every way the file can be wrong raises BerkeleyDBError saying what is wrong; every chain is
followed at most once per page, so a damaged file cannot make the reader loop."""

from __future__ import annotations

import struct
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Literal

HASH_MAGIC = 0x061561
OTHER_MAGICS = {0x053162: "btree", 0x042253: "queue", 0x074582: "heap"}
HASH_VERSIONS = range(8, 11)  # the ones rpm's own reader takes; db5.3 writes 9
P_HASH_UNSORTED, P_OVERFLOW, P_HASHMETA, P_HASH = 2, 7, 8, 13
H_KEYDATA, H_DUPLICATE, H_OFFPAGE, H_OFFDUP = 1, 2, 3, 4
PAGE_HEADER_SIZE = 26
CHECKSUM_SIZE = 6  # 2 alignment bytes + a 32-bit checksum, after the header
DBMETA_CHKSUM = 0x01
OFFPAGE_ITEM_SIZE = 12
SPARES = 32


class BerkeleyDBError(ValueError):
    """What is wrong with a Berkeley DB file, worded for a warning."""


@dataclass(frozen=True)
class _Pages:
    data: bytes
    order: str  # struct byte order: "<" or ">"
    page_size: int
    last_pgno: int
    overhead: int  # bytes before a page's item offsets or overflow data

    def page(self, pgno: int, via: str) -> bytes:
        if not 0 < pgno <= self.last_pgno:
            raise BerkeleyDBError(f"{via} names page {pgno}, but the database has pages "
                                  f"1 to {self.last_pgno}")
        start = pgno * self.page_size
        if start + self.page_size > len(self.data):
            raise BerkeleyDBError(f"page {pgno} is cut off: the file ends at byte "
                                  f"{len(self.data)}")
        page = self.data[start:start + self.page_size]
        (own,) = struct.unpack_from(self.order + "I", page, 8)
        if own != pgno:
            raise BerkeleyDBError(f"page {pgno} is marked as page {own}")
        return page

    def next_pgno(self, page: bytes) -> int:
        return int(struct.unpack_from(self.order + "I", page, 16)[0])

    def pairs(self, page: bytes, pgno: int) -> Iterator[tuple[bytes, bytes]]:
        (count,) = struct.unpack_from(self.order + "H", page, 20)
        items_start = self.overhead + 2 * count
        if items_start > self.page_size:
            raise BerkeleyDBError(f"page {pgno} claims {count} items, more than fit on it")
        if count % 2:
            raise BerkeleyDBError(f"page {pgno} has an odd number of items ({count}); "
                                  "keys and values come in pairs")
        offsets = struct.unpack_from(f"{self.order}{count}H", page, self.overhead)
        for i in range(0, count, 2):
            yield (self._item(page, pgno, i, offsets, items_start),
                   self._item(page, pgno, i + 1, offsets, items_start))

    def _item(self, page: bytes, pgno: int, i: int, offsets: tuple[int, ...],
              items_start: int) -> bytes:
        start, end = offsets[i], offsets[i - 1] if i else self.page_size
        if not items_start <= start < end <= self.page_size:
            raise BerkeleyDBError(f"page {pgno}: item {i} at offset {start} lies outside "
                                  "the page's item area")
        kind = page[start]
        if kind == H_KEYDATA:
            return page[start + 1:end]
        if kind == H_OFFPAGE:
            if end - start != OFFPAGE_ITEM_SIZE:
                raise BerkeleyDBError(f"page {pgno}: overflow item {i} is {end - start} "
                                      f"bytes, not {OFFPAGE_ITEM_SIZE}")
            first, length = struct.unpack_from(self.order + "II", page, start + 4)
            return self.overflow(first, length, f"item {i} on page {pgno}")
        if kind in (H_DUPLICATE, H_OFFDUP):
            raise BerkeleyDBError(f"page {pgno}: item {i} is a set of duplicates, which "
                                  "rpm's database never has")
        raise BerkeleyDBError(f"page {pgno}: item {i} has unknown type {kind}")

    def overflow(self, pgno: int, length: int, via: str) -> bytes:
        pieces: list[bytes] = []
        got = 0
        seen: set[int] = set()
        while got < length:
            if pgno == 0:
                raise BerkeleyDBError(f"the overflow chain of {via} ends after {got} of "
                                      f"its {length} bytes")
            if pgno in seen:
                raise BerkeleyDBError(f"the overflow chain of {via} loops back to page "
                                      f"{pgno}")
            seen.add(pgno)
            page = self.page(pgno, f"the overflow chain of {via}")
            if page[25] != P_OVERFLOW:
                raise BerkeleyDBError(f"the overflow chain of {via} reaches page {pgno} of "
                                      f"type {page[25]}, not an overflow page")
            (used,) = struct.unpack_from(self.order + "H", page, 22)
            if self.overhead + used > self.page_size:
                raise BerkeleyDBError(f"overflow page {pgno} claims {used} bytes, more than "
                                      "the page holds")
            if got + used > length:
                raise BerkeleyDBError(f"overflow page {pgno} runs past the {length} bytes "
                                      f"of {via}")
            pieces.append(page[self.overhead:self.overhead + used])
            got += used
            pgno = self.next_pgno(page)
        return b"".join(pieces)


@dataclass(frozen=True)
class HashDatabase:
    """A Berkeley DB hash database whose metadata page has been checked."""

    pages: _Pages
    max_bucket: int
    spares: tuple[int, ...]

    @property
    def byteorder(self) -> Literal["little", "big"]:
        """The byte order of the machine that wrote it (and of rpm's header numbers)."""
        return "little" if self.pages.order == "<" else "big"

    def items(self) -> Iterator[tuple[bytes, bytes]]:
        """Every (key, value), bucket by bucket; raises BerkeleyDBError while iterating
        when a page is damaged."""
        seen: set[int] = set()  # a bucket page reached twice is a loop or a shared chain
        for bucket in range(self.max_bucket + 1):
            split = bucket.bit_length()  # ceil(log2(bucket + 1)): the doubling it came with
            if split >= SPARES:
                raise BerkeleyDBError(f"bucket {bucket} is past the table's 32 doublings")
            pgno, via = bucket + self.spares[split], f"the chain of bucket {bucket}"
            while pgno:
                if pgno in seen:
                    raise BerkeleyDBError(f"{via} leads back to page {pgno}, already read")
                seen.add(pgno)
                page = self.pages.page(pgno, via)
                if page[25] not in (P_HASH, P_HASH_UNSORTED):
                    raise BerkeleyDBError(f"page {pgno} of bucket {bucket} is of type "
                                          f"{page[25]}, not a hash page")
                yield from self.pages.pairs(page, pgno)
                pgno = self.pages.next_pgno(page)


def open_hash(data: bytes) -> HashDatabase:
    """The database in `data`, its metadata page checked; raises BerkeleyDBError when it is
    not a hash database or that page is damaged."""
    if len(data) < 16:
        raise BerkeleyDBError(f"the file is {len(data)} bytes, too short for a Berkeley DB "
                              "metadata page")
    for order in ("<", ">"):
        (magic,) = struct.unpack_from(order + "I", data, 12)
        if magic == HASH_MAGIC:
            break
        if magic in OTHER_MAGICS:
            raise BerkeleyDBError(f"a Berkeley DB {OTHER_MAGICS[magic]} database, not a "
                                  "hash database")
    else:
        raise BerkeleyDBError("not a Berkeley DB database (no hash magic at byte 12)")
    if len(data) < 96 + 4 * SPARES:
        raise BerkeleyDBError(f"the file is {len(data)} bytes, cut off inside the "
                              "metadata page")
    version, page_size = struct.unpack_from(order + "II", data, 16)
    if version not in HASH_VERSIONS:
        raise BerkeleyDBError(f"hash version {version} is not supported (only "
                              f"{HASH_VERSIONS.start} to {HASH_VERSIONS.stop - 1})")
    if page_size < 512 or page_size > 65536 or page_size & (page_size - 1):
        raise BerkeleyDBError(f"page size {page_size} is not a power of two from 512 to "
                              "65536")
    if len(data) < page_size:
        raise BerkeleyDBError(f"the file is {len(data)} bytes, cut off inside the "
                              f"{page_size}-byte metadata page")
    if data[25] != P_HASHMETA:
        raise BerkeleyDBError(f"page 0 is of type {data[25]}, not a hash metadata page")
    if data[24]:
        raise BerkeleyDBError("the database is encrypted")
    checksummed = data[26] & DBMETA_CHKSUM
    (last_pgno,) = struct.unpack_from(order + "I", data, 32)
    (max_bucket,) = struct.unpack_from(order + "I", data, 72)
    spares = struct.unpack_from(f"{order}{SPARES}I", data, 96)
    if max_bucket >= last_pgno:
        raise BerkeleyDBError(f"the metadata page claims {max_bucket + 1} buckets in "
                              f"{last_pgno} pages")
    overhead = PAGE_HEADER_SIZE + (CHECKSUM_SIZE if checksummed else 0)
    return HashDatabase(_Pages(data, order, page_size, last_pgno, overhead), max_bucket,
                        spares)

