"""`@record`: a frozen dataclass that is cheap to define. Standard library only.

`dataclass` compiles `__init__`, `__repr__`, `__eq__`, `__hash__`, `__setattr__` and `__delattr__` from
source for every class; on Python 3.11 that compiling was a fifth of a warm `plan` (60 classes on its
path). A record compiles only `__init__` and the frozen guards: its equality, hash and repr are the
functions below, shared by every record and reading the fields through one `attrgetter` per class.
They behave as `@dataclass(frozen=True)`'s do (a test compares them), and `fields`, `replace`, pickling
and `__post_init__` are the dataclass ones.
"""

from __future__ import annotations

import reprlib
from collections.abc import Callable
from dataclasses import dataclass, field, fields
from operator import attrgetter
from typing import Any, TypeVar, dataclass_transform

T = TypeVar("T")


@dataclass_transform(frozen_default=True, field_specifiers=(field,))
def record(cls: type[T]) -> type[T]:
    made: Any = dataclass(cls, frozen=True, eq=False, repr=False)  # eq=False: the class keeps ours
    every = fields(made)
    made._record_key = _getter([f.name for f in every if f.compare])
    made._record_hash_key = _getter([f.name for f in every if (f.compare if f.hash is None else f.hash)])
    made._record_shown = tuple(f.name for f in every if f.repr)
    made.__eq__, made.__hash__, made.__repr__ = _eq, _hash, _repr
    return made  # type: ignore[no-any-return]


def _getter(names: list[str]) -> Callable[[Any], Any]:
    """The fields' values as one tuple (of one value or none, too); not a method (a class attribute)."""
    if len(names) > 1:
        return attrgetter(*names)
    if names:
        only = attrgetter(names[0])
        return staticmethod(lambda obj: (only(obj),))
    return staticmethod(lambda obj: ())


def _eq(self: Any, other: Any) -> Any:  # a bool, or NotImplemented for another class
    if other.__class__ is self.__class__:
        key = self._record_key
        return key(self) == key(other)
    return NotImplemented


def _hash(self: Any) -> int:
    return hash(self._record_hash_key(self))


@reprlib.recursive_repr()
def _repr(self: Any) -> str:
    shown = ", ".join(f"{name}={getattr(self, name)!r}" for name in self._record_shown)
    return f"{self.__class__.__qualname__}({shown})"
