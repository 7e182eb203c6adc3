"""The one kind of cache a process keeps: bounded by entries *and* by bytes.

A dict or ``functools.lru_cache`` counts entries only, so a few huge entries (or keys
built from what a visitor sent) can hold any amount of memory in a worker for as long
as it lives. ``BoundedCache`` drops the least recently used entries once either limit
is passed, and refuses an entry that alone would take more than a quarter of the
byte budget. Keys must never be raw request input: build them from stored, versioned
data (hashes of pinned definitions, ids, canonical answers).
"""

from __future__ import annotations

import sys
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Generic, TypeVar

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")


def approximate_size(value: object) -> int:
    """Bytes held by ``value``: strings and containers of them counted through, other
    objects by their own size only (pass ``size=`` to ``put`` for those)."""
    if isinstance(value, str | bytes):
        return sys.getsizeof(value)
    if isinstance(value, tuple | list | frozenset | set):
        return sys.getsizeof(value) + sum(approximate_size(item) for item in value)
    if isinstance(value, dict):
        return sys.getsizeof(value) + sum(
            approximate_size(k) + approximate_size(v) for k, v in value.items()
        )
    return sys.getsizeof(value)


class BoundedCache(Generic[K, V]):
    """A thread-safe LRU cache with a limit on entries and on (approximate) bytes."""

    def __init__(self, name: str, *, max_entries: int, max_bytes: int) -> None:
        if max_entries < 1 or max_bytes < 1:
            raise ValueError("a cache needs room for at least one entry")
        self.name = name
        self.max_entries = max_entries
        self.max_bytes = max_bytes
        self._entries: OrderedDict[K, tuple[V, int]] = OrderedDict()
        self._bytes = 0
        self._lock = threading.Lock()

    def get(self, key: K) -> V | None:
        with self._lock:
            entry = self._entries.get(key)
            if entry is None:
                return None
            self._entries.move_to_end(key)
            return entry[0]

    def put(self, key: K, value: V, *, size: int | None = None) -> V:
        """Keep ``value`` under ``key`` if it fits; return it either way."""
        cost = approximate_size(key) + (approximate_size(value) if size is None else size)
        if cost > self.max_bytes // 4:
            return value
        with self._lock:
            old = self._entries.pop(key, None)
            if old is not None:
                self._bytes -= old[1]
            self._entries[key] = (value, cost)
            self._bytes += cost
            while len(self._entries) > self.max_entries or self._bytes > self.max_bytes:
                _, (_, dropped) = self._entries.popitem(last=False)
                self._bytes -= dropped
        return value

    def get_or_make(self, key: K, make: Callable[[], V], *, size: int | None = None) -> V:
        value = self.get(key)
        if value is None:
            value = self.put(key, make(), size=size)
        return value

    def values(self) -> list[V]:
        with self._lock:
            return [value for value, _ in self._entries.values()]

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
            self._bytes = 0

    def __len__(self) -> int:
        return len(self._entries)

    @property
    def bytes(self) -> int:
        """The approximate bytes held now (never more than ``max_bytes``)."""
        return self._bytes
