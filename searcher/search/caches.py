"""Bounded caches shared by a process's threads: past a budget of bytes, the least recently used entries go first.

What is cached is never modified (a newer value replaces an entry whole), so a value handed out needs no lock. Each
cache says what an entry costs, counting its key and bookkeeping too, so that even entries of empty values are
bounded.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Generic, TypeVar

V = TypeVar("V")


class LruCache(Generic[V]):
    def __init__(self, budget: int, cost: Callable[[V], int]) -> None:
        self.budget = budget
        self.size = 0
        self._cost = cost
        self._items: OrderedDict[Hashable, V] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: Hashable) -> V | None:
        with self._lock:
            found = self._items.get(key)
            if found is not None:
                self._items.move_to_end(key)
            return found

    def put(self, key: Hashable, value: V) -> V:
        """Keep `value` (unless it alone is over the budget) and return it."""
        cost = self._cost(value)
        with self._lock:
            old = self._items.pop(key, None)
            if old is not None:
                self.size -= self._cost(old)
            if cost <= self.budget:
                self._items[key] = value
                self.size += cost
                while self.size > self.budget:
                    _, dropped = self._items.popitem(last=False)
                    self.size -= self._cost(dropped)
        return value

    def clear(self) -> None:
        with self._lock:
            self._items.clear()
            self.size = 0

    def __len__(self) -> int:
        return len(self._items)
