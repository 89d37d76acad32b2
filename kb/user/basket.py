"""The reference basket on disk: `basket.json` under `app.user_dir`, so it survives page changes,
reloads and restarts. Items are kept in the order they were added."""

from __future__ import annotations

import threading
from pathlib import Path

from index.present.basket import BasketItem
from kb.user.files import read_json, write_json

VERSION = 1


class Basket:
    def __init__(self, path: Path):
        self.path = path
        self._lock = threading.Lock()

    def items(self) -> list[BasketItem]:
        data = read_json(self.path, {"items": []})
        items = []
        for raw in data.get("items", []):
            try:
                items.append(BasketItem.from_json(raw))
            except (KeyError, TypeError, ValueError):
                continue  # an entry written by hand or by an older version: left out, not fatal
        return items

    def ids(self) -> set[str]:
        return {item.item_id for item in self.items()}

    def add(self, item: BasketItem) -> bool:
        """Add `item`; False when the same words of the same document are already there."""
        with self._lock:
            items = self.items()
            if item.item_id in {i.item_id for i in items}:
                return False
            self._write([*items, item])
            return True

    def remove(self, item_id: str) -> None:
        with self._lock:
            self._write([i for i in self.items() if i.item_id != item_id])

    def clear(self) -> None:
        with self._lock:
            self._write([])

    def _write(self, items: list[BasketItem]) -> None:
        write_json(self.path, {"version": VERSION, "items": [item.to_json() for item in items]})
