"""Rendered responses kept in memory, bounded in bytes; the least recently used go first.

An entry is what a response was (status 200, headers, body) with the public generation it
was rendered at: it is served only while that generation is current and for at most its
lifetime. Its size counts its body, its headers and key, and a fixed allowance for the
objects holding them, so the bound holds for memory, not just for bodies.
"""

import time
from collections import OrderedDict
from dataclasses import dataclass

RawHeaders = list[tuple[bytes, bytes]]
# The objects an entry is made of (dataclass, tuples, the dict's slot), roughly.
ENTRY_OVERHEAD = 512


@dataclass(frozen=True, slots=True)
class Entry:
    generation: tuple[int, int]
    expires: float  # time.monotonic()
    headers: RawHeaders
    body: bytes
    etag: str | None
    last_modified: str | None
    size: int


def entry_size(key: str, headers: RawHeaders, body: bytes) -> int:
    return ENTRY_OVERHEAD + len(key) + len(body) + sum(len(n) + len(v) + 64 for n, v in headers)


class ResponseStore:
    """A byte-bounded LRU map; `capacity` 0 keeps nothing."""

    def __init__(self, capacity: int) -> None:
        self.capacity = capacity
        self.size = 0
        self._entries: OrderedDict[str, Entry] = OrderedDict()

    def __len__(self) -> int:
        return len(self._entries)

    def get(self, key: str, generation: tuple[int, int]) -> Entry | None:
        entry = self._entries.get(key)
        if entry is None:
            return None
        if entry.generation != generation or entry.expires <= time.monotonic():
            self._remove(key)
            return None
        self._entries.move_to_end(key)
        return entry

    def put(self, key: str, entry: Entry) -> bool:
        """Keeps `entry` unless it alone is larger than the bound; evicts to make room."""
        if entry.size > self.capacity:
            return False
        self._remove(key)
        while self.size + entry.size > self.capacity:
            _, evicted = self._entries.popitem(last=False)
            self.size -= evicted.size
        self._entries[key] = entry
        self.size += entry.size
        return True

    def clear(self) -> None:
        self._entries.clear()
        self.size = 0

    def _remove(self, key: str) -> None:
        entry = self._entries.pop(key, None)
        if entry is not None:
            self.size -= entry.size
