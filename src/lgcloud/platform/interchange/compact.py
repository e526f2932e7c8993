"""A compact row for imports that hold a whole member's files in memory: the values in a tuple, the item names in an
index shared by every row of the same shape (the same names in the same order). A decoded row of 47 items is a
dict of ~2.3 KB; as a `CompactRow` ~0.5 KB — at 1,000,000 residents the difference between fitting and not.

It reads like the dict it was made from (`row[k]`, `get`, `in`, iteration in the dict's order, `items`, `{**row}`)
and takes updates of its items; a new item name moves the row to a wider shape."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, MutableMapping
from typing import Any

_SHAPES: dict[tuple[str, ...], dict[str, int]] = {}
_MAX_SHAPES = 4096  # shapes remembered (a file of many shapes makes its rows their own index beyond that)


def _shape(keys: tuple[str, ...]) -> dict[str, int]:
    index = _SHAPES.get(keys)
    if index is None:
        index = {k: i for i, k in enumerate(keys)}
        if len(_SHAPES) < _MAX_SHAPES:
            _SHAPES[keys] = index
    return index


class CompactRow(MutableMapping[str, Any]):
    __slots__ = ("_index", "_values")

    def __init__(self, row: Mapping[str, Any], strings: dict[str, str] | None = None) -> None:
        """`strings`: a memo shared by the rows of one file — equal texts are held once (a file's dates, places
        and names repeat)."""
        self._index = _shape(tuple(row))
        if strings is None:
            self._values = tuple(row.values())
        else:
            memo = strings.setdefault
            self._values = tuple([memo(v, v) if type(v) is str else v for v in row.values()])

    def __getitem__(self, key: str) -> Any:
        return self._values[self._index[key]]

    def get(self, key: str, default: Any = None) -> Any:
        i = self._index.get(key)
        return default if i is None else self._values[i]

    def __contains__(self, key: object) -> bool:
        return key in self._index

    def __iter__(self) -> Iterator[str]:
        return iter(self._index)

    def __len__(self) -> int:
        return len(self._index)

    def pairs(self) -> Iterable[tuple[str, Any]]:
        """(name, value) in order — what `items()` gives, without the view object."""
        return zip(self._index, self._values, strict=True)

    def __setitem__(self, key: str, value: Any) -> None:
        i = self._index.get(key)
        if i is None:
            self._index = _shape((*self._index, key))
            self._values = (*self._values, value)
        else:
            self._values = (*self._values[:i], value, *self._values[i + 1:])

    def __delitem__(self, key: str) -> None:
        i = self._index[key]
        self._index = _shape(tuple(k for k in self._index if k != key))
        self._values = (*self._values[:i], *self._values[i + 1:])

    def setdefault(self, key: str, default: Any = None) -> Any:
        i = self._index.get(key)
        if i is None:
            self[key] = default
            return default
        return self._values[i]

    def __repr__(self) -> str:
        return f"CompactRow({dict(self.pairs())!r})"


def pairs(row: Mapping[str, Any]) -> Iterable[tuple[str, Any]]:
    """A row's (name, value) pairs, a dict's or a `CompactRow`'s."""
    return row.pairs() if isinstance(row, CompactRow) else row.items()


def pick(row: Mapping[str, Any], keys: Iterable[str]) -> dict[str, Any]:
    """{k: row[k]} for the keys the row has."""
    if isinstance(row, CompactRow):
        index, values = row._index, row._values
        return {k: values[index[k]] for k in keys if k in index}
    return {k: row[k] for k in keys if k in row}
