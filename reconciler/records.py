"""`@record`: a frozen dataclass that is cheap to define. Standard library only.

`dataclass` compiles `__init__`, `__repr__`, `__eq__`, `__hash__`, `__setattr__` and `__delattr__` from
source for every class; on Python 3.11 that was a fifth of a warm `plan` (60 classes on its path,
half of them never instantiated by it). A record compiles nothing when it is defined:

- equality, hash and repr are the shared functions below, reading the fields through one `attrgetter`
  per class, and assigning or deleting a field raises `FrozenInstanceError`;
- `__init__` is compiled when the first instance is made, as a frozen dataclass's is: its fields in
  order (keyword-only ones after `*`) with their defaults and factories, each set through
  `object.__setattr__`, then `__post_init__`. One function: a twin frozen dataclass would compile
  three.

They behave as `@dataclass(frozen=True)`'s do (a property test compares them); `fields`, `replace` and
pickling are the dataclass ones. A record is a plain, final class: one that defines any of those
methods itself, has a base class or an InitVar, or subclasses a record is refused (a dataclass would
keep or combine them). Before its first instance a record's `__init__` reads `(*args, **kwargs)` to
introspection.
"""

from __future__ import annotations

import inspect
import reprlib
import sys
from collections.abc import Callable
from dataclasses import MISSING, Field, FrozenInstanceError, dataclass, field, fields
from operator import attrgetter
from typing import Any, TypeVar, dataclass_transform

T = TypeVar("T")


_MADE_HERE = ("__init__", "__repr__", "__eq__", "__hash__", "__setattr__", "__delattr__")


@dataclass_transform(frozen_default=True, field_specifiers=(field,))
def record(cls: type[T]) -> type[T]:
    _check_plain(cls)
    if not cls.__doc__:  # (else dataclass writes one from inspect.signature)
        cls.__doc__ = cls.__name__
    made: Any = dataclass(cls, init=False, eq=False, repr=False)  # the fields only: nothing compiled
    every = fields(made)
    _check_defaults(cls, every)
    made._record_key = _getter([f.name for f in every if f.compare])
    made._record_hash_key = _getter([f.name for f in every if (f.compare if f.hash is None else f.hash)])
    made._record_shown = tuple(f.name for f in every if f.repr)
    made.__eq__, made.__hash__, made.__repr__ = _eq, _hash, _repr
    made.__setattr__, made.__delattr__ = _no_assign, _no_delete
    made.__init__ = _first_init
    made.__init_subclass__ = classmethod(_no_subclass)
    return made  # type: ignore[no-any-return]


def _check_plain(cls: type) -> None:
    """A record is a plain class of fields and methods: its dunders are ours, and what a frozen dataclass
    would keep (its own __eq__, a base class, an InitVar) a record refuses."""
    problems = [f"defines {name}" for name in _MADE_HERE if name in cls.__dict__]
    if cls.__bases__ != (object,):
        problems.append("has a base class")
    if any("InitVar" in str(hint) for hint in inspect.get_annotations(cls).values()):
        problems.append("has an InitVar")
    if problems:
        raise TypeError(f"@record {cls.__qualname__} {', '.join(problems)}: a record is a plain class")


def _check_defaults(cls: type, every: tuple[Field[Any], ...]) -> None:
    """As a dataclass: no positional parameter without a default after one with a default."""
    defaulted = False
    for f in every:
        if f.init and not f.kw_only:
            has_default = f.default is not MISSING or f.default_factory is not MISSING
            if defaulted and not has_default:
                raise TypeError(f"@record {cls.__qualname__}: non-default argument {f.name!r} follows "
                                "default argument")
            defaulted = defaulted or has_default


def _no_subclass(cls: type, /, **kwargs: Any) -> None:
    raise TypeError(f"{cls.__qualname__}: a record cannot be subclassed")


def _first_init(self: Any, *args: Any, **kwargs: Any) -> None:
    """The first instance of a record compiles its class's `__init__`."""
    cls = type(self)
    if cls.__init__ is _first_init:
        cls.__init__ = _compiled_init(cls, fields(cls))
    cls.__init__(self, *args, **kwargs)


class _Factory:
    """The default of a parameter whose field has a default factory."""

    def __repr__(self) -> str:
        return "<factory>"


_FACTORY = _Factory()


def _compiled_init(cls: type, every: tuple[Field[Any], ...]) -> Callable[..., None]:
    """A frozen dataclass's `__init__` of these fields, compiled in the class's module (for its hints)."""
    env: dict[str, Any] = {"_record_set": object.__setattr__, "_record_factory": _FACTORY}
    positional: list[str] = []
    keyword: list[str] = []
    body: list[str] = []
    for f in every:
        factory = f.default_factory is not MISSING
        if factory:
            env[f"_factory_{f.name}"] = f.default_factory
        if f.init:
            default, value = _parameter(f, factory, env)
            (keyword if f.kw_only else positional).append(f"{f.name}{default}")
        elif factory:
            value = f"_factory_{f.name}()"
        else:
            continue  # not a parameter, a plain default: the class attribute is its value
        body.append(f"_record_set(self, {f.name!r}, {value})")
    if hasattr(cls, "__post_init__"):
        body.append("self.__post_init__()")
    params = ", ".join(["self", *positional, *(["*", *keyword] if keyword else [])])
    source = (f"def __create__({', '.join(env)}):\n def __init__({params}):\n"
              + "".join(f"  {line}\n" for line in body or ["pass"]) + " return __init__\n")
    made: dict[str, Any] = {}
    exec(source, getattr(sys.modules.get(cls.__module__), "__dict__", {}), made)  # (source built above)
    init: Callable[..., None] = made["__create__"](**env)
    init.__qualname__ = f"{cls.__qualname__}.__init__"
    init.__annotations__ = {**{f.name: f.type for f in every if f.init}, "return": None}
    return init


def _parameter(f: Field[Any], factory: bool, env: dict[str, Any]) -> tuple[str, str]:
    """(the parameter's default as source, the value its field is set to)."""
    if factory:
        return "=_record_factory", f"_factory_{f.name}() if {f.name} is _record_factory else {f.name}"
    if f.default is not MISSING:
        env[f"_default_{f.name}"] = f.default
        return f"=_default_{f.name}", f.name
    return "", f.name


def _no_assign(self: Any, name: str, value: Any) -> None:
    raise FrozenInstanceError(f"cannot assign to field {name!r}")


def _no_delete(self: Any, name: str) -> None:
    raise FrozenInstanceError(f"cannot delete field {name!r}")


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
